// The Backend over Tauri IPC: the only module that touches the generated `bindings.ts`.
//
// It is tolerant on purpose: a command may come back as tauri-specta's
// `{status:"ok",data} | {status:"error",error}` or as a plain value (an infallible command, or
// a generator set to throw), and a thrown `{code,message}` becomes a BackendError too. The
// `TauriApi` view below is what the UI needs; `npm run check` fails if the generated
// bindings stop providing it.

import { commands, events } from "./bindings";
import { BackendError, type Backend, type Unsubscribe } from "./backend";
import type {
  AppInfo,
  Category,
  DeviceSnapshot,
  DiagnosisProgress,
  FixArgs,
  FixInfo,
  FixPreview,
  FixProgress,
  FixResult,
  HealthState,
  OutboxTicket,
  PasswordChangeReport,
  PasswordChecklist,
  PasswordLink,
  PasswordPreflight,
  PasswordStatus,
  Report,
  Screen,
  ScreenCapture,
  TicketOptions,
  TicketPreview,
} from "./types";

interface EventSource {
  listen(cb: (event: { payload: unknown }) => void): Promise<() => void>;
}

/** What the UI uses of the generated bindings (results are normalized at run time). */
export interface TauriApi {
  commands: {
    runDiagnosis(categories: Category[]): Promise<unknown>;
    getHealth(): Promise<unknown>;
    getDevice(): Promise<unknown>;
    copyDeviceInfo(): Promise<unknown>;
    getAppInfo(): Promise<unknown>;
    listFixes(): Promise<unknown>;
    previewFix(id: string, args: FixArgs): Promise<unknown>;
    applyFix(id: string, args: FixArgs): Promise<unknown>;
    getTicketOptions(): Promise<unknown>;
    /** `unknown`: the draft's report crosses as plain JSON (`JsonValue` in the bindings). */
    previewTicket(draft: unknown): Promise<unknown>;
    submitTicket(previewId: string): Promise<unknown>;
    listOutbox(): Promise<unknown>;
    retryTicket(id: number): Promise<unknown>;
    copyTicketAsEmail(id: number): Promise<unknown>;
    captureScreen(): Promise<unknown>;
    getPasswordStatus(refresh: boolean): Promise<unknown>;
    checkNewPassword(newPassword: string, confirm: string): Promise<unknown>;
    passwordPreflight(): Promise<unknown>;
    changePassword(current: string, newPassword: string, confirm: string): Promise<unknown>;
    openPasswordLink(link: PasswordLink): Promise<unknown>;
    rememberPassword(password: string): Promise<unknown>;
  };
  events: {
    diagnosisProgress: EventSource;
    healthChanged: EventSource;
    navigate: EventSource;
    fixProgress: EventSource;
    outboxChanged: EventSource;
    passwordStatus: EventSource;
  };
}

const generated: TauriApi = { commands, events };

const SCREENS: readonly Screen[] = ["home", "diagnostics", "device", "help", "password", "about"];

/** A command's answer → its data, or a thrown BackendError. */
export function unwrap<T>(value: unknown, code: string): T {
  if (value && typeof value === "object" && "status" in value) {
    const r = value as { status: unknown; data?: unknown; error?: unknown };
    if (r.status === "ok" && "data" in r) return r.data as T;
    if (r.status === "error" && "error" in r) throw BackendError.from(r.error, code);
  }
  return value as T;
}

async function call<T>(run: () => Promise<unknown>, code: string): Promise<T> {
  let value: unknown;
  try {
    value = await run();
  } catch (err) {
    throw BackendError.from(err, code);
  }
  return unwrap<T>(value, code);
}

function isProgress(p: unknown): p is DiagnosisProgress {
  if (!p || typeof p !== "object") return false;
  const o = p as Record<string, unknown>;
  return (
    (o.kind === "planned" && Array.isArray(o.ids)) ||
    (o.kind === "finished" && typeof o.check === "object" && o.check !== null)
  );
}

function isFixProgress(p: unknown): p is FixProgress {
  if (!p || typeof p !== "object") return false;
  const o = p as Record<string, unknown>;
  return typeof o.fix === "string" && ["started", "step", "verifying", "done"].includes(o.kind as string);
}

/** `{tickets}` (the contract) or a bare list → the tickets. */
export function ticketsOf(payload: unknown): OutboxTicket[] | null {
  const t = payload && typeof payload === "object" && !Array.isArray(payload) ? (payload as { tickets?: unknown }).tickets : payload;
  return Array.isArray(t) ? (t as OutboxTicket[]) : null;
}

/** `{screen}` (the contract) or a bare screen name → a known Screen. */
export function screenOf(payload: unknown): Screen | null {
  const s =
    payload && typeof payload === "object" ? (payload as { screen?: unknown }).screen : payload;
  return typeof s === "string" && (SCREENS as readonly string[]).includes(s) ? (s as Screen) : null;
}

export function createTauriBackend(api: TauriApi = generated): Backend {
  const c = api.commands;
  return {
    async runDiagnosis(categories, onProgress) {
      // Listen before invoking so the `planned` event cannot be missed.
      const stop = await api.events.diagnosisProgress.listen((e) => {
        if (isProgress(e.payload)) onProgress(e.payload);
      });
      try {
        return await call<Report>(() => c.runDiagnosis(categories), "diagnose.run");
      } finally {
        stop();
      }
    },
    getHealth: () => call<HealthState>(() => c.getHealth(), "health"),
    getDevice: () => call<DeviceSnapshot>(() => c.getDevice(), "device.snapshot"),
    copyDeviceInfo: () => call<string>(() => c.copyDeviceInfo(), "device.clipboard"),
    getAppInfo: () => call<AppInfo>(() => c.getAppInfo(), "config"),
    async onHealthChanged(cb): Promise<Unsubscribe> {
      return api.events.healthChanged.listen((e) => {
        if (e.payload && typeof e.payload === "object") cb(e.payload as HealthState);
      });
    },
    async onNavigate(cb): Promise<Unsubscribe> {
      return api.events.navigate.listen((e) => {
        const screen = screenOf(e.payload);
        if (screen) cb(screen);
      });
    },

    listFixes: () => call<FixInfo[]>(() => c.listFixes(), "fix.list"),
    previewFix: (id, args) => call<FixPreview>(() => c.previewFix(id, args), "fix.preview"),
    async applyFix(id, args, onProgress) {
      const stop = await api.events.fixProgress.listen((e) => {
        if (isFixProgress(e.payload) && e.payload.fix === id) onProgress(e.payload);
      });
      try {
        return await call<FixResult>(() => c.applyFix(id, args), "fix.apply");
      } finally {
        stop();
      }
    },

    getTicketOptions: () => call<TicketOptions>(() => c.getTicketOptions(), "ticket.options"),
    previewTicket: (draft) => call<TicketPreview>(() => c.previewTicket(draft), "ticket.preview"),
    submitTicket: (previewId) => call<OutboxTicket>(() => c.submitTicket(previewId), "ticket.submit"),
    listOutbox: () => call<OutboxTicket[]>(() => c.listOutbox(), "outbox.list"),
    retryTicket: (id) => call<OutboxTicket>(() => c.retryTicket(id), "outbox.retry"),
    copyTicketAsEmail: (id) => call<string>(() => c.copyTicketAsEmail(id), "outbox.copy"),
    captureScreen: () => call<ScreenCapture>(() => c.captureScreen(), "capture.failed"),
    async onOutboxChanged(cb): Promise<Unsubscribe> {
      return api.events.outboxChanged.listen((e) => {
        const tickets = ticketsOf(e.payload);
        if (tickets) cb(tickets);
      });
    },

    getPasswordStatus: (refresh) => call<PasswordStatus>(() => c.getPasswordStatus(refresh), "password.status"),
    checkNewPassword: (newPassword, confirm) => call<PasswordChecklist>(() => c.checkNewPassword(newPassword, confirm), "password.check"),
    passwordPreflight: () => call<PasswordPreflight>(() => c.passwordPreflight(), "password.preflight"),
    changePassword: (current, newPassword, confirm) =>
      call<PasswordChangeReport>(() => c.changePassword(current, newPassword, confirm), "password.change"),
    rememberPassword: (password) => call<PasswordStatus>(() => c.rememberPassword(password), "password.remember"),
    openPasswordLink: async (link) => {
      await call<unknown>(() => c.openPasswordLink(link), "password.link");
    },
    async onPasswordStatus(cb): Promise<Unsubscribe> {
      return api.events.passwordStatus.listen((e) => {
        if (e.payload && typeof e.payload === "object" && "state" in e.payload) cb(e.payload as PasswordStatus);
      });
    },
  };
}
