//! Network probes with their own short timeouts.
//!
//! The system resolver and HTTP stacks can stall for tens of seconds on a broken network
//! (glibc retries a dead DNS server for 20 s), which is exactly when a diagnosis must stay
//! fast. Every probe here takes an explicit timeout and reports *how* it failed — refused,
//! timed out, answered with an error — because that difference is the diagnosis:
//!
//! - [`dns`]: queries one server for a name (hickory-proto wire format over UDP) and
//!   resolves a name the way the OS would, server by server.
//! - [`http`]: one HTTP(S) request without following redirects, to a pre-resolved address.
//! - [`echo`]: ICMP echo series (unprivileged ping sockets) with a TCP fallback.
//! - [`mtu`]: path-MTU black-hole detection with don't-fragment echoes.
//! - [`tcp`]: TCP connect timing.
//! - [`wireguard`]: the last handshake of a WireGuard interface, from its UAPI socket.
//! - [`oserr`]: what a socket error number means, per OS family (errno or Winsock).

pub mod dns;
pub mod echo;
pub mod http;
pub mod mtu;
pub mod oserr;
pub mod tcp;
pub mod wireguard;

use std::time::Duration;

/// Milliseconds as a float, for evidence.
#[must_use]
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
