//! Decision logic of individual checks over synthetic machine states ("OS as data") and
//! loopback web servers: the verdicts the lab tests reach end to end, pinned cheaply here,
//! plus the cases the lab cannot build (Wi-Fi without carrier, IPv6-only, …).

#![expect(clippy::unwrap_used, reason = "tests")]

use std::net::SocketAddr;

use deskside_config::Config;
use deskside_diagnostics::checks::{net, system, vpn};
use deskside_diagnostics::{Context, Status};
use deskside_platform::{
    Interface, InterfaceAddress, InterfaceKind, LinkState, NetworkState, Os, Route,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn iface(name: &str, kind: InterfaceKind, state: LinkState, addrs: &[&str]) -> Interface {
    Interface {
        name: name.into(),
        description: None,
        kind,
        state,
        mac: None,
        mtu: Some(1500),
        dhcp: None,
        addresses: addrs
            .iter()
            .map(|a| {
                let (ip, p) = a.split_once('/').unwrap();
                InterfaceAddress {
                    addr: ip.parse().unwrap(),
                    prefix_len: p.parse().ok(),
                }
            })
            .collect(),
    }
}

fn route(dest: &str, gw: Option<&str>, dev: &str) -> Route {
    Route {
        destination: dest.parse().unwrap(),
        gateway: gw.map(|g| g.parse().unwrap()),
        interface: Some(dev.into()),
        metric: Some(100),
    }
}

fn ctx_with(net: NetworkState, edit: impl FnOnce(&mut Config)) -> Context {
    let mut config = Config::default();
    edit(&mut config);
    Context::new(config, Os::Linux, net)
}

fn state(interfaces: Vec<Interface>, routes: Vec<Route>) -> NetworkState {
    NetworkState {
        interfaces,
        routes,
        ..NetworkState::default()
    }
}

#[tokio::test]
async fn interface_states_are_told_apart() {
    let lo = iface(
        "lo",
        InterfaceKind::Loopback,
        LinkState::Up,
        &["127.0.0.1/8"],
    );
    let wg = iface(
        "wg0",
        InterfaceKind::Tunnel,
        LinkState::Up,
        &["198.18.9.2/32"],
    );
    let cases = [
        (LinkState::Up, Status::Pass, "is connected"),
        (LinkState::NoCarrier, Status::Fail, "cable is unplugged"),
        (LinkState::Down, Status::Fail, "switched off"),
    ];
    for (link, want, words) in cases {
        let wifi = iface("wlp2s0", InterfaceKind::Wireless, link, &[]);
        let ctx = ctx_with(state(vec![lo.clone(), wifi, wg.clone()], vec![]), |_| {});
        let o = net::interface(&ctx).await;
        assert_eq!(o.status, want, "{link:?}: {}", o.summary);
        assert!(o.summary.contains(words), "{link:?}: {}", o.summary);
    }
    // A VPN tunnel and loopback alone are no uplink.
    let ctx = ctx_with(state(vec![lo, wg], vec![]), |_| {});
    let o = net::interface(&ctx).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("No network adapter"), "{}", o.summary);
}

#[tokio::test]
async fn address_apipa_link_local_and_global_ipv6() {
    let case = |addrs: &[&str]| {
        state(
            vec![iface("eth0", InterfaceKind::Ethernet, LinkState::Up, addrs)],
            vec![],
        )
    };
    let o = net::address(&ctx_with(case(&["169.254.23.45/16", "fe80::1/64"]), |_| {})).await;
    assert_eq!(o.status, Status::Fail);
    assert!(
        o.summary.contains("169.254.23.45") && o.summary.contains("DHCP"),
        "{}",
        o.summary
    );
    let o = net::address(&ctx_with(case(&["fe80::1/64"]), |_| {})).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.advice.is_some());
    let o = net::address(&ctx_with(case(&["fe80::1/64", "2001:db8::10/64"]), |_| {})).await;
    assert_eq!(
        o.status,
        Status::Pass,
        "IPv6-only networks are fine: {}",
        o.summary
    );
}

#[tokio::test]
async fn no_default_route_is_a_gateway_failure() {
    let net = state(
        vec![iface(
            "eth0",
            InterfaceKind::Ethernet,
            LinkState::Up,
            &["198.51.100.10/24"],
        )],
        vec![route("198.51.100.0/24", None, "eth0")],
    );
    let o = net::gateway(&ctx_with(net, |_| {})).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("no default gateway"), "{}", o.summary);
}

#[tokio::test]
async fn corporate_subnets_must_route_through_the_tunnel() {
    let eth = iface(
        "eth0",
        InterfaceKind::Ethernet,
        LinkState::Up,
        &["198.51.100.10/24"],
    );
    let wg = iface(
        "wg0",
        InterfaceKind::Tunnel,
        LinkState::Up,
        &["198.18.9.2/32"],
    );
    let with_vpn =
        |c: &mut Config| c.vpn.corporate_subnets = vec!["198.18.10.0/24".parse().unwrap()];
    let routed = state(
        vec![eth.clone(), wg.clone()],
        vec![
            route("0.0.0.0/0", Some("198.51.100.1"), "eth0"),
            route("198.18.10.0/24", None, "wg0"),
        ],
    );
    assert_eq!(
        vpn::routes(&ctx_with(routed, with_vpn)).await.status,
        Status::Pass
    );
    // Only the default route covers the subnet: traffic would leave through eth0.
    let leaked = state(
        vec![eth, wg],
        vec![route("0.0.0.0/0", Some("198.51.100.1"), "eth0")],
    );
    let o = vpn::routes(&ctx_with(leaked, with_vpn)).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("198.18.10.0/24"), "{}", o.summary);
}

#[tokio::test]
async fn vpn_tunnel_required_or_not() {
    let eth = iface(
        "eth0",
        InterfaceKind::Ethernet,
        LinkState::Up,
        &["198.51.100.10/24"],
    );
    let none = state(vec![eth.clone()], vec![]);
    assert_eq!(
        vpn::tunnel(&ctx_with(none.clone(), |_| {})).await.status,
        Status::Skip
    );
    let o = vpn::tunnel(&ctx_with(none, |c| c.vpn.required = true)).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("not connected"), "{}", o.summary);
    // A name matching the patterns counts even when the OS calls it Ethernet (OpenVPN tap).
    let tap = iface("tap0", InterfaceKind::Ethernet, LinkState::Down, &[]);
    let o = vpn::tunnel(&ctx_with(state(vec![eth, tap], vec![]), |c| {
        c.vpn.required = true
    }))
    .await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("switched off"), "{}", o.summary);
}

#[tokio::test]
async fn no_proxy_configured_passes() {
    let o = net::proxy(&ctx_with(NetworkState::default(), |_| {})).await;
    assert_eq!(o.status, Status::Pass);
}

/// A loopback web server answering every request with `reply`.
async fn web(reply: &'static str) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0_u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(reply.as_bytes()).await;
        }
    });
    addr
}

fn probe_ctx(addr: SocketAddr, expect: Option<&str>) -> Context {
    ctx_with(NetworkState::default(), |c| {
        c.network.probe_urls = vec![format!("http://{addr}/generate_204")];
        c.network.probe_expect_body = expect.map(str::to_owned);
    })
}

#[tokio::test]
async fn probe_answers_decide_internet_and_captive_portal() {
    let redirect = "HTTP/1.1 302 Found\r\nLocation: http://login.hotel.example/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let cases = [
        (
            "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
            None,
            Status::Pass,
            Status::Pass,
        ),
        (redirect, None, Status::Fail, Status::Fail),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 14\r\nConnection: close\r\n\r\n<html>hi</html",
            None,
            Status::Fail,
            Status::Fail,
        ),
        (
            "HTTP/1.1 511 Network Authentication Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            None,
            Status::Fail,
            Status::Fail,
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nsuccess",
            Some("success"),
            Status::Pass,
            Status::Pass,
        ),
        (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            None,
            Status::Fail,
            Status::Pass,
        ),
    ];
    for (reply, expect, internet, portal) in cases {
        let ctx = probe_ctx(web(reply).await, expect);
        let i = net::internet(&ctx).await;
        let p = net::captive_portal(&ctx).await;
        assert_eq!(
            (i.status, p.status),
            (internet, portal),
            "{reply:?}: {} / {}",
            i.summary,
            p.summary
        );
    }
    let ctx = probe_ctx(web(redirect).await, None);
    assert!(
        net::captive_portal(&ctx)
            .await
            .summary
            .contains("login.hotel.example")
    );
}

#[tokio::test]
async fn clock_offset_from_the_probe_date() {
    let old = "HTTP/1.1 204 No Content\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n";
    let o = system::clock(&probe_ctx(web(old).await, None)).await;
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.contains("ahead"), "{}", o.summary);
    let no_date = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    let o = system::clock(&probe_ctx(web(no_date).await, None)).await;
    assert_eq!(
        o.status,
        Status::Skip,
        "no Date header, nothing to compare: {}",
        o.summary
    );
}
