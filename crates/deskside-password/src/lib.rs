//! Passwords: expiry from the directory (Active Directory, OpenLDAP with ppolicy, Kerberos, or
//! admin-given pages), the policy and live local checks of a new password, the change itself
//! over TLS with every server answer mapped to a stable code, the saved-credential sync after a
//! change, and the warning schedule. It owns these because password expiry and lockouts are the
//! largest share of Tier-1 tickets and the fix is the same on every OS; the CLI
//! (`desksidectl password`) and the tray app are thin callers of the four functions below.
//!
//! - [`status`]: what the directory (or, offline, the cache) says about the password.
//! - [`check_new_password`]: the live checklist for a new password (pure, per keystroke).
//! - [`preflight`]: what stands in the way of a change now (VPN, directory, TLS, clock).
//! - [`change`]: pre-flight, local checks, the change, keyring sync, re-read.
//! - [`warning_due`] / [`notification_due`]: whether to notify today.
//!
//! Secrets: passwords are [`Password`] values (zeroed on drop, `<redacted>` when printed), never
//! logged, never written to the cache or any file.

mod ad;
mod admin;
mod credentials;
mod directory;
mod error;
mod kerberos;
mod policy;
mod ppolicy;
mod preflight;
mod schedule;
mod secret;
mod settings;
mod status;
pub mod with_ticket;

pub use ad::{AdExpiry, AdValueError, parse_filetime, parse_interval_s};
pub use admin::{
    Account, LookupOptions, POLICY_HINTS_DEPRECATED_OID, POLICY_HINTS_OID, ServiceAccount,
    admin_error, admin_reset, admin_unlock, lookup_account, verify_password,
};
pub use credentials::{
    KeyringOutcome, KeyringUpdate, ManualCredential, NM_CONNECTIONS_DIR, OWN_SERVICE,
    manual_credentials, nm_credentials, parse_nm_keyfile,
};
pub use directory::{Expiry, Reading, parse_generalized_time};
pub use error::{ErrorBody, PasswordError, PolicyReason};
pub use kerberos::{
    kinit_outcome, kpasswd_outcome, kpasswd_reason, parse_expiry_warning,
    principal as krb_principal,
};
pub use policy::{CheckItem, Checklist, DEFAULT_MIN_LENGTH, Policy, Strength, check_new_password};
pub use ppolicy::{ControlError, PolicyError, PolicyResponse, decode as decode_ppolicy};
pub use preflight::{Preflight, PreflightItem, preflight};
pub use schedule::warning_due;
pub use secret::Password;
pub use settings::{Settings, SourceKind, logged_in_user};
pub use status::{CachedReading, State, Status, days_left, state_of};

/// The parsers of command output and server answers, re-exported for the fuzz targets in
/// `fuzz/`; not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::ad::{
        bind_error as ad_bind_error, domain_policy, modify_error as ad_modify_error, pso_policy,
    };
    pub use crate::directory::{ldap_expiry, ldap_policy};
    pub use crate::kerberos::ticket_error;
    pub use crate::ppolicy::{
        bind_error as ppolicy_bind_error, modify_error as ppolicy_modify_error,
    };
}

use std::path::{Path, PathBuf};

use deskside_config::Config;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use directory::Session;

/// Who and with what to read the status.
#[derive(Debug, Default)]
pub struct StatusRequest {
    /// Account; `None` = `password.user` or the logged-in user.
    pub user: Option<String>,
    /// Password to bind with; `None` = Deskside's saved keyring entry, if any.
    pub password: Option<Password>,
    /// Data dir for the cache; `None` = [`deskside_config::current_data_dir`].
    pub data_dir: Option<PathBuf>,
}

/// A change to make.
#[derive(Debug)]
pub struct ChangeRequest {
    /// Account; `None` = `password.user` or the logged-in user.
    pub user: Option<String>,
    /// The current password.
    pub current: Password,
    /// The new password.
    pub new: Password,
    /// Data dir for the cache; `None` = [`deskside_config::current_data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Skip the local policy checks and let the directory judge. Only for tests of the
    /// server-answer mapping; the CLI and the app never set it.
    pub skip_local_checks: bool,
}

/// What a successful change did.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeReport {
    /// The account.
    pub account: String,
    /// The source.
    pub source: String,
    /// When, RFC 3339.
    pub changed_at: String,
    /// Keyring entries Deskside manages or the config names, and what happened to each.
    pub keyring: Vec<KeyringUpdate>,
    /// Saved credentials the user must update by hand.
    pub update_by_hand: Vec<ManualCredential>,
    /// The status re-read with the new password.
    pub status: Status,
    /// The Kerberos ticket refresh (`password.refresh_ticket`); `None` when not asked for.
    pub ticket: Option<TicketRefresh>,
}

/// How the Kerberos ticket refresh after a change went.
#[derive(Debug, Clone, Serialize)]
pub struct TicketRefresh {
    /// The principal a ticket was requested for.
    pub principal: String,
    /// Whether the user's credential cache now holds a fresh ticket.
    pub refreshed: bool,
    /// Why not, if not (the password change itself succeeded).
    pub problem: Option<ErrorBody>,
}

fn data_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(deskside_config::current_data_dir)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Reads the password status: live from the directory when a password is given or saved,
/// else (and when the directory cannot be reached) from the cache, with the reason in
/// `problem`.
///
/// # Errors
/// Only configuration problems (`not_configured`, `config_incomplete`); directory problems are
/// reported inside the [`Status`].
pub async fn status(config: &Config, req: StatusRequest) -> Result<Status, PasswordError> {
    let s = Settings::resolve(config, req.user.as_deref())?;
    let dir = data_dir(req.data_dir.as_deref());
    let password = match req.password {
        Some(p) => Some(p),
        None if matches!(
            s.source,
            SourceKind::Ad | SourceKind::Ldap | SourceKind::Kerberos
        ) =>
        {
            let account = s.account.clone();
            tokio::task::spawn_blocking(move || credentials::stored(&account))
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    let live = match (s.source, password) {
        (SourceKind::Manual, _) => Err(PasswordError::Unsupported(
            "your organisation manages passwords on a web page; Deskside cannot read the expiry"
                .to_owned(),
        )),
        // Active Directory with no password at hand: the user's Kerberos ticket may open it.
        (SourceKind::Ad, None) => match with_ticket::read(&s).await {
            Ok(Some(reading)) => Ok(reading),
            Ok(None) => Err(PasswordError::CredentialNeeded),
            Err(e) => Err(e),
        },
        (_, None) => Err(PasswordError::CredentialNeeded),
        (_, Some(p)) => read_live(&s, &p).await,
    };
    let mut st = compose(&s, dir.as_deref(), live, now());
    if s.source == SourceKind::Manual {
        // Nothing to read is the normal case here, not a problem: the pages are the answer.
        st.problem = None;
    }
    Ok(st)
}

async fn read_live(s: &Settings, password: &Password) -> Result<Reading, PasswordError> {
    if s.source == SourceKind::Kerberos {
        return kerberos::read(s, password).await;
    }
    let mut session = Session::open(s).await?;
    let result = async {
        session.bind_user(s, password).await?;
        session.read(s).await
    }
    .await;
    session.close().await;
    result
}

/// Builds the status from a live reading (caching it) or from the cache.
fn compose(
    s: &Settings,
    dir: Option<&Path>,
    live: Result<Reading, PasswordError>,
    now: OffsetDateTime,
) -> Status {
    let cache_file = dir.map(|d| status::cache_path(d, &s.account));
    let cached = cache_file.as_deref().and_then(status::load_cache);
    let base = Status {
        source: s.source.as_str().to_owned(),
        account: s.account.clone(),
        expires_at: None,
        days_left: None,
        state: State::Unknown,
        must_change: false,
        grace_logins_left: None,
        policy: None,
        cached: false,
        cache_age_s: None,
        checked_at: None,
        change_url: s.change_url.clone(),
        reset_url: s.reset_url.clone(),
        unlock_url: s.unlock_url.clone(),
        problem: None,
    };
    let fill = |mut st: Status, expiry: &Expiry, grace, must_change, policy| {
        if let Expiry::At(t) = expiry {
            st.expires_at = t.format(&Rfc3339).ok();
            st.days_left = Some(days_left(*t, now));
        }
        st.state = state_of(expiry, grace, must_change, now, &s.warn_days);
        st.grace_logins_left = grace;
        st.must_change = must_change;
        st.policy = policy;
        st
    };
    match live {
        Ok(reading) => {
            if let Some(path) = &cache_file {
                let last = cached.as_ref().and_then(|c| c.last_notified.clone());
                let record = status::to_cache(&s.account, s.source.as_str(), &reading, now, last);
                if let Err(e) = status::store_cache(path, &record) {
                    tracing::warn!(error = %e, path = %path.display(), "cannot write the password status cache");
                }
            }
            let mut st = fill(
                base,
                &reading.expiry,
                reading.grace_remaining,
                reading.must_change,
                reading.policy.clone(),
            );
            st.checked_at = now.format(&Rfc3339).ok();
            st
        }
        Err(err) => {
            tracing::debug!(code = err.code(), "live password status not available");
            let mut st = match cached.filter(|c| c.source == s.source.as_str()) {
                Some(c) => {
                    let checked = OffsetDateTime::parse(&c.checked_at, &Rfc3339).ok();
                    let mut st = fill(base, &c.expiry(), None, c.must_change, c.policy.clone());
                    st.cached = true;
                    st.cache_age_s =
                        checked.map(|t| u64::try_from((now - t).whole_seconds()).unwrap_or(0));
                    st.checked_at = Some(c.checked_at);
                    st
                }
                None => base,
            };
            // These answers are themselves the state.
            match err {
                PasswordError::PasswordExpired => st.state = State::Expired,
                PasswordError::MustChange => {
                    st.state = State::Expired;
                    st.must_change = true;
                }
                _ => {}
            }
            st.problem = Some(err.body());
            st
        }
    }
}

/// The change pre-flight that needs no directory: the VPN when the directory is internal.
async fn preflight_vpn(s: &Settings) -> Result<(), PasswordError> {
    if !s.internal {
        return Ok(());
    }
    let up = match deskside_platform::collect::network_state().await {
        Ok(net) => vpn_up(&net.interfaces, &s.vpn_patterns),
        Err(e) => {
            tracing::debug!(error = %e, "cannot list interfaces; assuming no VPN");
            false
        }
    };
    if up {
        Ok(())
    } else {
        Err(PasswordError::VpnRequired)
    }
}

/// Whether a VPN tunnel is up ([`deskside_platform::Interface::is_vpn_up`]: tunnel kind or a
/// `[vpn] interfaces` pattern, not down, with an address).
#[must_use]
pub fn vpn_up(interfaces: &[deskside_platform::Interface], patterns: &[String]) -> bool {
    interfaces.iter().any(|i| i.is_vpn_up(patterns))
}

/// Changes the password: pre-flight (VPN, TLS, clock), bind with the current password, local
/// policy checks (refusing before anything is sent), the change, keyring sync, then the status
/// re-read with the new password.
///
/// # Errors
/// Every refusal as a [`PasswordError`] with its stable code.
pub async fn change(config: &Config, req: ChangeRequest) -> Result<ChangeReport, PasswordError> {
    let s = Settings::resolve(config, req.user.as_deref())?;
    match s.source {
        SourceKind::Manual => {
            return Err(PasswordError::Unsupported(match &s.change_url {
                Some(url) => format!("change your password on your organisation's page: {url}"),
                None => "your organisation manages passwords on a web page; ask IT for its address"
                    .to_owned(),
            }));
        }
        SourceKind::Kerberos | SourceKind::Ad | SourceKind::Ldap => {}
    }
    if req.current.expose().is_empty() {
        return Err(PasswordError::WrongCurrentPassword);
    }
    if req.new.expose() == req.current.expose() {
        return Err(PasswordError::PolicyViolation {
            reason: PolicyReason::SameAsCurrent,
            detail: None,
        });
    }
    preflight_vpn(&s).await?;
    if s.source == SourceKind::Kerberos {
        change_kerberos(&s, &req).await?;
    } else {
        change_ldap(&s, &req).await?;
    }
    tracing::info!(account = %s.account, source = s.source.as_str(), "password changed");
    let changed_at = now().format(&Rfc3339).unwrap_or_default();

    let mut entries = vec![(OWN_SERVICE.to_owned(), s.account.clone())];
    entries.extend(s.keyring_entries.iter().cloned());
    let new_for_sync = req.new.clone();
    let keyring =
        tokio::task::spawn_blocking(move || credentials::sync_keyring(&entries, &new_for_sync))
            .await
            .unwrap_or_default();
    let update_by_hand = credentials::manual_credentials(&s.account, &s.other_credentials);

    let dir = data_dir(req.data_dir.as_deref());
    let live = read_live(&s, &req.new).await;
    let status = compose(&s, dir.as_deref(), live, now());
    let ticket = if s.refresh_ticket {
        let result = kerberos::refresh_ticket(&s, &req.new).await;
        if let Err(e) = &result {
            tracing::warn!(code = e.code(), "the Kerberos ticket was not refreshed");
        }
        Some(TicketRefresh {
            principal: kerberos::principal(&s),
            refreshed: result.is_ok(),
            problem: result.err().map(|e| e.body()),
        })
    } else {
        None
    };
    Ok(ChangeReport {
        account: s.account.clone(),
        source: s.source.as_str().to_owned(),
        changed_at,
        keyring,
        update_by_hand,
        status,
        ticket,
    })
}

/// The local policy checks (only the policy that needs no directory: Kerberos tells nothing
/// about its rules before the change), then `kpasswd`.
async fn change_kerberos(s: &Settings, req: &ChangeRequest) -> Result<(), PasswordError> {
    if !req.skip_local_checks {
        let policy = Policy::local_only(s.min_strength);
        let checklist = check_new_password(&policy, &s.account, &req.new, &req.new);
        if let Some(reason) = checklist.first_failure() {
            return Err(PasswordError::PolicyViolation {
                reason,
                detail: None,
            });
        }
    }
    kerberos::change(s, &req.current, &req.new).await
}

/// TLS and clock pre-flight, bind with the current password, the local checks against the
/// policy just read, then the LDAP change. An AD password that has expired or must be changed
/// goes through [`change_expired_ad`].
async fn change_ldap(s: &Settings, req: &ChangeRequest) -> Result<(), PasswordError> {
    let mut session = Session::open(s).await?;
    let result = async {
        if s.source == SourceKind::Ad {
            session.check_clock().await?;
        }
        session.bind_user(s, &req.current).await?;
        let reading = session.read(s).await?;
        if !req.skip_local_checks {
            let policy = reading
                .policy
                .clone()
                .unwrap_or_else(|| Policy::local_only(s.min_strength));
            let checklist = check_new_password(&policy, &s.account, &req.new, &req.new);
            if let Some(reason) = checklist.first_failure() {
                return Err(PasswordError::PolicyViolation {
                    reason,
                    detail: None,
                });
            }
        }
        session.set_password(s, &req.current, &req.new).await
    }
    .await;
    session.close().await;
    match result {
        Err(refused @ (PasswordError::PasswordExpired | PasswordError::MustChange))
            if s.source == SourceKind::Ad =>
        {
            change_expired_ad(s, req, refused).await
        }
        other => other,
    }
}

/// AD refuses to bind with a password that has expired (532) or must be changed (773), so the
/// LDAP change cannot run; the domain's Kerberos password service accepts exactly that case
/// (it is how a Windows sign-in screen changes it). Its answers about the passwords (wrong
/// current, policy, locked) are the result; when Kerberos cannot be used here (no `kpasswd`,
/// no KDC found, not configured), the directory's own refusal stands, whose message says the
/// way forward.
async fn change_expired_ad(
    s: &Settings,
    req: &ChangeRequest,
    refused: PasswordError,
) -> Result<(), PasswordError> {
    match change_kerberos(s, req).await {
        Ok(()) => {
            tracing::info!(
                code = refused.code(),
                "changed through the domain's Kerberos password service"
            );
            Ok(())
        }
        Err(
            e @ (PasswordError::WrongCurrentPassword
            | PasswordError::PolicyViolation { .. }
            | PasswordError::AccountLocked),
        ) => Err(e),
        Err(e) => {
            tracing::warn!(
                code = refused.code(),
                kerberos = e.code(),
                "the Kerberos password service could not be used: {e}"
            );
            Err(refused)
        }
    }
}

/// Verifies `password` against the directory, then saves it as Deskside's own keyring entry so
/// [`status`] can read the expiry without asking.
///
/// # Errors
/// The bind's refusal, or `keyring_unavailable`.
pub async fn remember(
    config: &Config,
    user: Option<&str>,
    password: Password,
) -> Result<(), PasswordError> {
    let s = Settings::resolve(config, user)?;
    match s.source {
        SourceKind::Manual => {
            return Err(PasswordError::Unsupported(
                "the manual source reads nothing, so it needs no saved password".to_owned(),
            ));
        }
        SourceKind::Kerberos => {
            kerberos::read(&s, &password).await?;
        }
        SourceKind::Ad | SourceKind::Ldap => {
            let mut session = Session::open(&s).await?;
            let bound = session.bind_user(&s, &password).await;
            session.close().await;
            bound?;
        }
    }
    let account = s.account.clone();
    tokio::task::spawn_blocking(move || credentials::remember(&account, &password))
        .await
        .map_err(|e| PasswordError::Keyring(e.to_string()))?
}

/// Whether the tray app should show an expiry notification now, from the cached reading.
#[must_use]
pub fn notification_due(
    config: &Config,
    user: Option<&str>,
    data_dir: Option<&Path>,
    now: OffsetDateTime,
) -> bool {
    let Ok(s) = Settings::resolve(config, user) else {
        return false;
    };
    let Some(dir) = self::data_dir(data_dir) else {
        return false;
    };
    let Some(c) = status::load_cache(&status::cache_path(&dir, &s.account)) else {
        return false;
    };
    let expires = match c.expiry() {
        Expiry::At(t) => Some(t),
        _ => None,
    };
    warning_due(expires, now, &s.warn_days, c.last_notified_date())
}

/// Records that a notification was shown on `now`'s calendar day.
///
/// # Errors
/// The cache cannot be written.
pub fn mark_notified(
    config: &Config,
    user: Option<&str>,
    data_dir: Option<&Path>,
    now: OffsetDateTime,
) -> Result<(), PasswordError> {
    let s = Settings::resolve(config, user)?;
    let dir = self::data_dir(data_dir)
        .ok_or_else(|| PasswordError::Config("no data directory".to_owned()))?;
    let path = status::cache_path(&dir, &s.account);
    let mut c = status::load_cache(&path).ok_or_else(|| {
        PasswordError::Config("no cached password status to attach the notification to".to_owned())
    })?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    c.last_notified = now.date().format(&fmt).ok();
    status::store_cache(&path, &c).map_err(|e| PasswordError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskside_platform::{Interface, InterfaceAddress, InterfaceKind, LinkState};

    fn iface(name: &str, kind: InterfaceKind, state: LinkState, addressed: bool) -> Interface {
        Interface {
            name: name.to_owned(),
            description: None,
            kind,
            state,
            mac: None,
            mtu: None,
            dhcp: None,
            addresses: if addressed {
                vec![InterfaceAddress {
                    addr: "10.8.0.2".parse().unwrap(),
                    prefix_len: Some(24),
                }]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn vpn_is_up_only_with_an_addressed_live_tunnel() {
        let patterns = vec!["wg*".to_owned()];
        let eth = iface("eth0", InterfaceKind::Ethernet, LinkState::Up, true);
        assert!(!vpn_up(std::slice::from_ref(&eth), &patterns));
        let wg = iface("wg0", InterfaceKind::Other, LinkState::Unknown, true);
        assert!(vpn_up(&[eth.clone(), wg], &patterns));
        let tun = iface("utun3", InterfaceKind::Tunnel, LinkState::Up, true);
        assert!(vpn_up(&[tun], &[]));
        let down = iface("wg0", InterfaceKind::Tunnel, LinkState::Down, true);
        let bare = iface("wg1", InterfaceKind::Tunnel, LinkState::Up, false);
        assert!(!vpn_up(&[down, bare], &patterns));
    }
}
