// The window's state: current screen, health, branding info, the diagnosis run, the device
// snapshot and the screen-reader announcement. It talks to the Backend and keeps the pure
// reducers in diagnosis.ts in charge of how a run evolves. One instance per window,
// passed to screens as a prop (tests make their own with a fake backend).

import { ALL_CATEGORIES, BackendError, type Backend, type Unsubscribe } from "./backend";
import { applyProgress, failRun, finishRun, idleRun, startRun, type RunState } from "./diagnosis";
import { hashFor, screenFromHash } from "./route";
import type { AppInfo, DeviceSnapshot, HealthState, Report, Screen } from "./types";

export class AppState {
  readonly backend: Backend;
  route = $state<Screen>("home");
  health = $state.raw<HealthState | null>(null);
  appInfo = $state.raw<AppInfo | null>(null);
  appInfoError = $state<string | null>(null);
  run = $state.raw<RunState>(idleRun());
  /** The last finished report of this window (kept while a new run is going). */
  lastReport = $state.raw<Report | null>(null);
  device = $state.raw<DeviceSnapshot | null>(null);
  deviceError = $state<string | null>(null);
  deviceLoading = $state(false);
  /** The clock "checked 5 minutes ago" is measured against; App ticks it. */
  now = $state.raw(new Date());
  /** Polite screen-reader announcement (rendered in an aria-live region). */
  announcement = $state("");

  #subscriptions: Unsubscribe[] = [];

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** Loads health and app info and subscribes to the shell's events. */
  async init(): Promise<void> {
    const [health, info] = await Promise.allSettled([this.backend.getHealth(), this.backend.getAppInfo()]);
    if (health.status === "fulfilled") this.health = health.value;
    if (info.status === "fulfilled") this.appInfo = info.value;
    else this.appInfoError = BackendError.from(info.reason).message;
    this.#subscriptions.push(
      await this.backend.onHealthChanged((h) => {
        this.health = h;
      }),
      await this.backend.onNavigate((screen) => this.arrive(screen)),
    );
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
  }

  /**
   * The shell sent the window to `screen` (tray menu, second launch). Arriving at Diagnostics
   * from outside means "Run diagnostics" was chosen, so a run starts.
   */
  arrive(screen: Screen): void {
    this.navigate(screen);
    if (screen === "diagnostics") void this.runDiagnosis();
  }

  navigate(screen: Screen): void {
    this.route = screen;
    if (typeof location !== "undefined" && screenFromHash(location.hash) !== screen) {
      location.hash = hashFor(screen);
    }
  }

  announce(text: string): void {
    // Clearing first makes a repeated message be read again.
    this.announcement = "";
    queueMicrotask(() => (this.announcement = text));
  }

  get running(): boolean {
    return this.run.phase === "running";
  }

  async runDiagnosis(): Promise<void> {
    if (this.running) return;
    this.run = startRun();
    this.announce("Diagnostics started.");
    try {
      const report = await this.backend.runDiagnosis(ALL_CATEGORIES, (event) => {
        this.run = applyProgress(this.run, event);
      });
      this.run = finishRun(this.run, report);
      this.lastReport = report;
      this.announce(`Diagnostics finished. ${report.diagnosis.headline}`);
    } catch (err) {
      const message = BackendError.from(err).message;
      this.run = failRun(this.run, message);
      this.announce(`Diagnostics could not finish. ${message}`);
    }
  }

  async loadDevice(force = false): Promise<void> {
    if (this.deviceLoading || (this.device && !force)) return;
    this.deviceLoading = true;
    this.deviceError = null;
    try {
      this.device = await this.backend.getDevice();
    } catch (err) {
      this.deviceError = BackendError.from(err).message;
    } finally {
      this.deviceLoading = false;
    }
  }
}
