//! The Fix it commands, each one call into `deskside-fixes`' [`Engine`]: the catalogue with
//! availability ([`Engine::list`]), what a fix would change ([`Engine::preview`]), and applying
//! it with its re-test ([`Engine::apply`]). Fixes that need administrator rights go through the
//! engine's own elevation path (pkexec + the `deskside-elevate` helper on Linux): the shell never
//! builds a command line. Arguments from the page are validated by the crate's types first.

use std::time::Duration;

use deskside_fixes::{ApplyResult, Engine, FixError, FixEvent, InterfaceName, Outcome, StepResult};
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;
use tokio::sync::mpsc;

use crate::config;
use crate::ipc::{
    FixArgs, FixInfo, FixKind, FixOutcome, FixPreview, FixProgress, FixResult, FixStep, FixVerify,
    FixVerifyCheck, IpcError, sentence,
};
use crate::state::Shell;

/// A report older than this is not handed to a fix as its "before": the engine re-runs the
/// addressed checks itself instead.
const FRESH_REPORT: Duration = Duration::from_secs(600);

fn engine() -> Result<Engine, IpcError> {
    let loaded = config::load()?;
    Ok(Engine::new(
        loaded.config,
        deskside_config::current_data_dir(),
    ))
}

/// A fixes-crate error as it crosses IPC: its stable code and its sentence.
#[must_use]
pub fn fix_error(err: &FixError) -> IpcError {
    IpcError::new(err.code(), sentence(&err.to_string()))
}

fn args_of(args: &FixArgs) -> Result<deskside_fixes::FixArgs, IpcError> {
    let mut out = deskside_fixes::FixArgs::default();
    if let Some(name) = args.interface.as_deref().filter(|n| !n.is_empty()) {
        out.interface = Some(InterfaceName::parse(name).map_err(|e| fix_error(&e))?);
    }
    Ok(out)
}

/// Every built-in fix and IT action, with whether it can run here now.
#[tauri::command]
#[specta::specta]
pub async fn list_fixes() -> Result<Vec<FixInfo>, IpcError> {
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
                deskside_fixes::FixKind::Builtin => FixKind::Builtin,
                deskside_fixes::FixKind::Action => FixKind::Action,
            },
        })
        .collect())
}

/// What the fix would change; nothing is changed. A fix that cannot run here is an error
/// (`fix.not_applicable`) with the reason.
#[tauri::command]
#[specta::specta]
pub async fn preview_fix(id: String, args: FixArgs) -> Result<FixPreview, IpcError> {
    let p = engine()?
        .preview(&id, &args_of(&args)?)
        .await
        .map_err(|e| fix_error(&e))?;
    if !p.available {
        return Err(IpcError::new(
            "fix.not_applicable",
            sentence(
                p.reason
                    .as_deref()
                    .unwrap_or("This fix cannot run on this computer now"),
            ),
        ));
    }
    Ok(FixPreview {
        id: p.id,
        summary: p.summary,
        changes: p.changes,
        bytes: p.bytes,
        elevation: p.elevation,
    })
}

/// Apply the fix (asking for administrator approval when it needs it), then re-test the checks
/// it addresses. `FixProgress` events say when it started, each step as it ends, when the
/// re-test starts, and how it ended.
#[tauri::command]
#[specta::specta]
pub async fn apply_fix(app: AppHandle, id: String, args: FixArgs) -> Result<FixResult, IpcError> {
    let engine = engine()?;
    let fix_args = args_of(&args)?;
    let before = app.state::<Shell>().report_within(FRESH_REPORT);
    emit(&app, FixProgress::Started { fix: id.clone() });
    log::info!("applying fix {id}");
    let (tx, mut rx) = mpsc::unbounded_channel::<FixEvent>();
    let forwarder = {
        let app = app.clone();
        let fix = id.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(event) = rx.recv().await {
                if let Some(p) = progress_of(&fix, event) {
                    emit(&app, p);
                }
            }
        })
    };
    let result = engine
        .apply_with_progress(&id, &fix_args, before.as_ref(), Some(tx))
        .await;
    // The sender went with the run: every step is out before `done` and the answer.
    if let Err(err) = forwarder.await {
        log::warn!("fix progress forwarder: {err}");
    }
    let result = result.map_err(|e| fix_error(&e))?;
    let dto = result_dto(&result);
    log::info!("fix {id}: {:?}", result.outcome);
    emit(
        &app,
        FixProgress::Done {
            fix: id,
            outcome: dto.outcome,
        },
    );
    Ok(dto)
}

/// An engine event as the UI's `FixProgress`. The UI lists finished steps and shows a
/// "re-testing" state; a step's start and the re-test's end have no event of their own there
/// (the step's line and `done` follow them).
#[must_use]
pub fn progress_of(fix: &str, event: FixEvent) -> Option<FixProgress> {
    match event {
        FixEvent::StepFinished { step } => Some(FixProgress::Step {
            fix: fix.to_owned(),
            step: step_dto(&step),
        }),
        FixEvent::Verifying => Some(FixProgress::Verifying {
            fix: fix.to_owned(),
        }),
        _ => None,
    }
}

fn step_dto(s: &StepResult) -> FixStep {
    FixStep {
        program: s.program.clone(),
        args: s.args.clone(),
        status: s.status.as_str().to_owned(),
        output: s.output.clone(),
    }
}

fn emit(app: &AppHandle, event: FixProgress) {
    if let Err(err) = event.emit(app) {
        log::warn!("cannot emit FixProgress: {err}");
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
    use deskside_fixes::StepStatus;

    #[test]
    fn a_bad_interface_from_the_page_is_refused_before_any_fix_runs() {
        let bad = FixArgs {
            interface: Some("eth0; rm -rf /".to_owned()),
        };
        assert_eq!(args_of(&bad).unwrap_err().code, "fix.bad_argument");
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
    fn engine_events_become_the_ui_progress_events() {
        let step = StepResult {
            program: "deskside".to_owned(),
            args: vec!["clear".to_owned()],
            status: StepStatus::Ok,
            output: "Removed 2 files".to_owned(),
        };
        let started = FixEvent::StepStarted {
            program: step.program.clone(),
            args: step.args.clone(),
        };
        assert!(progress_of("disk.clear_temp", started).is_none());
        let done = progress_of("disk.clear_temp", FixEvent::StepFinished { step }).unwrap();
        assert_eq!(
            serde_json::to_value(done).unwrap(),
            serde_json::json!({"kind": "step", "fix": "disk.clear_temp", "step": {
                "program": "deskside", "args": ["clear"], "status": "ok", "output": "Removed 2 files"}})
        );
        let v = progress_of("disk.clear_temp", FixEvent::Verifying).unwrap();
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            serde_json::json!({"kind": "verifying", "fix": "disk.clear_temp"})
        );
        assert!(
            progress_of(
                "disk.clear_temp",
                FixEvent::VerifyFinished {
                    verify: deskside_fixes::VerifyResult::default()
                }
            )
            .is_none()
        );
    }

    #[test]
    fn errors_keep_the_crate_code() {
        let e = fix_error(&FixError::NotInCatalogue {
            id: "net.bogus".into(),
        });
        assert_eq!(e.code, "fix.not_in_catalogue");
        assert!(e.message.starts_with('`') || e.message.starts_with(char::is_uppercase));
    }
}
