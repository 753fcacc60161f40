//! Loading the layered config for the shell, and turning it into what the UI shows
//! ([`AppInfo`]). Loaded fresh for every diagnosis and every `get_app_info`, so an edited
//! file takes effect without a restart; a broken file becomes an [`IpcError`] (and a problem
//! state in the tray), never a crash.

use deskside_config::Loaded;
use deskside_device::SnapshotOptions;

use crate::ipc::{AppInfo, IpcError};

/// Load the config from the usual layers (`DESKSIDE_CONFIG`, `DESKSIDE_SYSTEM_CONFIG` and
/// `DESKSIDE_USER_CONFIG` override the paths).
///
/// # Errors
/// The config error, with its stable `config.*` code.
pub fn load() -> Result<Loaded, IpcError> {
    Ok(deskside_agent::load_config()?)
}

/// Device-snapshot options from the config; the defaults when the config is broken (a
/// snapshot is still worth having then).
#[must_use]
pub fn snapshot_options() -> SnapshotOptions {
    match load() {
        Ok(loaded) => SnapshotOptions {
            vpn_patterns: loaded.config.vpn.interfaces,
        },
        Err(_) => SnapshotOptions::default(),
    }
}

/// What `get_app_info` returns for a loaded config (the app's version).
#[must_use]
pub fn app_info(loaded: &Loaded) -> AppInfo {
    deskside_agent::app::app_info(loaded, env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_config_is_an_ipc_error_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("deskside.toml");
        std::fs::write(&file, "[app]\ncheck_intervall_s = 5\n").unwrap();
        let err = deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some(file),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .map_err(|e| IpcError::from(deskside_agent::AgentError::from(e)))
        .unwrap_err();
        assert_eq!(err.code, "config.unknown_key");
        assert!(err.message.contains("check_intervall_s"));
    }
}
