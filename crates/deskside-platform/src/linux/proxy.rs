//! Linux proxy settings: the `*_proxy` environment variables (command-line tools, most
//! libraries) and GNOME's `org.gnome.system.proxy` gsettings (browsers, desktop apps).
//!
//! Proxy URLs may carry credentials (`http://user:pass@proxy:3128/`); only host and port are
//! kept, so a secret never reaches a report or a ticket.

use crate::model::{ProxyConfig, ProxyEndpoint};

/// Source label for [`proxy_from_env`].
pub const SOURCE_ENV: &str = "environment";
/// Source label for [`parse_gsettings_proxy`].
pub const SOURCE_GSETTINGS: &str = "gsettings";

/// Proxy configuration from environment variables, given as `(name, value)` pairs (e.g.
/// `std::env::vars()`). Reads `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy`; the
/// lower-case name wins over the upper-case one, as in curl. `all_proxy` fills `socks` when
/// its scheme is `socks*`, else fills `http`/`https` where those are unset. Missing ports
/// default by scheme: 443 for `https`, 1080 for `socks*`, 80 otherwise.
#[must_use]
pub fn proxy_from_env<K: AsRef<str>, V: AsRef<str>>(vars: &[(K, V)]) -> ProxyConfig {
    let get = |name: &str| {
        let lower = vars.iter().find(|(k, _)| k.as_ref() == name);
        let upper = vars
            .iter()
            .find(|(k, _)| k.as_ref() == name.to_ascii_uppercase());
        lower
            .or(upper)
            .map(|(_, v)| v.as_ref().trim())
            .filter(|v| !v.is_empty())
    };
    let mut config = ProxyConfig {
        http: get("http_proxy").and_then(parse_proxy_url),
        https: get("https_proxy").and_then(parse_proxy_url),
        source: SOURCE_ENV.to_owned(),
        ..ProxyConfig::default()
    };
    if let Some(all) = get("all_proxy") {
        let endpoint = parse_proxy_url(all);
        if scheme_of(all).is_some_and(|s| s.starts_with("socks")) {
            config.socks = endpoint;
        } else {
            config.http = config.http.or_else(|| endpoint.clone());
            config.https = config.https.or(endpoint);
        }
    }
    config.bypass = get("no_proxy")
        .map(|v| {
            v.split([',', ' '])
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    config
}

fn scheme_of(url: &str) -> Option<String> {
    url.split_once("://").map(|(s, _)| s.to_ascii_lowercase())
}

/// `[scheme://][user[:pass]@]host[:port][/path]` → host and port, credentials dropped.
/// `None` if there is no host or the port is not a number.
#[must_use]
pub fn parse_proxy_url(url: &str) -> Option<ProxyEndpoint> {
    let url = url.trim();
    let scheme = scheme_of(url);
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.chars().any(char::is_whitespace) {
        return None;
    }
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => p.parse().ok()?,
        None => match scheme.as_deref() {
            Some("https") => 443,
            Some(s) if s.starts_with("socks") => 1080,
            _ => 80,
        },
    };
    Some(ProxyEndpoint {
        host: host.to_owned(),
        port,
    })
}

/// Parse `gsettings list-recursively org.gnome.system.proxy` (lines `schema key value`, the
/// value in GVariant text form). Mode `manual` gives the http/https/socks hosts, `auto`
/// gives the PAC URL (or WPAD auto-detection when the URL is empty), `none` gives nothing;
/// `ignore-hosts` is the bypass list either way. Authentication keys are never read.
#[must_use]
pub fn parse_gsettings_proxy(text: &str) -> ProxyConfig {
    let mut mode = String::new();
    let mut pac = String::new();
    let mut bypass = Vec::new();
    let mut hosts: [(String, u16); 3] = Default::default();
    for line in text.lines() {
        let mut parts = line.trim().splitn(3, ' ');
        let (Some(schema), Some(key), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let slot = match schema {
            "org.gnome.system.proxy.http" => Some(0),
            "org.gnome.system.proxy.https" => Some(1),
            "org.gnome.system.proxy.socks" => Some(2),
            _ => None,
        };
        match (schema, slot, key) {
            ("org.gnome.system.proxy", _, "mode") => mode = gvariant_strings(value).concat(),
            ("org.gnome.system.proxy", _, "autoconfig-url") => {
                pac = gvariant_strings(value).concat()
            }
            ("org.gnome.system.proxy", _, "ignore-hosts") => bypass = gvariant_strings(value),
            (_, Some(i), "host") => {
                if let Some(h) = hosts.get_mut(i) {
                    h.0 = gvariant_strings(value).concat();
                }
            }
            (_, Some(i), "port") => {
                if let Some(h) = hosts.get_mut(i) {
                    h.1 = value
                        .trim()
                        .trim_start_matches("uint32 ")
                        .trim()
                        .parse()
                        .unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    let endpoint = |(host, port): &(String, u16)| {
        (!host.trim().is_empty() && *port != 0).then(|| ProxyEndpoint {
            host: host.trim().to_owned(),
            port: *port,
        })
    };
    let mut config = ProxyConfig {
        bypass,
        source: SOURCE_GSETTINGS.to_owned(),
        ..ProxyConfig::default()
    };
    match mode.as_str() {
        "manual" => {
            let [http, https, socks] = &hosts;
            config.http = endpoint(http);
            config.https = endpoint(https);
            config.socks = endpoint(socks);
        }
        "auto" => {
            let pac = pac.trim();
            if pac.is_empty() {
                config.auto_detect = true;
            } else {
                config.pac_url = Some(pac.to_owned());
            }
        }
        _ => {}
    }
    config
}

/// The quoted strings in a GVariant text value: `'manual'` → `["manual"]`,
/// `['localhost', '::1']` → both, `@as []` → none. Backslash escapes are honoured.
fn gvariant_strings(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let quote = c;
        let mut s = String::new();
        let mut closed = false;
        while let Some(d) = chars.next() {
            if d == '\\' {
                s.extend(chars.next());
            } else if d == quote {
                closed = true;
                break;
            } else {
                s.push(d);
            }
        }
        if closed {
            out.push(s);
        }
    }
    out
}
