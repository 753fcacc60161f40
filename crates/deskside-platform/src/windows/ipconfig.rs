//! Parser for `ipconfig /all`: adapters, their default gateways, DNS servers and the global
//! DNS suffix search list.
//!
//! `ipconfig` prints a global block ("Windows IP Configuration") and then one block per
//! adapter, headed by an unindented line such as `Wireless LAN adapter Wi-Fi:`. Inside a
//! block, `   Key . . . . . : value` lines carry dotted leaders of varying length, and some
//! values (DNS servers, gateways, search lists) continue on deeper-indented lines. Keys are
//! matched in English, with German and French aliases for the fields checks depend on.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::parse_ip_lenient;
use crate::model::{DnsConfig, Interface, InterfaceAddress, InterfaceKind, LinkState, Route};

/// Everything `ipconfig /all` tells about the machine's network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IpconfigAll {
    /// The "Host Name" of the global block.
    pub host_name: Option<String>,
    /// One entry per adapter block, named by connection name (`Wi-Fi`, `Ethernet 2`).
    pub interfaces: Vec<Interface>,
    /// One default route per "Default Gateway" value, bound to its adapter's name.
    pub routes: Vec<Route>,
    /// DNS servers of all adapters in the order printed, and the global search list.
    pub dns: DnsConfig,
}

/// Which field a key names; aliases cover the German and French outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    HostName,
    SearchList,
    MediaState,
    Description,
    PhysicalAddress,
    DhcpEnabled,
    Ipv4Address,
    SubnetMask,
    Ipv6Address,
    DefaultGateway,
    DnsServers,
    Other,
}

fn field_of(key: &str) -> Field {
    let k = key.to_lowercase();
    let k = k.as_str();
    match k {
        "host name" | "hostname" | "nom de l'hôte" => Field::HostName,
        "dns suffix search list" | "dns-suffixsuchliste" | "liste de recherche du suffixe dns" => {
            Field::SearchList
        }
        "media state" | "medienstatus" | "statut du média" => Field::MediaState,
        "description" | "beschreibung" => Field::Description,
        "physical address" | "physische adresse" | "adresse physique" => Field::PhysicalAddress,
        "dhcp enabled" | "dhcp aktiviert" | "dhcp activé" => Field::DhcpEnabled,
        "subnet mask" | "subnetzmaske" | "masque de sous-réseau" => Field::SubnetMask,
        "default gateway" | "standardgateway" | "passerelle par défaut" => Field::DefaultGateway,
        "dns servers" | "dns-server" | "serveurs dns" => Field::DnsServers,
        // Windows XP printed "IP Address"; APIPA shows as "Autoconfiguration IPv4 Address".
        "ip address" => Field::Ipv4Address,
        _ if k.contains("ipv4") && !k.contains("dhcp") => Field::Ipv4Address,
        // "IPv6 Address", "Temporary IPv6 Address", "Link-local IPv6 Address" and their
        // translations; DHCPv6 IAID/DUID do not contain "ipv6".
        _ if k.contains("ipv6") => Field::Ipv6Address,
        _ => Field::Other,
    }
}

/// A block being read: the global one or an adapter.
#[derive(Debug)]
struct Adapter {
    header_kind: HeaderKind,
    name: String,
    description: Option<String>,
    disconnected: bool,
    mac: Option<String>,
    dhcp: Option<bool>,
    addresses: Vec<InterfaceAddress>,
    gateways: Vec<IpAddr>,
    dns: Vec<IpAddr>,
}

/// What the block header says the adapter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderKind {
    Wireless,
    Ethernet,
    Tunnel,
    Ppp,
    Unknown,
}

/// Split an adapter header (`Wireless LAN adapter Wi-Fi:`) into its kind and connection name.
fn parse_header(line: &str) -> Option<(HeaderKind, String)> {
    let line = line.trim_end().strip_suffix(':')?.trim_end();
    // ASCII lowering keeps byte offsets, so positions found in `lower` are valid in `line`.
    let lower = line.to_ascii_lowercase();
    // English "… adapter NAME", German "…-Adapter NAME".
    let name = if let Some(pos) = lower.find("adapter ") {
        line.get(pos + "adapter ".len()..)?
    } else {
        // French: "Carte réseau sans fil Wi-Fi", "Carte Ethernet Ethernet", "Carte Tunnel …".
        const FRENCH: [&str; 6] = [
            "carte réseau sans fil ",
            "carte ethernet ",
            "carte tunnel ",
            "carte ppp ",
            "carte inconnue ",
            "carte ",
        ];
        let prefix = FRENCH.iter().find(|p| lower.starts_with(*p))?;
        line.get(prefix.len()..)?
    };
    let kind = if lower.starts_with("wireless")
        || lower.contains("drahtlos")
        || lower.contains("sans fil")
    {
        HeaderKind::Wireless
    } else if lower.starts_with("ethernet") || lower.starts_with("carte ethernet") {
        HeaderKind::Ethernet
    } else if lower.starts_with("tunnel") || lower.starts_with("carte tunnel") {
        HeaderKind::Tunnel
    } else if lower.starts_with("ppp") || lower.starts_with("carte ppp") {
        HeaderKind::Ppp
    } else {
        HeaderKind::Unknown
    };
    let name = name.trim();
    (!name.is_empty()).then(|| (kind, name.to_owned()))
}

/// Decide the link kind from the adapter description first (a VPN's virtual adapter sits
/// under an "Ethernet adapter" header), then from the header.
fn classify(header: HeaderKind, description: Option<&str>) -> InterfaceKind {
    let d = description.unwrap_or_default().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| d.contains(w));
    if has(&["loopback"]) {
        InterfaceKind::Loopback
    } else if has(&[
        "tap-",
        "tap adapter",
        "tunnel",
        "wireguard",
        "wintun",
        "vpn",
        "openvpn",
        "anyconnect",
        "pangp",
        "globalprotect",
        "fortinet",
        "fortissl",
        "juniper",
        "pulse secure",
        "zscaler",
        "tailscale",
        "zerotier",
        "teredo",
        "isatap",
        "6to4",
        "ip-https",
        "wan miniport",
    ]) {
        InterfaceKind::Tunnel
    } else if has(&["mobile broadband", "cellular", "wwan", "lte", "5g "]) {
        InterfaceKind::Cellular
    } else if has(&[
        "virtual",
        "hyper-v",
        "vmware",
        "virtualbox",
        "vethernet",
        "docker",
    ]) {
        InterfaceKind::Virtual
    } else if has(&["bluetooth"]) {
        InterfaceKind::Other
    } else if header == HeaderKind::Wireless || has(&["wi-fi", "wireless", "wlan", "802.11"]) {
        InterfaceKind::Wireless
    } else {
        match header {
            HeaderKind::Ethernet => InterfaceKind::Ethernet,
            HeaderKind::Tunnel | HeaderKind::Ppp => InterfaceKind::Tunnel,
            HeaderKind::Wireless => InterfaceKind::Wireless,
            HeaderKind::Unknown => InterfaceKind::Other,
        }
    }
}

/// `F8-E4-3B-AD-F2-6D` → `f8:e4:3b:ad:f2:6d`; anything but six hex octets → `None`
/// (tunnel adapters print eight octets of zeros, which is no MAC).
fn normalize_mac(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.trim().split(['-', ':']).collect();
    let ok = parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| parts.join(":").to_ascii_lowercase())
}

fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "ja" | "oui" => Some(true),
        "no" | "nein" | "non" => Some(false),
        _ => None,
    }
}

/// Split `   Key . . . . : value` into key and value; `None` for lines without a colon.
fn split_key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim().trim_end_matches(['.', ' ']).trim();
    (!key.is_empty()).then(|| (key, value.trim()))
}

/// Leading spaces of a line; continuation values sit far right of the 3-space key indent.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

const CONTINUATION_INDENT: usize = 8;

impl Adapter {
    fn new(header_kind: HeaderKind, name: String) -> Self {
        Self {
            header_kind,
            name,
            description: None,
            disconnected: false,
            mac: None,
            dhcp: None,
            addresses: Vec::new(),
            gateways: Vec::new(),
            dns: Vec::new(),
        }
    }

    /// Apply one value (first or continuation) of `field`.
    fn apply(&mut self, field: Field, value: &str) {
        match field {
            Field::MediaState => self.disconnected = !value.is_empty(),
            Field::Description if !value.is_empty() => self.description = Some(value.to_owned()),
            Field::PhysicalAddress => self.mac = normalize_mac(value),
            Field::DhcpEnabled => self.dhcp = parse_yes_no(value),
            Field::Ipv4Address | Field::Ipv6Address => {
                if let Some(addr) = parse_ip_lenient(value) {
                    self.addresses.push(InterfaceAddress {
                        addr,
                        prefix_len: None,
                    });
                }
            }
            Field::SubnetMask => {
                let Some(IpAddr::V4(mask)) = parse_ip_lenient(value) else {
                    return;
                };
                let Ok(prefix) = ipnet::ipv4_mask_to_prefix(mask) else {
                    return;
                };
                // The mask belongs to the IPv4 address printed just before it.
                if let Some(last) = self
                    .addresses
                    .iter_mut()
                    .rev()
                    .find(|a| a.addr.is_ipv4() && a.prefix_len.is_none())
                {
                    last.prefix_len = Some(prefix);
                }
            }
            Field::DefaultGateway => {
                if let Some(gw) = parse_ip_lenient(value) {
                    self.gateways.push(gw);
                }
            }
            Field::DnsServers => {
                if let Some(server) = parse_ip_lenient(value) {
                    self.dns.push(server);
                }
            }
            _ => {}
        }
    }

    fn into_interface(self) -> (Interface, Vec<Route>, Vec<IpAddr>) {
        let kind = classify(self.header_kind, self.description.as_deref());
        let state = if self.disconnected {
            LinkState::NoCarrier
        } else {
            LinkState::Up
        };
        let routes = self
            .gateways
            .iter()
            .filter_map(|gw| {
                let destination = match gw {
                    IpAddr::V4(_) => IpNet::new(IpAddr::from([0, 0, 0, 0]), 0),
                    IpAddr::V6(_) => IpNet::new(IpAddr::from([0_u16; 8]), 0),
                }
                .ok()?;
                Some(Route {
                    destination,
                    gateway: Some(*gw),
                    interface: Some(self.name.clone()),
                    metric: None,
                })
            })
            .collect();
        let interface = Interface {
            name: self.name,
            description: self.description,
            kind,
            state,
            mac: self.mac,
            mtu: None,
            dhcp: self.dhcp,
            addresses: self.addresses,
        };
        (interface, routes, self.dns)
    }
}

/// Parse the output of `ipconfig /all`.
///
/// Adapters without a "Media State" line are connected (`ipconfig` omits disabled adapters
/// entirely), so they are reported [`LinkState::Up`]; "Media disconnected" gives
/// [`LinkState::NoCarrier`]. IPv6 addresses carry no prefix length because `ipconfig` does
/// not print one.
#[must_use]
pub fn parse_ipconfig_all(text: &str) -> IpconfigAll {
    let mut out = IpconfigAll {
        dns: DnsConfig {
            source: "ipconfig /all".to_owned(),
            ..DnsConfig::default()
        },
        ..IpconfigAll::default()
    };
    let mut current: Option<Adapter> = None;
    // The field a continuation line adds to, and whether it belongs to the global block.
    let mut last_field = Field::Other;
    let mut finished: Vec<Adapter> = Vec::new();

    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if indent(line) == 0 {
            last_field = Field::Other;
            if let Some(done) = current.take() {
                finished.push(done);
            }
            // "Windows IP Configuration" (no colon) opens the global block: current stays None.
            current = parse_header(line).map(|(kind, name)| Adapter::new(kind, name));
            continue;
        }
        if indent(line) >= CONTINUATION_INDENT {
            let value = line.trim();
            match (&mut current, last_field) {
                (_, Field::Other) => {}
                (None, Field::SearchList) => push_search_domain(&mut out.dns.search_domains, value),
                (Some(adapter), field) => adapter.apply(field, value),
                (None, _) => {}
            }
            continue;
        }
        let Some((key, value)) = split_key_value(line) else {
            last_field = Field::Other;
            continue;
        };
        let field = field_of(key);
        last_field = field;
        match &mut current {
            None => match field {
                Field::HostName if !value.is_empty() => out.host_name = Some(value.to_owned()),
                Field::SearchList => push_search_domain(&mut out.dns.search_domains, value),
                _ => {}
            },
            Some(adapter) => adapter.apply(field, value),
        }
    }
    if let Some(done) = current.take() {
        finished.push(done);
    }

    for adapter in finished {
        let (interface, routes, dns) = adapter.into_interface();
        out.interfaces.push(interface);
        out.routes.extend(routes);
        for server in dns {
            if !out.dns.servers.contains(&server) {
                out.dns.servers.push(server);
            }
        }
    }
    out
}

fn push_search_domain(list: &mut Vec<String>, value: &str) {
    let domain = value.trim().trim_matches('.');
    if !domain.is_empty() && !list.iter().any(|d| d == domain) {
        list.push(domain.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_three_languages() {
        assert_eq!(
            parse_header("Wireless LAN adapter Wi-Fi:"),
            Some((HeaderKind::Wireless, "Wi-Fi".into()))
        );
        assert_eq!(
            parse_header("Ethernet adapter Ethernet 2:"),
            Some((HeaderKind::Ethernet, "Ethernet 2".into()))
        );
        assert_eq!(
            parse_header("Drahtlos-LAN-Adapter LAN-Verbindung* 3:"),
            Some((HeaderKind::Wireless, "LAN-Verbindung* 3".into()))
        );
        assert_eq!(
            parse_header("Carte réseau sans fil Wi-Fi :"),
            Some((HeaderKind::Wireless, "Wi-Fi".into()))
        );
        assert_eq!(
            parse_header("PPP adapter Corp VPN:"),
            Some((HeaderKind::Ppp, "Corp VPN".into()))
        );
        assert_eq!(parse_header("Windows IP Configuration"), None);
    }

    #[test]
    fn dotted_leaders_of_any_length() {
        assert_eq!(
            split_key_value("   Physical Address. . . . . . . . . : F8-E4-3B-AD-F2-6D"),
            Some(("Physical Address", "F8-E4-3B-AD-F2-6D"))
        );
        assert_eq!(
            split_key_value("   Verbindungsspezifisches DNS-Suffix:"),
            Some(("Verbindungsspezifisches DNS-Suffix", ""))
        );
        assert_eq!(
            split_key_value("   Lease Obtained. . . : Monday, 10:39:04 AM"),
            Some(("Lease Obtained", "Monday, 10:39:04 AM"))
        );
    }

    #[test]
    fn mac_addresses() {
        assert_eq!(
            normalize_mac("F8-E4-3B-AD-F2-6D").as_deref(),
            Some("f8:e4:3b:ad:f2:6d")
        );
        assert_eq!(normalize_mac("00-00-00-00-00-00-00-E0"), None);
        assert_eq!(normalize_mac(""), None);
    }

    #[test]
    fn vpn_adapter_under_ethernet_header_is_a_tunnel() {
        let kind = classify(
            HeaderKind::Ethernet,
            Some("Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter"),
        );
        assert_eq!(kind, InterfaceKind::Tunnel);
        assert_eq!(
            classify(
                HeaderKind::Wireless,
                Some("Microsoft Wi-Fi Direct Virtual Adapter #2")
            ),
            InterfaceKind::Virtual
        );
        assert_eq!(classify(HeaderKind::Unknown, None), InterfaceKind::Other);
    }
}
