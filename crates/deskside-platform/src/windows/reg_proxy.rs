//! Parser for `reg query "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings"`:
//! the user's WinINet proxy settings, which browsers and most desktop apps follow.
//!
//! `reg query` prints the key path, then one `    Name    REG_TYPE    Data` line per value
//! (names may contain spaces), then the subkeys' paths. `ProxyServer` counts only while
//! `ProxyEnable` is 1; a PAC URL (`AutoConfigURL`) and `AutoDetect` stand on their own.

use super::{parse_proxy_servers, split_bypass};
use crate::model::ProxyConfig;

/// One value line: name, type, data.
fn parse_value_line(line: &str) -> Option<(&str, &str, &str)> {
    let pos = line.find("    REG_")?;
    let name = line.get(..pos)?.trim();
    let rest = line.get(pos..)?.trim_start();
    let (kind, data) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    (!name.is_empty()).then(|| (name, kind, data.trim()))
}

/// `0x1` or `1` → 1.
fn parse_dword(data: &str) -> Option<u32> {
    let data = data.trim();
    match data.strip_prefix("0x").or_else(|| data.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => data.parse().ok(),
    }
}

/// Parse the output of `reg query` on the `Internet Settings` key.
///
/// Values of subkeys (if the output came from `reg query /s`) are ignored: reading stops at
/// the second key path.
#[must_use]
pub fn parse_reg_internet_settings(text: &str) -> ProxyConfig {
    let mut config = ProxyConfig {
        source: "registry".to_owned(),
        ..ProxyConfig::default()
    };
    let mut enabled = false;
    let mut server: Option<String> = None;
    let mut overrides: Option<String> = None;
    let mut keys_seen = 0_usize;

    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim_start().starts_with("HKEY_") {
            keys_seen += 1;
            if keys_seen > 1 {
                break;
            }
            continue;
        }
        let Some((name, kind, data)) = parse_value_line(line) else {
            continue;
        };
        let is_dword = kind.eq_ignore_ascii_case("REG_DWORD");
        match name.to_ascii_lowercase().as_str() {
            "proxyenable" if is_dword => enabled = parse_dword(data) == Some(1),
            "proxyserver" if !data.is_empty() => server = Some(data.to_owned()),
            "proxyoverride" if !data.is_empty() => overrides = Some(data.to_owned()),
            "autoconfigurl" if !data.is_empty() => config.pac_url = Some(data.to_owned()),
            "autodetect" if is_dword => config.auto_detect = parse_dword(data) == Some(1),
            _ => {}
        }
    }
    if enabled {
        if let Some(server) = server {
            let servers = parse_proxy_servers(&server);
            config.http = servers.http;
            config.https = servers.https;
            config.socks = servers.socks;
        }
        config.bypass = overrides.as_deref().map(split_bypass).unwrap_or_default();
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_lines_with_spaces_in_names() {
        assert_eq!(
            parse_value_line(
                "    User Agent    REG_SZ    Mozilla/4.0 (compatible; MSIE 8.0; Win32)"
            ),
            Some((
                "User Agent",
                "REG_SZ",
                "Mozilla/4.0 (compatible; MSIE 8.0; Win32)"
            ))
        );
        assert_eq!(
            parse_value_line("    ProxyOverride    REG_SZ    "),
            Some(("ProxyOverride", "REG_SZ", ""))
        );
        assert_eq!(parse_dword("0x1"), Some(1));
        assert_eq!(parse_dword("0"), Some(0));
    }

    #[test]
    fn a_server_without_proxy_enable_is_not_a_proxy() {
        let text = "    ProxyEnable    REG_DWORD    0x0\r\n    ProxyServer    REG_SZ    198.51.100.7:8080\r\n";
        assert!(!parse_reg_internet_settings(text).is_configured());
    }
}
