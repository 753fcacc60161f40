//! How the agent speaks through the tray app: [`Tray`] implements `deskside_agent::Announce`
//! — health repaints the tray icon and reaches an open window (`HealthChanged`), the password
//! status updates the tray's Password entry (`password-status`), notices become desktop
//! notifications, a network change wakes the ticket worker, and a managed-policy change
//! reaches an open window as its new app info (`AppInfoChanged`).

use deskside_agent::delivery::Waker;
use deskside_agent::health::HealthState;
use deskside_agent::password::PasswordStatus;
use deskside_agent::ticket::outbox_ticket;
use deskside_agent::{Announce, Notice};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event as _;

use crate::ipc::{AppInfoChanged, HealthChanged, OutboxChanged, PasswordStatusChanged, Screen};

/// The tray app as the agent's voice.
#[derive(Debug, Clone)]
pub struct Tray(pub AppHandle);

impl Announce for Tray {
    fn notify(&self, notice: &Notice) {
        show(&self.0, &notice.title, &notice.body);
    }

    fn outbox_changed(&self, entries: &[deskside_outbox::Entry]) {
        let tickets = entries.iter().map(outbox_ticket).collect();
        if let Err(err) = (OutboxChanged { tickets }).emit(&self.0) {
            log::warn!("cannot emit OutboxChanged: {err}");
        }
    }

    fn health_changed(&self, state: &HealthState) {
        crate::tray::show_health(&self.0, state);
        if let Err(err) = HealthChanged(state.clone()).emit(&self.0) {
            log::warn!("cannot emit HealthChanged: {err}");
        }
    }

    fn network_changed(&self) {
        // Queued tickets may go out now: wake the delivery worker (started in outbox.rs).
        if let Some(waker) = self.0.try_state::<Waker>() {
            waker.wake();
        }
    }

    fn password_status(&self, status: &PasswordStatus) {
        crate::tray::show_password(&self.0, status);
        if let Err(err) = PasswordStatusChanged(status.clone()).emit(&self.0) {
            log::warn!("cannot emit PasswordStatusChanged: {err}");
        }
    }

    fn policy_changed(&self, loaded: &deskside_config::Loaded) {
        // The open window repaints branding and provenance; nothing else is cached.
        if let Err(err) = AppInfoChanged(crate::config::app_info(loaded)).emit(&self.0) {
            log::warn!("cannot emit AppInfoChanged: {err}");
        }
    }

    fn password_warning(&self, notice: &Notice) {
        notify_opening(&self.0, notice.clone(), Screen::Password);
    }
}

/// A plain desktop notification.
pub fn show(app: &AppHandle, title: &str, body: &str) {
    if let Err(err) = app.notification().builder().title(title).body(body).show() {
        log::warn!("cannot show a notification: {err}");
    }
}

/// A notification whose click opens `screen`. `notify-rust` (the library under
/// tauri-plugin-notification) is used directly because the plugin has no click handler on
/// desktop; waiting for the click blocks, so it happens on its own thread.
fn notify_opening(app: &AppHandle, notice: Notice, screen: Screen) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("deskside-notification".to_owned())
        .spawn(move || {
            let shown = notify_rust::Notification::new()
                .appname("Deskside")
                .summary(&notice.title)
                .body(&notice.body)
                .action("default", "Open")
                .show();
            match shown {
                Ok(handle) => handle.wait_for_action(|action| {
                    if action == "default" {
                        log::info!("notification clicked: opening {}", screen.as_str());
                        crate::window::open(&app, Some(screen));
                    }
                }),
                Err(err) => log::warn!("cannot show the notification: {err}"),
            }
        });
    if let Err(err) = spawned {
        log::warn!("cannot start the notification thread: {err}");
    }
}
