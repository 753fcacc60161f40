//! Windows parsers against real and realistic fixtures (`tests/fixtures/windows/`, provenance
//! in `tests/fixtures/README.md`), plus property tests: no parser panics on arbitrary text or
//! on fixtures with lines dropped or garbled.

use std::net::IpAddr;

use deskside_platform::windows::{
    parse_cim_battery, parse_cim_system, parse_ipconfig_all, parse_netsh_winhttp_proxy,
    parse_reg_internet_settings, parse_route_print,
};
use deskside_platform::{InterfaceKind, LinkState, ProxyEndpoint};
use proptest::prelude::*;

mod common;
use common::mangle;

fn fixture(name: &str) -> String {
    common::fixture("windows", name)
}

#[expect(clippy::unwrap_used, reason = "test literals are valid addresses")]
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn endpoint(host: &str, port: u16) -> Option<ProxyEndpoint> {
    Some(ProxyEndpoint {
        host: host.to_owned(),
        port,
    })
}

// ---- ipconfig /all ----

#[test]
fn ipconfig_wifi_up_ethernet_unplugged_vpn_connected() {
    let text = fixture("ipconfig_all.txt");
    assert!(text.contains("\r\n"), "fixture keeps Windows line endings");
    let parsed = parse_ipconfig_all(&text);
    assert_eq!(parsed.host_name.as_deref(), Some("DESKTOP-W11-EXAMPLE"));

    let wifi = parsed
        .interfaces
        .iter()
        .find(|i| i.name == "Wi-Fi")
        .unwrap();
    assert_eq!(wifi.kind, InterfaceKind::Wireless);
    assert_eq!(wifi.state, LinkState::Up);
    assert_eq!(wifi.mac.as_deref(), Some("00:00:5e:00:53:14"));
    assert_eq!(wifi.dhcp, Some(true));
    let v4 = wifi.addresses.iter().find(|a| a.addr.is_ipv4()).unwrap();
    assert_eq!((v4.addr, v4.prefix_len), (ip("192.0.2.169"), Some(24)));
    assert!(
        wifi.addresses
            .iter()
            .any(|a| a.addr == ip("fe80::4fae:1380:5a1b:8b6b")),
        "link-local, %11 stripped"
    );
    assert_eq!(wifi.addresses.len(), 4);

    let ethernet = parsed
        .interfaces
        .iter()
        .find(|i| i.name == "Ethernet")
        .unwrap();
    assert_eq!(ethernet.kind, InterfaceKind::Ethernet);
    assert_eq!(ethernet.state, LinkState::NoCarrier);
    assert!(ethernet.addresses.is_empty());

    let vpn = parsed
        .interfaces
        .iter()
        .find(|i| i.name == "Corp VPN")
        .unwrap();
    assert_eq!(vpn.kind, InterfaceKind::Tunnel);
    assert_eq!(vpn.state, LinkState::Up);
    assert_eq!(vpn.mac, None);
    assert_eq!(
        vpn.addresses.first().map(|a| (a.addr, a.prefix_len)),
        Some((ip("198.51.100.14"), Some(32)))
    );

    let kind_of = |name: &str| {
        parsed
            .interfaces
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.kind)
    };
    assert_eq!(
        kind_of("Local Area Connection* 1"),
        Some(InterfaceKind::Virtual)
    );
    assert_eq!(
        kind_of("vEthernet (Default Switch)"),
        Some(InterfaceKind::Virtual)
    );
    assert_eq!(
        kind_of("Bluetooth Network Connection"),
        Some(InterfaceKind::Other)
    );

    // Two-line "Default Gateway": an IPv6 link-local then the IPv4 router.
    let gateways: Vec<_> = parsed
        .routes
        .iter()
        .map(|r| (r.destination.to_string(), r.gateway))
        .collect();
    assert_eq!(
        gateways,
        vec![
            ("::/0".to_owned(), Some(ip("fe80::4600:49ff:fee1:c6ee"))),
            ("0.0.0.0/0".to_owned(), Some(ip("192.0.2.1")))
        ]
    );
    assert!(
        parsed
            .routes
            .iter()
            .all(|r| r.interface.as_deref() == Some("Wi-Fi"))
    );

    // DNS servers of every adapter, continuation lines included, in printed order.
    assert_eq!(
        parsed.dns.servers,
        vec![
            ip("198.51.100.53"),
            ip("198.51.100.54"),
            ip("2001:db8:4a1:3f95::1"),
            ip("192.0.2.1")
        ]
    );
    assert_eq!(
        parsed.dns.search_domains,
        vec!["corp.example", "home.example"]
    );
    assert_eq!(parsed.dns.source, "ipconfig /all");
    insta::assert_json_snapshot!("ipconfig_all", parsed);
}

#[test]
fn ipconfig_german_localized_output() {
    let parsed = parse_ipconfig_all(&fixture("ipconfig_all_de.txt"));
    assert_eq!(parsed.host_name.as_deref(), Some("DESKTOP-DE-EXAMPLE"));
    let names: Vec<_> = parsed.interfaces.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Ethernet",
            "vEthernet (WSL (Hyper-V firewall))",
            "LAN-Verbindung* 3",
            "WLAN",
            "Bluetooth-Netzwerkverbindung"
        ]
    );
    let wlan = parsed.interfaces.iter().find(|i| i.name == "WLAN").unwrap();
    assert_eq!(wlan.kind, InterfaceKind::Wireless);
    assert_eq!(wlan.state, LinkState::Up);
    assert_eq!(wlan.dhcp, Some(true));
    assert!(
        wlan.addresses
            .iter()
            .any(|a| a.addr == ip("192.0.2.23") && a.prefix_len == Some(24))
    );
    assert_eq!(wlan.addresses.len(), 4);
    let ethernet = parsed.interfaces.first().unwrap();
    assert_eq!(
        (ethernet.state, ethernet.dhcp),
        (LinkState::NoCarrier, Some(true))
    );
    assert_eq!(parsed.routes.len(), 2);
    assert_eq!(
        parsed.dns.servers,
        vec![
            ip("fd00::62b5:8dff:fe35:646d"),
            ip("2001:db8:19ba:af01:62b5:8dff:fe35:646d"),
            ip("192.0.2.1")
        ]
    );
    assert_eq!(parsed.dns.search_domains, vec!["fritz.box"]);
}

#[test]
fn ipconfig_of_nothing_is_empty() {
    let parsed = parse_ipconfig_all("");
    assert!(parsed.interfaces.is_empty() && parsed.routes.is_empty() && parsed.host_name.is_none());
}

// ---- route print ----

#[test]
fn route_print_with_vpn_split_route() {
    let routes = parse_route_print(&fixture("route_print.txt"));
    assert_eq!(routes.len(), 22 + 12);
    let default = routes
        .iter()
        .find(|r| r.destination.to_string() == "0.0.0.0/0")
        .unwrap();
    assert_eq!(default.gateway, Some(ip("192.0.2.1")));
    assert_eq!(default.interface.as_deref(), Some("192.0.2.169"));
    assert_eq!(default.metric, Some(35));
    let vpn = routes
        .iter()
        .find(|r| r.destination.to_string() == "10.0.0.0/8")
        .unwrap();
    assert_eq!(vpn.gateway, None, "On-link");
    assert_eq!(vpn.interface.as_deref(), Some("198.51.100.14"));
    let v6_default = routes
        .iter()
        .find(|r| r.destination.to_string() == "::/0")
        .unwrap();
    assert_eq!(v6_default.gateway, Some(ip("fe80::4600:49ff:fee1:c6ee")));
    assert_eq!(v6_default.interface.as_deref(), Some("11"));
    // Destinations too long for their column put the gateway on the next line.
    let wrapped = routes
        .iter()
        .find(|r| r.destination.to_string() == "2001:db8:4a1:3f95:57c2:aa:10d8:db08/128")
        .unwrap();
    assert_eq!((wrapped.gateway, wrapped.metric), (None, Some(291)));
    insta::assert_json_snapshot!("route_print", routes);
}

#[test]
fn route_print_skips_persistent_routes() {
    let routes = parse_route_print(&fixture("route_print_win10.txt"));
    assert_eq!(routes.len(), 18 + 9, "active routes only");
    assert!(
        routes
            .iter()
            .all(|r| r.metric != Some(1) && r.metric != Some(4_294_967_295))
    );
    assert_eq!(routes.iter().filter(|r| r.is_default()).count(), 1);
    let wrapped: Vec<_> = routes
        .iter()
        .filter(|r| r.destination.prefix_len() == 128 && r.destination.addr().is_ipv6())
        .collect();
    assert_eq!(wrapped.len(), 4, "::1 plus three wrapped /128 rows");
}

// ---- proxies ----

#[test]
fn netsh_direct_access() {
    let proxy = parse_netsh_winhttp_proxy(&fixture("netsh_winhttp_direct.txt"));
    assert!(!proxy.is_configured());
    assert_eq!(proxy.source, "netsh winhttp");
}

#[test]
fn netsh_per_scheme_proxy_and_bypass() {
    let proxy = parse_netsh_winhttp_proxy(&fixture("netsh_winhttp_proxy.txt"));
    assert_eq!(proxy.http, endpoint("proxy.corp.example", 8080));
    assert_eq!(proxy.https, endpoint("proxy.corp.example", 8443));
    assert_eq!(proxy.socks, None);
    assert_eq!(proxy.bypass, vec!["<local>", "*.corp.example", "10.*"]);
}

#[test]
fn netsh_single_server_and_french_labels() {
    let text = "\r\nParamètres de proxy WinHTTP actuels :\r\n\r\n    Serveur(s) proxy :  proxy.local:8080\r\n    Liste de contournement     :  (aucun)\r\n";
    let proxy = parse_netsh_winhttp_proxy(text);
    assert_eq!(proxy.http, endpoint("proxy.local", 8080));
    assert_eq!(proxy.https, endpoint("proxy.local", 8080));
    assert!(proxy.bypass.is_empty());
}

#[test]
fn registry_pac_without_manual_proxy() {
    let proxy = parse_reg_internet_settings(&fixture("reg_internet_settings_pac.txt"));
    assert_eq!(
        proxy.pac_url.as_deref(),
        Some("http://pac.corp.example/proxy.pac")
    );
    assert_eq!((proxy.http.clone(), proxy.auto_detect), (None, false));
    assert!(proxy.is_configured());
    assert_eq!(proxy.source, "registry");
}

#[test]
fn registry_manual_proxy_with_overrides() {
    let proxy = parse_reg_internet_settings(&fixture("reg_internet_settings_proxy.txt"));
    assert_eq!(proxy.http, endpoint("198.51.100.7", 3128));
    assert_eq!(proxy.https, endpoint("198.51.100.7", 3128));
    assert_eq!(
        proxy.bypass,
        vec!["localhost", "127.*", "10.*", "*.corp.example", "<local>"]
    );
    assert_eq!(proxy.pac_url, None);
}

// ---- CIM ----

#[test]
fn cim_system_of_a_thinkpad() {
    let system = parse_cim_system(&fixture("cim_system.txt")).unwrap();
    assert_eq!(system.hardware.vendor.as_deref(), Some("LENOVO"));
    assert_eq!(system.hardware.model.as_deref(), Some("20XW0026GE"));
    assert_eq!(system.hardware.serial.as_deref(), Some("PF0EXAMPLE"));
    assert_eq!(system.os.name, "Windows 11 Pro");
    assert_eq!(system.os.version.as_deref(), Some("10.0.22631"));
    assert_eq!(system.os.build.as_deref(), Some("22631.3447"));
}

#[test]
fn cim_system_from_a_raw_single_class_dump() {
    let text = "\u{feff}{\"Caption\": \"Microsoft Windows 10 Enterprise\", \"Version\": \"10.0.19045\", \"BuildNumber\": \"19045\", \"Manufacturer\": \"Microsoft Corporation\", \"SerialNumber\": \"To be filled by O.E.M.\"}";
    let system = parse_cim_system(text).unwrap();
    assert_eq!(system.os.name, "Windows 10 Enterprise");
    assert_eq!(system.os.build.as_deref(), Some("19045"));
    assert_eq!(system.hardware.serial, None, "OEM placeholder is no serial");
    assert_eq!(parse_cim_system("Get-CimInstance : Access denied"), None);
}

#[test]
fn cim_battery_discharging_and_absent() {
    let battery = parse_cim_battery(&fixture("cim_battery.txt")).unwrap();
    assert_eq!(battery.percent, Some(87.0));
    assert_eq!(battery.state, "discharging");
    assert_eq!(battery.health_percent, None);
    assert_eq!(parse_cim_battery(&fixture("cim_battery_none.txt")), None);
    let two = parse_cim_battery("[{\"EstimatedChargeRemaining\": 100, \"BatteryStatus\": 2}, {}]")
        .unwrap();
    assert_eq!(two.state, "full");
}

// ---- robustness ----

const FIXTURES: [&str; 11] = [
    "ipconfig_all.txt",
    "ipconfig_all_de.txt",
    "route_print.txt",
    "route_print_win10.txt",
    "netsh_winhttp_direct.txt",
    "netsh_winhttp_proxy.txt",
    "reg_internet_settings_pac.txt",
    "reg_internet_settings_proxy.txt",
    "cim_system.txt",
    "cim_battery.txt",
    "cim_battery_none.txt",
];

fn run_all(text: &str) {
    let _ = parse_ipconfig_all(text);
    let _ = parse_route_print(text);
    let _ = parse_netsh_winhttp_proxy(text);
    let _ = parse_reg_internet_settings(text);
    let _ = parse_cim_system(text);
    let _ = parse_cim_battery(text);
}

proptest! {
    #[test]
    fn no_parser_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        run_all(&text);
    }

    #[test]
    fn no_parser_panics_on_fixture_shaped_noise(text in "[ \\t\\r\\n.:%()=;a-fA-F0-9xX\\[\\]{}\"-]{0,400}") {
        run_all(&text);
    }

    #[test]
    fn no_parser_panics_on_mangled_fixtures(index in 0..FIXTURES.len(), seed in proptest::collection::vec(any::<u8>(), 1..64)) {
        let text = fixture(FIXTURES.get(index).copied().unwrap_or_default());
        run_all(&mangle(&text, &seed));
    }
}
