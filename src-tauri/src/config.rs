//! Loading the layered config for the shell, and turning it into what the UI shows
//! ([`AppInfo`]). Loaded fresh for every diagnosis and every `get_app_info`, so an edited
//! file takes effect without a restart; a broken file becomes an [`IpcError`] (and a problem
//! state in the tray), never a crash.

use std::path::Path;

use base64::Engine as _;
use deskside_config::Loaded;
use deskside_device::SnapshotOptions;

use crate::ipc::{AppInfo, ConfigLayer, IpcError};

/// A logo larger than this is not inlined (it would travel over IPC on every `get_app_info`).
const MAX_LOGO_BYTES: u64 = 512 * 1024;

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

/// What `get_app_info` returns for a loaded config.
#[must_use]
pub fn app_info(loaded: &Loaded) -> AppInfo {
    let branding = &loaded.config.branding;
    let mut notes = loaded.notes.clone();
    let logo_data_url =
        branding
            .logo_path
            .as_deref()
            .and_then(|p| match logo_data_url(Path::new(p)) {
                Ok(url) => Some(url),
                Err(why) => {
                    notes.push(format!("branding.logo_path {p}: {why}"));
                    None
                }
            });
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        organization: branding.organization.clone(),
        accent_color: branding.accent_color.clone(),
        logo_data_url,
        layers: loaded
            .layers
            .iter()
            .map(|s| ConfigLayer {
                source: s.kind.as_str().to_owned(),
                path: s.path.as_ref().map(|p| p.display().to_string()),
            })
            .collect(),
        managed_keys: loaded
            .provenance
            .iter()
            .filter(|(_, p)| p.locked)
            .map(|(k, _)| k.clone())
            .collect(),
        notes,
    }
}

fn logo_data_url(path: &Path) -> Result<String, String> {
    let mime = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => return Err("not a .png or .svg file".to_owned()),
    };
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_LOGO_BYTES {
        return Err(format!(
            "{size} bytes; a logo may be at most {MAX_LOGO_BYTES} bytes"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(dir: &Path, text: &str) -> Result<Loaded, IpcError> {
        let file = dir.join("deskside.toml");
        std::fs::write(&file, text).unwrap();
        deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some(file),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .map_err(|e| IpcError::from(deskside_agent::AgentError::from(e)))
    }

    #[test]
    fn app_info_inlines_the_logo_and_names_the_layers() {
        let dir = tempfile::tempdir().unwrap();
        let logo = dir.path().join("logo.svg");
        std::fs::write(&logo, "<svg/>").unwrap();
        let loaded = load_text(
            dir.path(),
            &format!(
                "[branding]\norganization = \"Acme IT Help\"\nlogo_path = \"{}\"\n",
                logo.display()
            ),
        )
        .unwrap();
        let info = app_info(&loaded);
        assert_eq!(info.organization.as_deref(), Some("Acme IT Help"));
        assert_eq!(
            info.logo_data_url.as_deref(),
            Some("data:image/svg+xml;base64,PHN2Zy8+")
        );
        assert_eq!(
            info.layers.first().map(|l| l.source.as_str()),
            Some("default")
        );
        assert!(info.layers.iter().any(|l| l.source == "explicit"));
        assert!(info.managed_keys.is_empty());
    }

    #[test]
    fn unreadable_logo_is_a_note_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_text(
            dir.path(),
            "[branding]\nlogo_path = \"/nonexistent/logo.png\"\n",
        )
        .unwrap();
        let info = app_info(&loaded);
        assert_eq!(info.logo_data_url, None);
        assert!(info.notes.iter().any(|n| n.contains("logo_path")));
    }

    #[test]
    fn bad_config_is_an_ipc_error_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_text(dir.path(), "[app]\ncheck_intervall_s = 5\n").unwrap_err();
        assert_eq!(err.code, "config.unknown_key");
        assert!(err.message.contains("check_intervall_s"));
    }
}
