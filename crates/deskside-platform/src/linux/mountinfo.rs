//! `/proc/self/mountinfo` (proc(5)): every mount the process sees, and the filter that keeps
//! only the volumes a person would call "a disk of this computer".

/// One line of mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    /// Mount ID.
    pub id: u64,
    /// Parent mount ID.
    pub parent_id: u64,
    /// Device `major:minor` of the file system.
    pub device_id: (u32, u32),
    /// The directory of the file system that forms this mount's root (not `/` for a bind
    /// mount of a subdirectory or a btrfs subvolume).
    pub root: String,
    /// Mount point, octal escapes (`\040`) decoded.
    pub mount_point: String,
    /// Per-mount options (`rw,relatime`).
    pub mount_options: Vec<String>,
    /// File system type (`ext4`, `fuse.portal`).
    pub fs_type: String,
    /// Mount source (`/dev/nvme0n1p2`, `tmpfs`).
    pub source: String,
    /// Per-superblock options.
    pub super_options: Vec<String>,
}

impl MountEntry {
    /// Mounted read-only (per mount or per superblock).
    #[must_use]
    pub fn read_only(&self) -> bool {
        self.mount_options
            .iter()
            .chain(&self.super_options)
            .any(|o| o == "ro")
    }
}

/// Parse mountinfo text; malformed lines are skipped.
#[must_use]
pub fn parse_mountinfo(text: &str) -> Vec<MountEntry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<MountEntry> {
    let (before, after) = line.split_once(" - ")?;
    let mut head = before.split(' ');
    let id = head.next()?.parse().ok()?;
    let parent_id = head.next()?.parse().ok()?;
    let (major, minor) = head.next()?.split_once(':')?;
    let device_id = (major.parse().ok()?, minor.parse().ok()?);
    let root = unescape(head.next()?);
    let mount_point = unescape(head.next()?);
    let mount_options = split_options(head.next()?);
    let mut tail = after.split(' ');
    let fs_type = unescape(tail.next()?);
    let source = unescape(tail.next().unwrap_or_default());
    let super_options = split_options(tail.next().unwrap_or_default());
    Some(MountEntry {
        id,
        parent_id,
        device_id,
        root,
        mount_point,
        mount_options,
        fs_type,
        source,
        super_options,
    })
}

fn split_options(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Decode the kernel's `\ooo` octal escapes (space, tab, newline, backslash).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes.get(i) == Some(&b'\\') && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u8::from_str_radix(d, 8).ok());
        if let Some(byte) = octal {
            out.push(byte);
            i += 4;
        } else {
            out.extend(bytes.get(i));
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Kernel and virtual file systems that never hold user data.
const PSEUDO_FS: &[&str] = &[
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devtmpfs",
    "devpts",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "efivarfs",
    "nsfs",
    "rpc_pipefs",
    "selinuxfs",
    "ramfs",
    "tmpfs",
    "devfs",
    "squashfs",
    "iso9660",
    "erofs",
    "overlay",
    "aufs",
    "fuse.portal",
    "fuse.gvfsd-fuse",
    "fuse.snapfuse",
    "fuse.lxcfs",
    "fuse.sshfs",
    "fuse.rclone",
    "fuse.kio-fuse",
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ceph",
    "glusterfs",
    "9p",
    "afs",
    "fuse.davfs2",
    "davfs",
    "zram",
];

/// Mount-point trees that hold the system's plumbing, not volumes (container bind mounts of
/// single files land under `/etc`; `ip netns exec` binds `resolv.conf` there too).
const PLUMBING_PREFIXES: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/etc",
    "/snap",
    "/var/lib/docker",
];

/// Whether this mount, on its own, looks like a real local volume: a block-device file
/// system (or the root overlay of a container), not a pseudo, network, snap or system
/// plumbing mount. Removable media under `/run/media` and `/media` count.
#[must_use]
pub fn is_real_local_volume(entry: &MountEntry) -> bool {
    let fs = entry.fs_type.as_str();
    if entry.mount_point == "/" {
        // A container's root (overlay) is still "the disk" to whoever asks.
        return !matches!(fs, "proc" | "sysfs");
    }
    if PSEUDO_FS.contains(&fs) {
        return false;
    }
    let under = |prefix: &str| {
        entry.mount_point == prefix
            || entry
                .mount_point
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    if under("/run/media") {
        return true;
    }
    !PLUMBING_PREFIXES.iter().any(|p| under(p))
}

/// The real local volumes among `entries`, in mount order: [`is_real_local_volume`] plus
/// removal of bind duplicates, i.e. a mount of the same device whose root lies inside the
/// root of an earlier-kept mount of that device (the same volume seen twice). Btrfs
/// subvolumes (`/@` and `/@home`) have disjoint roots and are both kept. Where a mount point
/// is mounted over, the last mount wins.
#[must_use]
pub fn real_local_mounts(entries: &[MountEntry]) -> Vec<&MountEntry> {
    let mut kept: Vec<&MountEntry> = Vec::new();
    for entry in entries.iter().filter(|e| is_real_local_volume(e)) {
        if let Some(pos) = kept.iter().position(|k| k.mount_point == entry.mount_point) {
            kept.remove(pos);
        }
        let duplicate = kept.iter().any(|k| {
            k.device_id == entry.device_id
                && k.fs_type == entry.fs_type
                && path_within(&entry.root, &k.root)
        });
        if !duplicate {
            kept.push(entry);
        }
    }
    kept
}

fn path_within(path: &str, ancestor: &str) -> bool {
    let ancestor = ancestor.trim_end_matches('/');
    path == ancestor
        || ancestor.is_empty()
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}
