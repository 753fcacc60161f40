// The plain-text summary an employee pastes to IT from the Help screen: health, root cause
// with advice, every check that did not pass, and the key device facts. The full device
// listing comes from the shell (`copyDeviceInfo`, rendered in Rust); this is the short form
// that fits in a chat message.

import { checkTitle } from "./catalog";
import { defaultGateways } from "./device-view";
import { formatBytes, formatUptime, percentOf } from "./format";
import { currentHealth } from "./home";
import { healthMeta, statusMeta } from "./status";
import type { DeviceSnapshot, HealthState, Report } from "./bindings";

export interface SupportTextInput {
  health: HealthState | null;
  report: Report | null;
  device: DeviceSnapshot | null;
  appVersion?: string | null;
}

export function supportText({ health, report, device, appVersion }: SupportTextInput): string {
  const out: string[] = [];
  const h = currentHealth(health, report);
  out.push("Deskside summary for IT");
  if (h && h.status !== "unknown") {
    out.push(`Status: ${healthMeta(h.status).label}${h.headline ? ` - ${h.headline}` : ""}`);
    if (h.checked_at) out.push(`Checked: ${h.checked_at}`);
  } else {
    out.push("Status: not checked yet");
  }

  if (!report && h?.root_cause && h.status !== "healthy") {
    out.push("", `Likely cause: ${checkTitle(h.root_cause)} (${h.root_cause})`);
  }

  if (report) {
    const rc = report.diagnosis.root_cause;
    const check = rc ? report.checks.find((c) => c.id === rc) : undefined;
    if (rc) {
      out.push("", `Root cause: ${checkTitle(rc)} (${rc})`);
      if (check?.summary) out.push(`  ${check.summary}`);
      if (check?.advice) out.push(`  What to do next: ${check.advice}`);
    }
    const notPassing = report.checks.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error");
    if (notPassing.length) {
      out.push("", "Checks not passing:");
      for (const c of notPassing) {
        out.push(`  [${statusMeta(c.status).label}] ${c.id}: ${c.summary}`);
      }
    }
    const passed = report.checks.filter((c) => c.status === "pass").length;
    const skipped = report.checks.filter((c) => c.status === "skip").length;
    out.push(`  ${passed} passed, ${skipped} not checked, ${report.checks.length} in total.`);
  }

  if (device) {
    const d = device;
    out.push("", "Device:");
    out.push(`  Computer name: ${d.hostname || "unknown"}`);
    if (d.user) out.push(`  User: ${d.user}`);
    out.push(`  OS: ${[d.os.name, d.os.version, d.os.build ? `(${d.os.build})` : null].filter(Boolean).join(" ") || "unknown"}`);
    const hw = [d.hardware.vendor, d.hardware.model].filter(Boolean).join(" ");
    if (hw) out.push(`  Hardware: ${hw}${d.hardware.serial ? `, serial ${d.hardware.serial}` : ""}`);
    out.push(`  Running for: ${formatUptime(d.uptime_s)}`);
    const addrs = d.network.interfaces
      .filter((i) => i.kind !== "loopback" && i.state === "up" && i.addresses.length)
      .map((i) => `${i.name} ${i.addresses.filter((a) => !/^fe80:/i.test(a.addr)).map((a) => a.addr).join(" ")}`.trim());
    out.push(`  Addresses: ${addrs.join("; ") || "none"}`);
    out.push(`  Gateway: ${defaultGateways(d).join(", ") || "none"}`);
    out.push(`  DNS: ${d.network.dns.servers.join(", ") || "none"}`);
    out.push(`  VPN: ${d.vpn_interfaces.join(", ") || "none"}`);
    for (const v of d.volumes) {
      const free = percentOf(v.available_bytes, v.total_bytes);
      out.push(`  Disk ${v.mount_point}: ${formatBytes(v.available_bytes)} free of ${formatBytes(v.total_bytes)}${free != null ? ` (${free}%)` : ""}`);
    }
  }
  if (appVersion) out.push("", `Deskside ${appVersion}`);
  return out.join("\n") + "\n";
}
