//! Health in the tray: every result, from the background task ([`monitor`]) or from a manual
//! `run_diagnosis`, goes through [`publish`], which stores it, repaints the tray, emits
//! `HealthChanged` and, for a new problem found in the background, shows one notification.

pub mod monitor;
mod netwatch;
pub mod password;
pub mod policy;

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event;

use crate::ipc::{HealthChanged, HealthState};
use crate::state::Shell;
use crate::tray;

/// Who produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The background task: a new problem is announced (if `app.notify` allows).
    Background {
        /// `app.notify` from the config (true when the config cannot be read).
        notify: bool,
    },
    /// A run the employee started in the window: they see the result, so no notification,
    /// but the cause counts as announced.
    Manual,
}

/// Store, show and announce a health result. `detail` is the notification body (the
/// diagnosis summary).
pub fn publish(app: &AppHandle, state: HealthState, detail: Option<&str>, origin: Origin) {
    let is_new = app.state::<Shell>().record(&state);
    tray::show_health(app, &state);
    if let Err(err) = HealthChanged(state.clone()).emit(app) {
        log::warn!("cannot emit HealthChanged: {err}");
    }
    if is_new && origin == (Origin::Background { notify: true }) {
        log::info!(
            "new problem {:?}: notifying",
            state.root_cause.as_deref().unwrap_or("?")
        );
        let shown = app
            .notification()
            .builder()
            .title(&state.headline)
            .body(detail.unwrap_or("Open Deskside for details."))
            .show();
        if let Err(err) = shown {
            log::warn!("cannot show a notification: {err}");
        }
    }
}
