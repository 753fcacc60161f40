//! `/proc/net/route` and `/proc/net/ipv6_route`: the kernel routing tables of the current
//! network namespace.
//!
//! IPv4 addresses there are 8 hex digits in the host's (little-endian on every Linux we ship
//! for) byte order; IPv6 addresses are 32 hex digits in network order. Routes that are not up,
//! reject/unreachable routes, and IPv6 local-table entries (the machine's own addresses and
//! multicast) are left out, so the result matches what `ip route` / `ip -6 route` show.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::model::Route;

const RTF_UP: u32 = 0x0001;
const RTF_GATEWAY: u32 = 0x0002;
const RTF_REJECT: u32 = 0x0200;
/// `RTF_LOCAL` in the IPv6 table: a route to one of this machine's own addresses.
const RTF_LOCAL: u32 = 0x8000_0000;

/// Parse `/proc/net/route` (header line, then tab-separated columns `Iface Destination
/// Gateway Flags RefCnt Use Metric Mask MTU Window IRTT`).
#[must_use]
pub fn parse_proc_net_route(text: &str) -> Vec<Route> {
    text.lines().filter_map(parse_v4_line).collect()
}

fn parse_v4_line(line: &str) -> Option<Route> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    let [iface, dest, gateway, flags, _refcnt, _use, metric, mask, ..] = cols.as_slice() else {
        return None;
    };
    let flags = u32::from_str_radix(flags, 16).ok()?;
    if flags & RTF_UP == 0 || flags & RTF_REJECT != 0 {
        return None;
    }
    let dest = hex_v4(dest)?;
    let mask = hex_v4(mask)?;
    let prefix = u8::try_from(u32::from(mask).count_ones()).ok()?;
    let destination = Ipv4Net::new(dest, prefix).ok()?.trunc();
    let gateway = hex_v4(gateway)?;
    let gateway = (flags & RTF_GATEWAY != 0 || !gateway.is_unspecified())
        .then_some(IpAddr::V4(gateway))
        .filter(|g| !g.is_unspecified());
    Some(Route {
        destination: IpNet::V4(destination),
        gateway,
        interface: Some((*iface).to_owned()),
        // The IPv4 table prints its metric in decimal (the IPv6 one in hex).
        metric: metric.parse().ok(),
    })
}

/// An IPv4 address written as the kernel's in-memory `u32` in hex: `0101A8C0` is 192.168.1.1.
fn hex_v4(word: &str) -> Option<Ipv4Addr> {
    if word.len() != 8 {
        return None;
    }
    let raw = u32::from_str_radix(word, 16).ok()?;
    Some(Ipv4Addr::from(raw.to_le_bytes()))
}

/// Parse `/proc/net/ipv6_route` (no header; space-separated `dest dest_plen src src_plen
/// next_hop metric refcnt use flags iface`, all hex).
#[must_use]
pub fn parse_proc_net_ipv6_route(text: &str) -> Vec<Route> {
    text.lines().filter_map(parse_v6_line).collect()
}

fn parse_v6_line(line: &str) -> Option<Route> {
    let cols: Vec<&str> = line.split_whitespace().collect();
    let [
        dest,
        plen,
        _src,
        _src_plen,
        next_hop,
        metric,
        _refcnt,
        _use,
        flags,
        iface,
    ] = cols.as_slice()
    else {
        return None;
    };
    let flags = u32::from_str_radix(flags, 16).ok()?;
    if flags & RTF_UP == 0 || flags & (RTF_REJECT | RTF_LOCAL) != 0 {
        return None;
    }
    let dest = hex_v6(dest)?;
    if dest.is_multicast() {
        return None;
    }
    let plen = u8::from_str_radix(plen, 16).ok()?;
    let destination = Ipv6Net::new(dest, plen).ok()?.trunc();
    let gateway = Some(hex_v6(next_hop)?)
        .filter(|g| !g.is_unspecified())
        .map(IpAddr::V6);
    Some(Route {
        destination: IpNet::V6(destination),
        gateway,
        interface: Some((*iface).to_owned()),
        metric: u32::from_str_radix(metric, 16).ok(),
    })
}

fn hex_v6(word: &str) -> Option<Ipv6Addr> {
    if word.len() != 32 || !word.is_ascii() {
        return None;
    }
    u128::from_str_radix(word, 16).ok().map(Ipv6Addr::from)
}
