//! The two error types of this crate: [`HelpdeskError`] when a connector cannot even be set up
//! from the config (the user or admin must change something), and [`SendError`] for one
//! delivery attempt (the outbox decides whether and when to retry).

use std::time::Duration;

/// A connector cannot be built from the configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HelpdeskError {
    /// `helpdesk.kind` is not set.
    #[error(
        "no helpdesk is configured: set [helpdesk] kind and its keys in the config (see docs/tickets.md)"
    )]
    NotConfigured,
    /// `helpdesk.kind` names no connector.
    #[error(
        "helpdesk.kind = {0:?} is not a known helpdesk; use rt, redmine, jsm, zendesk, freshservice, servicenow, glpi, zammad, webhook or email"
    )]
    UnknownKind(String),
    /// A key the connector needs is missing.
    #[error("helpdesk.kind = \"{kind}\" needs helpdesk.{key}; set it in the config")]
    Missing {
        /// The connector.
        kind: &'static str,
        /// The missing key.
        key: &'static str,
    },
    /// A URL key is not a usable http(s) URL.
    /// Several required keys are missing: every one is named, so one edit fixes the config.
    #[error(
        "helpdesk.kind = \"{kind}\" needs {}; set {} in the config (see docs/tickets.md)",
        keys.iter().map(|k| format!("helpdesk.{k}")).collect::<Vec<_>>().join(", "),
        if keys.len() == 1 { "it" } else { "them" }
    )]
    MissingKeys {
        /// The connector.
        kind: String,
        /// The keys it lacks.
        keys: Vec<&'static str>,
    },
    #[error("helpdesk.{key} is not a usable http:// or https:// URL: {problem}")]
    BadUrl {
        /// The key.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A `keyring:SERVICE/ACCOUNT` secret could not be read.
    #[error("cannot read helpdesk.{key} from the OS keyring ({reference}): {problem}")]
    Keyring {
        /// The key.
        key: &'static str,
        /// The `keyring:…` reference (no secret in it).
        reference: String,
        /// What the keyring said.
        problem: String,
    },
    /// Plain SMTP to a host that is not this machine.
    #[error(
        "helpdesk.smtp_tls = \"none\" is only accepted for a mail server on this machine (127.0.0.1, ::1, localhost); use \"starttls\" or \"tls\""
    )]
    InsecureSmtp,
    /// A value is not one of the accepted words.
    #[error("helpdesk.{key} = {value:?} is not valid; expected {expected}")]
    BadValue {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// The HTTP client could not be set up (TLS roots unreadable).
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
}

impl HelpdeskError {
    /// Stable code for the CLI and IPC.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "helpdesk.not_configured",
            Self::UnknownKind(_) => "helpdesk.unknown_kind",
            Self::Missing { .. } | Self::MissingKeys { .. } => "helpdesk.missing_key",
            Self::BadUrl { .. } => "helpdesk.bad_url",
            Self::Keyring { .. } => "helpdesk.keyring",
            Self::InsecureSmtp => "helpdesk.insecure_smtp",
            Self::BadValue { .. } => "helpdesk.bad_value",
            Self::Client(_) => "helpdesk.client",
        }
    }
}

/// One delivery step failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Worth retrying later: the helpdesk is down, slow, overloaded or rate limiting.
    #[error("{reason}")]
    Transient {
        /// What happened, in words (no secrets).
        reason: String,
        /// The request may have reached the helpdesk and created the ticket (a timeout after
        /// sending, a 5xx, a reset connection): search by key before creating again.
        maybe_created: bool,
        /// The helpdesk asked to wait this long (`Retry-After`).
        retry_after: Option<Duration>,
        /// No answer came (timeout, reset connection): the helpdesk may still be working on the
        /// request, so a search by key right away could miss a ticket that is about to appear.
        /// `false` when the helpdesk did answer (a 5xx, a 429).
        in_flight: bool,
        /// Nothing answered at all: the connection was refused or reset, timed out, or the name
        /// did not resolve. The outbox retries these soon (the helpdesk may be back in
        /// seconds) rather than backing off as from an answered error.
        unreachable: bool,
    },
    /// Retrying will not help: bad credentials, a refused request, a missing project.
    #[error("{reason}")]
    Permanent {
        /// What happened and what to change, in words (no secrets).
        reason: String,
    },
}

impl SendError {
    /// A transient error.
    pub(crate) fn transient(reason: impl Into<String>, maybe_created: bool) -> Self {
        Self::Transient {
            reason: reason.into(),
            maybe_created,
            retry_after: None,
            in_flight: maybe_created,
            unreachable: false,
        }
    }

    /// No answer came from the helpdesk (refused, reset, timed out, name not resolved).
    pub(crate) fn unreachable(reason: impl Into<String>, maybe_created: bool) -> Self {
        Self::Transient {
            reason: reason.into(),
            maybe_created,
            retry_after: None,
            in_flight: maybe_created,
            unreachable: true,
        }
    }

    /// Whether the helpdesk could not be reached at all (as opposed to answering with an
    /// error such as a 5xx or a 429).
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Transient {
                unreachable: true,
                ..
            }
        )
    }

    /// A permanent error.
    pub(crate) fn permanent(reason: impl Into<String>) -> Self {
        Self::Permanent {
            reason: reason.into(),
        }
    }

    /// Whether the request got no answer and may still be in progress at the helpdesk.
    #[must_use]
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            Self::Transient {
                in_flight: true,
                ..
            }
        )
    }

    /// Whether the helpdesk may have created the ticket despite the error.
    #[must_use]
    pub fn maybe_created(&self) -> bool {
        matches!(
            self,
            Self::Transient {
                maybe_created: true,
                ..
            }
        )
    }

    /// Stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Transient { .. } => "ticket.send_transient",
            Self::Permanent { .. } => "ticket.send_refused",
        }
    }
}
