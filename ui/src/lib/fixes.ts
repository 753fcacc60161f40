// One-click fixes as the UI sees them: which fixes sit beside a finding, how one run of a fix
// evolves (preview → confirm → applying with live steps → re-test result), and what "Still
// broken? Get help" carries into the ticket form (the before/after). Pure; the Fix dialog
// renders these and `app-state.svelte.ts` holds the state.

import { checkTitle } from "./catalog";
import { formatBytes } from "./format";
import { statusMeta, type Tone } from "./status";
import type { FixInfo, FixOutcome, FixPreview, FixProgress, FixResult, FixStep, Report } from "./bindings";

/** Findings worth a fix: a check that failed or warns. */
export function needsFix(status: string): boolean {
  return status === "fail" || status === "warn";
}

/**
 * Fixes to offer beside a finding: the available built-in fixes that address the check
 * first (catalogue order), then IT's actions for it. Unavailable fixes are left out: a
 * button that cannot work only confuses.
 */
export function fixesFor(checkId: string, fixes: readonly FixInfo[]): FixInfo[] {
  const matching = fixes.filter((f) => f.available && f.addresses.includes(checkId));
  return [...matching.filter((f) => f.kind === "builtin"), ...matching.filter((f) => f.kind === "action")];
}

export type FixPhase = "previewing" | "confirm" | "applying" | "done" | "failed";

export interface FixRun {
  fix: FixInfo;
  /** The finding the button was beside. */
  checkId: string | null;
  phase: FixPhase;
  preview: FixPreview | null;
  /** Steps reported live while applying (the result's steps replace them). */
  steps: FixStep[];
  verifying: boolean;
  result: FixResult | null;
  /** Preview or apply could not run at all. */
  error: string | null;
  /** The diagnosis the user looked at when pressing Fix it (the "before"). */
  before: Report | null;
}

export function startFix(fix: FixInfo, checkId: string | null, before: Report | null): FixRun {
  return { fix, checkId, phase: "previewing", preview: null, steps: [], verifying: false, result: null, error: null, before };
}

export function previewReady(run: FixRun, preview: FixPreview): FixRun {
  return run.phase === "previewing" ? { ...run, phase: "confirm", preview } : run;
}

export function confirmFix(run: FixRun): FixRun {
  return run.phase === "confirm" ? { ...run, phase: "applying", steps: [], verifying: false } : run;
}

/** One `FixProgress` event; events for another fix or outside `applying` are ignored. */
export function applyFixProgress(run: FixRun, event: FixProgress): FixRun {
  if (run.phase !== "applying" || event.fix !== run.fix.id) return run;
  switch (event.kind) {
    case "step":
      return { ...run, steps: [...run.steps, event.step] };
    case "verifying":
      return { ...run, verifying: true };
    default:
      return run;
  }
}

export function fixDone(run: FixRun, result: FixResult): FixRun {
  return { ...run, phase: "done", result, steps: result.steps.length ? result.steps : run.steps, verifying: false };
}

export function fixFailed(run: FixRun, message: string): FixRun {
  return { ...run, phase: "failed", error: message, verifying: false };
}

// ---- views -------------------------------------------------------------------------------

export interface PreviewView {
  summary: string;
  changes: string[];
  /** "Frees about 1.2 GiB." */
  bytes: string | null;
  elevation: boolean;
}

export function previewView(p: FixPreview): PreviewView {
  return {
    summary: p.summary,
    changes: p.changes,
    bytes: p.bytes != null && p.bytes > 0 ? `Frees about ${formatBytes(p.bytes)}.` : p.bytes === 0 ? "There is nothing to free." : null,
    elevation: p.elevation,
  };
}

export interface OutcomeView {
  outcome: FixOutcome;
  tone: Tone;
  headline: string;
  /** The problem is still there (or the fix did not run): offer "Get help". */
  offerHelp: boolean;
}

const OUTCOME: Record<FixOutcome, { tone: Tone; headline: string }> = {
  fixed: { tone: "ok", headline: "Fixed. The re-test passed." },
  not_fixed: { tone: "warn", headline: "The fix ran, but the problem is still there." },
  failed: { tone: "bad", headline: "The fix could not be completed." },
  refused: { tone: "neutral", headline: "The fix was not carried out." },
};

export function outcomeView(result: FixResult): OutcomeView {
  const o = OUTCOME[result.outcome] ?? OUTCOME.failed;
  return { outcome: result.outcome, tone: o.tone, headline: o.headline, offerHelp: result.outcome !== "fixed" };
}

/** `ip link set dev eth0 up` — how a step reads in the technical details. */
export function stepText(step: FixStep): string {
  return [step.program, ...step.args].join(" ");
}

export interface VerifyRow {
  id: string;
  title: string;
  status: string;
  label: string;
  tone: Tone;
}

export function verifyRows(result: FixResult): VerifyRow[] {
  return (result.verify?.checks ?? []).map((c) => {
    const meta = statusMeta(c.status);
    return { id: c.id, title: checkTitle(c.id), status: c.status, label: meta.label, tone: meta.tone };
  });
}

// ---- "Still broken? Get help" ------------------------------------------------------------

export interface HelpPrefill {
  subject: string;
  description: string;
  fixResults: FixResult[];
  report: Report | null;
}

/** The ticket a failed fix starts: what was wrong, what was tried, what the re-test said. */
export function helpFromFix(run: FixRun): HelpPrefill {
  const problem = run.checkId ?? run.before?.diagnosis.root_cause ?? null;
  const title = problem ? checkTitle(problem) : run.fix.title;
  const lines: string[] = [];
  const before = problem ? run.before?.checks.find((c) => c.id === problem) : undefined;
  lines.push(`Deskside found a problem: ${before?.summary ?? (run.before?.diagnosis.headline || title)}`);
  lines.push(`I tried "${run.fix.title}", but it did not fix it.`);
  if (run.result) {
    lines.push("", `Result: ${run.result.message || outcomeView(run.result).headline}`);
    const rows = verifyRows(run.result);
    if (rows.length) {
      lines.push("Re-test after the fix:");
      for (const r of rows) lines.push(`  ${r.title} (${r.id}): ${r.label}`);
    }
  } else if (run.error) {
    lines.push("", `Result: ${run.error}`);
  }
  return {
    subject: `Still broken after "${run.fix.title}": ${title}`,
    description: lines.join("\n"),
    fixResults: run.result ? [run.result] : [],
    report: run.before,
  };
}

/** A ticket started from a finding without trying a fix (the root cause's "Get help"). */
export function helpFromReport(report: Report): HelpPrefill | null {
  const rc = report.diagnosis.root_cause;
  if (!rc || report.diagnosis.status === "healthy") return null;
  const check = report.checks.find((c) => c.id === rc);
  return {
    subject: `Problem: ${checkTitle(rc)}`,
    description: `Deskside found a problem: ${check?.summary ?? report.diagnosis.headline}`,
    fixResults: [],
    report,
  };
}
