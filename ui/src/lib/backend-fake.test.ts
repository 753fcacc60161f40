import { describe, expect, it, vi } from "vitest";
import { createFakeBackend, fakeFromQuery } from "./backend-fake";
import { lowDiskReport } from "./sample-data";
import type { DiagnosisProgress } from "./bindings";

describe("fake backend", () => {
  it("plays a run like the shell: planned first, then every check once, then the report", async () => {
    const fake = createFakeBackend();
    const events: DiagnosisProgress[] = [];
    const health = vi.fn();
    await fake.onHealthChanged(health);
    const report = await fake.runDiagnosis(["network", "vpn", "disk", "system"], (e) => events.push(e));
    expect(events[0]).toEqual({ kind: "planned", ids: report.checks.map((c) => c.id) });
    const finished = events.slice(1).map((e) => (e.kind === "finished" ? e.check.id : "?"));
    expect([...finished].sort()).toEqual(report.checks.map((c) => c.id).sort());
    expect(report.diagnosis.root_cause).toBe("net.dns");
    expect(health).toHaveBeenCalledWith(expect.objectContaining({ status: "broken", root_cause: "net.dns" }));
  });

  it("runs only the asked categories", async () => {
    const report = await createFakeBackend().runDiagnosis(["disk"], () => {});
    expect(new Set(report.checks.map((c) => c.category))).toEqual(new Set(["disk"]));
  });

  it("fails on request and records calls", async () => {
    const fake = createFakeBackend({ errors: { copyDeviceInfo: { code: "device.clipboard", message: "No clipboard." } } });
    await expect(fake.copyDeviceInfo()).rejects.toMatchObject({ code: "device.clipboard" });
    expect(fake.clipboard).toBeNull();
    await fake.getDevice();
    expect(fake.calls).toEqual(["copyDeviceInfo", "getDevice"]);
  });

  it("copies a text summary of the device", async () => {
    const fake = createFakeBackend();
    const text = await fake.copyDeviceInfo();
    expect(text).toContain("LT-ALEX-0427");
    expect(fake.clipboard).toBe(text);
  });

  it("reads demo options from the query string", () => {
    const { options, autorun } = fakeFromQuery("?scenario=disk&org=Globex&accent=%23ffcc00&autorun=1&fail=getDevice&managed=app.autostart");
    expect(autorun).toBe(true);
    expect(options.report?.diagnosis).toEqual(lowDiskReport().diagnosis);
    expect(options.appInfo).toMatchObject({ organization: "Globex", accent_color: "#ffcc00", managed_keys: ["app.autostart"] });
    expect(options.errors?.getDevice?.code).toBe("fake.error");
    expect(fakeFromQuery("?scenario=unknown").options.health?.status).toBe("unknown");
  });
});
