import { describe, expect, it, vi } from "vitest";
import { BackendError, inTauri } from "./backend";
import { createTauriBackend, unwrap, type TauriApi } from "./backend-tauri";
import { brokenDnsReport, sampleAppInfo, sampleFixResult, sampleManagedSettings, samplePasswordStatus } from "./sample-data";
import type { DiagnosisProgress, FixProgress, IpcError, Result } from "./bindings";

type Api = TauriApi["commands"];
type Events = TauriApi["events"];
type Payload<K extends keyof Events> = Parameters<Parameters<Events[K]["listen"]>[0]>[0]["payload"];

const ok = <T>(data: T): Result<T, IpcError> => ({ status: "ok", data });
const err = <T>(code: string, message: string): Result<T, IpcError> => ({ status: "error", error: { code, message } });

/** A stand-in for the generated bindings, typed like them: records listeners, lets tests emit events. */
function mockApi() {
  const listeners: { [K in keyof Events]: Set<(e: { payload: Payload<K> }) => void> } = {
    diagnosisProgress: new Set(),
    healthChanged: new Set(),
    navigate: new Set(),
    fixProgress: new Set(),
    outboxChanged: new Set(),
    passwordStatus: new Set(),
    appInfoChanged: new Set(),
  };
  const source = <K extends keyof Events>(name: K) => ({
    listen: vi.fn(async (cb: (e: { payload: Payload<K> }) => void) => {
      listeners[name].add(cb);
      return () => void listeners[name].delete(cb);
    }),
  });
  const emit = <K extends keyof Events>(name: K, payload: Payload<K>) => listeners[name].forEach((cb) => cb({ payload }));
  const api = {
    commands: {
      runDiagnosis: vi.fn<Api["runDiagnosis"]>(async () => ok(brokenDnsReport())),
      getHealth: vi.fn<Api["getHealth"]>(async () => ({ status: "unknown", headline: "", root_cause: null, checked_at: null })),
      getDevice: vi.fn<Api["getDevice"]>(async () => err("device.snapshot", "No device.")),
      copyDeviceInfo: vi.fn<Api["copyDeviceInfo"]>(async () => ok("Device\n  Hostname: vm\n")),
      getAppInfo: vi.fn<Api["getAppInfo"]>(async () => ok(sampleAppInfo())),
      getManagedSettings: vi.fn<Api["getManagedSettings"]>(async () => ok(sampleManagedSettings())),
      getKnownIssues: vi.fn<Api["getKnownIssues"]>(async () =>
        ok({ matching: null, issues: [], enabled: false, problem: null }),
      ),
      listFixes: vi.fn<Api["listFixes"]>(async () => ok([])),
      previewFix: vi.fn<Api["previewFix"]>(async () => err("fix.not_applicable", "Nothing to do.")),
      applyFix: vi.fn<Api["applyFix"]>(async () => ok(sampleFixResult("net.flush_dns"))),
      getTicketOptions: vi.fn<Api["getTicketOptions"]>(async () => err("ticket.options", "Not now.")),
      previewTicket: vi.fn<Api["previewTicket"]>(async () => err("ticket.preview", "Not now.")),
      submitTicket: vi.fn<Api["submitTicket"]>(async () => err("ticket.preview_expired", "Preview again.")),
      listOutbox: vi.fn<Api["listOutbox"]>(async () => ok([])),
      retryTicket: vi.fn<Api["retryTicket"]>(async () => err("outbox.unknown_ticket", "Gone.")),
      copyTicketAsEmail: vi.fn<Api["copyTicketAsEmail"]>(async () => ok("To: it")),
      captureScreen: vi.fn<Api["captureScreen"]>(async () => ok({ png_base64: "AA==", width: 1, height: 1, scaled: false })),
      getPasswordStatus: vi.fn<Api["getPasswordStatus"]>(async () => ok(samplePasswordStatus())),
      checkNewPassword: vi.fn<Api["checkNewPassword"]>(async () => ok({ items: [], score: 0, feedback: [], acceptable: false })),
      passwordPreflight: vi.fn<Api["passwordPreflight"]>(async () => ok({ ok: true, items: [] })),
      changePassword: vi.fn<Api["changePassword"]>(async () => err("password.wrong_current_password", "Wrong.")),
      openPasswordLink: vi.fn<Api["openPasswordLink"]>(async () => ok(null)),
      rememberPassword: vi.fn<Api["rememberPassword"]>(async () => ok(samplePasswordStatus())),
      resetStart: vi.fn<Api["resetStart"]>(async () => ok({ kind: "reset", account: "alex", next: "code", message: "" })),
      resetCode: vi.fn<Api["resetCode"]>(async () => err("reset.wrong_code", "That code is not right.")),
      resetComplete: vi.fn<Api["resetComplete"]>(async () => ok({ kind: "unlock", message: "Unlocked.", to_update: [] })),
    },
    events: {
      diagnosisProgress: source("diagnosisProgress"),
      healthChanged: source("healthChanged"),
      navigate: source("navigate"),
      fixProgress: source("fixProgress"),
      outboxChanged: source("outboxChanged"),
      passwordStatus: source("passwordStatus"),
      appInfoChanged: source("appInfoChanged"),
    },
  } satisfies TauriApi;
  return { api, emit, listeners };
}

describe("unwrap", () => {
  it("returns the data of an ok result and throws the error of an error result", () => {
    expect(unwrap(ok(42), "x")).toBe(42);
    expect(() => unwrap(err("config.wrong_type", "Bad config."), "x")).toThrow(new BackendError("config.wrong_type", "Bad config."));
  });

  it("keeps Tauri's own refusal (a plain string where the bindings say IpcError) readable", () => {
    // The generated wrapper passes a rejected invoke's string on as `error` (unknown command,
    // arguments that do not deserialize); the UI still shows a sentence and a code.
    const refusal = JSON.parse('{"status":"error","error":"invalid args `id` for command `retry_ticket`"}') as Result<number, IpcError>;
    expect(() => unwrap(refusal, "outbox.retry")).toThrow(new BackendError("outbox.retry", "invalid args `id` for command `retry_ticket`"));
  });
});

describe("Tauri backend", () => {
  it("listens for progress before invoking, forwards events, and stops listening after", async () => {
    const { api, emit, listeners } = mockApi();
    const seen: DiagnosisProgress[] = [];
    const dns = brokenDnsReport().checks.find((c) => c.id === "net.dns")!;
    api.commands.runDiagnosis.mockImplementation(async () => {
      expect(listeners.diagnosisProgress.size).toBe(1);
      emit("diagnosisProgress", { kind: "planned", ids: ["net.dns"] });
      emit("diagnosisProgress", { kind: "finished", check: dns });
      return ok(brokenDnsReport());
    });
    const report = await createTauriBackend(api).runDiagnosis(["network", "disk"], (e) => seen.push(e));
    expect(api.commands.runDiagnosis).toHaveBeenCalledWith(["network", "disk"]);
    expect(seen).toEqual([
      { kind: "planned", ids: ["net.dns"] },
      { kind: "finished", check: dns },
    ]);
    expect(report.diagnosis.root_cause).toBe("net.dns");
    expect(listeners.diagnosisProgress.size).toBe(0);
  });

  it("turns error results and a broken bridge into BackendErrors, and still unsubscribes", async () => {
    const { api, listeners } = mockApi();
    api.commands.runDiagnosis.mockResolvedValue(err("diagnose.collect", "Could not read the network state."));
    const backend = createTauriBackend(api);
    await expect(backend.runDiagnosis(["network"], () => {})).rejects.toMatchObject({
      name: "BackendError",
      code: "diagnose.collect",
      message: "Could not read the network state.",
    });
    expect(listeners.diagnosisProgress.size).toBe(0);
    await expect(backend.getDevice()).rejects.toMatchObject({ code: "device.snapshot", message: "No device." });
    // The generated wrapper rethrows an Error from invoke itself (the IPC bridge is gone).
    api.commands.getHealth.mockRejectedValue(new Error("bridge gone"));
    await expect(backend.getHealth()).rejects.toMatchObject({ name: "BackendError", code: "health", message: "bridge gone" });
    api.commands.getAppInfo.mockRejectedValue(undefined);
    await expect(backend.getAppInfo()).rejects.toMatchObject({ code: "config", message: "Something went wrong talking to Deskside." });
  });

  it("returns the data of every kind of command", async () => {
    const backend = createTauriBackend(mockApi().api);
    expect((await backend.getAppInfo()).organization).toBe("Acme");
    expect(await backend.copyDeviceInfo()).toContain("Hostname: vm");
    expect((await backend.getHealth()).status).toBe("unknown");
    await expect(backend.openPasswordLink("reset")).resolves.toBeUndefined();
  });

  it("forwards health and navigation events with their payloads", async () => {
    const { api, emit } = mockApi();
    const backend = createTauriBackend(api);
    const health = vi.fn();
    const nav = vi.fn();
    const stopHealth = await backend.onHealthChanged(health);
    await backend.onNavigate(nav);
    emit("healthChanged", { status: "healthy", headline: "ok", root_cause: null, checked_at: null });
    emit("navigate", { screen: "device" });
    emit("navigate", { screen: "about" });
    expect(health).toHaveBeenCalledWith(expect.objectContaining({ status: "healthy" }));
    expect(nav.mock.calls).toEqual([["device"], ["about"]]);
    stopHealth();
    emit("healthChanged", { status: "broken", headline: "down", root_cause: "vpn.tunnel", checked_at: null });
    expect(health).toHaveBeenCalledTimes(1);
  });

  it("applies a fix with its own progress only, and unsubscribes", async () => {
    const { api, emit, listeners } = mockApi();
    api.commands.applyFix.mockImplementation(async () => {
      emit("fixProgress", { kind: "started", fix: "net.flush_dns" });
      emit("fixProgress", { kind: "started", fix: "disk.clear_temp" });
      emit("fixProgress", { kind: "verifying", fix: "net.flush_dns" });
      return ok(sampleFixResult("net.flush_dns"));
    });
    const seen: FixProgress[] = [];
    const result = await createTauriBackend(api).applyFix("net.flush_dns", { interface: null }, (e) => seen.push(e));
    expect(api.commands.applyFix).toHaveBeenCalledWith("net.flush_dns", { interface: null });
    expect(seen.map((e) => e.kind)).toEqual(["started", "verifying"]);
    expect(result.outcome).toBe("fixed");
    expect(listeners.fixProgress.size).toBe(0);
  });

  it("maps password errors, outbox and password events", async () => {
    const { api, emit } = mockApi();
    const backend = createTauriBackend(api);
    await expect(backend.changePassword("a", "b", "b")).rejects.toMatchObject({ code: "password.wrong_current_password" });
    await expect(backend.previewFix("net.flush_dns", { interface: null })).rejects.toMatchObject({ code: "fix.not_applicable" });
    const outbox = vi.fn();
    const password = vi.fn();
    await backend.onOutboxChanged(outbox);
    await backend.onPasswordStatus(password);
    emit("outboxChanged", { tickets: [] });
    emit("passwordStatus", samplePasswordStatus());
    expect(outbox.mock.calls).toEqual([[[]]]);
    expect(password).toHaveBeenCalledWith(samplePasswordStatus());
  });

  it("passes a policy change's app info to the window", async () => {
    const { api, emit } = mockApi();
    const backend = createTauriBackend(api);
    const seen = vi.fn();
    await backend.onAppInfoChanged(seen);
    emit("appInfoChanged", { ...sampleAppInfo(), organization: "Policy Corp" });
    expect(seen).toHaveBeenCalledWith({ ...sampleAppInfo(), organization: "Policy Corp" });
  });
});

describe("inTauri", () => {
  it("detects the injected IPC bridge", () => {
    expect(inTauri({})).toBe(false);
    expect(inTauri({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(inTauri(null)).toBe(false);
  });
});
