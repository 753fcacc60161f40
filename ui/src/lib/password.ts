// The Password screen's words: the status sentence (expires in N days, expired, never, unknown,
// with the age of an offline copy), the strength meter, and the stable error codes of a
// change mapped to plain text. The policy checks themselves run in Rust (`checkNewPassword`);
// nothing here judges a password.

import { formatAgo, plural } from "./format";
import type { Tone } from "./status";
import type { PasswordChecklist, PasswordStatus } from "./bindings";

export interface PasswordView {
  tone: Tone;
  headline: string;
  detail: string | null;
  /** "Last checked 3 hours ago (saved copy: the directory cannot be reached now)." */
  freshness: string | null;
  /** Tray/nav badge worth showing. */
  attention: boolean;
}

export function passwordView(s: PasswordStatus | null, now = new Date()): PasswordView {
  if (!s) return { tone: "neutral", headline: "Checking your password…", detail: null, freshness: null, attention: false };
  if (!s.configured) {
    return {
      tone: "neutral",
      headline: "Password checks are not set up on this computer.",
      detail: "Your IT team has not told Deskside where your password lives. Ask them if you need to change it.",
      freshness: null,
      attention: false,
    };
  }
  const days = s.days_left;
  let tone: Tone = "ok";
  let headline: string;
  let detail: string | null = null;
  switch (s.state) {
    case "never":
      headline = "Your password does not expire.";
      break;
    case "expired":
      tone = "bad";
      headline = "Your password has expired.";
      detail =
        s.grace_logins != null && s.grace_logins > 0
          ? `You can still sign in ${plural(s.grace_logins, "more time", "more times")}. Change it now.`
          : "Change it now, or use “Forgot or locked out?” below if you cannot sign in.";
      break;
    case "grace":
      tone = "bad";
      headline = "Your password has expired.";
      detail = `You can still sign in ${plural(s.grace_logins ?? 0, "more time", "more times")}. Change it now.`;
      break;
    case "warning":
    case "ok":
      tone = s.state === "warning" ? "warn" : "ok";
      headline =
        days == null
          ? "Your password is valid."
          : days <= 0
            ? "Your password expires today."
            : days === 1
              ? "Your password expires tomorrow."
              : `Your password expires in ${days} days.`;
      if (s.expires_at) detail = `On ${formatDate(s.expires_at)}.`;
      break;
    default:
      tone = "neutral";
      headline = "Deskside cannot tell when your password expires.";
      detail = s.message;
  }
  const ago = formatAgo(s.checked_at, now);
  const freshness = s.cached
    ? `Saved copy from ${ago ?? "an earlier check"}: the directory cannot be reached right now.`
    : ago
      ? `Checked ${ago}.`
      : null;
  return { tone, headline, detail, freshness, attention: tone === "warn" || tone === "bad" };
}

function formatDate(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toLocaleDateString(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

// ---- strength ----------------------------------------------------------------------------

const STRENGTH: readonly { label: string; tone: Tone }[] = [
  { label: "Very weak", tone: "bad" },
  { label: "Weak", tone: "bad" },
  { label: "Fair", tone: "warn" },
  { label: "Strong", tone: "ok" },
  { label: "Very strong", tone: "ok" },
];

export function strengthMeta(score: number): { label: string; tone: Tone; percent: number } {
  const i = Math.max(0, Math.min(4, Math.round(score)));
  return { ...STRENGTH[i]!, percent: (i + 1) * 20 };
}

/** Nothing typed yet: an empty checklist (no call to Rust needed). */
export function emptyChecklist(): PasswordChecklist {
  return { items: [], score: 0, feedback: [], acceptable: false };
}

// ---- errors ------------------------------------------------------------------------------

/** Plain text for each stable code of a refused change (`password.<code>` over IPC). */
export const PASSWORD_ERRORS: Record<string, string> = {
  wrong_current_password: "The current password is not right. Check Caps Lock and try again. After several wrong tries your account may be locked.",
  policy_violation: "The directory refused the new password because it does not meet the password rules.",
  account_locked: "Your account is locked after too many wrong passwords. Use “Forgot or locked out?” or ask IT to unlock it.",
  password_expired: "Your password has already expired, so it cannot be changed here. Use “Forgot or locked out?” to reset it, or ask IT.",
  must_change: "Your password must be changed at next sign-in. Sign out and back in to change it, or ask IT.",
  directory_unreachable: "The password directory cannot be reached. Connect to the office network or the VPN and try again.",
  tls_error: "Deskside could not set up a secure connection to the directory, so nothing was sent. Tell IT.",
  not_configured: "Password changes are not set up on this computer. Ask IT.",
  too_weak: "The new password does not pass the checks above yet.",
};

const POLICY_REASONS: Record<string, string> = {
  complexity: "It needs more kinds of characters.",
  too_short: "It is too short.",
  in_history: "You used it before: choose one you have not used.",
  too_young: "Your password was changed too recently to change it again yet.",
};

/**
 * A change error → the sentence to show. Codes are `password.<code>` or, for a policy
 * refusal, `password.policy_violation.<reason>`; unknown codes keep the shell's own message.
 */
export function passwordErrorText(code: string, message: string): string {
  const bare = code.replace(/^password\./, "");
  const [main, reason] = bare.split(".");
  const base = PASSWORD_ERRORS[main ?? ""];
  if (!base) return message;
  const why = reason ? POLICY_REASONS[reason] : undefined;
  return why ? `${base} ${why}` : base;
}
