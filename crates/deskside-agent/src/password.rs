//! Passwords as the shells show them: the status, the live checklist, the pre-flight and the
//! change report in the shapes the window and `--json` use, converted from `deskside-password`
//! in one place; the agent's memory of the last status (and the directory's policy for the
//! live checklist); and the expiry schedule in the background — status shortly after start and
//! every few hours, shown by the shell ([`Announce::password_status`]), and one warning when the
//! passwords crate's `notification_due` says so (never more than once a day).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use deskside_password::{
    ChangeReport, Checklist, PasswordError, PolicyReason, State, Status, StatusRequest,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AgentError, Announce, text};

/// Seconds in a day, for the policy's maximum age.
const DAY_S: u64 = 86_400;
/// The passwords crate's length floor when the directory names none.
const DEFAULT_MIN_LENGTH: u32 = 8;
/// First look after start: late enough not to compete with the first health check.
const FIRST_CHECK: Duration = Duration::from_secs(20);
/// Then every so often (expiry moves in days; the directory need not be asked more often).
const INTERVAL: Duration = Duration::from_secs(4 * 3600);

/// Expiry state of the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum PasswordState {
    /// Valid, not yet in the warning window.
    Ok,
    /// Expires soon.
    Warning,
    /// Expired.
    Expired,
    /// Expired, grace logins left.
    Grace,
    /// Never expires.
    Never,
    /// Cannot tell.
    Unknown,
}

/// The directory's password rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordPolicy {
    /// Minimum length.
    pub min_length: u32,
    /// Three of four character classes required.
    pub complexity: bool,
    /// Remembered previous passwords.
    pub history: Option<u32>,
    /// Maximum age, in days.
    pub max_age_days: Option<u32>,
    /// Wrong attempts before lockout.
    pub lockout_threshold: Option<u32>,
}

/// Which help links the config has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordLinks {
    /// `password.change_url`.
    pub change: bool,
    /// `password.reset_url`.
    pub reset: bool,
    /// `password.unlock_url`.
    pub unlock: bool,
    /// `[server] url`: reset and unlock run from this device through the Deskside server.
    pub self_service: bool,
}

/// Payload of `get_password_status` and the `password-status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordStatus {
    /// `password.source` is set.
    pub configured: bool,
    /// `ad`, `ldap`, `kerberos`, `manual`.
    pub source: Option<String>,
    /// The account.
    pub account: Option<String>,
    /// Expiry state.
    pub state: PasswordState,
    /// When it expires (RFC 3339).
    pub expires_at: Option<String>,
    /// Whole days left (negative once expired).
    pub days_left: Option<i64>,
    /// Grace logins left.
    pub grace_logins: Option<u32>,
    /// From the cache: the directory was not reachable.
    pub cached: bool,
    /// When the directory last answered (RFC 3339).
    pub checked_at: Option<String>,
    /// The directory's rules, when read.
    pub policy: Option<PasswordPolicy>,
    /// Why the state is unknown.
    pub message: Option<String>,
    /// Its stable code (`credential_needed`: Deskside needs the password once, see
    /// `remember_password`; `directory_unreachable`, …).
    pub problem: Option<String>,
    /// Configured help links.
    pub links: PasswordLinks,
}

impl PasswordStatus {
    /// No source configured.
    #[must_use]
    pub fn not_configured(links: PasswordLinks) -> Self {
        Self {
            configured: false,
            source: None,
            account: None,
            state: PasswordState::Unknown,
            expires_at: None,
            days_left: None,
            grace_logins: None,
            cached: false,
            checked_at: None,
            policy: None,
            message: None,
            problem: None,
            links,
        }
    }
}

/// One line of the live checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChecklistItem {
    /// `length`, `classes`, `account_name`, `match`, `strength`.
    pub id: String,
    /// Met.
    pub ok: bool,
    /// The rule in words.
    pub label: String,
}

/// Payload of `check_new_password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordChecklist {
    /// The rules.
    pub items: Vec<ChecklistItem>,
    /// zxcvbn score, 0–4.
    pub score: u8,
    /// zxcvbn's suggestions.
    pub feedback: Vec<String>,
    /// Every rule is met.
    pub acceptable: bool,
}

/// One pre-flight condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreflightItem {
    /// `directory`, `tls`, `vpn`, `clock`.
    pub id: String,
    /// Met.
    pub ok: bool,
    /// What is missing, or that it is fine.
    pub message: String,
}

/// Payload of `password_preflight`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordPreflight {
    /// Everything is in place.
    pub ok: bool,
    /// Each condition.
    pub items: Vec<PreflightItem>,
}

/// A saved credential the user must update by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SavedCredential {
    /// What it is (`Office Wi-Fi`).
    pub name: String,
    /// `wifi`, `vpn`, `mail`, `drive`, `keyring`, …
    pub kind: String,
    /// Where to update it.
    pub hint: String,
}

/// Payload of `change_password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PasswordChangeReport {
    /// Saved credentials Deskside updated.
    pub updated: Vec<String>,
    /// Saved credentials to update by hand.
    pub to_update: Vec<SavedCredential>,
    /// The status re-read after the change.
    pub status: Option<PasswordStatus>,
}

/// Which configured page to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum PasswordLink {
    /// `password.change_url`.
    Change,
    /// `password.reset_url`.
    Reset,
    /// `password.unlock_url`.
    Unlock,
}

/// The agent's memory of the last password status and the policy it was read with.
#[derive(Debug, Default)]
pub struct PasswordBook {
    last: Mutex<Option<(PasswordStatus, Option<deskside_password::Policy>)>>,
}

impl PasswordBook {
    /// Keep a status and the policy it was read with.
    pub fn set(&self, status: PasswordStatus, policy: Option<deskside_password::Policy>) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((status, policy));
    }

    /// The last status.
    #[must_use]
    pub fn status(&self) -> Option<PasswordStatus> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(s, _)| s.clone())
    }

    /// The directory's policy from the last status, for the live checklist.
    #[must_use]
    pub fn policy(&self) -> Option<deskside_password::Policy> {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|(_, p)| p.clone())
    }

    /// Store a status and tell the shell.
    pub fn publish(
        &self,
        announce: &dyn Announce,
        status: &PasswordStatus,
        policy: Option<deskside_password::Policy>,
    ) {
        self.set(status.clone(), policy);
        announce.password_status(status);
    }
}

/// Read the status from the directory (or its cache), as the shells show it, with the
/// directory's policy for the live checklist.
///
/// # Errors
/// A broken configuration; directory problems are part of the status.
pub async fn read_status(
    config: &deskside_config::Config,
) -> Result<(PasswordStatus, Option<deskside_password::Policy>), AgentError> {
    let links = links_of(config);
    match deskside_password::status(config, StatusRequest::default()).await {
        Ok(s) => Ok((status_dto(&s, links), s.policy)),
        Err(PasswordError::NotConfigured) => Ok((PasswordStatus::not_configured(links), None)),
        Err(err) => Err(AgentError::Password(err)),
    }
}

/// What stands in the way of a change right now — the core's one answer
/// ([`deskside_password::preflight`]), including whether this source can be changed here.
pub async fn preflight(config: &deskside_config::Config) -> PasswordPreflight {
    let p = deskside_password::preflight(config, None).await;
    PasswordPreflight {
        ok: p.ok,
        items: preflight_items(&p),
    }
}

/// The crate's pre-flight lines as the shells show them.
#[must_use]
pub fn preflight_items(p: &deskside_password::Preflight) -> Vec<PreflightItem> {
    p.items
        .iter()
        .map(|i| PreflightItem {
            id: i.id.to_owned(),
            ok: i.ok,
            message: i.message.clone(),
        })
        .collect()
}

/// A finished change as the shells show it.
#[must_use]
pub fn change_report(
    report: &ChangeReport,
    config: &deskside_config::Config,
) -> PasswordChangeReport {
    PasswordChangeReport {
        updated: report
            .keyring
            .iter()
            .filter(|k| k.outcome == deskside_password::KeyringOutcome::Updated)
            .map(|k| {
                if k.service == deskside_password::OWN_SERVICE {
                    "Deskside's saved sign-in".to_owned()
                } else {
                    format!("{} ({})", k.service, k.user)
                }
            })
            .collect(),
        to_update: report
            .update_by_hand
            .iter()
            .map(|c| SavedCredential {
                name: c.name.clone(),
                kind: c.kind.clone(),
                hint: c.hint.clone(),
            })
            .collect(),
        status: Some(status_dto(&report.status, links_of(config))),
    }
}

/// The password expiry schedule in the background: runs until the process ends.
pub async fn run_schedule(book: Arc<PasswordBook>, announce: Arc<dyn Announce>) {
    tokio::time::sleep(FIRST_CHECK).await;
    loop {
        check_once(&book, announce.as_ref()).await;
        tokio::time::sleep(INTERVAL).await;
    }
}

/// One look at the password status; a warning when one is due.
pub async fn check_once(book: &PasswordBook, announce: &dyn Announce) {
    let Ok(loaded) = crate::load_config() else {
        return;
    };
    let (status, policy) = match read_status(&loaded.config).await {
        Ok(s) => s,
        Err(err) => {
            tracing::info!(code = %err.code(), "password status not available");
            return;
        }
    };
    book.publish(announce, &status, policy);
    if !status.configured || !loaded.config.app.notify {
        return;
    }
    // UTC days: the local offset cannot be read safely in a multi-threaded process on Unix,
    // and "at most once a day" holds either way.
    let now = OffsetDateTime::now_utc();
    if !deskside_password::notification_due(&loaded.config, None, None, now) {
        return;
    }
    let Some((title, body)) = warning_text(&status) else {
        return;
    };
    tracing::info!(state = ?status.state, days = ?status.days_left, "password expiry warning");
    announce.password_warning(&crate::Notice { title, body });
    if let Err(err) = deskside_password::mark_notified(&loaded.config, None, None, now) {
        tracing::warn!(code = err.code(), "cannot record the password notification");
    }
}

/// Title and body of the expiry warning; `None` when there is nothing to warn about.
#[must_use]
pub fn warning_text(s: &PasswordStatus) -> Option<(String, String)> {
    match s.state {
        PasswordState::Expired | PasswordState::Grace => text::password_warning(true, None),
        PasswordState::Warning | PasswordState::Ok => text::password_warning(false, s.days_left),
        _ => None,
    }
}

/// Which links IT configured.
#[must_use]
pub fn links_of(config: &deskside_config::Config) -> PasswordLinks {
    let p = &config.password;
    PasswordLinks {
        change: p.change_url.is_some(),
        reset: p.reset_url.is_some(),
        unlock: p.unlock_url.is_some(),
        self_service: config.server.relay_url().is_some(),
    }
}

/// The crate's state as the shells show it.
#[must_use]
pub fn state_dto(state: State) -> PasswordState {
    match state {
        State::Ok => PasswordState::Ok,
        State::Warning => PasswordState::Warning,
        State::Expired => PasswordState::Expired,
        State::Grace => PasswordState::Grace,
        State::Never => PasswordState::Never,
        State::Unknown => PasswordState::Unknown,
    }
}

/// The crate's status as the UI shows it.
#[must_use]
pub fn status_dto(s: &Status, links: PasswordLinks) -> PasswordStatus {
    PasswordStatus {
        configured: true,
        source: Some(s.source.clone()),
        account: Some(s.account.clone()),
        state: state_dto(s.state),
        expires_at: s.expires_at.clone(),
        days_left: s.days_left,
        grace_logins: s.grace_logins_left,
        cached: s.cached,
        checked_at: s.checked_at.clone(),
        policy: s.policy.as_ref().map(|p| PasswordPolicy {
            min_length: p.min_length.unwrap_or(DEFAULT_MIN_LENGTH),
            complexity: p.complexity,
            history: p.history,
            max_age_days: p.max_age_s.and_then(|s| u32::try_from(s / DAY_S).ok()),
            lockout_threshold: p.lockout_threshold,
        }),
        message: s.problem.as_ref().map(|p| match p.code.as_str() {
            // The crate's message names a CLI command; the window offers its own way.
            "credential_needed" => {
                "Deskside needs your password once to read when it expires.".to_owned()
            }
            _ => text::sentence(&p.message),
        }),
        problem: s.problem.as_ref().map(|p| p.code.clone()),
        links,
    }
}

/// The crate's checklist as the UI shows it: one line per rule, ids the UI's tests use.
#[must_use]
pub fn checklist_dto(c: &Checklist) -> PasswordChecklist {
    let id = |r: PolicyReason| match r {
        PolicyReason::TooShort => "length",
        PolicyReason::Complexity => "classes",
        PolicyReason::ContainsAccountName => "account_name",
        PolicyReason::TooWeak => "strength",
        PolicyReason::Mismatch => "match",
        other => other.as_str(),
    };
    let mut feedback: Vec<String> = c.strength.warning.iter().cloned().collect();
    feedback.extend(c.strength.suggestions.iter().cloned());
    PasswordChecklist {
        items: c
            .items
            .iter()
            .map(|i| ChecklistItem {
                id: id(i.rule).to_owned(),
                ok: i.passed,
                label: i.label.clone(),
            })
            .collect(),
        score: c.strength.score,
        feedback,
        acceptable: c.ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_code_and_reason() {
        let e = AgentError::Password(PasswordError::PolicyViolation {
            reason: PolicyReason::InHistory,
            detail: None,
        });
        assert_eq!(e.code(), "password.policy_violation.in_history");
        assert!(e.message().starts_with("The new password was refused"));
        assert!(e.message().ends_with('.'));
        assert_eq!(
            AgentError::Password(PasswordError::WrongCurrentPassword).code(),
            "password.wrong_current_password"
        );
        assert_eq!(
            AgentError::Password(PasswordError::AccountLocked).code(),
            "password.account_locked"
        );
    }

    #[tokio::test]
    async fn preflight_lines_keep_the_crate_ids_and_messages() {
        // Not configured: the crate's one failed `directory` line, as the shells show it.
        let p =
            deskside_password::preflight(&deskside_config::Config::default(), Some("jdoe")).await;
        let items = preflight_items(&p);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].id, "directory");
        assert!(!items[0].ok);
        assert_eq!(items[0].message, p.items[0].message);
    }

    #[test]
    fn the_checklist_uses_the_ui_ids_and_never_the_password() {
        let policy = deskside_password::Policy::local_only(3);
        let new = deskside_password::Password::from("jdoe-Planted-1");
        let c = deskside_password::check_new_password(&policy, "jdoe", &new, &new);
        let dto = checklist_dto(&c);
        let ids: Vec<&str> = dto.items.iter().map(|i| i.id.as_str()).collect();
        assert!(ids.contains(&"length") && ids.contains(&"account_name") && ids.contains(&"match"));
        assert!(
            !dto.items
                .iter()
                .find(|i| i.id == "account_name")
                .unwrap()
                .ok
        );
        assert!(!dto.acceptable);
        assert!(!serde_json::to_string(&dto).unwrap().contains("Planted"));
    }

    fn status(state: PasswordState, days: Option<i64>) -> PasswordStatus {
        PasswordStatus {
            configured: true,
            state,
            days_left: days,
            ..PasswordStatus::not_configured(PasswordLinks::default())
        }
    }

    #[test]
    fn warnings_name_the_days_left_plainly() {
        let title = |state, days| warning_text(&status(state, days)).unwrap().0;
        assert_eq!(
            title(PasswordState::Warning, Some(3)),
            "Your password expires in 3 days"
        );
        assert_eq!(
            title(PasswordState::Warning, Some(1)),
            "Your password expires tomorrow"
        );
        assert_eq!(
            title(PasswordState::Warning, Some(0)),
            "Your password expires today"
        );
        assert_eq!(
            title(PasswordState::Expired, Some(-2)),
            "Your password has expired"
        );
        assert!(warning_text(&status(PasswordState::Never, None)).is_none());
        assert!(warning_text(&status(PasswordState::Unknown, None)).is_none());
    }
}
