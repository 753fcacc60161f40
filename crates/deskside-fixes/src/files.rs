//! In-process file clearing for `disk.clear_temp` and `disk.empty_trash` (no `rm`, no shell):
//! one walker that both previews (counts files and bytes) and deletes, with the same rules
//! both times so the preview is what happens.
//!
//! Rules, and why: symlinks are never followed (a link in a temp dir could point at your
//! documents); the walk never leaves the root's file system (a mount inside the trash or
//! `/tmp` belongs to something else); only files and directories owned by this user are
//! touched or entered (in a shared, sticky `/tmp` another user's directory could be swapped
//! for a link between the scan and the delete — we never enter one); in temp folders, entries
//! whose name starts with `.` at the top level (X11 and ICE lock files and sockets) are left
//! alone, directories are kept, and only regular files older than the age limit go.
//!
//! Owners per OS: the effective uid on Unix; on Windows the owner SID of the entry itself
//! (read without following a link or junction) against the process token's user and its
//! default owner for new files ([`may_touch`] decides, tested everywhere). An owner that
//! cannot be read matches nobody, and on other systems nothing is cleared.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// What a scan found or a clear removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FileTally {
    /// Files (and, in the trash, links) counted or removed.
    pub files: u64,
    /// Their bytes (file sizes).
    pub bytes: u64,
    /// Entries left alone: someone else's, another file system, too new, or failed to delete.
    pub skipped: u64,
}

/// How a tree is cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClearRules {
    /// Only files last modified before `now - older_than`.
    pub older_than: Option<Duration>,
    /// Remove links and emptied directories too (the trash); else files only (temp dirs).
    pub whole_tree: bool,
}

/// Who owns a file or folder, as the walk compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A Unix user id.
    Uid(u32),
    /// A Windows security identifier as text (`S-1-5-21-…`).
    Sid(String),
    /// Could not be read, or this OS has no owner check: never anyone's.
    Unknown,
}

/// Where an entry lives and who owns it: the facts the walk decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The file system (Unix `st_dev`). On Windows always 0: another volume is reachable
    /// only through a mount point or junction, which `std` reports as a link (a
    /// name-surrogate reparse point) and the walk never follows.
    pub fs: u64,
    /// The owner.
    pub owner: Owner,
}

/// Whether the walk may touch (count, delete or enter) an entry: on the root's file system,
/// owned by one of `me` (an [`Owner::Unknown`] owner never matches), and not a top-level
/// dot entry of a temp folder (`hidden_top`).
#[must_use]
pub fn may_touch(entry: &Identity, root_fs: u64, me: &[Owner], hidden_top: bool) -> bool {
    entry.fs == root_fs && !hidden_top && entry.owner != Owner::Unknown && me.contains(&entry.owner)
}

#[cfg(unix)]
fn identity(_path: &Path, meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity {
        fs: meta.dev(),
        owner: Owner::Uid(meta.uid()),
    }
}

/// The owner SID of the entry itself (a link or junction is opened, not followed).
#[cfg(windows)]
fn identity(path: &Path, _meta: &std::fs::Metadata) -> Identity {
    Identity {
        fs: 0,
        owner: crate::win::owner_of(path).map_or(Owner::Unknown, Owner::Sid),
    }
}

#[cfg(not(any(unix, windows)))]
fn identity(_path: &Path, _meta: &std::fs::Metadata) -> Identity {
    Identity {
        fs: 0,
        owner: Owner::Unknown,
    }
}

/// The owners whose files this process may clear: its effective uid.
#[cfg(unix)]
fn me() -> Vec<Owner> {
    vec![Owner::Uid(nix::unistd::geteuid().as_raw())]
}

/// The owners whose files this process may clear: its token's user and the token's default
/// owner for new files (the user, or Administrators for an elevated administrator, whose
/// files are owned by that group).
#[cfg(windows)]
fn me() -> Vec<Owner> {
    crate::win::token_owners()
        .into_iter()
        .map(Owner::Sid)
        .collect()
}

/// No owner check on this OS: nobody's files are cleared.
#[cfg(not(any(unix, windows)))]
fn me() -> Vec<Owner> {
    Vec::new()
}

/// Count what [`clear`] would remove.
#[must_use]
pub fn scan(roots: &[PathBuf], rules: ClearRules) -> FileTally {
    walk(roots, rules, false)
}

/// Remove what [`scan`] counts; returns what was removed.
#[must_use]
pub fn clear(roots: &[PathBuf], rules: ClearRules) -> FileTally {
    walk(roots, rules, true)
}

fn walk(roots: &[PathBuf], rules: ClearRules, delete: bool) -> FileTally {
    let mut tally = FileTally::default();
    let me = me();
    let cutoff = rules
        .older_than
        .and_then(|age| SystemTime::now().checked_sub(age));
    for root in roots {
        let Ok(meta) = std::fs::symlink_metadata(root) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        let fs = identity(root, &meta).fs;
        walk_dir(root, true, fs, &me, cutoff, rules, delete, &mut tally);
    }
    tally
}

#[expect(
    clippy::too_many_arguments,
    reason = "one recursive walker shared by scan and clear"
)]
fn walk_dir(
    dir: &Path,
    top: bool,
    fs: u64,
    me: &[Owner],
    cutoff: Option<SystemTime>,
    rules: ClearRules,
    delete: bool,
    tally: &mut FileTally,
) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        tally.skipped += 1;
        return;
    };
    for entry in rd.flatten() {
        let path = entry.path();
        // DirEntry::metadata does not follow symlinks.
        let Ok(meta) = entry.metadata() else {
            tally.skipped += 1;
            continue;
        };
        let hidden_top =
            top && !rules.whole_tree && entry.file_name().to_string_lossy().starts_with('.');
        if !may_touch(&identity(&path, &meta), fs, me, hidden_top) {
            tally.skipped += 1;
            continue;
        }
        let ft = meta.file_type();
        if ft.is_dir() {
            walk_dir(&path, false, fs, me, cutoff, rules, delete, tally);
            if delete && rules.whole_tree {
                // Fails (and is left) when something inside was kept.
                let _ = std::fs::remove_dir(&path);
            }
            continue;
        }
        let eligible = if ft.is_file() {
            cutoff.is_none_or(|c| meta.modified().is_ok_and(|m| m < c))
        } else {
            // Links (removed as links, never followed) only when emptying the trash.
            ft.is_symlink() && rules.whole_tree
        };
        if !eligible {
            tally.skipped += 1;
            continue;
        }
        let size = if ft.is_file() { meta.len() } else { 0 };
        if delete && std::fs::remove_file(&path).is_err() {
            tally.skipped += 1;
            continue;
        }
        tally.files += 1;
        tally.bytes = tally.bytes.saturating_add(size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn age(path: &Path, days: u64) {
        let t = SystemTime::now() - Duration::from_secs(days * 86_400);
        let f = fs::File::options().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }

    /// A symbolic link to a folder (`dir`) or a file; whether the OS made one that reads back
    /// as a link. Always on Unix; on Windows creating links needs a privilege (or developer
    /// mode), and Wine makes ones that do not read back as links: the link assertions are
    /// then skipped, the rest of the test still runs.
    fn link(target: &Path, at: &Path, dir: bool) -> bool {
        #[cfg(unix)]
        let made = {
            let _ = dir;
            std::os::unix::fs::symlink(target, at).is_ok()
        };
        #[cfg(windows)]
        let made = if dir {
            std::os::windows::fs::symlink_dir(target, at).is_ok()
        } else {
            std::os::windows::fs::symlink_file(target, at).is_ok()
        };
        #[cfg(not(any(unix, windows)))]
        let made = false;
        let is_link = made && fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_symlink());
        if made && !is_link {
            // Not a link as far as the walk can tell: remove it so it does not skew counts.
            let _ = fs::remove_file(at).or_else(|_| fs::remove_dir_all(at));
        }
        assert!(is_link || !cfg!(unix), "a symlink on Unix");
        is_link
    }

    const WEEK: ClearRules = ClearRules {
        older_than: Some(Duration::from_secs(7 * 86_400)),
        whole_tree: false,
    };

    #[test]
    fn clear_temp_removes_only_old_files_and_never_follows_links() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = tmp.path().join("temp");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("old.bin"), vec![1_u8; 3000]).unwrap();
        age(&root.join("old.bin"), 30);
        fs::write(root.join("sub/old2.bin"), vec![1_u8; 1000]).unwrap();
        age(&root.join("sub/old2.bin"), 8);
        fs::write(root.join("new.bin"), vec![1_u8; 500]).unwrap();
        fs::write(root.join(".X0-lock"), b"1").unwrap();
        age(&root.join(".X0-lock"), 30);
        // A link to a precious old file elsewhere: neither the link's target nor its tree.
        fs::create_dir(outside.path().join("docs")).unwrap();
        fs::write(outside.path().join("docs/precious"), b"keep").unwrap();
        age(&outside.path().join("docs/precious"), 365);
        let links = link(&outside.path().join("docs"), &root.join("link-dir"), true)
            & link(
                &outside.path().join("docs/precious"),
                &root.join("link-file"),
                false,
            );

        let roots = vec![root.clone()];
        let preview = scan(&roots, WEEK);
        assert_eq!((preview.files, preview.bytes), (2, 4000));
        let done = clear(&roots, WEEK);
        assert_eq!((done.files, done.bytes), (2, 4000));
        assert!(!root.join("old.bin").exists());
        assert!(!root.join("sub/old2.bin").exists());
        assert!(root.join("sub").is_dir(), "temp dirs are kept");
        assert!(root.join("new.bin").exists());
        assert!(root.join(".X0-lock").exists());
        assert!(outside.path().join("docs/precious").exists());
        if links {
            assert!(fs::symlink_metadata(root.join("link-file")).is_ok());
        }
        assert_eq!(scan(&roots, WEEK).files, 0);
    }

    #[test]
    fn empty_trash_removes_everything_but_not_link_targets() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let files = tmp.path().join("Trash/files");
        let info = tmp.path().join("Trash/info");
        fs::create_dir_all(files.join("folder/deeper")).unwrap();
        fs::create_dir_all(&info).unwrap();
        fs::write(files.join("a.txt"), vec![0_u8; 100]).unwrap();
        fs::write(files.join("folder/deeper/b.txt"), vec![0_u8; 50]).unwrap();
        fs::write(info.join("a.txt.trashinfo"), b"[Trash Info]\n").unwrap();
        fs::write(outside.path().join("target"), b"keep").unwrap();
        let linked = link(&outside.path().join("target"), &files.join("link"), false);
        let roots = vec![files.clone(), info.clone()];
        let rules = ClearRules {
            older_than: None,
            whole_tree: true,
        };
        assert_eq!(scan(&roots, rules).bytes, 163);
        let done = clear(&roots, rules);
        assert_eq!(done.files, if linked { 4 } else { 3 });
        assert_eq!(fs::read_dir(&files).unwrap().count(), 0);
        assert_eq!(fs::read_dir(&info).unwrap().count(), 0);
        assert!(files.is_dir() && info.is_dir(), "the trash folders stay");
        assert!(outside.path().join("target").exists());
    }

    #[test]
    fn only_entries_owned_by_me_on_the_root_file_system_are_touched() {
        let me = [Owner::Uid(1000)];
        let mine = |fs| Identity {
            fs,
            owner: Owner::Uid(1000),
        };
        assert!(may_touch(&mine(7), 7, &me, false));
        assert!(!may_touch(&mine(8), 7, &me, false), "another file system");
        assert!(!may_touch(&mine(7), 7, &me, true), "a top-level dot entry");
        let root_owned = Identity {
            fs: 7,
            owner: Owner::Uid(0),
        };
        assert!(!may_touch(&root_owned, 7, &me, false));
        // Windows: the token's user or its default owner (Administrators when elevated).
        let user = "S-1-5-21-1004336348-1177238915-682003330-1001";
        let me = [
            Owner::Sid(user.to_owned()),
            Owner::Sid("S-1-5-32-544".to_owned()),
        ];
        let owned_by = |sid: &str| Identity {
            fs: 0,
            owner: Owner::Sid(sid.to_owned()),
        };
        assert!(may_touch(&owned_by(user), 0, &me, false));
        assert!(may_touch(&owned_by("S-1-5-32-544"), 0, &me, false));
        assert!(!may_touch(&owned_by("S-1-5-18"), 0, &me, false), "SYSTEM's");
        assert!(!may_touch(
            &owned_by("S-1-5-21-1004336348-1177238915-682003330-1002"),
            0,
            &me,
            false
        ));
    }

    /// Regression: off Unix every entry was reported as owned by uid 0 and the process as uid
    /// 0, so everything matched. An owner that cannot be read now matches nobody.
    #[test]
    fn an_unknown_owner_is_never_mine() {
        let unknown = Identity {
            fs: 0,
            owner: Owner::Unknown,
        };
        assert!(!may_touch(&unknown, 0, &[Owner::Unknown], false));
        assert!(!may_touch(&unknown, 0, &[], false));
    }

    /// This process's own new files are its own, by the OS's real owner lookup.
    #[test]
    fn a_new_file_is_owned_by_this_process() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("mine");
        fs::write(&f, b"x").unwrap();
        let meta = fs::symlink_metadata(&f).unwrap();
        let id = identity(&f, &meta);
        assert_ne!(id.owner, Owner::Unknown);
        assert!(me().contains(&id.owner), "{id:?} not in {:?}", me());
    }

    #[cfg(unix)]
    #[test]
    fn files_of_other_users_are_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("theirs"), b"x").unwrap();
        age(&tmp.path().join("theirs"), 30);
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(tmp.path().join("theirs"), Some(65534), Some(65534)).unwrap();
            let done = clear(&[tmp.path().to_path_buf()], WEEK);
            assert_eq!(done.files, 0);
            assert_eq!(done.skipped, 1);
            assert!(tmp.path().join("theirs").exists());
        }
    }

    /// A file system mounted inside a temp folder (a throwaway tmpfs this test mounts) is
    /// never entered.
    #[cfg(target_os = "linux")]
    #[test]
    #[expect(
        clippy::disallowed_methods,
        reason = "mounting the test's own throwaway tmpfs"
    )]
    fn the_walk_never_crosses_into_another_file_system() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let mnt = tmp.path().join("mnt");
        fs::create_dir(&mnt).unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                "size=1m",
                "deskside-test",
                mnt.to_str().unwrap(),
            ])
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            return;
        }
        fs::write(mnt.join("inside"), b"keep").unwrap();
        age(&mnt.join("inside"), 30);
        fs::write(tmp.path().join("outside"), b"go").unwrap();
        age(&tmp.path().join("outside"), 30);
        let done = clear(&[tmp.path().to_path_buf()], WEEK);
        let still_there = mnt.join("inside").exists();
        let _ = std::process::Command::new("umount").arg(&mnt).status();
        assert_eq!(done.files, 1);
        assert!(still_there);
        assert!(!tmp.path().join("outside").exists());
    }

    #[test]
    fn a_missing_or_non_directory_root_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("file"), b"x").unwrap();
        let roots = vec![tmp.path().join("missing"), tmp.path().join("file")];
        assert_eq!(clear(&roots, WEEK), FileTally::default());
        assert!(tmp.path().join("file").exists());
    }
}
