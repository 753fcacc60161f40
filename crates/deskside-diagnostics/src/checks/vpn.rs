//! VPN checks: tunnel → routes → reachability, and split DNS.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use deskside_netprobe::http;
use deskside_netprobe::wireguard;
use deskside_platform::Route;
use ipnet::IpNet;
use serde_json::{Value, json};

use crate::check::Outcome;
use crate::context::Context;

const NOT_CONNECTED_ADVICE: &str = "Open your VPN app and connect. If it will not connect, check that the internet works first, then contact IT.";

/// `vpn.tunnel`: a VPN interface is up and, where we can tell, its server answers.
pub async fn tunnel(ctx: &Context) -> Outcome {
    let tunnels = ctx.vpn_interfaces();
    let listed: Vec<Value> = tunnels
        .iter()
        .map(|i| json!({"name": i.name, "kind": i.kind, "state": i.state}))
        .collect();
    if tunnels.is_empty() {
        return if ctx.config.vpn.required {
            Outcome::fail(
                "You are not connected to the company VPN.",
                json!({"tunnels": listed, "patterns": ctx.config.vpn.interfaces}),
            )
            .advise(NOT_CONNECTED_ADVICE)
        } else {
            Outcome::skip(
                "No VPN connection is active, and none is required.",
                json!({"tunnels": listed}),
            )
        };
    }
    let Some(up) = ctx.net.vpn_up(&ctx.config.vpn.interfaces) else {
        return Outcome::fail(
            format!(
                "The VPN connection ({}) exists but is switched off or has no address.",
                tunnels[0].name
            ),
            json!({"tunnels": listed}),
        )
        .advise(NOT_CONNECTED_ADVICE);
    };
    let max_age = Duration::from_secs(ctx.config.vpn.handshake_max_age_s);
    match wireguard_liveness(ctx, &up.name, max_age).await {
        Liveness::Unknown => Outcome::pass(format!("The VPN connection {} is up.", up.name), json!({"tunnels": listed, "liveness": "not observable"})),
        Liveness::Alive(peers) => Outcome::pass(
            format!("The VPN connection {} is up and its server answers.", up.name),
            json!({"tunnels": listed, "wireguard_peers": peers}),
        ),
        Liveness::Silent(peers) => Outcome::fail(
            format!("The VPN connection {} is up, but the VPN server does not answer, so nothing at the company can be reached.", up.name),
            json!({"tunnels": listed, "wireguard_peers": peers}),
        )
        .advise("Disconnect and reconnect the VPN. If it still fails, the VPN server may be down or blocked on this network: contact IT."),
    }
}

enum Liveness {
    Unknown,
    Alive(Vec<wireguard::Peer>),
    Silent(Vec<wireguard::Peer>),
}

fn fresh(peers: &[wireguard::Peer], max_age: Duration) -> bool {
    let now = SystemTime::now();
    peers
        .iter()
        .any(|p| p.handshake_age(now).is_some_and(|a| a <= max_age))
}

/// WireGuard only tells liveness through the last handshake. An idle tunnel may simply not
/// have needed one lately, so when it is stale we send one datagram into the tunnel (which
/// makes WireGuard handshake) and watch for a fresh handshake for a moment.
async fn wireguard_liveness(ctx: &Context, iface: &str, max_age: Duration) -> Liveness {
    let Ok(Some(peers)) = wireguard::peers(iface).await else {
        return Liveness::Unknown;
    };
    if peers.is_empty() {
        return Liveness::Silent(peers);
    }
    if fresh(&peers, max_age) {
        return Liveness::Alive(peers);
    }
    if let Some(target) = tunnel_target(ctx, iface) {
        nudge(target).await;
    }
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut last = peers;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Ok(Some(p)) = wireguard::peers(iface).await {
            if fresh(&p, max_age) {
                return Liveness::Alive(p);
            }
            last = p;
        }
    }
    Liveness::Silent(last)
}

/// An address whose packets the OS will send into `iface`: a host of a route through the
/// tunnel (so a missing corporate route does not hide a live server), else a split-DNS server
/// or the first host of a corporate subnet.
fn tunnel_target(ctx: &Context, iface: &str) -> Option<IpAddr> {
    let via_tunnel = ctx
        .net
        .routes
        .iter()
        .filter(|r| r.interface.as_deref() == Some(iface) && r.destination.addr().is_ipv4())
        .max_by_key(|r| r.destination.prefix_len())
        .map(|r| match r.destination.prefix_len() {
            32 => r.destination.addr(),
            _ => r.destination.hosts().next().unwrap_or(r.destination.addr()),
        });
    let in_corp = |ip: &IpAddr| {
        ctx.config
            .vpn
            .corporate_subnets
            .iter()
            .any(|n| n.contains(ip))
    };
    via_tunnel.or_else(|| {
        ctx.net
            .dns
            .scopes
            .iter()
            .flat_map(|s| s.servers.iter())
            .chain(ctx.net.dns.servers.iter())
            .find(|ip| in_corp(ip))
            .copied()
            .or_else(|| {
                ctx.config
                    .vpn
                    .corporate_subnets
                    .first()
                    .and_then(|n| n.hosts().next())
            })
    })
}

async fn nudge(target: IpAddr) {
    let bind: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0_u16; 8], 0).into()
    };
    if let Ok(sock) = tokio::net::UdpSocket::bind(bind).await {
        // The discard port: the content is irrelevant, only that a packet enters the tunnel.
        let _ = sock.send_to(b"deskside", SocketAddr::new(target, 9)).await;
    }
}

/// The most specific route for `ip` (longest prefix, then lowest metric).
#[must_use]
pub fn route_for(routes: &[Route], ip: IpAddr) -> Option<&Route> {
    routes
        .iter()
        .filter(|r| r.destination.contains(&ip))
        .max_by(|a, b| {
            a.destination
                .prefix_len()
                .cmp(&b.destination.prefix_len())
                .then_with(|| {
                    b.metric
                        .unwrap_or(u32::MAX)
                        .cmp(&a.metric.unwrap_or(u32::MAX))
                })
        })
}

/// `vpn.routes`: each corporate subnet is routed through a tunnel.
pub async fn routes(ctx: &Context) -> Outcome {
    let subnets = &ctx.config.vpn.corporate_subnets;
    if subnets.is_empty() {
        return Outcome::skip("No company networks are configured to check.", json!({}));
    }
    let tunnels: Vec<&str> = ctx
        .vpn_interfaces()
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    let mut rows = Vec::new();
    let mut wrong: Vec<IpNet> = Vec::new();
    for net in subnets {
        let probe = net.hosts().next().unwrap_or_else(|| net.addr());
        let route = route_for(&ctx.net.routes, probe);
        let via = route.and_then(|r| r.interface.clone());
        let ok = via.as_deref().is_some_and(|i| tunnels.contains(&i));
        if !ok {
            wrong.push(*net);
        }
        rows.push(json!({"subnet": net, "route": route, "via_tunnel": ok}));
    }
    let evidence = json!({"subnets": rows, "tunnels": tunnels});
    if wrong.is_empty() {
        return Outcome::pass(
            "Traffic for the company network goes through the VPN.",
            evidence,
        );
    }
    let list: Vec<String> = wrong.iter().map(ToString::to_string).collect();
    Outcome::fail(
        format!("The VPN is connected, but traffic for the company network ({}) does not go through it.", list.join(", ")),
        evidence,
    )
    .advise("Disconnect and reconnect the VPN so it sets up its routes again; if that does not help, contact IT.")
}

/// `vpn.dns`: internal names resolve (split DNS works).
pub async fn dns(ctx: &Context) -> Outcome {
    let names = &ctx.config.vpn.internal_names;
    if names.is_empty() {
        return Outcome::skip("No company names are configured to check.", json!({}));
    }
    let results = futures::future::join_all(names.iter().map(|n| ctx.resolve(n))).await;
    let evidence = json!({
        "resolutions": results,
        "servers_used": names.iter().map(|n| json!({"name": n, "servers": ctx.servers_for(n)})).collect::<Vec<_>>(),
        "scopes": ctx.net.dns.scopes,
    });
    let Some(bad) = results.iter().find(|r| !r.resolved()) else {
        return Outcome::pass(
            format!("Company names resolve ({}).", names.join(", ")),
            evidence,
        );
    };
    use deskside_netprobe::dns::QueryOutcome as Q;
    let summary = match bad.last_outcome() {
        Some(Q::NxDomain) => format!(
            "Company names such as {} cannot be found: the VPN is up, but name lookups are not sent to the company's DNS server (split DNS is not active).",
            bad.name
        ),
        Some(Q::TimedOut) => format!(
            "Company names such as {} cannot be found: the company's DNS server does not answer over the VPN.",
            bad.name
        ),
        Some(other) => format!(
            "Company names such as {} cannot be found: the DNS server {}.",
            bad.name,
            other.describe()
        ),
        None => format!(
            "Company names such as {} cannot be found: no DNS server is configured for them.",
            bad.name
        ),
    };
    Outcome::fail(summary, evidence).advise("Disconnect and reconnect the VPN so it applies its DNS settings; if that does not help, contact IT.")
}

/// `vpn.reachability`: internal URLs answer (any HTTP answer counts).
pub async fn reachability(ctx: &Context) -> Outcome {
    let urls = &ctx.config.vpn.internal_urls;
    if urls.is_empty() {
        return Outcome::skip(
            "No company web addresses are configured to check.",
            json!({}),
        );
    }
    let results = futures::future::join_all(urls.iter().map(|url| ctx.fetch(url))).await;
    let evidence = json!({"urls": results.iter().map(|p| (&p.url, &p.resolution, &p.exchange)).map(|(url, res, ex)| json!({
        "url": url, "addresses": res.addrs,
        "status": ex.as_ref().and_then(|e| e.result.as_ref().ok()).map(|r| r.status),
        "failure": ex.as_ref().and_then(|e| e.result.as_ref().err()), "ms": ex.as_ref().map(|e| e.ms),
    })).collect::<Vec<_>>()});
    let Some(crate::context::Probe {
        url, exchange: ex, ..
    }) = results
        .iter()
        .find(|p| p.exchange.as_ref().is_none_or(|e| e.result.is_err()))
    else {
        return Outcome::pass("Company services answer over the VPN.", evidence);
    };
    let why = match ex {
        None => "its name cannot be found".to_owned(),
        Some(e) => e
            .result
            .as_ref()
            .err()
            .map_or_else(String::new, http::Failure::describe),
    };
    Outcome::fail(
        format!("The company service {url} does not answer over the VPN ({why})."),
        evidence,
    )
    .advise(
        "The VPN itself works, so this service may be down. Contact IT and mention which service.",
    )
}
