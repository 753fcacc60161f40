// The UI's view of the data that crosses IPC: the JSON of `deskside.report/1` and
// `deskside.device/1` (docs/report-schema.md) and the DTOs of docs/ipc.md.
//
// These are written by hand rather than imported from the generated `bindings.ts` so that
// screens and pure logic do not change when the generator's naming or optionality details
// do; `backend-tauri.ts` is the one place that meets the generated types. Fields are only
// ever added within a schema version, so everything the UI does not need is optional.

/** Outcome of one check. `error` = the check itself could not run. */
export type Status = "pass" | "warn" | "fail" | "skip" | "error";

/** What a check row shows: a finished status, or `pending` while the check runs. */
export type RowStatus = Status | "pending";

export type Category = "network" | "vpn" | "disk" | "system";

/** Overall verdict of a report. */
export type Health = "healthy" | "degraded" | "broken";

/** JSON value of a check's evidence (shape per check, additive). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface CheckResult {
  id: string;
  category: Category | string;
  status: Status;
  summary: string;
  advice?: string | null;
  evidence?: JsonValue;
  duration_ms?: number;
}

export interface Diagnosis {
  status: Health;
  root_cause: string | null;
  headline: string;
  summary: string;
  errors?: string[] | null;
}

export interface Report {
  schema: string;
  started_at: string;
  duration_ms: number;
  checks: CheckResult[];
  diagnosis: Diagnosis;
}

/** Last known health (background or manual run), kept by the shell. */
export interface HealthState {
  status: "unknown" | Health;
  headline: string;
  root_cause: string | null;
  checked_at: string | null;
}

export interface ConfigLayer {
  /** `default`, `system`, `user`, `explicit`, `policy`. */
  source: string;
  path: string | null;
}

export interface AppInfo {
  version: string;
  organization: string | null;
  accent_color: string;
  logo_data_url: string | null;
  layers: ConfigLayer[];
  managed_keys: string[];
  notes: string[];
}

export type Screen = "home" | "diagnostics" | "device" | "help" | "password" | "about";

/** Payload of the `DiagnosisProgress` event. */
export type DiagnosisProgress =
  | { kind: "planned"; ids: string[] }
  | { kind: "finished"; check: CheckResult };

/** Error crossing IPC: `message` is a sentence for the user, `code` is stable. */
export interface IpcError {
  code: string;
  message: string;
}

// ---- deskside.device/1 ---------------------------------------------------------------

export interface OsInfo {
  name: string;
  version?: string | null;
  build?: string | null;
}

export interface Hardware {
  vendor?: string | null;
  model?: string | null;
  serial?: string | null;
}

export interface Cpu {
  brand?: string | null;
  cores?: number | null;
  threads?: number | null;
}

export interface Memory {
  total_bytes?: number | null;
  available_bytes?: number | null;
}

export interface Volume {
  mount_point: string;
  device: string;
  fs_type: string;
  total_bytes: number;
  available_bytes: number;
  total_inodes?: number | null;
  free_inodes?: number | null;
  read_only: boolean;
}

export type InterfaceKind =
  | "loopback"
  | "ethernet"
  | "wireless"
  | "tunnel"
  | "bridge"
  | "virtual"
  | "cellular"
  | "other";

export type LinkState = "up" | "down" | "no_carrier" | "unknown";

export interface InterfaceAddress {
  addr: string;
  prefix_len?: number | null;
}

export interface NetInterface {
  name: string;
  description?: string | null;
  kind: InterfaceKind | string;
  state: LinkState | string;
  mac?: string | null;
  mtu?: number | null;
  dhcp?: boolean | null;
  addresses: InterfaceAddress[];
}

export interface Route {
  destination: string;
  gateway?: string | null;
  interface?: string | null;
  metric?: number | null;
}

export interface DnsScope {
  domains: string[];
  servers: string[];
  interface?: string | null;
}

export interface DnsConfig {
  servers: string[];
  search_domains: string[];
  scopes: DnsScope[];
  upstream_servers: string[];
  source: string;
}

export interface ProxyEndpoint {
  host: string;
  port: number;
}

export interface ProxyConfig {
  http?: ProxyEndpoint | null;
  https?: ProxyEndpoint | null;
  socks?: ProxyEndpoint | null;
  pac_url?: string | null;
  auto_detect: boolean;
  bypass: string[];
  source: string;
}

export interface NetworkState {
  interfaces: NetInterface[];
  routes: Route[];
  dns: DnsConfig;
  proxy: ProxyConfig;
}

export interface Battery {
  percent?: number | null;
  state: string;
  health_percent?: number | null;
  cycle_count?: number | null;
}

export interface DeviceSnapshot {
  schema: string;
  collected_at: string;
  os: OsInfo;
  hostname: string;
  user?: string | null;
  hardware: Hardware;
  cpu: Cpu;
  memory: Memory;
  volumes: Volume[];
  network: NetworkState;
  vpn_interfaces: string[];
  uptime_s?: number | null;
  battery?: Battery | null;
  duration_ms: number;
  notes: string[];
}

// ---- fixes (docs/ipc.md "Fixes"; the `desksidectl fix … --json` shapes) -----------------------

/** A built-in fix of the catalogue, or an action IT defined in the managed config. */
export interface FixInfo {
  id: string;
  title: string;
  /** What it does, in plain language. */
  explanation: string;
  /** Check ids it addresses (a "Fix it" button appears beside those findings). */
  addresses: string[];
  /** Needs administrator approval (a system password prompt). */
  elevation: boolean;
  /** Applied by `diagnose --fix` without asking. */
  auto: boolean;
  /** Whether it can run on this computer now; `reason` says why not. */
  available: boolean;
  reason: string | null;
  kind: "builtin" | "action";
}

/** Arguments a fix may take; anything else is chosen by the fix itself. */
export interface FixArgs {
  /** Network interface (validated by the core: letters, digits and `_.:@-`, at most 15). */
  interface: string | null;
}

/** What a fix would change, shown before the user confirms. */
export interface FixPreview {
  id: string;
  summary: string;
  changes: string[];
  /** Bytes it would free (disk fixes). */
  bytes: number | null;
  elevation: boolean;
}

export type FixOutcome = "fixed" | "not_fixed" | "failed" | "refused";

export interface FixStep {
  program: string;
  args: string[];
  /** `ok`, `failed`, `skipped`, … (as the core reports it). */
  status: string;
  output: string;
}

export interface FixVerifyCheck {
  id: string;
  status: Status | string;
}

export interface FixVerify {
  checks: FixVerifyCheck[];
  passed: boolean;
}

export interface FixResult {
  id: string;
  outcome: FixOutcome;
  message: string;
  steps: FixStep[];
  verify: FixVerify | null;
}

/** Payload of the `FixProgress` event while `applyFix` runs. */
export type FixProgress =
  | { kind: "started"; fix: string }
  | { kind: "step"; fix: string; step: FixStep }
  | { kind: "verifying"; fix: string }
  | { kind: "done"; fix: string; outcome: FixOutcome };

// ---- tickets (docs/ipc.md "Tickets") ------------------------------------------------------------

export type TicketPart = "device" | "diagnostics" | "fixes" | "logs" | "screenshot";
export type Urgency = "low" | "normal" | "high";

export interface TicketPartOption {
  part: TicketPart;
  /** False when the configuration forbids it; `reason` says why. */
  allowed: boolean;
  reason: string | null;
}

/** How tickets are filed here: payload of `getTicketOptions`. */
export interface TicketOptions {
  /** A helpdesk (or email) is configured. */
  configured: boolean;
  /** Where tickets go, for the user ("IT helpdesk", "it@example.com"). */
  destination: string | null;
  categories: string[];
  /** Contact prefilled in the form (the signed-in user's address when known). */
  default_contact: string | null;
  parts: TicketPartOption[];
}

export interface TicketParts {
  device: boolean;
  diagnostics: boolean;
  fixes: boolean;
  logs: boolean;
  screenshot: boolean;
}

/** What the user filled in and chose to attach. */
export interface TicketDraft {
  subject: string;
  description: string;
  category: string | null;
  urgency: Urgency;
  contact: string | null;
  parts: TicketParts;
  /** The diagnosis to attach (this window's last run); null = the shell's last one. */
  report: Report | null;
  /** Fixes tried, with their re-test (before/after). */
  fix_results: FixResult[];
  /** A PNG the user chose, base64, sent only when `parts.screenshot` is on. */
  screenshot_png_base64: string | null;
}

export interface TicketAttachment {
  name: string;
  bytes: number;
  /** MIME type. */
  kind: string;
  /** The text as it will be sent (after redaction) for text attachments; null for images. */
  text: string | null;
}

/** Exactly what `submitTicket(preview_id)` will send, after redaction. */
/** A screenshot taken for a ticket, shown to the user before they consent to send it. */
export interface ScreenCapture {
  png_base64: string;
  width: number;
  height: number;
  /** Scaled down to fit the size limit. */
  scaled: boolean;
}

export interface TicketPreview {
  preview_id: string;
  subject: string;
  /** The ticket body: the short summary for the agent, then the user's description. */
  body: string;
  attachments: TicketAttachment[];
  /** How many secrets or personal details were blanked out. */
  redactions: number;
  /** Truncation and other notes. */
  notes: string[];
}

export type OutboxState = "queued" | "sending" | "delivered" | "failed";

export interface RemoteTicket {
  id: string;
  url: string | null;
}

/** What the helpdesk says about a delivered ticket, where its API tells. */
export interface TicketReply {
  status: string;
  answered: boolean;
  updated_at: string | null;
  summary: string | null;
}

export interface OutboxTicket {
  id: number;
  key: string;
  subject: string;
  state: OutboxState;
  remote: RemoteTicket | null;
  attempts: number;
  next_attempt_at: string | null;
  error: string | null;
  created_at: string;
  /** The connector (`rt`, `email`, …): an email has no ticket number to show. */
  helpdesk: string;
  reply: TicketReply | null;
}

// ---- passwords (docs/ipc.md "Password") --------------------------------------------------------

export type PasswordState = "ok" | "warning" | "expired" | "grace" | "never" | "unknown";

export interface PasswordPolicy {
  min_length: number;
  /** At least three of: upper case, lower case, digits, symbols. */
  complexity: boolean;
  history: number | null;
  max_age_days: number | null;
  lockout_threshold: number | null;
}

export interface PasswordStatus {
  /** A password source is configured. */
  configured: boolean;
  /** `ad`, `ldap`, `kerberos`, `manual`. */
  source: string | null;
  account: string | null;
  state: PasswordState;
  expires_at: string | null;
  days_left: number | null;
  grace_logins: number | null;
  /** From the cache (the directory could not be asked now). */
  cached: boolean;
  /** When the directory last answered. */
  checked_at: string | null;
  policy: PasswordPolicy | null;
  /** Why the state is unknown, in plain words. */
  message: string | null;
  /** Its stable code: `credential_needed` (offer `rememberPassword`), `directory_unreachable`, … */
  problem: string | null;
  /** Which help links IT configured. */
  links: { change: boolean; reset: boolean; unlock: boolean };
}

export interface ChecklistItem {
  /** `length`, `classes`, `account_name`, `match`, `strength`, … */
  id: string;
  ok: boolean;
  label: string;
}

/** Live feedback on a new password (computed in Rust). */
export interface PasswordChecklist {
  items: ChecklistItem[];
  /** zxcvbn score 0–4. */
  score: number;
  feedback: string[];
  /** Every local check passes: the change may be sent. */
  acceptable: boolean;
}

export interface PreflightItem {
  /** `directory`, `tls`, `vpn`, `clock`. */
  id: string;
  ok: boolean;
  message: string;
}

export interface PasswordPreflight {
  ok: boolean;
  items: PreflightItem[];
}

export interface SavedCredential {
  name: string;
  /** `wifi`, `vpn`, `mail`, `drive`, `keyring`, … */
  kind: string;
  /** Where to update it, in plain words. */
  hint: string;
}

export interface PasswordChangeReport {
  /** Saved credentials Deskside updated itself. */
  updated: string[];
  /** Saved credentials the user must update by hand. */
  to_update: SavedCredential[];
  /** The status re-read after the change. */
  status: PasswordStatus | null;
}

export type PasswordLink = "change" | "reset" | "unlock";
