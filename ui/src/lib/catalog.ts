// What the UI knows about the check catalog (docs/checks.md): catalog order, each check's
// category and a short human title, the category order and names, and the root-cause order.
// Ids the UI does not know (a newer core) still display: category from the result or the id's
// prefix, title from the id, placed after the known checks.

import type { Category } from "./bindings";

export interface CatalogEntry {
  id: string;
  category: Category;
  title: string;
}

/** Every check in catalog order (the order `report.checks` uses). */
export const CATALOG: readonly CatalogEntry[] = [
  { id: "net.interface", category: "network", title: "Network adapter" },
  { id: "net.address", category: "network", title: "IP address" },
  { id: "net.gateway", category: "network", title: "Router" },
  { id: "net.dns", category: "network", title: "Name lookup (DNS)" },
  { id: "net.captive_portal", category: "network", title: "Sign-in page (captive portal)" },
  { id: "net.internet", category: "network", title: "Internet access" },
  { id: "net.proxy", category: "network", title: "Proxy" },
  { id: "net.quality", category: "network", title: "Connection quality" },
  { id: "net.mtu", category: "network", title: "Large packets (MTU)" },
  { id: "system.clock", category: "system", title: "Clock" },
  { id: "vpn.tunnel", category: "vpn", title: "VPN connection" },
  { id: "vpn.routes", category: "vpn", title: "VPN routes" },
  { id: "vpn.dns", category: "vpn", title: "Company name lookup" },
  { id: "vpn.reachability", category: "vpn", title: "Company sites" },
  { id: "disk.space", category: "disk", title: "Disk space" },
  { id: "disk.inodes", category: "disk", title: "Room for new files" },
  { id: "disk.temp", category: "disk", title: "Temporary files" },
  { id: "system.uptime", category: "system", title: "Last restart" },
];

export const CATEGORIES: readonly { id: Category; label: string }[] = [
  { id: "network", label: "Network" },
  { id: "vpn", label: "VPN" },
  { id: "disk", label: "Disk" },
  { id: "system", label: "System" },
];

const BY_ID = new Map(CATALOG.map((e, i) => [e.id, { ...e, index: i }]));
const PREFIX: Record<string, Category> = { net: "network", vpn: "vpn", disk: "disk", system: "system" };

/** Position in catalog order; unknown ids sort after every known one. */
export function catalogIndex(id: string): number {
  return BY_ID.get(id)?.index ?? CATALOG.length;
}

/** The check's category: the catalog's, else the result's, else from the id prefix. */
export function categoryOf(id: string, reported?: string): Category | string {
  const known = BY_ID.get(id)?.category;
  if (known) return known;
  if (reported) return reported;
  return PREFIX[id.split(".")[0] ?? ""] ?? "system";
}

export function categoryLabel(category: string): string {
  return CATEGORIES.find((c) => c.id === category)?.label ?? capitalize(category);
}

/**
 * A short title for a check: `net.dns` → "Name lookup (DNS)"; unknown `disk.smart` → "Smart".
 * The shell's health names a config error code (`config.syntax`) as root cause when the
 * configuration itself is broken: that is "Deskside settings".
 */
export function checkTitle(id: string): string {
  const known = BY_ID.get(id)?.title;
  if (known) return known;
  if (id.startsWith("config.")) return "Deskside settings";
  const last = id.split(".").pop() ?? id;
  return capitalize(last.replace(/[_-]+/g, " "));
}

function capitalize(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}
