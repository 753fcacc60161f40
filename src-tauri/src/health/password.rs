//! Password expiry in the background: shortly after start and then every few hours, the
//! status is read (`deskside_password::status`: the directory, or its cache offline), shown on
//! the tray menu's Password entry and sent to an open window (`password-status`); when the
//! passwords crate's schedule says a warning is due (`notification_due`, built on its pure
//! `warning_due`: the configured days before expiry, then daily, never more than once a day),
//! one notification is shown, and clicking it opens the Password screen.

use std::time::Duration;

use tauri::AppHandle;
use time::OffsetDateTime;

use crate::commands::password::{read_status, remember_status};
use crate::config;
use crate::ipc::{PasswordState, PasswordStatus, Screen};

/// First look after start: late enough not to compete with the first health check.
const FIRST_CHECK: Duration = Duration::from_secs(20);
/// Then every so often (expiry moves in days; the directory need not be asked more often).
const INTERVAL: Duration = Duration::from_secs(4 * 3600);

/// Start the task on Tauri's runtime.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FIRST_CHECK).await;
        loop {
            check_once(&app).await;
            tokio::time::sleep(INTERVAL).await;
        }
    });
}

async fn check_once(app: &AppHandle) {
    let (status, policy) = match read_status().await {
        Ok(s) => s,
        Err(err) => {
            log::info!("password status not available: {}", err.code);
            return;
        }
    };
    remember_status(app, &status, policy);
    if !status.configured {
        return;
    }
    let Ok(loaded) = config::load() else { return };
    if !loaded.config.app.notify {
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
    log::info!(
        "password expiry warning ({:?}, {:?} days)",
        status.state,
        status.days_left
    );
    notify(app, title, body);
    if let Err(err) = deskside_password::mark_notified(&loaded.config, None, None, now) {
        log::warn!("cannot record the password notification: {}", err.code());
    }
}

/// Title and body of the expiry warning; `None` when there is nothing to warn about.
#[must_use]
pub fn warning_text(s: &PasswordStatus) -> Option<(String, String)> {
    let body = "Change it now so you are not locked out. Click to open Deskside.".to_owned();
    match (s.state, s.days_left) {
        (PasswordState::Expired | PasswordState::Grace, _) => Some((
            "Your password has expired".to_owned(),
            "Change it now, or ask IT if you cannot sign in. Click to open Deskside.".to_owned(),
        )),
        (PasswordState::Warning | PasswordState::Ok, Some(d)) if d <= 0 => {
            Some(("Your password expires today".to_owned(), body))
        }
        (PasswordState::Warning | PasswordState::Ok, Some(1)) => {
            Some(("Your password expires tomorrow".to_owned(), body))
        }
        (PasswordState::Warning | PasswordState::Ok, Some(d)) => {
            Some((format!("Your password expires in {d} days"), body))
        }
        _ => None,
    }
}

/// Show the notification; a click on it opens the Password screen. `notify-rust` (the library
/// under tauri-plugin-notification) is used directly because the plugin has no click handler on
/// desktop; waiting for the click blocks, so it happens on its own thread.
fn notify(app: &AppHandle, title: String, body: String) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("deskside-password-notification".to_owned())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Deskside")
                .summary(&title)
                .body(&body)
                .action("default", "Change password")
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        log::info!("password notification clicked");
                        crate::window::open(&app, Some(Screen::Password));
                    }
                }),
                Err(err) => log::warn!("cannot show the password notification: {err}"),
            }
        });
    if let Err(err) = spawned {
        log::warn!("cannot start the notification thread: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::PasswordLinks;

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
        assert_eq!(
            warning_text(&status(PasswordState::Warning, Some(3)))
                .unwrap()
                .0,
            "Your password expires in 3 days"
        );
        assert_eq!(
            warning_text(&status(PasswordState::Warning, Some(1)))
                .unwrap()
                .0,
            "Your password expires tomorrow"
        );
        assert_eq!(
            warning_text(&status(PasswordState::Warning, Some(0)))
                .unwrap()
                .0,
            "Your password expires today"
        );
        assert_eq!(
            warning_text(&status(PasswordState::Expired, Some(-2)))
                .unwrap()
                .0,
            "Your password has expired"
        );
        assert!(warning_text(&status(PasswordState::Never, None)).is_none());
        assert!(warning_text(&status(PasswordState::Unknown, None)).is_none());
    }
}
