//! `run_diagnosis`: [`deskside_diagnostics::diagnose`] with its progress streamed to the UI as
//! `DiagnosisProgress` events; its verdict is published through the agent's health book (the
//! tray repaints, the cause counts as announced).

use deskside_agent::AgentError;
use deskside_agent::health::{HealthState, Origin};
use deskside_diagnostics::{Category, Progress, Report};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc;

use crate::announce::Tray;
use crate::ipc::{DiagnosisProgress, IpcError};
use crate::state::Shell;

/// Run the checks of `categories` (all when empty).
#[tauri::command]
#[specta::specta]
pub async fn run_diagnosis(app: AppHandle, categories: Vec<Category>) -> Result<Report, IpcError> {
    let shell = app.state::<Shell>();
    let tray = Tray(app.clone());
    let loaded = deskside_agent::load_config().inspect_err(|err| {
        let state = HealthState::config_problem(&err.code());
        shell
            .memory
            .health
            .publish(&tray, state, None, Origin::Manual);
    })?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Progress>();
    let forwarder = {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            while let Some(p) = rx.recv().await {
                if let Err(err) = DiagnosisProgress::from(p).emit(&app) {
                    log::warn!("cannot emit DiagnosisProgress: {err}");
                }
            }
        })
    };
    let result = deskside_diagnostics::diagnose(loaded.config, &categories, Some(tx)).await;
    // The sender is gone with the run: wait until every progress event is out, so the UI
    // sees all of them before the command's answer.
    if let Err(err) = forwarder.await {
        log::warn!("progress forwarder: {err}");
    }
    match result {
        Ok(report) => {
            shell
                .memory
                .health
                .publish_report(&tray, &report, Origin::Manual);
            Ok(report)
        }
        Err(err) => {
            let err = AgentError::Diagnose(err);
            let state = HealthState::cannot_run(&err.message());
            shell
                .memory
                .health
                .publish(&tray, state, None, Origin::Manual);
            Err(err.into())
        }
    }
}
