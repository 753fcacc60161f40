//! `get_health`: the last known health, from the agent's memory (no core call).

use tauri::State;

use crate::ipc::HealthState;
use crate::state::Shell;

/// The last background or manual result (`unknown` before the first).
#[tauri::command]
#[specta::specta]
pub fn get_health(shell: State<'_, Shell>) -> HealthState {
    shell.health()
}
