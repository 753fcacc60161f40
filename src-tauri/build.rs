//! Generates Tauri's context (config, icons, embedded `ui/dist`) and the ACL manifest: the app's
//! own commands are declared here so `capabilities/main.json` can grant them one by one
//! (`allow-run-diagnosis`, …) and a command missing from the list cannot be called at all.

/// Every `#[tauri::command]` of `src/commands/` (the list `commands::COMMANDS` uses too).
const COMMANDS: &[&str] = include!("src/commands/names.rs");

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    println!("cargo:rerun-if-changed=src/commands/names.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes)?;
    Ok(())
}
