//! Parser for macOS `ifconfig` (no arguments): every interface with its flags, MTU,
//! hardware address, addresses and media status.
//!
//! An interface starts with an unindented `en0: flags=8863<UP,BROADCAST,…> mtu 1500` line;
//! tab-indented lines follow (`ether`, `inet … netmask 0xffffff00`, `inet6 …%en0 prefixlen
//! 64`, `status: active`). The kind is guessed from the BSD name here; the hardware-port
//! list ([`super::hardware_ports`]) refines it (which `en` is Wi-Fi).

use std::net::Ipv4Addr;

use crate::model::{Interface, InterfaceAddress, InterfaceKind, LinkState};

use super::parse_ip_scoped;

/// The link kind a BSD interface name implies.
fn kind_from_name(name: &str) -> InterfaceKind {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    match base {
        "lo" => InterfaceKind::Loopback,
        "utun" | "ipsec" | "ppp" | "tun" | "tap" | "gif" | "stf" | "wg" => InterfaceKind::Tunnel,
        "bridge" => InterfaceKind::Bridge,
        "en" => InterfaceKind::Ethernet,
        "pdp_ip" => InterfaceKind::Cellular,
        "awdl" | "llw" | "ap" | "p2p" | "vmnet" | "vmenet" | "feth" => InterfaceKind::Virtual,
        _ => InterfaceKind::Other,
    }
}

/// `aa:b:cc:d:ee:f` → `aa:0b:cc:0d:ee:0f`; `None` unless six hex octets.
fn normalize_mac(text: &str) -> Option<String> {
    let parts: Vec<String> = text
        .split(':')
        .map(|p| {
            (p.len() <= 2 && !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit()))
                .then(|| format!("{:0>2}", p.to_ascii_lowercase()))
        })
        .collect::<Option<_>>()?;
    (parts.len() == 6).then(|| parts.join(":"))
}

/// `0xffffff00` → 24.
fn prefix_from_hex_mask(text: &str) -> Option<u8> {
    let hex = text.strip_prefix("0x")?;
    let mask = u32::from_str_radix(hex, 16).ok()?;
    ipnet::ipv4_mask_to_prefix(Ipv4Addr::from(mask)).ok()
}

/// What the header and body say, before deciding the state.
#[derive(Debug)]
struct Block {
    interface: Interface,
    up: bool,
    running: bool,
    status: Option<bool>,
}

fn parse_header(line: &str) -> Option<Block> {
    let (name, rest) = line.split_once(':')?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let flags = rest
        .split_once('<')
        .and_then(|(_, f)| f.split_once('>'))
        .map_or("", |(f, _)| f);
    let has = |flag: &str| flags.split(',').any(|f| f == flag);
    let mtu = rest
        .split_whitespace()
        .skip_while(|w| *w != "mtu")
        .nth(1)
        .and_then(|m| m.parse().ok());
    Some(Block {
        interface: Interface {
            name: name.to_owned(),
            description: None,
            kind: kind_from_name(name),
            state: LinkState::Unknown,
            mac: None,
            mtu,
            dhcp: None,
            addresses: Vec::new(),
        },
        up: has("UP"),
        running: has("RUNNING"),
        status: None,
    })
}

impl Block {
    fn apply(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("ether") => self.interface.mac = words.next().and_then(normalize_mac),
            Some("inet") => {
                let Some(addr) = words.next().and_then(parse_ip_scoped) else {
                    return;
                };
                // Point-to-point links print `inet 10.0.0.2 --> 10.0.0.1 netmask 0xffffffff`.
                let rest: Vec<&str> = words.collect();
                let prefix_len = rest
                    .iter()
                    .position(|w| *w == "netmask")
                    .and_then(|i| rest.get(i + 1))
                    .and_then(|m| prefix_from_hex_mask(m));
                self.interface
                    .addresses
                    .push(InterfaceAddress { addr, prefix_len });
            }
            Some("inet6") => {
                let Some(addr) = words.next().and_then(parse_ip_scoped) else {
                    return;
                };
                let rest: Vec<&str> = words.collect();
                let prefix_len = rest
                    .iter()
                    .position(|w| *w == "prefixlen")
                    .and_then(|i| rest.get(i + 1))
                    .and_then(|p| p.parse().ok())
                    .filter(|p| *p <= 128);
                self.interface
                    .addresses
                    .push(InterfaceAddress { addr, prefix_len });
            }
            Some("status:") => match words.next() {
                Some("active") => self.status = Some(true),
                Some("inactive") => self.status = Some(false),
                _ => {}
            },
            _ => {}
        }
    }

    fn finish(mut self) -> Interface {
        self.interface.state = match (self.up, self.status, self.running) {
            (false, _, _) => LinkState::Down,
            (true, Some(true), _) => LinkState::Up,
            (true, Some(false), _) => LinkState::NoCarrier,
            // No media (loopback, utun): RUNNING is the best word we get.
            (true, None, true) => LinkState::Up,
            (true, None, false) => LinkState::Unknown,
        };
        self.interface
    }
}

/// Parse the output of macOS `ifconfig`.
///
/// State: not `UP` → [`LinkState::Down`]; `status: inactive` → [`LinkState::NoCarrier`];
/// `status: active`, or `RUNNING` on links without media status → [`LinkState::Up`].
#[must_use]
pub fn parse_ifconfig(text: &str) -> Vec<Interface> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            if let Some(done) = current.take() {
                out.push(done.finish());
            }
            current = parse_header(line);
            continue;
        }
        if let Some(block) = current.as_mut() {
            block.apply(line.trim());
        }
    }
    if let Some(done) = current {
        out.push(done.finish());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_to_kinds() {
        assert_eq!(kind_from_name("lo0"), InterfaceKind::Loopback);
        assert_eq!(kind_from_name("utun4"), InterfaceKind::Tunnel);
        assert_eq!(kind_from_name("bridge100"), InterfaceKind::Bridge);
        assert_eq!(kind_from_name("en0"), InterfaceKind::Ethernet);
        assert_eq!(kind_from_name("XHC20"), InterfaceKind::Other);
    }

    #[test]
    fn masks_and_macs() {
        assert_eq!(prefix_from_hex_mask("0xffffff00"), Some(24));
        assert_eq!(prefix_from_hex_mask("0xff00ff00"), None);
        assert_eq!(
            normalize_mac("f0:18:98:3:d8:39").as_deref(),
            Some("f0:18:98:03:d8:39")
        );
        assert_eq!(normalize_mac("0:0:0"), None);
    }
}
