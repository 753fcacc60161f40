//! Active Directory as data: FILETIME values (`msDS-UserPasswordExpiryTimeComputed`,
//! `pwdLastSet`), negative-interval durations (`maxPwdAge`), the domain policy attributes, and
//! the server's error texts (`data 775`, `0000052D: … too short`) mapped onto
//! [`PasswordError`]. Pure functions, fixture-tested with the texts Samba and Windows send; the
//! LDAP calls that fetch these live in [`crate::directory`].

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::error::{PasswordError, PolicyReason};
use crate::policy::Policy;

/// Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01.
const FILETIME_UNIX_OFFSET_S: i64 = 11_644_473_600;
/// 100-nanosecond intervals per second.
const TICKS_PER_S: i64 = 10_000_000;

/// When a password expires, as AD reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdExpiry {
    /// `0x7FFF_FFFF_FFFF_FFFF` (or the maximum FILETIME): never expires.
    Never,
    /// `0`: must be changed at next sign-in (`pwdLastSet = 0`).
    MustChange,
    /// Expires at this instant.
    At(OffsetDateTime),
}

/// Why an AD time attribute could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdValueError {
    /// The text is not a decimal number.
    #[error("{text:?} is not {what} (a decimal number)")]
    NotANumber {
        /// The attribute value (a number, never a secret).
        text: String,
        /// What it should have been: `a FILETIME`, `an AD interval`.
        what: &'static str,
        /// The parse error.
        #[source]
        source: std::num::ParseIntError,
    },
    /// A FILETIME below zero.
    #[error("{value} is a negative FILETIME")]
    NegativeFiletime {
        /// The value read.
        value: i64,
    },
}

fn parse_i64(text: &str, what: &'static str) -> Result<i64, AdValueError> {
    text.trim()
        .parse()
        .map_err(|source| AdValueError::NotANumber {
            text: text.chars().take(40).collect(),
            what,
            source,
        })
}

/// Parses a FILETIME attribute value (decimal text) such as `134435798256183000`.
///
/// # Errors
/// [`AdValueError`] when the text is not a FILETIME.
pub fn parse_filetime(text: &str) -> Result<AdExpiry, AdValueError> {
    let value = parse_i64(text, "a FILETIME")?;
    if value == i64::MAX {
        return Ok(AdExpiry::Never);
    }
    if value == 0 {
        return Ok(AdExpiry::MustChange);
    }
    if value < 0 {
        return Err(AdValueError::NegativeFiletime { value });
    }
    let seconds = value / TICKS_PER_S - FILETIME_UNIX_OFFSET_S;
    let nanos = (value % TICKS_PER_S) * 100;
    // Past year 9999 is as good as never for a password.
    match OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => Ok(AdExpiry::At(t + time::Duration::nanoseconds(nanos))),
        Err(_) => Ok(AdExpiry::Never),
    }
}

/// Parses an AD interval such as `maxPwdAge` (`-36288000000000` = 42 days, stored negative);
/// `None` means "never" (0 or the minimum i64).
///
/// # Errors
/// [`AdValueError::NotANumber`] when the text is not a number.
pub fn parse_interval_s(text: &str) -> Result<Option<u64>, AdValueError> {
    let value = parse_i64(text, "an AD interval")?;
    if value == 0 || value == i64::MIN {
        return Ok(None);
    }
    Ok(Some(value.unsigned_abs() / TICKS_PER_S.unsigned_abs()))
}

/// The domain policy from the attributes of the domain root object.
#[must_use]
pub fn domain_policy(attrs: &HashMap<String, Vec<String>>, min_strength: u8) -> Policy {
    let first = |name: &str| {
        attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    };
    let int = |name: &str| first(name).and_then(|v| v.trim().parse::<u64>().ok());
    let interval = |name: &str| first(name).and_then(|v| parse_interval_s(v).ok()).flatten();
    Policy {
        min_length: int("minPwdLength").and_then(|v| u32::try_from(v).ok()),
        complexity: int("pwdProperties").is_some_and(|p| p & 1 == 1),
        history: int("pwdHistoryLength").and_then(|v| u32::try_from(v).ok()),
        max_age_s: interval("maxPwdAge"),
        min_age_s: interval("minPwdAge"),
        lockout_threshold: int("lockoutThreshold")
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| *v > 0),
        min_strength,
    }
}

/// Attributes of a fine-grained password settings object (PSO).
pub const PSO_ATTRS: &[&str] = &[
    "msDS-MinimumPasswordLength",
    "msDS-PasswordComplexityEnabled",
    "msDS-PasswordHistoryLength",
    "msDS-MaximumPasswordAge",
    "msDS-MinimumPasswordAge",
    "msDS-LockoutThreshold",
];

/// The policy from a PSO's attributes (same encodings as the domain's, other names).
#[must_use]
pub fn pso_policy(attrs: &HashMap<String, Vec<String>>, min_strength: u8) -> Policy {
    let rename = |from: &str, to: &str| {
        attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(from))
            .map(|(_, v)| (to.to_owned(), v.clone()))
    };
    let mut domain: HashMap<String, Vec<String>> = [
        ("msDS-MinimumPasswordLength", "minPwdLength"),
        ("msDS-PasswordHistoryLength", "pwdHistoryLength"),
        ("msDS-MaximumPasswordAge", "maxPwdAge"),
        ("msDS-MinimumPasswordAge", "minPwdAge"),
        ("msDS-LockoutThreshold", "lockoutThreshold"),
    ]
    .iter()
    .filter_map(|(from, to)| rename(from, to))
    .collect();
    let complex = attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("msDS-PasswordComplexityEnabled"))
        .and_then(|(_, v)| v.first())
        .is_some_and(|v| v.eq_ignore_ascii_case("TRUE"));
    domain.insert(
        "pwdProperties".to_owned(),
        vec![if complex { "1" } else { "0" }.to_owned()],
    );
    domain_policy(&domain, min_strength)
}

/// The hex "data" code in an AD bind error text:
/// `80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 775, v1db1`.
#[must_use]
pub fn bind_data_code(text: &str) -> Option<String> {
    let at = text.find("data ")?;
    let rest = &text[at + 5..];
    let code: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
    (!code.is_empty()).then(|| code.to_ascii_lowercase())
}

/// Maps a failed AD simple bind (result code and text) onto a [`PasswordError`].
#[must_use]
pub fn bind_error(rc: u32, text: &str) -> PasswordError {
    match bind_data_code(text).as_deref() {
        Some("775") => PasswordError::AccountLocked,
        Some("532") => PasswordError::PasswordExpired,
        Some("773") => PasswordError::MustChange,
        Some("52e") => PasswordError::WrongCurrentPassword,
        Some("533") => {
            PasswordError::Directory("the account is disabled; ask IT to enable it".to_owned())
        }
        Some("701") => {
            PasswordError::Directory("the account has expired; ask IT to extend it".to_owned())
        }
        Some("530" | "531") => PasswordError::Directory(
            "sign-in is not allowed at this time or from this computer; ask IT".to_owned(),
        ),
        _ if rc == 49 => PasswordError::WrongCurrentPassword,
        _ => PasswordError::Directory(format!("LDAP result {rc}: {}", first_line(text))),
    }
}

/// Maps a failed `unicodePwd` modify onto a [`PasswordError`]: `00000056` is the wrong
/// current password, `0000052D` a policy violation whose reason Samba spells out and Windows
/// does not.
#[must_use]
pub fn modify_error(rc: u32, text: &str) -> PasswordError {
    let upper = text.trim_start().to_ascii_uppercase();
    if upper.starts_with("00000056") {
        return PasswordError::WrongCurrentPassword;
    }
    if upper.starts_with("0000052D") {
        return PasswordError::PolicyViolation {
            reason: restriction_reason(text),
            detail: Some(first_line(text).to_owned()),
        };
    }
    if rc == 49 {
        return bind_error(rc, text);
    }
    if upper.starts_with("00000005") || rc == 50 {
        return PasswordError::Directory(
            "the directory does not allow this account to change its password here; use the change page or ask IT"
                .to_owned(),
        );
    }
    PasswordError::Directory(format!("LDAP result {rc}: {}", first_line(text)))
}

/// The rule a `check_password_restrictions` text names.
#[must_use]
pub fn restriction_reason(text: &str) -> PolicyReason {
    let lower = text.to_ascii_lowercase();
    if lower.contains("too short") {
        PolicyReason::TooShort
    } else if lower.contains("complexity") {
        PolicyReason::Complexity
    } else if lower.contains("history") {
        PolicyReason::InHistory
    } else if lower.contains("too young") {
        PolicyReason::TooYoung
    } else {
        PolicyReason::Unspecified
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetime_values() {
        assert_eq!(
            parse_filetime("9223372036854775807").unwrap(),
            AdExpiry::Never
        );
        assert_eq!(parse_filetime("0").unwrap(), AdExpiry::MustChange);
        // 2026-11-23T23:43:45.6183Z + 42 days, as Samba reported it.
        let AdExpiry::At(t) = parse_filetime("134435798256183000").unwrap() else {
            unreachable!()
        };
        assert_eq!(t.unix_timestamp(), 1_799_106_225);
        assert_eq!(t.date().to_string(), "2027-01-04");
        // The Unix epoch itself.
        let AdExpiry::At(epoch) = parse_filetime("116444736000000000").unwrap() else {
            unreachable!()
        };
        assert_eq!(epoch.unix_timestamp(), 0);
        let err = parse_filetime("soon").unwrap_err();
        assert!(matches!(err, AdValueError::NotANumber { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "\"soon\" is not a FILETIME (a decimal number)"
        );
        assert!(
            std::error::Error::source(&err).is_some(),
            "the cause is kept"
        );
        assert_eq!(
            parse_filetime("-5").unwrap_err(),
            AdValueError::NegativeFiletime { value: -5 }
        );
        assert!(matches!(
            parse_interval_s("x"),
            Err(AdValueError::NotANumber {
                what: "an AD interval",
                ..
            })
        ));
    }

    #[test]
    fn intervals() {
        assert_eq!(
            parse_interval_s("-36288000000000").unwrap(),
            Some(42 * 86_400)
        );
        assert_eq!(parse_interval_s("-9223372036854775808").unwrap(), None);
        assert_eq!(parse_interval_s("0").unwrap(), None);
        assert_eq!(parse_interval_s("-18000000000").unwrap(), Some(1800));
    }

    #[test]
    fn bind_texts_from_samba() {
        let t = |code: &str| {
            format!(
                "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data {code}, v1db1"
            )
        };
        assert_eq!(bind_error(49, &t("52e")).code(), "wrong_current_password");
        assert_eq!(bind_error(49, &t("775")).code(), "account_locked");
        assert_eq!(bind_error(49, &t("532")).code(), "password_expired");
        assert_eq!(bind_error(49, &t("773")).code(), "must_change");
        assert_eq!(bind_error(49, &t("533")).code(), "directory_error");
        assert_eq!(bind_error(49, "").code(), "wrong_current_password");
        assert_eq!(bind_data_code(&t("52E")).as_deref(), Some("52e"));
    }

    #[test]
    fn modify_texts_from_samba_and_windows() {
        let fixtures = include_str!("../tests/fixtures/ad/modify-errors.txt");
        let mut seen = 0;
        for line in fixtures
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let (expect, text) = line.split_once(" | ").unwrap();
            let err = modify_error(19, text);
            let got = match &err {
                PasswordError::PolicyViolation { reason, .. } => {
                    format!("policy_violation:{}", reason.as_str())
                }
                other => other.code().to_owned(),
            };
            assert_eq!(got, expect, "{text}");
            seen += 1;
        }
        assert!(seen >= 6);
    }

    #[test]
    fn pso_policy_from_samba_attributes() {
        let attrs: HashMap<String, Vec<String>> = [
            ("msDS-MinimumPasswordLength", "10"),
            ("msDS-PasswordComplexityEnabled", "TRUE"),
            ("msDS-PasswordHistoryLength", "5"),
            ("msDS-MaximumPasswordAge", "-4320000000000"),
            ("msDS-LockoutThreshold", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        let p = pso_policy(&attrs, 3);
        assert_eq!(p.min_length, Some(10));
        assert!(p.complexity);
        assert_eq!(p.history, Some(5));
        assert_eq!(p.max_age_s, Some(5 * 86_400));
        assert_eq!(p.lockout_threshold, None);
    }

    #[test]
    fn domain_policy_from_samba_attributes() {
        let attrs: HashMap<String, Vec<String>> = [
            ("minPwdLength", "8"),
            ("pwdProperties", "1"),
            ("pwdHistoryLength", "3"),
            ("maxPwdAge", "-36288000000000"),
            ("minPwdAge", "0"),
            ("lockoutThreshold", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), vec![v.to_owned()]))
        .collect();
        let p = domain_policy(&attrs, 3);
        assert_eq!(p.min_length, Some(8));
        assert!(p.complexity);
        assert_eq!(p.history, Some(3));
        assert_eq!(p.max_age_s, Some(42 * 86_400));
        assert_eq!(p.min_age_s, None);
        assert_eq!(p.lockout_threshold, Some(3));
    }
}
