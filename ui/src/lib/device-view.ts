// The Device screen's view model: a DeviceSnapshot (`deskside.device/1`) turned into labelled
// fields per card, disks with a usage bar, and network adapters split into the ones that
// matter (uplinks, VPN, anything with an address) and plumbing (down virtual links).

import { formatAgo, formatBytes, formatUptime, percentOf } from "./format";
import type { Tone } from "./status";
import type { DeviceSnapshot, Interface, ProxyEndpoint } from "./bindings";

export interface Field {
  label: string;
  value: string;
  /** Monospace (addresses, serials). */
  mono?: boolean;
  testid?: string;
}

export interface DiskView {
  mount: string;
  detail: string;
  usedPercent: number;
  freeText: string;
  tone: Tone;
  readOnly: boolean;
}

export interface InterfaceView {
  name: string;
  description: string | null;
  kind: string;
  state: string;
  stateTone: Tone;
  mac: string | null;
  mtu: number | null;
  addresses: string[];
  vpn: boolean;
}

export interface DeviceView {
  hostname: string;
  device: Field[];
  os: Field[];
  hardware: Field[];
  cpuMemory: Field[];
  memoryUsedPercent: number | null;
  disks: DiskView[];
  interfaces: InterfaceView[];
  otherInterfaces: InterfaceView[];
  network: Field[];
  vpn: InterfaceView[];
  battery: Field[] | null;
  notes: string[];
}

const KIND: Record<string, string> = {
  loopback: "Loopback",
  ethernet: "Ethernet",
  wireless: "Wi-Fi",
  tunnel: "Tunnel",
  bridge: "Bridge",
  virtual: "Virtual",
  cellular: "Cellular",
  other: "Other",
};

const STATE: Record<string, [string, Tone]> = {
  up: ["Connected", "ok"],
  down: ["Off", "neutral"],
  no_carrier: ["Not connected", "warn"],
  unknown: ["State unknown", "neutral"],
};

function orUnknown(v: string | null | undefined, unknown = "Unknown"): string {
  return v && v.trim() ? v : unknown;
}

function endpoint(e: ProxyEndpoint): string {
  return e.host.includes(":") ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function proxyText(s: DeviceSnapshot): string {
  const p = s.network.proxy;
  const parts: string[] = [];
  if (p.http) parts.push(`HTTP ${endpoint(p.http)}`);
  if (p.https) parts.push(`HTTPS ${endpoint(p.https)}`);
  if (p.socks) parts.push(`SOCKS ${endpoint(p.socks)}`);
  if (p.pac_url) parts.push(`PAC ${p.pac_url}`);
  if (p.auto_detect) parts.push("auto-detect");
  return parts.length ? parts.join(", ") : "None (direct connection)";
}

function isLinkLocal(addr: string): boolean {
  return /^fe80:/i.test(addr) || addr.startsWith("169.254.");
}

export function interfaceView(i: Interface, vpnNames: string[]): InterfaceView {
  const [state, stateTone] = STATE[i.state] ?? [String(i.state), "neutral" as Tone];
  return {
    name: i.name,
    description: i.description ?? null,
    kind: KIND[i.kind] ?? String(i.kind),
    state,
    stateTone,
    mac: i.mac ?? null,
    mtu: i.mtu ?? null,
    addresses: i.addresses.map((a) => (a.prefix_len != null ? `${a.addr}/${a.prefix_len}` : a.addr)),
    vpn: vpnNames.includes(i.name) || i.kind === "tunnel",
  };
}

/**
 * VPN links, wired/Wi-Fi/cellular adapters that are not switched off (an unplugged cable is
 * worth seeing) and any other link that is up with a routable address are "main"; the rest
 * (down bridges, container plumbing) is folded away.
 */
function isMain(i: Interface, vpn: boolean): boolean {
  if (vpn) return true;
  if (["ethernet", "wireless", "cellular"].includes(String(i.kind))) return i.state !== "down";
  return i.state === "up" && i.addresses.some((a) => !isLinkLocal(a.addr));
}

export function defaultGateways(s: DeviceSnapshot): string[] {
  return s.network.routes
    .filter((r) => /\/0$/.test(r.destination))
    .sort((a, b) => (a.metric ?? Number.MAX_SAFE_INTEGER) - (b.metric ?? Number.MAX_SAFE_INTEGER))
    .map((r) => `${r.gateway ?? "on-link"}${r.interface ? ` via ${r.interface}` : ""}`);
}

export function diskTone(freePercent: number | null): Tone {
  if (freePercent == null) return "neutral";
  // The defaults of disk.space (`disk.warn_free_percent` 10, `disk.fail_free_percent` 5).
  if (freePercent < 5) return "bad";
  if (freePercent < 10) return "warn";
  return "ok";
}

export function deviceView(s: DeviceSnapshot, now = new Date()): DeviceView {
  const ago = formatAgo(s.collected_at, now);
  const cores = [s.cpu.cores != null ? `${s.cpu.cores} cores` : null, s.cpu.threads != null ? `${s.cpu.threads} threads` : null]
    .filter(Boolean)
    .join(", ");
  const mem = s.memory;
  const memText =
    mem.total_bytes != null
      ? mem.available_bytes != null
        ? `${formatBytes(mem.total_bytes)} (${formatBytes(mem.available_bytes)} available)`
        : formatBytes(mem.total_bytes)
      : "Unknown";
  const memUsed =
    mem.total_bytes != null && mem.available_bytes != null
      ? percentOf(mem.total_bytes - mem.available_bytes, mem.total_bytes)
      : null;

  const all = s.network.interfaces.filter((i) => i.kind !== "loopback");
  const views = all.map((i) => ({ i, v: interfaceView(i, s.vpn_interfaces) }));
  const dns = s.network.dns;
  const network: Field[] = [
    { label: "Default gateway", value: defaultGateways(s).join(", ") || "None", mono: true },
    { label: "DNS servers", value: dns.servers.join(", ") || "None", mono: true },
  ];
  if (dns.upstream_servers.length) network.push({ label: "Upstream DNS", value: dns.upstream_servers.join(", "), mono: true });
  if (dns.search_domains.length) network.push({ label: "Search domains", value: dns.search_domains.join(", ") });
  for (const scope of dns.scopes.filter((sc) => sc.interface)) {
    network.push({
      label: "Split DNS",
      value: `${scope.domains.join(", ")} → ${scope.servers.join(", ") || "none"} (${scope.interface})`,
    });
  }
  network.push({ label: "Proxy", value: proxyText(s) });

  const b = s.battery;
  return {
    hostname: s.hostname,
    device: [
      { label: "Computer name", value: orUnknown(s.hostname), mono: true, testid: "device-hostname" },
      { label: "Signed in as", value: orUnknown(s.user) },
      { label: "Running for", value: formatUptime(s.uptime_s) },
      { label: "Collected", value: ago ?? orUnknown(s.collected_at) },
    ],
    os: [
      { label: "Name", value: orUnknown(s.os.name) },
      { label: "Version", value: orUnknown(s.os.version) },
      { label: "Build", value: orUnknown(s.os.build), mono: true },
    ],
    hardware: [
      { label: "Manufacturer", value: orUnknown(s.hardware.vendor) },
      { label: "Model", value: orUnknown(s.hardware.model) },
      { label: "Serial number", value: orUnknown(s.hardware.serial, "Not readable"), mono: true },
    ],
    cpuMemory: [
      { label: "Processor", value: orUnknown(s.cpu.brand) + (cores ? ` (${cores})` : "") },
      { label: "Memory", value: memText },
    ],
    memoryUsedPercent: memUsed,
    disks: s.volumes.map((v) => {
      const free = percentOf(v.available_bytes, v.total_bytes);
      return {
        mount: v.mount_point,
        detail: `${v.fs_type} on ${v.device}`,
        usedPercent: free == null ? 0 : 100 - free,
        freeText: `${formatBytes(v.available_bytes)} free of ${formatBytes(v.total_bytes)}`,
        tone: diskTone(free),
        readOnly: v.read_only,
      };
    }),
    interfaces: views.filter(({ i, v }) => isMain(i, v.vpn)).map(({ v }) => v),
    otherInterfaces: views.filter(({ i, v }) => !isMain(i, v.vpn)).map(({ v }) => v),
    network,
    vpn: views.filter(({ v }) => v.vpn).map(({ v }) => v),
    battery: b
      ? [
          { label: "Charge", value: b.percent != null ? `${Math.round(b.percent)}%` : "Unknown" },
          { label: "State", value: capitalize(b.state.replace(/_/g, " ")) },
          ...(b.health_percent != null ? [{ label: "Health", value: `${Math.round(b.health_percent)}%` }] : []),
          ...(b.cycle_count != null ? [{ label: "Cycles", value: String(b.cycle_count) }] : []),
        ]
      : null,
    notes: s.notes,
  };
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
