//! Every way a password operation can end badly, each with a stable code the CLI prints and the
//! UI branches on, and a message that says what happened and what to do. Server answers (AD's
//! `0000052D`/`data 775` texts, LDAP result codes, ppolicy errors) are mapped onto these in
//! [`crate::ad`] and [`crate::ppolicy`]; nothing above this layer parses server text.

use serde::Serialize;

/// Why a new password was refused by the policy, locally or by the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicyReason {
    /// Not enough character classes (upper, lower, digit, symbol).
    Complexity,
    /// Shorter than the minimum length.
    TooShort,
    /// Used recently (the directory keeps a history).
    InHistory,
    /// The current password was set too recently to change it again.
    TooYoung,
    /// Contains the account name.
    ContainsAccountName,
    /// Too easy to guess (zxcvbn score below `password.min_strength`).
    TooWeak,
    /// The confirmation does not match.
    Mismatch,
    /// The same as the current password.
    SameAsCurrent,
    /// The directory refused it without saying which rule.
    Unspecified,
}

impl PolicyReason {
    /// Stable snake_case name, as serialized.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complexity => "complexity",
            Self::TooShort => "too_short",
            Self::InHistory => "in_history",
            Self::TooYoung => "too_young",
            Self::ContainsAccountName => "contains_account_name",
            Self::TooWeak => "too_weak",
            Self::Mismatch => "mismatch",
            Self::SameAsCurrent => "same_as_current",
            Self::Unspecified => "unspecified",
        }
    }

    /// What the user should do about it.
    #[must_use]
    pub fn advice(self) -> &'static str {
        match self {
            Self::Complexity => {
                "it needs characters from at least three of: capitals, small letters, digits, symbols"
            }
            Self::TooShort => "it is too short; use a longer password or a passphrase",
            Self::InHistory => "it was used recently; choose one you have not used before",
            Self::TooYoung => {
                "your password was changed too recently to change it again; try again later"
            }
            Self::ContainsAccountName => "it must not contain your account name",
            Self::TooWeak => "it is too easy to guess; a few unrelated words make a strong one",
            Self::Mismatch => "the two new passwords do not match",
            Self::SameAsCurrent => "it is the same as your current password",
            Self::Unspecified => "it does not meet the password rules of your organisation",
        }
    }
}

/// A password operation that could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// `[password] source` is not set: the feature is off.
    #[error(
        "password checks are not set up on this computer (no [password] source in the configuration); ask IT"
    )]
    NotConfigured,
    /// A key the chosen source needs is missing or unusable.
    #[error("the password configuration is incomplete: {0}; ask IT to fix the [password] section")]
    Config(String),
    /// The source cannot do this operation (manual source, Kerberos change without kpasswd).
    #[error("{0}")]
    Unsupported(String),
    /// The current password is not the one the directory has.
    #[error("the current password is not correct; check it (and Caps Lock) and try again")]
    WrongCurrentPassword,
    /// The new password breaks a rule.
    #[error("the new password was refused: {}", .reason.advice())]
    PolicyViolation {
        /// Which rule.
        reason: PolicyReason,
        /// The directory's own words, when it gave any.
        detail: Option<String>,
    },
    /// Too many wrong attempts: the account is locked.
    #[error(
        "your account is locked after too many wrong passwords; wait for it to unlock or use the unlock page / ask IT"
    )]
    AccountLocked,
    /// The password has expired: it can no longer be used to sign in to the directory.
    #[error(
        "your password has expired, so the directory no longer accepts it here; change it at a sign-in screen of a company computer, on the change page, or ask IT to reset it"
    )]
    PasswordExpired,
    /// An administrator reset the password: it must be changed before anything else.
    #[error(
        "your password was reset and must be changed before you can use it; change it at a sign-in screen of a company computer or on the change page"
    )]
    MustChange,
    /// The account does not exist in the directory.
    #[error("the directory has no account named {0:?}; check the user name")]
    AccountNotFound(String),
    /// No connection to the directory server.
    #[error(
        "cannot reach the directory server at {url}: {detail}; check your network connection (and VPN)"
    )]
    DirectoryUnreachable {
        /// The configured URL.
        url: String,
        /// What failed, without secrets.
        detail: String,
    },
    /// The encrypted connection could not be set up or its certificate is not trusted.
    #[error(
        "could not set up an encrypted connection to {url}: {detail}; nothing was sent. Ask IT to check the directory's certificate and `password.ca_file`"
    )]
    TlsError {
        /// The configured URL.
        url: String,
        /// What failed.
        detail: String,
    },
    /// The directory is internal and the VPN is not connected.
    #[error(
        "the directory is only reachable over the company VPN, and the VPN is not connected; connect the VPN first"
    )]
    VpnRequired,
    /// The clock differs from the directory's by more than Kerberos allows.
    #[error(
        "this computer's clock is {} the directory's (more than the 300 s Kerberos allows); correct the time and try again",
        skew_phrase(*skew_s)
    )]
    ClockSkew {
        /// Difference in seconds (absolute); 0 when the server only said "too great" (Kerberos).
        skew_s: u64,
    },
    /// No password to read the directory with: none given and none saved in the keyring.
    #[error(
        "Deskside has no saved sign-in to read your password's expiry; enter your password once (desksidectl password remember --password-stdin)"
    )]
    CredentialNeeded,
    /// The OS keyring is unavailable or refused.
    #[error("the system keyring is not available: {0}")]
    Keyring(String),
    /// Any other answer from the directory.
    #[error("the directory refused the request: {0}")]
    Directory(String),
    /// The service account that makes resets and unlocks cannot sign in (server side).
    #[error(
        "the password-reset service account cannot be used: {0}; IT must check its name and password in the server's configuration"
    )]
    ServiceAccount(String),
    /// The service account may not reset or unlock this account (not delegated).
    #[error(
        "the password-reset service account is not allowed to change this account; IT must delegate the reset and unlock rights for it (docs/passwords.md)"
    )]
    NotPermitted,
}

fn skew_phrase(skew_s: u64) -> String {
    if skew_s == 0 {
        "too far off".to_owned()
    } else {
        format!("{skew_s} s off")
    }
}

impl PasswordError {
    /// Stable code for scripts and the UI.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::Config(_) => "config_incomplete",
            Self::Unsupported(_) => "unsupported",
            Self::WrongCurrentPassword => "wrong_current_password",
            Self::PolicyViolation { .. } => "policy_violation",
            Self::AccountLocked => "account_locked",
            Self::PasswordExpired => "password_expired",
            Self::MustChange => "must_change",
            Self::AccountNotFound(_) => "account_not_found",
            Self::DirectoryUnreachable { .. } => "directory_unreachable",
            Self::TlsError { .. } => "tls_error",
            Self::VpnRequired => "vpn_required",
            Self::ClockSkew { .. } => "clock_skew",
            Self::CredentialNeeded => "credential_needed",
            Self::Keyring(_) => "keyring_unavailable",
            Self::Directory(_) => "directory_error",
            Self::ServiceAccount(_) => "service_account",
            Self::NotPermitted => "not_permitted",
        }
    }

    /// The `{code, message, reason?}` body the CLI and the UI show.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
            reason: match self {
                Self::PolicyViolation { reason, .. } => Some(*reason),
                _ => None,
            },
            detail: match self {
                Self::PolicyViolation { detail, .. } => detail.clone(),
                _ => None,
            },
        }
    }
}

/// The serializable form of a [`PasswordError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// Stable code, such as `wrong_current_password`.
    pub code: String,
    /// Plain-language message.
    pub message: String,
    /// For `policy_violation`: which rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<PolicyReason>,
    /// For `policy_violation`: the directory's own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
