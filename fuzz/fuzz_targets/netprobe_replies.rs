//! The other replies the probes read: ICMP echo replies (ping socket, raw IPv4 with its
//! header, ICMPv6) and the WireGuard UAPI `get` answer. Never a panic.
#![no_main]

use std::time::{Duration, SystemTime};

use deskside_netprobe::{echo, wireguard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (v6, raw) in [(false, false), (false, true), (true, false)] {
        let _ = echo::parse_reply(v6, raw, data);
    }
    let _ = echo::checksum(data);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    for peer in wireguard::parse_uapi(&String::from_utf8_lossy(data)) {
        let _ = peer.handshake_age(now);
    }
});
