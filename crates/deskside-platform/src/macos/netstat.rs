//! Parser for `netstat -rn` on macOS: the IPv4 ("Internet:") and IPv6 ("Internet6:")
//! routing tables.
//!
//! BSD abbreviates destinations: `default`, `127` (= 127.0.0.0/8), `169.254` (/16),
//! `192.168.1` (/24), `224.0.0/4`, and IPv6 ones carry zones (`fe80::%en0/64`). Gateways are
//! addresses, `link#N` (on-link) or a MAC address (a neighbour-cache entry). Column layout
//! differs between releases (Refs/Use/Mtu were dropped), so columns are found by header.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use super::parse_ip_scoped;
use crate::model::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

/// Expand a BSD destination into a network.
fn parse_destination(text: &str, family: Family) -> Option<IpNet> {
    if text == "default" {
        let any = match family {
            Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        return IpNet::new(any, 0).ok();
    }
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().ok()?)),
        None => (text, None),
    };
    match family {
        Family::V4 => {
            let octets: Vec<u8> = addr
                .split('.')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?;
            if octets.is_empty() || octets.len() > 4 {
                return None;
            }
            let mut full = [0_u8; 4];
            for (slot, octet) in full.iter_mut().zip(&octets) {
                *slot = *octet;
            }
            // `192.168.1` means the /24 its written octets cover.
            let implied = u8::try_from(octets.len() * 8).ok()?;
            IpNet::new(IpAddr::V4(Ipv4Addr::from(full)), prefix.unwrap_or(implied)).ok()
        }
        Family::V6 => {
            let addr = parse_ip_scoped(addr)?;
            IpNet::new(addr, prefix.unwrap_or(128)).ok()
        }
    }
}

/// Parse the output of `netstat -rn` (or `netstat -rn -f inet` / `-f inet6`).
///
/// Skipped on purpose: cloned neighbour-cache entries (flag `W`), which are ARP/NDP state
/// rather than routes, and interface-scoped default routes (flag `I`), which only sockets
/// bound to that interface use (macOS adds one per `utun`). `link#N` and MAC gateways give
/// `gateway: None`. `netstat` prints no metric.
#[must_use]
pub fn parse_netstat_rn(text: &str) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut family: Option<Family> = None;
    // Column positions (whitespace-separated) of Flags and Netif, from the header line.
    let mut columns: Option<(usize, usize)> = None;

    for raw in text.lines() {
        let line = raw.trim();
        match line {
            "Internet:" => {
                family = Some(Family::V4);
                columns = None;
                continue;
            }
            "Internet6:" => {
                family = Some(Family::V6);
                columns = None;
                continue;
            }
            _ => {}
        }
        let Some(family) = family else {
            continue;
        };
        let tokens: Vec<&str> = line.split_whitespace().collect();
        if tokens.first() == Some(&"Destination") {
            let flags = tokens.iter().position(|t| *t == "Flags");
            let netif = tokens.iter().position(|t| *t == "Netif");
            columns = flags.zip(netif);
            continue;
        }
        let Some((flags_at, netif_at)) = columns else {
            continue;
        };
        let (Some(dest), Some(gateway), Some(flags), Some(netif)) = (
            tokens.first(),
            tokens.get(1),
            tokens.get(flags_at),
            tokens.get(netif_at),
        ) else {
            continue;
        };
        let Some(destination) = parse_destination(dest, family) else {
            continue;
        };
        if flags.contains('W') || (destination.prefix_len() == 0 && flags.contains('I')) {
            continue;
        }
        routes.push(Route {
            destination,
            gateway: parse_ip_scoped(gateway),
            interface: Some((*netif).to_owned()),
            metric: None,
        });
    }
    routes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsd_short_destinations() {
        let v4 = |s| parse_destination(s, Family::V4).map(|n| n.to_string());
        assert_eq!(v4("default").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(v4("127").as_deref(), Some("127.0.0.0/8"));
        assert_eq!(v4("169.254").as_deref(), Some("169.254.0.0/16"));
        assert_eq!(v4("192.168.1").as_deref(), Some("192.168.1.0/24"));
        assert_eq!(v4("224.0.0/4").as_deref(), Some("224.0.0.0/4"));
        assert_eq!(v4("192.0.2.7").as_deref(), Some("192.0.2.7/32"));
        assert_eq!(v4("1.2.3.4.5"), None);
        let v6 = |s| parse_destination(s, Family::V6).map(|n| n.to_string());
        assert_eq!(v6("default").as_deref(), Some("::/0"));
        assert_eq!(v6("fe80::%en0/64").as_deref(), Some("fe80::/64"));
        assert_eq!(v6("fe80::1%lo0").as_deref(), Some("fe80::1/128"));
    }
}
