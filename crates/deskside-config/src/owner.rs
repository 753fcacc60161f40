//! Whether a layer is admin-owned, which decides if its admin-only keys (credentials, the URLs
//! they are sent to, programs run as root, the plain-HTTP allow-list) are honoured. The decision
//! ([`decide`]) is a pure function of the layer's kind and what the OS says about the file
//! ([`FileFacts`]), so every OS's rule is unit-tested anywhere; only reading those facts from an
//! open file ([`facts_of`]) is `cfg`-gated.
//!
//! | layer | admin-owned when |
//! | --- | --- |
//! | defaults, mandatory policy | always |
//! | recommended policy | never: it is a default the user may override, so it may not carry security-sensitive keys |
//! | system (Unix) | the open file is owned by root (uid 0) and not writable by group or others |
//! | system (Windows) | it is the machine-wide file `%ProgramData%\Deskside\config.toml`, not a path from `DESKSIDE_SYSTEM_CONFIG` |
//! | explicit (`--config`, `DESKSIDE_CONFIG`) | never, even when root owns it: whoever picks the file on the command line or in the environment picks where credentials go; only mandatory policy or the system file may set security-sensitive keys |
//! | user | never: it is the user's own file, even when root wrote it |
//!
//! The facts come from the file handle that is read (`fstat`), not from the path, so the file
//! cannot be swapped between the check and the read. A user cannot make a root-owned file, so
//! a root-owned file in a user-writable folder was still written by root.

use std::fmt;
use std::path::Path;

use crate::layer::SourceKind;

/// What the OS says about who controls a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileFacts {
    /// Unix: the owner's uid and the mode bits (`st_mode`).
    Unix {
        /// Owner user id.
        uid: u32,
        /// Mode bits; only the permission bits are looked at.
        mode: u32,
    },
    /// Windows: whether the file is the machine-wide config file at its OS location.
    Windows {
        /// The path is `%ProgramData%\Deskside\config.toml` (not an override).
        at_machine_location: bool,
    },
    /// Nothing is known: the layer was built from text, or the OS has neither rule.
    Unknown,
}

/// Whether a layer's admin-only keys are honoured.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ownership {
    /// IT's: the defaults, managed policy, or a file only an administrator can write.
    Admin,
    /// Someone else's; `reason` says why, for the notes ("it is owned by uid 1000, not root").
    NotAdmin {
        /// Why the layer is not admin-owned, in plain words.
        reason: String,
    },
}

impl Ownership {
    /// Whether admin-only keys from this layer are honoured.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::Admin)
    }

    /// What a layer built from text (no file to look at) is taken to be: the defaults, the
    /// system layer and policy are admin-owned, the user and explicit layers are not.
    #[must_use]
    pub fn assumed(kind: SourceKind) -> Self {
        match kind {
            SourceKind::Default | SourceKind::System | SourceKind::Policy => Self::Admin,
            SourceKind::User | SourceKind::Explicit | SourceKind::Recommended => {
                decide(kind, FileFacts::Unknown)
            }
        }
    }

    fn not_admin(reason: impl Into<String>) -> Self {
        Self::NotAdmin {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Ownership {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Admin => f.write_str("admin-owned"),
            Self::NotAdmin { reason } => write!(f, "not admin-owned ({reason})"),
        }
    }
}

/// Decides whether a layer of `kind` whose file has `facts` is admin-owned. Pure: see the table
/// in the module documentation.
#[must_use]
pub fn decide(kind: SourceKind, facts: FileFacts) -> Ownership {
    match kind {
        SourceKind::Default | SourceKind::Policy => Ownership::Admin,
        SourceKind::User => Ownership::not_admin("it is the user's own config file"),
        SourceKind::Recommended => Ownership::not_admin(
            "recommended policy is only a default the user may change; set it in mandatory policy",
        ),
        // Even a root-owned one: the file is chosen by whoever runs the program (a command
        // line, an environment variable), not by IT.
        SourceKind::Explicit => Ownership::not_admin(
            "a file named by --config or DESKSIDE_CONFIG is never trusted with admin-only keys, \
             even when root owns it; set them in the system config file or mandatory policy",
        ),
        SourceKind::System => match facts {
            FileFacts::Unix { uid, .. } if uid != 0 => {
                Ownership::not_admin(format!("it is owned by uid {uid}, not root"))
            }
            FileFacts::Unix { mode, .. } if mode & 0o022 != 0 => Ownership::not_admin(format!(
                "group or others may write it (mode {:04o}); run `chmod go-w` on it",
                mode & 0o7777
            )),
            FileFacts::Unix { .. } => Ownership::Admin,
            FileFacts::Windows {
                at_machine_location: true,
            } => Ownership::Admin,
            FileFacts::Windows { .. } => Ownership::not_admin(
                "on Windows only %ProgramData%\\Deskside\\config.toml is trusted, not a file named by DESKSIDE_SYSTEM_CONFIG",
            ),
            FileFacts::Unknown => Ownership::not_admin("its owner cannot be checked"),
        },
    }
}

/// The facts about an open config file: owner and mode on Unix.
#[cfg(unix)]
pub(crate) fn facts_of(meta: &std::fs::Metadata, _path: &Path) -> FileFacts {
    use std::os::unix::fs::MetadataExt as _;
    FileFacts::Unix {
        uid: meta.uid(),
        mode: meta.mode(),
    }
}

/// The facts about an open config file: on Windows, whether it is the machine-wide file.
#[cfg(windows)]
pub(crate) fn facts_of(_meta: &std::fs::Metadata, path: &Path) -> FileFacts {
    let machine =
        crate::paths::system_path(crate::paths::Os::Windows, &|name| std::env::var(name).ok());
    FileFacts::Windows {
        at_machine_location: machine
            .is_some_and(|m| m.as_os_str().eq_ignore_ascii_case(path.as_os_str())),
    }
}

/// The facts about an open config file: nothing is known on this OS.
#[cfg(not(any(unix, windows)))]
pub(crate) fn facts_of(_meta: &std::fs::Metadata, _path: &Path) -> FileFacts {
    FileFacts::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(uid: u32, mode: u32) -> FileFacts {
        FileFacts::Unix { uid, mode }
    }

    #[test]
    fn root_owned_system_file_not_writable_by_others_is_admin_owned() {
        assert!(decide(SourceKind::System, unix(0, 0o100_644)).is_admin());
        assert!(decide(SourceKind::System, unix(0, 0o100_600)).is_admin());
        assert!(decide(SourceKind::System, unix(0, 0o100_444)).is_admin());
    }

    /// Regression (issue 15): a root-owned `--config` file was trusted with security-sensitive
    /// keys; only mandatory policy and the root-owned system file may set them.
    #[test]
    fn a_root_owned_explicit_file_is_not_admin_owned() {
        for mode in [0o100_644, 0o100_600, 0o100_444] {
            let d = decide(SourceKind::Explicit, unix(0, mode));
            assert!(!d.is_admin(), "{mode:o}");
            assert!(d.to_string().contains("--config"), "{d}");
        }
    }

    #[test]
    fn another_owner_or_a_writable_mode_is_not() {
        let d = decide(SourceKind::System, unix(1000, 0o100_644));
        assert_eq!(
            d.to_string(),
            "not admin-owned (it is owned by uid 1000, not root)"
        );
        for mode in [0o100_664, 0o100_646, 0o100_666, 0o100_777] {
            let d = decide(SourceKind::System, unix(0, mode));
            assert!(!d.is_admin(), "{mode:o}");
            assert!(
                d.to_string().contains("group or others may write it"),
                "{d}"
            );
        }
        assert!(
            decide(SourceKind::System, unix(0, 0o100_664))
                .to_string()
                .contains("mode 0664")
        );
    }

    #[test]
    fn the_user_file_is_never_admin_owned_and_policy_always_is() {
        assert!(!decide(SourceKind::User, unix(0, 0o100_600)).is_admin());
        assert!(decide(SourceKind::Policy, FileFacts::Unknown).is_admin());
        assert!(decide(SourceKind::Default, FileFacts::Unknown).is_admin());
        assert!(!decide(SourceKind::System, FileFacts::Unknown).is_admin());
    }

    #[test]
    fn windows_trusts_only_the_machine_wide_system_file() {
        let at = |yes| FileFacts::Windows {
            at_machine_location: yes,
        };
        assert!(decide(SourceKind::System, at(true)).is_admin());
        assert!(!decide(SourceKind::System, at(false)).is_admin());
        assert!(!decide(SourceKind::Explicit, at(true)).is_admin());
        assert!(!decide(SourceKind::User, at(true)).is_admin());
    }

    #[test]
    fn layers_from_text_follow_their_kind() {
        assert!(Ownership::assumed(SourceKind::System).is_admin());
        assert!(Ownership::assumed(SourceKind::Policy).is_admin());
        assert!(!Ownership::assumed(SourceKind::User).is_admin());
        assert!(!Ownership::assumed(SourceKind::Explicit).is_admin());
    }
}
