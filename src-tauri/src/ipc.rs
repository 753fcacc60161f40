//! Transport types of the IPC boundary (docs/ipc.md): the error every command returns, the
//! shell's own types (`Screen`, `ScreenCapture`, `SecretText`), the agent's shapes re-exported, and the
//! events. Core types (`Report`, `DeviceSnapshot`, …) cross the boundary as they are; the fix,
//! ticket and password DTOs are the UI's view of the core crates' results (the shapes of
//! `desksidectl fix|ticket|outbox|password … --json`), so a core crate can change its inner
//! types without the UI noticing. TypeScript twins are generated into `ui/src/lib/bindings.ts`.

use deskside_diagnostics::{CheckResult, Progress};
use serde::{Deserialize, Serialize};
use specta::Type;

/// A screenshot taken for a ticket (`capture_screen`), for the user to look at before
/// consenting; sent back in [`TicketDraft::screenshot_png_base64`] if they do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ScreenCapture {
    /// The PNG, base64.
    pub png_base64: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether it was scaled down to fit the size limit.
    pub scaled: bool,
}

/// What went wrong, for the UI: `code` is stable (`config.*`, `diagnose.collect`,
/// `device.clipboard`), `message` is a sentence for the employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// Stable code the UI may branch on.
    pub code: String,
    /// Plain-language explanation.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A core crate's message as the window shows it (capitalised, with a full stop).
pub use deskside_agent::text::sentence;

impl From<deskside_agent::AgentError> for IpcError {
    fn from(err: deskside_agent::AgentError) -> Self {
        Self::new(err.code(), err.message())
    }
}

// Health, ticket and password shapes live in `deskside-agent` (derived behind its `specta`
// feature), shared with `desksidectl --json`; re-exported here for the commands.
pub use deskside_agent::health::{HealthState, HealthStatus};
pub use deskside_agent::password::{
    ChecklistItem, PasswordChangeReport, PasswordChecklist, PasswordLink, PasswordLinks,
    PasswordPolicy, PasswordPreflight, PasswordState, PasswordStatus, PreflightItem,
    SavedCredential,
};
pub use deskside_agent::ticket::{
    TicketAttachment, TicketDraft, TicketOptions, TicketPart, TicketPartOption, TicketParts,
    TicketPreview, Urgency,
};

pub use deskside_agent::app::{AppInfo, ConfigLayer};
pub use deskside_agent::policy::ManagedSettings;

/// A screen of the UI the shell can ask for (tray menu, `--screen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Screen {
    /// Health at a glance.
    Home,
    /// The check list of a run.
    Diagnostics,
    /// The device snapshot.
    Device,
    /// Getting help.
    Help,
    /// Password expiry and change.
    Password,
    /// Version, config layers, managed keys.
    About,
    /// The managed policy in effect (like `chrome://policy`).
    Managed,
}

impl Screen {
    /// Lower-case name, as in the payload and the hash route of a new window (`#/help`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Diagnostics => "diagnostics",
            Self::Device => "device",
            Self::Help => "help",
            Self::Password => "password",
            Self::About => "about",
            Self::Managed => "managed",
        }
    }
}

/// Live progress of `run_diagnosis`.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DiagnosisProgress {
    /// These checks are about to run (ids, catalog order).
    Planned {
        /// Check ids.
        ids: Vec<String>,
    },
    /// One check finished.
    Finished {
        /// Its result.
        check: CheckResult,
    },
}

impl From<Progress> for DiagnosisProgress {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Planned(ids) => Self::Planned { ids },
            Progress::Finished(check) => Self::Finished { check },
        }
    }
}

/// The tray health changed (after every background or manual check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct HealthChanged(pub HealthState);

/// Managed policy changed: the configuration was reloaded and this is what the window shows
/// now (branding, provenance). Checks, tickets and fixes load the configuration afresh anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct AppInfoChanged(pub AppInfo);

/// The tray menu asks the open window to show a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct Navigate {
    /// The screen.
    pub screen: Screen,
}

// ---- fixes: shapes in `deskside_agent::fix` ----------------------------------------------

pub use deskside_agent::fix::{
    FixArgs, FixInfo, FixKind, FixOutcome, FixPreview, FixResult, FixStep, FixVerify,
    FixVerifyCheck,
};

/// Live progress of `apply_fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FixProgress {
    /// The fix started.
    Started {
        /// Fix id.
        fix: String,
    },
    /// A step finished.
    Step {
        /// Fix id.
        fix: String,
        /// The step.
        step: FixStep,
    },
    /// Applied; the addressed checks are being re-run.
    Verifying {
        /// Fix id.
        fix: String,
    },
    /// Over.
    Done {
        /// Fix id.
        fix: String,
        /// How it ended.
        outcome: FixOutcome,
    },
}

pub use deskside_agent::ticket::{OutboxState, OutboxTicket, RemoteTicket, TicketReply};

/// The outbox changed: payload of the `outbox-changed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OutboxChanged {
    /// Every ticket, newest first.
    pub tickets: Vec<OutboxTicket>,
}

// ---- passwords --------------------------------------------------------------------------

/// A password as it crosses IPC: a string on the wire, never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Type)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// The text, for the one call that needs it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Move the text into the passwords crate's zeroing type (no copy is left behind).
    #[must_use]
    pub fn into_password(mut self) -> deskside_password::Password {
        deskside_password::Password::new(std::mem::take(&mut self.0))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for SecretText {
    fn drop(&mut self) {
        // Overwrite before the allocation is freed, so the text does not linger in memory.
        // `zeroize` does this without being optimised away.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// The background check has a new password status: the `password-status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordStatusChanged(pub PasswordStatus);

// Named by hand: the derive would call it `password-status-changed`; docs/ipc.md says
// `password-status` (and the bindings then expose `events.passwordStatus`).
impl tauri_specta::Event for PasswordStatusChanged {
    const NAME: &'static str = "password-status";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_health_serialize_as_the_ipc_doc_says() {
        let p = DiagnosisProgress::from(Progress::Planned(vec!["net.dns".into()]));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"kind": "planned", "ids": ["net.dns"]})
        );
        let h = HealthChanged(HealthState::unknown());
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["status"], "unknown");
        assert_eq!(v["root_cause"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(Navigate {
                screen: Screen::Help
            })
            .unwrap(),
            serde_json::json!({"screen": "help"})
        );
        assert_eq!(
            serde_json::to_value(FixProgress::Done {
                fix: "net.flush_dns".into(),
                outcome: FixOutcome::NotFixed
            })
            .unwrap(),
            serde_json::json!({"kind": "done", "fix": "net.flush_dns", "outcome": "not_fixed"})
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s: SecretText = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }

    #[test]
    fn config_errors_keep_their_code() {
        let err = deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some("/nonexistent/deskside.toml".into()),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .unwrap_err();
        let ipc = IpcError::from(deskside_agent::AgentError::from(err));
        assert_eq!(ipc.code, "config.unreadable");
        assert!(ipc.message.contains("Ask your IT team"), "{}", ipc.message);
        let h = HealthState::config_problem(&ipc.code);
        assert_eq!(h.status, HealthStatus::Broken);
        assert_eq!(h.root_cause.as_deref(), Some("config.unreadable"));
    }
}
