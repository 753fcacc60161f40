//! Fixes as the shells show them: the catalogue with availability, what a fix would change,
//! and a finished fix with its steps and re-test, in the shapes of the window and of
//! `desksidectl fix … --json`, converted from `deskside-fix-engine` in one place. Arguments from
//! a page are validated by the fixes crate's types before anything runs.

use deskside_fix_engine::{ApplyResult, Engine, Outcome};
use deskside_fixes::{InterfaceName, StepResult};
use serde::{Deserialize, Serialize};

use crate::{AgentError, text::sentence};

/// A built-in fix or an admin action, as `list_fixes` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixInfo {
    /// `net.flush_dns`, or the admin action's id.
    pub id: String,
    /// Short title for the button and the dialog.
    pub title: String,
    /// What it does, in plain language.
    pub explanation: String,
    /// Check ids it addresses.
    pub addresses: Vec<String>,
    /// Needs administrator approval.
    pub elevation: bool,
    /// Applied by `diagnose --fix` without asking.
    pub auto: bool,
    /// Can run on this computer now.
    pub available: bool,
    /// Why not, when unavailable.
    pub reason: Option<String>,
    /// Built-in or defined by IT.
    pub kind: FixKind,
}

/// Where a fix comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    /// Deskside's catalogue.
    Builtin,
    /// `[[fixes.actions]]` in the managed config.
    Action,
}

/// The arguments the UI may pass; validated by the fixes crate's types before use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixArgs {
    /// A network interface (`eth0`); null lets the fix choose.
    pub interface: Option<String>,
}

/// What a fix would change: payload of `preview_fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixPreview {
    /// The fix.
    pub id: String,
    /// One sentence.
    pub summary: String,
    /// Each change, one line.
    pub changes: Vec<String>,
    /// Bytes it would free.
    pub bytes: Option<u64>,
    /// Needs administrator approval.
    pub elevation: bool,
}

/// How an applied fix ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FixOutcome {
    /// Applied and the re-test passed.
    Fixed,
    /// Applied, but the re-test still fails.
    NotFixed,
    /// A step failed.
    Failed,
    /// Not run (approval refused, not applicable, not allowed).
    Refused,
}

/// One step a fix ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixStep {
    /// The program (or the in-process operation's name).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// `ok`, `failed`, `skipped`, …
    pub status: String,
    /// Captured output (capped by the fixes crate).
    pub output: String,
}

/// One re-tested check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixVerifyCheck {
    /// Check id.
    pub id: String,
    /// `pass`, `warn`, `fail`, `skip`, `error`.
    pub status: String,
}

/// The re-test after a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixVerify {
    /// The addressed checks (and their dependencies).
    pub checks: Vec<FixVerifyCheck>,
    /// All of them pass.
    pub passed: bool,
}

/// Payload of `apply_fix`: the shape of `desksidectl fix apply --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FixResult {
    /// The fix.
    pub id: String,
    /// How it ended.
    pub outcome: FixOutcome,
    /// One sentence for the user.
    pub message: String,
    /// What ran.
    pub steps: Vec<FixStep>,
    /// The re-test, when the fix got that far.
    pub verify: Option<FixVerify>,
}

/// The fix engine for the current configuration.
///
/// # Errors
/// A broken configuration.
pub fn engine() -> Result<Engine, AgentError> {
    let loaded = crate::load_config()?;
    Ok(Engine::new(
        loaded.config,
        deskside_config::current_data_dir(),
    ))
}

/// The page's arguments, validated.
///
/// # Errors
/// [`AgentError::Fix`] (`fix.bad_argument`) for an interface name that is not one.
pub fn args_of(args: &FixArgs) -> Result<deskside_fixes::FixArgs, AgentError> {
    let mut out = deskside_fixes::FixArgs::default();
    if let Some(name) = args.interface.as_deref().filter(|n| !n.is_empty()) {
        out.interface = Some(InterfaceName::parse(name).map_err(AgentError::Fix)?);
    }
    Ok(out)
}

/// Every built-in fix and IT action, with whether it can run here now.
///
/// # Errors
/// A broken configuration.
pub async fn list() -> Result<Vec<FixInfo>, AgentError> {
    Ok(engine()?
        .list()
        .await
        .into_iter()
        .map(|f| FixInfo {
            id: f.id,
            title: f.title,
            explanation: f.explanation,
            addresses: f.addresses,
            elevation: f.elevation,
            auto: f.auto,
            available: f.available,
            reason: f.reason,
            kind: match f.kind {
                deskside_fix_engine::FixKind::Builtin => FixKind::Builtin,
                deskside_fix_engine::FixKind::Action => FixKind::Action,
            },
        })
        .collect())
}

/// What the fix would change; nothing is changed. A fix that cannot run here is an error
/// (`fix.not_applicable`) with the reason.
///
/// # Errors
/// An unknown fix, a bad argument, or a fix that cannot run here.
pub async fn preview(id: &str, args: &FixArgs) -> Result<FixPreview, AgentError> {
    let p = engine()?
        .preview(id, &args_of(args)?)
        .await
        .map_err(AgentError::Fix)?;
    if !p.available {
        return Err(AgentError::NotApplicable(sentence(
            p.reason
                .as_deref()
                .unwrap_or("This fix cannot run on this computer now"),
        )));
    }
    Ok(FixPreview {
        id: p.id,
        summary: p.summary,
        changes: p.changes,
        bytes: p.bytes,
        elevation: p.elevation,
    })
}

/// A step as the shells show it.
#[must_use]
pub fn step_dto(s: &StepResult) -> FixStep {
    FixStep {
        program: s.program.clone(),
        args: s.args.clone(),
        status: s.status.as_str().to_owned(),
        output: s.output.clone(),
    }
}

/// The engine's result as the UI shows it (the shape of `desksidectl fix apply --json`).
#[must_use]
pub fn result_dto(r: &ApplyResult) -> FixResult {
    let outcome = match r.outcome {
        Outcome::Fixed | Outcome::Undone => FixOutcome::Fixed,
        Outcome::NotFixed => FixOutcome::NotFixed,
        Outcome::Failed => FixOutcome::Failed,
        Outcome::Refused => FixOutcome::Refused,
    };
    // A refused fix never ran, so it has no re-test to show.
    let verify = (!r.verify.checks.is_empty()).then(|| FixVerify {
        checks: r
            .verify
            .checks
            .iter()
            .map(|c| FixVerifyCheck {
                id: c.id.clone(),
                status: c.status.as_str().to_owned(),
            })
            .collect(),
        passed: r.verify.passed,
    });
    FixResult {
        id: r.id.clone(),
        outcome,
        message: sentence(&r.message),
        steps: r.steps.iter().map(step_dto).collect(),
        verify,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_interface_from_the_page_is_refused_before_any_fix_runs() {
        let bad = FixArgs {
            interface: Some("eth0; rm -rf /".to_owned()),
        };
        assert_eq!(args_of(&bad).unwrap_err().code(), "fix.bad_argument");
        let good = FixArgs {
            interface: Some("eth0".to_owned()),
        };
        assert_eq!(
            args_of(&good)
                .unwrap()
                .interface
                .map(|i| i.as_str().to_owned()),
            Some("eth0".to_owned())
        );
        assert!(args_of(&FixArgs::default()).unwrap().interface.is_none());
    }

    #[test]
    fn errors_keep_the_crate_code() {
        let e = AgentError::Fix(deskside_fixes::FixError::NotInCatalogue {
            id: "net.bogus".into(),
        });
        assert_eq!(e.code(), "fix.not_in_catalogue");
        assert!(e.message().starts_with('`') || e.message().starts_with(char::is_uppercase));
        assert_eq!(
            AgentError::NotApplicable("No.".into()).code(),
            "fix.not_applicable"
        );
    }
}
