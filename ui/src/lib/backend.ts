// The one interface between the UI and the outside world. Screens and state call only this;
// `backend-tauri.ts` implements it over the generated IPC bindings and `backend-fake.ts`
// with sample data for unit tests and `npm run dev` in a plain browser.

import type {
  AppInfo,
  Category,
  DeviceSnapshot,
  DiagnosisProgress,
  HealthState,
  IpcError,
  Report,
  Screen,
} from "./types";

/** Stops a subscription. */
export type Unsubscribe = () => void;

export interface Backend {
  /** Runs the checks of these categories; `onProgress` sees `planned` once, then each `finished`. */
  runDiagnosis(
    categories: Category[],
    onProgress: (event: DiagnosisProgress) => void,
  ): Promise<Report>;
  /** Last known health (background or manual run). Never fails. */
  getHealth(): Promise<HealthState>;
  /** A fresh device snapshot. */
  getDevice(): Promise<DeviceSnapshot>;
  /** Puts the device summary on the clipboard and returns the text it put there. */
  copyDeviceInfo(): Promise<string>;
  /** Version, branding and configuration provenance. */
  getAppInfo(): Promise<AppInfo>;
  /** Health changed (background run, manual run). */
  onHealthChanged(cb: (health: HealthState) => void): Promise<Unsubscribe>;
  /** The tray menu asks the window to show a screen. */
  onNavigate(cb: (screen: Screen) => void): Promise<Unsubscribe>;
}

export const ALL_CATEGORIES: Category[] = ["network", "vpn", "disk", "system"];

/** A failed backend call; `message` is safe to show to the user. */
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
