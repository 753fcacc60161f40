//! `/etc/resolv.conf` (resolv.conf(5)): name servers and search domains.
//!
//! Also recognises the systemd-resolved stub (`127.0.0.53`), behind which the real servers
//! must be read elsewhere (`resolvectl status`, `/run/systemd/resolve/resolv.conf`).

use std::net::{IpAddr, Ipv4Addr};

use crate::model::DnsConfig;

/// The source label of a [`DnsConfig`] read from this file.
pub const SOURCE: &str = "/etc/resolv.conf";

/// Parse resolv.conf text. `nameserver` lines give servers (unparseable addresses are
/// skipped; an IPv6 `%zone` suffix is dropped), `search` and `domain` give search domains
/// (the last of them wins, as in the C resolver), `options` and `sortlist` are ignored.
/// `#` and `;` start comments.
#[must_use]
pub fn parse_resolv_conf(text: &str) -> DnsConfig {
    let mut servers = Vec::new();
    let mut search_domains = Vec::new();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or_default();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                if let Some(addr) = words.next().and_then(parse_server)
                    && !servers.contains(&addr)
                {
                    servers.push(addr);
                }
            }
            Some("search" | "domain") => {
                search_domains = words
                    .map(|d| d.trim_end_matches('.').to_owned())
                    .filter(|d| !d.is_empty())
                    .collect();
            }
            _ => {}
        }
    }
    DnsConfig {
        servers,
        search_domains,
        scopes: Vec::new(),
        upstream_servers: Vec::new(),
        source: SOURCE.to_owned(),
    }
}

fn parse_server(word: &str) -> Option<IpAddr> {
    let word = word.split('%').next().unwrap_or(word);
    word.parse().ok()
}

/// Whether these servers are the systemd-resolved stub listener (`127.0.0.53`, or
/// `127.0.0.54` in proxy mode), meaning the upstream servers live elsewhere.
#[must_use]
pub fn is_resolved_stub(servers: &[IpAddr]) -> bool {
    servers.iter().any(|s| {
        *s == IpAddr::V4(Ipv4Addr::new(127, 0, 0, 53))
            || *s == IpAddr::V4(Ipv4Addr::new(127, 0, 0, 54))
    })
}
