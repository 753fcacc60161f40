//! One-click fixes: the catalogue of built-in fixes, what each would change on this machine
//! (preview), running it (apply) — through the narrow privileged helper when it needs
//! administrator rights — proving it worked by re-running the checks it addresses (verify),
//! undoing it where that makes sense, the audit log of all of that, and admin-defined actions
//! from the system config.
//!
//! The layers, and why they are apart:
//! - [`args`]: every value from outside becomes a validated type first (interface names, URLs,
//!   connection names, minutes), so nothing from the UI or the network reaches a program
//!   unchecked.
//! - [`plan`]: pure `(Os, args, facts) -> steps`; the Windows and macOS command lines are
//!   tested on Linux, and programs can only be literals from an allow-list.
//! - [`facts`]: what is on this machine, with the network-namespace safety rule.
//! - [`exec`]: runs a plan's steps (no shell), [`files`] clears files in-process.
//! - [`engine`]: list / preview / apply / verify / undo / `diagnose --fix`, and the audit log
//!   ([`audit`]).
//! - [`elevate`]: building the pkexec / UAC / macOS authorization invocation of
//!   `deskside-elevate`, and the helper's own strict argument handling.
//! - [`actions`]: admin-defined actions and the ownership check on their programs.

pub mod actions;
pub mod args;
pub mod audit;
pub mod catalogue;
pub mod elevate;
pub mod engine;
pub mod exec;
pub mod facts;
pub mod files;
pub mod plan;
pub mod print;

pub use args::{ConnectionName, DeferMinutes, FixArgs, InterfaceName, VpnClient, WebUrl};
pub use audit::{AuditEntry, AuditLog, Phase};
pub use catalogue::{FIXES, FixDef};
pub use engine::{
    ApplyResult, CheckStatus, Engine, FixEvent, FixInfo, FixKind, FixRun, Outcome, Preview,
    RUN_SCHEMA, VerifyResult,
};
pub use exec::{StepResult, StepStatus};

use serde::{Deserialize, Serialize};

/// Errors from the fixes engine and the privileged helper.
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
    /// Administrator rights could not be obtained (no pkexec, helper missing, refused).
    #[error("administrator rights are needed but could not be obtained: {reason}")]
    ElevationUnavailable {
        /// Why.
        reason: String,
    },
    /// The privileged helper refused the request (wrong arguments, not in the system config).
    #[error("the privileged helper refused: {reason}")]
    Refused {
        /// Why.
        reason: String,
    },
    /// An admin action's program could be changed by someone other than root.
    #[error("admin action program {path} was refused: {problem}")]
    ActionUnsafeProgram {
        /// The program.
        path: String,
        /// What is wrong and how to correct it.
        problem: String,
    },
    /// A program could not be started.
    #[error("could not run {program}: {reason}")]
    Exec {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
    /// The fix has no undo, or nothing was saved to undo.
    #[error("there is nothing to undo for `{id}`")]
    NothingToUndo {
        /// The fix.
        id: String,
    },
    /// The audit log could not be written or read.
    #[error("the audit log {path} could not be written: {reason}")]
    Audit {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Saving or reading undo data failed.
    #[error("could not save the settings needed to undo the fix ({path}): {reason}")]
    UndoState {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No data directory is known (no HOME, no DESKSIDE_DATA_DIR).
    #[error("no data directory is known for the audit log; set HOME or DESKSIDE_DATA_DIR")]
    NoDataDir,
    /// Re-running the checks failed as a whole.
    #[error("the re-test could not run: {reason}")]
    Diagnose {
        /// Why.
        reason: String,
    },
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
            Self::ElevationUnavailable { .. } => "fix.elevation_unavailable",
            Self::Refused { .. } => "fix.refused",
            Self::ActionUnsafeProgram { .. } => "fix.action_unsafe_program",
            Self::Exec { .. } => "fix.exec",
            Self::NothingToUndo { .. } => "fix.nothing_to_undo",
            Self::Audit { .. } => "fix.audit",
            Self::UndoState { .. } => "fix.undo_state",
            Self::NoDataDir => "fix.no_data_dir",
            Self::Diagnose { .. } => "fix.diagnose",
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
        let err = |reason: String| FixError::UndoState {
            path: path.display().to_string(),
            reason,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| err(e.to_string()))
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
    #[cfg(not(unix))]
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
