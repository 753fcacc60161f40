//! Parser for `netsh winhttp show proxy`: the machine-wide WinHTTP proxy that services,
//! Windows Update and some runtimes use (independent of the user's browser settings).
//!
//! The output is either "Direct access (no proxy server)." or a `Proxy Server(s) : …` line
//! (one `host:port`, or per-scheme `http=…;https=…`) with a `Bypass List : …` line. Keys are
//! recognised in English, French and German; values may themselves contain colons.

use super::{parse_proxy_servers, split_bypass};
use crate::model::ProxyConfig;

/// Parse the output of `netsh winhttp show proxy`.
///
/// Direct access, and anything unrecognised, gives a [`ProxyConfig`] with nothing set.
#[must_use]
pub fn parse_netsh_winhttp_proxy(text: &str) -> ProxyConfig {
    let mut config = ProxyConfig {
        source: "netsh winhttp".to_owned(),
        ..ProxyConfig::default()
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_lowercase();
        let value = value.trim();
        if key.contains("bypass") || key.contains("contournement") || key.contains("umgehung") {
            if !is_none_marker(value) {
                config.bypass = split_bypass(value);
            }
        } else if key.contains("proxy") && !is_none_marker(value) {
            let servers = parse_proxy_servers(value);
            config.http = servers.http;
            config.https = servers.https;
            config.socks = servers.socks;
        }
    }
    config
}

/// `(none)`, `(aucun)`, `(keine)`: printed where a list is empty.
fn is_none_marker(value: &str) -> bool {
    value.is_empty() || (value.starts_with('(') && value.ends_with(')'))
}
