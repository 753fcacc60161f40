// How a status looks: label, colour tone and icon for check statuses and overall health.
// Tones map to CSS tokens (`--ok-fg`, `--warn-bg`, …) in styles/theme.css, so colour is never
// the only signal: every tone also has its own icon and a text label.

import type { HealthStatus, Status } from "./bindings";

/** What a check row shows: a finished status, or `pending` while the check runs (UI only). */
export type RowStatus = Status | "pending";

export type Tone = "ok" | "warn" | "bad" | "neutral" | "info";
export type IconName = "check" | "alert" | "cross" | "minus" | "question" | "spinner";

export interface StatusMeta {
  label: string;
  tone: Tone;
  icon: IconName;
}

const STATUS: Record<RowStatus, StatusMeta> = {
  pass: { label: "OK", tone: "ok", icon: "check" },
  warn: { label: "Warning", tone: "warn", icon: "alert" },
  fail: { label: "Problem", tone: "bad", icon: "cross" },
  skip: { label: "Not checked", tone: "neutral", icon: "minus" },
  error: { label: "Could not check", tone: "neutral", icon: "question" },
  pending: { label: "Checking…", tone: "info", icon: "spinner" },
};

/** Label, tone and icon of a check row; an unknown status shows as "Unknown". */
export function statusMeta(status: string): StatusMeta {
  return STATUS[status as RowStatus] ?? { label: "Unknown", tone: "neutral", icon: "question" };
}

const HEALTH: Record<HealthStatus, StatusMeta> = {
  healthy: { label: "All good", tone: "ok", icon: "check" },
  degraded: { label: "Needs attention", tone: "warn", icon: "alert" },
  broken: { label: "Problem found", tone: "bad", icon: "cross" },
  unknown: { label: "Not checked yet", tone: "neutral", icon: "question" },
};

export function healthMeta(status: string): StatusMeta {
  return HEALTH[status as HealthStatus] ?? HEALTH.unknown;
}
