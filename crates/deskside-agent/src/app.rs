//! What the About screen and the branding show: the version, the organisation's branding (its
//! logo inlined as a `data:` URL, so the window's CSP needs no file access), the config layers
//! in effect, the keys IT locked, and the notes from loading.

use std::path::Path;

use base64::Engine as _;
use deskside_config::Loaded;
use serde::{Deserialize, Serialize};

/// A logo larger than this is not inlined (it would travel over IPC on every `get_app_info`).
const MAX_LOGO_BYTES: u64 = 512 * 1024;

/// Why a configured logo is not shown (a note, never an error).
#[derive(Debug, thiserror::Error)]
enum LogoError {
    #[error("not a .png or .svg file")]
    Kind,
    #[error("{size} bytes; a logo may be at most {MAX_LOGO_BYTES} bytes")]
    TooLarge { size: u64 },
    #[error("{0}")]
    Read(#[source] std::io::Error),
}

/// One config layer in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConfigLayer {
    /// `default`, `system`, `user`, `explicit` or `policy`.
    pub source: String,
    /// The file, when the layer has one.
    pub path: Option<String>,
}

/// IT's contact block (`branding.contact_*`), shown on Get help and with errors; every part
/// optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItContact {
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Self-service portal URL.
    pub portal: Option<String>,
    /// When IT can be reached, in the user's language.
    pub hours: Option<String>,
}

/// One support link (`branding.support_links`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SupportLink {
    /// What the link is called.
    pub title: String,
    /// The http(s) URL.
    pub url: String,
}

/// What the About screen and the branding need: payload of `get_app_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppInfo {
    /// Deskside's version.
    pub version: String,
    /// `branding.organization`, when set (in the user's language).
    pub organization: Option<String>,
    /// The app's name: `branding.product_name`, else "<organization> IT help", else "Deskside".
    pub product_name: String,
    /// `branding.accent_color` (`#rrggbb`).
    pub accent_color: String,
    /// `branding.logo_path` read into a `data:` URL (the CSP allows `img-src data:`); null when
    /// unset or unreadable (then a line in `notes` says why).
    pub logo_data_url: Option<String>,
    /// `branding.logo_dark_path` likewise, for the dark theme; null: use `logo_data_url`.
    pub logo_dark_data_url: Option<String>,
    /// IT's contact block; null when no `branding.contact_*` key is set.
    pub contact: Option<ItContact>,
    /// Support links for Get help.
    pub support_links: Vec<SupportLink>,
    /// The config layers in effect, lowest precedence first.
    pub layers: Vec<ConfigLayer>,
    /// Keys locked by a policy layer (managed by IT).
    pub managed_keys: Vec<String>,
    /// Notes from loading: ignored overrides and keys, warnings (plain HTTP allowed), an
    /// unreadable logo.
    pub notes: Vec<String>,
}

/// The app's name: `branding.product_name`, else "<organization> IT help", else "Deskside"
/// (the window's title and header).
#[must_use]
pub fn product_name(branding: &deskside_config::BrandingConfig) -> String {
    let set = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    set(&branding.product_name)
        .or_else(|| set(&branding.organization).map(|org| format!("{org} IT help")))
        .unwrap_or_else(|| "Deskside".to_owned())
}

/// IT's contact block, when any part of it is configured.
#[must_use]
pub fn contact(branding: &deskside_config::BrandingConfig) -> Option<ItContact> {
    let c = ItContact {
        phone: branding.contact_phone.clone(),
        email: branding.contact_email.clone(),
        portal: branding.contact_portal.clone(),
        hours: branding.contact_hours.clone(),
    };
    (c != ItContact::default()).then_some(c)
}

/// `branding.support_links` (`"title = url"`, checked when the config was loaded).
#[must_use]
pub fn support_links(branding: &deskside_config::BrandingConfig) -> Vec<SupportLink> {
    branding
        .support_links
        .iter()
        .filter_map(|entry| entry.split_once('='))
        .map(|(title, url)| SupportLink {
            title: title.trim().to_owned(),
            url: url.trim().to_owned(),
        })
        .collect()
}

/// The tray icon file for a health state (`ok`, `warning`, `problem`, `unknown`) in the folder
/// `branding.tray_icons`, when that is set; the shell falls back to its own icon when the file
/// is missing or not a PNG.
#[must_use]
pub fn tray_icon_path(
    branding: &deskside_config::BrandingConfig,
    state: &str,
) -> Option<std::path::PathBuf> {
    branding
        .tray_icons
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(|dir| Path::new(dir).join(format!("{state}.png")))
}

/// What `get_app_info` returns for a loaded config.
#[must_use]
pub fn app_info(loaded: &Loaded, version: &str) -> AppInfo {
    let branding = &loaded.config.branding;
    // Ignored keys (a user file re-pointing an admin-only key) and warnings (plain HTTP
    // allowed for a host) are both worth showing on the About screen.
    let mut notes = loaded.notes.clone();
    notes.extend(loaded.warnings.iter().cloned());
    // Policy values IT set that were dropped (bad value, untrusted file) are worth showing too.
    notes.extend(
        loaded
            .policy_errors
            .iter()
            .map(|e| format!("managed policy: {}", e.message)),
    );
    let mut logo = |key: &str, path: Option<&str>| {
        path.and_then(|p| match logo_data_url(Path::new(p)) {
            Ok(url) => Some(url),
            Err(why) => {
                notes.push(format!("branding.{key} {p}: {why}"));
                None
            }
        })
    };
    let logo_data_url = logo("logo_path", branding.logo_path.as_deref());
    let logo_dark_data_url = logo("logo_dark_path", branding.logo_dark_path.as_deref());
    AppInfo {
        version: version.to_owned(),
        organization: branding.organization.clone(),
        product_name: product_name(branding),
        accent_color: branding.accent_color.clone(),
        logo_data_url,
        logo_dark_data_url,
        contact: contact(branding),
        support_links: support_links(branding),
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

fn logo_data_url(path: &Path) -> Result<String, LogoError> {
    let mime = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => return Err(LogoError::Kind),
    };
    let size = std::fs::metadata(path).map_err(LogoError::Read)?.len();
    if size > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge { size });
    }
    let bytes = std::fs::read(path).map_err(LogoError::Read)?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(dir: &Path, text: &str) -> Result<Loaded, deskside_config::ConfigError> {
        let file = dir.join("deskside.toml");
        std::fs::write(&file, text).unwrap();
        deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some(file),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
    }

    #[test]
    fn app_info_inlines_the_logo_and_names_the_layers() {
        let dir = tempfile::tempdir().unwrap();
        let logo = dir.path().join("logo.svg");
        std::fs::write(&logo, "<svg/>").unwrap();
        let loaded = load_text(
            dir.path(),
            &format!(
                "[branding]\norganization = \"Acme IT Help\"\nlogo_path = '{}'\n",
                logo.display()
            ),
        )
        .unwrap();
        let info = app_info(&loaded, "0.1.0");
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
    fn branding_gives_the_name_contact_block_links_and_tray_icons() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_text(
            dir.path(),
            "[branding]\norganization = \"Acme\"\ncontact_email = \"it@corp.example\"\n\
             contact_hours = { default = \"Mon-Fri\", de = \"Mo-Fr\" }\n\
             support_links = [\"Status = https://status.corp.example/\"]\n\
             tray_icons = \"/usr/share/acme/tray\"\n",
        )
        .unwrap();
        let info = app_info(&loaded, "0.1.0");
        assert_eq!(info.product_name, "Acme IT help");
        let contact = info.contact.unwrap();
        assert_eq!(contact.email.as_deref(), Some("it@corp.example"));
        assert_eq!(contact.hours.as_deref(), Some("Mon-Fri"));
        assert_eq!(contact.phone, None);
        assert_eq!(
            info.support_links,
            [SupportLink {
                title: "Status".into(),
                url: "https://status.corp.example/".into()
            }]
        );
        assert_eq!(
            tray_icon_path(&loaded.config.branding, "warning"),
            Some(std::path::PathBuf::from("/usr/share/acme/tray/warning.png"))
        );
        let mut b = loaded.config.branding.clone();
        b.product_name = Some("Acme Help".into());
        assert_eq!(product_name(&b), "Acme Help");
        assert_eq!(
            product_name(&deskside_config::BrandingConfig::default()),
            "Deskside"
        );
        assert_eq!(contact_of_default(), None);
    }

    fn contact_of_default() -> Option<ItContact> {
        contact(&deskside_config::BrandingConfig::default())
    }

    #[test]
    fn locked_keys_and_dropped_policy_values_are_shown() {
        let mut policy = deskside_config::Layer::from_str(
            deskside_config::SourceKind::Policy,
            Some(Path::new("/etc/deskside/policies/managed/10.toml")),
            "[app]\nnotify = false\n",
        )
        .unwrap();
        policy.locked.insert("app.notify".into());
        let bad = deskside_config::Layer::from_str(
            deskside_config::SourceKind::Policy,
            Some(Path::new("/etc/deskside/policies/managed/20.toml")),
            "[app]\ncheck_interval_s = 5\n",
        )
        .unwrap();
        let loaded = deskside_config::load_layers(vec![policy, bad]).unwrap();
        let info = app_info(&loaded, "0.1.0");
        assert_eq!(info.managed_keys, ["app.notify"]);
        assert!(
            info.notes.iter().any(|n| n.starts_with(
                "managed policy: /etc/deskside/policies/managed/20.toml: key `app.check_interval_s`"
            )),
            "{:?}",
            info.notes
        );
    }

    #[test]
    fn unreadable_logo_is_a_note_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load_text(
            dir.path(),
            "[branding]\nlogo_path = \"/nonexistent/logo.png\"\n",
        )
        .unwrap();
        let info = app_info(&loaded, "0.1.0");
        assert_eq!(info.logo_data_url, None);
        assert!(info.notes.iter().any(|n| n.contains("logo_path")));
    }
}
