//! The Deskside server's domain, with no HTTP in it: the HTTP binary (`deskside-server`) is a
//! thin layer of routes over [`Core`], and tests call [`Core`] directly.
//!
//! * [`db`]: one schema on SQLite (default, one file) or PostgreSQL (several instances);
//!   every piece of state — enrolment secrets, devices, nonces, rate counters, the relay
//!   queue — lives in the database, so server instances are stateless.
//! * [`enroll`]: one-time enrolment secrets (stored as SHA-256 hashes, uses and expiry counted
//!   in the database), devices, revocation.
//! * [`auth`]: verification of signed requests (`deskside-request/1`, see
//!   `deskside_server_api::sign`): clock skew, unknown or revoked key, digest, signature, and
//!   replay through a nonce table.
//! * [`relay`]: the ticket relay: a device's rendered ticket stored durably (idempotent on its
//!   key), size caps and per-device rate limits, and delivery to the real helpdesk with the
//!   exactly-once rules of `deskside-outbox` (mark before create, search by key after an
//!   uncertain attempt, a settle window), made safe for several instances by leases.
//! * [`reset`]: self-service password reset and unlock (factors, codes, throttles, audit,
//!   the mail queue), over a directory trait the server implements; [`totp`]: authenticator
//!   apps (RFC 6238) and recovery codes as a factor.

pub mod auth;
pub mod db;
pub mod enroll;
mod error;
pub mod fleet;
pub mod followup;
pub mod relay;
pub mod reset;
#[cfg(feature = "testing")]
pub mod testing;
pub mod totp;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use db::{Backend, Db};
pub use error::CoreError;

/// Limits and windows of the server (from `[auth]` and `[relay]` of its config).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted difference between a request's timestamp and the server clock.
    pub max_skew: Duration,
    /// Largest request body (a ticket with its bundle, base64-encoded), in bytes.
    pub max_request_bytes: u64,
    /// Tickets one device may file per hour (new tickets; resending one is free).
    pub tickets_per_hour: i64,
    /// Signed requests one device may make per minute (all endpoints).
    pub requests_per_minute: i64,
    /// When a ticket has no contact, `os_user@requester_domain` is used (the requester).
    pub requester_domain: Option<String>,
    /// IT's own mapping of OS account (lower case) → the requester's address or helpdesk
    /// login; it wins over what the device sends.
    pub requesters: std::collections::BTreeMap<String, String>,
    /// How old the helpdesk status of a delivered ticket may be before a device's status
    /// request has the worker read it again (`followup.rs`).
    pub status_refresh: Duration,
    /// The fleet view's thresholds (`[fleet]`).
    pub fleet: fleet::FleetSettings,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_skew: Duration::from_secs(300),
            max_request_bytes: 8 * 1024 * 1024,
            tickets_per_hour: 20,
            requests_per_minute: 120,
            requester_domain: None,
            requesters: std::collections::BTreeMap::new(),
            status_refresh: Duration::from_secs(120),
            fleet: fleet::FleetSettings::default(),
        }
    }
}

/// The server's domain: a database and its limits. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Core {
    db: Db,
    limits: Limits,
    node: String,
}

impl Core {
    /// A core over `db` with `limits`. Each instance gets a random node name, used to own
    /// delivery leases.
    #[must_use]
    pub fn new(db: Db, limits: Limits) -> Self {
        Self {
            db,
            limits,
            node: format!("node-{}", random_hex(8)),
        }
    }

    /// The database.
    #[must_use]
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The limits.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// This instance's node name.
    #[must_use]
    pub fn node(&self) -> &str {
        &self.node
    }
}

/// Now, in Unix milliseconds.
#[must_use]
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `n` random bytes from the OS as hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut buf = vec![0_u8; n];
    // The OS random source failing is not recoverable in a meaningful way; an all-zero value
    // would be guessable, so fall back to time-derived bytes mixed by SHA-256 only as a last
    // resort and log it.
    if getrandom::fill(&mut buf).is_err() {
        tracing::error!("the OS random source failed; using a time-derived value");
        use sha2::Digest as _;
        let seed = sha2::Sha256::digest(now_ms().to_le_bytes());
        for (b, s) in buf.iter_mut().zip(seed.iter().cycle()) {
            *b = *s;
        }
    }
    hex::encode(buf)
}

/// Milliseconds of a duration, saturating.
pub(crate) fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}
