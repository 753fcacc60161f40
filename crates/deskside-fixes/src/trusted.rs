//! The root-file rule: a file whose contents root runs — an admin action's program, a program
//! a plan runs as root, a `wg-quick` config (its `PostUp` lines run as root), the system config
//! that names all of these — must be one only root can change. It must be owned by root and
//! not writable by group or others, and so must every folder above it (a root-owned sticky
//! folder such as `/tmp` is accepted: nobody else can rename or replace what root put there).
//! Otherwise whoever can write the file, or swap a folder, makes root run their code.
//!
//! The decision, [`judge`], is pure over file metadata so it is tested on every OS; only
//! [`check`] reads the file system. On Windows the same rule is kept over owners and access
//! lists instead of uids and mode bits ([`crate::acl`]).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::FixError;

/// What root does with a file, for the message and the error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An admin action's program (`[[fixes.actions]] program`).
    ActionProgram,
    /// A program a built-in fix's plan runs as root.
    Program,
    /// A file a program run as root takes instructions from (a `wg-quick` config, whose
    /// `PostUp`/`PreDown` lines run as root).
    Config,
    /// The system config file the privileged helper reads.
    SystemConfig,
}

impl Role {
    /// Whether the file itself is executed (so it must be executable).
    #[must_use]
    pub const fn executed(self) -> bool {
        matches!(self, Self::ActionProgram | Self::Program)
    }

    /// The snake_case name used in the helper's JSON.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ActionProgram => "action_program",
            Self::Program => "program",
            Self::Config => "config",
            Self::SystemConfig => "system_config",
        }
    }

    /// The role named by [`Role::as_str`].
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::ActionProgram,
            Self::Program,
            Self::Config,
            Self::SystemConfig,
        ]
        .into_iter()
        .find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ActionProgram => "admin action program",
            Self::Program => "program",
            Self::Config => "configuration file",
            Self::SystemConfig => "system configuration file",
        })
    }
}

/// What kind of file system object a path is (without following a final link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A folder.
    Dir,
    /// A symbolic link.
    Symlink,
    /// Anything else (device, socket, fifo).
    Other,
}

/// What the rule needs to know of one file or folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// File or folder, link, other.
    pub kind: Kind,
    /// Owner.
    pub uid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
}

/// Why a file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Unsafe {
    /// A relative path: which file it means depends on the working folder.
    #[error("it is not an absolute path")]
    NotAbsolute,
    /// The file could not be examined.
    #[error("it cannot be read ({source})")]
    Unreadable {
        /// Why.
        source: std::io::Error,
    },
    /// A symbolic link: whoever controls the link's target controls the file.
    #[error("it is a symbolic link; name the real file")]
    Symlink,
    /// A folder, device or socket.
    #[error("it is not a regular file")]
    NotRegularFile,
    /// Owned by someone other than root.
    #[error("it is owned by uid {uid}, not root; run `chown root` on it")]
    NotOwnedByRoot {
        /// The owner.
        uid: u32,
    },
    /// Group or others may write it.
    #[error("it is writable by {} (mode {mode:o}); run `chmod go-w` on it", if mode & 0o002 != 0 { "everyone" } else { "its group" })]
    Writable {
        /// Its permission bits.
        mode: u32,
    },
    /// A program without an execute bit.
    #[error("it is not executable")]
    NotExecutable,
    /// A folder above the file could not be examined.
    #[error("folder {} cannot be read ({source})", folder.display())]
    FolderUnreadable {
        /// The folder.
        folder: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A folder above the file is not root's alone.
    #[error("folder {} is not owned by root or others can write to it (owner uid {uid}, mode {mode:o}); move the file to a folder only root can change", folder.display())]
    Folder {
        /// The folder.
        folder: PathBuf,
        /// Its owner.
        uid: u32,
        /// Its permission bits.
        mode: u32,
    },
    /// Windows: the file (`folder` is `None`) or a folder above it can be changed by someone
    /// other than Administrators, SYSTEM and TrustedInstaller.
    #[error("{}{finding}; keep it in a folder only administrators can change (such as C:\\Program Files) and remove the others' rights with `icacls`", folder.as_ref().map(|f| format!("folder {} is not administrators' alone: ", f.display())).unwrap_or_default())]
    Acl {
        /// The folder, or `None` for the file itself.
        folder: Option<PathBuf>,
        /// What is wrong.
        finding: crate::acl::Finding,
    },
    /// The privileged helper refused the file for this reason (its own words, carried back
    /// to the app through the helper's JSON answer).
    #[error("{problem}")]
    Reported {
        /// The helper's reason.
        problem: String,
    },
}

/// Decide whether root may run or read a file with metadata `file`, whose folders (nearest
/// first, up to the root folder) have `folders`.
///
/// # Errors
/// The first [`Unsafe`] reason found: the file's own problems before its folders'.
pub fn judge(role: Role, file: Meta, folders: &[(PathBuf, Meta)]) -> Result<(), Unsafe> {
    match file.kind {
        Kind::File => {}
        Kind::Symlink => return Err(Unsafe::Symlink),
        Kind::Dir | Kind::Other => return Err(Unsafe::NotRegularFile),
    }
    if file.uid != 0 {
        return Err(Unsafe::NotOwnedByRoot { uid: file.uid });
    }
    if file.mode & 0o022 != 0 {
        return Err(Unsafe::Writable {
            mode: file.mode & 0o7777,
        });
    }
    if role.executed() && file.mode & 0o111 == 0 {
        return Err(Unsafe::NotExecutable);
    }
    judge_folders(folders)
}

/// The folder part of [`judge`]: every folder above a file (or a link) must be root's alone.
///
/// # Errors
/// [`Unsafe::Folder`] for the first folder that is not.
pub fn judge_folders(folders: &[(PathBuf, Meta)]) -> Result<(), Unsafe> {
    for (folder, m) in folders {
        let sticky = m.mode & 0o1000 != 0;
        // `check` reads folders following links, so a linked folder (`/bin` -> `usr/bin`)
        // is judged by the folder it leads to.
        if m.uid != 0 || (m.mode & 0o022 != 0 && !sticky) {
            return Err(Unsafe::Folder {
                folder: folder.clone(),
                uid: m.uid,
                mode: m.mode & 0o7777,
            });
        }
    }
    Ok(())
}

fn refused(role: Role, path: &Path, reason: Unsafe) -> FixError {
    FixError::UnsafeFile {
        role,
        path: path.to_path_buf(),
        reason,
    }
}

/// What `read` says of every folder above `path` (nearest first, folders followed as links);
/// a folder that cannot be read refuses the file.
#[cfg(any(unix, windows))]
fn folders_above<M>(
    role: Role,
    path: &Path,
    read: impl Fn(&Path) -> std::io::Result<M>,
) -> Result<Vec<(PathBuf, M)>, FixError> {
    path.ancestors()
        .skip(1)
        .map(|d| {
            read(d).map(|m| (d.to_path_buf(), m)).map_err(|source| {
                refused(
                    role,
                    path,
                    Unsafe::FolderUnreadable {
                        folder: d.to_path_buf(),
                        source,
                    },
                )
            })
        })
        .collect()
}

/// Check a file root is about to run or read, with [`judge`].
///
/// # Errors
/// [`FixError::UnsafeFile`] naming the file, its role and the reason.
#[cfg(unix)]
pub fn check(role: Role, path: &Path) -> Result<(), FixError> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta_of = |m: &std::fs::Metadata| {
        let t = m.file_type();
        Meta {
            kind: if t.is_symlink() {
                Kind::Symlink
            } else if t.is_file() {
                Kind::File
            } else if t.is_dir() {
                Kind::Dir
            } else {
                Kind::Other
            },
            uid: m.uid(),
            mode: m.permissions().mode() & 0o7777,
        }
    };
    if !path.is_absolute() {
        return Err(refused(role, path, Unsafe::NotAbsolute));
    }
    let file = std::fs::symlink_metadata(path)
        .map_err(|source| refused(role, path, Unsafe::Unreadable { source }))?;
    let folders = folders_above(role, path, |d| std::fs::metadata(d).map(|m| meta_of(&m)))?;
    let file = meta_of(&file);
    if role == Role::Program && file.kind == Kind::Symlink {
        // A system program is often a link (`/usr/sbin/ip` -> `/bin/ip`, alternatives): the
        // link's folders must be root's, so nobody can swap the link, and the file it leads
        // to is judged in full. The link itself is what runs (a multi-call binary reads its
        // name from argv[0]).
        judge_folders(&folders).map_err(|reason| refused(role, path, reason))?;
        let real = std::fs::canonicalize(path)
            .map_err(|source| refused(role, path, Unsafe::Unreadable { source }))?;
        return check(role, &real);
    }
    judge(role, file, &folders).map_err(|reason| refused(role, path, reason))
}

/// Windows: the same rule over owners and access lists ([`crate::acl`]): the file and every
/// folder above it must be changeable by Administrators, SYSTEM and TrustedInstaller only
/// (the folder holding a program: nobody else may even add files, for DLL planting).
///
/// # Errors
/// [`FixError::UnsafeFile`] naming the file, its role and the reason.
#[cfg(windows)]
pub fn check(role: Role, path: &Path) -> Result<(), FixError> {
    use crate::acl;
    if !path.is_absolute() {
        return Err(refused(role, path, Unsafe::NotAbsolute));
    }
    let meta = std::fs::symlink_metadata(path)
        .map_err(|source| refused(role, path, Unsafe::Unreadable { source }))?;
    if meta.file_type().is_symlink() {
        if role != Role::Program {
            return Err(refused(role, path, Unsafe::Symlink));
        }
        // As on Unix: a system program reached through a link is judged by its target.
        let real = std::fs::canonicalize(path)
            .map_err(|source| refused(role, path, Unsafe::Unreadable { source }))?;
        return check(role, &real);
    }
    if !meta.is_file() {
        return Err(refused(role, path, Unsafe::NotRegularFile));
    }
    let read = |p: &Path, follow: bool| {
        crate::win::sddl_of(p, follow).and_then(|text| {
            acl::parse_sddl(&text).map_err(|e| std::io::Error::other(e.to_string()))
        })
    };
    let file =
        read(path, false).map_err(|source| refused(role, path, Unsafe::Unreadable { source }))?;
    let folders = folders_above(role, path, |d| read(d, true))?;
    acl::judge_path(role.executed(), &file, &folders)
        .map_err(|(folder, finding)| refused(role, path, Unsafe::Acl { folder, finding }))
}

/// Other systems: only an absolute path is required.
///
/// # Errors
/// [`FixError::UnsafeFile`] for a relative path.
#[cfg(not(any(unix, windows)))]
pub fn check(role: Role, path: &Path) -> Result<(), FixError> {
    if path.is_absolute() {
        Ok(())
    } else {
        Err(refused(role, path, Unsafe::NotAbsolute))
    }
}

/// The first `program` in the `:`-separated `search_path` that exists, as root would find it.
#[must_use]
pub fn resolve(program: &str, search_path: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    search_path
        .split(':')
        .filter(|d| d.starts_with('/'))
        .map(|d| Path::new(d).join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT_FILE: Meta = Meta {
        kind: Kind::File,
        uid: 0,
        mode: 0o644,
    };
    const ROOT_DIR: Meta = Meta {
        kind: Kind::Dir,
        uid: 0,
        mode: 0o755,
    };

    fn folders(list: &[(&str, Meta)]) -> Vec<(PathBuf, Meta)> {
        list.iter().map(|(p, m)| (PathBuf::from(p), *m)).collect()
    }

    fn with(mode: u32, uid: u32, kind: Kind) -> Meta {
        Meta { kind, uid, mode }
    }

    #[test]
    fn a_root_only_file_in_root_only_folders_passes() {
        let up = folders(&[
            ("/etc/wireguard", ROOT_DIR),
            ("/etc", ROOT_DIR),
            ("/", ROOT_DIR),
        ]);
        assert!(judge(Role::Config, ROOT_FILE, &up).is_ok());
        assert!(judge(Role::Config, with(0o600, 0, Kind::File), &up).is_ok());
        assert!(judge(Role::Program, with(0o755, 0, Kind::File), &up).is_ok());
        // A root-owned sticky folder (/tmp) is accepted even though everyone may write it.
        let tmp = folders(&[("/tmp", with(0o1777, 0, Kind::Dir)), ("/", ROOT_DIR)]);
        assert!(judge(Role::Config, ROOT_FILE, &tmp).is_ok());
    }

    #[test]
    fn a_file_others_can_change_is_refused_with_the_reason() {
        let up = folders(&[("/", ROOT_DIR)]);
        assert!(matches!(
            judge(Role::Config, with(0o666, 0, Kind::File), &up),
            Err(Unsafe::Writable { mode: 0o666 })
        ));
        let e = judge(Role::Config, with(0o664, 0, Kind::File), &up).unwrap_err();
        assert!(e.to_string().contains("its group"), "{e}");
        let e = judge(Role::Config, with(0o646, 0, Kind::File), &up).unwrap_err();
        assert!(e.to_string().contains("everyone"), "{e}");
        assert!(matches!(
            judge(Role::Config, with(0o600, 1000, Kind::File), &up),
            Err(Unsafe::NotOwnedByRoot { uid: 1000 })
        ));
        assert!(matches!(
            judge(Role::Config, with(0o777, 0, Kind::Symlink), &up),
            Err(Unsafe::Symlink)
        ));
        assert!(matches!(
            judge(Role::Config, ROOT_DIR, &up),
            Err(Unsafe::NotRegularFile)
        ));
        // Only programs need the execute bit.
        assert!(matches!(
            judge(Role::Program, ROOT_FILE, &up),
            Err(Unsafe::NotExecutable)
        ));
        assert!(judge(Role::SystemConfig, ROOT_FILE, &up).is_ok());
    }

    #[test]
    fn a_folder_above_that_others_can_change_is_refused_by_name() {
        for bad in [
            with(0o777, 0, Kind::Dir),
            with(0o775, 0, Kind::Dir),
            with(0o755, 1000, Kind::Dir),
            with(0o1777, 1000, Kind::Dir),
        ] {
            let up = folders(&[
                ("/srv/vpn/conf", ROOT_DIR),
                ("/srv/vpn", bad),
                ("/srv", ROOT_DIR),
                ("/", ROOT_DIR),
            ]);
            let e = judge(Role::Config, ROOT_FILE, &up).unwrap_err();
            assert!(
                matches!(&e, Unsafe::Folder { folder, .. } if folder == Path::new("/srv/vpn")),
                "{e:?}"
            );
            assert!(e.to_string().contains("/srv/vpn"), "{e}");
        }
    }

    #[test]
    fn the_error_names_the_file_its_role_and_the_code() {
        let e = refused(
            Role::Config,
            Path::new("/tmp/lab/wg0.conf"),
            Unsafe::Writable { mode: 0o666 },
        );
        assert_eq!(e.code(), "fix.unsafe_file");
        let text = e.to_string();
        assert!(text.contains("/tmp/lab/wg0.conf"), "{text}");
        assert!(text.contains("configuration file"), "{text}");
        assert!(text.contains("chmod go-w"), "{text}");
        let e = refused(Role::ActionProgram, Path::new("/opt/x"), Unsafe::Symlink);
        assert_eq!(e.code(), "fix.action_unsafe_program");
        assert!(
            std::error::Error::source(&e).is_some(),
            "the reason is the source"
        );
        for r in [
            Role::ActionProgram,
            Role::Program,
            Role::Config,
            Role::SystemConfig,
        ] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn the_windows_reason_names_the_folder_and_the_account() {
        let e = Unsafe::Acl {
            folder: Some(PathBuf::from(r"C:\Tools")),
            finding: crate::acl::Finding::Writer("S-1-5-11".into()),
        };
        let text = e.to_string();
        assert!(text.contains(r"folder C:\Tools"), "{text}");
        assert!(text.contains("Authenticated Users may change it"), "{text}");
        assert!(text.contains("icacls"), "{text}");
        let e = Unsafe::Acl {
            folder: None,
            finding: crate::acl::Finding::Owner("S-1-5-21-1-2-3-1001".into()),
        };
        assert!(
            e.to_string().starts_with("owned by S-1-5-21-1-2-3-1001"),
            "{e}"
        );
    }

    /// What every OS's `check` refuses before looking at owners: a relative path, a file that
    /// is not there.
    #[cfg(any(unix, windows))]
    fn refuses_relative_and_missing_paths(dir: &Path) {
        assert!(matches!(
            check(Role::Config, Path::new("wg9.conf")),
            Err(FixError::UnsafeFile {
                reason: Unsafe::NotAbsolute,
                ..
            })
        ));
        assert!(matches!(
            check(Role::Config, &dir.join("missing.conf")),
            Err(FixError::UnsafeFile {
                reason: Unsafe::Unreadable { .. },
                ..
            })
        ));
    }

    /// Windows (Wine in CI): the real descriptors of a file and its folders are read and
    /// judged — whatever Wine's defaults, the answer is a verdict, never "unreadable".
    #[cfg(windows)]
    #[test]
    fn check_reads_the_real_descriptors_on_windows() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("wg9.conf");
        std::fs::write(&f, "[Interface]\n").unwrap();
        let text = crate::win::sddl_of(&f, false).unwrap();
        let d = crate::acl::parse_sddl(&text).unwrap();
        assert!(d.owner.is_some(), "{text}");
        match check(Role::Config, &f) {
            Ok(())
            | Err(FixError::UnsafeFile {
                reason: Unsafe::Acl { .. },
                ..
            }) => {}
            Err(e) => panic!("{e:?}"),
        }
        refuses_relative_and_missing_paths(dir.path());
        assert!(matches!(
            check(Role::Config, dir.path()),
            Err(FixError::UnsafeFile {
                reason: Unsafe::NotRegularFile,
                ..
            })
        ));
    }

    /// Unix: a `:`-separated search path of absolute `/` folders (the helper's own PATH).
    #[cfg(unix)]
    #[test]
    fn programs_resolve_in_the_search_path_in_order() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(b.path().join("prog"), "").unwrap();
        let path = format!("{}:{}:relative", a.path().display(), b.path().display());
        assert_eq!(resolve("prog", &path), Some(b.path().join("prog")));
        std::fs::write(a.path().join("prog"), "").unwrap();
        assert_eq!(resolve("prog", &path), Some(a.path().join("prog")));
        assert_eq!(resolve("missing", &path), None);
        assert_eq!(resolve("/bin/x", ""), Some(PathBuf::from("/bin/x")));
    }

    #[cfg(unix)]
    #[test]
    fn check_reads_the_real_file_and_its_folders() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("wg9.conf");
        std::fs::write(&f, "[Interface]\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = check(Role::Config, &f).unwrap_err();
        assert!(
            matches!(&e, FixError::UnsafeFile { reason: Unsafe::Writable { .. }, path, .. } if path == &f),
            "{e:?}"
        );
        refuses_relative_and_missing_paths(dir.path());
        // A program reached through a root-owned link is judged by the file it leads to; an
        // admin action must name the real file.
        let link = dir.path().join("env-link");
        std::os::unix::fs::symlink("/usr/bin/env", &link).unwrap();
        if nix::unistd::geteuid().is_root() {
            check(Role::Program, &link).unwrap();
        }
        assert!(matches!(
            check(Role::ActionProgram, &link),
            Err(FixError::UnsafeFile {
                reason: Unsafe::Symlink,
                ..
            })
        ));
        let to_writable = dir.path().join("to-ww");
        std::os::unix::fs::symlink(&f, &to_writable).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(
            check(Role::Program, &to_writable),
            Err(FixError::UnsafeFile { reason: Unsafe::Writable { .. }, ref path, .. }) if path == &f
        ));
    }
}
