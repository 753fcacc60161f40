import { describe, expect, it } from "vitest";
import { currentHealth, homeView } from "./home";
import { DNS_ADVICE, brokenDnsReport, healthOf, healthyReport } from "./sample-data";
import type { HealthState } from "./bindings";

const NOW = new Date("2026-11-23T09:48:00Z");
const unknown: HealthState = { status: "unknown", headline: "", root_cause: null, checked_at: null };

describe("homeView", () => {
  it("says nothing was checked yet", () => {
    const v = homeView(unknown, null, NOW);
    expect(v).toMatchObject({ status: "unknown", sentence: "Deskside has not checked this computer yet.", checkedAgo: null, rootCause: null });
    expect(homeView(null, null, NOW).status).toBe("unknown");
  });

  it("uses the shell's health: headline, time and root cause (details need a report)", () => {
    const h = healthOf(brokenDnsReport(), "2026-11-23T09:41:00Z");
    const v = homeView(h, null, NOW);
    expect(v.sentence).toBe("Websites cannot be found by name (DNS problem).");
    expect(v.checkedAgo).toBe("7 minutes ago");
    expect(v.meta.label).toBe("Problem found");
    expect(v.rootCause).toEqual({ id: "net.dns", title: "Name lookup (DNS)", summary: null, advice: null });
  });

  it("adds the summary and advice from this window's report", () => {
    const report = brokenDnsReport();
    const v = homeView(healthOf(report), report, NOW);
    expect(v.rootCause?.advice).toBe(DNS_ADVICE);
    expect(v.rootCause?.summary).toContain("does not answer");
  });

  it("prefers a report newer than the health state", () => {
    const old: HealthState = { status: "healthy", headline: "Everything is working.", root_cause: null, checked_at: "2026-11-23T08:00:00Z" };
    const report = brokenDnsReport(); // started 09:41
    expect(currentHealth(old, report)?.status).toBe("broken");
    expect(currentHealth(old, null)).toBe(old);
    const newer: HealthState = { ...old, checked_at: "2026-11-23T09:45:00Z" };
    expect(currentHealth(newer, report)).toBe(newer);
    expect(currentHealth(unknown, report)?.status).toBe("broken");
  });

  it("shows no root cause when healthy, and a default sentence for an empty headline", () => {
    const v = homeView({ ...healthOf(healthyReport()), headline: " " }, null, NOW);
    expect(v.rootCause).toBeNull();
    expect(v.sentence).toBe("Everything looks fine.");
  });
});
