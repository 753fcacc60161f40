//! macOS parsers against real and realistic fixtures (`tests/fixtures/macos/`, provenance in
//! `tests/fixtures/README.md`), plus property tests: no parser panics on arbitrary text or on
//! fixtures with lines dropped or garbled.

use std::net::IpAddr;

use deskside_platform::macos::{
    apply_hardware_ports, merge_inodes, parse_df, parse_hardware_ports, parse_ifconfig,
    parse_netstat_rn, parse_pmset_batt, parse_scutil_dns, parse_scutil_proxy, parse_sp_hardware,
    parse_sw_vers,
};
use deskside_platform::{InterfaceKind, LinkState, ProxyEndpoint};
use proptest::prelude::*;

mod common;
use common::mangle;

fn fixture(name: &str) -> String {
    common::fixture("macos", name)
}

#[expect(clippy::unwrap_used, reason = "test literals are valid addresses")]
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// ---- scutil --dns ----

#[test]
fn scutil_dns_with_vpn_split_scope() {
    let dns = parse_scutil_dns(&fixture("scutil_dns_vpn.txt"));
    assert_eq!(dns.source, "scutil --dns");
    assert_eq!(
        dns.servers,
        vec![ip("192.0.2.1"), ip("2001:db8:4a1:3f95::1")]
    );
    assert_eq!(dns.search_domains, vec!["corp.example", "home.example"]);
    // Two VPN domains with the same servers merge into one scope; the VPN's reverse zone is
    // an `.arpa` domain and, like mDNS `local`, is not listed.
    assert_eq!(dns.scopes.len(), 1);
    let scope = dns.scopes.first().unwrap();
    assert_eq!(scope.domains, vec!["corp.example", "internal.corp.example"]);
    assert_eq!(
        scope.servers,
        vec![ip("198.51.100.53"), ip("198.51.100.54")]
    );
    assert_eq!(scope.interface.as_deref(), Some("utun4"));
    assert!(dns.upstream_servers.is_empty());
    insta::assert_json_snapshot!("scutil_dns_vpn", dns);
}

#[test]
fn scutil_dns_full_tunnel_ppp_vpn_on_old_macos() {
    let dns = parse_scutil_dns(&fixture("scutil_dns_ppp.txt"));
    assert_eq!(dns.servers, vec![ip("198.51.100.10"), ip("198.51.100.24")]);
    assert!(dns.search_domains.is_empty());
    assert!(
        dns.scopes.is_empty(),
        "only mDNS and reverse scopes besides the default"
    );
}

#[test]
fn scutil_dns_scope_without_if_index_takes_it_from_scoped_list() {
    let text = "DNS configuration\n\nresolver #1\n  nameserver[0] : 192.0.2.1\n\nresolver #2\n  domain   : corp.example\n  nameserver[0] : 198.51.100.53\n\nDNS configuration (for scoped queries)\n\nresolver #1\n  nameserver[0] : 198.51.100.53\n  if_index : 24 (utun4)\n  flags    : Scoped\n";
    let dns = parse_scutil_dns(text);
    assert_eq!(
        dns.scopes.first().and_then(|s| s.interface.as_deref()),
        Some("utun4")
    );
}

// ---- scutil --proxy ----

#[test]
fn scutil_proxy_pac_with_exceptions_and_scoped_duplicate() {
    let proxy = parse_scutil_proxy(&fixture("scutil_proxy_pac.txt"));
    assert_eq!(
        proxy.pac_url.as_deref(),
        Some("http://pac.corp.example/proxy.pac")
    );
    assert_eq!(proxy.http, None);
    assert!(!proxy.auto_detect);
    assert_eq!(
        proxy.bypass,
        vec!["*.local", "169.254/16", "*.corp.example"],
        "top-level list only"
    );
    assert_eq!(proxy.source, "scutil --proxy");
}

#[test]
fn scutil_proxy_manual_http_https_socks() {
    let proxy = parse_scutil_proxy(&fixture("scutil_proxy_manual.txt"));
    let ep = |host: &str, port| {
        Some(ProxyEndpoint {
            host: host.to_owned(),
            port,
        })
    };
    assert_eq!(
        proxy.http,
        ep("proxy.corp.example", 3128),
        "the __SCOPED__ copy is ignored"
    );
    assert_eq!(proxy.https, ep("proxy.corp.example", 3128));
    assert_eq!(proxy.socks, ep("198.51.100.8", 1080));
    assert!(proxy.auto_detect);
    assert_eq!(proxy.pac_url, None);
}

#[test]
fn scutil_proxy_none() {
    let proxy = parse_scutil_proxy(&fixture("scutil_proxy_none.txt"));
    assert!(!proxy.is_configured());
    assert_eq!(proxy.bypass.len(), 2);
}

// ---- netstat -rn ----

#[test]
fn netstat_modern_layout_with_vpn_split_route() {
    let routes = parse_netstat_rn(&fixture("netstat_rn_vpn.txt"));
    let defaults: Vec<_> = routes.iter().filter(|r| r.is_default()).collect();
    assert_eq!(
        defaults.len(),
        2,
        "en0 IPv4 and IPv6; the per-utun scoped defaults are skipped"
    );
    assert!(
        defaults
            .iter()
            .all(|r| r.interface.as_deref() == Some("en0"))
    );
    assert_eq!(
        defaults.first().and_then(|r| r.gateway),
        Some(ip("192.0.2.1"))
    );
    assert_eq!(
        defaults.get(1).and_then(|r| r.gateway),
        Some(ip("fe80::4600:49ff:fee1:c6ee"))
    );

    let vpn = routes
        .iter()
        .find(|r| r.destination.to_string() == "10.0.0.0/8")
        .unwrap();
    assert_eq!(
        (vpn.gateway, vpn.interface.as_deref()),
        (None, Some("utun4"))
    );
    let lan = routes
        .iter()
        .find(|r| r.destination.to_string() == "192.0.2.0/24")
        .unwrap();
    assert_eq!(lan.gateway, None, "link#15");
    assert!(
        routes
            .iter()
            .any(|r| r.destination.to_string() == "127.0.0.0/8")
    );
    assert!(
        routes
            .iter()
            .any(|r| r.destination.to_string() == "169.254.0.0/16")
    );
    assert!(
        routes
            .iter()
            .any(|r| r.destination.to_string() == "224.0.0.0/4")
    );
    assert!(
        routes
            .iter()
            .any(|r| r.destination.to_string() == "fe80::/64"
                && r.interface.as_deref() == Some("en0"))
    );
    assert!(
        routes
            .iter()
            .all(|r| r.destination.to_string() != "192.0.2.1/32" || r.gateway.is_none())
    );
    assert!(
        !routes
            .iter()
            .any(|r| r.destination.to_string() == "224.0.0.251/32"),
        "cloned (W) entries skipped"
    );
    assert!(routes.iter().all(|r| r.metric.is_none()));
    insta::assert_json_snapshot!("netstat_rn_vpn", routes);
}

#[test]
fn netstat_mojave_layout_with_refs_use_mtu_columns() {
    let routes = parse_netstat_rn(&fixture("netstat_rnl_10.14.txt"));
    let defaults: Vec<_> = routes.iter().filter(|r| r.is_default()).collect();
    assert_eq!(defaults.len(), 2);
    assert_eq!(
        defaults.first().and_then(|r| r.gateway),
        Some(ip("192.0.2.254"))
    );
    let vmnet = routes
        .iter()
        .find(|r| r.destination.to_string() == "192.168.71.0/24")
        .unwrap();
    assert_eq!(vmnet.interface.as_deref(), Some("vmnet8"));
    assert!(
        !routes
            .iter()
            .any(|r| r.destination.to_string() == "192.0.2.64/32")
    );
}

// ---- ifconfig + networksetup ----

#[test]
fn ifconfig_with_vpn_and_hardware_ports() {
    let mut interfaces = parse_ifconfig(&fixture("ifconfig_vpn.txt"));
    let ports = parse_hardware_ports(&fixture("networksetup_listallhardwareports.txt"));
    assert_eq!(ports.len(), 5);
    apply_hardware_ports(&mut interfaces, &ports);

    let by = |name: &str| interfaces.iter().find(|i| i.name == name).unwrap();
    let en0 = by("en0");
    assert_eq!(
        (en0.kind, en0.state),
        (InterfaceKind::Wireless, LinkState::Up)
    );
    assert_eq!(en0.description.as_deref(), Some("Wi-Fi"));
    assert_eq!(en0.mac.as_deref(), Some("00:00:5e:00:53:14"));
    assert_eq!(en0.mtu, Some(1500));
    assert!(
        en0.addresses
            .iter()
            .any(|a| a.addr == ip("192.0.2.23") && a.prefix_len == Some(24))
    );
    assert!(
        en0.addresses
            .iter()
            .any(|a| a.addr == ip("fe80::18a5:2c1f:9b3e:4d71") && a.prefix_len == Some(64))
    );
    assert_eq!(en0.addresses.len(), 4);

    let utun4 = by("utun4");
    assert_eq!(
        (utun4.kind, utun4.state),
        (InterfaceKind::Tunnel, LinkState::Up)
    );
    assert_eq!(
        utun4.addresses.first().map(|a| (a.addr, a.prefix_len)),
        Some((ip("198.51.100.14"), Some(32)))
    );

    assert_eq!(by("lo0").kind, InterfaceKind::Loopback);
    assert_eq!(
        (by("bridge0").kind, by("bridge0").state),
        (InterfaceKind::Bridge, LinkState::NoCarrier)
    );
    assert_eq!(
        by("bridge0").description.as_deref(),
        Some("Thunderbolt Bridge")
    );
    assert_eq!(
        (by("en1").kind, by("en1").description.as_deref()),
        (InterfaceKind::Ethernet, Some("Thunderbolt 1"))
    );
    assert_eq!(
        by("en3").kind,
        InterfaceKind::Cellular,
        "iPhone USB tethering"
    );
    assert_eq!(by("ap1").state, LinkState::Down);
    assert_eq!(by("gif0").state, LinkState::Down);
    assert_eq!(by("awdl0").kind, InterfaceKind::Virtual);
    insta::assert_json_snapshot!("ifconfig_vpn", interfaces);
}

#[test]
fn ifconfig_mojave_machine() {
    let interfaces = parse_ifconfig(&fixture("ifconfig_10.14.txt"));
    assert_eq!(interfaces.len(), 19);
    let en0 = interfaces.iter().find(|i| i.name == "en0").unwrap();
    assert_eq!(en0.addresses.len(), 7);
    assert_eq!(en0.state, LinkState::Up);
    let xhc = interfaces.iter().find(|i| i.name == "XHC20").unwrap();
    assert_eq!(
        (xhc.kind, xhc.state, xhc.mtu),
        (InterfaceKind::Other, LinkState::Down, Some(0))
    );
    let lo0 = interfaces.first().unwrap();
    assert_eq!(lo0.addresses.first().map(|a| a.prefix_len), Some(Some(8)));
}

// ---- system facts ----

#[test]
fn sw_vers_plain_and_rapid_security_response() {
    let os = parse_sw_vers(&fixture("sw_vers.txt"));
    assert_eq!(os.name, "macOS");
    assert_eq!(os.version.as_deref(), Some("14.4.1"));
    assert_eq!(os.build.as_deref(), Some("23E224"));
    let rsr = parse_sw_vers(&fixture("sw_vers_rsr.txt"));
    assert_eq!(rsr.version.as_deref(), Some("13.3.1 (a)"));
}

#[test]
fn system_profiler_hardware_overview() {
    let hw = parse_sp_hardware(&fixture("system_profiler_SPHardwareDataType.txt"));
    assert_eq!(hw.vendor.as_deref(), Some("Apple Inc."));
    assert_eq!(hw.model.as_deref(), Some("MacBookPro18,3"));
    assert_eq!(hw.serial.as_deref(), Some("C02EXAMPLE1"));
    assert_eq!(parse_sp_hardware("").vendor, None);
}

#[test]
fn pmset_battery_states() {
    let battery = parse_pmset_batt(&fixture("pmset_batt_discharging.txt")).unwrap();
    assert_eq!(
        (battery.percent, battery.state.as_str()),
        (Some(87.0), "discharging")
    );
    let held = parse_pmset_batt(&fixture("pmset_batt_ac_attached.txt")).unwrap();
    assert_eq!(
        (held.percent, held.state.as_str()),
        (Some(79.0), "not_charging")
    );
    assert_eq!(parse_pmset_batt(&fixture("pmset_batt_desktop.txt")), None);
    let full =
        parse_pmset_batt(" -InternalBattery-0 (id=1)\t100%; charged; 0:00 remaining present: true")
            .unwrap();
    assert_eq!(full.state, "full");
}

// ---- robustness ----

const FIXTURES: [&str; 16] = [
    "df_ki.txt",
    "ifconfig_10.14.txt",
    "ifconfig_vpn.txt",
    "netstat_rn_vpn.txt",
    "netstat_rnl_10.14.txt",
    "networksetup_listallhardwareports.txt",
    "pmset_batt_ac_attached.txt",
    "pmset_batt_desktop.txt",
    "pmset_batt_discharging.txt",
    "scutil_dns_ppp.txt",
    "scutil_dns_vpn.txt",
    "scutil_proxy_manual.txt",
    "scutil_proxy_none.txt",
    "scutil_proxy_pac.txt",
    "sw_vers.txt",
    "system_profiler_SPHardwareDataType.txt",
];

fn run_all(text: &str) {
    let mut interfaces = parse_ifconfig(text);
    apply_hardware_ports(&mut interfaces, &parse_hardware_ports(text));
    let _ = parse_netstat_rn(text);
    let _ = parse_scutil_dns(text);
    let _ = parse_scutil_proxy(text);
    let _ = parse_sw_vers(text);
    let _ = parse_sp_hardware(text);
    let _ = parse_pmset_batt(text);
    let _ = parse_df(text);
}

#[test]
fn df_with_inodes_keeps_spaces_and_skips_pseudo_volumes() {
    let vols = parse_df(&fixture("df_ki.txt"));
    let mounts: Vec<&str> = vols.iter().map(|v| v.mount_point.as_str()).collect();
    assert!(
        !mounts.contains(&"/dev"),
        "devfs is not a volume: {mounts:?}"
    );
    assert!(
        !mounts.iter().any(|m| m.ends_with("/home")),
        "automounter maps are not volumes: {mounts:?}"
    );
    let data = vols
        .iter()
        .find(|v| v.mount_point == "/System/Volumes/Data")
        .unwrap();
    assert_eq!(data.total_bytes, 482_797_652 * 1024);
    assert_eq!(data.available_bytes, 214_520_508 * 1024);
    assert_eq!(data.free_inodes, Some(2_145_205_080));
    assert_eq!(data.total_inodes, Some(2_145_205_080 + 1_933_425));
    let usb = vols.iter().find(|v| v.device == "/dev/disk5s1").unwrap();
    assert_eq!(usb.mount_point, "/Volumes/My Passport");
}

#[test]
fn df_inodes_fill_the_sysinfo_volumes_by_mount_point() {
    let vol = |mount: &str| deskside_platform::model::Volume {
        mount_point: mount.into(),
        device: "disk".into(),
        fs_type: "apfs".into(),
        total_bytes: 1,
        available_bytes: 1,
        total_inodes: None,
        free_inodes: None,
        read_only: true,
    };
    let mut from_sysinfo = vec![vol("/"), vol("/Volumes/My Passport"), vol("/Volumes/NAS")];
    merge_inodes(&mut from_sysinfo, &parse_df(&fixture("df_ki.txt")));
    assert_eq!(from_sysinfo[0].free_inodes, Some(2_145_205_080));
    assert_eq!(from_sysinfo[0].total_inodes, Some(2_145_205_080 + 404_167));
    assert_eq!(from_sysinfo[1].free_inodes, Some(4_294_967_267));
    // A volume df did not list (a network share: `df -l`) keeps no counts; sysinfo's own
    // facts are untouched.
    assert_eq!(from_sysinfo[2].free_inodes, None);
    assert_eq!(from_sysinfo[0].fs_type, "apfs");
    assert!(from_sysinfo[0].read_only);
}

#[test]
fn df_posix_has_no_inodes() {
    let text = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/disk3s1s1 482797652 10135348 214520508 5% /\n";
    let vols = parse_df(text);
    assert_eq!(vols.len(), 1);
    assert_eq!(vols[0].mount_point, "/");
    assert_eq!(vols[0].total_inodes, None);
}

proptest! {
    #[test]
    fn no_parser_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        run_all(&text);
    }

    #[test]
    fn no_parser_panics_on_fixture_shaped_noise(text in "[ \\t\\n.:%#<>{}()=;/a-fA-F0-9x-]{0,400}") {
        run_all(&text);
    }

    #[test]
    fn no_parser_panics_on_mangled_fixtures(index in 0..FIXTURES.len(), seed in proptest::collection::vec(any::<u8>(), 1..64)) {
        let text = fixture(FIXTURES.get(index).copied().unwrap_or_default());
        run_all(&mangle(&text, &seed));
    }
}
