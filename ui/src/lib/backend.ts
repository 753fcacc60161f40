// The one interface between the UI and the outside world. Screens and state call only this;
// `backend-tauri.ts` implements it over the generated IPC bindings and `backend-fake.ts`
// with sample data for unit tests and `npm run dev` in a plain browser. Every shape that
// crosses IPC is the generated type of `bindings.ts`, so a Rust change breaks `npm run check`.

import type {
  AppInfo,
  ManagedSettings,
  Category,
  DeviceSnapshot,
  DiagnosisProgress,
  FixArgs,
  FixInfo,
  FixPreview,
  FixProgress,
  FixResult,
  HealthState,
  IpcError,
  KnownIssuesView,
  OutboxTicket,
  PasswordChangeReport,
  PasswordChecklist,
  PasswordLink,
  ScreenCapture,
  PasswordPreflight,
  PasswordStatus,
  ResetDone,
  ResetKind,
  ResetStep,
  Report,
  Screen,
  TicketDraft,
  TicketOptions,
  TicketPreview,
} from "./bindings";

/** Stops a subscription. */
export type Unsubscribe = () => void;

export interface Backend {
  /** Runs the checks of these categories; `onProgress` sees `planned` once, then each `finished`. */
  runDiagnosis(
    categories: Category[],
    onProgress: (event: DiagnosisProgress) => void,
  ): Promise<Report>;
  /** Last known health (background or manual run). Fails only when the IPC bridge does. */
  getHealth(): Promise<HealthState>;
  /** A fresh device snapshot. */
  getDevice(): Promise<DeviceSnapshot>;
  /** Puts the device summary on the clipboard and returns the text it put there. */
  copyDeviceInfo(): Promise<string>;
  /** Version, branding and configuration provenance. */
  getAppInfo(): Promise<AppInfo>;
  /** The managed policy in effect: sources, each key it sets with its provenance, errors. */
  getManagedSettings(): Promise<ManagedSettings>;
  /** What IT's Deskside server knows: the known issue matching the last diagnosis, announcements. */
  getKnownIssues(): Promise<KnownIssuesView>;
  /**
   * Health changed (background run, manual run). Like every `on…` here, the returned promise
   * resolves once the listener is registered: subscribe before reading the state it updates.
   */
  onHealthChanged(cb: (health: HealthState) => void): Promise<Unsubscribe>;
  /** The tray menu asks the window to show a screen. */
  onNavigate(cb: (screen: Screen) => void): Promise<Unsubscribe>;
  /** Managed policy changed: the app info (branding, provenance) as it is now. */
  onAppInfoChanged(cb: (info: AppInfo) => void): Promise<Unsubscribe>;

  // ---- fixes ----
  /** Built-in fixes and IT's actions, with whether each can run here. */
  listFixes(): Promise<FixInfo[]>;
  /** What the fix would change (nothing is changed). */
  previewFix(id: string, args: FixArgs): Promise<FixPreview>;
  /** Applies the fix (asking for administrator approval when it needs it), then re-tests. */
  applyFix(id: string, args: FixArgs, onProgress: (event: FixProgress) => void): Promise<FixResult>;

  // ---- tickets ----
  /** Where tickets go, categories, and which parts may be attached. */
  getTicketOptions(): Promise<TicketOptions>;
  /** Builds and redacts the ticket: exactly what `submitTicket(preview_id)` sends. */
  previewTicket(draft: TicketDraft): Promise<TicketPreview>;
  /** Queues the previewed ticket durably and starts delivering it. */
  submitTicket(previewId: string): Promise<OutboxTicket>;
  /** Tickets of the outbox, newest first. */
  listOutbox(): Promise<OutboxTicket[]>;
  /** Try a queued or failed ticket again now. */
  retryTicket(id: number): Promise<OutboxTicket>;
  /** Puts the ticket on the clipboard as an email (the fallback) and returns that text. */
  copyTicketAsEmail(id: number): Promise<string>;
  /** Takes a screenshot (the window steps aside meanwhile); nothing is kept or sent. */
  captureScreen(): Promise<ScreenCapture>;
  /** The outbox changed (queued, sending, delivered, failed, answered). */
  onOutboxChanged(cb: (tickets: OutboxTicket[]) => void): Promise<Unsubscribe>;

  // ---- password ----
  /** Expiry and policy; `refresh` asks the directory instead of the cache. */
  getPasswordStatus(refresh: boolean): Promise<PasswordStatus>;
  /** Live checklist for a new password (policy, account name, match, strength). */
  checkNewPassword(newPassword: string, confirm: string): Promise<PasswordChecklist>;
  /** Can a change be sent now (directory over TLS, VPN, clock)? */
  passwordPreflight(): Promise<PasswordPreflight>;
  /** Changes the password; errors carry `password.<code>`. */
  changePassword(current: string, newPassword: string, confirm: string): Promise<PasswordChangeReport>;
  /** Checks the password with the directory and keeps it in the OS keyring so expiry can be read. */
  rememberPassword(password: string): Promise<PasswordStatus>;
  /** Opens IT's change/reset/unlock page in the browser (URLs come from the config only). */
  openPasswordLink(link: PasswordLink): Promise<void>;
  /** Starts a reset or unlock through IT's server, signed by this device (one proof). */
  resetStart(kind: ResetKind, user: string | null): Promise<ResetStep>;
  /** The mailed code, or (`totp`) an authenticator or recovery code, of the flow in progress. */
  resetCode(code: string, totp: boolean): Promise<ResetStep>;
  /** Finishes the flow: the new password for a reset, nothing for an unlock. */
  resetComplete(newPassword: string | null, confirm: string | null): Promise<ResetDone>;
  /** The background check has a new password status. */
  onPasswordStatus(cb: (status: PasswordStatus) => void): Promise<Unsubscribe>;
}

export const ALL_CATEGORIES: Category[] = ["network", "vpn", "disk", "system"];

/** A failed backend call: the typed `IpcError` the UI throws; `message` is safe to show to the user. */
export class BackendError extends Error implements IpcError {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }

  /** Anything thrown or returned as an error → a BackendError with a readable message. */
  static from(err: unknown, fallbackCode = "ipc.unknown"): BackendError {
    if (err instanceof BackendError) return err;
    if (err && typeof err === "object") {
      const o = err as Record<string, unknown>;
      if (typeof o.message === "string" && o.message) {
        return new BackendError(typeof o.code === "string" ? o.code : fallbackCode, o.message);
      }
    }
    if (typeof err === "string" && err) return new BackendError(fallbackCode, err);
    return new BackendError(fallbackCode, "Something went wrong talking to Deskside.");
  }
}

/** Whether this page runs inside the Tauri window (the IPC bridge is injected before load). */
export function inTauri(w: unknown = globalThis): boolean {
  return typeof w === "object" && w !== null && "__TAURI_INTERNALS__" in w;
}
