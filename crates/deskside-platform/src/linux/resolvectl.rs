//! `resolvectl status` (systemd-resolved): the upstream DNS servers behind the
//! `127.0.0.53` stub and the per-link routing domains that make split DNS (a VPN link
//! answering `~corp.example`).
//!
//! The output is a `Global` section and one `Link N (name)` section per interface, each a
//! list of right-aligned `Key: value` lines; long values continue on indented lines with no
//! key. Run with `LC_ALL=C` so the keys are English.

use std::net::IpAddr;

use crate::model::DnsScope;

/// One section of `resolvectl status`: `Global` (no interface) or a link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedLink {
    /// Interface name; `None` for the `Global` section.
    pub interface: Option<String>,
    /// `Current DNS Server`.
    pub current_server: Option<IpAddr>,
    /// `DNS Servers`, in order (a `%zone` or `#server-name` suffix and a port are dropped).
    pub servers: Vec<IpAddr>,
    /// `DNS Domain` as written, `~` routing-only prefixes kept.
    pub domains: Vec<String>,
    /// `+DefaultRoute` / `-DefaultRoute` from `Protocols` (or the older `DefaultRoute setting`);
    /// `None` when not shown.
    pub default_route: Option<bool>,
}

impl ResolvedLink {
    /// Whether names no routing domain claims go to this section's servers: the `Global`
    /// section, a link with `+DefaultRoute` or a `~.` domain, or (older systemd, which does
    /// not print the flag) a link with no routing-only domain.
    #[must_use]
    pub fn serves_unclaimed_names(&self) -> bool {
        if self.interface.is_none() || self.domains.iter().any(|d| d == "~.") {
            return true;
        }
        self.default_route
            .unwrap_or_else(|| !self.domains.iter().any(|d| d.starts_with('~')))
    }
}

/// Parsed `resolvectl status`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedStatus {
    /// The `Global` section, then each link in output order.
    pub sections: Vec<ResolvedLink>,
}

impl ResolvedStatus {
    /// Servers for names no routing domain claims, deduplicated: global servers first, then
    /// those of default-route links, each link's current server first.
    #[must_use]
    pub fn upstream_servers(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for section in self.sections.iter().filter(|s| s.serves_unclaimed_names()) {
            for server in section.current_server.iter().chain(&section.servers) {
                if !out.contains(server) {
                    out.push(*server);
                }
            }
        }
        out
    }

    /// One [`DnsScope`] per section that has both servers and domains (`~` and trailing dots
    /// stripped, the catch-all `~.` left out).
    #[must_use]
    pub fn scopes(&self) -> Vec<DnsScope> {
        self.sections
            .iter()
            .filter_map(|section| {
                let domains: Vec<String> = section
                    .domains
                    .iter()
                    .map(|d| d.trim_start_matches('~').trim_matches('.').to_owned())
                    .filter(|d| !d.is_empty())
                    .collect();
                let mut servers: Vec<IpAddr> = Vec::new();
                for server in section.current_server.iter().chain(&section.servers) {
                    if !servers.contains(server) {
                        servers.push(*server);
                    }
                }
                (!domains.is_empty() && !servers.is_empty()).then(|| DnsScope {
                    domains,
                    servers,
                    interface: section.interface.clone(),
                })
            })
            .collect()
    }
}

/// Parse `resolvectl status` output. Unknown keys and lines are ignored.
#[must_use]
pub fn parse_resolvectl_status(text: &str) -> ResolvedStatus {
    let mut status = ResolvedStatus::default();
    let mut last_key: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if !raw.starts_with(char::is_whitespace)
            && !is_key_line(line)
            && let Some(section) = section_header(line)
        {
            status.sections.push(section);
            last_key = None;
            continue;
        }
        let Some(section) = status.sections.last_mut() else {
            continue;
        };
        let (key, value) = match split_key(line) {
            Some((key, value)) => {
                last_key = Some(key.to_owned());
                (key.to_owned(), value)
            }
            None => match &last_key {
                Some(key) => (key.clone(), line),
                None => continue,
            },
        };
        apply(section, &key, value);
    }
    status
}

fn section_header(line: &str) -> Option<ResolvedLink> {
    if line == "Global" {
        return Some(ResolvedLink::default());
    }
    // `Link 3 (wlp0s20f3)`
    let rest = line.strip_prefix("Link ")?;
    let open = rest.find('(')?;
    let name = rest.get(open + 1..)?.strip_suffix(')')?;
    Some(ResolvedLink {
        interface: Some(name.to_owned()),
        ..ResolvedLink::default()
    })
}

fn is_key_line(line: &str) -> bool {
    split_key(line).is_some()
}

/// `Key: value` where the key is words of letters, dots, hyphens and slashes, so an IPv6
/// continuation line (`2001:db8:: 1.1.1.1`) is never mistaken for a key.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let idx = line.find(':')?;
    let key = line.get(..idx)?.trim();
    let value = line.get(idx + 1..)?;
    let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '.' | '-' | '/'));
    (key_ok && (value.is_empty() || value.starts_with(' '))).then(|| (key, value.trim()))
}

fn apply(section: &mut ResolvedLink, key: &str, value: &str) {
    match key {
        "Current DNS Server" => {
            section.current_server = value.split_whitespace().find_map(parse_server)
        }
        "DNS Servers" | "DNS Server" => {
            for server in value.split_whitespace().filter_map(parse_server) {
                if !section.servers.contains(&server) {
                    section.servers.push(server);
                }
            }
        }
        "DNS Domain" | "DNS Domains" => section.domains.extend(
            value
                .split_whitespace()
                .filter(|d| *d != "n/a")
                .map(str::to_owned),
        ),
        "Protocols" => {
            for word in value.split_whitespace() {
                match word {
                    "+DefaultRoute" => section.default_route = Some(true),
                    "-DefaultRoute" => section.default_route = Some(false),
                    _ => {}
                }
            }
        }
        "DefaultRoute setting" => section.default_route = Some(value == "yes"),
        _ => {}
    }
}

/// `1.1.1.1`, `fe80::1%3`, `9.9.9.9#dns.quad9.net`, `1.1.1.1:853`, `[2001:db8::1]:53#name`.
fn parse_server(word: &str) -> Option<IpAddr> {
    let word = word.split('#').next().unwrap_or(word);
    if let Some(rest) = word.strip_prefix('[') {
        let inner = rest.split(']').next().unwrap_or(rest);
        return inner.split('%').next().unwrap_or(inner).parse().ok();
    }
    let word = word.split('%').next().unwrap_or(word);
    if let Ok(addr) = word.parse() {
        return Some(addr);
    }
    // IPv4 with a port.
    let (host, port) = word.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}
