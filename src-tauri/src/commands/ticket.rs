//! The Get help commands, each a thin adapter over `deskside_agent::ticket` (options, the one
//! ticket policy, gathering, building and redacting, previews kept until sent once) and the
//! outbox adapter. The shell adds only what needs a desktop: its log folder, the clipboard,
//! and stepping the window aside for a screenshot.

use std::path::PathBuf;

use base64::Engine as _;
use deskside_agent::ticket::{self, Sources};
use tauri::{AppHandle, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::ipc::{
    IpcError, OutboxTicket, ScreenCapture, TicketDraft, TicketOptions, TicketPreview, sentence,
};
use crate::state::Shell;

/// How long the window stays hidden before the screen is captured.
const CAPTURE_SETTLE: std::time::Duration = std::time::Duration::from_millis(350);

/// Where tickets go, the categories, and which parts may be attached.
#[tauri::command]
#[specta::specta]
pub async fn get_ticket_options() -> Result<TicketOptions, IpcError> {
    let loaded = deskside_agent::load_config()?;
    Ok(ticket::options_for(&loaded.config, None))
}

/// Build and redact the ticket; returns exactly what `submit_ticket(preview_id)` sends.
#[tauri::command]
#[specta::specta]
pub async fn preview_ticket(app: AppHandle, draft: TicketDraft) -> Result<TicketPreview, IpcError> {
    let loaded = deskside_agent::load_config()?;
    let shell = app.state::<Shell>();
    let sources = Sources {
        last_report: shell.memory.health.report(),
        log_files: log_dir(&app).map_or_else(Vec::new, |d| ticket::newest_logs(&d)),
        managed_policy: ticket::managed_policy(&loaded),
    };
    Ok(ticket::preview(&loaded.config, &draft, &sources, &shell.memory.previews).await?)
}

/// Queue the previewed ticket durably and start delivering it.
#[tauri::command]
#[specta::specta]
pub async fn submit_ticket(app: AppHandle, preview_id: String) -> Result<OutboxTicket, IpcError> {
    let prepared = app.state::<Shell>().memory.previews.take(&preview_id)?;
    crate::outbox::enqueue(&app, prepared).await
}

/// The outbox, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_outbox() -> Result<Vec<OutboxTicket>, IpcError> {
    crate::outbox::list().await
}

/// Try a queued or failed ticket again now.
#[tauri::command]
#[specta::specta]
pub async fn retry_ticket(app: AppHandle, id: i64) -> Result<OutboxTicket, IpcError> {
    crate::outbox::retry(&app, id).await
}

/// Put the ticket on the clipboard as an email (the fallback when delivery failed).
#[tauri::command]
#[specta::specta]
pub async fn copy_ticket_as_email(app: AppHandle, id: i64) -> Result<String, IpcError> {
    let text = crate::outbox::as_email(id).await?;
    app.clipboard().write_text(text.clone()).map_err(|err| {
        IpcError::new(
            "outbox.clipboard",
            format!("The ticket could not be copied to the clipboard: {err}."),
        )
    })?;
    Ok(text)
}

/// Take a screenshot for the ticket: the window steps aside (hidden for the capture, shown
/// again after), the screen is captured by `deskside-capture`, and the PNG comes back for the
/// user to look at and consent to; nothing is kept. Refused when `tickets.forbid` has it.
#[tauri::command]
#[specta::specta]
pub async fn capture_screen(app: AppHandle) -> Result<ScreenCapture, IpcError> {
    let loaded = deskside_agent::load_config()?;
    if ticket::policy(&loaded.config)
        .forbid
        .contains(&deskside_evidence::Part::Screenshot)
    {
        return Err(IpcError::new(
            "capture.forbidden",
            "Your organisation does not accept screenshots in tickets.",
        ));
    }
    let desktop = deskside_capture::Desktop::from_env().ok_or_else(|| {
        IpcError::new(
            "capture.unavailable",
            "Deskside cannot take screenshots on this system. Take one with your usual tool and choose the image.",
        )
    })?;
    let window = app.get_webview_window(crate::window::MAIN);
    if let Some(w) = &window {
        let _ = w.hide();
        // Give the compositor time to repaint what was under the window.
        tokio::time::sleep(CAPTURE_SETTLE).await;
    }
    let shot = deskside_capture::capture(&desktop).await;
    if let Some(w) = &window {
        let _ = w.show();
        let _ = w.set_focus();
    }
    let shot =
        shot.map_err(|e| IpcError::new(format!("capture.{}", e.code()), sentence(&e.to_string())))?;
    Ok(ScreenCapture {
        png_base64: base64::engine::general_purpose::STANDARD.encode(&shot.png),
        width: shot.width,
        height: shot.height,
        scaled: shot.scaled,
    })
}

/// Deskside's log folder (tauri-plugin-log writes there).
fn log_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_log_dir().ok()
}
