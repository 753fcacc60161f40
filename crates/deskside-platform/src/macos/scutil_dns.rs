//! Parser for `scutil --dns`: the resolver configuration macOS actually uses.
//!
//! The output has two lists of numbered resolvers. "DNS configuration" is what unscoped
//! queries use: the first resolver without a `domain` holds the default servers and search
//! domains; resolvers with a `domain` are split-DNS scopes (a VPN's `corp.example`) or
//! built-in multicast-DNS and reverse-lookup scopes, which are not the user's configuration
//! and are skipped. "DNS configuration (for scoped queries)" repeats per-interface
//! resolvers; it is only consulted to name the interface of a scope that lacks `if_index`.

use std::net::IpAddr;

use super::parse_ip_scoped;
use crate::model::{DnsConfig, DnsScope};

/// One `resolver #N` block.
#[derive(Debug, Default)]
struct Resolver {
    domain: Option<String>,
    search: Vec<String>,
    servers: Vec<IpAddr>,
    interface: Option<String>,
    mdns: bool,
}

impl Resolver {
    /// The built-in mDNS (`local`) and link-local reverse-lookup resolvers.
    fn is_builtin(&self) -> bool {
        let domain = self.domain.as_deref().unwrap_or_default();
        self.mdns || domain == "local" || domain.ends_with(".arpa")
    }
}

/// `if_index : 15 (en0)` → `en0`.
fn interface_of(value: &str) -> Option<String> {
    let (_, rest) = value.split_once('(')?;
    let (name, _) = rest.split_once(')')?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn clean_domain(value: &str) -> Option<String> {
    let domain = value.trim().trim_start_matches('~').trim_matches('.');
    (!domain.is_empty()).then(|| domain.to_owned())
}

/// Split the output into (main, scoped) resolver lists.
fn parse_resolvers(text: &str) -> (Vec<Resolver>, Vec<Resolver>) {
    let mut main = Vec::new();
    let mut scoped = Vec::new();
    let mut in_scoped = false;
    let mut current: Option<Resolver> = None;

    let mut flush = |current: &mut Option<Resolver>, in_scoped: bool| {
        if let Some(done) = current.take() {
            if in_scoped {
                scoped.push(done)
            } else {
                main.push(done)
            }
        }
    };

    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with("DNS configuration") {
            flush(&mut current, in_scoped);
            in_scoped = line.contains("scoped");
            continue;
        }
        if line.starts_with("resolver #") {
            flush(&mut current, in_scoped);
            current = Some(Resolver::default());
            continue;
        }
        let (Some(resolver), Some((key, value))) = (current.as_mut(), line.split_once(" : "))
        else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if key == "domain" {
            resolver.domain = clean_domain(value);
        } else if key.starts_with("search domain") {
            if let Some(domain) = clean_domain(value) {
                resolver.search.push(domain);
            }
        } else if key.starts_with("nameserver") {
            if let Some(server) = parse_ip_scoped(value) {
                resolver.servers.push(server);
            }
        } else if key == "if_index" {
            resolver.interface = interface_of(value);
        } else if key == "options" {
            resolver.mdns = value.split_whitespace().any(|o| o == "mdns");
        }
    }
    flush(&mut current, in_scoped);
    (main, scoped)
}

/// Parse the output of `scutil --dns`.
///
/// Scopes whose resolvers share the same servers and interface are merged into one
/// [`DnsScope`] listing all their domains, as a VPN pushing several domains produces.
#[must_use]
pub fn parse_scutil_dns(text: &str) -> DnsConfig {
    let (main, scoped) = parse_resolvers(text);
    let mut config = DnsConfig {
        source: "scutil --dns".to_owned(),
        ..DnsConfig::default()
    };

    if let Some(default) = main.iter().find(|r| r.domain.is_none() && !r.mdns) {
        config.servers.clone_from(&default.servers);
        config.search_domains.clone_from(&default.search);
    }

    for resolver in main
        .iter()
        .filter(|r| !r.is_builtin() && !r.servers.is_empty())
    {
        let Some(domain) = resolver.domain.clone() else {
            continue;
        };
        let interface = resolver.interface.clone().or_else(|| {
            scoped
                .iter()
                .find(|s| s.interface.is_some() && s.servers == resolver.servers)
                .and_then(|s| s.interface.clone())
        });
        if let Some(scope) = config
            .scopes
            .iter_mut()
            .find(|s| s.servers == resolver.servers && s.interface == interface)
        {
            if !scope.domains.contains(&domain) {
                scope.domains.push(domain);
            }
            continue;
        }
        config.scopes.push(DnsScope {
            domains: vec![domain],
            servers: resolver.servers.clone(),
            interface,
        });
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_in_parentheses() {
        assert_eq!(interface_of("15 (en0)").as_deref(), Some("en0"));
        assert_eq!(interface_of("0"), None);
    }
}
