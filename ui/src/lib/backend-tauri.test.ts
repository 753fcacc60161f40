import { describe, expect, it, vi } from "vitest";
import { BackendError, inTauri } from "./backend";
import { createTauriBackend, screenOf, ticketsOf, unwrap, type TauriApi } from "./backend-tauri";
import { brokenDnsReport, sampleAppInfo, sampleFixResult, samplePasswordStatus } from "./sample-data";
import type { DiagnosisProgress, FixProgress } from "./types";

type Listener = (e: { payload: unknown }) => void;

/** A stand-in for the generated bindings: records listeners, lets tests emit events. */
function mockApi() {
  const listeners: Record<string, Set<Listener>> = {
    diagnosisProgress: new Set(),
    healthChanged: new Set(),
    navigate: new Set(),
    fixProgress: new Set(),
    outboxChanged: new Set(),
    passwordStatus: new Set(),
  };
  const source = (name: string) => ({
    listen: vi.fn(async (cb: Listener) => {
      listeners[name]!.add(cb);
      return () => void listeners[name]!.delete(cb);
    }),
  });
  const emit = (name: string, payload: unknown) => listeners[name]!.forEach((cb) => cb({ payload }));
  const api = {
    commands: {
      runDiagnosis: vi.fn(async (_c: unknown): Promise<unknown> => ({ status: "ok", data: brokenDnsReport() })),
      getHealth: vi.fn(async (): Promise<unknown> => ({ status: "unknown", headline: "", root_cause: null, checked_at: null })),
      getDevice: vi.fn(async (): Promise<unknown> => ({ status: "error", error: { code: "device.snapshot", message: "No device." } })),
      copyDeviceInfo: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: "Device\n  Hostname: vm\n" })),
      getAppInfo: vi.fn(async (): Promise<unknown> => sampleAppInfo()),
      listFixes: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: [] })),
      previewFix: vi.fn(async (_id: unknown, _a: unknown): Promise<unknown> => ({ status: "error", error: { code: "fix.not_applicable", message: "Nothing to do." } })),
      applyFix: vi.fn(async (_id: unknown, _a: unknown): Promise<unknown> => ({ status: "ok", data: sampleFixResult("net.flush_dns") })),
      getTicketOptions: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: null })),
      previewTicket: vi.fn(async (_d: unknown): Promise<unknown> => ({ status: "ok", data: null })),
      submitTicket: vi.fn(async (_p: unknown): Promise<unknown> => ({ status: "ok", data: null })),
      listOutbox: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: [] })),
      retryTicket: vi.fn(async (_i: unknown): Promise<unknown> => ({ status: "ok", data: null })),
      copyTicketAsEmail: vi.fn(async (_i: unknown): Promise<unknown> => ({ status: "ok", data: "To: it" })),
      captureScreen: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: { png_base64: "AA==", width: 1, height: 1, scaled: false } })),
      getPasswordStatus: vi.fn(async (_r: unknown): Promise<unknown> => ({ status: "ok", data: samplePasswordStatus() })),
      checkNewPassword: vi.fn(async (_n: unknown, _c: unknown): Promise<unknown> => ({ status: "ok", data: null })),
      passwordPreflight: vi.fn(async (): Promise<unknown> => ({ status: "ok", data: null })),
      changePassword: vi.fn(async (_a: unknown, _b: unknown, _c: unknown): Promise<unknown> => ({
        status: "error",
        error: { code: "password.wrong_current_password", message: "Wrong." },
      })),
      openPasswordLink: vi.fn(async (_l: unknown): Promise<unknown> => ({ status: "ok", data: null })),
      rememberPassword: vi.fn(async (_p: unknown): Promise<unknown> => ({ status: "ok", data: samplePasswordStatus() })),
    },
    events: {
      diagnosisProgress: source("diagnosisProgress"),
      healthChanged: source("healthChanged"),
      navigate: source("navigate"),
      fixProgress: source("fixProgress"),
      outboxChanged: source("outboxChanged"),
      passwordStatus: source("passwordStatus"),
    },
  } satisfies TauriApi;
  return { api, emit, listeners };
}

describe("unwrap", () => {
  it("takes tauri-specta results and plain values alike", () => {
    expect(unwrap({ status: "ok", data: 42 }, "x")).toBe(42);
    expect(unwrap("text", "x")).toBe("text");
    // A HealthState has a `status` too, but not "ok"/"error" with data: it is a plain value.
    const health = { status: "broken", headline: "h", root_cause: null, checked_at: null };
    expect(unwrap(health, "x")).toBe(health);
    expect(() => unwrap({ status: "error", error: { code: "config.wrong_type", message: "Bad config." } }, "x")).toThrow(
      new BackendError("config.wrong_type", "Bad config."),
    );
  });
});

describe("Tauri backend", () => {
  it("listens for progress before invoking, forwards valid events, and stops listening after", async () => {
    const { api, emit, listeners } = mockApi();
    const seen: DiagnosisProgress[] = [];
    api.commands.runDiagnosis.mockImplementation(async () => {
      expect(listeners.diagnosisProgress!.size).toBe(1);
      emit("diagnosisProgress", { kind: "planned", ids: ["net.dns"] });
      emit("diagnosisProgress", { kind: "bogus" });
      emit("diagnosisProgress", { kind: "finished", check: brokenDnsReport().checks[3] });
      return { status: "ok", data: brokenDnsReport() };
    });
    const report = await createTauriBackend(api).runDiagnosis(["network", "disk"], (e) => seen.push(e));
    expect(api.commands.runDiagnosis).toHaveBeenCalledWith(["network", "disk"]);
    expect(seen.map((e) => e.kind)).toEqual(["planned", "finished"]);
    expect(report.diagnosis.root_cause).toBe("net.dns");
    expect(listeners.diagnosisProgress!.size).toBe(0);
  });

  it("turns error results and thrown IpcErrors into BackendErrors, and still unsubscribes", async () => {
    const { api, listeners } = mockApi();
    api.commands.runDiagnosis.mockRejectedValue({ code: "diagnose.collect", message: "Could not read the network state." });
    const backend = createTauriBackend(api);
    await expect(backend.runDiagnosis(["network"], () => {})).rejects.toMatchObject({
      name: "BackendError",
      code: "diagnose.collect",
      message: "Could not read the network state.",
    });
    expect(listeners.diagnosisProgress!.size).toBe(0);
    await expect(backend.getDevice()).rejects.toMatchObject({ code: "device.snapshot", message: "No device." });
    api.commands.getHealth.mockRejectedValue("bridge gone");
    await expect(backend.getHealth()).rejects.toMatchObject({ message: "bridge gone" });
    api.commands.getAppInfo.mockRejectedValue(undefined);
    await expect(backend.getAppInfo()).rejects.toMatchObject({ message: "Something went wrong talking to Deskside." });
  });

  it("returns plain and wrapped values", async () => {
    const backend = createTauriBackend(mockApi().api);
    expect((await backend.getAppInfo()).organization).toBe("Acme");
    expect(await backend.copyDeviceInfo()).toContain("Hostname: vm");
    expect((await backend.getHealth()).status).toBe("unknown");
  });

  it("forwards health and navigation events", async () => {
    const { api, emit } = mockApi();
    const backend = createTauriBackend(api);
    const health = vi.fn();
    const nav = vi.fn();
    const stopHealth = await backend.onHealthChanged(health);
    await backend.onNavigate(nav);
    emit("healthChanged", { status: "healthy", headline: "ok", root_cause: null, checked_at: null });
    emit("navigate", { screen: "device" });
    emit("navigate", { screen: "settings-that-do-not-exist" });
    emit("navigate", "about");
    expect(health).toHaveBeenCalledWith(expect.objectContaining({ status: "healthy" }));
    expect(nav.mock.calls).toEqual([["device"], ["about"]]);
    stopHealth();
    emit("healthChanged", { status: "broken" });
    expect(health).toHaveBeenCalledTimes(1);
  });

  it("applies a fix with its own progress only, and unsubscribes", async () => {
    const { api, emit, listeners } = mockApi();
    api.commands.applyFix.mockImplementation(async () => {
      emit("fixProgress", { kind: "started", fix: "net.flush_dns" });
      emit("fixProgress", { kind: "started", fix: "disk.clear_temp" });
      emit("fixProgress", { kind: "nonsense", fix: "net.flush_dns" });
      emit("fixProgress", { kind: "verifying", fix: "net.flush_dns" });
      return { status: "ok", data: sampleFixResult("net.flush_dns") };
    });
    const seen: FixProgress[] = [];
    const result = await createTauriBackend(api).applyFix("net.flush_dns", { interface: null }, (e) => seen.push(e));
    expect(api.commands.applyFix).toHaveBeenCalledWith("net.flush_dns", { interface: null });
    expect(seen.map((e) => e.kind)).toEqual(["started", "verifying"]);
    expect(result.outcome).toBe("fixed");
    expect(listeners.fixProgress!.size).toBe(0);
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
    emit("outboxChanged", { nothing: true });
    emit("passwordStatus", samplePasswordStatus());
    emit("passwordStatus", { bogus: 1 });
    expect(outbox).toHaveBeenCalledTimes(1);
    expect(password).toHaveBeenCalledTimes(1);
    expect(ticketsOf([{ id: 1 }])).toHaveLength(1);
    expect(ticketsOf("x")).toBeNull();
  });

  it("reads screen names defensively", () => {
    expect(screenOf({ screen: "help" })).toBe("help");
    expect(screenOf({ screen: "password" })).toBe("password");
    expect(screenOf(null)).toBeNull();
    expect(screenOf({ screen: 3 })).toBeNull();
  });
});

describe("inTauri", () => {
  it("detects the injected IPC bridge", () => {
    expect(inTauri({})).toBe(false);
    expect(inTauri({ __TAURI_INTERNALS__: {} })).toBe(true);
    expect(inTauri(null)).toBe(false);
  });
});
