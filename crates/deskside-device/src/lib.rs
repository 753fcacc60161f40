//! The device snapshot (`deskside.device/1`): one JSON-serializable picture of this machine —
//! who is logged in, which OS and hardware, CPU and memory, disks, network, VPN links,
//! uptime and battery — for `desksidectl info`, the "copy device info" button and tickets.
//!
//! A snapshot never fails as a whole: a part that cannot be read is left `None` or empty and
//! a line in [`DeviceSnapshot::notes`] says why. It is fast (well under 100 ms on Linux): it
//! reads `/proc` and `/sys` through `deskside-platform`, asks `sysinfo` only for CPU and
//! memory (never the process list), and runs no program except where the platform collector
//! must (`resolvectl` behind the systemd-resolved stub, `gsettings` in a desktop session).

mod host;
mod render;

use std::time::Instant;

use deskside_platform::{Battery, Hardware, NetworkState, OsInfo, Volume, collect};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use render::render_text;

/// The schema tag of [`DeviceSnapshot`]; bumped when a field changes meaning or disappears.
pub const SCHEMA: &str = "deskside.device/1";

/// Interface-name patterns that mean "VPN" even when the OS does not report a tunnel
/// (`*` any run, `?` one character; see [`deskside_platform::glob_match`]).
pub const DEFAULT_VPN_PATTERNS: &[&str] = &["wg*", "tun*", "utun*", "ppp*", "tap*", "ipsec*"];

/// Processor identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Cpu {
    /// Marketing name (`Intel(R) Core(TM) i7-1185G7 @ 3.00GHz`, `Apple M2`).
    pub brand: Option<String>,
    /// Physical cores.
    pub cores: Option<u32>,
    /// Logical processors (hardware threads).
    pub threads: Option<u32>,
}

/// Memory totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Memory {
    /// Installed RAM visible to the OS.
    pub total_bytes: Option<u64>,
    /// RAM available for new work without swapping (`MemAvailable` on Linux).
    pub available_bytes: Option<u64>,
}

/// Everything Deskside tells about this machine at one moment (`deskside.device/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeviceSnapshot {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub collected_at: OffsetDateTime,
    /// Operating system (empty name if unreadable).
    pub os: OsInfo,
    /// Host name (empty if unreadable).
    pub hostname: String,
    /// The logged-in user running Deskside.
    pub user: Option<String>,
    /// Vendor, model, serial where readable.
    pub hardware: Hardware,
    /// Processor.
    pub cpu: Cpu,
    /// Memory.
    pub memory: Memory,
    /// Real local volumes.
    pub volumes: Vec<Volume>,
    /// Interfaces, routes, DNS, proxy.
    pub network: NetworkState,
    /// Names of interfaces that look like VPN links (tunnel kind or a VPN name pattern).
    pub vpn_interfaces: Vec<String>,
    /// Seconds since boot.
    pub uptime_s: Option<u64>,
    /// Battery, on machines that have one.
    pub battery: Option<Battery>,
    /// How long taking the snapshot took.
    pub duration_ms: u64,
    /// What could not be read, in words (empty when everything was).
    pub notes: Vec<String>,
}

/// Knobs for [`snapshot_with`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SnapshotOptions {
    /// Interface-name patterns that count as VPN (in addition to tunnel-kind interfaces).
    pub vpn_patterns: Vec<String>,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        Self {
            vpn_patterns: DEFAULT_VPN_PATTERNS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }
    }
}

/// Take a snapshot with [`SnapshotOptions::default`].
pub async fn snapshot() -> DeviceSnapshot {
    snapshot_with(&SnapshotOptions::default()).await
}

/// The logged-in user's login (`$USER`, `$LOGNAME`, `$USERNAME`, else the real uid's entry).
#[must_use]
pub fn current_user() -> Option<String> {
    host::user()
}

/// Take a snapshot. Never fails: unreadable parts are empty and explained in `notes`.
pub async fn snapshot_with(opts: &SnapshotOptions) -> DeviceSnapshot {
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    // Millisecond precision is plenty for a ticket and keeps the timestamp readable.
    let collected_at = now.replace_millisecond(now.millisecond()).unwrap_or(now);
    // The network future goes first so a `resolvectl`/`gsettings` child is already running
    // while the local, synchronous reads below happen.
    let (network, machine, local, (volumes, volume_notes)) = tokio::join!(
        collect::network_state_noted(),
        collect::machine(),
        async { local_facts() },
        collect::volumes_collected(Vec::new())
    );
    let (mut notes, facts) = local;
    notes.extend(volume_notes);
    if volumes.is_empty() {
        notes.push("no volumes found".to_owned());
    }
    let os = machine.os.unwrap_or_else(|| {
        notes.push("operating system name unreadable".to_owned());
        OsInfo::default()
    });
    let network = match network {
        Ok((state, network_notes)) => {
            notes.extend(network_notes);
            state
        }
        Err(err) => {
            notes.push(format!("network: {err}"));
            NetworkState::default()
        }
    };
    let vpn_interfaces = vpn_interfaces(&network, &opts.vpn_patterns);
    DeviceSnapshot {
        schema: SCHEMA.to_owned(),
        collected_at,
        os,
        hostname: facts.hostname,
        user: facts.user,
        hardware: machine.hardware,
        cpu: facts.cpu,
        memory: facts.memory,
        volumes,
        network,
        vpn_interfaces,
        uptime_s: facts.uptime_s,
        battery: machine.battery,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        notes,
    }
}

struct LocalFacts {
    hostname: String,
    user: Option<String>,
    cpu: Cpu,
    memory: Memory,
    uptime_s: Option<u64>,
}

fn local_facts() -> (Vec<String>, LocalFacts) {
    let mut notes = Vec::new();
    let hostname = host::hostname().unwrap_or_else(|| {
        notes.push("host name unreadable".to_owned());
        String::new()
    });
    let user = host::user();
    if user.is_none() {
        notes.push("logged-in user unknown".to_owned());
    }
    let (cpu, memory) = host::cpu_and_memory();
    if cpu.brand.is_none() && cpu.threads.is_none() {
        notes.push("CPU information unreadable".to_owned());
    }
    if memory.total_bytes.is_none() {
        notes.push("memory information unreadable".to_owned());
    }
    let uptime_s = collect::uptime().map(|d| d.as_secs());
    if uptime_s.is_none() {
        notes.push("uptime unreadable".to_owned());
    }
    let facts = LocalFacts {
        hostname,
        user,
        cpu,
        memory,
        uptime_s,
    };
    (notes, facts)
}

/// Interfaces that look like VPN links ([`NetworkState::vpn_interfaces`]: kind
/// [`deskside_platform::InterfaceKind::Tunnel`], or a name matching one of `patterns`). In interface order.
#[must_use]
pub fn vpn_interfaces(network: &NetworkState, patterns: &[String]) -> Vec<String> {
    network
        .vpn_interfaces(patterns)
        .into_iter()
        .map(|i| i.name.clone())
        .collect()
}
