// The Home screen's view model: one sentence about the computer's health, when it was
// checked, and the root cause with its advice. Health comes from the shell (background or
// manual runs); a report from a run in this window adds the details the health state lacks.

import { checkTitle } from "./catalog";
import { formatAgo } from "./format";
import { healthMeta, type StatusMeta } from "./status";
import type { HealthState, Report } from "./bindings";

export interface HomeView {
  status: HealthState["status"];
  meta: StatusMeta;
  sentence: string;
  checkedAgo: string | null;
  rootCause: { id: string; title: string; summary: string | null; advice: string | null } | null;
}

const KNOWN: readonly string[] = ["healthy", "degraded", "broken"];

const DEFAULT_SENTENCE: Record<HealthState["status"], string> = {
  unknown: "Deskside has not checked this computer yet.",
  healthy: "Everything looks fine.",
  degraded: "Something on this computer needs attention.",
  broken: "Something is not working on this computer.",
};

/** The report as a HealthState, to compare it with the shell's. */
export function healthOfReport(report: Report): HealthState {
  const end = Date.parse(report.started_at) + (report.duration_ms || 0);
  return {
    status: report.diagnosis.status,
    headline: report.diagnosis.headline,
    root_cause: report.diagnosis.root_cause,
    checked_at: Number.isNaN(end) ? report.started_at : new Date(end).toISOString(),
  };
}

/** The newer of the shell's health and this window's last report. */
export function currentHealth(health: HealthState | null, report: Report | null): HealthState | null {
  if (!report) return health;
  const fromReport = healthOfReport(report);
  if (!health || health.status === "unknown" || !health.checked_at) return fromReport;
  const h = Date.parse(health.checked_at);
  const r = Date.parse(report.started_at);
  return !Number.isNaN(r) && (Number.isNaN(h) || r > h) ? fromReport : health;
}

export function homeView(health: HealthState | null, report: Report | null, now = new Date()): HomeView {
  const h = currentHealth(health, report) ?? {
    status: "unknown" as const,
    headline: "",
    root_cause: null,
    checked_at: null,
  };
  const status: HealthState["status"] = KNOWN.includes(h.status) ? h.status : "unknown";
  let rootCause: HomeView["rootCause"] = null;
  if (h.root_cause && status !== "healthy") {
    const check = report?.checks.find((c) => c.id === h.root_cause);
    rootCause = {
      id: h.root_cause,
      title: checkTitle(h.root_cause),
      summary: check?.summary ?? null,
      advice: check?.advice ?? null,
    };
  }
  return {
    status,
    meta: healthMeta(status),
    sentence: h.headline.trim() || DEFAULT_SENTENCE[status],
    checkedAgo: formatAgo(h.checked_at, now),
    rootCause,
  };
}
