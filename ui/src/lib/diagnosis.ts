// The state of one diagnosis run as the UI sees it, and its view models.
//
// A run starts empty, learns the planned check ids from the first `DiagnosisProgress` event,
// fills in results as `finished` events arrive, and ends with the Report (the source of
// truth: it replaces whatever the events said) or with an error. Everything here is pure;
// `app-state.svelte.ts` holds the current RunState and screens render the view models.

import { CATEGORIES, catalogIndex, categoryLabel, categoryOf, checkTitle } from "./catalog";
import { plural } from "./format";
import { statusMeta, type RowStatus, type Tone } from "./status";
import type { CheckResult, DiagnosisProgress, Health, Report, Status } from "./bindings";

export type Phase = "idle" | "running" | "done" | "failed";

export interface RunState {
  phase: Phase;
  /** Ids announced by the `planned` event. */
  planned: string[];
  /** Finished results by id. */
  results: Record<string, CheckResult>;
  /** Every id seen (planned or finished), in first-seen order: ties in catalog order. */
  seen: string[];
  report: Report | null;
  error: string | null;
}

export function idleRun(): RunState {
  return { phase: "idle", planned: [], results: {}, seen: [], report: null, error: null };
}

export function startRun(): RunState {
  return { ...idleRun(), phase: "running" };
}

function withSeen(seen: string[], ids: string[]): string[] {
  const out = [...seen];
  for (const id of ids) if (!out.includes(id)) out.push(id);
  return out;
}

/** Applies one progress event; events for a run that is not running are ignored. */
export function applyProgress(state: RunState, event: DiagnosisProgress): RunState {
  if (state.phase !== "running") return state;
  if (event.kind === "planned") {
    return { ...state, planned: [...event.ids], seen: withSeen(state.seen, event.ids) };
  }
  const check = event.check;
  return {
    ...state,
    results: { ...state.results, [check.id]: check },
    seen: withSeen(state.seen, [check.id]),
  };
}

/** The run ended with a report: its checks replace what the events said. */
export function finishRun(state: RunState, report: Report): RunState {
  const results: Record<string, CheckResult> = {};
  for (const c of report.checks) results[c.id] = c;
  return {
    ...state,
    phase: "done",
    results,
    seen: withSeen(state.seen, report.checks.map((c) => c.id)),
    report,
    error: null,
  };
}

export function failRun(state: RunState, message: string): RunState {
  return { ...state, phase: "failed", error: message };
}

// ---- progress ---------------------------------------------------------------------------

export interface Progress {
  done: number;
  total: number;
  /** 0–100. */
  percent: number;
}

export function progressOf(state: RunState): Progress {
  const total = state.seen.length;
  const done = state.seen.filter((id) => id in state.results).length;
  const percent = total === 0 ? (state.phase === "done" ? 100 : 0) : Math.round((done / total) * 100);
  return { done, total, percent };
}

// ---- rows and groups --------------------------------------------------------------------

export interface CheckRow {
  id: string;
  title: string;
  category: string;
  status: RowStatus;
  label: string;
  tone: Tone;
  summary: string;
  advice: string | null;
  /** Pretty-printed evidence, or null when there is none worth showing. */
  evidence: string | null;
  durationMs: number | null;
  isRootCause: boolean;
}

export function evidenceText(evidence: unknown): string | null {
  if (evidence == null) return null;
  if (typeof evidence === "object" && Object.keys(evidence as object).length === 0) return null;
  try {
    return JSON.stringify(evidence, null, 2);
  } catch {
    return null;
  }
}

function rowFor(id: string, result: CheckResult | undefined, rootCause: string | null): CheckRow {
  const status: RowStatus = result ? result.status : "pending";
  const meta = statusMeta(status);
  return {
    id,
    title: checkTitle(id),
    category: categoryOf(id, result?.category),
    status,
    label: meta.label,
    tone: meta.tone,
    summary: result?.summary ?? "",
    advice: result?.advice ? result.advice : null,
    evidence: result ? evidenceText(result.evidence) : null,
    durationMs: result?.duration_ms ?? null,
    isRootCause: rootCause === id,
  };
}

/** One row per known check, in catalog order (unknown ids after, in the order they came). */
export function checkRows(state: RunState): CheckRow[] {
  const rc = rootCauseId(state);
  return state.seen
    .map((id, i) => ({ id, i }))
    .sort((a, b) => catalogIndex(a.id) - catalogIndex(b.id) || a.i - b.i)
    .map(({ id }) => rowFor(id, state.results[id], rc));
}

export interface CheckGroup {
  category: string;
  label: string;
  rows: CheckRow[];
  done: number;
  /** The group's most serious status, for its heading badge. */
  worst: RowStatus;
}

const SEVERITY: RowStatus[] = ["fail", "warn", "error", "pending", "pass", "skip"];

export function worstStatus(statuses: RowStatus[]): RowStatus {
  for (const s of SEVERITY) if (statuses.includes(s)) return s;
  return "skip";
}

/** Rows grouped Network, VPN, Disk, System (then unknown categories); empty groups left out. */
export function groupRows(rows: CheckRow[]): CheckGroup[] {
  const order = CATEGORIES.map((c) => c.id as string);
  for (const r of rows) if (!order.includes(r.category)) order.push(r.category);
  return order
    .map((category) => {
      const inGroup = rows.filter((r) => r.category === category);
      return {
        category,
        label: categoryLabel(category),
        rows: inGroup,
        done: inGroup.filter((r) => r.status !== "pending").length,
        worst: worstStatus(inGroup.map((r) => r.status)),
      };
    })
    .filter((g) => g.rows.length > 0);
}

/** Count per finished status, e.g. for "15 OK · 1 problem · 2 not checked". */
export function statusCounts(rows: CheckRow[]): Partial<Record<RowStatus, number>> {
  const counts: Partial<Record<RowStatus, number>> = {};
  for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

export function countsText(rows: CheckRow[]): string {
  const c = statusCounts(rows);
  const parts: string[] = [];
  if (c.fail) parts.push(c.fail === 1 ? "1 problem" : `${c.fail} problems`);
  if (c.warn) parts.push(c.warn === 1 ? "1 warning" : `${c.warn} warnings`);
  if (c.error) parts.push(`${c.error} could not run`);
  if (c.pass) parts.push(`${c.pass} OK`);
  if (c.skip) parts.push(`${c.skip} not checked`);
  return parts.join(" · ");
}

// ---- root cause -------------------------------------------------------------------------

/**
 * The root cause to highlight: only once the run is done, and always the engine's choice
 * (the report's `diagnosis.root_cause`; the UI never re-derives it).
 */
export function rootCauseId(state: RunState): string | null {
  const report = state.report;
  if (state.phase !== "done" || !report) return null;
  if (report.diagnosis.status === "healthy") return null;
  return report.diagnosis.root_cause ?? null;
}

export interface RootCauseView {
  id: string;
  title: string;
  status: RowStatus;
  tone: Tone;
  headline: string;
  summary: string;
  advice: string | null;
}

/** What the root-cause panel shows for a finished report, or null when all is well. */
export function rootCauseView(report: Report | null): RootCauseView | null {
  if (!report || report.diagnosis.status === "healthy") return null;
  const id = report.diagnosis.root_cause;
  if (!id) return null;
  const check = report.checks.find((c) => c.id === id);
  const status: RowStatus = check?.status ?? "fail";
  return {
    id,
    title: checkTitle(id),
    status,
    tone: statusMeta(status).tone,
    headline: report.diagnosis.headline || check?.summary || checkTitle(id),
    summary: check?.summary || report.diagnosis.summary,
    advice: check?.advice || adviceFromSummary(report, check),
  };
}

// The diagnosis summary is "<check summary> <advice>"; when the check carries no advice the
// remainder of the summary is the best "what to do next" there is.
function adviceFromSummary(report: Report, check: CheckResult | undefined): string | null {
  const summary = report.diagnosis.summary.trim();
  if (!check) return summary || null;
  const rest = summary.startsWith(check.summary) ? summary.slice(check.summary.length).trim() : "";
  return rest || null;
}

// ---- overall ----------------------------------------------------------------------------

/** `data-status` of the `diagnosis-status` element. */
export type RunStatus = "idle" | "running" | Health | "failed";

export function runStatus(state: RunState): RunStatus {
  if (state.phase === "done" && state.report) return state.report.diagnosis.status;
  if (state.phase === "done") return "failed";
  return state.phase;
}

/** One sentence about the run for the status line (announced to screen readers). */
export function runSentence(state: RunState): string {
  switch (state.phase) {
    case "idle":
      return "Diagnostics have not run in this window yet.";
    case "running":
      return "Checking your computer…";
    case "failed":
      return `Diagnostics could not finish: ${state.error ?? "unknown error"}`;
    case "done": {
      const report = state.report;
      if (!report) return "Diagnostics finished.";
      if (report.diagnosis.status === "healthy") return report.diagnosis.headline || "Everything is working.";
      const fails = report.checks.filter((c) => c.status === "fail").length;
      const warns = report.checks.filter((c) => c.status === "warn").length;
      const found = [
        fails ? plural(fails, "problem") : null,
        warns ? plural(warns, "warning") : null,
      ].filter(Boolean);
      return found.length ? `Diagnostics finished: ${found.join(" and ")} found.` : "Diagnostics finished.";
    }
  }
}
