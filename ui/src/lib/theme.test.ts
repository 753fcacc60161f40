// WCAG AA contrast of the real theme tokens: parses styles/theme.css (light = the first
// `:root`, dark = the `:root` inside `prefers-color-scheme: dark`) and checks every pair the
// UI draws text or status graphics with.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { THEME_SURFACES, accentTokens, contrastRatio } from "./contrast";

const css = readFileSync(fileURLToPath(new URL("../styles/theme.css", import.meta.url)), "utf8");

function tokens(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)) out[m[1]!] = m[2]!.toLowerCase();
  return out;
}

const darkStart = css.indexOf("@media (prefers-color-scheme: dark)");
const light = tokens(css.slice(0, darkStart));
const dark = tokens(css.slice(darkStart));
const TONES = ["ok", "warn", "bad", "neutral", "info"];
const AA = 4.5;
const NON_TEXT = 3;

function pairs(t: Record<string, string>): [string, string, number][] {
  const p: [string, string, number][] = [];
  for (const bg of ["bg", "surface", "surface-2"]) {
    p.push(["text", bg, AA], ["text-muted", bg, AA]);
  }
  p.push(["code-text", "code-bg", AA], ["text-muted", "code-bg", AA]);
  for (const tone of TONES) {
    // Badges and tags: tone text on the tone tint, and on plain cards.
    p.push([`${tone}-fg`, `${tone}-bg`, AA], [`${tone}-fg`, "surface", AA], [`${tone}-fg`, "surface-2", AA]);
    // Highlighted rows and callouts: body text and muted text on the tint.
    p.push(["text", `${tone}-bg`, AA], ["text-muted", `${tone}-bg`, AA]);
    // Bars and the root-cause edge are graphics: WCAG 1.4.11 asks 3:1 against their track/card.
    p.push([`${tone}-solid`, "surface-2", NON_TEXT], [`${tone}-solid`, "surface", NON_TEXT]);
  }
  for (const k of Object.keys(t)) expect(t[k]).toMatch(/^#[0-9a-f]{6}$/);
  return p;
}

describe.each([
  ["light", light],
  ["dark", dark],
])("%s theme", (_name, t) => {
  it("defines every token it needs", () => {
    for (const [fg, bg] of pairs(t)) {
      expect(t[fg], fg).toBeDefined();
      expect(t[bg], bg).toBeDefined();
    }
  });

  it.each(pairs(t))("%s on %s reaches %s:1", (fg, bg, min) => {
    expect(contrastRatio(t[fg]!, t[bg]!)).toBeGreaterThanOrEqual(min);
  });
});

describe("accent", () => {
  it("contrast.ts knows the real surfaces of both themes", () => {
    expect(THEME_SURFACES.light).toEqual([light.surface, light.bg, light["surface-2"]]);
    expect(THEME_SURFACES.dark).toEqual([dark.surface, dark.bg, dark["surface-2"]]);
  });

  it("default accent tokens in the CSS are readable", () => {
    expect(contrastRatio(light["on-accent"]!, light.accent!)).toBeGreaterThanOrEqual(AA);
    for (const bg of ["bg", "surface", "surface-2"]) {
      expect(contrastRatio(light["accent-text-light"]!, light[bg]!)).toBeGreaterThanOrEqual(AA);
      expect(contrastRatio(light["accent-text-dark"]!, dark[bg]!)).toBeGreaterThanOrEqual(AA);
    }
  });

  it.each(["#1d4ed8", "#ffcc00", "#00a3e0", "#e4002b", "#111111", "#f5f5f5", "#6b21a8", "#22c55e"])(
    "brand colour %s yields readable text everywhere",
    (brand) => {
      const a = accentTokens(brand);
      expect(contrastRatio(a.onAccent, a.accent)).toBeGreaterThanOrEqual(AA);
      for (const bg of [light.bg!, light.surface!, light["surface-2"]!]) {
        expect(contrastRatio(a.accentTextLight, bg)).toBeGreaterThanOrEqual(AA);
      }
      for (const bg of [dark.bg!, dark.surface!, dark["surface-2"]!]) {
        expect(contrastRatio(a.accentTextDark, bg)).toBeGreaterThanOrEqual(AA);
      }
    },
  );
});
