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
  HealthState,
  Report,
  Screen,
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
  };
  events: {
    diagnosisProgress: EventSource;
    healthChanged: EventSource;
    navigate: EventSource;
  };
}

const generated: TauriApi = { commands, events };

const SCREENS: readonly Screen[] = ["home", "diagnostics", "device", "help", "about"];

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
  };
}
