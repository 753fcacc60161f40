// Applies the organisation's branding from AppInfo: window title, and the accent colour as
// CSS custom properties set through the CSSOM (allowed under a CSP without 'unsafe-inline').

import { accentTokens } from "./contrast";
import type { AppInfo } from "./bindings";

/** The configured product name, else "Acme IT help", else "Deskside". */
export function appTitle(info: (Pick<AppInfo, "organization"> & Partial<Pick<AppInfo, "product_name">>) | null): string {
  const product = info?.product_name?.trim();
  if (product) return product;
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
