//! Where the system, user and explicit config files live on each OS. A pure function of an [`Os`]
//! value and an environment lookup, so the Windows and macOS rules are tested on Linux and no test
//! ever looks at the real machine's files.

use std::path::PathBuf;

/// The environment variable naming an explicit config file (like `--config FILE`).
pub const ENV_EXPLICIT: &str = "DESKSIDE_CONFIG";
/// The environment variable replacing the system file's path; empty skips the system layer.
pub const ENV_SYSTEM: &str = "DESKSIDE_SYSTEM_CONFIG";
/// The environment variable replacing the user file's path; empty skips the user layer.
pub const ENV_USER: &str = "DESKSIDE_USER_CONFIG";

/// The environment variable replacing the data directory (audit log, outbox, caches).
pub const ENV_DATA: &str = "DESKSIDE_DATA_DIR";

/// The operating systems Deskside knows, passed as a value so OS-specific logic (config paths,
/// fix plans, parsers) is tested on any OS. The one `Os` of the workspace: `deskside-platform`
/// re-exports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Linux, and other Unix-likes that follow the XDG base-directory rules.
    Linux,
    /// Windows 10/11.
    Windows,
    /// macOS.
    Macos,
}

impl Os {
    /// The OS this binary was built for; Unix-likes other than macOS follow the Linux rules.
    #[must_use]
    pub const fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else if cfg!(target_os = "macos") {
            Self::Macos
        } else {
            Self::Linux
        }
    }

    /// The OS this binary was built for when Deskside supports it as such (Linux, Windows,
    /// macOS), `None` on any other (a BSD), where OS-specific collectors must not guess.
    #[must_use]
    pub const fn supported() -> Option<Self> {
        if cfg!(target_os = "linux") {
            Some(Self::Linux)
        } else if cfg!(target_os = "windows") {
            Some(Self::Windows)
        } else if cfg!(target_os = "macos") {
            Some(Self::Macos)
        } else {
            None
        }
    }
}

/// The files a load would read, after environment overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigPaths {
    /// The system file; `None` when skipped or when the OS gives no location.
    pub system: Option<PathBuf>,
    /// The user file; `None` when skipped or when no home directory is known.
    pub user: Option<PathBuf>,
    /// The explicit file, which must exist when set.
    pub explicit: Option<PathBuf>,
}

/// Resolves the three file locations: `explicit` wins over `DESKSIDE_CONFIG`; `DESKSIDE_SYSTEM_CONFIG`
/// and `DESKSIDE_USER_CONFIG` replace the OS locations, and an empty value skips that layer.
pub fn resolve(
    os: Os,
    explicit: Option<PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> ConfigPaths {
    let explicit = explicit.or_else(|| {
        env(ENV_EXPLICIT)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let overridden = |name: &str, fallback: Option<PathBuf>| match env(name) {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(PathBuf::from(v)),
        None => fallback,
    };
    ConfigPaths {
        system: overridden(ENV_SYSTEM, system_path(os, env)),
        user: overridden(ENV_USER, user_path(os, env)),
        explicit,
    }
}

/// The OS location of the machine-wide config file.
pub fn system_path(os: Os, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match os {
        Os::Linux => Some(PathBuf::from("/etc/deskside/config.toml")),
        Os::Macos => Some(PathBuf::from(
            "/Library/Application Support/Deskside/config.toml",
        )),
        Os::Windows => {
            let base = non_empty(env, &["ProgramData", "PROGRAMDATA"])
                .unwrap_or_else(|| r"C:\ProgramData".to_owned());
            Some(windows_join(&base, &["Deskside", "config.toml"]))
        }
    }
}

/// The OS location of the per-user config file.
pub fn user_path(os: Os, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    match os {
        Os::Linux => {
            // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
            let base = non_empty(env, &["XDG_CONFIG_HOME"])
                .filter(|v| v.starts_with('/'))
                .map(PathBuf::from)
                .or_else(|| non_empty(env, &["HOME"]).map(|h| PathBuf::from(h).join(".config")))?;
            Some(base.join("deskside").join("config.toml"))
        }
        Os::Macos => {
            let home = non_empty(env, &["HOME"])?;
            Some(
                PathBuf::from(home)
                    .join("Library")
                    .join("Application Support")
                    .join("Deskside")
                    .join("config.toml"),
            )
        }
        Os::Windows => {
            if let Some(appdata) = non_empty(env, &["APPDATA", "AppData"]) {
                return Some(windows_join(&appdata, &["Deskside", "config.toml"]));
            }
            let profile = non_empty(env, &["USERPROFILE"])?;
            Some(windows_join(
                &profile,
                &["AppData", "Roaming", "Deskside", "config.toml"],
            ))
        }
    }
}

/// The per-user data directory: the fix audit log, the ticket outbox and cached state live here.
/// `DESKSIDE_DATA_DIR` replaces it (tests always set it, so they never touch the real one).
///
/// | OS | location |
/// | --- | --- |
/// | Linux | `$XDG_DATA_HOME/deskside`, else `$HOME/.local/share/deskside` |
/// | Windows | `%LOCALAPPDATA%\Deskside` |
/// | macOS | `$HOME/Library/Application Support/Deskside` |
pub fn data_dir(os: Os, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(dir) = non_empty(env, &[ENV_DATA]) {
        return Some(PathBuf::from(dir));
    }
    match os {
        Os::Linux => {
            let base = non_empty(env, &["XDG_DATA_HOME"])
                .filter(|v| v.starts_with('/'))
                .map(PathBuf::from)
                .or_else(|| {
                    non_empty(env, &["HOME"]).map(|h| PathBuf::from(h).join(".local").join("share"))
                })?;
            Some(base.join("deskside"))
        }
        Os::Macos => {
            let home = non_empty(env, &["HOME"])?;
            Some(
                PathBuf::from(home)
                    .join("Library")
                    .join("Application Support")
                    .join("Deskside"),
            )
        }
        Os::Windows => {
            let local = non_empty(env, &["LOCALAPPDATA"])?;
            Some(windows_join(&local, &["Deskside"]))
        }
    }
}

/// [`data_dir`] for this process: the current OS and the real environment.
pub fn current_data_dir() -> Option<PathBuf> {
    data_dir(Os::current(), &|name| std::env::var(name).ok())
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
}

// Built by hand so a Windows path keeps its backslashes when computed on Linux (in tests).
fn windows_join(base: &str, parts: &[&str]) -> PathBuf {
    let mut out = base.trim_end_matches(['\\', '/']).to_owned();
    for part in parts {
        out.push('\\');
        out.push_str(part);
    }
    PathBuf::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn p(s: &str) -> Option<PathBuf> {
        Some(PathBuf::from(s))
    }

    #[test]
    fn linux_prefers_absolute_xdg_config_home() {
        let env = env_of(&[("XDG_CONFIG_HOME", "/x/cfg"), ("HOME", "/home/u")]);
        assert_eq!(user_path(Os::Linux, &env), p("/x/cfg/deskside/config.toml"));
        let env = env_of(&[("XDG_CONFIG_HOME", "relative"), ("HOME", "/home/u")]);
        assert_eq!(
            user_path(Os::Linux, &env),
            p("/home/u/.config/deskside/config.toml")
        );
        assert_eq!(user_path(Os::Linux, &env_of(&[])), None);
        assert_eq!(
            system_path(Os::Linux, &env_of(&[])),
            p("/etc/deskside/config.toml")
        );
    }

    #[test]
    fn windows_uses_programdata_and_appdata() {
        let env = env_of(&[
            ("ProgramData", r"D:\PD"),
            ("APPDATA", r"C:\Users\u\AppData\Roaming\"),
        ]);
        assert_eq!(
            system_path(Os::Windows, &env),
            p(r"D:\PD\Deskside\config.toml")
        );
        assert_eq!(
            user_path(Os::Windows, &env),
            p(r"C:\Users\u\AppData\Roaming\Deskside\config.toml")
        );
        let env = env_of(&[("USERPROFILE", r"C:\Users\u")]);
        assert_eq!(
            system_path(Os::Windows, &env),
            p(r"C:\ProgramData\Deskside\config.toml")
        );
        assert_eq!(
            user_path(Os::Windows, &env),
            p(r"C:\Users\u\AppData\Roaming\Deskside\config.toml")
        );
    }

    #[test]
    fn macos_uses_library_application_support() {
        let env = env_of(&[("HOME", "/Users/u")]);
        assert_eq!(
            system_path(Os::Macos, &env),
            p("/Library/Application Support/Deskside/config.toml")
        );
        assert_eq!(
            user_path(Os::Macos, &env),
            p("/Users/u/Library/Application Support/Deskside/config.toml")
        );
    }

    #[test]
    fn data_dir_follows_each_os_and_the_override() {
        let env = env_of(&[("HOME", "/home/u")]);
        assert_eq!(
            data_dir(Os::Linux, &env),
            p("/home/u/.local/share/deskside")
        );
        let env = env_of(&[("HOME", "/home/u"), ("XDG_DATA_HOME", "/x/data")]);
        assert_eq!(data_dir(Os::Linux, &env), p("/x/data/deskside"));
        let env = env_of(&[("HOME", "/Users/u")]);
        assert_eq!(
            data_dir(Os::Macos, &env),
            p("/Users/u/Library/Application Support/Deskside")
        );
        let env = env_of(&[("LOCALAPPDATA", r"C:\Users\u\AppData\Local")]);
        assert_eq!(
            data_dir(Os::Windows, &env),
            p(r"C:\Users\u\AppData\Local\Deskside")
        );
        let env = env_of(&[("HOME", "/home/u"), (ENV_DATA, "/tmp/t")]);
        assert_eq!(data_dir(Os::Linux, &env), p("/tmp/t"));
        assert_eq!(data_dir(Os::Windows, &env_of(&[])), None);
    }

    #[test]
    fn env_overrides_replace_or_skip_layers() {
        let env = env_of(&[
            ("HOME", "/home/u"),
            (ENV_SYSTEM, ""),
            (ENV_USER, "/tmp/u.toml"),
            (ENV_EXPLICIT, "/tmp/e.toml"),
        ]);
        let paths = resolve(Os::Linux, None, &env);
        assert_eq!(paths.system, None);
        assert_eq!(paths.user, p("/tmp/u.toml"));
        assert_eq!(paths.explicit, p("/tmp/e.toml"));
        let paths = resolve(Os::Linux, Some(PathBuf::from("/flag.toml")), &env);
        assert_eq!(paths.explicit, p("/flag.toml"));
        let paths = resolve(Os::Linux, None, &env_of(&[(ENV_EXPLICIT, "")]));
        assert_eq!(paths.explicit, None);
    }
}
