//! One-click fixes, the part that is safe to link into the privileged helper: the catalogue
//! of built-in fixes, validated arguments, what each fix would change on this machine (facts
//! and plans), running a plan, admin-defined actions and the rule for files root runs or
//! reads, undo data, the audit log, and the helper's own strict entry point. The loop that
//! previews, applies and proves a fix by re-running the diagnostics is `deskside-fix-engine`,
//! kept apart so that this crate — and `deskside-elevate`, which runs as root — carries no
//! diagnostics, DNS or HTTP code.
//!
//! The layers, and why they are apart (each module depends only on those listed before it):
//! - [`args`]: every value from outside becomes a validated type first (interface names, URLs,
//!   connection names, minutes), so nothing from the UI or the network reaches a program
//!   unchecked. [`catalogue`]: the built-in fixes as data.
//! - [`print`]: pure CUPS parsers (`CUPS_SERVER`, `/proc/net/unix`, cgroups, `lpstat -o`).
//! - [`plan`]: pure `(Os, args, facts) -> steps`; the Windows and macOS command lines are
//!   tested on Linux, and programs can only be literals from an allow-list.
//! - [`facts`]: what is on this machine, with the network-namespace safety rule.
//! - [`trusted`]: the root-file rule (owned by root, not group/world-writable, folders too)
//!   for every file root runs or reads; [`actions`]: admin-defined actions under that rule.
//! - [`exec`]: runs a plan's steps (no shell), [`files`] clears files in-process; the audit
//!   log is [`audit`].
//! - [`elevate`]: building the pkexec / UAC / macOS authorization invocation of
//!   `deskside-elevate`, and the helper's own strict argument handling.

pub mod acl;
pub mod actions;
pub mod args;
pub mod audit;
pub mod catalogue;
pub mod elevate;
pub mod exec;
pub mod facts;
pub mod files;
pub mod plan;
pub mod print;
pub mod trusted;
#[cfg(windows)]
mod uac;
#[cfg(windows)]
mod win;

pub use args::{ConnectionName, DeferMinutes, FixArgs, InterfaceName, VpnClient, WebUrl};
pub use audit::{AuditEntry, AuditLog, Phase};
pub use catalogue::{FIXES, FixDef};
pub use exec::{StepEvent, StepResult, StepStatus};

use serde::{Deserialize, Serialize};

/// Errors from the fixes, the fix engine and the privileged helper.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixError {
    /// The id is neither a built-in fix nor an admin action.
    #[error("`{id}` is not a fix Deskside knows; run `desksidectl fix list` to see them")]
    NotInCatalogue {
        /// The id asked for.
        id: String,
    },
    /// An argument failed validation.
    #[error("bad value for `{name}`: {problem}")]
    BadArgument {
        /// The argument (`interface`, `url`, `connection`, `minutes`).
        name: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The fix cannot do anything on this machine right now.
    #[error("{reason}")]
    NotApplicable {
        /// The fix.
        id: String,
        /// Why, in plain words.
        reason: String,
    },
    /// The fix is switched off by `fixes.disabled`.
    #[error("`{id}` is turned off by your IT department (fixes.disabled)")]
    Disabled {
        /// The fix.
        id: String,
    },
    /// The privileged helper was asked for a fix that needs no administrator rights.
    #[error("`{id}` does not need administrator rights; run it without the helper")]
    NoElevationNeeded {
        /// The fix or action.
        id: String,
    },
    /// Administrator rights could not be obtained (no consent prompt here, helper missing,
    /// prompt refused).
    #[error("administrator rights are needed but could not be obtained: {reason}")]
    ElevationUnavailable {
        /// Why.
        reason: String,
    },
    /// The consent prompt (pkexec, osascript) that starts the helper could not be run.
    #[error(
        "administrator rights are needed but the consent prompt could not be started: {source}"
    )]
    HelperNotStarted {
        /// Why.
        source: deskside_exec::ExecError,
    },
    /// The privileged helper refused the request (wrong arguments, not in the system config).
    #[error("the privileged helper refused: {reason}")]
    Refused {
        /// Why.
        reason: String,
    },
    /// The system config file the privileged helper reads is invalid.
    #[error("the privileged helper refused: the system config is invalid: {source}")]
    SystemConfig {
        /// What is wrong with it.
        source: deskside_config::ConfigError,
    },
    /// A file root would run or read (an admin action's program, a plan's program, a
    /// `wg-quick` config, the system config) could be changed by someone other than root.
    #[error("{role} {} was refused: {reason}", path.display())]
    UnsafeFile {
        /// What root would do with it.
        role: trusted::Role,
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong and how to correct it.
        #[source]
        reason: trusted::Unsafe,
    },
    /// A program could not be started.
    #[error("could not run {program}: {source}")]
    Exec {
        /// The program.
        program: String,
        /// Why.
        source: deskside_exec::ExecError,
    },
    /// The fix has no undo, or nothing was saved to undo.
    #[error("there is nothing to undo for `{id}`")]
    NothingToUndo {
        /// The fix.
        id: String,
    },
    /// The audit log could not be written or read.
    #[error("the audit log {} could not be written or read: {source}", path.display())]
    Audit {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Saving or reading undo data failed.
    #[error("could not save the settings needed to undo the fix ({}): {source}", path.display())]
    UndoState {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No data directory is known (no HOME, no DESKSIDE_DATA_DIR).
    #[error("no data directory is known for the audit log; set HOME or DESKSIDE_DATA_DIR")]
    NoDataDir,
}

impl FixError {
    /// Stable code for IPC and scripts.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotInCatalogue { .. } => "fix.not_in_catalogue",
            Self::BadArgument { .. } => "fix.bad_argument",
            Self::NotApplicable { .. } => "fix.not_applicable",
            Self::Disabled { .. } => "fix.disabled",
            Self::NoElevationNeeded { .. } => "fix.no_elevation_needed",
            Self::ElevationUnavailable { .. } | Self::HelperNotStarted { .. } => {
                "fix.elevation_unavailable"
            }
            Self::Refused { .. } | Self::SystemConfig { .. } => "fix.refused",
            Self::UnsafeFile {
                role: trusted::Role::ActionProgram,
                ..
            } => "fix.action_unsafe_program",
            Self::UnsafeFile { .. } => "fix.unsafe_file",
            Self::Exec { .. } => "fix.exec",
            Self::NothingToUndo { .. } => "fix.nothing_to_undo",
            Self::Audit { .. } => "fix.audit",
            Self::UndoState { .. } => "fix.undo_state",
            Self::NoDataDir => "fix.no_data_dir",
        }
    }

    /// Whether this is the caller's mistake (unknown id, bad argument): exit 2 in the CLI.
    #[must_use]
    pub const fn is_usage(&self) -> bool {
        matches!(self, Self::NotInCatalogue { .. } | Self::BadArgument { .. })
    }
}

/// What a fix saved so it can be undone (`<data dir>/undo/<fix id>.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoState {
    /// The GNOME proxy mode before `net.clear_proxy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gnome_proxy_mode: Option<plan::ProxyMode>,
    /// Whether the Windows per-user proxy was on before `net.clear_proxy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_proxy_enabled: Option<bool>,
    /// When it was saved.
    #[serde(default)]
    pub saved_at: String,
}

impl UndoState {
    fn path(data_dir: &std::path::Path, id: &str) -> std::path::PathBuf {
        data_dir.join("undo").join(format!("{id}.json"))
    }

    /// Load what `id` saved, if anything.
    #[must_use]
    pub fn load(data_dir: &std::path::Path, id: &str) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(data_dir, id)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Save for `id`.
    ///
    /// # Errors
    /// [`FixError::UndoState`] when it cannot be written.
    pub fn save(&self, data_dir: &std::path::Path, id: &str) -> Result<(), FixError> {
        let path = Self::path(data_dir, id);
        let err = |source: std::io::Error| FixError::UndoState {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.into()))?;
        std::fs::write(&path, text).map_err(err)
    }

    /// Forget what `id` saved (after a successful undo).
    pub fn clear(data_dir: &std::path::Path, id: &str) {
        let _ = std::fs::remove_file(Self::path(data_dir, id));
    }
}

/// Whether this process already has administrator rights (fixes then run directly).
#[must_use]
pub fn is_elevated() -> bool {
    #[cfg(unix)]
    {
        nix::unistd::geteuid().is_root()
    }
    #[cfg(windows)]
    {
        win::is_elevated()
    }
    #[cfg(not(any(unix, windows)))]
    {
        false
    }
}

/// A Linux command-output fixture from `tests/fixtures/linux/`, for the parsers' unit tests.
#[cfg(test)]
pub(crate) fn test_fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/linux/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
