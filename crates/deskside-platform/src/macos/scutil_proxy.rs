//! Parser for `scutil --proxy`: the system proxy settings of the primary network service.
//!
//! The output is a `<dictionary> { … }` dump: `Key : value` lines, `Key : <array> {` with
//! `N : value` items, and nested dictionaries (`__SCOPED__` repeats the settings per
//! interface). Only the top level is read, plus the `ExceptionsList` array.

use std::collections::HashMap;

use crate::model::{ProxyConfig, ProxyEndpoint};

/// Parse the output of `scutil --proxy`.
///
/// A proxy counts only when its `…Enable` flag is 1 and it names a host; a missing port
/// falls back to the scheme's usual one (80, 443, 1080).
#[must_use]
pub fn parse_scutil_proxy(text: &str) -> ProxyConfig {
    let mut top: HashMap<String, String> = HashMap::new();
    let mut bypass = Vec::new();
    // Names of the containers we are inside; the outer `<dictionary>` has an empty name.
    let mut stack: Vec<String> = Vec::new();

    for raw in text.lines() {
        let line = raw.trim();
        if line == "}" {
            stack.pop();
            continue;
        }
        if let Some(opening) = line.strip_suffix('{') {
            let name = opening.split_once(" : ").map_or("", |(key, _)| key.trim());
            stack.push(name.to_owned());
            continue;
        }
        let Some((key, value)) = line.split_once(" : ") else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if value.is_empty() || value == "<NULL>" {
            continue;
        }
        match stack.as_slice() {
            // A dump without the outer `<dictionary> {` line still has top-level keys.
            [] | [_] => {
                top.insert(key.to_owned(), value.to_owned());
            }
            [_, list] if list == "ExceptionsList" => bypass.push(value.to_owned()),
            _ => {}
        }
    }

    let enabled = |key: &str| top.get(key).is_some_and(|v| v == "1");
    let endpoint = |prefix: &str, default_port: u16| {
        if !enabled(&format!("{prefix}Enable")) {
            return None;
        }
        let host = top.get(&format!("{prefix}Proxy"))?.clone();
        let port = top
            .get(&format!("{prefix}Port"))
            .and_then(|p| p.parse().ok())
            .filter(|p| *p != 0);
        Some(ProxyEndpoint {
            host,
            port: port.unwrap_or(default_port),
        })
    };
    let pac_url = if enabled("ProxyAutoConfigEnable") {
        top.get("ProxyAutoConfigURLString").cloned()
    } else {
        None
    };

    ProxyConfig {
        http: endpoint("HTTP", 80),
        https: endpoint("HTTPS", 443),
        socks: endpoint("SOCKS", 1080),
        pac_url,
        auto_detect: enabled("ProxyAutoDiscoveryEnable"),
        bypass,
        source: "scutil --proxy".to_owned(),
    }
}
