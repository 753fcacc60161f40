//! Managed policy (MDM), in two levels like Chromium's: **mandatory** policy locks every key it
//! sets (no file can change it), **recommended** policy is IT's default, which the user's own
//! file may still change. Precedence: built-in < system file < recommended < user file <
//! explicit file < mandatory.
//!
//! | OS | mandatory | recommended |
//! | --- | --- | --- |
//! | Linux | `/etc/deskside/policies/managed/*.toml` | `/etc/deskside/policies/recommended/*.toml` |
//! | Windows | `HKLM\SOFTWARE\Policies\Deskside`, then `HKCU\…` | the `Recommended` subkey of each |
//! | macOS | `/Library/Managed Preferences/<bundle id>.plist`, then `/Library/Managed Preferences/<user>/<bundle id>.plist` | the `Recommended` dictionary inside them |
//!
//! Each source becomes one [`Layer`] of kind [`SourceKind::Policy`] (mandatory) or
//! [`SourceKind::Recommended`]. A file or key that cannot be trusted or read is refused with an
//! error naming it; a bad value drops that key only. Neither stops the load: the errors end up
//! in [`crate::Loaded::policy_errors`]. Reading the OS (directory listing, registry, plist files)
//! is thin; the mappings from registry values and property lists to keys are pure functions,
//! tested with fixtures on any OS.

use std::path::PathBuf;

use crate::error::ConfigError;
use crate::layer::{Layer, SourceKind};

pub mod linux;
pub mod macos;
mod watch;
pub mod windows;

pub use watch::{PolicyWatch, fingerprint};

/// The two levels of policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyLevel {
    /// Locks every key it sets.
    Mandatory,
    /// A default the user may override.
    Recommended,
}

impl PolicyLevel {
    /// The layer kind of this level.
    #[must_use]
    pub fn kind(self) -> SourceKind {
        match self {
            Self::Mandatory => SourceKind::Policy,
            Self::Recommended => SourceKind::Recommended,
        }
    }

    /// `mandatory` or `recommended`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mandatory => "mandatory",
            Self::Recommended => "recommended",
        }
    }
}

/// Where managed policy is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicySources {
    /// No policy (tests, and callers that only want the files).
    None,
    /// Linux: `<root>/managed/*.toml` (mandatory) and `<root>/recommended/*.toml`.
    LinuxDir(PathBuf),
    /// Windows: `HKLM` and `HKCU` `SOFTWARE\Policies\Deskside` (and `\Recommended`).
    WindowsRegistry,
    /// macOS managed preferences: `<dir>/<bundle id>.plist`, then `<dir>/<user>/<bundle id>.plist`.
    MacManagedPreferences {
        /// Normally `/Library/Managed Preferences`.
        dir: PathBuf,
        /// The login name whose per-user managed preferences apply.
        user: Option<String>,
    },
}

/// The Linux policy folder.
pub const LINUX_POLICY_ROOT: &str = "/etc/deskside/policies";
/// The macOS managed preferences folder.
pub const MACOS_MANAGED_PREFERENCES: &str = "/Library/Managed Preferences";
/// The bundle identifier policy is keyed by on macOS (the app's identifier).
pub const MACOS_BUNDLE_ID: &str = "dev.deskside.tray";

impl PolicySources {
    /// The OS's policy locations; `env` gives the login name on macOS (`USER`).
    #[must_use]
    pub fn for_os(os: crate::Os, env: &dyn Fn(&str) -> Option<String>) -> Self {
        match os {
            crate::Os::Linux => Self::LinuxDir(PathBuf::from(LINUX_POLICY_ROOT)),
            crate::Os::Windows => Self::WindowsRegistry,
            crate::Os::Macos => Self::MacManagedPreferences {
                dir: PathBuf::from(MACOS_MANAGED_PREFERENCES),
                user: env("USER").filter(|u| valid_login(u)),
            },
        }
    }
}

/// A login name that is safe as one path component.
fn valid_login(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

/// What reading policy produced: the layers, in precedence order within each level, and the
/// sources or values refused.
#[derive(Debug, Default)]
pub struct PolicyRead {
    /// One layer per source that could be read.
    pub layers: Vec<Layer>,
    /// Files refused (ownership, size, syntax) and values dropped.
    pub errors: Vec<ConfigError>,
}

impl PolicyRead {
    /// Adds a layer read with `errors`; a mandatory layer locks every key it sets.
    pub(crate) fn push(&mut self, mut layer: Layer, errors: Vec<ConfigError>) {
        for e in &errors {
            if let Some(key) = e.key() {
                layer.locked.remove(key);
            }
        }
        self.errors.extend(errors);
        if layer.source.kind == SourceKind::Policy {
            lock_all(&mut layer);
        }
        self.layers.push(layer);
    }
}

/// Locks every key a layer sets: what mandatory policy means.
pub fn lock_all(layer: &mut Layer) {
    for (section, values) in &layer.table {
        for (name, _) in values.as_table().into_iter().flatten() {
            layer.locked.insert(format!("{section}.{name}"));
        }
    }
}

/// Reads the policy of `sources`. Never fails: what cannot be read is an error in the result.
#[must_use]
pub fn read(sources: &PolicySources) -> PolicyRead {
    match sources {
        PolicySources::None => PolicyRead::default(),
        PolicySources::LinuxDir(root) => linux::read(root),
        PolicySources::WindowsRegistry => windows::read_registry(),
        PolicySources::MacManagedPreferences { dir, user } => {
            macos::read_managed_preferences(dir, user.as_deref())
        }
    }
}

/// What `desksidectl policy check` found in a policy given as a file or folder.
#[derive(Debug)]
pub struct PolicyCheck {
    /// The policy applied over the built-in defaults alone.
    pub loaded: crate::Loaded,
    /// Every problem: files or values that could not be read, values dropped, merge errors.
    pub errors: Vec<crate::PolicyIssue>,
}

/// Lints a policy offline with the same readers and validator the agent uses, without the
/// ownership rule (an admin checks a file before deploying it): a `.reg` export, a
/// `.mobileconfig`, a managed-preferences `.plist`, a policy `.toml` (mandatory), or a folder
/// (`managed/` and `recommended/` inside it when present, else its `*.toml` as mandatory).
///
/// # Errors
/// The path cannot be read at all.
pub fn check_path(path: &std::path::Path) -> Result<PolicyCheck, ConfigError> {
    let mut read = PolicyRead::default();
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_dir() {
        let managed = path.join(linux::folder(PolicyLevel::Mandatory));
        let recommended = path.join(linux::folder(PolicyLevel::Recommended));
        if managed.is_dir() || recommended.is_dir() {
            check_folder(&managed, PolicyLevel::Mandatory, &mut read)?;
            check_folder(&recommended, PolicyLevel::Recommended, &mut read)?;
        } else {
            check_folder(path, PolicyLevel::Mandatory, &mut read)?;
        }
    } else {
        let bytes = read_bytes(path)?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "reg" => {
                let text = windows::decode_reg_file(&label, &bytes)?;
                let values = windows::parse_reg_export(&label, &text)?;
                read = windows::layers_from_values(&values);
            }
            "mobileconfig" => {
                read = macos::layers_from_mobileconfig(&label, &bytes, MACOS_BUNDLE_ID);
            }
            "plist" => read = macos::layers_from_plist(&label, &bytes),
            _ => check_toml(path, &bytes, PolicyLevel::Mandatory, &mut read)?,
        }
    }
    let mut errors: Vec<crate::PolicyIssue> = read
        .errors
        .iter()
        .map(crate::PolicyIssue::from_error)
        .collect();
    let loaded = crate::load_layers(read.layers)?;
    errors.extend(loaded.policy_errors.iter().cloned());
    Ok(PolicyCheck { loaded, errors })
}

fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, ConfigError> {
    let unreadable = |source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(unreadable)?.len();
    if len > crate::MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            file: path.display().to_string(),
            size: len,
            limit: crate::MAX_FILE_BYTES,
        });
    }
    std::fs::read(path).map_err(unreadable)
}

fn check_folder(
    dir: &std::path::Path,
    level: PolicyLevel,
    read: &mut PolicyRead,
) -> Result<(), ConfigError> {
    if !dir.is_dir() {
        return Ok(());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| ConfigError::Unreadable {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for file in files {
        let bytes = read_bytes(&file)?;
        check_toml(&file, &bytes, level, read)?;
    }
    Ok(())
}

fn check_toml(
    path: &std::path::Path,
    bytes: &[u8],
    level: PolicyLevel,
    read: &mut PolicyRead,
) -> Result<(), ConfigError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        read.errors.push(ConfigError::NotUtf8 {
            file: path.display().to_string(),
            line: 1,
        });
        return Ok(());
    };
    match Layer::from_str_lenient(level.kind(), Some(path), text) {
        Ok((layer, errors)) => read.push(layer, errors),
        Err(e) => read.errors.push(e),
    }
    Ok(())
}
