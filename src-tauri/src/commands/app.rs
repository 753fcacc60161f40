//! `get_app_info`: version, branding and config layers ([`deskside_config::load`]);
//! `get_managed_settings`: the Managed settings page (the policy in effect, like
//! `chrome://policy`).

use crate::config;
use crate::ipc::{AppInfo, IpcError, ManagedSettings};

/// Version, branding and where the config came from. Async so reading the config and the
/// logo happens off the main thread.
#[tauri::command]
#[specta::specta]
pub async fn get_app_info() -> Result<AppInfo, IpcError> {
    config::load().map(|loaded| config::app_info(&loaded))
}

/// The managed policy in effect: its sources, each key it sets with value, level, source and
/// what it overrode, and its errors (credentials `<redacted>`). Loaded fresh on every call, so
/// the page shows a policy change when it is opened again.
#[tauri::command]
#[specta::specta]
pub async fn get_managed_settings() -> Result<ManagedSettings, IpcError> {
    config::load().map(|loaded| deskside_agent::policy::managed_settings(&loaded))
}
