// Realistic sample data for the fake backend: reports shaped like `desksidectl diagnose
// --json` output (a broken DNS, a low-disk warning, a healthy machine), a laptop's device
// snapshot and app info. Used by unit tests and by `npm run dev` in a plain browser.

import type {
  AppInfo,
  ManagedSettings,
  CheckResult,
  DeviceSnapshot,
  FixInfo,
  FixPreview,
  FixResult,
  HealthState,
  PasswordStatus,
  Report,
  TicketOptions,
} from "./bindings";

const STARTED = "2026-11-23T09:41:24.123Z";

function check(
  id: string,
  category: CheckResult["category"],
  status: CheckResult["status"],
  summary: string,
  evidence: CheckResult["evidence"],
  duration_ms: number,
  advice?: string,
): CheckResult {
  return { id, category, status, summary, ...(advice ? { advice } : {}), evidence, duration_ms };
}

const WIFI = {
  name: "wlp0s20f3",
  kind: "wireless",
  state: "up",
  mac: "a4:c3:f0:5e:12:9b",
  mtu: 1500,
  addresses: ["192.168.178.23/24", "fe80::a6c3:f0ff:fe5e:129b/64"],
};

function healthyChecks(): CheckResult[] {
  return [
    check("net.interface", "network", "pass", "Wi-Fi adapter wlp0s20f3 is connected.", { interfaces: [WIFI] }, 1),
    check("net.address", "network", "pass", "wlp0s20f3 has address 192.168.178.23.", { interfaces: [WIFI] }, 0),
    check(
      "net.gateway",
      "network",
      "pass",
      "The router (192.168.178.1) answers.",
      {
        route: { destination: "0.0.0.0/0", gateway: "192.168.178.1", interface: "wlp0s20f3", metric: 600 },
        echo: { target: "192.168.178.1", method: "icmp_socket", sent: 3, received: 3, loss_percent: 0, rtt_avg_ms: 3.4, rtt_max_ms: 5.1, jitter_ms: 1.2, errors: [] },
      },
      38,
    ),
    check(
      "net.dns",
      "network",
      "pass",
      "Websites can be found by name (192.168.178.1 answered in 12 ms).",
      { servers: ["192.168.178.1"], resolutions: [{ name: "www.example.com", addrs: ["93.184.215.14"] }] },
      14,
    ),
    check("net.captive_portal", "network", "pass", "No sign-in page is intercepting connections.", { probes: [{ url: "http://detectportal.example/", status: 204 }] }, 88),
    check("net.internet", "network", "pass", "The internet is reachable.", { probes: [{ url: "http://connectivity.example/generate_204", status: 204, ms: 41 }] }, 61),
    check("net.proxy", "network", "pass", "No proxy is configured; connections go directly.", { proxy: { http: null, https: null, socks: null, pac_url: null, auto_detect: false, bypass: [], source: "gsettings" } }, 0),
    check(
      "net.quality",
      "network",
      "pass",
      "The connection is steady (0% of test packets to your router were lost, average delay 4 ms).",
      { targets: [{ label: "router", target: "192.168.178.1", sent: 20, received: 20, loss_percent: 0, rtt_avg_ms: 4.1, jitter_ms: 1.9 }] },
      2104,
    ),
    check("net.mtu", "network", "pass", "Full-size packets get through (path MTU 1500).", { path_mtu: 1500 }, 310),
    check("system.clock", "system", "pass", "The clock is correct (off by 0.3 s).", { offset_s: 0.3, server: "connectivity.example" }, 61),
    check("vpn.tunnel", "vpn", "skip", "No VPN connection is active, and none is required.", { tunnels: [] }, 0),
    check("vpn.routes", "vpn", "skip", "Not checked because vpn.tunnel was not checked.", { blocked_by: ["vpn.tunnel"] }, 0),
    check("vpn.dns", "vpn", "skip", "Not checked because vpn.tunnel was not checked.", { blocked_by: ["vpn.tunnel"] }, 0),
    check("vpn.reachability", "vpn", "skip", "Not checked because vpn.routes and vpn.dns were not checked.", { blocked_by: ["vpn.routes", "vpn.dns"] }, 0),
    check(
      "disk.space",
      "disk",
      "pass",
      "Enough disk space: 182.4 GB free of 510.9 GB (35.7%) on /.",
      { warn_free_percent: 10, fail_free_percent: 5, volumes: [{ mount_point: "/", fs_type: "ext4", total_bytes: 510_934_142_976, available_bytes: 182_403_489_792, free_percent: 35.7 }] },
      1,
    ),
    check("disk.inodes", "disk", "pass", "Every disk has room for new files.", { volumes: [{ mount_point: "/", total_inodes: 31_195_136, free_inodes: 29_871_402, free_percent: 95.8 }] }, 1),
    check("disk.temp", "disk", "pass", "Temporary files take up 412.7 MB.", { total_bytes: 412_733_901, warn_bytes: 5_368_709_120, folders: [{ path: "/tmp", bytes: 96_112_044, files: 212, partial: false }, { path: "/home/alex/.cache", bytes: 316_621_857, files: 5_210, partial: false }] }, 23),
    check("system.uptime", "system", "pass", "Your computer was restarted 2 days ago.", { uptime_s: 187_440, warn_days: 14 }, 0),
  ];
}

function replace(checks: CheckResult[], changes: CheckResult[]): CheckResult[] {
  return checks.map((c) => changes.find((n) => n.id === c.id) ?? c);
}

export const DNS_ADVICE =
  "Reconnect to the network; Deskside can clear the DNS cache. If it persists, the network's DNS service is down: contact IT.";

/** The DNS server does not answer: `net.dns` fails, everything after it is skipped. */
export function brokenDnsReport(): Report {
  const dnsSummary = "Websites cannot be found by name: the DNS server 192.168.178.1 does not answer.";
  const checks = replace(healthyChecks(), [
    check(
      "net.dns",
      "network",
      "fail",
      dnsSummary,
      {
        servers: ["192.168.178.1"],
        source: "resolvectl",
        server_checks: [{ server: "192.168.178.1", name: "www.example.com", record_type: "A", outcome: "timeout", ms: 2000 }],
        resolutions: [{ name: "www.example.com", addrs: [], attempts: [{ server: "192.168.178.1", record_type: "A", outcome: "timeout", ms: 2000 }] }],
      },
      2004,
      DNS_ADVICE,
    ),
    check("net.captive_portal", "network", "skip", "Not checked because net.dns did not pass.", { blocked_by: ["net.dns"] }, 0),
    check("net.internet", "network", "skip", "Not checked because net.dns did not pass.", { blocked_by: ["net.dns"] }, 0),
    check("net.mtu", "network", "skip", "Not checked because net.internet was not checked.", { blocked_by: ["net.internet"] }, 0),
    check("system.clock", "system", "skip", "Not checked because net.internet was not checked.", { blocked_by: ["net.internet"] }, 0),
  ]);
  return {
    schema: "deskside.report/1",
    started_at: STARTED,
    duration_ms: 2412,
    checks,
    diagnosis: {
      status: "broken",
      root_cause: "net.dns",
      headline: "Websites cannot be found by name (DNS problem).",
      summary: `${dnsSummary} ${DNS_ADVICE}`,
      errors: [],
    },
  };
}

/** Low disk space: a warning only. */
export function lowDiskReport(): Report {
  const advice = "Empty the trash and remove large downloads you no longer need; Deskside can clear temporary files.";
  const checks = replace(healthyChecks(), [
    check(
      "disk.space",
      "disk",
      "warn",
      "Disk space is running low: 41.3 GB free of 510.9 GB (8.1%) on /.",
      { warn_free_percent: 10, fail_free_percent: 5, volumes: [{ mount_point: "/", fs_type: "ext4", total_bytes: 510_934_142_976, available_bytes: 41_385_665_577, free_percent: 8.1 }] },
      1,
      advice,
    ),
  ]);
  return {
    schema: "deskside.report/1",
    started_at: STARTED,
    duration_ms: 2398,
    checks,
    diagnosis: {
      status: "degraded",
      root_cause: "disk.space",
      headline: "Your disk is almost full.",
      summary: `Disk space is running low: 41.3 GB free of 510.9 GB (8.1%) on /. ${advice}`,
    },
  };
}

export function healthyReport(): Report {
  return {
    schema: "deskside.report/1",
    started_at: STARTED,
    duration_ms: 2388,
    checks: healthyChecks(),
    diagnosis: {
      status: "healthy",
      root_cause: null,
      headline: "Everything is working.",
      summary: "All checks passed.",
    },
  };
}

export function sampleDevice(): DeviceSnapshot {
  return {
    schema: "deskside.device/1",
    collected_at: "2026-11-23T09:41:20.512Z",
    os: { name: "Ubuntu 24.04.1 LTS", version: "24.04", build: "6.8.0-49-generic" },
    hostname: "LT-ALEX-0427",
    user: "alex.morgan",
    hardware: { vendor: "LENOVO", model: "ThinkPad T14 Gen 3 (21AH00BQGE)", serial: null },
    cpu: { brand: "12th Gen Intel(R) Core(TM) i7-1260P", cores: 12, threads: 16 },
    memory: { total_bytes: 33_398_640_640, available_bytes: 19_731_107_840 },
    volumes: [
      {
        mount_point: "/",
        device: "/dev/nvme0n1p2",
        fs_type: "ext4",
        total_bytes: 510_934_142_976,
        available_bytes: 182_403_489_792,
        total_inodes: 31_195_136,
        free_inodes: 29_871_402,
        read_only: false,
      },
      {
        mount_point: "/boot/efi",
        device: "/dev/nvme0n1p1",
        fs_type: "vfat",
        total_bytes: 535_805_952,
        available_bytes: 529_006_592,
        total_inodes: null,
        free_inodes: null,
        read_only: false,
      },
    ],
    network: {
      interfaces: [
        { name: "lo", description: null, kind: "loopback", state: "up", mac: null, mtu: 65536, dhcp: null, addresses: [{ addr: "127.0.0.1", prefix_len: 8 }, { addr: "::1", prefix_len: 128 }] },
        { name: "enp0s31f6", description: null, kind: "ethernet", state: "no_carrier", mac: "8c:8c:aa:21:07:e4", mtu: 1500, dhcp: null, addresses: [] },
        {
          name: "wlp0s20f3",
          description: null,
          kind: "wireless",
          state: "up",
          mac: "a4:c3:f0:5e:12:9b",
          mtu: 1500,
          dhcp: true,
          addresses: [
            { addr: "192.168.178.23", prefix_len: 24 },
            { addr: "fe80::a6c3:f0ff:fe5e:129b", prefix_len: 64 },
          ],
        },
        { name: "docker0", description: null, kind: "bridge", state: "down", mac: "02:42:7d:1c:55:0a", mtu: 1500, dhcp: null, addresses: [{ addr: "172.17.0.1", prefix_len: 16 }] },
        { name: "virbr0", description: null, kind: "bridge", state: "down", mac: "52:54:00:9a:3e:11", mtu: 1500, dhcp: null, addresses: [] },
      ],
      routes: [
        { destination: "0.0.0.0/0", gateway: "192.168.178.1", interface: "wlp0s20f3", metric: 600 },
        { destination: "192.168.178.0/24", gateway: null, interface: "wlp0s20f3", metric: 600 },
        { destination: "172.17.0.0/16", gateway: null, interface: "docker0", metric: 0 },
      ],
      dns: {
        servers: ["127.0.0.53"],
        search_domains: ["fritz.box"],
        scopes: [],
        upstream_servers: ["192.168.178.1"],
        source: "resolvectl",
      },
      proxy: { http: null, https: null, socks: null, pac_url: null, auto_detect: false, bypass: [], source: "gsettings" },
    },
    vpn_interfaces: [],
    uptime_s: 187_440,
    battery: { percent: 82, state: "discharging", health_percent: 91, cycle_count: 214 },
    duration_ms: 37,
    notes: ["serial number needs administrator rights"],
  };
}

export function sampleAppInfo(): AppInfo {
  return {
    version: "0.1.0",
    organization: "Acme",
    product_name: "Acme IT help",
    accent_color: "#1d4ed8",
    logo_data_url: null,
    logo_dark_data_url: null,
    contact: { phone: "+1 555 0100", email: "it@acme.example", portal: "https://it.acme.example/", hours: "Mon–Fri 8:00–18:00" },
    support_links: [{ title: "Known issues", url: "https://status.acme.example/" }],
    layers: [
      { source: "default", path: null },
      { source: "system", path: "/etc/deskside/config.toml" },
      { source: "user", path: "/home/alex/.config/deskside/config.toml" },
    ],
    managed_keys: [],
    notes: ["Background checks every 15 minutes."],
  };
}

export function sampleManagedSettings(): ManagedSettings {
  return {
    sources: [
      { level: "mandatory", source: "/etc/deskside/policies/managed/10-it.toml" },
      { level: "recommended", source: "/etc/deskside/policies/recommended/10-it.toml" },
    ],
    keys: [
      {
        key: "tickets.redact_personal",
        description: "Also hide personal data in tickets: user names in paths, MAC addresses, the serial number.",
        value: "true",
        level: "mandatory",
        source: "/etc/deskside/policies/managed/10-it.toml",
        origin: "line 2",
        locked: true,
        overrode: [{ level: "user", source: "/home/alex/.config/deskside/config.toml", value: "false" }],
      },
      {
        key: "helpdesk.secret",
        description: "Webhook: the HMAC-SHA256 signing key, or `keyring:SERVICE/ACCOUNT`.",
        value: "\"<redacted>\"",
        level: "mandatory",
        source: "/etc/deskside/policies/managed/10-it.toml",
        origin: "line 4",
        locked: true,
        overrode: [],
      },
      {
        key: "app.check_interval_s",
        description: "Seconds between background health checks of the tray app (a network change also triggers one).",
        value: "900",
        level: "user",
        source: "/home/alex/.config/deskside/config.toml",
        origin: "line 2",
        locked: false,
        overrode: [{ level: "recommended", source: "/etc/deskside/policies/recommended/10-it.toml", value: "600" }],
      },
    ],
    errors: [
      {
        code: "config.invalid_value",
        key: "network.dns_timeout_ms",
        message: "/etc/deskside/policies/managed/10-it.toml: key `network.dns_timeout_ms`: expected a value from 1 to 60000, found 0 (line 6)",
      },
    ],
    notes: ["`tickets.redact_personal` set in /home/alex/.config/deskside/config.toml is ignored: locked by policy"],
  };
}

export function healthOf(report: Report, checkedAt = "2026-11-23T09:41:26.535Z"): HealthState {
  return {
    status: report.diagnosis.status,
    headline: report.diagnosis.headline,
    root_cause: report.diagnosis.root_cause,
    checked_at: checkedAt,
  };
}

// ---- fixes, tickets, password ----------------------------------------------------------

/** The catalogue as `desksidectl fix list --json` prints it on a Linux laptop. */
export function sampleFixes(): FixInfo[] {
  const fix = (
    id: string,
    title: string,
    explanation: string,
    addresses: string[],
    elevation: boolean,
    more: Partial<FixInfo> = {},
  ): FixInfo => ({ id, title, explanation, addresses, elevation, auto: false, available: true, reason: null, kind: "builtin", ...more });
  return [
    fix("net.restart_interface", "Restart the network connection", "Turns the network adapter off and on again, then gets a fresh address.", ["net.interface", "net.address", "net.gateway"], true, { auto: true }),
    fix("net.renew_address", "Get a new network address", "Asks the network for a fresh address (DHCP renew).", ["net.address", "net.gateway"], true, { auto: true }),
    fix("net.flush_dns", "Clear the name-lookup cache", "Forgets remembered website addresses so they are looked up again.", ["net.dns", "vpn.dns"], false, { auto: true }),
    fix("net.clear_proxy", "Turn off your proxy setting", "Sets your own proxy setting back to “none”. It can be undone.", ["net.proxy", "net.internet"], false),
    fix("vpn.reconnect", "Reconnect the VPN", "Disconnects and reconnects the company VPN.", ["vpn.tunnel", "vpn.routes", "vpn.dns", "vpn.reachability"], true, {
      available: false,
      reason: "No VPN client is configured on this computer.",
    }),
    fix("disk.clear_temp", "Delete old temporary files", "Deletes your temporary files and app caches older than 7 days.", ["disk.space", "disk.temp"], false),
    fix("disk.empty_trash", "Empty the trash", "Permanently deletes the files in your trash.", ["disk.space"], false),
    fix("system.sync_clock", "Set the clock", "Sets the clock from the network time servers.", ["system.clock"], true),
    fix("action.dns_repair", "Company DNS repair", "IT's script that resets the company name-lookup settings.", ["net.dns", "vpn.dns"], true, { kind: "action" }),
  ];
}

export function samplePreview(id: string): FixPreview {
  switch (id) {
    case "net.flush_dns":
      return { id, summary: "Clears the name-lookup cache of this computer.", changes: ["Clear the cache of the local name server (dnsmasq, pid 812)"], bytes: null, elevation: false };
    case "disk.clear_temp":
      return { id, summary: "Deletes 1,204 temporary files older than 7 days.", changes: ["/tmp: 212 files", "/home/alex/.cache: 992 files"], bytes: 1_288_490_188, elevation: false };
    case "net.restart_interface":
      return { id, summary: "Restarts the network adapter wlp0s20f3.", changes: ["Turn wlp0s20f3 off and on again", "Get a fresh address from the network"], bytes: null, elevation: true };
    default:
      return { id, summary: "Runs the fix.", changes: [], bytes: null, elevation: sampleFixes().find((f) => f.id === id)?.elevation ?? false };
  }
}

export function sampleFixResult(id: string, outcome: FixResult["outcome"] = "fixed"): FixResult {
  const addressed = sampleFixes().find((f) => f.id === id)?.addresses ?? [];
  const status = outcome === "fixed" ? "pass" : "fail";
  return {
    id,
    outcome,
    message:
      outcome === "fixed"
        ? "The problem is fixed: the re-test passed."
        : outcome === "not_fixed"
          ? "The fix ran, but the re-test still fails."
          : "The fix could not be applied.",
    steps: [{ program: "kill", args: ["-HUP", "812"], status: "ok", output: "" }],
    verify: { checks: addressed.slice(0, 1).map((c) => ({ id: c, status })), passed: outcome === "fixed" },
  };
}

export function sampleTicketOptions(): TicketOptions {
  return {
    configured: true,
    destination: "Acme IT helpdesk",
    categories: ["Network and VPN", "Email", "Hardware", "Software", "Other"],
    default_contact: "alex@acme.example",
    parts: [
      { part: "device", allowed: true, reason: null },
      { part: "diagnostics", allowed: true, reason: null },
      { part: "fixes", allowed: true, reason: null },
      { part: "logs", allowed: true, reason: null },
      { part: "screenshot", allowed: true, reason: null },
    ],
  };
}

export function samplePasswordStatus(): PasswordStatus {
  return {
    configured: true,
    source: "ad",
    account: "alex",
    state: "warning",
    expires_at: "2026-11-28T08:00:00Z",
    days_left: 5,
    grace_logins: null,
    cached: false,
    checked_at: "2026-11-23T09:40:00Z",
    policy: { min_length: 12, complexity: true, history: 24, max_age_days: 90, lockout_threshold: 5 },
    message: null,
    problem: null,
    links: { change: false, reset: true, unlock: true, self_service: false },
  };
}
