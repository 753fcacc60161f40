//! The device snapshot on this machine, its JSON round trip, and the text rendering of a
//! fixed snapshot (insta).

use std::net::IpAddr;

use deskside_device::{
    Cpu, DeviceSnapshot, Memory, SCHEMA, SnapshotOptions, render_text, snapshot, snapshot_with,
    vpn_interfaces,
};
use deskside_platform::{
    Battery, DnsConfig, DnsScope, Hardware, Interface, InterfaceAddress, InterfaceKind, LinkState,
    NetworkState, OsInfo, ProxyConfig, ProxyEndpoint, Route, Volume,
};

#[expect(clippy::unwrap_used, reason = "test literals are valid addresses")]
fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[expect(clippy::unwrap_used, reason = "test literals are valid networks")]
fn net(s: &str) -> ipnet::IpNet {
    s.parse().unwrap()
}

fn iface(name: &str, kind: InterfaceKind, state: LinkState, addrs: &[(&str, u8)]) -> Interface {
    Interface {
        name: name.to_owned(),
        description: None,
        kind,
        state,
        mac: (kind == InterfaceKind::Wireless).then(|| "aa:bb:cc:dd:ee:ff".to_owned()),
        mtu: Some(1500),
        dhcp: None,
        addresses: addrs
            .iter()
            .map(|(a, p)| InterfaceAddress {
                addr: ip(a),
                prefix_len: Some(*p),
            })
            .collect(),
    }
}

/// A laptop on Wi-Fi with a WireGuard link to the office and a corporate proxy.
fn laptop() -> DeviceSnapshot {
    let network = NetworkState {
        interfaces: vec![
            iface(
                "lo",
                InterfaceKind::Loopback,
                LinkState::Up,
                &[("127.0.0.1", 8)],
            ),
            iface(
                "enp0s31f6",
                InterfaceKind::Ethernet,
                LinkState::NoCarrier,
                &[],
            ),
            iface(
                "wlp0s20f3",
                InterfaceKind::Wireless,
                LinkState::Up,
                &[("192.168.1.23", 24), ("2001:db8:1::23", 64)],
            ),
            iface(
                "wg0",
                InterfaceKind::Tunnel,
                LinkState::Up,
                &[("10.8.0.2", 24)],
            ),
        ],
        routes: vec![
            Route {
                destination: net("0.0.0.0/0"),
                gateway: Some(ip("192.168.1.1")),
                interface: Some("wlp0s20f3".to_owned()),
                metric: Some(600),
            },
            Route {
                destination: net("10.0.0.0/8"),
                gateway: Some(ip("10.8.0.1")),
                interface: Some("wg0".to_owned()),
                metric: Some(50),
            },
        ],
        dns: DnsConfig {
            servers: vec![ip("127.0.0.53")],
            search_domains: vec!["home.arpa".to_owned()],
            scopes: vec![DnsScope {
                domains: vec!["corp.example".to_owned()],
                servers: vec![ip("10.8.0.53")],
                interface: Some("wg0".to_owned()),
            }],
            upstream_servers: vec![ip("192.168.1.1")],
            source: "/etc/resolv.conf + resolvectl".to_owned(),
        },
        proxy: ProxyConfig {
            http: Some(ProxyEndpoint {
                host: "proxy.corp.example".to_owned(),
                port: 3128,
            }),
            bypass: vec!["localhost".to_owned(), ".corp.example".to_owned()],
            source: "environment".to_owned(),
            ..ProxyConfig::default()
        },
    };
    let opts = SnapshotOptions::default();
    DeviceSnapshot {
        schema: SCHEMA.to_owned(),
        collected_at: time::macros::datetime!(2024-05-06 07:08:09 UTC),
        os: OsInfo {
            name: "Ubuntu 24.04.1 LTS".to_owned(),
            version: Some("24.04".to_owned()),
            build: Some("6.8.0-45-generic".to_owned()),
        },
        hostname: "jdoe-x1".to_owned(),
        user: Some("jdoe".to_owned()),
        hardware: Hardware {
            vendor: Some("LENOVO".to_owned()),
            model: Some("ThinkPad X1 Carbon Gen 9 (20XW0026GE)".to_owned()),
            serial: None,
        },
        cpu: Cpu {
            brand: Some("11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz".to_owned()),
            cores: Some(4),
            threads: Some(8),
        },
        memory: Memory {
            total_bytes: Some(16_482_000_000),
            available_bytes: Some(7_340_032_000),
        },
        volumes: vec![Volume {
            mount_point: "/".to_owned(),
            device: "/dev/nvme0n1p2".to_owned(),
            fs_type: "ext4".to_owned(),
            total_bytes: 502_468_902_912,
            available_bytes: 21_474_836_480,
            total_inodes: Some(31_227_904),
            free_inodes: Some(29_000_000),
            read_only: false,
        }],
        vpn_interfaces: vpn_interfaces(&network, &opts.vpn_patterns),
        network,
        uptime_s: Some(3 * 86_400 + 4 * 3_600 + 5 * 60),
        battery: Some(Battery {
            percent: Some(77.0),
            state: "discharging".to_owned(),
            health_percent: Some(85.0),
            cycle_count: Some(187),
        }),
        duration_ms: 12,
        notes: vec!["hardware serial not readable without root".to_owned()],
    }
}

#[test]
fn render_text_of_a_laptop() {
    let s = laptop();
    assert_eq!(s.vpn_interfaces, vec!["wg0"]);
    insta::assert_snapshot!("laptop_text", render_text(&s));
}

#[test]
fn json_round_trip_of_a_laptop() {
    let s = laptop();
    let json = serde_json::to_string_pretty(&s).unwrap();
    assert!(
        json.contains("\"collected_at\": \"2024-05-06T07:08:09Z\""),
        "{json}"
    );
    assert!(json.contains("\"schema\": \"deskside.device/1\""));
    let back: DeviceSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

#[test]
fn vpn_patterns_are_configurable() {
    let s = laptop();
    let none: Vec<String> = Vec::new();
    assert_eq!(
        vpn_interfaces(&s.network, &none),
        vec!["wg0"],
        "tunnel kind counts without patterns"
    );
    let patterns = vec!["enp*".to_owned()];
    assert_eq!(
        vpn_interfaces(&s.network, &patterns),
        vec!["enp0s31f6", "wg0"]
    );
    let everything = vec!["*".to_owned()];
    assert!(!vpn_interfaces(&s.network, &everything).contains(&"lo".to_owned()));
}

#[tokio::test]
async fn snapshot_of_this_machine() {
    let s = snapshot().await;
    assert_eq!(s.schema, SCHEMA);
    assert!(!s.hostname.is_empty(), "notes: {:?}", s.notes);
    assert!(!s.os.name.is_empty(), "notes: {:?}", s.notes);
    assert!(
        s.network.interface("lo").is_some(),
        "{:?}",
        s.network.interfaces
    );
    assert!(!s.volumes.is_empty(), "notes: {:?}", s.notes);
    assert!(s.cpu.threads.is_some_and(|t| t > 0));
    assert!(s.memory.total_bytes.is_some_and(|t| t > 0));
    assert!(s.uptime_s.is_some());
    assert!(!s.vpn_interfaces.contains(&"lo".to_owned()));
    let text = render_text(&s);
    assert!(text.contains(&s.hostname), "{text}");
    for section in [
        "Device",
        "OS",
        "Hardware",
        "CPU/Memory",
        "Disks",
        "Network",
        "VPN",
        "Battery",
    ] {
        assert!(
            text.lines().any(|l| l == section),
            "section {section} missing:\n{text}"
        );
    }
    let back: DeviceSnapshot = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}

#[tokio::test]
async fn snapshot_with_custom_patterns_marks_matching_interfaces() {
    let opts = SnapshotOptions {
        vpn_patterns: vec!["eth*".to_owned()],
    };
    let s = snapshot_with(&opts).await;
    let expected: Vec<String> = s
        .network
        .interfaces
        .iter()
        .filter(|i| i.name.starts_with("eth") || i.kind == InterfaceKind::Tunnel)
        .map(|i| i.name.clone())
        .collect();
    assert_eq!(s.vpn_interfaces, expected);
}
