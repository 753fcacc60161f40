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
