//! The one error type of the server's domain. Every variant has a stable [`CoreError::code`]
//! and an HTTP status ([`CoreError::status`]); the HTTP layer answers `{code, message}` with
//! them and nothing else, so a client can branch on the code and a person can read the
//! message. Messages never carry a secret, a key or a ticket's content.

use deskside_server_api::sign::SignError;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The signature headers are absent, malformed, or do not verify.
    #[error("{0}")]
    Signature(#[from] SignError),
    /// The request's timestamp is too far from the server's clock.
    #[error(
        "the request was signed at {signed} but the server's clock says {now}: more than {max_skew_s} s apart; correct the device's clock"
    )]
    ClockSkew {
        /// The request's timestamp (Unix seconds).
        signed: i64,
        /// The server's time (Unix seconds).
        now: i64,
        /// The allowed difference.
        max_skew_s: i64,
    },
    /// No device has this key id.
    #[error(
        "this device is not enrolled (unknown key id); enrol again with a new enrolment secret"
    )]
    UnknownKey,
    /// The device was revoked by IT.
    #[error("this device was revoked by IT; enrol again with a new enrolment secret from IT")]
    Revoked,
    /// The nonce was already used by this key.
    #[error("this request was already received (its nonce was used before); a replay is refused")]
    Replay,
    /// The enrolment secret is unknown, used up or expired.
    #[error(
        "the enrolment secret is not valid (unknown, used up or expired); ask IT for a new one"
    )]
    BadEnrollSecret,
    /// A request body is not what the endpoint accepts.
    #[error("the request is not valid: {0}")]
    BadRequest(String),
    /// The request body is larger than the server accepts.
    #[error(
        "the request is {size} bytes, more than the {limit} bytes this server accepts; send a smaller bundle"
    )]
    TooLarge {
        /// The size seen (at least).
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// The device sent too many requests of this kind.
    #[error(
        "too many {what} from this device: at most {limit} per {window_s} s; try again in {retry_after_s} s"
    )]
    RateLimited {
        /// What was limited ("tickets", "requests").
        what: &'static str,
        /// The limit per window.
        limit: i64,
        /// The window.
        window_s: i64,
        /// When the window ends.
        retry_after_s: i64,
    },
    /// The ticket key is already used by another ticket (another device, or different content).
    #[error(
        "a different ticket with this idempotency key exists; queue the ticket again to get a new key"
    )]
    KeyConflict,
    /// No such ticket for this device.
    #[error("this server has no ticket with this key from this device")]
    NotFound,
    /// No such device (admin commands).
    #[error("there is no device {0}")]
    NoDevice(String),
    /// No such incident or announcement (admin commands).
    #[error("there is no {0}")]
    NoItem(String),
    /// A database operation failed.
    #[error("the server's database {what} failed: {problem}")]
    Database {
        /// Which database.
        what: String,
        /// What went wrong.
        problem: String,
    },
    /// The server is not set up right (config).
    #[error("{0}")]
    Config(String),
}

impl CoreError {
    pub(crate) fn database(what: &str, problem: impl std::fmt::Display) -> Self {
        Self::Database {
            what: what.to_owned(),
            problem: problem.to_string(),
        }
    }

    /// Stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Signature(e) => e.code(),
            Self::ClockSkew { .. } => "auth.clock_skew",
            Self::UnknownKey => "auth.unknown_key",
            Self::Revoked => "auth.revoked",
            Self::Replay => "auth.replay",
            Self::BadEnrollSecret => "enroll.invalid_secret",
            Self::BadRequest(_) => "request.invalid",
            Self::TooLarge { .. } => "request.too_large",
            Self::RateLimited { .. } => "relay.rate_limited",
            Self::KeyConflict => "relay.key_conflict",
            Self::NotFound => "relay.not_found",
            Self::NoDevice(_) => "admin.no_device",
            Self::NoItem(_) => "admin.not_found",
            Self::Database { .. } => "server.database",
            Self::Config(_) => "server.config",
        }
    }

    /// The HTTP status the server answers with.
    #[must_use]
    pub const fn status(&self) -> u16 {
        match self {
            Self::Signature(_)
            | Self::ClockSkew { .. }
            | Self::UnknownKey
            | Self::Revoked
            | Self::Replay
            | Self::BadEnrollSecret => 401,
            Self::BadRequest(_) => 400,
            Self::TooLarge { .. } => 413,
            Self::RateLimited { .. } => 429,
            Self::KeyConflict => 409,
            Self::NotFound | Self::NoDevice(_) | Self::NoItem(_) => 404,
            Self::Database { .. } | Self::Config(_) => 500,
        }
    }

    /// Seconds to wait before retrying, for `Retry-After`.
    #[must_use]
    pub const fn retry_after_s(&self) -> Option<i64> {
        match self {
            Self::RateLimited { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }

    /// The message a client sees: database details stay in the server's log.
    #[must_use]
    pub fn public_message(&self) -> String {
        match self {
            Self::Database { .. } | Self::Config(_) => {
                "the server could not complete the request; try again later".to_owned()
            }
            other => other.to_string(),
        }
    }
}
