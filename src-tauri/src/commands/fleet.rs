//! `get_known_issues`: what IT's Deskside server knows — the known issue that explains the
//! last diagnosis and every announcement — for the Diagnostics and Get help screens
//! (`deskside_agent::fleet::known_issues_view`; never an error when the server is away).

use deskside_agent::fleet::KnownIssuesView;
use tauri::State;

use crate::ipc::IpcError;
use crate::state::Shell;

/// The known issues, matched against the last diagnosis.
#[tauri::command]
#[specta::specta]
pub async fn get_known_issues(shell: State<'_, Shell>) -> Result<KnownIssuesView, IpcError> {
    let loaded = deskside_agent::load_config()?;
    let root_cause = shell
        .memory
        .health
        .report()
        .and_then(|r| r.diagnosis.root_cause);
    Ok(deskside_agent::fleet::known_issues_view(&loaded.config, root_cause.as_deref()).await)
}
