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

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u32) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.uid())
}

#[cfg(not(unix))]
fn identity(_meta: &std::fs::Metadata) -> (u64, u32) {
    (0, 0)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
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
    let uid = current_uid();
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
        let (dev, _) = identity(&meta);
        walk_dir(root, true, dev, uid, cutoff, rules, delete, &mut tally);
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
    dev: u64,
    uid: u32,
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
        let (entry_dev, owner) = identity(&meta);
        let hidden_top =
            top && !rules.whole_tree && entry.file_name().to_string_lossy().starts_with('.');
        if entry_dev != dev || owner != uid || hidden_top {
            tally.skipped += 1;
            continue;
        }
        let ft = meta.file_type();
        if ft.is_dir() {
            walk_dir(&path, false, dev, uid, cutoff, rules, delete, tally);
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
        std::os::unix::fs::symlink(outside.path().join("docs"), root.join("link-dir")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("docs/precious"), root.join("link-file"))
            .unwrap();

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
        assert!(fs::symlink_metadata(root.join("link-file")).is_ok());
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
        std::os::unix::fs::symlink(outside.path().join("target"), files.join("link")).unwrap();
        let roots = vec![files.clone(), info.clone()];
        let rules = ClearRules {
            older_than: None,
            whole_tree: true,
        };
        assert_eq!(scan(&roots, rules).bytes, 163);
        let done = clear(&roots, rules);
        assert_eq!(done.files, 4);
        assert_eq!(fs::read_dir(&files).unwrap().count(), 0);
        assert_eq!(fs::read_dir(&info).unwrap().count(), 0);
        assert!(files.is_dir() && info.is_dir(), "the trash folders stay");
        assert!(outside.path().join("target").exists());
    }

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
