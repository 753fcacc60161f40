// A Backend with sample data and no IPC: for Vitest and for `npm run dev` in a plain browser.
// It plays a diagnosis the way the shell does (a `planned` event, then each check as it
// finishes, shortest first), records calls, and lets tests push health and navigation events.

import { BackendError, type Backend, type Unsubscribe } from "./backend";
import { deviceView } from "./device-view";
import { healthOfReport } from "./home";
import { brokenDnsReport, healthOf, healthyReport, lowDiskReport, sampleAppInfo, sampleDevice } from "./sample-data";
import type { AppInfo, Category, DeviceSnapshot, HealthState, IpcError, Report, Screen } from "./types";

type Fallible = "runDiagnosis" | "getDevice" | "copyDeviceInfo" | "getAppInfo";

export interface FakeOptions {
  /** What `runDiagnosis` returns (default: the broken-DNS report). */
  report?: Report;
  /** The health before any run (default: derived from the report). */
  health?: HealthState;
  device?: DeviceSnapshot;
  appInfo?: AppInfo;
  /** Pause before each progress event, in ms (0 in tests). */
  delayMs?: number;
  /** Make these calls fail with this error. */
  errors?: Partial<Record<Fallible, IpcError>>;
}

export interface FakeBackend extends Backend {
  /** Method names in call order. */
  readonly calls: string[];
  /** What the last successful `copyDeviceInfo` "copied". */
  clipboard: string | null;
  /** Simulates a background run's `HealthChanged`. */
  emitHealth(health: HealthState): void;
  /** Simulates the tray menu's `Navigate`. */
  navigate(screen: Screen): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A short plain-text device summary, standing in for the shell's Rust rendering. */
export function fakeDeviceText(s: DeviceSnapshot): string {
  const v = deviceView(s);
  const lines: string[] = [];
  const section = (title: string, fields: { label: string; value: string }[]) => {
    lines.push(title, ...fields.map((f) => `  ${(f.label + ":").padEnd(18)}${f.value}`), "");
  };
  section("Device", v.device);
  section("OS", v.os);
  section("Hardware", v.hardware);
  section("CPU/Memory", v.cpuMemory);
  section("Disks", v.disks.map((d) => ({ label: d.mount, value: d.freeText })));
  section("Network", [...v.interfaces.map((i) => ({ label: i.name, value: `${i.state} ${i.addresses.join(" ")}` })), ...v.network]);
  return lines.join("\n");
}

export function createFakeBackend(opts: FakeOptions = {}): FakeBackend {
  const report = opts.report ?? brokenDnsReport();
  let health: HealthState = opts.health ?? healthOf(report);
  const device = opts.device ?? sampleDevice();
  const appInfo = opts.appInfo ?? sampleAppInfo();
  const delay = opts.delayMs ?? 0;
  const healthListeners = new Set<(h: HealthState) => void>();
  const navListeners = new Set<(s: Screen) => void>();

  const fail = (what: Fallible) => {
    const e = opts.errors?.[what];
    if (e) throw new BackendError(e.code, e.message);
  };
  const subscribe = <T>(set: Set<T>, cb: T): Promise<Unsubscribe> => {
    set.add(cb);
    return Promise.resolve(() => void set.delete(cb));
  };

  const fake: FakeBackend = {
    calls: [],
    clipboard: null,

    async runDiagnosis(categories: Category[], onProgress) {
      fake.calls.push("runDiagnosis");
      const wanted = categories.length ? categories : ["network", "vpn", "disk", "system"];
      const checks = report.checks.filter((c) => wanted.includes(c.category as Category));
      await sleep(delay);
      fail("runDiagnosis");
      onProgress({ kind: "planned", ids: checks.map((c) => c.id) });
      const byFinish = checks
        .map((c, i) => ({ c, i }))
        .sort((a, b) => (a.c.duration_ms ?? 0) - (b.c.duration_ms ?? 0) || a.i - b.i);
      for (const { c } of byFinish) {
        await sleep(delay);
        onProgress({ kind: "finished", check: c });
      }
      const result: Report = { ...report, checks, started_at: new Date(Date.now() - 1000).toISOString() };
      health = healthOfReport(result);
      for (const cb of healthListeners) cb(health);
      return result;
    },
    async getHealth() {
      fake.calls.push("getHealth");
      return health;
    },
    async getDevice() {
      fake.calls.push("getDevice");
      await sleep(delay);
      fail("getDevice");
      return device;
    },
    async copyDeviceInfo() {
      fake.calls.push("copyDeviceInfo");
      fail("copyDeviceInfo");
      fake.clipboard = fakeDeviceText(device);
      return fake.clipboard;
    },
    async getAppInfo() {
      fake.calls.push("getAppInfo");
      fail("getAppInfo");
      return appInfo;
    },
    onHealthChanged: (cb) => subscribe(healthListeners, cb),
    onNavigate: (cb) => subscribe(navListeners, cb),
    emitHealth(h) {
      health = h;
      for (const cb of healthListeners) cb(h);
    },
    navigate(screen) {
      for (const cb of navListeners) cb(screen);
    },
  };
  return fake;
}

/**
 * Options for the dev/demo fake from the page's query string, so a plain browser (or a
 * headless screenshot) can show every state: `?scenario=dns|disk|healthy|unknown`,
 * `&delay=ms`, `&org=Name`, `&accent=%23hex`, `&managed=branding.accent_color,app.autostart`,
 * `&autorun=1`, `&fail=runDiagnosis,getDevice`.
 */
export function fakeFromQuery(search: string): { options: FakeOptions; autorun: boolean } {
  const q = new URLSearchParams(search);
  const scenario = q.get("scenario") ?? "dns";
  const report = scenario === "healthy" ? healthyReport() : scenario === "disk" ? lowDiskReport() : brokenDnsReport();
  const appInfo = sampleAppInfo();
  if (q.has("org")) appInfo.organization = q.get("org") || null;
  if (q.has("accent")) appInfo.accent_color = q.get("accent") ?? appInfo.accent_color;
  if (q.has("managed")) appInfo.managed_keys = (q.get("managed") ?? "").split(",").filter(Boolean);
  if (q.has("managed")) appInfo.layers.push({ source: "policy", path: "/etc/deskside/policy.toml" });
  const device = { ...sampleDevice(), collected_at: new Date(Date.now() - 5_000).toISOString() };
  const errors: FakeOptions["errors"] = {};
  for (const name of (q.get("fail") ?? "").split(",").filter(Boolean)) {
    errors[name as Fallible] = { code: "fake.error", message: `The fake backend was told to fail ${name}.` };
  }
  const delay = Number(q.get("delay") ?? 120);
  return {
    options: {
      report,
      health: scenario === "unknown" ? { status: "unknown", headline: "", root_cause: null, checked_at: null } : healthOf(report, new Date(Date.now() - 7 * 60_000).toISOString()),
      appInfo,
      device,
      delayMs: Number.isFinite(delay) ? delay : 120,
      errors,
    },
    autorun: q.get("autorun") === "1",
  };
}
