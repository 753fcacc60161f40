//! Linux parsers against real and realistic fixtures (`tests/fixtures/linux/`, described in
//! its README), plus property tests: no parser panics on arbitrary text.

use std::net::IpAddr;

use deskside_platform::linux::{
    LinkFacts, classify_kind, classify_state, is_resolved_stub, parse_gsettings_proxy,
    parse_mountinfo, parse_os_release, parse_power_supply_uevent, parse_proc_net_ipv6_route,
    parse_proc_net_route, parse_proc_uptime, parse_resolv_conf, parse_resolvectl_status,
    proxy::parse_proxy_url, proxy_from_env, real_local_mounts,
};
use deskside_platform::{InterfaceKind, LinkState, ProxyEndpoint};
use proptest::prelude::*;

#[expect(clippy::panic, reason = "a missing fixture is a test failure")]
fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/linux/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[expect(clippy::unwrap_used, reason = "test literals are valid addresses")]
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

// ---- resolv.conf ----

#[test]
fn resolv_conf_of_this_machine() {
    let dns = parse_resolv_conf(&fixture("resolv.conf.txt"));
    assert_eq!(dns.servers, vec![ip("10.255.255.53")]);
    assert!(dns.search_domains.is_empty());
    assert_eq!(dns.source, "/etc/resolv.conf");
    assert!(!is_resolved_stub(&dns.servers));
}

#[test]
fn resolv_conf_stub_is_recognised() {
    let dns = parse_resolv_conf(&fixture("resolv.conf.stub.txt"));
    assert_eq!(dns.servers, vec![ip("127.0.0.53")]);
    assert_eq!(dns.search_domains, vec!["home.arpa", "corp.example"]);
    assert!(is_resolved_stub(&dns.servers));
}

#[test]
fn resolv_conf_comments_options_and_bad_lines() {
    let dns = parse_resolv_conf(&fixture("resolv.conf.handwritten.txt"));
    assert_eq!(
        dns.servers,
        vec![ip("10.0.0.2"), ip("2001:db8::53"), ip("10.0.0.3")]
    );
    // The later `search` line replaces the earlier `domain` line, as in glibc.
    assert_eq!(
        dns.search_domains,
        vec!["office.example", "lab.office.example"]
    );
}

#[test]
fn resolved_upstream_file_keeps_link_local_server_without_zone() {
    let dns = parse_resolv_conf(&fixture("run_systemd_resolve_resolv.conf.txt"));
    assert_eq!(
        dns.servers,
        vec![ip("192.168.1.1"), ip("10.8.0.53"), ip("fe80::1")]
    );
}

// ---- routes ----

#[test]
fn ipv4_routes_of_this_machine() {
    let routes = parse_proc_net_route(&fixture("proc_net_route.txt"));
    insta::assert_json_snapshot!("proc_net_route", routes);
    let default: Vec<_> = routes.iter().filter(|r| r.is_default()).collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0].gateway, Some(ip("192.0.2.1")));
    assert_eq!(default[0].interface.as_deref(), Some("eth0"));
    assert_eq!(routes[1].destination.to_string(), "192.0.2.0/24");
    assert_eq!(routes[1].gateway, None);
}

#[test]
fn ipv4_routes_of_a_laptop_on_vpn() {
    let routes = parse_proc_net_route(&fixture("proc_net_route.laptop_vpn.txt"));
    let shown: Vec<String> = routes
        .iter()
        .map(|r| {
            format!(
                "{} via {:?} dev {} metric {:?}",
                r.destination,
                r.gateway,
                r.interface.as_deref().unwrap_or("-"),
                r.metric
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            "0.0.0.0/0 via Some(192.168.1.1) dev wlp0s20f3 metric Some(600)",
            "10.0.0.0/8 via Some(10.8.0.1) dev tun0 metric Some(50)",
            "10.8.0.0/24 via None dev tun0 metric Some(50)",
            "192.168.1.0/24 via None dev wlp0s20f3 metric Some(600)",
            "169.254.0.0/16 via None dev wlp0s20f3 metric Some(1000)",
            "172.17.0.0/16 via None dev docker0 metric Some(0)",
            "10.10.10.10/32 via Some(192.168.1.1) dev wlp0s20f3 metric Some(600)",
        ]
    );
}

#[test]
fn ipv6_routes_skip_local_multicast_and_unreachable() {
    let routes = parse_proc_net_ipv6_route(&fixture("proc_net_ipv6_route.txt"));
    insta::assert_json_snapshot!("proc_net_ipv6_route", routes);
    let default: Vec<_> = routes.iter().filter(|r| r.is_default()).collect();
    assert_eq!(
        default.len(),
        1,
        "the `lo` unreachable default must not count: {routes:?}"
    );
    assert_eq!(default[0].gateway, Some(ip("fd00::1")));
    assert_eq!(default[0].metric, Some(1024));
    assert!(routes.iter().all(|r| r.interface.as_deref() != Some("lo")));
    assert!(routes.iter().all(|r| r.destination.prefix_len() < 128));

    let laptop = parse_proc_net_ipv6_route(&fixture("proc_net_ipv6_route.laptop.txt"));
    let destinations: Vec<String> = laptop.iter().map(|r| r.destination.to_string()).collect();
    assert_eq!(
        destinations,
        vec!["2001:db8:1::/64", "fe80::/64", "fd00:c0a8::/64", "::/0"]
    );
    assert_eq!(laptop[3].gateway, Some(ip("fe80::1")));
    assert_eq!(laptop[3].metric, Some(600));
}

// ---- resolvectl ----

#[test]
fn resolvectl_with_vpn_split_dns() {
    let status = parse_resolvectl_status(&fixture("resolvectl_status_vpn.txt"));
    assert_eq!(status.sections.len(), 5);
    let tun = &status.sections[4];
    assert_eq!(tun.interface.as_deref(), Some("tun0"));
    assert_eq!(tun.servers, vec![ip("10.8.0.53"), ip("10.8.0.54")]);
    assert_eq!(
        tun.domains,
        vec!["~corp.example", "~10.in-addr.arpa", "~intra.corp.example"]
    );
    assert_eq!(tun.default_route, Some(false));
    assert_eq!(
        status.upstream_servers(),
        vec![
            ip("1.1.1.1"),
            ip("2606:4700:4700::1111"),
            ip("192.168.1.1"),
            ip("fe80::1")
        ]
    );
    insta::assert_json_snapshot!("resolvectl_vpn_scopes", status.scopes());
    let scopes = status.scopes();
    let corp = scopes
        .iter()
        .find(|s| s.interface.as_deref() == Some("tun0"))
        .unwrap();
    assert_eq!(
        corp.domains,
        vec!["corp.example", "10.in-addr.arpa", "intra.corp.example"]
    );
    assert_eq!(corp.servers, vec![ip("10.8.0.53"), ip("10.8.0.54")]);
}

#[test]
fn resolvectl_plain_single_link() {
    let status = parse_resolvectl_status(&fixture("resolvectl_status_plain.txt"));
    assert_eq!(status.upstream_servers(), vec![ip("10.0.2.3")]);
    let scopes = status.scopes();
    assert_eq!(scopes.len(), 1);
    assert_eq!(scopes[0].domains, vec!["lan"]);
    assert_eq!(scopes[0].interface.as_deref(), Some("eth0"));
}

// ---- mountinfo ----

#[test]
fn mountinfo_of_this_machine_keeps_only_the_root_disk() {
    let entries = parse_mountinfo(&fixture("mountinfo.txt"));
    assert_eq!(entries.len(), 20);
    let real: Vec<&str> = real_local_mounts(&entries)
        .iter()
        .map(|e| e.mount_point.as_str())
        .collect();
    assert_eq!(real, vec!["/"]);
}

#[test]
fn mountinfo_of_a_laptop() {
    let entries = parse_mountinfo(&fixture("mountinfo.laptop.txt"));
    let real: Vec<&str> = real_local_mounts(&entries)
        .iter()
        .map(|e| e.mount_point.as_str())
        .collect();
    assert_eq!(
        real,
        vec![
            "/",
            "/boot/efi",
            "/home",
            "/run/media/jdoe/USB STICK",
            "/mnt/backup"
        ],
        "snaps, tmpfs, fuse.portal, nsfs, docker overlay, bind duplicates and cifs are left out"
    );
    let backup = entries
        .iter()
        .find(|e| e.mount_point == "/mnt/backup")
        .unwrap();
    assert!(backup.read_only());
    let root = entries.iter().find(|e| e.mount_point == "/").unwrap();
    assert!(!root.read_only());
    assert_eq!(root.source, "/dev/nvme0n1p2");
    assert_eq!(root.device_id, (259, 2));
}

#[test]
fn mountinfo_of_a_container_keeps_overlay_root_and_drops_file_binds() {
    let entries = parse_mountinfo(&fixture("mountinfo.container.txt"));
    let real: Vec<&str> = real_local_mounts(&entries)
        .iter()
        .map(|e| e.mount_point.as_str())
        .collect();
    assert_eq!(real, vec!["/", "/work"]);
}

// ---- os-release ----

#[test]
fn os_release_variants() {
    let debian = parse_os_release(&fixture("os-release.txt"), Some("6.18.44-fc-v669\n"));
    assert_eq!(debian.name, "Debian GNU/Linux 12 (bookworm)");
    assert_eq!(debian.version.as_deref(), Some("12"));
    assert_eq!(debian.build.as_deref(), Some("6.18.44-fc-v669"));

    let kernel = fixture("laptop_kernel_osrelease.txt");
    let ubuntu = parse_os_release(&fixture("os-release.ubuntu.txt"), Some(&kernel));
    assert_eq!(ubuntu.name, "Ubuntu 24.04.1 LTS");
    assert_eq!(ubuntu.version.as_deref(), Some("24.04"));
    assert_eq!(ubuntu.build.as_deref(), Some("6.1.0-18-amd64"));

    let arch = parse_os_release(&fixture("os-release.arch.txt"), None);
    assert_eq!(arch.name, "Arch Linux");
    assert_eq!(arch.version, None);
    assert_eq!(arch.build, None);

    assert_eq!(parse_os_release("", None).name, "Linux");
}

// ---- power supply ----

#[test]
fn battery_energy_based() {
    let b = parse_power_supply_uevent(&fixture("power_supply_BAT0_uevent.txt")).unwrap();
    assert_eq!(b.percent, Some(77.0));
    assert_eq!(b.state, "discharging");
    assert_eq!(b.health_percent, Some(85.0));
    assert_eq!(b.cycle_count, Some(187));
}

#[test]
fn battery_charge_based() {
    let b = parse_power_supply_uevent(&fixture("power_supply_BAT1_charge_uevent.txt")).unwrap();
    assert_eq!(b.percent, Some(50.0));
    assert_eq!(b.state, "charging");
    assert_eq!(b.health_percent, Some(90.0));
}

#[test]
fn mains_and_peripheral_batteries_are_not_the_battery() {
    assert_eq!(
        parse_power_supply_uevent(&fixture("power_supply_AC_uevent.txt")),
        None
    );
    assert_eq!(
        parse_power_supply_uevent(&fixture("power_supply_hidpp_uevent.txt")),
        None
    );
}

#[test]
fn battery_status_not_charging_and_missing_capacity() {
    let text = "POWER_SUPPLY_TYPE=Battery\nPOWER_SUPPLY_STATUS=Not charging\nPOWER_SUPPLY_ENERGY_NOW=25\nPOWER_SUPPLY_ENERGY_FULL=50\n";
    let b = parse_power_supply_uevent(text).unwrap();
    assert_eq!(b.state, "not_charging");
    assert_eq!(b.percent, Some(50.0));
    assert_eq!(b.health_percent, None);
    assert_eq!(b.cycle_count, None);
}

// ---- proxy ----

fn endpoint(host: &str, port: u16) -> Option<ProxyEndpoint> {
    Some(ProxyEndpoint {
        host: host.to_owned(),
        port,
    })
}

#[test]
fn env_proxy_drops_credentials() {
    let vars = [
        ("HTTP_PROXY", "http://upper.example:1111"),
        ("http_proxy", "http://jdoe:s3cret@proxy.corp.example:3128/"),
        ("HTTPS_PROXY", "https://proxy.corp.example"),
        ("no_proxy", "localhost,127.0.0.1, .corp.example"),
        ("PATH", "/usr/bin"),
    ];
    let p = proxy_from_env(&vars);
    assert_eq!(p.http, endpoint("proxy.corp.example", 3128));
    assert_eq!(p.https, endpoint("proxy.corp.example", 443));
    assert_eq!(p.socks, None);
    assert_eq!(p.bypass, vec!["localhost", "127.0.0.1", ".corp.example"]);
    assert_eq!(p.source, "environment");
    let json = serde_json::to_string(&p).unwrap();
    assert!(!json.contains("s3cret") && !json.contains("jdoe"), "{json}");
}

#[test]
fn env_all_proxy() {
    let socks = proxy_from_env(&[("ALL_PROXY", "socks5h://127.0.0.1")]);
    assert_eq!(socks.socks, endpoint("127.0.0.1", 1080));
    assert_eq!(socks.http, None);
    let http = proxy_from_env(&[
        ("all_proxy", "proxy:8080"),
        ("https_proxy", "https://secure:8443"),
    ]);
    assert_eq!(http.http, endpoint("proxy", 8080));
    assert_eq!(http.https, endpoint("secure", 8443));
    assert!(!proxy_from_env::<&str, &str>(&[]).is_configured());
}

#[test]
fn proxy_urls() {
    assert_eq!(
        parse_proxy_url("http://[2001:db8::1]:3128"),
        endpoint("2001:db8::1", 3128)
    );
    assert_eq!(
        parse_proxy_url("http://u:p@ss@host:1/path?x"),
        endpoint("host", 1)
    );
    assert_eq!(parse_proxy_url("http://host:notaport"), None);
    assert_eq!(parse_proxy_url("http://"), None);
}

#[test]
fn gsettings_none_manual_auto() {
    let none = parse_gsettings_proxy(&fixture("gsettings_proxy_none.txt"));
    assert!(!none.is_configured());
    assert_eq!(none.bypass, vec!["localhost", "127.0.0.0/8", "::1"]);
    assert_eq!(none.source, "gsettings");

    let manual = parse_gsettings_proxy(&fixture("gsettings_proxy_manual.txt"));
    assert_eq!(manual.http, endpoint("proxy.corp.example", 3128));
    assert_eq!(manual.https, endpoint("proxy.corp.example", 3129));
    assert_eq!(manual.socks, endpoint("socks.corp.example", 1080));
    assert_eq!(manual.pac_url, None);
    assert!(manual.bypass.contains(&"*.corp.example".to_owned()));
    let json = serde_json::to_string(&manual).unwrap();
    assert!(
        !json.contains("hunter2") && !json.contains("jdoe"),
        "{json}"
    );

    let auto = parse_gsettings_proxy(&fixture("gsettings_proxy_auto.txt"));
    assert_eq!(
        auto.pac_url.as_deref(),
        Some("http://wpad.corp.example/proxy.pac")
    );
    assert_eq!(auto.http, None, "host keys are ignored outside manual mode");
    assert!(auto.bypass.is_empty());
    let wpad = parse_gsettings_proxy(
        "org.gnome.system.proxy mode 'auto'\norg.gnome.system.proxy autoconfig-url ''\n",
    );
    assert!(wpad.auto_detect);
}

// ---- uptime ----

#[test]
fn uptime_of_this_machine() {
    let up = parse_proc_uptime(&fixture("proc_uptime.txt")).unwrap();
    assert!(up.as_secs_f64() > 0.0);
    assert_eq!(parse_proc_uptime("-5 1"), None);
    assert_eq!(parse_proc_uptime("NaN 1"), None);
    assert_eq!(parse_proc_uptime(""), None);
}

// ---- /sys/class/net ----

fn facts(name: &str) -> LinkFacts {
    LinkFacts {
        name: name.to_owned(),
        link_type: Some(1),
        flags: Some(0x1003),
        operstate: Some("up".to_owned()),
        carrier: Some(true),
        mtu: Some(1500),
        ..LinkFacts::default()
    }
}

#[test]
fn interface_kinds() {
    let lo = LinkFacts {
        link_type: Some(772),
        operstate: Some("unknown".to_owned()),
        flags: Some(0x9),
        ..facts("lo")
    };
    assert_eq!(classify_kind(&lo), InterfaceKind::Loopback);
    assert_eq!(classify_state(&lo), LinkState::Up);

    let veth_eth0 = LinkFacts {
        virtual_device: true,
        ..facts("eth0")
    };
    assert_eq!(
        classify_kind(&veth_eth0),
        InterfaceKind::Ethernet,
        "a veth named eth0 is Ethernet"
    );
    assert_eq!(
        classify_kind(&LinkFacts {
            virtual_device: true,
            ..facts("veth12ab")
        }),
        InterfaceKind::Virtual
    );
    assert_eq!(classify_kind(&facts("docker0")), InterfaceKind::Virtual);
    assert_eq!(
        classify_kind(&LinkFacts {
            bridge: true,
            ..facts("virbr0")
        }),
        InterfaceKind::Bridge
    );
    assert_eq!(
        classify_kind(&LinkFacts {
            wireless: true,
            ..facts("wlp0s20f3")
        }),
        InterfaceKind::Wireless
    );
    assert_eq!(classify_kind(&facts("wlan0")), InterfaceKind::Wireless);
    assert_eq!(classify_kind(&facts("enp0s31f6")), InterfaceKind::Ethernet);
    assert_eq!(
        classify_kind(&LinkFacts {
            wwan: true,
            ..facts("wwan0")
        }),
        InterfaceKind::Cellular
    );
    let tun = LinkFacts {
        link_type: Some(65534),
        tun: true,
        flags: Some(0x1091),
        operstate: Some("unknown".to_owned()),
        ..facts("tun0")
    };
    assert_eq!(classify_kind(&tun), InterfaceKind::Tunnel);
    assert_eq!(
        classify_state(&tun),
        LinkState::Up,
        "tun reports operstate unknown when up"
    );
    assert_eq!(
        classify_kind(&LinkFacts {
            link_type: Some(65534),
            ..facts("corp")
        }),
        InterfaceKind::Tunnel
    );
    assert_eq!(classify_kind(&facts("wg0")), InterfaceKind::Tunnel);
    assert_eq!(
        classify_kind(&LinkFacts {
            link_type: Some(512),
            ..facts("ppp0")
        }),
        InterfaceKind::Tunnel
    );
}

#[test]
fn link_states() {
    // ifb0 on this machine: flags 0x82, operstate down, carrier unreadable.
    let admin_down = LinkFacts {
        flags: LinkFacts::parse_flags("0x82\n"),
        operstate: Some("down".to_owned()),
        carrier: None,
        ..facts("ifb0")
    };
    assert_eq!(classify_state(&admin_down), LinkState::Down);
    let unplugged = LinkFacts {
        flags: Some(0x1003),
        operstate: Some("down".to_owned()),
        carrier: Some(false),
        ..facts("enp0s31f6")
    };
    assert_eq!(classify_state(&unplugged), LinkState::NoCarrier);
    // Regression: right after the cable goes, operstate may still say "up" while carrier is 0.
    let just_unplugged = LinkFacts {
        flags: Some(0x1003),
        operstate: Some("up".to_owned()),
        carrier: Some(false),
        ..facts("eth0")
    };
    assert_eq!(classify_state(&just_unplugged), LinkState::NoCarrier);
    let lower = LinkFacts {
        operstate: Some("lowerlayerdown".to_owned()),
        ..facts("br0")
    };
    assert_eq!(classify_state(&lower), LinkState::NoCarrier);
    let unknown_no_carrier = LinkFacts {
        operstate: Some("unknown".to_owned()),
        carrier: Some(false),
        ..facts("eth1")
    };
    assert_eq!(classify_state(&unknown_no_carrier), LinkState::NoCarrier);
    assert_eq!(classify_state(&facts("eth0")), LinkState::Up);
    assert_eq!(classify_state(&LinkFacts::default()), LinkState::Unknown);
}

// ---- never panic ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsers_never_panic(text in "\\PC*") {
        let _ = parse_resolv_conf(&text);
        let _ = parse_proc_net_route(&text);
        let _ = parse_proc_net_ipv6_route(&text);
        let status = parse_resolvectl_status(&text);
        let _ = status.scopes();
        let _ = status.upstream_servers();
        let mounts = parse_mountinfo(&text);
        let _ = real_local_mounts(&mounts);
        let _ = parse_os_release(&text, Some(&text));
        let _ = parse_power_supply_uevent(&text);
        let _ = parse_gsettings_proxy(&text);
        let _ = parse_proxy_url(&text);
        let _ = parse_proc_uptime(&text);
        let _ = LinkFacts::parse_flags(&text);
        let _ = deskside_platform::glob_match(&text, &text);
    }

    #[test]
    fn line_shaped_text_never_panics(lines in prop::collection::vec("[ -~\\t]{0,120}", 0..20)) {
        let text = lines.join("\n");
        let _ = parse_resolvectl_status(&text);
        let _ = parse_mountinfo(&text);
        let _ = parse_proc_net_route(&text);
        let _ = parse_proc_net_ipv6_route(&text);
        let _ = parse_power_supply_uevent(&format!("POWER_SUPPLY_TYPE=Battery\n{text}"));
        let _ = parse_gsettings_proxy(&text);
    }

    #[test]
    fn mountinfo_like_lines_never_panic(
        id in 0u64..1000, dev in "[0-9]{1,3}:[0-9]{1,3}", root in "[/a-z\\\\0-9]{0,12}",
        mp in "[/a-z\\\\0-9]{0,12}", fs in "[a-z.0-9]{0,8}",
    ) {
        let line = format!("{id} 1 {dev} {root} {mp} rw - {fs} src rw");
        let entries = parse_mountinfo(&line);
        let _ = real_local_mounts(&entries);
    }

    #[test]
    fn env_proxy_never_panics(key in "[a-zA-Z_]{0,12}", value in "\\PC*") {
        let vars = [(key.clone(), value.clone()), ("all_proxy".to_owned(), value.clone()), ("http_proxy".to_owned(), value)];
        let _ = proxy_from_env(&vars);
    }

    #[test]
    fn proxy_endpoint_never_keeps_credentials(user in "[a-z]{1,8}", pass in "[A-Za-z0-9]{6,12}", host in "[a-z]{1,10}\\.example", port in 1u16..) {
        let url = format!("http://{user}:{pass}@{host}:{port}/");
        let p = proxy_from_env(&[("http_proxy", url.as_str())]);
        prop_assert_eq!(p.http, Some(ProxyEndpoint { host, port }));
    }
}
