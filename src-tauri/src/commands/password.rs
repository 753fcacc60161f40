//! The Password screen's commands, each over one call of `deskside-password`: the status
//! ([`deskside_password::status`]), the live checklist of a new password
//! ([`deskside_password::check_new_password`], pure and fast, called while typing), the
//! pre-flight ([`deskside_password::preflight`]: VPN, directory, TLS, clock), the change
//! ([`deskside_password::change`]), and opening the configured reset/unlock/change page. Passwords arrive as [`SecretText`] and
//! go straight into the crate's zeroing `Password`; nothing here logs or keeps them.

use deskside_password::{
    ChangeRequest, Checklist, PasswordError, PolicyReason, Settings, SourceKind, State, Status,
    StatusRequest,
};
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;

use crate::config;
use crate::ipc::{
    ChecklistItem, IpcError, PasswordChangeReport, PasswordChecklist, PasswordLink, PasswordLinks,
    PasswordPolicy, PasswordPreflight, PasswordState, PasswordStatus, PasswordStatusChanged,
    PreflightItem, SavedCredential, SecretText, sentence,
};
use crate::state::Shell;

/// Seconds in a day, for the policy's maximum age.
const DAY_S: u64 = 86_400;
/// The passwords crate's length floor when the directory names none.
const DEFAULT_MIN_LENGTH: u32 = 8;

/// The password status; `refresh` asks the directory (the shell's last status otherwise, when
/// it has one).
#[tauri::command]
#[specta::specta]
pub async fn get_password_status(
    app: AppHandle,
    refresh: bool,
) -> Result<PasswordStatus, IpcError> {
    if !refresh && let Some(last) = app.state::<Shell>().password() {
        return Ok(last);
    }
    let (status, policy) = read_status().await?;
    remember_status(&app, &status, policy);
    Ok(status)
}

/// Read the status from the directory (or its cache), as the UI shows it, with the
/// directory's policy for the live checklist.
///
/// # Errors
/// A broken configuration; directory problems are part of the status.
pub async fn read_status() -> Result<(PasswordStatus, Option<deskside_password::Policy>), IpcError>
{
    let loaded = config::load()?;
    let links = links_of(&loaded.config);
    match deskside_password::status(&loaded.config, StatusRequest::default()).await {
        Ok(s) => Ok((status_dto(&s, links), s.policy)),
        Err(PasswordError::NotConfigured) => Ok((PasswordStatus::not_configured(links), None)),
        Err(err) => Err(password_error(&err)),
    }
}

/// Store and broadcast a status (the tray entry and an open Password screen follow it).
pub fn remember_status(
    app: &AppHandle,
    status: &PasswordStatus,
    policy: Option<deskside_password::Policy>,
) {
    app.state::<Shell>().set_password(status.clone(), policy);
    crate::tray::show_password(app, status);
    if let Err(err) = PasswordStatusChanged(status.clone()).emit(app) {
        log::warn!("cannot emit PasswordStatusChanged: {err}");
    }
}

/// The live checklist for a new password (length, complexity, account name, strength,
/// confirmation), against the policy of the last status.
#[tauri::command]
#[specta::specta]
pub async fn check_new_password(
    app: AppHandle,
    new_password: SecretText,
    confirm: SecretText,
) -> Result<PasswordChecklist, IpcError> {
    let loaded = config::load()?;
    let settings = Settings::resolve(&loaded.config, None).map_err(|e| password_error(&e))?;
    let last = app.state::<Shell>().password_policy();
    let policy =
        last.unwrap_or_else(|| deskside_password::Policy::local_only(settings.min_strength));
    let new = new_password.into_password();
    let confirm = confirm.into_password();
    Ok(checklist_dto(&deskside_password::check_new_password(
        &policy,
        &settings.account,
        &new,
        &confirm,
    )))
}

/// What stands in the way of a change right now: whether Deskside can change the password
/// here at all, then the crate's pre-flight (the VPN when the directory is internal, the
/// directory answering, TLS with the configured CA, the clock for AD).
#[tauri::command]
#[specta::specta]
pub async fn password_preflight() -> Result<PasswordPreflight, IpcError> {
    let loaded = config::load()?;
    // The core decides, for the tray and the CLI alike, whether a change can be made here.
    let checked = deskside_password::preflight(&loaded.config, None).await;
    Ok(PasswordPreflight {
        ok: checked.ok,
        items: preflight_items(&checked),
    })
}

/// The crate's pre-flight lines as the UI shows them.
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

/// Change the password. Refusals come back as `password.<code>` (a policy refusal as
/// `password.policy_violation.<reason>`) with a plain message.
#[tauri::command]
#[specta::specta]
pub async fn change_password(
    app: AppHandle,
    current: SecretText,
    new_password: SecretText,
    confirm: SecretText,
) -> Result<PasswordChangeReport, IpcError> {
    if new_password.expose() != confirm.expose() {
        return Err(password_error(&PasswordError::PolicyViolation {
            reason: PolicyReason::Mismatch,
            detail: None,
        }));
    }
    drop(confirm);
    let loaded = config::load()?;
    let links = links_of(&loaded.config);
    let request = ChangeRequest {
        user: None,
        current: current.into_password(),
        new: new_password.into_password(),
        data_dir: None,
        skip_local_checks: false,
    };
    let report = deskside_password::change(&loaded.config, request)
        .await
        .map_err(|e| password_error(&e))?;
    let status = status_dto(&report.status, links);
    remember_status(&app, &status, report.status.policy.clone());
    Ok(PasswordChangeReport {
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
        status: Some(status),
    })
}

/// Check `password` against the directory and keep it in the OS keyring as Deskside's own
/// sign-in, so the expiry can be read without asking again; returns the fresh status.
#[tauri::command]
#[specta::specta]
pub async fn remember_password(
    app: AppHandle,
    password: SecretText,
) -> Result<PasswordStatus, IpcError> {
    let loaded = config::load()?;
    deskside_password::remember(&loaded.config, None, password.into_password())
        .await
        .map_err(|e| password_error(&e))?;
    let (status, policy) = read_status().await?;
    remember_status(&app, &status, policy);
    Ok(status)
}

/// Open the configured change, reset or unlock page in the browser. The URL comes from the
/// config only, never from the page.
#[tauri::command]
#[specta::specta]
pub async fn open_password_link(link: PasswordLink) -> Result<(), IpcError> {
    let loaded = config::load()?;
    let p = &loaded.config.password;
    let url = match link {
        PasswordLink::Change => p.change_url.as_deref(),
        PasswordLink::Reset => p.reset_url.as_deref(),
        PasswordLink::Unlock => p.unlock_url.as_deref(),
    }
    .ok_or_else(|| {
        IpcError::new(
            "password.no_link",
            "Your IT team has not set up this page. Use \u{201c}Ask IT for help\u{201d} instead.",
        )
    })?;
    crate::open::url(url).await
}

fn links_of(config: &deskside_config::Config) -> PasswordLinks {
    let p = &config.password;
    PasswordLinks {
        change: p.change_url.is_some(),
        reset: p.reset_url.is_some(),
        unlock: p.unlock_url.is_some(),
    }
}

/// A password error as it crosses IPC: `password.<code>[.<reason>]` and the crate's message.
#[must_use]
pub fn password_error(err: &PasswordError) -> IpcError {
    let body = err.body();
    let code = match body.reason {
        Some(reason) => format!("password.{}.{}", body.code, reason.as_str()),
        None => format!("password.{}", body.code),
    };
    IpcError::new(code, sentence(&body.message))
}

fn state_dto(state: State) -> PasswordState {
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
            _ => sentence(&p.message),
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
        let e = password_error(&PasswordError::PolicyViolation {
            reason: PolicyReason::InHistory,
            detail: None,
        });
        assert_eq!(e.code, "password.policy_violation.in_history");
        assert!(e.message.starts_with("The new password was refused"));
        assert!(e.message.ends_with('.'));
        assert_eq!(
            password_error(&PasswordError::WrongCurrentPassword).code,
            "password.wrong_current_password"
        );
        assert_eq!(
            password_error(&PasswordError::AccountLocked).code,
            "password.account_locked"
        );
    }

    #[tokio::test]
    async fn preflight_lines_keep_the_crate_ids_and_messages() {
        // Not configured: the crate's one failed `directory` line, as the UI shows it.
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
}
