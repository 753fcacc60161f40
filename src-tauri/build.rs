//! Generates Tauri's context (config, icons, embedded `ui/dist`) and the ACL manifest: the app's
//! own commands are declared here so `capabilities/main.json` can grant them one by one
//! (`allow-run-diagnosis`, …) and a command missing from the list cannot be called at all.

/// Every `#[tauri::command]` of `src/commands/`; keep in step with `commands::COMMANDS`
/// (a unit test compares them).
const COMMANDS: &[&str] = &[
    "run_diagnosis",
    "get_health",
    "get_device",
    "copy_device_info",
    "get_app_info",
    "list_fixes",
    "preview_fix",
    "apply_fix",
    "get_ticket_options",
    "preview_ticket",
    "submit_ticket",
    "list_outbox",
    "retry_ticket",
    "copy_ticket_as_email",
    "get_password_status",
    "check_new_password",
    "password_preflight",
    "change_password",
    "remember_password",
    "open_password_link",
];

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes)?;
    Ok(())
}
