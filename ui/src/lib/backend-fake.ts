// A Backend with sample data and no IPC: for Vitest and for `npm run dev` in a plain browser.
// It plays a diagnosis the way the shell does (a `planned` event, then each check as it
// finishes, shortest first), plays a fix (steps, re-test) and a ticket's delivery (queued →
// sending → delivered as #1042, or failed), answers password checks with a small stand-in for
// the Rust policy check, records calls, and lets tests push health, navigation, outbox and
// password events and hold a read's answer back while the state moves on (`hold`). Every
// shape is the generated binding type, as the Tauri backend's.

import { BackendError, type Backend, type Unsubscribe } from "./backend";
import { deviceView } from "./device-view";
import { healthOfReport } from "./home";
import {
  brokenDnsReport,
  healthOf,
  healthyReport,
  lowDiskReport,
  sampleAppInfo,
  sampleDevice,
  sampleFixes,
  sampleFixResult,
  sampleManagedSettings,
  samplePasswordStatus,
  samplePreview,
  sampleTicketOptions,
} from "./sample-data";
import type {
  AppInfo,
  Category,
  ManagedSettings,
  DeviceSnapshot,
  FixInfo,
  FixOutcome,
  HealthState,
  HiddenValue,
  IpcError,
  JsonValue,
  OutboxState,
  OutboxTicket,
  PasswordChecklist,
  PasswordStatus,
  ResetKind,
  Report,
  Screen,
  TicketDraft,
  TicketAttachment,
  TicketOptions,
  TicketPreview,
  KnownIssuesView,
} from "./bindings";

type Fallible =
  | "runDiagnosis"
  | "getDevice"
  | "copyDeviceInfo"
  | "getAppInfo"
  | "getManagedSettings"
  | "getKnownIssues"
  | "listFixes"
  | "previewFix"
  | "applyFix"
  | "getTicketOptions"
  | "previewTicket"
  | "submitTicket"
  | "captureScreen"
  | "getPasswordStatus"
  | "passwordPreflight"
  | "changePassword";

export interface FakeOptions {
  /** What `runDiagnosis` returns (default: the broken-DNS report). */
  report?: Report;
  /** The health before any run (default: derived from the report). */
  health?: HealthState;
  device?: DeviceSnapshot;
  appInfo?: AppInfo;
  /** What `getManagedSettings` returns (default: a sample policy). */
  managed?: ManagedSettings;
  /** What `getKnownIssues` returns (default: no Deskside server). */
  knownIssues?: KnownIssuesView;
  /** Pause before each progress event, in ms (0 in tests). */
  delayMs?: number;
  /** Make these calls fail with this error. */
  errors?: Partial<Record<Fallible, IpcError>>;
  fixes?: FixInfo[];
  /** How every applied fix ends (default `fixed`). */
  fixOutcome?: FixOutcome;
  ticketOptions?: TicketOptions;
  /** Where a submitted ticket ends up (default `delivered`). */
  delivery?: OutboxState;
  outbox?: OutboxTicket[];
  password?: PasswordStatus;
}

/** Reads a test can hold back (`FakeBackend.hold`). */
export type HoldableRead = "getHealth" | "listOutbox" | "getPasswordStatus";

/** The fake's events, for `FakeBackend.listenerCount`. */
export type FakeEvent = "health" | "navigate" | "appInfo" | "outbox" | "password";

/** A held read: like an IPC answer still on its way while the shell's state moves on. */
export interface HeldRead {
  /** Resolves once the call has taken its answer from the fake's state (it is fixed from then on). */
  readonly reached: Promise<void>;
  /** Lets the call answer. */
  release(): void;
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
  /** Simulates `AppInfoChanged` (managed policy changed); later reads answer it too. */
  emitAppInfo(info: AppInfo): void;
  /** Drafts given to `previewTicket`, in order. */
  readonly drafts: TicketDraft[];
  /** The outbox as the fake holds it. */
  readonly outbox: OutboxTicket[];
  /** Simulates an `OutboxChanged` event (e.g. a reply arrived). */
  emitOutbox(tickets: OutboxTicket[]): void;
  /** Simulates a `PasswordStatus` event. */
  emitPassword(status: PasswordStatus): void;
  /** Links opened with `openPasswordLink`. */
  readonly opened: string[];
  /** Holds the next call of `method` after it has read the state, until released. */
  hold(method: HoldableRead): HeldRead;
  /** How many listeners the event has now. */
  listenerCount(event: FakeEvent): number;
}

/** A stand-in for the Rust policy check (deskside-password), good enough for the screens. */
export function fakeChecklist(newPassword: string, confirm: string, status: PasswordStatus): PasswordChecklist {
  const policy = status.policy ?? { min_length: 8, complexity: false, history: null, max_age_days: null, lockout_threshold: null };
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(newPassword)).length;
  const account = status.account ?? "";
  const items = [
    { id: "length", ok: newPassword.length >= policy.min_length, label: `At least ${policy.min_length} characters` },
    ...(policy.complexity ? [{ id: "classes", ok: classes >= 3, label: "Three of: capital letters, small letters, digits, symbols" }] : []),
    ...(account
      ? [{ id: "account_name", ok: !newPassword.toLowerCase().includes(account.toLowerCase()), label: "Does not contain your user name" }]
      : []),
    { id: "match", ok: newPassword.length > 0 && newPassword === confirm, label: "Both new passwords match" },
  ];
  const unique = new Set(newPassword).size;
  const score = Math.max(0, Math.min(4, Math.floor((newPassword.length + unique + classes * 3) / 9) - (/(.)\1\1/.test(newPassword) ? 1 : 0)));
  items.push({ id: "strength", ok: score >= 3, label: "Hard to guess" });
  const feedback = score < 3 ? ["Add another word or two. Uncommon words are better."] : [];
  return { items, score, feedback, acceptable: items.every((i) => i.ok) };
}

/** A 1x1 PNG, what the fake "captures". */
export const FAKE_SCREENSHOT_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC";

/**
 * A stand-in for the bundle's redaction: `password=…`, `password is …`, `token …`; each value
 * hidden is listed (`description:1`, …) and the ids in `reveal` are kept as typed.
 */
function fakeRedact(text: string, reveal: string[]): { text: string; count: number; hidden: HiddenValue[] } {
  let count = 0;
  const hidden: HiddenValue[] = [];
  const out = text.replace(/\b(password|passwd|secret|token)(\s*[=:]\s*|\s+is\s+|\s+)(\S+)/gi, (m, k: string, sep: string, value: string, at: number) => {
    const id = `description:${hidden.length + 1}`;
    const revealed = reveal.includes(id);
    if (!revealed) count += 1;
    const before = text.slice(Math.max(0, at - 40), at) + k + sep;
    hidden.push({ id, field: "description", kind: "password", label: "a password", before, after: text.slice(at + m.length, at + m.length + 32), revealed });
    return revealed ? m : `${k}${sep}[redacted]`;
  });
  return { text: out, count, hidden };
}

/**
 * `value[key]` when `value` is a JSON object. The draft's report and fix results cross IPC as
 * plain JSON (`JsonValue` in the bindings), so the fake reads them the way the shell does.
 */
function jsonAt(value: JsonValue | null | undefined, key: string): JsonValue | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value[key] : undefined;
}

function jsonText(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
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
  let appInfo = opts.appInfo ?? sampleAppInfo();
  const delay = opts.delayMs ?? 0;
  const healthListeners = new Set<(h: HealthState) => void>();
  const navListeners = new Set<(s: Screen) => void>();
  const appInfoListeners = new Set<(i: AppInfo) => void>();
  const outboxListeners = new Set<(t: OutboxTicket[]) => void>();
  const passwordListeners = new Set<(s: PasswordStatus) => void>();
  const fixes = opts.fixes ?? sampleFixes();
  const ticketOptions = opts.ticketOptions ?? sampleTicketOptions();
  let password = opts.password ?? samplePasswordStatus();
  let resetKind: ResetKind | null = null;
  const previews = new Map<string, { preview: TicketPreview; draft: TicketDraft }>();
  let nextTicket = (opts.outbox ?? []).reduce((m, t) => Math.max(m, t.id), 0) + 1;

  const holds = new Map<HoldableRead, { reached: () => void; gate: Promise<void> }>();
  /** Answers `answer` (taken when the call began), after the test releases a hold on `method`. */
  const answer = async <T>(method: HoldableRead, value: T): Promise<T> => {
    const held = holds.get(method);
    if (held) {
      holds.delete(method);
      held.reached();
      await held.gate;
    }
    return value;
  };

  const fail = (what: Fallible) => {
    const e = opts.errors?.[what];
    if (e) throw new BackendError(e.code, e.message);
  };
  const subscribe = <T>(set: Set<T>, cb: T): Promise<Unsubscribe> => {
    set.add(cb);
    return Promise.resolve(() => void set.delete(cb));
  };

  const publishOutbox = () => {
    const list = fake.outbox.map((t) => ({ ...t }));
    for (const cb of outboxListeners) cb(list);
  };
  const setState = (id: number, patch: Partial<OutboxTicket>) => {
    const t = fake.outbox.find((x) => x.id === id);
    if (t) Object.assign(t, patch);
    publishOutbox();
  };
  /** Plays a delivery: sending, then the configured end state. */
  const deliver = async (id: number) => {
    await sleep(delay);
    const t = fake.outbox.find((x) => x.id === id);
    if (!t) return;
    setState(id, { state: "sending", attempts: t.attempts + 1 });
    await sleep(delay * 4);
    const end = opts.delivery ?? "delivered";
    if (end === "delivered") setState(id, { state: "delivered", remote: { id: String(1041 + id), url: `https://help.acme.example/Ticket/Display.html?id=${1041 + id}` }, error: null, next_attempt_at: null });
    else if (end === "failed") setState(id, { state: "failed", error: "the helpdesk refused the ticket (403 Forbidden: the API token is not valid)" });
    else setState(id, { state: "queued", error: "the helpdesk cannot be reached", next_attempt_at: new Date(Date.now() + 120_000).toISOString() });
  };

  const fake: FakeBackend = {
    calls: [],
    clipboard: null,
    drafts: [],
    outbox: (opts.outbox ?? []).map((t) => ({ ...t })),
    opened: [],

    async runDiagnosis(categories: Category[], onProgress) {
      fake.calls.push("runDiagnosis");
      const wanted: Category[] = categories.length ? categories : ["network", "vpn", "disk", "system"];
      const checks = report.checks.filter((c) => wanted.includes(c.category));
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
      return answer("getHealth", health);
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
    async getManagedSettings() {
      fake.calls.push("getManagedSettings");
      fail("getManagedSettings");
      return opts.managed ?? sampleManagedSettings();
    },
    async getKnownIssues() {
      fake.calls.push("getKnownIssues");
      fail("getKnownIssues");
      return opts.knownIssues ?? { matching: null, issues: [], enabled: false, problem: null };
    },
    onHealthChanged: (cb) => subscribe(healthListeners, cb),
    onNavigate: (cb) => subscribe(navListeners, cb),
    onAppInfoChanged: (cb) => subscribe(appInfoListeners, cb),
    emitAppInfo(info) {
      appInfo = info;
      for (const cb of appInfoListeners) cb(info);
    },
    emitHealth(h) {
      health = h;
      for (const cb of healthListeners) cb(h);
    },
    navigate(screen) {
      for (const cb of navListeners) cb(screen);
    },

    async listFixes() {
      fake.calls.push("listFixes");
      fail("listFixes");
      return fixes.map((f) => ({ ...f }));
    },
    async previewFix(id) {
      fake.calls.push("previewFix");
      await sleep(delay);
      fail("previewFix");
      if (!fixes.some((f) => f.id === id)) throw new BackendError("fix.not_in_catalogue", `There is no fix called ${id}.`);
      return samplePreview(id);
    },
    async applyFix(id, _args, onProgress) {
      fake.calls.push("applyFix");
      fail("applyFix");
      const result = sampleFixResult(id, opts.fixOutcome ?? "fixed");
      onProgress({ kind: "started", fix: id });
      for (const step of result.steps) {
        await sleep(delay * 3);
        onProgress({ kind: "step", fix: id, step });
      }
      onProgress({ kind: "verifying", fix: id });
      await sleep(delay * 5);
      onProgress({ kind: "done", fix: id, outcome: result.outcome });
      return result;
    },

    async getTicketOptions() {
      fake.calls.push("getTicketOptions");
      fail("getTicketOptions");
      return ticketOptions;
    },
    async previewTicket(draft) {
      fake.calls.push("previewTicket");
      fake.drafts.push(draft);
      await sleep(delay);
      fail("previewTicket");
      const description = fakeRedact(draft.description, draft.reveal);
      const rc = jsonAt(draft.report, "diagnosis");
      const rootCause = jsonAt(rc, "root_cause");
      const summary = [
        "Summary for the agent (Deskside)",
        rootCause ? `Root cause: ${jsonText(rootCause)} - ${jsonText(jsonAt(rc, "headline"))}` : "Root cause: none found",
        `Device: ${device.hostname}, ${device.os.name} ${device.os.version ?? ""}`.trim(),
        `User: ${device.user ?? "unknown"}   Urgency: ${draft.urgency}${draft.category ? `   Category: ${draft.category}` : ""}`,
        ...(draft.fix_results.length ? [`Fixes tried: ${draft.fix_results.map((f) => `${jsonText(jsonAt(f, "id"))} (${jsonText(jsonAt(f, "outcome"))})`).join(", ")}`] : []),
      ];
      const bundle = {
        schema: "deskside.bundle/1",
        parts: draft.parts,
        device: draft.parts.device ? { hostname: device.hostname, os: device.os } : null,
        diagnosis: draft.parts.diagnostics ? rc ?? null : null,
        fixes: draft.parts.fixes ? draft.fix_results : [],
      };
      const json = JSON.stringify(bundle, null, 2);
      const attachments: TicketAttachment[] = [{ name: "deskside-bundle.json", bytes: json.length, kind: "application/json", text: json }];
      if (draft.parts.logs) attachments.push({ name: "deskside.log", bytes: 2048, kind: "text/plain", text: "2026-11-23 09:41:24 INFO tray ready in 212 ms\n" });
      if (draft.parts.screenshot && draft.screenshot_png_base64) {
        attachments.push({ name: "screenshot.png", bytes: Math.floor((draft.screenshot_png_base64.length * 3) / 4), kind: "image/png", text: null });
      }
      const preview: TicketPreview = {
        preview_id: `preview-${previews.size + 1}`,
        subject: draft.subject,
        body: `${summary.join("\n")}\n\n${description.text}`,
        attachments,
        redactions: description.count,
        hidden: description.hidden,
        hidden_elsewhere: 0,
        notes: [],
      };
      previews.set(preview.preview_id, { preview, draft });
      return preview;
    },
    async captureScreen() {
      fake.calls.push("captureScreen");
      await sleep(delay);
      fail("captureScreen");
      return { png_base64: FAKE_SCREENSHOT_PNG, width: 1, height: 1, scaled: false };
    },
    async submitTicket(previewId) {
      fake.calls.push("submitTicket");
      fail("submitTicket");
      const p = previews.get(previewId);
      if (!p) throw new BackendError("ticket.preview_expired", "This preview is out of date. Preview the ticket again.");
      previews.delete(previewId);
      const ticket: OutboxTicket = {
        id: nextTicket++,
        key: `0b7e6a52-4f0e-4c8f-9d8e-${String(nextTicket).padStart(12, "0")}`,
        subject: p.preview.subject,
        state: "queued",
        remote: null,
        attempts: 0,
        next_attempt_at: null,
        error: null,
        created_at: new Date().toISOString(),
        helpdesk: "rt",
        reply: null,
      };
      fake.outbox.unshift(ticket);
      publishOutbox();
      void deliver(ticket.id);
      return { ...ticket };
    },
    async listOutbox() {
      fake.calls.push("listOutbox");
      return answer(
        "listOutbox",
        fake.outbox.map((t) => ({ ...t })),
      );
    },
    async retryTicket(id) {
      fake.calls.push("retryTicket");
      const t = fake.outbox.find((x) => x.id === id);
      if (!t) throw new BackendError("outbox.unknown_ticket", "That ticket is no longer in the outbox.");
      setState(id, { state: "queued", error: null });
      void deliver(id);
      return { ...t };
    },
    async copyTicketAsEmail(id) {
      fake.calls.push("copyTicketAsEmail");
      const t = fake.outbox.find((x) => x.id === id);
      if (!t) throw new BackendError("outbox.unknown_ticket", "That ticket is no longer in the outbox.");
      fake.clipboard = `To: it@acme.example\nSubject: ${t.subject}\n\n(the ticket text and attachments)\n`;
      return fake.clipboard;
    },
    onOutboxChanged: (cb) => subscribe(outboxListeners, cb),
    emitOutbox(tickets) {
      fake.outbox.splice(0, fake.outbox.length, ...tickets.map((t) => ({ ...t })));
      publishOutbox();
    },

    async getPasswordStatus() {
      fake.calls.push("getPasswordStatus");
      await sleep(delay);
      fail("getPasswordStatus");
      return answer("getPasswordStatus", password);
    },
    async checkNewPassword(newPassword, confirm) {
      fake.calls.push("checkNewPassword");
      return fakeChecklist(newPassword, confirm, password);
    },
    async passwordPreflight() {
      fake.calls.push("passwordPreflight");
      fail("passwordPreflight");
      return {
        ok: true,
        items: [
          { id: "directory", ok: true, message: "The directory answers over a secure connection." },
          { id: "clock", ok: true, message: "The clock is right." },
        ],
      };
    },
    async changePassword(current, newPassword, confirm) {
      fake.calls.push("changePassword");
      await sleep(delay * 3);
      fail("changePassword");
      if (current === "wrong") throw new BackendError("password.wrong_current_password", "The current password is wrong.");
      if (!fakeChecklist(newPassword, confirm, password).acceptable) throw new BackendError("password.too_weak", "The new password does not pass the checks.");
      password = { ...password, state: "ok", days_left: 90, expires_at: new Date(Date.now() + 90 * 86_400_000).toISOString(), checked_at: new Date().toISOString() };
      for (const cb of passwordListeners) cb(password);
      return {
        updated: ["Deskside helpdesk login"],
        to_update: [
          { name: "Office Wi-Fi (802.1X)", kind: "wifi", hint: "Settings → Wi-Fi → Office → enter the new password." },
          { name: "Company VPN", kind: "vpn", hint: "Your VPN app asks for it at the next connection." },
        ],
        status: password,
      };
    },
    async rememberPassword(pw) {
      fake.calls.push("rememberPassword");
      if (pw === "wrong") throw new BackendError("password.wrong_current_password", "The password is not correct.");
      password = { ...samplePasswordStatus(), problem: null, message: null };
      for (const cb of passwordListeners) cb(password);
      return password;
    },
    async openPasswordLink(link) {
      fake.calls.push("openPasswordLink");
      fake.opened.push(link);
    },
    // The server's flow as the fake plays it: code 12345678 is right, a reset needs an
    // acceptable new password, an unlock nothing.
    async resetStart(kind, user) {
      fake.calls.push("resetStart");
      resetKind = kind;
      return { kind, account: user ?? password.account ?? "alex", next: "code", message: "If this account can be reset, a code was mailed to its recovery address." };
    },
    async resetCode(code, totp) {
      fake.calls.push("resetCode");
      if (!resetKind) throw new BackendError("reset.no_flow", "This reset has ended. Start again with your user name.");
      if (code.trim() !== "12345678") throw new BackendError("reset.wrong_code", "That code is not right. Check the mail and type it again.");
      void totp;
      return { kind: resetKind, account: password.account ?? "alex", next: "finish", message: "" };
    },
    async resetComplete(newPassword, confirm) {
      fake.calls.push("resetComplete");
      const kind = resetKind;
      if (!kind) throw new BackendError("reset.no_flow", "This reset has ended. Start again with your user name.");
      if (kind === "reset" && (!newPassword || !fakeChecklist(newPassword, confirm ?? "", password).acceptable)) {
        throw new BackendError("password.policy_violation.too_weak", "The new password does not pass the checks.");
      }
      resetKind = null;
      return kind === "reset"
        ? { kind, message: "Your password was reset.", to_update: [{ name: "Office Wi-Fi (802.1X)", kind: "wifi", hint: "Settings → Wi-Fi → Office → enter the new password." }] }
        : { kind, message: "Your account is unlocked.", to_update: [] };
    },
    onPasswordStatus: (cb) => subscribe(passwordListeners, cb),
    emitPassword(s) {
      password = s;
      for (const cb of passwordListeners) cb(s);
    },

    hold(method) {
      let reached = () => {};
      let release = () => {};
      const reachedP = new Promise<void>((r) => (reached = r));
      const gate = new Promise<void>((r) => (release = r));
      holds.set(method, { reached, gate });
      return { reached: reachedP, release };
    },
    listenerCount(event) {
      const sets = {
        health: healthListeners,
        navigate: navListeners,
        appInfo: appInfoListeners,
        outbox: outboxListeners,
        password: passwordListeners,
      };
      return sets[event].size;
    },
  };
  return fake;
}

/**
 * Options for the dev/demo fake from the page's query string, so a plain browser (or a
 * headless screenshot) can show every state: `?scenario=dns|disk|healthy|unknown`,
 * `&delay=ms`, `&org=Name`, `&accent=%23hex`, `&managed=branding.accent_color,app.autostart`,
 * `&autorun=1`, `&fail=runDiagnosis,getDevice`, `&fix=fixed|not_fixed|failed`,
 * `&delivery=delivered|failed|queued`, `&forbid=screenshot,logs`, `&password=expired|never|cached|credential|manual`.
 */
export function fakeFromQuery(search: string): { options: FakeOptions; autorun: boolean } {
  const q = new URLSearchParams(search);
  const scenario = q.get("scenario") ?? "dns";
  const report = scenario === "healthy" ? healthyReport() : scenario === "disk" ? lowDiskReport() : brokenDnsReport();
  const appInfo = sampleAppInfo();
  if (q.has("org")) {
    appInfo.organization = q.get("org") || null;
    appInfo.product_name = appInfo.organization ? `${appInfo.organization} IT help` : "Deskside";
  }
  if (q.has("accent")) appInfo.accent_color = q.get("accent") ?? appInfo.accent_color;
  if (q.has("managed")) appInfo.managed_keys = (q.get("managed") ?? "").split(",").filter(Boolean);
  if (q.has("managed")) appInfo.layers.push({ source: "policy", path: "/etc/deskside/policy.toml" });
  const device = { ...sampleDevice(), collected_at: new Date(Date.now() - 5_000).toISOString() };
  const errors: FakeOptions["errors"] = {};
  for (const name of (q.get("fail") ?? "").split(",").filter(Boolean)) {
    errors[name as Fallible] = { code: "fake.error", message: `The fake backend was told to fail ${name}.` };
  }
  const delay = Number(q.get("delay") ?? 120);
  const ticketOptions = sampleTicketOptions();
  for (const part of (q.get("forbid") ?? "").split(",").filter(Boolean)) {
    const o = ticketOptions.parts.find((p) => p.part === part);
    if (o) Object.assign(o, { allowed: false, reason: "Your IT team does not accept this part in tickets." });
  }
  const password = samplePasswordStatus();
  const pw = q.get("password");
  if (pw === "expired") Object.assign(password, { state: "expired", days_left: -2, grace_logins: 2 });
  if (pw === "never") Object.assign(password, { state: "never", days_left: null, expires_at: null });
  if (pw === "cached") Object.assign(password, { cached: true, checked_at: new Date(Date.now() - 3 * 3_600_000).toISOString() });
  if (pw === "manual") Object.assign(password, { source: "manual", state: "unknown", days_left: null, expires_at: null, links: { change: true, reset: true, unlock: true, self_service: false } });
  if (pw === "credential")
    Object.assign(password, {
      state: "unknown",
      days_left: null,
      expires_at: null,
      checked_at: null,
      problem: "credential_needed",
      message: "Deskside needs your password once to read when it expires.",
    });
  const fixOutcome = q.get("fix") as FixOutcome | null;
  const delivery = q.get("delivery") as OutboxState | null;
  return {
    options: {
      report,
      health: scenario === "unknown" ? { status: "unknown", headline: "", root_cause: null, checked_at: null } : healthOf(report, new Date(Date.now() - 7 * 60_000).toISOString()),
      appInfo,
      device,
      delayMs: Number.isFinite(delay) ? delay : 120,
      errors,
      ticketOptions,
      password,
      ...(fixOutcome ? { fixOutcome } : {}),
      ...(delivery ? { delivery } : {}),
    },
    autorun: q.get("autorun") === "1",
  };
}
