import { describe, expect, it } from "vitest";
import { healthMeta, statusMeta } from "./status";

describe("statusMeta", () => {
  it.each([
    ["pass", "OK", "ok", "check"],
    ["warn", "Warning", "warn", "alert"],
    ["fail", "Problem", "bad", "cross"],
    ["skip", "Not checked", "neutral", "minus"],
    ["error", "Could not check", "neutral", "question"],
    ["pending", "Checking…", "info", "spinner"],
  ])("%s → %s / %s / %s", (status, label, tone, icon) => {
    expect(statusMeta(status)).toEqual({ label, tone, icon });
  });

  it("shows an unknown status as Unknown rather than failing", () => {
    expect(statusMeta("exploded").label).toBe("Unknown");
  });

  it("gives every status its own icon, so colour is never the only signal", () => {
    const icons = ["pass", "warn", "fail", "skip", "error", "pending"].map((s) => statusMeta(s).icon);
    expect(new Set(icons).size).toBe(icons.length);
  });
});

describe("healthMeta", () => {
  it("labels the overall health", () => {
    expect(healthMeta("healthy")).toMatchObject({ label: "All good", tone: "ok" });
    expect(healthMeta("degraded")).toMatchObject({ label: "Needs attention", tone: "warn" });
    expect(healthMeta("broken")).toMatchObject({ label: "Problem found", tone: "bad" });
    expect(healthMeta("unknown")).toMatchObject({ label: "Not checked yet", tone: "neutral" });
    expect(healthMeta("weird")).toEqual(healthMeta("unknown"));
  });
});
