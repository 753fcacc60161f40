//! Collectors: read the live machine into model values. The only `cfg`-gated part of the
//! crate; each OS module below delegates the text it reads to that OS's pure parsers.
//!
//! Every collector returns what it could read plus human-readable notes on what it could
//! not: a snapshot or a diagnosis is still useful with one part missing. Only an OS Deskside
//! does not support at all gets an error ([`CollectError::Unsupported`]).

use std::time::Duration;

use crate::model::{Battery, Hardware, NetworkState, OsInfo, Volume};

/// Errors from the collectors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// This operating system has no collector for this fact.
    #[error("collecting {what} is not supported on this operating system")]
    Unsupported {
        /// What was asked for (`network state`).
        what: &'static str,
    },
    /// Running the OS command the collector depends on failed (missing, timed out…).
    #[error(transparent)]
    Exec(#[from] deskside_exec::ExecError),
    /// The OS-specific collector failed as a whole.
    #[error("collecting {what} failed: {reason}")]
    Failed {
        /// What was asked for.
        what: &'static str,
        /// Why, in words for a log or a note.
        reason: String,
    },
}

/// The network as the OS sees it now: interfaces, routes, DNS, proxy.
///
/// # Errors
/// [`CollectError::Unsupported`] on an OS without a collector; the OS collector's error
/// where it fails as a whole (on Linux it never does: unreadable parts are left empty).
pub async fn network_state() -> Result<NetworkState, CollectError> {
    network_state_noted().await.map(|(state, _)| state)
}

/// [`network_state`] plus notes on the parts that could not be read.
///
/// # Errors
/// As [`network_state`].
pub async fn network_state_noted() -> Result<(NetworkState, Vec<String>), CollectError> {
    #[cfg(target_os = "linux")]
    {
        Ok(crate::linux::live::network_state().await)
    }
    #[cfg(target_os = "windows")]
    {
        crate::windows::collect_network()
            .await
            .map(|state| (state, Vec::new()))
            .map_err(Into::into)
    }
    #[cfg(target_os = "macos")]
    {
        crate::macos::collect_network()
            .await
            .map(|state| (state, Vec::new()))
            .map_err(Into::into)
    }
    #[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
    {
        Err(CollectError::Unsupported {
            what: "network state",
        })
    }
}

/// Mounted volumes with their size. For each of `paths`, the volume holding that path (any
/// file system, so a tmpfs `/tmp` is reported when asked for); with no paths, every real
/// local volume (no pseudo, network, snap or bind-duplicate mounts).
#[must_use]
pub fn volumes(paths: &[String]) -> Vec<Volume> {
    volumes_noted(paths).0
}

/// [`volumes`] plus notes on paths or mounts that could not be read.
#[must_use]
pub fn volumes_noted(paths: &[String]) -> (Vec<Volume>, Vec<String>) {
    #[cfg(target_os = "linux")]
    {
        crate::linux::live::volumes(paths)
    }
    #[cfg(not(target_os = "linux"))]
    {
        other::volumes(paths)
    }
}

/// [`volumes_noted`] from async code: read on a blocking thread; on macOS the inode counts
/// are then added from `df` (which `sysinfo` lacks).
pub async fn volumes_collected(paths: Vec<String>) -> (Vec<Volume>, Vec<String>) {
    #[cfg_attr(
        not(target_os = "macos"),
        expect(unused_mut, reason = "filled in on macOS")
    )]
    let (mut volumes, notes) = tokio::task::spawn_blocking(move || volumes_noted(&paths))
        .await
        .unwrap_or_default();
    #[cfg(target_os = "macos")]
    crate::macos::df::add_inodes(&mut volumes).await;
    (volumes, notes)
}

/// Time since boot (on Linux, of this time namespace), if readable.
#[must_use]
pub fn uptime() -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        crate::linux::live::uptime()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Some(Duration::from_secs(sysinfo::System::uptime())).filter(|d| !d.is_zero())
    }
}

/// Operating system name, version and build (kernel release on Linux), if readable.
#[must_use]
pub fn os_info() -> Option<OsInfo> {
    #[cfg(target_os = "linux")]
    {
        crate::linux::live::os_info()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let name = sysinfo::System::long_os_version().or_else(sysinfo::System::name)?;
        Some(OsInfo {
            name,
            version: sysinfo::System::os_version(),
            build: sysinfo::System::kernel_version(),
        })
    }
}

/// The machine's identity: OS, hardware and battery, each where readable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Machine {
    /// OS name, version and build.
    pub os: Option<OsInfo>,
    /// Vendor, model, serial.
    pub hardware: Hardware,
    /// The battery, if any.
    pub battery: Option<Battery>,
}

/// [`Machine`] from the OS's own sources: `/sys` and `/etc/os-release` on Linux; on Windows
/// CIM through PowerShell ([`crate::windows::cim`]); on macOS `sw_vers`,
/// `system_profiler SPHardwareDataType` and `pmset -g batt`. A part whose command fails is
/// left empty (the OS name then comes from [`os_info`]).
pub async fn machine() -> Machine {
    #[cfg(target_os = "windows")]
    {
        let mut m = crate::windows::collect_machine().await;
        m.os = m.os.or_else(os_info);
        m
    }
    #[cfg(target_os = "macos")]
    {
        let mut m = crate::macos::collect_machine().await;
        m.os = m.os.or_else(os_info);
        m
    }
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    {
        Machine {
            os: os_info(),
            hardware: hardware(),
            battery: battery(),
        }
    }
}

/// Hardware vendor, model and serial where readable without elevation, without running a
/// command: Linux only (`/sys`); elsewhere empty — use [`machine`].
#[must_use]
pub fn hardware() -> Hardware {
    #[cfg(target_os = "linux")]
    {
        crate::linux::live::hardware()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Hardware::default()
    }
}

/// The machine's battery, if it has one and it is readable without running a command: Linux
/// only (`/sys`); elsewhere `None` — use [`machine`].
#[must_use]
pub fn battery() -> Option<Battery> {
    #[cfg(target_os = "linux")]
    {
        crate::linux::live::battery()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(not(target_os = "linux"))]
mod other {
    //! Volumes off Linux through `sysinfo`; on macOS the inode counts from `df -k -i -l`.

    use crate::model::Volume;

    pub(super) fn volumes(paths: &[String]) -> (Vec<Volume>, Vec<String>) {
        let disks = sysinfo::Disks::new_with_refreshed_list();
        let all: Vec<Volume> = disks
            .list()
            .iter()
            .map(|d| Volume {
                mount_point: d.mount_point().to_string_lossy().into_owned(),
                device: d.name().to_string_lossy().into_owned(),
                fs_type: d.file_system().to_string_lossy().into_owned(),
                total_bytes: d.total_space(),
                available_bytes: d.available_space(),
                total_inodes: None,
                free_inodes: None,
                read_only: d.is_read_only(),
            })
            .collect();
        if paths.is_empty() {
            return (all, Vec::new());
        }
        let mut notes = Vec::new();
        let mut out: Vec<Volume> = Vec::new();
        for path in paths {
            let best = all
                .iter()
                .filter(|v| {
                    path.to_lowercase()
                        .starts_with(&v.mount_point.to_lowercase())
                })
                .max_by_key(|v| v.mount_point.len());
            match best {
                Some(v) if !out.iter().any(|o| o.mount_point == v.mount_point) => {
                    out.push(v.clone())
                }
                Some(_) => {}
                None => notes.push(format!("no volume found for {path}")),
            }
        }
        (out, notes)
    }
}
