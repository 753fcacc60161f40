//! `get_app_info`: version, branding and config layers ([`deskside_config::load`]).

use crate::config;
use crate::ipc::{AppInfo, IpcError};

/// Version, branding and where the config came from. Async so reading the config and the
/// logo happens off the main thread.
#[tauri::command]
#[specta::specta]
pub async fn get_app_info() -> Result<AppInfo, IpcError> {
    config::load().map(|loaded| config::app_info(&loaded))
}
