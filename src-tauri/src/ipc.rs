//! Transport types of the IPC boundary (docs/ipc.md): the error every command returns, the
//! shell's own DTOs (`HealthState`, `AppInfo`) and the three events. Core types (`Report`,
//! `DeviceSnapshot`, …) cross the boundary as they are; everything here exists only because
//! the UI needs it. TypeScript twins are generated into `ui/src/lib/bindings.ts`.

use deskside_diagnostics::{CheckResult, DiagnoseError, Health, Progress, Report};
use serde::{Deserialize, Serialize};
use specta::Type;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What went wrong, for the UI: `code` is stable (`config.*`, `diagnose.collect`,
/// `device.clipboard`), `message` is a sentence for the employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// Stable code the UI may branch on.
    pub code: String,
    /// Plain-language explanation.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

impl From<deskside_config::ConfigError> for IpcError {
    fn from(err: deskside_config::ConfigError) -> Self {
        Self::new(
            err.code(),
            format!(
                "Deskside's configuration has a problem, so it cannot check this computer: {err}. Ask your IT team to fix the file."
            ),
        )
    }
}

impl From<DiagnoseError> for IpcError {
    fn from(err: DiagnoseError) -> Self {
        Self::new(err.code(), format!("Deskside {err}."))
    }
}

/// Overall health as the tray shows it; `unknown` until a check has run (or when it could
/// not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Not checked yet, or the check could not run.
    Unknown,
    /// Nothing fails or warns.
    Healthy,
    /// Something warns.
    Degraded,
    /// Something fails (or the configuration is broken).
    Broken,
}

impl From<Health> for HealthStatus {
    fn from(h: Health) -> Self {
        match h {
            Health::Healthy => Self::Healthy,
            Health::Degraded => Self::Degraded,
            Health::Broken => Self::Broken,
        }
    }
}

/// The last known health (background or manual run): payload of `get_health` and
/// `HealthChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct HealthState {
    /// Overall status.
    pub status: HealthStatus,
    /// One sentence: the tray tooltip and the home screen's headline.
    pub headline: String,
    /// Root-cause check id (`net.dns`), or the config error code (`config.syntax`) when the
    /// configuration is broken; null when healthy or unknown.
    pub root_cause: Option<String>,
    /// When this was determined (RFC 3339 UTC); null before the first check.
    pub checked_at: Option<String>,
}

impl HealthState {
    /// Before the first check.
    #[must_use]
    pub fn unknown() -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: "Deskside has not checked this computer yet.".to_owned(),
            root_cause: None,
            checked_at: None,
        }
    }

    /// The verdict of a diagnosis.
    #[must_use]
    pub fn from_report(report: &Report) -> Self {
        Self {
            status: report.diagnosis.status.into(),
            headline: report.diagnosis.headline.clone(),
            root_cause: report.diagnosis.root_cause.clone(),
            checked_at: Some(report.started_at.clone()),
        }
    }

    /// The configuration could not be loaded: shown as a problem, named by its code.
    #[must_use]
    pub fn config_problem(err: &IpcError) -> Self {
        Self {
            status: HealthStatus::Broken,
            headline: "Deskside's configuration has a problem.".to_owned(),
            root_cause: Some(err.code.clone()),
            checked_at: Some(now_rfc3339()),
        }
    }

    /// A diagnosis could not run at all (says nothing about the machine).
    #[must_use]
    pub fn cannot_run(err: &IpcError) -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: err.message.clone(),
            root_cause: None,
            checked_at: Some(now_rfc3339()),
        }
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// One config layer in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ConfigLayer {
    /// `default`, `system`, `user`, `explicit` or `policy`.
    pub source: String,
    /// The file, when the layer has one.
    pub path: Option<String>,
}

/// What the About screen and the branding need: payload of `get_app_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AppInfo {
    /// Deskside's version.
    pub version: String,
    /// `branding.organization`, when set.
    pub organization: Option<String>,
    /// `branding.accent_color` (`#rrggbb`).
    pub accent_color: String,
    /// `branding.logo_path` read into a `data:` URL (the CSP allows `img-src data:`); null when
    /// unset or unreadable (then a line in `notes` says why).
    pub logo_data_url: Option<String>,
    /// The config layers in effect, lowest precedence first.
    pub layers: Vec<ConfigLayer>,
    /// Keys locked by a policy layer (managed by IT).
    pub managed_keys: Vec<String>,
    /// Notes from loading: ignored overrides, an unreadable logo.
    pub notes: Vec<String>,
}

/// A screen of the UI the shell can ask for (tray menu, `--screen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Screen {
    /// Health at a glance.
    Home,
    /// The check list of a run.
    Diagnostics,
    /// The device snapshot.
    Device,
    /// Getting help.
    Help,
    /// Version, config layers, managed keys.
    About,
}

impl Screen {
    /// Lower-case name, as in the payload and the hash route of a new window (`#/help`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Diagnostics => "diagnostics",
            Self::Device => "device",
            Self::Help => "help",
            Self::About => "about",
        }
    }
}

/// Live progress of `run_diagnosis`.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DiagnosisProgress {
    /// These checks are about to run (ids, catalog order).
    Planned {
        /// Check ids.
        ids: Vec<String>,
    },
    /// One check finished.
    Finished {
        /// Its result.
        check: CheckResult,
    },
}

impl From<Progress> for DiagnosisProgress {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Planned(ids) => Self::Planned { ids },
            Progress::Finished(check) => Self::Finished { check },
        }
    }
}

/// The tray health changed (after every background or manual check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct HealthChanged(pub HealthState);

/// The tray menu asks the open window to show a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct Navigate {
    /// The screen.
    pub screen: Screen,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_health_serialize_as_the_ipc_doc_says() {
        let p = DiagnosisProgress::from(Progress::Planned(vec!["net.dns".into()]));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"kind": "planned", "ids": ["net.dns"]})
        );
        let h = HealthChanged(HealthState::unknown());
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["status"], "unknown");
        assert_eq!(v["root_cause"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(Navigate {
                screen: Screen::Help
            })
            .unwrap(),
            serde_json::json!({"screen": "help"})
        );
    }

    #[test]
    fn config_errors_keep_their_code() {
        let err = deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some("/nonexistent/deskside.toml".into()),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .unwrap_err();
        let ipc = IpcError::from(err);
        assert_eq!(ipc.code, "config.unreadable");
        let h = HealthState::config_problem(&ipc);
        assert_eq!(h.status, HealthStatus::Broken);
        assert_eq!(h.root_cause.as_deref(), Some("config.unreadable"));
    }
}
