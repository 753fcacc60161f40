//! The Fix it commands, each one call into `deskside_agent::fix` (over `deskside-fix-engine`'s
//! `Engine`): the catalogue with availability, what a fix would change, and applying it with
//! its re-test. Fixes that need administrator rights go through the engine's own elevation path
//! (pkexec + the `deskside-elevate` helper on Linux): the shell never builds a command line.
//! Arguments from the page are validated by the fixes crate's types first.

use std::time::Duration;

use deskside_agent::fix::{self as agent, result_dto};
use deskside_fix_engine::FixEvent;
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;
use tokio::sync::mpsc;

use crate::ipc::{FixArgs, FixInfo, FixPreview, FixProgress, FixResult, IpcError};
use crate::state::Shell;

/// A report older than this is not handed to a fix as its "before": the engine re-runs the
/// addressed checks itself instead.
const FRESH_REPORT: Duration = Duration::from_secs(600);

/// Every built-in fix and IT action, with whether it can run here now.
#[tauri::command]
#[specta::specta]
pub async fn list_fixes() -> Result<Vec<FixInfo>, IpcError> {
    Ok(agent::list().await?)
}

/// What the fix would change; nothing is changed. A fix that cannot run here is an error
/// (`fix.not_applicable`) with the reason.
#[tauri::command]
#[specta::specta]
pub async fn preview_fix(id: String, args: FixArgs) -> Result<FixPreview, IpcError> {
    Ok(agent::preview(&id, &args).await?)
}

/// Apply the fix (asking for administrator approval when it needs it), then re-test the checks
/// it addresses. `FixProgress` events say when it started, each step as it ends, when the
/// re-test starts, and how it ended.
#[tauri::command]
#[specta::specta]
pub async fn apply_fix(app: AppHandle, id: String, args: FixArgs) -> Result<FixResult, IpcError> {
    let engine = agent::engine()?;
    let fix_args = agent::args_of(&args)?;
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
    let result = result.map_err(deskside_agent::AgentError::Fix)?;
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
            step: agent::step_dto(&step),
        }),
        FixEvent::Verifying => Some(FixProgress::Verifying {
            fix: fix.to_owned(),
        }),
        _ => None,
    }
}

fn emit(app: &AppHandle, event: FixProgress) {
    if let Err(err) = event.emit(app) {
        log::warn!("cannot emit FixProgress: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskside_fixes::{StepResult, StepStatus};

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
                    verify: deskside_fix_engine::VerifyResult::default()
                }
            )
            .is_none()
        );
    }
}
