//! `get_device` and `copy_device_info`: the device snapshot ([`deskside_device::snapshot_with`]),
//! as data or as the plain text put on the clipboard for a helpdesk chat.

use deskside_device::{DeviceSnapshot, render_text, snapshot_with};
use tauri::AppHandle;
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::config;
use crate::ipc::IpcError;

/// This device's snapshot (never fails as a whole: unreadable parts are listed in `notes`).
#[tauri::command]
#[specta::specta]
pub async fn get_device() -> Result<DeviceSnapshot, IpcError> {
    Ok(snapshot_with(&config::snapshot_options()).await)
}

/// Put the device info as text on the clipboard and return that text.
#[tauri::command]
#[specta::specta]
pub async fn copy_device_info(app: AppHandle) -> Result<String, IpcError> {
    let text = render_text(&snapshot_with(&config::snapshot_options()).await);
    app.clipboard().write_text(text.clone()).map_err(|err| {
        IpcError::new(
            "device.clipboard",
            format!("The device information could not be copied to the clipboard: {err}."),
        )
    })?;
    Ok(text)
}
