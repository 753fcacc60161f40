// Applies the organisation's branding from AppInfo: window title, and the accent colour as
// CSS custom properties set through the CSSOM (allowed under a CSP without 'unsafe-inline').

import { accentTokens } from "./contrast";
import type { AppInfo } from "./bindings";

/** "Acme IT help", or "Deskside" when no organisation is configured. */
export function appTitle(info: Pick<AppInfo, "organization"> | null): string {
  const org = info?.organization?.trim();
  return org ? `${org} IT help` : "Deskside";
}

export function applyBranding(info: AppInfo | null, root: HTMLElement = document.documentElement): void {
  const t = accentTokens(info?.accent_color);
  root.style.setProperty("--accent", t.accent);
  root.style.setProperty("--on-accent", t.onAccent);
  root.style.setProperty("--accent-text-light", t.accentTextLight);
  root.style.setProperty("--accent-text-dark", t.accentTextDark);
  document.title = appTitle(info);
}
