//! Disk checks: free space, free inodes, and large temp/cache folders.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deskside_platform::{Volume, collect};
use serde_json::json;

use super::{human_bytes, round1};
use crate::check::Outcome;
use crate::context::Context;

async fn volumes(ctx: &Context) -> Vec<Volume> {
    let paths = ctx.config.disk.paths.clone();
    collect::volumes_collected(paths).await.0
}

#[expect(clippy::cast_precision_loss, reason = "percentages")]
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// `disk.space`: free space on each volume.
pub async fn space(ctx: &Context) -> Outcome {
    let vols: Vec<Volume> = volumes(ctx)
        .await
        .into_iter()
        .filter(|v| v.total_bytes > 0 && !v.read_only)
        .collect();
    let c = &ctx.config.disk;
    let rows: Vec<_> = vols
        .iter()
        .map(|v| json!({"mount_point": v.mount_point, "fs_type": v.fs_type, "total_bytes": v.total_bytes,
            "available_bytes": v.available_bytes, "free_percent": round1(percent(v.available_bytes, v.total_bytes))}))
        .collect();
    let evidence = json!({"volumes": rows, "warn_free_percent": c.warn_free_percent, "fail_free_percent": c.fail_free_percent});
    if vols.is_empty() {
        return Outcome::skip("No disks to check were found.", evidence);
    }
    let worst = vols.iter().min_by(|a, b| {
        percent(a.available_bytes, a.total_bytes)
            .total_cmp(&percent(b.available_bytes, b.total_bytes))
    });
    let Some(v) = worst else {
        return Outcome::skip("No disks to check were found.", evidence);
    };
    let free = percent(v.available_bytes, v.total_bytes);
    let facts = format!(
        "{} free of {} ({:.1}%) on {}",
        human_bytes(v.available_bytes),
        human_bytes(v.total_bytes),
        free,
        v.mount_point
    );
    if free < c.fail_free_percent {
        Outcome::fail(format!("A disk is almost full: {facts}. Apps may fail to save files or update."), evidence)
            .advise("Free up space: empty the trash and delete large downloads you no longer need; Deskside can clear temporary files.")
    } else if free < c.warn_free_percent {
        Outcome::warn(format!("A disk is getting full: {facts}."), evidence)
            .advise("Free up some space soon: empty the trash and remove large downloads you no longer need.")
    } else {
        Outcome::pass(format!("Enough disk space: {facts}."), evidence)
    }
}

/// `disk.inodes`: free inodes (file slots) on volumes that have a fixed number.
pub async fn inodes(ctx: &Context) -> Outcome {
    let vols: Vec<Volume> = volumes(ctx)
        .await
        .into_iter()
        .filter(|v| v.total_inodes.unwrap_or(0) > 0 && !v.read_only)
        .collect();
    let c = &ctx.config.disk;
    let rows: Vec<_> = vols
        .iter()
        .map(|v| {
            let (t, f) = (v.total_inodes.unwrap_or(0), v.free_inodes.unwrap_or(0));
            json!({"mount_point": v.mount_point, "total_inodes": t, "free_inodes": f, "free_percent": round1(percent(f, t))})
        })
        .collect();
    let evidence = json!({"volumes": rows});
    let worst = vols.iter().min_by(|a, b| {
        percent(a.free_inodes.unwrap_or(0), a.total_inodes.unwrap_or(0)).total_cmp(&percent(
            b.free_inodes.unwrap_or(0),
            b.total_inodes.unwrap_or(0),
        ))
    });
    let Some(v) = worst else {
        return Outcome::skip(
            "No disk here has a fixed number of file slots to check.",
            evidence,
        );
    };
    let free = percent(v.free_inodes.unwrap_or(0), v.total_inodes.unwrap_or(0));
    if free < c.fail_free_inodes_percent {
        Outcome::fail(
            format!(
                "Disk {} cannot hold any more files: it has run out of file slots (inodes), even though {} of space is free.",
                v.mount_point,
                human_bytes(v.available_bytes)
            ),
            evidence,
        )
        .advise("Some program has created a huge number of small files. Deskside can clear temporary files; otherwise contact IT.")
    } else if free < c.warn_free_inodes_percent {
        Outcome::warn(
            format!(
                "Disk {} is running out of file slots (inodes): {free:.1}% left.",
                v.mount_point
            ),
            evidence,
        )
        .advise("Clear temporary files; if it keeps happening, contact IT.")
    } else {
        Outcome::pass("Every disk has room for new files.", evidence)
    }
}

/// Default temp/cache folders of the current OS and user (also what `disk.clear_temp` clears).
#[must_use]
pub fn default_temp_paths() -> Vec<PathBuf> {
    deskside_platform::temp::default_temp_paths()
}

/// Size of a directory tree: bytes, files visited, and whether the walk stopped early.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeSize {
    /// Total bytes of regular files.
    pub bytes: u64,
    /// Files counted.
    pub files: u64,
    /// The walk hit its entry or time limit; `bytes` is a lower bound.
    pub partial: bool,
}

/// Walk `root` without following symlinks, within `max_entries` and `budget`.
#[must_use]
pub fn tree_size(root: &Path, max_entries: u64, budget: Duration) -> TreeSize {
    let started = Instant::now();
    let mut size = TreeSize::default();
    let mut stack = vec![root.to_path_buf()];
    let mut entries = 0_u64;
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in rd.flatten() {
            entries += 1;
            if entries > max_entries || started.elapsed() > budget {
                size.partial = true;
                return size;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                size.bytes = size.bytes.saturating_add(meta.len());
                size.files += 1;
            }
        }
    }
    size
}

/// `disk.temp`: large temp and cache folders, with sizes.
pub async fn temp(ctx: &Context) -> Outcome {
    let c = &ctx.config.disk;
    let paths: Vec<PathBuf> = if c.temp_paths.is_empty() {
        default_temp_paths()
    } else {
        c.temp_paths.iter().map(PathBuf::from).collect()
    };
    let sizes = tokio::task::spawn_blocking(move || {
        paths
            .into_iter()
            .map(|p| (tree_size(&p, 200_000, Duration::from_secs(2)), p))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let total: u64 = sizes.iter().map(|(s, _)| s.bytes).sum();
    let evidence = json!({
        "folders": sizes.iter().map(|(s, p)| json!({"path": p, "bytes": s.bytes, "files": s.files, "partial": s.partial})).collect::<Vec<_>>(),
        "total_bytes": total, "warn_bytes": c.temp_warn_bytes,
    });
    if total > c.temp_warn_bytes {
        let biggest = sizes
            .iter()
            .max_by_key(|(s, _)| s.bytes)
            .map(|(s, p)| format!("{} in {}", human_bytes(s.bytes), p.display()));
        Outcome::warn(
            format!(
                "Temporary and cache files take up {} (largest: {}).",
                human_bytes(total),
                biggest.unwrap_or_default()
            ),
            evidence,
        )
        .advise("Deskside can clear old temporary files for you; nothing you saved is touched.")
    } else {
        Outcome::pass(
            format!("Temporary files take up {}.", human_bytes(total)),
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_size_counts_files_and_respects_limits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a"), vec![0_u8; 1000]).unwrap();
        std::fs::write(dir.path().join("sub/b"), vec![0_u8; 500]).unwrap();
        let s = tree_size(dir.path(), 1000, Duration::from_secs(5));
        assert_eq!(
            s,
            TreeSize {
                bytes: 1500,
                files: 2,
                partial: false
            }
        );
        let s = tree_size(dir.path(), 1, Duration::from_secs(5));
        assert!(s.partial);
        assert_eq!(
            tree_size(&dir.path().join("missing"), 10, Duration::from_secs(1)),
            TreeSize::default()
        );
    }
}
