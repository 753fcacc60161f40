import { describe, expect, it } from "vitest";
import { passwordErrorText, passwordView, strengthMeta, PASSWORD_ERRORS } from "./password";
import { samplePasswordStatus } from "./sample-data";

const NOW = new Date("2026-11-23T10:00:00Z");

describe("the password status", () => {
  it("says how many days are left, with the date and the check's age", () => {
    const v = passwordView(samplePasswordStatus(), NOW);
    expect(v.headline).toBe("Your password expires in 5 days.");
    expect(v.tone).toBe("warn");
    expect(v.attention).toBe(true);
    expect(v.freshness).toBe("Checked 20 minutes ago.");
    expect(passwordView({ ...samplePasswordStatus(), days_left: 1 }, NOW).headline).toBe("Your password expires tomorrow.");
    expect(passwordView({ ...samplePasswordStatus(), days_left: 0 }, NOW).headline).toBe("Your password expires today.");
    expect(passwordView({ ...samplePasswordStatus(), state: "ok", days_left: 60 }, NOW).attention).toBe(false);
  });

  it("covers expired, grace, never, unknown, unconfigured and a saved copy", () => {
    const s = samplePasswordStatus();
    expect(passwordView({ ...s, state: "expired", grace_logins: 0 }, NOW).headline).toBe("Your password has expired.");
    expect(passwordView({ ...s, state: "grace", grace_logins: 2 }, NOW).detail).toBe("You can still sign in 2 more times. Change it now.");
    expect(passwordView({ ...s, state: "never" }, NOW).headline).toBe("Your password does not expire.");
    const unknown = passwordView({ ...s, state: "unknown", message: "The directory did not answer." }, NOW);
    expect(unknown.headline).toContain("cannot tell");
    expect(unknown.detail).toBe("The directory did not answer.");
    expect(passwordView({ ...s, configured: false }, NOW).headline).toContain("not set up");
    expect(passwordView({ ...s, cached: true, checked_at: "2026-11-23T07:00:00Z" }, NOW).freshness).toBe(
      "Saved copy from 3 hours ago: the directory cannot be reached right now.",
    );
    expect(passwordView(null).headline).toBe("Checking your password…");
  });
});

describe("strength and errors", () => {
  it("maps zxcvbn scores to words, clamped", () => {
    expect(strengthMeta(0)).toEqual({ label: "Very weak", tone: "bad", percent: 20 });
    expect(strengthMeta(4).label).toBe("Very strong");
    expect(strengthMeta(9).label).toBe("Very strong");
    expect(strengthMeta(-1).label).toBe("Very weak");
  });

  it("maps every stable code to plain text, with the policy reason", () => {
    for (const code of ["wrong_current_password", "policy_violation", "account_locked", "password_expired", "must_change", "directory_unreachable", "tls_error"]) {
      expect(PASSWORD_ERRORS[code], code).toBeTruthy();
      expect(passwordErrorText(`password.${code}`, "raw")).toBe(PASSWORD_ERRORS[code]);
    }
    expect(passwordErrorText("password.policy_violation.in_history", "raw")).toContain("You used it before");
    expect(passwordErrorText("password.something_new", "The shell's own words.")).toBe("The shell's own words.");
  });
});
