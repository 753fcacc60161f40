// Small, locale-independent formatters shared by the screens and the copy text: sizes in the
// same binary units as `desksidectl info` (so the window and a pasted summary agree), uptime,
// percentages and "how long ago".

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** Binary units with one decimal, like the CLI: `476.9 GiB`, `512 B`. */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n) || n < 0) return "unknown";
  let unit = 0;
  let value = n;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${Math.floor(value)} B`;
  // Truncate (not round) to one decimal, as the CLI does, so both print the same digits.
  return `${(Math.floor(value * 10) / 10).toFixed(1)} ${UNITS[unit]}`;
}

/** Whole percent of `part` in `total`, clamped to 0–100; null when total is 0 or unknown. */
export function percentOf(part: number | null | undefined, total: number | null | undefined): number | null {
  if (part == null || total == null || !(total > 0)) return null;
  return Math.min(100, Math.max(0, Math.round((part / total) * 100)));
}

/** `40 min`, `3 h 5 min`, `2 d 4 h 0 min` (the CLI's wording). */
export function formatUptime(secs: number | null | undefined): string {
  if (secs == null || !Number.isFinite(secs) || secs < 0) return "unknown";
  const days = Math.floor(secs / 86_400);
  const hours = Math.floor((secs % 86_400) / 3_600);
  const mins = Math.floor((secs % 3_600) / 60);
  if (days === 0 && hours === 0) return `${mins} min`;
  if (days === 0) return `${hours} h ${mins} min`;
  return `${days} d ${hours} h ${mins} min`;
}

/** `just now`, `5 minutes ago`, `3 hours ago`, `2 days ago`; null for a missing or bad date. */
export function formatAgo(iso: string | null | undefined, now: Date = new Date()): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const secs = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (secs < 60) return "just now";
  const mins = Math.floor(secs / 60);
  if (mins < 60) return plural(mins, "minute") + " ago";
  const hours = Math.floor(mins / 60);
  if (hours < 24) return plural(hours, "hour") + " ago";
  return plural(Math.floor(hours / 24), "day") + " ago";
}

/** `1 check`, `3 checks`. */
export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

/** Milliseconds as `412 ms` or `1.5 s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
