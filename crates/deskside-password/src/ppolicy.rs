//! The LDAP password-policy control (draft-behera-ldap-password-policy, OpenLDAP's `ppolicy`):
//! the request is the bare OID; the response value is BER which `ldap3` does not decode, so the
//! few bytes are decoded here, by hand and defensively (a malformed value is an error, never a
//! panic). Also maps a ppolicy answer plus the LDAP result code onto [`PasswordError`].
//!
//! ```text
//! PasswordPolicyResponseValue ::= SEQUENCE {
//!    warning [0] CHOICE { timeBeforeExpiration [0] INTEGER, graceAuthNsRemaining [1] INTEGER } OPTIONAL,
//!    error   [1] ENUMERATED { passwordExpired(0), accountLocked(1), changeAfterReset(2),
//!                 passwordModNotAllowed(3), mustSupplyOldPassword(4), insufficientPasswordQuality(5),
//!                 passwordTooShort(6), passwordTooYoung(7), passwordInHistory(8) } OPTIONAL }
//! ```

use crate::error::{PasswordError, PolicyReason};

/// The control's OID.
pub const OID: &str = "1.3.6.1.4.1.42.2.27.8.5.1";

/// A decoded password-policy response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PolicyResponse {
    /// Seconds until the password expires (the server is in its warning window).
    pub time_before_expiration: Option<u64>,
    /// Grace logins left after expiry (this bind used one).
    pub grace_remaining: Option<u32>,
    /// The error, if the server sent one.
    pub error: Option<PolicyError>,
}

/// The ppolicy error enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    /// 0: the password has expired.
    PasswordExpired,
    /// 1: the account is locked.
    AccountLocked,
    /// 2: an administrator reset it; it must be changed.
    ChangeAfterReset,
    /// 3: the user may not change it.
    PasswordModNotAllowed,
    /// 4: the old password must be supplied.
    MustSupplyOldPassword,
    /// 5: quality check failed.
    InsufficientPasswordQuality,
    /// 6: too short.
    PasswordTooShort,
    /// 7: changed too recently.
    PasswordTooYoung,
    /// 8: in history.
    PasswordInHistory,
    /// A value this version does not know.
    Other(u8),
}

impl PolicyError {
    fn from_value(v: u8) -> Self {
        match v {
            0 => Self::PasswordExpired,
            1 => Self::AccountLocked,
            2 => Self::ChangeAfterReset,
            3 => Self::PasswordModNotAllowed,
            4 => Self::MustSupplyOldPassword,
            5 => Self::InsufficientPasswordQuality,
            6 => Self::PasswordTooShort,
            7 => Self::PasswordTooYoung,
            8 => Self::PasswordInHistory,
            other => Self::Other(other),
        }
    }
}

/// Why a password-policy control's bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// The value ends where a BER element's tag or length should be.
    #[error("unexpected end of BER value")]
    Truncated,
    /// A long-form BER length of 0 or more than 4 bytes, or cut short.
    #[error("unsupported BER length")]
    UnsupportedLength,
    /// A BER element claims more bytes than are left.
    #[error("BER element of {len} bytes but only {left} left")]
    ElementTooLong {
        /// The length the element claims.
        len: usize,
        /// The bytes left in the value.
        left: usize,
    },
    /// An INTEGER or ENUMERATED with no content, or more than 8 bytes of it.
    #[error("bad BER integer of {len} bytes")]
    BadInteger {
        /// Its content length.
        len: usize,
    },
    /// The value is not a SEQUENCE.
    #[error("expected a SEQUENCE, found tag {tag:#04x}")]
    NotSequence {
        /// The tag found.
        tag: u8,
    },
    /// The `warning` CHOICE has an alternative RFC draft-behera does not define.
    #[error("unknown warning choice {tag:#04x}")]
    UnknownWarning {
        /// The alternative's tag.
        tag: u8,
    },
    /// The SEQUENCE holds an element other than `warning` or `error`.
    #[error("unknown element {tag:#04x}")]
    UnknownElement {
        /// The element's tag.
        tag: u8,
    },
}

/// One BER element: tag byte and content.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), ControlError> {
    let (&tag, rest) = input.split_first().ok_or(ControlError::Truncated)?;
    let (&first, rest) = rest.split_first().ok_or(ControlError::Truncated)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(ControlError::UnsupportedLength);
        }
        let len = rest[..n]
            .iter()
            .fold(0_usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(ControlError::ElementTooLong {
            len,
            left: rest.len(),
        });
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn unsigned(content: &[u8]) -> Result<u64, ControlError> {
    if content.is_empty() || content.len() > 8 {
        return Err(ControlError::BadInteger { len: content.len() });
    }
    if content[0] & 0x80 != 0 {
        // Negative: not meaningful for these fields.
        return Ok(0);
    }
    Ok(content
        .iter()
        .fold(0_u64, |acc, b| (acc << 8) | u64::from(*b)))
}

/// Decodes the response control's value.
///
/// # Errors
/// [`ControlError`] when the bytes are not a `PasswordPolicyResponseValue`.
pub fn decode(value: &[u8]) -> Result<PolicyResponse, ControlError> {
    let (tag, mut body, _) = element(value)?;
    if tag != 0x30 {
        return Err(ControlError::NotSequence { tag });
    }
    let mut out = PolicyResponse::default();
    while !body.is_empty() {
        let (tag, content, rest) = element(body)?;
        match tag {
            // warning [0] CHOICE (constructed)
            0xa0 => {
                let (inner, value, _) = element(content)?;
                let n = unsigned(value)?;
                match inner {
                    0x80 => out.time_before_expiration = Some(n),
                    0x81 => out.grace_remaining = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                    other => return Err(ControlError::UnknownWarning { tag: other }),
                }
            }
            // error [1] ENUMERATED (primitive)
            0x81 => {
                let n = unsigned(content)?;
                out.error = Some(PolicyError::from_value(u8::try_from(n).unwrap_or(u8::MAX)));
            }
            other => return Err(ControlError::UnknownElement { tag: other }),
        }
        body = rest;
    }
    Ok(out)
}

/// Maps a failed bind (result code, text, decoded control) onto a [`PasswordError`].
#[must_use]
pub fn bind_error(rc: u32, text: &str, policy: Option<&PolicyResponse>) -> PasswordError {
    match policy.and_then(|p| p.error) {
        Some(PolicyError::AccountLocked) => PasswordError::AccountLocked,
        Some(PolicyError::PasswordExpired) => PasswordError::PasswordExpired,
        Some(PolicyError::ChangeAfterReset) => PasswordError::MustChange,
        _ if rc == 49 || rc == 53 => PasswordError::WrongCurrentPassword,
        _ => PasswordError::Directory(format!("LDAP result {rc}: {}", text.trim())),
    }
}

/// Maps a failed password-modify operation onto a [`PasswordError`].
#[must_use]
pub fn modify_error(rc: u32, text: &str, policy: Option<&PolicyResponse>) -> PasswordError {
    let violation = |reason| PasswordError::PolicyViolation {
        reason,
        detail: (!text.trim().is_empty()).then(|| text.trim().to_owned()),
    };
    match policy.and_then(|p| p.error) {
        Some(PolicyError::PasswordTooShort) => return violation(PolicyReason::TooShort),
        Some(PolicyError::PasswordTooYoung) => return violation(PolicyReason::TooYoung),
        Some(PolicyError::PasswordInHistory) => return violation(PolicyReason::InHistory),
        Some(PolicyError::InsufficientPasswordQuality) => {
            return violation(PolicyReason::Complexity);
        }
        Some(PolicyError::AccountLocked) => return PasswordError::AccountLocked,
        Some(PolicyError::PasswordExpired) => return PasswordError::PasswordExpired,
        Some(PolicyError::MustSupplyOldPassword) => return PasswordError::WrongCurrentPassword,
        Some(PolicyError::PasswordModNotAllowed) => {
            return PasswordError::Directory(
                "the directory does not let you change your own password; use the change page or ask IT"
                    .to_owned(),
            );
        }
        _ => {}
    }
    let lower = text.to_ascii_lowercase();
    match rc {
        49 | 53 if lower.contains("old password") || rc == 49 => {
            PasswordError::WrongCurrentPassword
        }
        19 if lower.contains("too young") => violation(PolicyReason::TooYoung),
        19 if lower.contains("history") => violation(PolicyReason::InHistory),
        19 if lower.contains("too short") || lower.contains("length") => {
            violation(PolicyReason::TooShort)
        }
        19 if lower.contains("existing value") => violation(PolicyReason::SameAsCurrent),
        19 if lower.contains("quality") => violation(PolicyReason::Complexity),
        19 => violation(PolicyReason::Unspecified),
        _ => PasswordError::Directory(format!("LDAP result {rc}: {}", text.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_warning_grace_and_errors() {
        // timeBeforeExpiration = 3 (as slapd 2.5 sent it)
        assert_eq!(
            decode(&[0x30, 0x05, 0xa0, 0x03, 0x80, 0x01, 0x03]).unwrap(),
            PolicyResponse {
                time_before_expiration: Some(3),
                ..Default::default()
            }
        );
        // graceAuthNsRemaining = 1
        assert_eq!(
            decode(&[0x30, 0x05, 0xa0, 0x03, 0x81, 0x01, 0x01])
                .unwrap()
                .grace_remaining,
            Some(1)
        );
        // error = accountLocked
        assert_eq!(
            decode(&[0x30, 0x03, 0x81, 0x01, 0x01]).unwrap().error,
            Some(PolicyError::AccountLocked)
        );
        // warning of 86400*30 s (three content bytes) plus error changeAfterReset
        let r = decode(&[
            0x30, 0x0a, 0xa0, 0x05, 0x80, 0x03, 0x27, 0x8d, 0x00, 0x81, 0x01, 0x02,
        ])
        .unwrap();
        assert_eq!(r.time_before_expiration, Some(2_592_000));
        assert_eq!(r.error, Some(PolicyError::ChangeAfterReset));
        // empty sequence: no news
        assert_eq!(decode(&[0x30, 0x00]).unwrap(), PolicyResponse::default());
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 0xa0],
            &[0x04, 0x00],
            &[0x30, 0x03, 0x99, 0x01, 0x00],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x02, 0x81, 0x00],
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
        // Each problem is its own variant.
        assert_eq!(decode(&[]), Err(ControlError::Truncated));
        assert_eq!(
            decode(&[0x04, 0x00]),
            Err(ControlError::NotSequence { tag: 0x04 })
        );
        assert_eq!(
            decode(&[0x30, 0x03, 0x99, 0x01, 0x00]),
            Err(ControlError::UnknownElement { tag: 0x99 })
        );
        assert_eq!(
            decode(&[0x30, 0x02, 0x81, 0x00]),
            Err(ControlError::BadInteger { len: 0 })
        );
        assert_eq!(
            decode(&[0x30, 0x05, 0xa0]),
            Err(ControlError::ElementTooLong { len: 5, left: 1 })
        );
        assert_eq!(
            decode(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff])
                .unwrap_err()
                .to_string(),
            format!("BER element of {} bytes but only 0 left", 0xffff_ffff_usize)
        );
        // Every prefix and every single-byte corruption of a valid value: never a panic.
        let good = [
            0x30, 0x0a, 0xa0, 0x05, 0x80, 0x03, 0x27, 0x8d, 0x00, 0x81, 0x01, 0x02,
        ];
        for n in 0..good.len() {
            let _ = decode(&good[..n]);
            for b in [0x00, 0x7f, 0x80, 0xff] {
                let mut v = good;
                v[n] = b;
                let _ = decode(&v);
            }
        }
    }

    #[test]
    fn maps_answers_to_codes() {
        let with = |e| PolicyResponse {
            error: Some(e),
            ..Default::default()
        };
        assert_eq!(
            bind_error(49, "", Some(&with(PolicyError::AccountLocked))).code(),
            "account_locked"
        );
        assert_eq!(
            bind_error(49, "", Some(&with(PolicyError::PasswordExpired))).code(),
            "password_expired"
        );
        assert_eq!(
            bind_error(0, "", Some(&with(PolicyError::ChangeAfterReset))).code(),
            "must_change"
        );
        assert_eq!(bind_error(49, "", None).code(), "wrong_current_password");
        let reason = |e: PasswordError| match e {
            PasswordError::PolicyViolation { reason, .. } => reason.as_str(),
            other => other.code(),
        };
        assert_eq!(
            reason(modify_error(
                19,
                "Password fails quality checking policy",
                Some(&with(PolicyError::PasswordTooShort))
            )),
            "too_short"
        );
        assert_eq!(
            reason(modify_error(
                19,
                "Password is in history of old passwords",
                None
            )),
            "in_history"
        );
        assert_eq!(
            reason(modify_error(19, "Password is too young to change", None)),
            "too_young"
        );
        assert_eq!(
            reason(modify_error(
                19,
                "Password fails quality checking policy",
                None
            )),
            "complexity"
        );
        assert_eq!(
            reason(modify_error(53, "unwilling to verify old password", None)),
            "wrong_current_password"
        );
    }
}
