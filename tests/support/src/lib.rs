//! Helpers shared by the system tests: the helpdesk harness, the directory tests.
//!
//! [`server_port`] hands out a loopback port for a server a test is about to start. A port
//! from the kernel's `bind(0)` is an *ephemeral* one: released and then bound by the server a
//! moment later, it can meanwhile become the local port of some test's outgoing connection,
//! and the server fails with "address in use" (this failed CI once). Ports below the
//! ephemeral range are never handed to outgoing connections, so only another listener can
//! take them, and this process never hands the same one out twice.

use std::collections::HashSet;
use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::ops::RangeInclusive;
use std::sync::{Mutex, PoisonError};

/// Where Linux hands out ephemeral ports when `/proc` does not say.
const DEFAULT_EPHEMERAL: RangeInclusive<u16> = 32768..=60999;

/// The lowest port we hand out: above the well-known and most registered service ports.
const LOWEST: u16 = 10000;

static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Parses `/proc/sys/net/ipv4/ip_local_port_range` ("32768\t60999\n").
#[must_use]
pub fn parse_port_range(text: &str) -> Option<RangeInclusive<u16>> {
    let mut parts = text.split_whitespace().map(str::parse::<u16>);
    let (Some(Ok(low)), Some(Ok(high)), None) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    (low <= high).then_some(low..=high)
}

/// The ports a server may use: below the ephemeral range, or above it when it starts too low.
#[must_use]
pub fn server_ports(ephemeral: &RangeInclusive<u16>) -> RangeInclusive<u16> {
    if *ephemeral.start() > LOWEST + 1000 {
        LOWEST..=ephemeral.start() - 1
    } else if *ephemeral.end() < u16::MAX - 1000 {
        ephemeral.end() + 1..=u16::MAX
    } else {
        // The whole space is ephemeral (an odd host): fall back to the upper half.
        32768..=u16::MAX
    }
}

/// This host's ephemeral port range (Linux's default when `/proc` does not say).
#[must_use]
pub fn ephemeral_range() -> RangeInclusive<u16> {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|t| parse_port_range(&t))
        .unwrap_or(DEFAULT_EPHEMERAL)
}

/// A free loopback TCP port outside the ephemeral range, not handed out before by this
/// process. The caller's server binds it right after.
///
/// # Errors
/// When no free port is found after many tries (the error names the range).
pub fn server_port() -> io::Result<u16> {
    let range = server_ports(&ephemeral_range());
    let mut given = GIVEN.lock().unwrap_or_else(PoisonError::into_inner);
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..500 {
        let port = fastrand::u16(range.clone());
        if given.contains(&port) {
            continue;
        }
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            given.insert(port);
            return Ok(port);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!(
            "no free loopback port in {}..={} after 500 tries",
            range.start(),
            range.end()
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_range_parses() {
        assert_eq!(parse_port_range("32768\t60999\n"), Some(32768..=60999));
        assert_eq!(parse_port_range("1024 65535"), Some(1024..=65535));
        assert_eq!(parse_port_range("60999 32768"), None);
        assert_eq!(parse_port_range("32768"), None);
        assert_eq!(parse_port_range("a b"), None);
        assert_eq!(parse_port_range("1 2 3"), None);
    }

    #[test]
    fn server_ports_avoid_the_ephemeral_range() {
        assert_eq!(server_ports(&(32768..=60999)), 10000..=32767);
        assert_eq!(server_ports(&(1024..=40000)), 40001..=65535);
        assert_eq!(server_ports(&(1024..=65535)), 32768..=65535);
    }

    #[test]
    fn ports_are_free_distinct_and_outside_the_ephemeral_range() {
        let allowed = server_ports(&ephemeral_range());
        let ports: Vec<u16> = (0..50).map(|_| server_port().unwrap()).collect();
        let distinct: HashSet<u16> = ports.iter().copied().collect();
        assert_eq!(distinct.len(), ports.len());
        for p in ports {
            assert!(allowed.contains(&p), "{p}");
            TcpListener::bind((Ipv4Addr::LOCALHOST, p)).unwrap();
        }
    }
}
