//! The typed facts about a machine that parsers produce and checks consume.
//!
//! Every type here serializes to JSON (device snapshot, reports, tickets), so field names
//! are part of the `deskside.report/1` and `deskside.device/1` schemas: rename with care.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The operating systems Deskside knows, passed as a value so OS-specific logic is testable
/// anywhere; one enum for the workspace, owned by `deskside-config` (whose path rules need it
/// and which depends on nothing else of Deskside).
pub use deskside_config::Os;

/// What kind of link an interface is, as far as the OS tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum InterfaceKind {
    /// The loopback interface.
    Loopback,
    /// Wired Ethernet (or something the OS presents as such).
    Ethernet,
    /// Wi-Fi.
    Wireless,
    /// A layer-3 tunnel (tun, WireGuard, utun, ppp, IPsec): where VPNs live.
    Tunnel,
    /// A software bridge.
    Bridge,
    /// Another virtual link (veth, virtual machine or container adapters).
    Virtual,
    /// Cellular/WWAN.
    Cellular,
    /// Anything else.
    Other,
}

/// Operational state of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Up and able to pass traffic.
    Up,
    /// Administratively down (switched off).
    Down,
    /// Switched on but no carrier: cable unplugged, not associated to Wi-Fi.
    NoCarrier,
    /// The OS did not say.
    Unknown,
}

/// One address on an interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct InterfaceAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (e.g. 24); `None` when the source did not give a mask.
    pub prefix_len: Option<u8>,
}

/// A network interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Interface {
    /// OS name: `eth0`, `en0`, or on Windows the adapter's connection name (`Wi-Fi`).
    pub name: String,
    /// Human description where the OS has one (Windows adapter description, macOS hardware port).
    pub description: Option<String>,
    /// Link kind.
    pub kind: InterfaceKind,
    /// Operational state.
    pub state: LinkState,
    /// Hardware address as `aa:bb:cc:dd:ee:ff` (lower case, colons), if any.
    pub mac: Option<String>,
    /// Link MTU, if known.
    pub mtu: Option<u32>,
    /// Whether the address came from DHCP, if known.
    pub dhcp: Option<bool>,
    /// IPv4 and IPv6 addresses.
    pub addresses: Vec<InterfaceAddress>,
}

/// A routing-table entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Route {
    /// Destination network; `0.0.0.0/0` or `::/0` for a default route.
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub destination: IpNet,
    /// Next hop, `None` for on-link routes.
    pub gateway: Option<IpAddr>,
    /// Outgoing interface name, if known.
    pub interface: Option<String>,
    /// Route metric, if known.
    pub metric: Option<u32>,
}

impl Route {
    /// Whether this is a default route (`/0`).
    #[must_use]
    pub fn is_default(&self) -> bool {
        self.destination.prefix_len() == 0
    }
}

/// A set of DNS servers used for some domains only (split DNS: macOS scoped resolvers,
/// systemd-resolved per-link routing domains, Windows NRPT).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DnsScope {
    /// Domains this scope answers for (without leading `~` or dot).
    pub domains: Vec<String>,
    /// The servers.
    pub servers: Vec<IpAddr>,
    /// Interface the scope is bound to, if any.
    pub interface: Option<String>,
}

/// The machine's DNS resolver configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DnsConfig {
    /// Servers for names no scope claims, in the order the OS tries them.
    pub servers: Vec<IpAddr>,
    /// Search domains appended to short names.
    pub search_domains: Vec<String>,
    /// Domain-specific server sets (split DNS).
    pub scopes: Vec<DnsScope>,
    /// When `servers` is a local stub (e.g. systemd-resolved `127.0.0.53`), the upstream
    /// servers behind it, where they could be read.
    pub upstream_servers: Vec<IpAddr>,
    /// Where this came from: `/etc/resolv.conf`, `resolvectl`, `scutil --dns`, `ipconfig /all`.
    pub source: String,
}

/// A proxy server address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProxyEndpoint {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// Proxy configuration found on the machine (environment or system settings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs.
    pub http: Option<ProxyEndpoint>,
    /// Proxy for `https://` URLs.
    pub https: Option<ProxyEndpoint>,
    /// SOCKS proxy.
    pub socks: Option<ProxyEndpoint>,
    /// Proxy auto-config (PAC) URL.
    pub pac_url: Option<String>,
    /// Web Proxy Auto-Discovery (WPAD) switched on.
    pub auto_detect: bool,
    /// Hosts/domains that bypass the proxy.
    pub bypass: Vec<String>,
    /// Where this came from: `environment`, `gsettings`, `scutil --proxy`, `netsh winhttp`, `registry`.
    pub source: String,
}

impl ProxyConfig {
    /// Whether any proxy, PAC or auto-detection is configured.
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.http.is_some()
            || self.https.is_some()
            || self.socks.is_some()
            || self.pac_url.is_some()
            || self.auto_detect
    }
}

/// A mounted volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Volume {
    /// Where it is mounted (`/`, `C:\`).
    pub mount_point: String,
    /// Device or volume name (`/dev/nvme0n1p2`).
    pub device: String,
    /// File system type (`ext4`, `apfs`, `NTFS`).
    pub fs_type: String,
    /// Total size in bytes.
    pub total_bytes: u64,
    /// Bytes available to an unprivileged user (excludes root-reserved blocks).
    pub available_bytes: u64,
    /// Total inodes, where the file system has a fixed number.
    pub total_inodes: Option<u64>,
    /// Free inodes, where the file system has a fixed number.
    pub free_inodes: Option<u64>,
    /// Mounted read-only.
    pub read_only: bool,
}

/// The network as the OS sees it at one moment: the input of every network check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NetworkState {
    /// All interfaces.
    pub interfaces: Vec<Interface>,
    /// Routing table (IPv4 and IPv6).
    pub routes: Vec<Route>,
    /// DNS configuration.
    pub dns: DnsConfig,
    /// Proxy configuration.
    pub proxy: ProxyConfig,
}

impl NetworkState {
    /// Default routes, lowest metric first.
    #[must_use]
    pub fn default_routes(&self) -> Vec<&Route> {
        let mut routes: Vec<&Route> = self.routes.iter().filter(|r| r.is_default()).collect();
        routes.sort_by_key(|r| r.metric.unwrap_or(u32::MAX));
        routes
    }

    /// The interface with this name.
    #[must_use]
    pub fn interface(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name)
    }
}

/// Battery state, where the machine has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Battery {
    /// Charge, 0–100.
    pub percent: Option<f32>,
    /// `charging`, `discharging`, `full`, `not_charging`, `unknown`.
    pub state: String,
    /// Health as design capacity vs. now, 0–100, where readable.
    pub health_percent: Option<f32>,
    /// Charge cycles, where readable.
    pub cycle_count: Option<u32>,
}

/// Hardware identity, where readable without elevation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Hardware {
    /// Manufacturer (`LENOVO`, `Apple Inc.`).
    pub vendor: Option<String>,
    /// Model (`20XW0026GE`, `MacBookPro18,3`).
    pub model: Option<String>,
    /// Serial number (often root-only on Linux).
    pub serial: Option<String>,
}

/// Operating system identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OsInfo {
    /// Pretty name (`Debian GNU/Linux 12 (bookworm)`, `macOS`, `Windows 11 Pro`).
    pub name: String,
    /// Version (`12`, `14.4.1`, `10.0.22631`).
    pub version: Option<String>,
    /// Build (`23E224`, `22631.3447`) or kernel release on Linux.
    pub build: Option<String>,
}
