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

export type Screen = "home" | "diagnostics" | "device" | "help" | "about";

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
