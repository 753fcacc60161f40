//! `df -k -i` (macOS) and POSIX `df -kP` → volumes.
//!
//! macOS prints `Filesystem 1024-blocks Used Available Capacity iused ifree %iused Mounted on`;
//! POSIX mode drops the inode columns. The mount point is everything after the fixed columns,
//! so mount points with spaces (`/Volumes/My Disk`) survive. File system type is not in `df`'s
//! output and is left empty; `devfs`/`map` pseudo volumes are skipped.

use crate::model::Volume;

fn kib(field: &str) -> Option<u64> {
    field.parse::<u64>().ok().map(|k| k.saturating_mul(1024))
}

/// Parse `df -k -i` or `df -kP` output.
#[must_use]
pub fn parse_df(text: &str) -> Vec<Volume> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let with_inodes = header.contains("iused");
    let fixed = if with_inodes { 8 } else { 5 };
    let mut volumes = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() <= fixed {
            continue;
        }
        let device = fields.first().copied().unwrap_or_default();
        if matches!(device, "devfs" | "map" | "none") || device.starts_with("map ") {
            continue;
        }
        // The mount point starts after the fixed columns; rebuild it from the original text
        // so runs of spaces inside it are kept.
        let Some(mount_point) = nth_field_rest(line, fixed) else {
            continue;
        };
        let (Some(total), Some(available)) = (
            fields.get(1).and_then(|f| kib(f)),
            fields.get(3).and_then(|f| kib(f)),
        ) else {
            continue;
        };
        let (total_inodes, free_inodes) = if with_inodes {
            let used = fields.get(5).and_then(|f| f.parse::<u64>().ok());
            let free = fields.get(6).and_then(|f| f.parse::<u64>().ok());
            (used.zip(free).map(|(u, f)| u.saturating_add(f)), free)
        } else {
            (None, None)
        };
        volumes.push(Volume {
            mount_point: mount_point.to_owned(),
            device: device.to_owned(),
            fs_type: String::new(),
            total_bytes: total,
            available_bytes: available,
            total_inodes,
            free_inodes,
            read_only: false,
        });
    }
    volumes
}

/// Fill the inode counts of `volumes` (from `sysinfo`, which has none, but has the file system
/// type and read-only flag `df` lacks) from `df`'s volumes with the same mount point.
pub fn merge_inodes(volumes: &mut [Volume], from_df: &[Volume]) {
    for v in volumes.iter_mut() {
        if let Some(d) = from_df.iter().find(|d| d.mount_point == v.mount_point) {
            v.total_inodes = d.total_inodes;
            v.free_inodes = d.free_inodes;
        }
    }
}

/// Add inode counts to `volumes` from `df -k -i -l` (local volumes only: a hung network
/// mount cannot stall it; 5 s at most). Left as they are when `df` fails.
#[cfg(target_os = "macos")]
pub async fn add_inodes(volumes: &mut [Volume]) {
    let cmd = deskside_exec::Cmd::new("/bin/df")
        .args(["-k", "-i", "-l"])
        .timeout(std::time::Duration::from_secs(5));
    match deskside_exec::run(&cmd).await {
        Ok(out) => merge_inodes(volumes, &parse_df(&out.stdout)),
        Err(err) => tracing::warn!(%err, "df failed; volumes have no inode counts"),
    }
}

/// The rest of `line` starting at whitespace-separated field `n` (0-based).
fn nth_field_rest(line: &str, n: usize) -> Option<&str> {
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        rest = rest.get(end..)?.trim_start();
    }
    let rest = rest.trim_end();
    (!rest.is_empty()).then_some(rest)
}
