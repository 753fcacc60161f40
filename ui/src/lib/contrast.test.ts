import { describe, expect, it } from "vitest";
import { DEFAULT_ACCENT, accentTokens, contrastRatio, ensureContrast, luminance, parseHex, textOn, toHex } from "./contrast";

describe("contrast arithmetic", () => {
  it("parses short and long hex", () => {
    expect(parseHex("#fff")).toEqual([255, 255, 255]);
    expect(parseHex("1D4ED8")).toEqual([29, 78, 216]);
    expect(parseHex("blue")).toBeNull();
    expect(parseHex("#12345")).toBeNull();
    expect(toHex([29, 78, 216])).toBe("#1d4ed8");
  });

  it("matches the WCAG reference values", () => {
    expect(luminance("#ffffff")).toBeCloseTo(1, 6);
    expect(luminance("#000000")).toBeCloseTo(0, 6);
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 6);
    expect(contrastRatio("#ffffff", "#ffffff")).toBeCloseTo(1, 6);
    // #777 on white is the classic "just fails AA" grey (4.48:1).
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    // Order does not matter.
    expect(contrastRatio("#1d4ed8", "#ffffff")).toBeCloseTo(contrastRatio("#ffffff", "#1d4ed8"), 10);
  });

  it("picks white or black text by luminance", () => {
    expect(textOn("#1d4ed8")).toBe("#ffffff");
    expect(textOn("#ffcc00")).toBe("#000000");
    expect(textOn("#f5f5f5")).toBe("#000000");
    expect(textOn("#111111")).toBe("#ffffff");
  });

  it("moves a colour until it is readable, and leaves readable ones alone", () => {
    expect(ensureContrast("#1d4ed8", "#ffffff")).toBe("#1d4ed8");
    const onDark = ensureContrast("#1d4ed8", "#121419");
    expect(contrastRatio(onDark, "#121419")).toBeGreaterThanOrEqual(4.5);
    const yellowOnWhite = ensureContrast("#ffcc00", "#ffffff");
    expect(contrastRatio(yellowOnWhite, "#ffffff")).toBeGreaterThanOrEqual(4.5);
  });
});

describe("accentTokens", () => {
  it("falls back to the default for a missing or invalid colour", () => {
    expect(accentTokens(null).accent).toBe(DEFAULT_ACCENT);
    expect(accentTokens("url(javascript:x)").accent).toBe(DEFAULT_ACCENT);
  });

  it("normalizes the brand colour and pairs it with readable text", () => {
    const t = accentTokens("#FC0");
    expect(t.accent).toBe("#ffcc00");
    expect(t.onAccent).toBe("#000000");
  });
});
