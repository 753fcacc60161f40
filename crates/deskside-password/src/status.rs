//! The password status the CLI prints and the UI shows: the state (ok / warning / expired /
//! grace / never / unknown) derived purely from a reading and the clock, and the cached last
//! reading in the data dir so the status is still shown offline, with its age. The cache holds
//! dates and the policy only — never a password.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use crate::directory::{Expiry, Reading};
use crate::error::ErrorBody;
use crate::policy::Policy;

const DAY_S: i64 = 86_400;

/// The password's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// More than the largest `warn_days` left.
    Ok,
    /// Within the warning window.
    Warning,
    /// Expired (or must be changed before use).
    Expired,
    /// Expired, signed in on a grace login (OpenLDAP ppolicy).
    Grace,
    /// Never expires.
    Never,
    /// Not known (no reading, manual source).
    Unknown,
}

/// The status DTO (`desksidectl password status --json`, the UI's Password screen).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    /// `ad`, `ldap`, `kerberos` or `manual`.
    pub source: String,
    /// The account.
    pub account: String,
    /// Expiry instant, RFC 3339 UTC.
    pub expires_at: Option<String>,
    /// Whole days left (negative once expired).
    pub days_left: Option<i64>,
    /// The state.
    pub state: State,
    /// Must be changed before use (reset by an administrator).
    pub must_change: bool,
    /// Grace logins left after expiry (OpenLDAP).
    pub grace_logins_left: Option<u32>,
    /// The directory's policy, when known.
    pub policy: Option<Policy>,
    /// Whether this comes from the cache rather than the directory just now.
    pub cached: bool,
    /// Age of the cached reading, in seconds.
    pub cache_age_s: Option<u64>,
    /// When the reading was taken, RFC 3339.
    pub checked_at: Option<String>,
    /// Web pages the admin configured.
    pub change_url: Option<String>,
    /// Reset page.
    pub reset_url: Option<String>,
    /// Unlock page.
    pub unlock_url: Option<String>,
    /// Why the directory could not be read just now, if it could not.
    pub problem: Option<ErrorBody>,
}

/// Whole days from `now` to `expires_at`, rounded down (−1 as soon as it has expired).
#[must_use]
pub fn days_left(expires_at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (expires_at - now).whole_seconds().div_euclid(DAY_S)
}

/// The state from a reading. Pure.
#[must_use]
pub fn state_of(
    expiry: &Expiry,
    grace: Option<u32>,
    must_change: bool,
    now: OffsetDateTime,
    warn_days: &[u64],
) -> State {
    if grace.is_some() {
        return State::Grace;
    }
    if must_change {
        return State::Expired;
    }
    match expiry {
        Expiry::Never => State::Never,
        Expiry::Unknown => State::Unknown,
        Expiry::At(t) if *t <= now => State::Expired,
        Expiry::At(t) => {
            let window = warn_days.iter().max().copied().unwrap_or(0);
            if days_left(*t, now) <= i64::try_from(window).unwrap_or(i64::MAX) {
                State::Warning
            } else {
                State::Ok
            }
        }
    }
}

/// The last reading, as cached in `<data dir>/password/status.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedReading {
    /// Account it belongs to.
    pub account: String,
    /// Source it came from.
    pub source: String,
    /// Expiry instant (RFC 3339); `None` with `never` false means unknown.
    pub expires_at: Option<String>,
    /// Never expires.
    pub never: bool,
    /// Must change.
    pub must_change: bool,
    /// Policy.
    pub policy: Option<Policy>,
    /// When it was read (RFC 3339).
    pub checked_at: String,
    /// Calendar date of the last expiry notification (`YYYY-MM-DD`).
    pub last_notified: Option<String>,
}

impl CachedReading {
    /// The cached expiry as a [`Expiry`].
    #[must_use]
    pub fn expiry(&self) -> Expiry {
        if self.never {
            return Expiry::Never;
        }
        self.expires_at
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .map_or(Expiry::Unknown, Expiry::At)
    }

    /// The last-notified date.
    #[must_use]
    pub fn last_notified_date(&self) -> Option<Date> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        self.last_notified
            .as_deref()
            .and_then(|d| Date::parse(d, &fmt).ok())
    }
}

/// Where the cache lives for `account` under `data_dir`.
#[must_use]
pub fn cache_path(data_dir: &Path, account: &str) -> PathBuf {
    let safe: String = account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.@".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    data_dir
        .join("password")
        .join(format!("status-{safe}.json"))
}

/// Reads the cache; a missing or unreadable file is no cache.
#[must_use]
pub fn load_cache(path: &Path) -> Option<CachedReading> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the cache atomically (temp file + rename), readable only by the user.
///
/// # Errors
/// The I/O error, for the caller to log; a cache that cannot be written is not fatal.
pub fn store_cache(path: &Path, reading: &CachedReading) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_string_pretty(reading).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)
}

/// The cache record for a live reading.
#[must_use]
pub fn to_cache(
    account: &str,
    source: &str,
    reading: &Reading,
    now: OffsetDateTime,
    last_notified: Option<String>,
) -> CachedReading {
    CachedReading {
        account: account.to_owned(),
        source: source.to_owned(),
        expires_at: match reading.expiry {
            Expiry::At(t) => t.format(&Rfc3339).ok(),
            _ => None,
        },
        never: reading.expiry == Expiry::Never,
        must_change: reading.must_change,
        policy: reading.policy.clone(),
        checked_at: now.format(&Rfc3339).unwrap_or_default(),
        last_notified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const WARN: &[u64] = &[14, 7, 3, 1];

    #[test]
    fn states() {
        let now = datetime!(2027-03-10 09:00 UTC);
        let at = |d: i64| Expiry::At(now + time::Duration::days(d) + time::Duration::hours(1));
        assert_eq!(state_of(&at(30), None, false, now, WARN), State::Ok);
        assert_eq!(state_of(&at(15), None, false, now, WARN), State::Ok);
        assert_eq!(state_of(&at(14), None, false, now, WARN), State::Warning);
        assert_eq!(state_of(&at(0), None, false, now, WARN), State::Warning);
        assert_eq!(
            state_of(&Expiry::At(now), None, false, now, WARN),
            State::Expired
        );
        assert_eq!(state_of(&at(30), Some(2), false, now, WARN), State::Grace);
        assert_eq!(state_of(&at(30), None, true, now, WARN), State::Expired);
        assert_eq!(
            state_of(&Expiry::Never, None, false, now, WARN),
            State::Never
        );
        assert_eq!(
            state_of(&Expiry::Unknown, None, false, now, WARN),
            State::Unknown
        );
    }

    #[test]
    fn days_left_rounds_down() {
        let now = datetime!(2027-03-10 09:00 UTC);
        assert_eq!(days_left(now + time::Duration::hours(47), now), 1);
        assert_eq!(days_left(now + time::Duration::days(42), now), 42);
        assert_eq!(days_left(now - time::Duration::hours(1), now), -1);
    }

    #[test]
    fn cache_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = cache_path(dir.path(), "CORP\\j doe");
        assert!(path.ends_with("password/status-CORP_j_doe.json"));
        let now = datetime!(2027-03-10 09:00 UTC);
        let reading = Reading {
            expiry: Expiry::At(now + time::Duration::days(3)),
            grace_remaining: None,
            must_change: false,
            policy: None,
        };
        let c = to_cache("jdoe", "ad", &reading, now, Some("2027-03-09".into()));
        store_cache(&path, &c).unwrap();
        let back = load_cache(&path).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.expiry(), reading.expiry);
        assert_eq!(
            back.last_notified_date(),
            Some(time::macros::date!(2027 - 03 - 09))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
