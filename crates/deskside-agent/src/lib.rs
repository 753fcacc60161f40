//! The headless Deskside agent: everything a background process needs to look after this
//! computer and its user, with no window and no Tauri. The tray app (`src-tauri`) and
//! `desksidectl` both run these functions, so the two shells cannot drift apart in what they
//! decide: when to deliver a ticket and how long to wait after a failure, which ticket parts
//! are allowed, whether a password can be changed here, when health is re-checked and which
//! problem is announced.
//!
//! The agent never shows anything itself. It speaks through [`Announce`], which each shell
//! implements: the tray paints its icon, sends window events and shows notifications; the CLI
//! prints or logs.

pub mod app;
pub mod delivery;
mod error;
pub mod fix;
pub mod fleet;
pub mod health;
pub mod open;
pub mod password;
pub mod policy;
pub mod reset;
pub mod text;
pub mod ticket;

use std::sync::Arc;

pub use error::AgentError;

/// Load the layered config the way both shells do (`DESKSIDE_CONFIG`,
/// `DESKSIDE_SYSTEM_CONFIG` and `DESKSIDE_USER_CONFIG` override the paths). Loaded fresh for
/// every task, so an edited file takes effect without a restart.
///
/// # Errors
/// [`AgentError::Config`], with its stable `config.*` code.
pub fn load_config() -> Result<deskside_config::Loaded, AgentError> {
    Ok(deskside_config::load(
        &deskside_config::LoadOptions::from_env(deskside_config::Os::current(), None),
    )?)
}

/// What the agent remembers between tasks: the last health and report, the last password
/// status, ticket previews waiting to be sent. One per process, shared by every task.
#[derive(Debug, Default)]
pub struct Memory {
    /// Health: last state and report, announced problems.
    pub health: Arc<health::HealthBook>,
    /// The last password status and policy.
    pub password: Arc<password::PasswordBook>,
    /// Built tickets waiting to be sent.
    pub previews: ticket::PreviewBook,
    /// The reset or unlock flow in progress (its handle stays here, never in the window).
    pub reset: reset::ResetBook,
}

/// Something worth telling the person at the computer, as a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// One line: what happened.
    pub title: String,
    /// What to do next.
    pub body: String,
}

/// How the agent speaks to its shell. Every method has a default that does nothing, so a
/// shell implements only what it can show.
pub trait Announce: Send + Sync + 'static {
    /// Show a desktop notification (the shell honours `app.notify`).
    fn notify(&self, notice: &Notice) {
        let _ = notice;
    }

    /// The ticket outbox changed (a ticket was queued, is being sent, was delivered…).
    fn outbox_changed(&self, entries: &[deskside_outbox::Entry]) {
        let _ = entries;
    }

    /// What a delivery attempt did to a ticket (delivered, will be retried, failed), for a
    /// shell that logs or prints each one; [`Announce::notify`] already carries what the
    /// person is told.
    fn delivery(&self, event: &deskside_outbox::Event) {
        let _ = event;
    }

    /// Managed policy changed and the configuration was reloaded ([`policy::run_watch`]).
    fn policy_changed(&self, loaded: &deskside_config::Loaded) {
        let _ = loaded;
    }

    /// Health was (re)determined: the tray repaints its icon, an open window updates.
    fn health_changed(&self, state: &health::HealthState) {
        let _ = state;
    }

    /// The network changed (debounced): queued tickets may go out now.
    fn network_changed(&self) {}

    /// The password status was read.
    fn password_status(&self, status: &password::PasswordStatus) {
        let _ = status;
    }

    /// The password expires soon or has expired: a notification whose click opens the
    /// Password screen (the default shows it as a plain notice).
    fn password_warning(&self, notice: &Notice) {
        self.notify(notice);
    }
}
