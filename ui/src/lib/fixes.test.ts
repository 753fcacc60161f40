import { describe, expect, it } from "vitest";
import {
  applyFixProgress,
  confirmFix,
  fixDone,
  fixesFor,
  fixFailed,
  helpFromFix,
  helpFromReport,
  needsFix,
  outcomeView,
  previewReady,
  previewView,
  startFix,
  stepText,
  verifyRows,
} from "./fixes";
import { brokenDnsReport, healthyReport, sampleFixes, sampleFixResult, samplePreview } from "./sample-data";

const flush = () => sampleFixes().find((f) => f.id === "net.flush_dns")!;

describe("fixes beside a finding", () => {
  it("offers available built-in fixes first, then IT's actions, never unavailable ones", () => {
    const fixes = sampleFixes();
    expect(fixesFor("net.dns", fixes).map((f) => f.id)).toEqual(["net.flush_dns", "action.dns_repair"]);
    expect(fixesFor("net.address", fixes).map((f) => f.id)).toEqual(["net.restart_interface", "net.renew_address"]);
    expect(fixesFor("vpn.tunnel", fixes)).toEqual([]); // vpn.reconnect is not available here
    expect(fixesFor("system.uptime", fixes)).toEqual([]);
  });

  it("only failing or warning findings need a fix", () => {
    expect(["fail", "warn"].every(needsFix)).toBe(true);
    expect(["pass", "skip", "error", "pending"].some(needsFix)).toBe(false);
  });
});

describe("a fix run", () => {
  it("goes preview → confirm → applying (live steps, re-test) → done", () => {
    let run = startFix(flush(), "net.dns", brokenDnsReport());
    expect(run.phase).toBe("previewing");
    expect(confirmFix(run)).toBe(run); // cannot confirm before the preview
    run = previewReady(run, samplePreview("net.flush_dns"));
    expect(run.phase).toBe("confirm");
    run = confirmFix(run);
    expect(run.phase).toBe("applying");
    const step = { program: "kill", args: ["-HUP", "812"], status: "ok", output: "" };
    run = applyFixProgress(run, { kind: "step", fix: "disk.clear_temp", step }); // another fix: ignored
    expect(run.steps).toEqual([]);
    run = applyFixProgress(run, { kind: "step", fix: "net.flush_dns", step });
    run = applyFixProgress(run, { kind: "verifying", fix: "net.flush_dns" });
    expect(run.steps).toHaveLength(1);
    expect(run.verifying).toBe(true);
    run = fixDone(run, sampleFixResult("net.flush_dns"));
    expect(run.phase).toBe("done");
    expect(run.verifying).toBe(false);
    expect(applyFixProgress(run, { kind: "verifying", fix: "net.flush_dns" })).toBe(run);
  });

  it("says what the preview frees and whether approval is needed", () => {
    expect(previewView(samplePreview("disk.clear_temp")).bytes).toBe("Frees about 1.1 GiB.");
    expect(previewView({ ...samplePreview("disk.clear_temp"), bytes: 0 }).bytes).toBe("There is nothing to free.");
    expect(previewView(samplePreview("net.restart_interface")).elevation).toBe(true);
    expect(previewView(samplePreview("net.flush_dns")).bytes).toBeNull();
  });

  it("reads outcomes plainly and offers help unless fixed", () => {
    expect(outcomeView(sampleFixResult("net.flush_dns")).offerHelp).toBe(false);
    const notFixed = outcomeView(sampleFixResult("net.flush_dns", "not_fixed"));
    expect(notFixed.offerHelp).toBe(true);
    expect(notFixed.headline).toContain("still there");
    expect(outcomeView(sampleFixResult("x", "refused")).tone).toBe("neutral");
    expect(stepText({ program: "ip", args: ["link", "set", "dev", "eth0", "up"], status: "ok", output: "" })).toBe("ip link set dev eth0 up");
    expect(verifyRows(sampleFixResult("net.flush_dns", "not_fixed"))).toEqual([
      { id: "net.dns", title: "Name lookup (DNS)", status: "fail", label: "Problem", tone: "bad" },
    ]);
  });
});

describe("Still broken? Get help", () => {
  it("carries the before, the fix and the re-test into the ticket", () => {
    let run = startFix(flush(), "net.dns", brokenDnsReport());
    run = confirmFix(previewReady(run, samplePreview("net.flush_dns")));
    run = fixDone(run, sampleFixResult("net.flush_dns", "not_fixed"));
    const help = helpFromFix(run);
    expect(help.subject).toBe('Still broken after "Clear the name-lookup cache": Name lookup (DNS)');
    expect(help.description).toContain("does not answer");
    expect(help.description).toContain("Re-test after the fix:\n  Name lookup (DNS) (net.dns): Problem");
    expect(help.fixResults).toHaveLength(1);
    expect(help.report?.diagnosis.root_cause).toBe("net.dns");
  });

  it("also works when the fix could not run at all", () => {
    const run = fixFailed(startFix(flush(), null, null), "Administrator approval was refused.");
    const help = helpFromFix(run);
    expect(help.description).toContain("Result: Administrator approval was refused.");
    expect(help.fixResults).toEqual([]);
  });

  it("starts a ticket from a root cause, but not from a healthy report", () => {
    expect(helpFromReport(brokenDnsReport())?.subject).toBe("Problem: Name lookup (DNS)");
    expect(helpFromReport(healthyReport())).toBeNull();
  });
});
