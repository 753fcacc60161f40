// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { describe, expect, it } from "vitest";
import Diagnostics from "./Diagnostics.svelte";
import { AppState } from "../lib/app-state.svelte";
import { createFakeBackend } from "../lib/backend-fake";
import { brokenDnsReport } from "../lib/sample-data";
import type { DiagnosisProgress, Report } from "../lib/bindings";

/** A backend whose diagnosis the test drives event by event. */
function drivenBackend() {
  let emit: (e: DiagnosisProgress) => void = () => {};
  let finish: (r: Report) => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const backend = {
    ...createFakeBackend(),
    runDiagnosis: (_categories: unknown, onProgress: (e: DiagnosisProgress) => void) =>
      new Promise<Report>((resolve, reject) => {
        emit = onProgress;
        finish = resolve;
        fail = reject;
      }),
  };
  return {
    backend,
    emit: async (e: DiagnosisProgress) => {
      emit(e);
      await tick();
    },
    finish: async (r: Report) => {
      finish(r);
      await new Promise((res) => setTimeout(res, 0));
      await tick();
    },
    fail: async (e: unknown) => {
      fail(e);
      await new Promise((res) => setTimeout(res, 0));
      await tick();
    },
  };
}

const byTestId = (id: string) => screen.getByTestId(id);

describe("Diagnostics screen", () => {
  it("shows checks live as events arrive, then the root cause", async () => {
    const driven = drivenBackend();
    const app = new AppState(driven.backend);
    render(Diagnostics, { props: { app } });
    const report = brokenDnsReport();

    expect(byTestId("diagnosis-status").dataset.status).toBe("idle");
    expect(screen.queryByTestId("progress")).toBeNull();

    await fireEvent.click(byTestId("run-diagnostics"));
    expect(byTestId("diagnosis-status").dataset.status).toBe("running");
    expect((byTestId("run-diagnostics") as HTMLButtonElement).disabled).toBe(true);

    await driven.emit({ kind: "planned", ids: report.checks.map((c) => c.id) });
    expect(byTestId("progress").textContent?.trim()).toBe("0 of 18");
    for (const c of report.checks) expect(byTestId(`check-${c.id}`).dataset.status).toBe("pending");
    expect(screen.getByRole("progressbar").getAttribute("aria-valuenow")).toBe("0");

    // Categories appear in catalog order as group headings.
    expect(screen.getAllByRole("heading", { level: 2 }).map((h) => h.textContent)).toEqual(["Network", "VPN", "Disk", "System"]);

    const dns = report.checks.find((c) => c.id === "net.dns")!;
    const disk = report.checks.find((c) => c.id === "disk.space")!;
    await driven.emit({ kind: "finished", check: disk });
    await driven.emit({ kind: "finished", check: dns });
    expect(byTestId("check-disk.space").dataset.status).toBe("pass");
    expect(byTestId("check-net.dns").dataset.status).toBe("fail");
    expect(byTestId("check-net.dns").textContent).toContain("does not answer");
    expect(byTestId("progress").textContent?.trim()).toBe("2 of 18");
    // No root cause until the run is done.
    expect(screen.queryByTestId("root-cause")).toBeNull();

    await driven.finish(report);
    expect(byTestId("diagnosis-status").dataset.status).toBe("broken");
    expect(byTestId("diagnosis-status").textContent).toContain("1 problem found");
    expect(byTestId("progress").textContent?.trim()).toBe("18 of 18");
    const rc = byTestId("root-cause");
    expect(rc.dataset.check).toBe("net.dns");
    expect(rc.textContent).toContain("Websites cannot be found by name (DNS problem).");
    expect(rc.textContent).toContain("What to do next");
    expect(rc.textContent).toContain("Reconnect to the network");
    expect(byTestId("check-vpn.tunnel").dataset.status).toBe("skip");
    expect((byTestId("run-diagnostics") as HTMLButtonElement).disabled).toBe(false);
    expect(byTestId("run-diagnostics").textContent).toContain("Run again");
  });

  it("shows evidence as pretty JSON inside a disclosure", async () => {
    const driven = drivenBackend();
    const app = new AppState(driven.backend);
    render(Diagnostics, { props: { app } });
    await fireEvent.click(byTestId("run-diagnostics"));
    await driven.finish(brokenDnsReport());
    const details = byTestId("check-net.dns").querySelector("details")!;
    expect(details.open).toBe(false);
    expect(details.querySelector("pre")!.textContent).toContain('"servers": [\n    "192.168.178.1"\n  ]');
  });

  it("says why a run could not finish", async () => {
    const driven = drivenBackend();
    const app = new AppState(driven.backend);
    render(Diagnostics, { props: { app } });
    await fireEvent.click(byTestId("run-diagnostics"));
    await driven.fail({ code: "diagnose.collect", message: "Could not read the network state." });
    expect(byTestId("diagnosis-status").dataset.status).toBe("failed");
    expect(byTestId("diagnosis-status").textContent).toContain("Could not read the network state.");
  });
});
