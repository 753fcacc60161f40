//! `run_diagnosis`: [`deskside_diagnostics::diagnose`] with its progress streamed to the UI as
//! `DiagnosisProgress` events, and its verdict shown in the tray.

use deskside_diagnostics::{Category, Progress, Report};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;
use tokio::sync::mpsc;

use crate::config;
use crate::health::{Origin, publish};
use crate::ipc::{DiagnosisProgress, HealthState, IpcError};

/// Run the checks of `categories` (all when empty).
#[tauri::command]
#[specta::specta]
pub async fn run_diagnosis(app: AppHandle, categories: Vec<Category>) -> Result<Report, IpcError> {
    let loaded = config::load().inspect_err(|err| {
        publish(&app, HealthState::config_problem(err), None, Origin::Manual);
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
            app.state::<crate::state::Shell>().set_report(&report);
            publish(
                &app,
                HealthState::from_report(&report),
                None,
                Origin::Manual,
            );
            Ok(report)
        }
        Err(err) => {
            let err = IpcError::from(err);
            publish(&app, HealthState::cannot_run(&err), None, Origin::Manual);
            Err(err)
        }
    }
}
