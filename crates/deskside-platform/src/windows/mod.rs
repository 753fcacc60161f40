//! Windows facts as data: pure parsers of the text Windows tools print.
//!
//! One module per command — `ipconfig /all` ([`ipconfig`]), `route print` ([`route_print`]),
//! `netsh winhttp show proxy` ([`netsh_proxy`]), `reg query …\Internet Settings`
//! ([`reg_proxy`]) and the CIM/WMI queries run through PowerShell ([`cim`]). They compile and
//! are tested on every OS against fixtures under `tests/fixtures/windows/`; only
//! `collect_network` and `collect_machine` (Windows builds only) actually run the commands.
//!
//! The parsers never panic: lines they do not understand are skipped, so a localized or
//! truncated output gives a partial answer rather than an error.

pub mod cim;
pub mod ipconfig;
pub mod netsh_proxy;
pub mod reg_proxy;
pub mod route_print;

use std::net::IpAddr;

use crate::model::ProxyEndpoint;

pub use cim::{BATTERY_COMMAND, CimSystem, SYSTEM_COMMAND, parse_cim_battery, parse_cim_system};
pub use ipconfig::{IpconfigAll, parse_ipconfig_all};
pub use netsh_proxy::parse_netsh_winhttp_proxy;
pub use reg_proxy::parse_reg_internet_settings;
pub use route_print::parse_route_print;

/// Parse an address as Windows prints it: `fe80::1%12`, `192.0.2.1(Preferred)`.
///
/// The `%scope` zone index and any parenthesised status suffix are dropped.
pub(crate) fn parse_ip_lenient(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text.split_once('(').map_or(text, |(head, _)| head);
    let text = text.split_once('%').map_or(text, |(head, _)| head);
    text.trim().parse().ok()
}

/// Parse one proxy address: `proxy.example:8080`, `http://proxy:3128/`, `[2001:db8::1]:8080`.
/// A missing or unreadable port falls back to `default_port`.
pub(crate) fn parse_endpoint(text: &str, default_port: u16) -> Option<ProxyEndpoint> {
    let text = text.trim();
    let text = text.split_once("://").map_or(text, |(_, rest)| rest);
    let text = text.trim_end_matches('/');
    // Drop credentials (`user:pass@host`): they are not part of the endpoint.
    let text = text.rsplit_once('@').map_or(text, |(_, host)| host);
    if text.is_empty() {
        return None;
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(default_port);
        return Some(ProxyEndpoint {
            host: host.to_owned(),
            port,
        });
    }
    // A bare IPv6 address has several colons and no port.
    if text.matches(':').count() > 1 {
        return Some(ProxyEndpoint {
            host: text.to_owned(),
            port: default_port,
        });
    }
    match text.split_once(':') {
        Some((host, port)) if !host.is_empty() => Some(ProxyEndpoint {
            host: host.to_owned(),
            port: port.trim().parse().unwrap_or(default_port),
        }),
        Some(_) => None,
        None => Some(ProxyEndpoint {
            host: text.to_owned(),
            port: default_port,
        }),
    }
}

/// The proxies named by a WinINet/WinHTTP proxy-server string.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ProxyServers {
    pub http: Option<ProxyEndpoint>,
    pub https: Option<ProxyEndpoint>,
    pub socks: Option<ProxyEndpoint>,
}

/// Parse a proxy-server string: either one `host:port` used for every scheme, or a
/// per-scheme list `http=host:port;https=host:port;socks=host:port`.
pub(crate) fn parse_proxy_servers(text: &str) -> ProxyServers {
    let mut out = ProxyServers::default();
    let text = text.trim();
    if !text.contains('=') {
        // WinINet uses a single server for HTTP and HTTPS (and FTP) alike.
        let first = text
            .split([';', ' '])
            .find(|s| !s.trim().is_empty())
            .unwrap_or_default();
        let endpoint = parse_endpoint(first, 80);
        out.http.clone_from(&endpoint);
        out.https = endpoint;
        return out;
    }
    for item in text.split([';', ' ']) {
        let Some((scheme, addr)) = item.split_once('=') else {
            continue;
        };
        match scheme.trim().to_ascii_lowercase().as_str() {
            "http" => out.http = parse_endpoint(addr, 80),
            "https" => out.https = parse_endpoint(addr, 80),
            "socks" | "socks4" | "socks5" => out.socks = parse_endpoint(addr, 1080),
            _ => {}
        }
    }
    out
}

/// Split a bypass list (`<local>;*.corp.example;10.*`) into entries.
pub(crate) fn split_bypass(text: &str) -> Vec<String> {
    text.split([';', ',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Run the network commands and parse them into one [`crate::model::NetworkState`].
///
/// Interfaces, DNS and (as a fallback) default routes come from `ipconfig /all`; the full
/// routing table from `route print`; the proxy from the user's WinINet settings, or WinHTTP's
/// machine-wide setting when the user has none.
///
/// # Errors
/// The runner's error when `ipconfig` cannot be run; the other commands are best-effort.
#[cfg(target_os = "windows")]
pub async fn collect_network() -> Result<crate::model::NetworkState, deskside_exec::ExecError> {
    use std::time::Duration;

    use deskside_exec::{Cmd, run};

    let timeout = Duration::from_secs(15);
    let ipconfig = run(&Cmd::new("ipconfig").args(["/all"]).timeout(timeout)).await?;
    let parsed = parse_ipconfig_all(&ipconfig.stdout);

    let routes = match run(&Cmd::new("route").args(["print"]).timeout(timeout)).await {
        Ok(out) => parse_route_print(&out.stdout),
        Err(err) => {
            tracing::warn!(%err, "route print failed; using ipconfig's default gateways");
            Vec::new()
        }
    };
    let routes = if routes.is_empty() {
        parsed.routes
    } else {
        routes
    };

    let key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";
    let user_proxy = run(&Cmd::new("reg").args(["query", key]).timeout(timeout))
        .await
        .map(|out| parse_reg_internet_settings(&out.stdout))
        .unwrap_or_default();
    let proxy = if user_proxy.is_configured() {
        user_proxy
    } else {
        run(&Cmd::new("netsh")
            .args(["winhttp", "show", "proxy"])
            .timeout(timeout))
        .await
        .map(|out| parse_netsh_winhttp_proxy(&out.stdout))
        .unwrap_or(user_proxy)
    };

    Ok(crate::model::NetworkState {
        interfaces: parsed.interfaces,
        routes,
        dns: parsed.dns,
        proxy,
    })
}

/// Hardware, OS and battery from CIM through PowerShell ([`cim::SYSTEM_COMMAND`],
/// [`cim::BATTERY_COMMAND`]); a part whose command fails is left empty.
#[cfg(target_os = "windows")]
pub async fn collect_machine() -> crate::collect::Machine {
    use std::time::Duration;

    use deskside_exec::{Cmd, run};

    let powershell = |script: &str| {
        Cmd::new("powershell.exe")
            .args(["-NoProfile", "-NonInteractive", "-Command", script])
            .timeout(Duration::from_secs(20))
    };
    let text = |cmd: Cmd| async move {
        match run(&cmd).await {
            Ok(out) => out.stdout,
            Err(err) => {
                tracing::warn!(%err, "CIM query failed; its facts are left empty");
                String::new()
            }
        }
    };
    let (system, battery) = tokio::join!(
        text(powershell(cim::SYSTEM_COMMAND)),
        text(powershell(cim::BATTERY_COMMAND))
    );
    let system = cim::parse_cim_system(&system);
    crate::collect::Machine {
        os: system
            .as_ref()
            .map(|s| s.os.clone())
            .filter(|os| !os.name.is_empty()),
        hardware: system.map(|s| s.hardware).unwrap_or_default(),
        battery: cim::parse_cim_battery(&battery),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_in_the_shapes_windows_stores_them() {
        let ep = |h: &str, p| {
            Some(ProxyEndpoint {
                host: h.to_owned(),
                port: p,
            })
        };
        assert_eq!(
            parse_endpoint("proxy.example:8080", 80),
            ep("proxy.example", 8080)
        );
        assert_eq!(
            parse_endpoint("http://proxy.example:3128/", 80),
            ep("proxy.example", 3128)
        );
        assert_eq!(parse_endpoint("proxy.example", 80), ep("proxy.example", 80));
        assert_eq!(
            parse_endpoint("[2001:db8::1]:8080", 80),
            ep("2001:db8::1", 8080)
        );
        assert_eq!(parse_endpoint("2001:db8::1", 80), ep("2001:db8::1", 80));
        assert_eq!(parse_endpoint("", 80), None);
        assert_eq!(parse_endpoint(":80", 80), None);
    }

    #[test]
    fn per_scheme_server_lists() {
        let s = parse_proxy_servers(
            "http=198.51.100.7:8080;https=198.51.100.7:8443;socks=198.51.100.8:1080",
        );
        assert_eq!(s.http.map(|e| e.port), Some(8080));
        assert_eq!(s.https.map(|e| e.port), Some(8443));
        assert_eq!(s.socks.map(|e| e.host), Some("198.51.100.8".to_owned()));
        let single = parse_proxy_servers("proxy.corp.example:3128");
        assert_eq!(single.http, single.https);
        assert!(single.socks.is_none());
    }

    #[test]
    fn windows_addresses_lose_zone_and_status() {
        assert_eq!(
            parse_ip_lenient("fe80::1%12(Preferred) "),
            "fe80::1".parse().ok()
        );
        assert_eq!(
            parse_ip_lenient("192.0.2.4(Bevorzugt)"),
            "192.0.2.4".parse().ok()
        );
        assert_eq!(parse_ip_lenient("On-link"), None);
    }
}
