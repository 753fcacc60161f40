//! `/sys/class/net/<if>/*`: what kind of link an interface is and whether it is up, decided
//! from the attributes the kernel exposes there (read by the live collector into
//! [`LinkFacts`], so the decision itself is a pure, testable function).

use crate::model::{InterfaceKind, LinkState};

/// `ARPHRD_ETHER`.
const ARPHRD_ETHER: u32 = 1;
/// `ARPHRD_PPP`.
const ARPHRD_PPP: u32 = 512;
/// `ARPHRD_LOOPBACK`.
const ARPHRD_LOOPBACK: u32 = 772;
/// `ARPHRD_NONE`: raw IP devices (tun, WireGuard).
const ARPHRD_NONE: u32 = 65534;
/// IP-in-IP, GRE and SIT tunnel types (`ARPHRD_TUNNEL`, `TUNNEL6`, `SIT`, `IPGRE`, `IP6GRE`).
const ARPHRD_TUNNELS: &[u32] = &[768, 769, 776, 778, 823];
/// `IFF_UP`: administratively up.
const IFF_UP: u32 = 0x1;
/// `IFF_RUNNING`: the driver reports the link as working.
const IFF_RUNNING: u32 = 0x40;

/// What `/sys/class/net/<name>/` says about one interface.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFacts {
    /// Interface name.
    pub name: String,
    /// `type` (an `ARPHRD_*` number).
    pub link_type: Option<u32>,
    /// `flags` (`IFF_*` bits; the file holds hex like `0x1003`).
    pub flags: Option<u32>,
    /// `operstate` (`up`, `down`, `unknown`, `lowerlayerdown`, `dormant`, …).
    pub operstate: Option<String>,
    /// `carrier` (unreadable while the interface is down).
    pub carrier: Option<bool>,
    /// `mtu`.
    pub mtu: Option<u32>,
    /// `tun_flags` exists: a tun/tap device.
    pub tun: bool,
    /// `bridge/` exists.
    pub bridge: bool,
    /// `wireless/` or `phy80211` exists, or `uevent` has `DEVTYPE=wlan`.
    pub wireless: bool,
    /// `uevent` has `DEVTYPE=wwan`.
    pub wwan: bool,
    /// The device lives under `/sys/devices/virtual/net`: no hardware behind it.
    pub virtual_device: bool,
}

impl LinkFacts {
    /// Parse the `flags` file (`0x1003`).
    #[must_use]
    pub fn parse_flags(text: &str) -> Option<u32> {
        let text = text.trim();
        u32::from_str_radix(text.strip_prefix("0x").unwrap_or(text), 16).ok()
    }
}

fn name_has_prefix(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| name.starts_with(p))
}

/// Decide the interface kind. Order matters: hardware facts that cannot lie (loopback type,
/// tun device, Wi-Fi attributes, bridge directory) first; then the name for `eth*`, `en*`
/// and `wl*`, so that a veth named `eth0` (containers, the test lab) counts as Ethernet;
/// only then "virtual" by sysfs location or by names like `veth*`, `docker*`, `virbr*`.
#[must_use]
pub fn classify_kind(facts: &LinkFacts) -> InterfaceKind {
    let name = facts.name.as_str();
    let link_type = facts.link_type;
    if link_type == Some(ARPHRD_LOOPBACK) || (link_type.is_none() && name == "lo") {
        return InterfaceKind::Loopback;
    }
    if facts.tun
        || link_type
            .is_some_and(|t| t == ARPHRD_NONE || t == ARPHRD_PPP || ARPHRD_TUNNELS.contains(&t))
        || name_has_prefix(name, &["tun", "wg", "ppp", "tap", "ipsec", "vti", "utun"])
    {
        return InterfaceKind::Tunnel;
    }
    if facts.wireless {
        return InterfaceKind::Wireless;
    }
    if facts.bridge {
        return InterfaceKind::Bridge;
    }
    if name_has_prefix(name, &["eth", "en"]) {
        return InterfaceKind::Ethernet;
    }
    if name_has_prefix(name, &["wl"]) {
        return InterfaceKind::Wireless;
    }
    if facts.wwan || name_has_prefix(name, &["ww"]) {
        return InterfaceKind::Cellular;
    }
    if facts.virtual_device
        || name_has_prefix(
            name,
            &["veth", "docker", "virbr", "vnet", "br-", "vmnet", "vboxnet"],
        )
    {
        return InterfaceKind::Virtual;
    }
    if link_type == Some(ARPHRD_ETHER) {
        return InterfaceKind::Ethernet;
    }
    InterfaceKind::Other
}

/// Decide the link state: administratively down (`IFF_UP` clear) → `Down`; carrier 0 →
/// `NoCarrier`; `operstate` up → `Up`; `down`/`lowerlayerdown`/`notpresent`/`dormant` or no carrier → `NoCarrier`;
/// `unknown` (loopback, tun devices, some drivers) with carrier or `IFF_RUNNING` → `Up`.
#[must_use]
pub fn classify_state(facts: &LinkFacts) -> LinkState {
    if facts.flags.is_some_and(|f| f & IFF_UP == 0) {
        return LinkState::Down;
    }
    // The carrier bit is updated synchronously; operstate lags behind it (the kernel's
    // linkwatch work) and can still say "up" for a moment after a cable is pulled.
    if facts.carrier == Some(false) {
        return LinkState::NoCarrier;
    }
    match facts.operstate.as_deref().map(str::trim) {
        Some("up") => LinkState::Up,
        Some("down" | "lowerlayerdown" | "notpresent" | "dormant") => LinkState::NoCarrier,
        _ if facts.carrier == Some(false) => LinkState::NoCarrier,
        _ if facts.carrier == Some(true) => LinkState::Up,
        _ if facts.flags.is_some_and(|f| f & IFF_RUNNING != 0) => LinkState::Up,
        _ if facts.flags.is_some() => LinkState::NoCarrier,
        _ => LinkState::Unknown,
    }
}
