// WCAG 2 colour arithmetic: relative luminance, contrast ratio, and the accent-colour tokens
// derived from the organisation's brand colour (text on the accent, and the accent adjusted so
// it stays readable as text or a focus ring on the light and dark backgrounds).

export const DEFAULT_ACCENT = "#1d4ed8";

export type Rgb = [number, number, number];

/** `#rgb` or `#rrggbb` (case-insensitive) → [r,g,b] 0–255; null when not a hex colour. */
export function parseHex(hex: string): Rgb | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) return null;
  let h = m[1]!;
  if (h.length === 3) h = [...h].map((c) => c + c).join("");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
}

export function toHex([r, g, b]: Rgb): string {
  return "#" + [r, g, b].map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0")).join("");
}

/** WCAG 2.x relative luminance of an sRGB colour, 0 (black) – 1 (white). */
export function luminance(color: string | Rgb): number {
  const rgb = typeof color === "string" ? parseHex(color) : color;
  if (!rgb) throw new Error(`not a hex colour: ${String(color)}`);
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast ratio (1–21) between two colours. */
export function contrastRatio(a: string | Rgb, b: string | Rgb): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}

/** White or black, whichever reads better on `bg`. */
export function textOn(bg: string): "#ffffff" | "#000000" {
  return contrastRatio("#ffffff", bg) >= contrastRatio("#000000", bg) ? "#ffffff" : "#000000";
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * t) as Rgb;
}

/**
 * `color` moved toward black (on a light background) or white (on a dark one) in small steps
 * until it reaches `min` contrast against `bg`; unchanged if it already does.
 */
export function ensureContrast(color: string, bg: string, min = 4.5): string {
  const c = parseHex(color);
  const b = parseHex(bg);
  if (!c || !b) return color;
  const target: Rgb = luminance(b) > 0.18 ? [0, 0, 0] : [255, 255, 255];
  for (let t = 0; t <= 1.0001; t += 0.02) {
    const candidate = toHex(mix(c, target, t));
    if (contrastRatio(candidate, bg) >= min) return candidate;
  }
  return toHex(target);
}

export interface AccentTokens {
  /** The brand colour as given (or the default when it is not a hex colour). */
  accent: string;
  /** Text/icons drawn on the accent. */
  onAccent: string;
  /** The accent as text, links and focus rings on the light theme's surfaces. */
  accentTextLight: string;
  /** The same on the dark theme's surfaces. */
  accentTextDark: string;
}

/** Background colours of the two themes that accent text must stay readable on. */
export const THEME_SURFACES = {
  light: ["#ffffff", "#f4f6f9", "#f0f2f6"],
  dark: ["#1b1e25", "#121419", "#23272f"],
} as const;

export function accentTokens(input: string | null | undefined): AccentTokens {
  const accent = input && parseHex(input) ? toHex(parseHex(input)!) : DEFAULT_ACCENT;
  const readableOnAll = (surfaces: readonly string[]) =>
    surfaces.reduce((c, bg) => ensureContrast(c, bg, 4.5), accent);
  return {
    accent,
    onAccent: textOn(accent),
    accentTextLight: readableOnAll(THEME_SURFACES.light),
    accentTextDark: readableOnAll(THEME_SURFACES.dark),
  };
}
