// The window's state: current screen, health, branding info, the diagnosis run, the device
// snapshot, the fix catalogue and the fix being run, the Get help prefill and the outbox, the
// password status, and the screen-reader announcement. It talks to the Backend and keeps the
// pure reducers (diagnosis.ts, fixes.ts) in charge of how a run evolves. One instance per
// window, passed to screens as a prop (tests make their own with a fake backend).
//
// Shell state with an update event (health, outbox, password status) is subscribed to before
// it is read, and each has a `Freshness` so a read answering after a newer event (or after a
// later read) is dropped instead of overwriting it (issue 11: Home said "not checked yet"
// after the background check had found the VPN down).

import { ALL_CATEGORIES, BackendError, type Backend, type Unsubscribe } from "./backend";
import { applyProgress, failRun, finishRun, idleRun, startRun, type RunState } from "./diagnosis";
import {
  applyFixProgress,
  confirmFix,
  fixDone,
  fixFailed,
  helpFromFix,
  outcomeView,
  previewReady,
  startFix,
  type FixRun,
  type HelpPrefill,
} from "./fixes";
import { Freshness } from "./fresh";
import { hashFor, screenFromHash } from "./route";
import type { AppInfo, DeviceSnapshot, FixInfo, HealthState, OutboxTicket, PasswordStatus, Report, Screen } from "./bindings";

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
  /** Built-in fixes and IT's actions (empty until loaded, or when they cannot be listed). */
  fixes = $state.raw<FixInfo[]>([]);
  /** The fix in the dialog, from preview to re-test; null when the dialog is closed. */
  fixRun = $state.raw<FixRun | null>(null);
  /** What the Get help form starts with (from a failed fix, a finding or the Password screen). */
  helpPrefill = $state.raw<HelpPrefill | null>(null);
  outbox = $state.raw<OutboxTicket[]>([]);
  password = $state.raw<PasswordStatus | null>(null);
  passwordError = $state<string | null>(null);

  #subscriptions: Unsubscribe[] = [];
  readonly #healthFresh = new Freshness();
  readonly #outboxFresh = new Freshness();
  readonly #passwordFresh = new Freshness();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /**
   * Subscribes to the shell's events, then loads health, app info, fixes, outbox and password
   * status. Subscribing first means no update can fall between a read and its event; a read
   * that answers after a newer event is dropped (`Freshness`).
   */
  async init(): Promise<void> {
    const subscribed = await Promise.allSettled([
      this.backend.onHealthChanged((h) => this.#healthChanged(h)),
      this.backend.onNavigate((screen) => this.arrive(screen)),
      this.backend.onAppInfoChanged((info) => this.#appInfoChanged(info)),
      this.backend.onOutboxChanged((tickets) => this.#outboxChanged(tickets)),
      this.backend.onPasswordStatus((status) => this.passwordChanged(status)),
    ]);
    for (const s of subscribed) if (s.status === "fulfilled") this.#subscriptions.push(s.value);
    // Each may fail on its own without spoiling the window (a failed subscription only means
    // that state is not updated live).
    await Promise.allSettled([this.loadHealth(), this.loadAppInfo(), this.loadFixes(), this.loadOutbox(), this.loadPassword(false)]);
  }

  async loadHealth(): Promise<void> {
    const current = this.#healthFresh.begin();
    try {
      const health = await this.backend.getHealth();
      if (current()) this.health = health;
    } catch {
      // Health stays as it was (unknown before the first answer); the next event brings it.
    }
  }

  #healthChanged(health: HealthState): void {
    this.#healthFresh.supersede();
    this.health = health;
  }

  async loadAppInfo(): Promise<void> {
    try {
      this.appInfo = await this.backend.getAppInfo();
      this.appInfoError = null;
    } catch (err) {
      this.appInfoError = BackendError.from(err).message;
    }
  }

  /** IT's policy changed while the window is open: branding and provenance follow at once. */
  #appInfoChanged(info: AppInfo): void {
    this.appInfo = info;
    this.appInfoError = null;
  }

  async loadFixes(): Promise<void> {
    try {
      this.fixes = await this.backend.listFixes();
    } catch {
      // No catalogue (broken config, older shell): findings simply show no Fix it button.
      this.fixes = [];
    }
  }

  async loadOutbox(): Promise<void> {
    const current = this.#outboxFresh.begin();
    try {
      const tickets = await this.backend.listOutbox();
      if (current()) this.outbox = tickets;
    } catch {
      if (current()) this.outbox = [];
    }
  }

  /** A ticket was just queued by this window: show it now (the event that follows agrees). */
  ticketQueued(ticket: OutboxTicket): void {
    if (this.outbox.some((t) => t.id === ticket.id)) return;
    this.#outboxFresh.supersede();
    this.outbox = [ticket, ...this.outbox];
  }

  #outboxChanged(tickets: OutboxTicket[]): void {
    this.#outboxFresh.supersede();
    const before = new Map(this.outbox.map((t) => [t.id, t]));
    this.outbox = tickets;
    for (const t of tickets) {
      const old = before.get(t.id);
      if (old && old.state !== t.state && t.state === "delivered") {
        this.announce(`Your request was delivered${t.remote ? ` as ticket #${t.remote.id}` : ""}.`);
      } else if (old && old.state !== t.state && t.state === "failed") {
        this.announce("Your request could not be sent.");
      } else if (old && !old.reply?.answered && t.reply?.answered) {
        this.announce(`Your ticket ${t.remote ? `#${t.remote.id} ` : ""}was answered.`);
      }
    }
  }

  async loadPassword(refresh: boolean): Promise<void> {
    const current = this.#passwordFresh.begin();
    this.passwordError = null;
    try {
      const status = await this.backend.getPasswordStatus(refresh);
      if (current()) this.password = status;
    } catch (err) {
      if (current()) this.passwordError = BackendError.from(err, "password.status").message;
    }
  }

  /** A new password status: the `password-status` event, or the answer of a change or remember. */
  passwordChanged(status: PasswordStatus): void {
    this.#passwordFresh.supersede();
    this.password = status;
    this.passwordError = null;
  }

  // ---- fixes ----

  /** "Fix it" beside a finding: open the dialog and fetch the preview. */
  async openFix(fix: FixInfo, checkId: string | null): Promise<void> {
    if (this.fixRun && (this.fixRun.phase === "applying" || this.fixRun.phase === "previewing")) return;
    let run = startFix(fix, checkId, this.lastReport);
    this.fixRun = run;
    try {
      const preview = await this.backend.previewFix(fix.id, { interface: null });
      if (this.fixRun !== run) return;
      run = previewReady(run, preview);
    } catch (err) {
      if (this.fixRun !== run) return;
      run = fixFailed(run, BackendError.from(err, "fix.preview").message);
    }
    this.fixRun = run;
  }

  /** The user confirmed the preview: apply, following its live progress, then the re-test. */
  async applyFix(): Promise<void> {
    const run = this.fixRun;
    if (!run || run.phase !== "confirm") return;
    this.fixRun = confirmFix(run);
    this.announce(`Applying: ${run.fix.title}.`);
    try {
      const result = await this.backend.applyFix(run.fix.id, { interface: null }, (event) => {
        if (this.fixRun) this.fixRun = applyFixProgress(this.fixRun, event);
      });
      if (!this.fixRun) return;
      this.fixRun = fixDone(this.fixRun, result);
      this.announce(outcomeView(result).headline);
    } catch (err) {
      const message = BackendError.from(err, "fix.apply").message;
      if (this.fixRun) this.fixRun = fixFailed(this.fixRun, message);
      this.announce(`The fix could not run. ${message}`);
    }
  }

  /**
   * Close the dialog (not while a fix is being applied: it cannot be stopped half-way). After
   * a fix that worked, the checks run again so the screen no longer shows the old problem.
   */
  closeFix(): void {
    const run = this.fixRun;
    if (run?.phase === "applying") return;
    this.fixRun = null;
    if (run?.result?.outcome === "fixed" && this.lastReport && !this.running) void this.runDiagnosis();
  }

  /** "Still broken? Get help": carry the before/after into the ticket form. */
  helpAfterFix(): void {
    const run = this.fixRun;
    if (!run || run.phase === "applying") return;
    this.helpPrefill = helpFromFix(run);
    this.fixRun = null;
    this.navigate("help");
  }

  /** Open Get help with this prefill (a finding, "I'm locked out"). */
  getHelp(prefill: HelpPrefill | null): void {
    this.helpPrefill = prefill;
    this.navigate("help");
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
