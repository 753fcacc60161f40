// The Backend over Tauri IPC: the only module that calls the generated `bindings.ts`.
//
// Every command and event is typed by the bindings (tauri-specta, generated from the Rust
// shell), so there is nothing to cast: a command answers `{status:"ok",data}` or
// `{status:"error",error}` and `unwrap` turns that into the data or a thrown BackendError
// (the UI's `IpcError`). `TauriApi` names exactly what the UI uses; `npm run check` fails if
// the generated bindings stop providing it with these shapes.

import {
  commands,
  events,
  type AppInfoChanged,
  type DiagnosisProgress,
  type FixProgress,
  type HealthChanged,
  type IpcError,
  type Navigate,
  type OutboxChanged,
  type PasswordStatusChanged,
  type Result,
} from "./bindings";
import { BackendError, type Backend, type Unsubscribe } from "./backend";

/** One generated event, as far as the UI listens to it. */
export interface EventSource<T> {
  listen(cb: (event: { payload: T }) => void): Promise<() => void>;
}

/** What the UI uses of the generated bindings. */
export interface TauriApi {
  commands: typeof commands;
  events: {
    diagnosisProgress: EventSource<DiagnosisProgress>;
    healthChanged: EventSource<HealthChanged>;
    navigate: EventSource<Navigate>;
    fixProgress: EventSource<FixProgress>;
    outboxChanged: EventSource<OutboxChanged>;
    passwordStatus: EventSource<PasswordStatusChanged>;
    appInfoChanged: EventSource<AppInfoChanged>;
  };
}

const generated: TauriApi = { commands, events };

/**
 * A command's result → its data, or a thrown BackendError. The error goes through
 * `BackendError.from` although the bindings type it `IpcError`: when Tauri itself refuses a
 * call (unknown command, arguments that do not deserialize) the generated wrapper passes
 * Tauri's plain string on as `error`.
 */
export function unwrap<T>(result: Result<T, IpcError>, code: string): T {
  if (result.status === "ok") return result.data;
  throw BackendError.from(result.error, code);
}

/** Runs a fallible command; a rejected invoke (a broken bridge) becomes a BackendError too. */
async function call<T>(run: () => Promise<Result<T, IpcError>>, code: string): Promise<T> {
  let result: Result<T, IpcError>;
  try {
    result = await run();
  } catch (err) {
    throw BackendError.from(err, code);
  }
  return unwrap(result, code);
}

/** Runs an infallible command (no `Result` in the bindings); only the bridge can fail. */
async function callPlain<T>(run: () => Promise<T>, code: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw BackendError.from(err, code);
  }
}

export function createTauriBackend(api: TauriApi = generated): Backend {
  const c = api.commands;
  return {
    async runDiagnosis(categories, onProgress) {
      // Listen before invoking so the `planned` event cannot be missed.
      const stop = await api.events.diagnosisProgress.listen((e) => onProgress(e.payload));
      try {
        return await call(() => c.runDiagnosis(categories), "diagnose.run");
      } finally {
        stop();
      }
    },
    getHealth: () => callPlain(() => c.getHealth(), "health"),
    getDevice: () => call(() => c.getDevice(), "device.snapshot"),
    copyDeviceInfo: () => call(() => c.copyDeviceInfo(), "device.clipboard"),
    getAppInfo: () => call(() => c.getAppInfo(), "config"),
    getManagedSettings: () => call(() => c.getManagedSettings(), "config"),
    getKnownIssues: () => call(() => c.getKnownIssues(), "fleet"),
    onHealthChanged: (cb): Promise<Unsubscribe> => api.events.healthChanged.listen((e) => cb(e.payload)),
    onNavigate: (cb): Promise<Unsubscribe> => api.events.navigate.listen((e) => cb(e.payload.screen)),
    onAppInfoChanged: (cb): Promise<Unsubscribe> => api.events.appInfoChanged.listen((e) => cb(e.payload)),

    listFixes: () => call(() => c.listFixes(), "fix.list"),
    previewFix: (id, args) => call(() => c.previewFix(id, args), "fix.preview"),
    async applyFix(id, args, onProgress) {
      const stop = await api.events.fixProgress.listen((e) => {
        // Progress of another window's fix is not this dialog's.
        if (e.payload.fix === id) onProgress(e.payload);
      });
      try {
        return await call(() => c.applyFix(id, args), "fix.apply");
      } finally {
        stop();
      }
    },

    getTicketOptions: () => call(() => c.getTicketOptions(), "ticket.options"),
    previewTicket: (draft) => call(() => c.previewTicket(draft), "ticket.preview"),
    submitTicket: (previewId) => call(() => c.submitTicket(previewId), "ticket.submit"),
    listOutbox: () => call(() => c.listOutbox(), "outbox.list"),
    retryTicket: (id) => call(() => c.retryTicket(id), "outbox.retry"),
    copyTicketAsEmail: (id) => call(() => c.copyTicketAsEmail(id), "outbox.copy"),
    captureScreen: () => call(() => c.captureScreen(), "capture.failed"),
    onOutboxChanged: (cb): Promise<Unsubscribe> => api.events.outboxChanged.listen((e) => cb(e.payload.tickets)),

    getPasswordStatus: (refresh) => call(() => c.getPasswordStatus(refresh), "password.status"),
    checkNewPassword: (newPassword, confirm) => call(() => c.checkNewPassword(newPassword, confirm), "password.check"),
    passwordPreflight: () => call(() => c.passwordPreflight(), "password.preflight"),
    changePassword: (current, newPassword, confirm) =>
      call(() => c.changePassword(current, newPassword, confirm), "password.change"),
    rememberPassword: (password) => call(() => c.rememberPassword(password), "password.remember"),
    openPasswordLink: async (link) => {
      await call(() => c.openPasswordLink(link), "password.link");
    },
    resetStart: (kind, user) => call(() => c.resetStart(kind, user), "reset.start"),
    resetCode: (code, totp) => call(() => c.resetCode(code, totp), "reset.code"),
    resetComplete: (newPassword, confirm) => call(() => c.resetComplete(newPassword, confirm), "reset.complete"),
    onPasswordStatus: (cb): Promise<Unsubscribe> => api.events.passwordStatus.listen((e) => cb(e.payload)),
  };
}
