// Hash routing without a router library: `#/diagnostics` ⇄ the Diagnostics screen. Hash URLs
// work from Tauri's asset protocol and from `python3 -m http.server` alike.

import type { Screen } from "./bindings";

export const SCREENS: readonly { id: Screen; label: string }[] = [
  { id: "home", label: "Home" },
  { id: "diagnostics", label: "Diagnostics" },
  { id: "device", label: "Device" },
  { id: "help", label: "Get help" },
  { id: "password", label: "Password" },
  { id: "managed", label: "Managed settings" },
  { id: "about", label: "About" },
];

/** `#/device`, `#device`, `#/device?x` → "device"; anything else → "home". */
export function screenFromHash(hash: string): Screen {
  const name = hash.replace(/^#\/?/, "").split(/[/?]/)[0] ?? "";
  return SCREENS.find((s) => s.id === name)?.id ?? "home";
}

export function hashFor(screen: Screen): string {
  return `#/${screen}`;
}
