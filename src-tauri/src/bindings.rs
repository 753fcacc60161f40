//! The typed IPC surface for tauri-specta: which commands and events exist, and how they are
//! rendered into `ui/src/lib/bindings.ts`. The same builder serves the running app (invoke
//! handler, event registry) and the exporter, so the file cannot describe another app.
//!
//! Regenerate: `cargo test -p deskside-app export_bindings`. CI runs it with
//! `DESKSIDE_BINDINGS_CHECK=1`, which compares instead of writing and fails on drift.

use std::path::PathBuf;

use specta_typescript::{BigIntExportBehavior, Typescript};
use tauri_specta::{collect_commands, collect_events};

use crate::commands::{app, device, diagnose, fix, fleet, health, password, ticket};
use crate::ipc::{
    AppInfoChanged, DiagnosisProgress, FixProgress, HealthChanged, Navigate, OutboxChanged,
    PasswordStatusChanged,
};

/// Header of the generated file.
/// (The file imports helpers it may not use; the checks are for its consumers.)
const HEADER: &str = "// Generated from src-tauri by `cargo test -p deskside-app export_bindings`. Do not edit.\n// @ts-nocheck\n/* eslint-disable */\n";

/// Commands and events of the app.
#[must_use]
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            diagnose::run_diagnosis,
            health::get_health,
            device::get_device,
            device::copy_device_info,
            app::get_app_info,
            app::get_managed_settings,
            fix::list_fixes,
            fix::preview_fix,
            fix::apply_fix,
            ticket::get_ticket_options,
            ticket::preview_ticket,
            ticket::submit_ticket,
            ticket::list_outbox,
            ticket::retry_ticket,
            ticket::copy_ticket_as_email,
            ticket::capture_screen,
            password::get_password_status,
            password::check_new_password,
            password::password_preflight,
            password::change_password,
            password::remember_password,
            password::open_password_link,
            password::reset_start,
            password::reset_code,
            password::reset_complete,
            fleet::get_known_issues,
        ])
        .events(collect_events![
            DiagnosisProgress,
            HealthChanged,
            Navigate,
            FixProgress,
            OutboxChanged,
            PasswordStatusChanged,
            AppInfoChanged
        ])
}

/// The TypeScript exporter. Byte counts and durations are `u64` in Rust; they are far below
/// 2^53, so they are plain `number`s in TypeScript (JSON carries them as numbers anyway).
#[must_use]
pub fn typescript() -> Typescript {
    Typescript::default()
        .header(HEADER)
        .bigint(BigIntExportBehavior::Number)
}

/// Where the bindings live: `ui/src/lib/bindings.ts`.
#[must_use]
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

/// The bindings' text.
///
/// # Errors
/// When a type cannot be expressed in TypeScript.
pub fn render() -> Result<String, specta_typescript::ExportError> {
    builder().export_str(typescript())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `ui/src/lib/bindings.ts`, or with `DESKSIDE_BINDINGS_CHECK=1` fails when the
    /// committed file differs from what the Rust types say.
    #[test]
    fn export_bindings() {
        let text = render().unwrap();
        let path = path();
        if std::env::var("DESKSIDE_BINDINGS_CHECK").is_ok_and(|v| v == "1") {
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed != text {
                let line = committed
                    .lines()
                    .zip(text.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(
                        || committed.lines().count().min(text.lines().count()) + 1,
                        |i| i + 1,
                    );
                panic!(
                    "{} is out of date (first difference at line {line}): run \
                     `cargo test -p deskside-app export_bindings` and commit the result",
                    path.display()
                );
            }
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, &text).unwrap();
            }
        }
    }

    #[test]
    fn bindings_name_every_command_and_event() {
        let text = render().unwrap();
        for name in [
            "runDiagnosis",
            "getHealth",
            "getDevice",
            "copyDeviceInfo",
            "getAppInfo",
            "getManagedSettings",
            "diagnosisProgress",
            "healthChanged",
            "navigate",
            "listFixes",
            "applyFix",
            "previewTicket",
            "submitTicket",
            "changePassword",
            "fixProgress",
            "outboxChanged",
            "passwordStatus",
        ] {
            assert!(text.contains(name), "{name} missing from the bindings");
        }
        assert_eq!(
            crate::commands::COMMANDS
                .iter()
                .filter(|c| text.contains(&format!("TAURI_INVOKE(\"{c}\"")))
                .count(),
            crate::commands::COMMANDS.len()
        );
    }
}
