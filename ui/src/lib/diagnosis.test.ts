import { describe, expect, it } from "vitest";
import {
  applyProgress,
  checkRows,
  countsText,
  evidenceText,
  failRun,
  finishRun,
  groupRows,
  idleRun,
  progressOf,
  rootCauseId,
  rootCauseView,
  runSentence,
  runStatus,
  startRun,
  worstStatus,
  type RunState,
} from "./diagnosis";
import { DNS_ADVICE, brokenDnsReport, healthyReport, lowDiskReport } from "./sample-data";
import type { Category, CheckResult, DiagnosisProgress } from "./bindings";

const result = (id: string, status: CheckResult["status"], category: Category = "network"): CheckResult => ({
  id,
  category,
  status,
  summary: `${id} is ${status}`,
  evidence: {},
  duration_ms: 1,
});

function play(events: DiagnosisProgress[], from: RunState = startRun()): RunState {
  return events.reduce(applyProgress, from);
}

describe("run state", () => {
  it("shows planned checks as pending, then fills them in as they finish", () => {
    let s = play([{ kind: "planned", ids: ["disk.space", "net.interface", "net.dns"] }]);
    expect(progressOf(s)).toEqual({ done: 0, total: 3, percent: 0 });
    expect(checkRows(s).map((r) => [r.id, r.status])).toEqual([
      ["net.interface", "pending"],
      ["net.dns", "pending"],
      ["disk.space", "pending"],
    ]);

    s = play([{ kind: "finished", check: result("disk.space", "pass", "disk") }], s);
    expect(progressOf(s)).toEqual({ done: 1, total: 3, percent: 33 });
    expect(checkRows(s).find((r) => r.id === "disk.space")).toMatchObject({ status: "pass", label: "OK", tone: "ok" });
  });

  it("accepts a finished event for an id that was never planned", () => {
    const s = play([{ kind: "planned", ids: ["net.dns"] }, { kind: "finished", check: result("net.future", "warn") }]);
    expect(progressOf(s)).toMatchObject({ done: 1, total: 2 });
    expect(checkRows(s).map((r) => r.id)).toEqual(["net.dns", "net.future"]);
  });

  it("ignores events when no run is going", () => {
    const idle = idleRun();
    expect(applyProgress(idle, { kind: "planned", ids: ["net.dns"] })).toBe(idle);
  });

  it("lets the report replace what the events said", () => {
    const report = brokenDnsReport();
    const s = finishRun(play([{ kind: "finished", check: result("net.dns", "pass") }]), report);
    expect(s.phase).toBe("done");
    expect(checkRows(s).find((r) => r.id === "net.dns")?.status).toBe("fail");
    expect(progressOf(s)).toEqual({ done: 18, total: 18, percent: 100 });
  });

  it("keeps the error of a failed run", () => {
    const s = failRun(startRun(), "The diagnosis could not start.");
    expect(runStatus(s)).toBe("failed");
    expect(runSentence(s)).toContain("The diagnosis could not start.");
  });
});

describe("grouping", () => {
  it("groups by category in the order Network, VPN, Disk, System, skipping empty ones", () => {
    const s = finishRun(startRun(), brokenDnsReport());
    const groups = groupRows(checkRows(s));
    expect(groups.map((g) => g.label)).toEqual(["Network", "VPN", "Disk", "System"]);
    expect(groups[0]!.rows.map((r) => r.id)).toEqual([
      "net.interface",
      "net.address",
      "net.gateway",
      "net.dns",
      "net.captive_portal",
      "net.internet",
      "net.proxy",
      "net.quality",
      "net.mtu",
    ]);
    expect(groups[3]!.rows.map((r) => r.id)).toEqual(["system.clock", "system.uptime"]);
    expect(groups[0]!.worst).toBe("fail");
    expect(groups[1]!.worst).toBe("skip");

    const only = groupRows(checkRows(play([{ kind: "planned", ids: ["disk.space"] }])));
    expect(only.map((g) => g.category)).toEqual(["disk"]);
    expect(only[0]).toMatchObject({ done: 0, worst: "pending" });
  });

  it("puts unknown categories last", () => {
    // Not a Category of these bindings: the grouping still copes with one it does not know.
    const printing = "printing" as Category;
    const s = play([
      { kind: "finished", check: result("printer.queue", "pass", printing) },
      { kind: "finished", check: result("disk.space", "pass", "disk") },
    ]);
    expect(groupRows(checkRows(s)).map((g) => g.label)).toEqual(["Disk", "Printing"]);
  });

  it("ranks statuses by seriousness", () => {
    expect(worstStatus(["pass", "warn", "skip"])).toBe("warn");
    expect(worstStatus(["pass", "pending"])).toBe("pending");
    expect(worstStatus(["error", "warn", "fail"])).toBe("fail");
  });

  it("summarizes counts", () => {
    const rows = checkRows(finishRun(startRun(), brokenDnsReport()));
    expect(countsText(rows)).toBe("1 problem · 9 OK · 8 not checked");
  });
});

describe("root cause", () => {
  it("is only highlighted once the run is done, and the report's choice wins", () => {
    const report = brokenDnsReport();
    const running = play(report.checks.map((check) => ({ kind: "finished", check }) as DiagnosisProgress));
    expect(rootCauseId(running)).toBeNull();
    const done = finishRun(running, report);
    expect(rootCauseId(done)).toBe("net.dns");
    expect(checkRows(done).filter((r) => r.isRootCause).map((r) => r.id)).toEqual(["net.dns"]);

    const overridden = finishRun(startRun(), {
      ...report,
      diagnosis: { ...report.diagnosis, root_cause: "net.gateway" },
    });
    expect(rootCauseId(overridden)).toBe("net.gateway");
  });

  it("renders the root-cause panel from the report", () => {
    expect(rootCauseView(brokenDnsReport())).toEqual({
      id: "net.dns",
      title: "Name lookup (DNS)",
      status: "fail",
      tone: "bad",
      headline: "Websites cannot be found by name (DNS problem).",
      summary: "Websites cannot be found by name: the DNS server 192.168.178.1 does not answer.",
      advice: DNS_ADVICE,
    });
    expect(rootCauseView(lowDiskReport())).toMatchObject({ id: "disk.space", tone: "warn" });
    expect(rootCauseView(healthyReport())).toBeNull();
    expect(rootCauseView(null)).toBeNull();
  });

  it("falls back to the diagnosis summary when the check has no advice", () => {
    const report = brokenDnsReport();
    report.checks = report.checks.map((c) => (c.id === "net.dns" ? { ...c, advice: undefined } : c));
    expect(rootCauseView(report)?.advice).toBe(DNS_ADVICE);
    // A root cause whose check is missing from the report still shows.
    report.checks = report.checks.filter((c) => c.id !== "net.dns");
    expect(rootCauseView(report)).toMatchObject({ id: "net.dns", summary: report.diagnosis.summary });
  });
});

describe("status line", () => {
  it("says what is going on", () => {
    expect(runStatus(idleRun())).toBe("idle");
    expect(runStatus(startRun())).toBe("running");
    expect(runSentence(startRun())).toBe("Checking your computer…");
    const broken = finishRun(startRun(), brokenDnsReport());
    expect(runStatus(broken)).toBe("broken");
    expect(runSentence(broken)).toBe("Diagnostics finished: 1 problem found.");
    expect(runSentence(finishRun(startRun(), lowDiskReport()))).toBe("Diagnostics finished: 1 warning found.");
    const healthy = finishRun(startRun(), healthyReport());
    expect(runStatus(healthy)).toBe("healthy");
    expect(runSentence(healthy)).toBe("Everything is working.");
  });
});

describe("evidence", () => {
  it("pretty-prints evidence and hides empty objects", () => {
    expect(evidenceText({ servers: ["1.1.1.1"] })).toBe('{\n  "servers": [\n    "1.1.1.1"\n  ]\n}');
    expect(evidenceText({})).toBeNull();
    expect(evidenceText(undefined)).toBeNull();
  });
});
