//! The Password screen's commands, each a thin adapter over `deskside-password` and the
//! agent's `password` module (the shapes, the one "can it be changed here" pre-flight, the
//! agent's memory of the last status). Passwords arrive as [`SecretText`] and go straight into
//! the crate's zeroing `Password`; nothing here logs or keeps them.

use deskside_agent::password as agent;
use deskside_agent::reset::{self, ResetDone, ResetKind, ResetStep};
use deskside_password::{ChangeRequest, PasswordError, PolicyReason, Settings};
use tauri::{AppHandle, Manager};

use crate::announce::Tray;
use crate::ipc::{
    IpcError, PasswordChangeReport, PasswordChecklist, PasswordLink, PasswordPreflight,
    PasswordStatus, SecretText,
};
use crate::state::Shell;

/// The password status; `refresh` asks the directory (the agent's last status otherwise, when
/// it has one).
#[tauri::command]
#[specta::specta]
pub async fn get_password_status(
    app: AppHandle,
    refresh: bool,
) -> Result<PasswordStatus, IpcError> {
    let book = &app.state::<Shell>().memory.password;
    if !refresh && let Some(last) = book.status() {
        return Ok(last);
    }
    let loaded = deskside_agent::load_config()?;
    let (status, policy) = agent::read_status(&loaded.config).await?;
    book.publish(&Tray(app.clone()), &status, policy);
    Ok(status)
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
    let loaded = deskside_agent::load_config()?;
    let settings =
        Settings::resolve(&loaded.config, None).map_err(deskside_agent::AgentError::from)?;
    let policy = app
        .state::<Shell>()
        .memory
        .password
        .policy()
        .unwrap_or_else(|| deskside_password::Policy::local_only(settings.min_strength));
    let new = new_password.into_password();
    let confirm = confirm.into_password();
    Ok(agent::checklist_dto(
        &deskside_password::check_new_password(&policy, &settings.account, &new, &confirm),
    ))
}

/// What stands in the way of a change right now: the core's one answer, including whether
/// Deskside can change this password here at all (the VPN when the directory is internal, the
/// directory answering, TLS with the configured CA, the clock for AD).
#[tauri::command]
#[specta::specta]
pub async fn password_preflight() -> Result<PasswordPreflight, IpcError> {
    let loaded = deskside_agent::load_config()?;
    Ok(agent::preflight(&loaded.config).await)
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
        return Err(
            deskside_agent::AgentError::Password(PasswordError::PolicyViolation {
                reason: PolicyReason::Mismatch,
                detail: None,
            })
            .into(),
        );
    }
    drop(confirm);
    let loaded = deskside_agent::load_config()?;
    let request = ChangeRequest {
        user: None,
        current: current.into_password(),
        new: new_password.into_password(),
        data_dir: None,
        skip_local_checks: false,
    };
    let report = deskside_password::change(&loaded.config, request)
        .await
        .map_err(deskside_agent::AgentError::from)?;
    let dto = agent::change_report(&report, &loaded.config);
    if let Some(status) = &dto.status {
        app.state::<Shell>().memory.password.publish(
            &Tray(app.clone()),
            status,
            report.status.policy.clone(),
        );
    }
    Ok(dto)
}

/// Check `password` against the directory and keep it in the OS keyring as Deskside's own
/// sign-in, so the expiry can be read without asking again; returns the fresh status.
#[tauri::command]
#[specta::specta]
pub async fn remember_password(
    app: AppHandle,
    password: SecretText,
) -> Result<PasswordStatus, IpcError> {
    let loaded = deskside_agent::load_config()?;
    deskside_password::remember(&loaded.config, None, password.into_password())
        .await
        .map_err(deskside_agent::AgentError::from)?;
    let (status, policy) = agent::read_status(&loaded.config).await?;
    app.state::<Shell>()
        .memory
        .password
        .publish(&Tray(app.clone()), &status, policy);
    Ok(status)
}

/// Open the configured change, reset or unlock page in the browser. The URL comes from the
/// config only, never from the page.
#[tauri::command]
#[specta::specta]
pub async fn open_password_link(link: PasswordLink) -> Result<(), IpcError> {
    let loaded = deskside_agent::load_config()?;
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
    Ok(deskside_agent::open::url(url).await?)
}

/// Start a reset or unlock through the Deskside server, signed by this device (one proof);
/// the flow's handle stays in the agent's memory. `user` defaults to `password.user`, else the
/// logged-in user.
#[tauri::command]
#[specta::specta]
pub async fn reset_start(
    app: AppHandle,
    kind: ResetKind,
    user: Option<String>,
) -> Result<ResetStep, IpcError> {
    let loaded = deskside_agent::load_config()?;
    let relay = reset::relay(&loaded.config)?;
    let account = reset::account(&loaded.config, user)?;
    let started = reset::start(&relay, kind, &account).await?;
    app.state::<Shell>().memory.reset.set(reset::Flow {
        handle: started.flow,
        kind,
        account: account.clone(),
    });
    Ok(ResetStep {
        kind,
        account,
        next: started.next,
        message: started.message,
    })
}

/// The mailed code (`totp` false) or an authenticator/recovery code (`totp` true) of the flow
/// in progress.
#[tauri::command]
#[specta::specta]
pub async fn reset_code(
    app: AppHandle,
    code: SecretText,
    totp: bool,
) -> Result<ResetStep, IpcError> {
    let loaded = deskside_agent::load_config()?;
    let relay = reset::relay(&loaded.config)?;
    let flow = app.state::<Shell>().memory.reset.get()?;
    let code = code.into_password();
    let next = if totp {
        reset::totp(&relay, &flow.handle, &code).await?
    } else {
        reset::code(&relay, &flow.handle, &code).await?
    };
    Ok(ResetStep {
        kind: flow.kind,
        account: flow.account,
        next,
        message: String::new(),
    })
}

/// Finish the flow in progress: a reset sets `new_password` (which must equal `confirm`), an
/// unlock sends none. After a reset: the saved credentials that may hold the old password.
#[tauri::command]
#[specta::specta]
pub async fn reset_complete(
    app: AppHandle,
    new_password: Option<SecretText>,
    confirm: Option<SecretText>,
) -> Result<ResetDone, IpcError> {
    let loaded = deskside_agent::load_config()?;
    let relay = reset::relay(&loaded.config)?;
    let book = &app.state::<Shell>().memory.reset;
    let flow = book.get()?;
    let new = match (flow.kind, new_password, confirm) {
        (ResetKind::Unlock, _, _) => None,
        (ResetKind::Reset, Some(n), Some(c)) if n.expose() == c.expose() => Some(n.into_password()),
        (ResetKind::Reset, _, _) => {
            return Err(
                deskside_agent::AgentError::Password(PasswordError::PolicyViolation {
                    reason: PolicyReason::Mismatch,
                    detail: None,
                })
                .into(),
            );
        }
    };
    let done = reset::complete(
        &relay,
        &loaded.config,
        flow.kind,
        &flow.account,
        &flow.handle,
        new.as_ref(),
    )
    .await?;
    book.clear();
    Ok(done)
}
