//! Network checks: link → address → gateway → DNS → internet/captive portal, plus proxy,
//! quality and path MTU.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use deskside_netprobe::dns::RecordType;
use deskside_netprobe::echo::{self, EchoError, EchoStats, Series};
use deskside_netprobe::http::{Exchange, Failure};
use deskside_netprobe::{mtu, tcp};
use deskside_platform::{Interface, LinkState, ProxyEndpoint};
use serde_json::{Value, json};

use super::round1;
use crate::check::{Outcome, Status};
use crate::context::{Context, Probe};

fn iface_evidence(i: &Interface) -> Value {
    json!({
        "name": i.name, "kind": i.kind, "state": i.state, "mac": i.mac, "mtu": i.mtu,
        "addresses": i.addresses.iter().map(|a| match a.prefix_len {
            Some(p) => format!("{}/{p}", a.addr),
            None => a.addr.to_string(),
        }).collect::<Vec<_>>(),
    })
}

/// `net.interface`: an up link with carrier.
pub async fn interface(ctx: &Context) -> Outcome {
    let candidates = ctx.uplink_candidates();
    let evidence =
        json!({ "interfaces": candidates.iter().map(|i| iface_evidence(i)).collect::<Vec<_>>() });
    if let Some(up) = candidates.iter().find(|i| i.state == LinkState::Up) {
        return Outcome::pass(
            format!("Network adapter {} is connected.", up.name),
            evidence,
        );
    }
    if candidates.is_empty() {
        return Outcome::fail("No network adapter was found on this computer.", evidence)
            .advise("Check that Wi-Fi is switched on or plug in a network cable; if the adapter is missing, contact IT.");
    }
    if let Some(nc) = candidates.iter().find(|i| i.state == LinkState::NoCarrier) {
        return Outcome::fail(
            format!("Network adapter {} is on but not connected: the cable is unplugged or Wi-Fi is not joined to a network.", nc.name),
            evidence,
        )
        .advise("Plug the network cable in firmly (or try another port), or connect to your Wi-Fi network.");
    }
    let names: Vec<&str> = candidates.iter().map(|i| i.name.as_str()).collect();
    Outcome::fail(
        format!(
            "Your network adapter ({}) is switched off.",
            names.join(", ")
        ),
        evidence,
    )
    .advise("Switch Wi-Fi on or turn airplane mode off; Deskside can restart the adapter for you.")
}

fn usable(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        // Global unicast only: link-local and unique-local addresses don't reach the internet.
        IpAddr::V6(v6) => (v6.segments()[0] & 0xe000) == 0x2000,
    }
}

/// `net.address`: a usable address on an up link (APIPA or none = fail).
pub async fn address(ctx: &Context) -> Outcome {
    let up: Vec<&Interface> = ctx
        .uplink_candidates()
        .into_iter()
        .filter(|i| i.state == LinkState::Up)
        .collect();
    let evidence =
        json!({ "interfaces": up.iter().map(|i| iface_evidence(i)).collect::<Vec<_>>() });
    for i in &up {
        if let Some(a) = i.addresses.iter().find(|a| usable(a.addr)) {
            return Outcome::pass(format!("{} has address {}.", i.name, a.addr), evidence);
        }
    }
    let apipa = up
        .iter()
        .flat_map(|i| &i.addresses)
        .find(|a| matches!(a.addr, IpAddr::V4(v4) if v4.is_link_local()));
    match apipa {
        Some(a) => Outcome::fail(
            format!(
                "Your computer did not get an address from the network and gave itself a temporary one ({}), which cannot reach anything. The network's address service (DHCP) did not answer.",
                a.addr
            ),
            evidence,
        )
        .advise("Disconnect and reconnect to the network (Deskside can renew the address). If it keeps happening, the network itself has a problem: contact IT."),
        None => Outcome::fail("Your computer has no network address on its connected adapter.", evidence)
            .advise("Disconnect and reconnect to the network so it can get an address; Deskside can renew it for you."),
    }
}

/// Send a few echoes to `target`; fall back to TCP handshakes (`port`) when ICMP is not
/// allowed or gets no answer at all.
async fn echo_with_fallback(target: IpAddr, series: Series, ports: &[u16]) -> EchoStats {
    let icmp = echo::icmp_series(target, series).await;
    if let Ok(stats) = &icmp
        && stats.received > 0
    {
        return icmp.unwrap_or_else(|_| EchoStats::new(target, echo::Method::Icmp));
    }
    let mut best: Option<EchoStats> = icmp.ok();
    for port in ports {
        let stats = echo::tcp_series(
            SocketAddr::new(target, *port),
            series.count.min(5),
            series.interval,
            series.wait,
        )
        .await;
        if stats.received > 0 {
            return stats;
        }
        best.get_or_insert(stats);
    }
    best.unwrap_or_else(|| EchoStats::new(target, echo::Method::Tcp))
}

fn echo_evidence(s: &EchoStats) -> Value {
    json!({
        "target": s.target, "method": s.method, "sent": s.sent, "received": s.received,
        "loss_percent": round1(s.loss_percent()),
        "rtt_avg_ms": s.avg_ms().map(round1), "jitter_ms": s.jitter_ms().map(round1),
        "rtt_max_ms": s.rtts_ms.iter().copied().reduce(f64::max).map(round1),
        "errors": s.errors,
    })
}

/// `net.gateway`: a default route exists and its gateway answers.
pub async fn gateway(ctx: &Context) -> Outcome {
    let routes = ctx.net.default_routes();
    let uplinks: Vec<String> = ctx
        .uplink_candidates()
        .iter()
        .map(|i| i.name.clone())
        .collect();
    // Prefer the physical uplink's default route; a full-tunnel VPN's default route is judged by the VPN checks.
    let route = routes
        .iter()
        .find(|r| r.interface.as_ref().is_some_and(|i| uplinks.contains(i)))
        .or_else(|| routes.first())
        .copied();
    let Some(route) = route else {
        return Outcome::fail("Your computer has no route to other networks (no default gateway).", json!({"default_routes": []}))
            .advise("Reconnect to the network so it can get its settings again; if that does not help, contact IT.");
    };
    let Some(gw) = route.gateway else {
        return Outcome::pass(
            format!(
                "Traffic leaves directly through {}.",
                route.interface.as_deref().unwrap_or("the link")
            ),
            json!({"route": route}),
        );
    };
    let series = Series {
        count: 3,
        interval: Duration::from_millis(20),
        wait: Duration::from_millis(500),
        ..Series::default()
    };
    let stats = echo_with_fallback(gw, series, &[53, 80]).await;
    let evidence = json!({"route": route, "echo": echo_evidence(&stats)});
    if stats.received > 0 {
        Outcome::pass(format!("The router ({gw}) answers."), evidence)
    } else {
        Outcome::fail(format!("Your router ({gw}) does not answer, so nothing beyond it can be reached."), evidence)
            .advise("Restart the router if it is yours, or reconnect to the network (Deskside can restart the adapter). At the office, contact IT.")
    }
}

/// `net.dns`: every configured resolver answers and `dns_names` resolve.
pub async fn dns(ctx: &Context) -> Outcome {
    let servers = ctx.net.dns.servers.clone();
    if servers.is_empty() {
        return Outcome::fail("No DNS server is configured, so websites cannot be found by name.", json!({"dns": ctx.net.dns}))
            .advise("Reconnect to the network so it can get its settings again; if that does not help, contact IT.");
    }
    let Some(first) = ctx.config.network.dns_names.first().cloned() else {
        return Outcome::skip("No test names are configured.", json!({"dns": ctx.net.dns}));
    };
    let per_server = servers
        .iter()
        .map(|s| deskside_netprobe::dns::query(*s, &first, RecordType::A, ctx.dns_timeout()));
    let names = ctx.config.network.dns_names.iter().map(|n| ctx.resolve(n));
    let (per_server, names) = tokio::join!(
        futures::future::join_all(per_server),
        futures::future::join_all(names)
    );
    let evidence = json!({
        "servers": servers, "search_domains": ctx.net.dns.search_domains, "source": ctx.net.dns.source,
        "upstream_servers": ctx.net.dns.upstream_servers,
        "server_checks": per_server, "resolutions": names,
    });
    let silent: Vec<_> = per_server
        .iter()
        .filter(|q| !q.outcome.server_answered())
        .collect();
    if let Some(bad) = names.iter().find(|r| !r.resolved()) {
        let why = match bad.last_outcome() {
            Some(o) => o.clone(),
            None => deskside_netprobe::dns::QueryOutcome::Invalid {
                reason: "no server to ask".into(),
            },
        };
        let server = bad.attempts.last().map_or_else(
            || "your DNS server".to_owned(),
            |a| format!("the DNS server {}", a.server),
        );
        use deskside_netprobe::dns::QueryOutcome as Q;
        let summary = match why {
            Q::TimedOut => format!("Websites cannot be found by name: {server} does not answer."),
            Q::Refused => format!(
                "Websites cannot be found by name: {server} is not running (connection refused)."
            ),
            Q::NxDomain => format!(
                "Websites cannot be found by name: {server} says {} does not exist.",
                bad.name
            ),
            Q::ErrorCode { rcode } => format!(
                "Websites cannot be found by name: {server} reports a failure ({rcode}) for {}.",
                bad.name
            ),
            other => format!(
                "Websites cannot be found by name: {server} {}.",
                other.describe()
            ),
        };
        return Outcome::fail(summary, evidence)
            .advise("Reconnect to the network; Deskside can clear the DNS cache. If it persists, the network's DNS service is down: contact IT.");
    }
    if let Some(q) = silent.first() {
        return Outcome::warn(
            format!(
                "Names resolve, but one of your DNS servers ({}) {}; lookups may be slow.",
                q.server,
                q.outcome.describe()
            ),
            evidence,
        )
        .advise("If websites are slow to start loading, reconnect to the network or contact IT.");
    }
    Outcome::pass(format!("DNS works: {} resolves.", first), evidence)
}

/// How one probe went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeVerdict {
    /// The expected answer.
    Ok,
    /// Something answered in the probe server's place (redirect, other content, 511).
    Intercepted,
    /// The probe server answered with an unexpected error status.
    Unexpected,
    /// No answer (or no address for the host).
    NoAnswer,
}

fn judge_probe(p: &Probe, expect_body: Option<&str>) -> ProbeVerdict {
    let Some(ex) = &p.exchange else {
        return ProbeVerdict::NoAnswer;
    };
    let Ok(r) = &ex.result else {
        return ProbeVerdict::NoAnswer;
    };
    match r.status {
        204 => ProbeVerdict::Ok,
        200 => match expect_body {
            Some(want) if r.body.contains(want) => ProbeVerdict::Ok,
            Some(_) => ProbeVerdict::Intercepted,
            None if r.body.trim().is_empty() => ProbeVerdict::Ok,
            None => ProbeVerdict::Intercepted,
        },
        300..=399 | 511 => ProbeVerdict::Intercepted,
        _ => ProbeVerdict::Unexpected,
    }
}

fn probe_evidence(probes: &[Probe]) -> Value {
    json!(probes.iter().map(|p| {
        let ex: Option<&Exchange> = p.exchange.as_ref();
        json!({
            "url": p.url,
            "addresses": p.resolution.addrs,
            "resolution_failed": !p.resolution.resolved(),
            "status": ex.and_then(|e| e.result.as_ref().ok()).map(|r| r.status),
            "location": ex.and_then(|e| e.result.as_ref().ok()).and_then(|r| r.location.clone()),
            "date": ex.and_then(|e| e.result.as_ref().ok()).and_then(|r| r.date.clone()),
            "body_start": ex.and_then(|e| e.result.as_ref().ok()).map(|r| r.body.chars().take(200).collect::<String>()),
            "failure": ex.and_then(|e| e.result.as_ref().err()),
            "ms": ex.map(|e| round1(e.ms)),
        })
    }).collect::<Vec<_>>())
}

/// `net.captive_portal`: the probe was redirected or its content replaced.
pub async fn captive_portal(ctx: &Context) -> Outcome {
    let probes = ctx.probes().await;
    let expect = ctx.config.network.probe_expect_body.as_deref();
    let evidence = json!({"probes": probe_evidence(probes)});
    let verdicts: Vec<ProbeVerdict> = probes.iter().map(|p| judge_probe(p, expect)).collect();
    if verdicts.contains(&ProbeVerdict::Ok) || !verdicts.contains(&ProbeVerdict::Intercepted) {
        return Outcome::pass("No sign-in page is intercepting your connection.", evidence);
    }
    let portal = probes
        .iter()
        .filter_map(|p| p.exchange.as_ref()?.result.as_ref().ok()?.location.clone())
        .next();
    let summary = match &portal {
        Some(loc) => format!(
            "This network requires you to sign in or accept terms before the internet works (it redirects to {}).",
            crate::context::url_host(loc).unwrap_or_else(|| loc.clone())
        ),
        None => "This network requires you to sign in or accept terms before the internet works (a sign-in page answers instead of the internet).".to_owned(),
    };
    Outcome::fail(summary, evidence).advise("Open your web browser and go to any website: the sign-in page should appear. Sign in or accept the terms, then try again.")
}

/// `net.internet`: a probe returned the expected answer.
pub async fn internet(ctx: &Context) -> Outcome {
    let probes = ctx.probes().await;
    let expect = ctx.config.network.probe_expect_body.as_deref();
    let evidence = json!({"probes": probe_evidence(probes)});
    if probes.is_empty() {
        return Outcome::skip("No internet test address is configured.", evidence);
    }
    let verdicts: Vec<ProbeVerdict> = probes.iter().map(|p| judge_probe(p, expect)).collect();
    if let Some(i) = verdicts.iter().position(|v| *v == ProbeVerdict::Ok) {
        let host = probes.get(i).map_or("", |p| p.host.as_str());
        return Outcome::pass(
            format!("The internet is reachable ({host} answered as expected)."),
            evidence,
        );
    }
    let first = probes.first();
    let summary = if verdicts.contains(&ProbeVerdict::Intercepted) {
        "The internet is not reachable: something answers in its place (likely a sign-in page)."
            .to_owned()
    } else if let Some(p) = first.filter(|p| !p.resolution.resolved()) {
        format!(
            "The internet test server {} cannot be found by name.",
            p.host
        )
    } else if verdicts.contains(&ProbeVerdict::Unexpected) {
        let status = first
            .and_then(|p| p.exchange.as_ref()?.result.as_ref().ok())
            .map(|r| r.status)
            .unwrap_or_default();
        format!("The internet test server answered with an unexpected error (HTTP {status}).")
    } else {
        let why = first
            .and_then(|p| p.exchange.as_ref()?.result.as_ref().err())
            .map_or_else(|| "no answer".to_owned(), Failure::describe);
        format!(
            "The internet is not reachable: your network connects, but the internet test server gives {why}."
        )
    };
    Outcome::fail(summary, evidence)
        .advise("The local network works but its connection to the internet does not. At home, restart your router; at the office or on guest Wi-Fi, contact IT.")
}

async fn check_endpoint(ctx: &Context, scheme: &str, ep: &ProxyEndpoint) -> (Value, bool) {
    let res = ctx.resolve(&ep.host).await;
    let conn = match res.addrs.first() {
        Some(a) => {
            Some(tcp::connect(SocketAddr::new(*a, ep.port), Duration::from_millis(1500)).await)
        }
        None => None,
    };
    let ok = conn
        .as_ref()
        .is_some_and(|c| c.outcome == tcp::ConnectOutcome::Connected);
    (
        json!({"scheme": scheme, "host": ep.host, "port": ep.port, "resolved": res.addrs, "connect": conn.map(|c| c.outcome)}),
        ok,
    )
}

/// `net.proxy`: configured proxies and PAC file are reachable (or none configured).
pub async fn proxy(ctx: &Context) -> Outcome {
    let p = &ctx.net.proxy;
    let pac = p
        .pac_url
        .clone()
        .or_else(|| ctx.config.network.pac_url.clone());
    if !p.is_configured() && pac.is_none() {
        return Outcome::pass(
            "No proxy is configured; connections go directly.",
            json!({"proxy": p}),
        );
    }
    let mut endpoints = Vec::new();
    for (scheme, ep) in [("http", &p.http), ("https", &p.https), ("socks", &p.socks)] {
        if let Some(ep) = ep
            && !endpoints
                .iter()
                .any(|(_, e): &(&str, &ProxyEndpoint)| *e == ep)
        {
            endpoints.push((scheme, ep));
        }
    }
    let checks =
        futures::future::join_all(endpoints.iter().map(|(s, e)| check_endpoint(ctx, s, e))).await;
    let mut pac_result = None;
    let mut pac_ok = true;
    if let Some(url) = &pac {
        let Probe {
            resolution: res,
            exchange: ex,
            ..
        } = ctx.fetch(url).await;
        let answer = ex.as_ref().and_then(|e| e.result.as_ref().ok());
        pac_ok = answer.is_some_and(|r| r.status == 200 && r.body.contains("FindProxyForURL"));
        pac_result = Some(json!({
            "url": url, "ok": pac_ok, "resolved": res.addrs, "status": answer.map(|r| r.status),
            "failure": ex.as_ref().and_then(|e| e.result.as_ref().err()),
        }));
    }
    let evidence = json!({"proxy": p, "endpoints": checks.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>(), "pac": pac_result});
    if let Some(((_, ep), _)) = endpoints.iter().zip(&checks).find(|(_, (_, ok))| !ok) {
        return Outcome::fail(
            format!(
                "The proxy server set on this computer ({}:{}, from {}) cannot be reached, so apps that use it cannot load anything.",
                ep.host, ep.port, p.source
            ),
            evidence,
        )
        .advise("If you are away from the office, the proxy may only work there: Deskside can clear your personal proxy settings. Otherwise contact IT.");
    }
    if !pac_ok {
        return Outcome::fail(
            format!(
                "The automatic proxy configuration file ({}) cannot be loaded.",
                pac.unwrap_or_default()
            ),
            evidence,
        )
        .advise("Connect to the company network or VPN; if the problem stays, contact IT.");
    }
    Outcome::pass("The configured proxy is reachable.", evidence)
}

fn quality_verdict(ctx: &Context, s: &EchoStats) -> Status {
    let n = &ctx.config.network;
    let loss = s.loss_percent();
    let avg = s.avg_ms().unwrap_or(0.0);
    let jitter = s.jitter_ms().unwrap_or(0.0);
    #[expect(clippy::cast_precision_loss, reason = "ms thresholds are small")]
    let (warn_lat, fail_lat, warn_jit) = (
        n.warn_latency_ms as f64,
        n.fail_latency_ms as f64,
        n.warn_jitter_ms as f64,
    );
    if loss >= n.fail_loss_percent || avg >= fail_lat {
        Status::Fail
    } else if loss >= n.warn_loss_percent || avg >= warn_lat || jitter >= warn_jit {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// The first probe URL's host address and port. Only the name is resolved: these checks
/// must not wait for the web probe itself (which takes its full timeout when blocked).
async fn probe_host(ctx: &Context) -> Option<(IpAddr, u16)> {
    let url = url::Url::parse(ctx.config.network.probe_urls.first()?).ok()?;
    let port = url.port_or_known_default().unwrap_or(80);
    let host = crate::context::url_host(url.as_str())?;
    let addr = *ctx.resolve(&host).await.addrs.first()?;
    Some((addr, port))
}

/// `net.quality`: loss, latency and jitter to the gateway and the probe host.
pub async fn quality(ctx: &Context) -> Outcome {
    let mut targets: Vec<(&str, IpAddr, Vec<u16>)> = Vec::new();
    if let Some(gw) = ctx.net.default_routes().iter().find_map(|r| r.gateway) {
        targets.push(("router", gw, vec![53, 80]));
    }
    if let Some((addr, port)) = probe_host(ctx).await {
        targets.push(("internet", addr, vec![port]));
    }
    if targets.is_empty() {
        return Outcome::skip(
            "There is nothing to measure the connection against.",
            json!({}),
        );
    }
    let n = &ctx.config.network;
    let wait = Duration::from_millis(n.fail_latency_ms.saturating_add(200));
    let series = Series {
        count: n.quality_samples,
        interval: Duration::from_millis(15),
        wait,
        ..Series::default()
    };
    let stats = futures::future::join_all(
        targets
            .iter()
            .map(|(_, ip, ports)| echo_with_fallback(*ip, series, ports)),
    )
    .await;
    let evidence = json!({
        "targets": targets.iter().zip(&stats).map(|((label, _, _), s)| {
            let mut e = echo_evidence(s);
            if let Some(o) = e.as_object_mut() {
                o.insert("label".into(), json!(label));
            }
            e
        }).collect::<Vec<_>>()
    });
    let worst = targets
        .iter()
        .zip(&stats)
        .map(|((label, _, _), s)| (quality_verdict(ctx, s), *label, s))
        .max_by_key(|(st, _, _)| match st {
            Status::Fail => 2,
            Status::Warn => 1,
            _ => 0,
        });
    let Some((status, label, s)) = worst else {
        return Outcome::skip("Nothing was measured.", evidence);
    };
    let place = if label == "router" {
        "to your router"
    } else {
        "to the internet"
    };
    let facts = format!(
        "{:.0}% of test packets {place} were lost, average delay {} ms",
        s.loss_percent(),
        s.avg_ms()
            .map_or_else(|| "unknown".to_owned(), |a| format!("{a:.0}"))
    );
    match status {
        Status::Fail => Outcome::fail(format!("The connection is poor: {facts}. Calls, video and downloads will suffer."), evidence)
            .advise("Move closer to the Wi-Fi access point or use a cable; if you are on a cable, contact IT."),
        Status::Warn => Outcome::warn(format!("The connection is weaker than it should be: {facts}."), evidence)
            .advise("If calls stutter or pages are slow, move closer to the Wi-Fi access point or use a cable."),
        _ => Outcome::pass(format!("The connection is steady ({facts})."), evidence),
    }
}

/// `net.mtu`: small packets pass but full-size don't-fragment packets vanish = black hole.
pub async fn mtu(ctx: &Context) -> Outcome {
    let Some((target, _)) = probe_host(ctx).await else {
        return Outcome::skip(
            "There is no internet test server to measure against.",
            json!({}),
        );
    };
    let route = ctx.net.default_routes().first().map(|r| (*r).clone());
    let link_mtu = route
        .as_ref()
        .and_then(|r| r.interface.as_deref())
        .and_then(|name| ctx.net.interface(name))
        .and_then(|i| i.mtu)
        .unwrap_or(1500)
        .min(9000);
    match mtu::probe(target, link_mtu, Duration::from_millis(600)).await {
        Err(EchoError::NotPermitted) => Outcome::skip(
            "Deskside is not allowed to send the test packets needed for this check.",
            json!({"target": target}),
        ),
        Err(EchoError::Unsupported) => Outcome::skip(
            "This check is not available on this operating system yet.",
            json!({"target": target}),
        ),
        Err(e) => Outcome::error(
            format!("The packet-size test could not run: {e}."),
            json!({"target": target}),
        ),
        Ok(p) => {
            let evidence = json!({
                "target": p.target, "link_mtu": p.link_mtu, "verdict": p.verdict,
                "small": echo_evidence(&p.small), "full_size": echo_evidence(&p.full),
            });
            match p.verdict {
                mtu::Verdict::BlackHole => Outcome::fail(
                    format!(
                        "Full-size network packets ({link_mtu} bytes) to the internet silently disappear while small ones get through, so some websites, downloads and VPN connections hang."
                    ),
                    evidence,
                )
                .advise("This is a network setting problem (a path-MTU black hole), not your computer: contact IT and mention this check."),
                mtu::Verdict::TooLossy => Outcome::skip("Too many test packets are lost on the way to tell whether large packets get through; the connection quality check says more.", evidence),
                mtu::Verdict::Unreachable => Outcome::skip("The test server does not answer test packets, so packet sizes cannot be measured.", evidence),
                mtu::Verdict::SmallerPathMtuSignalled => {
                    Outcome::pass("The path to the internet takes smaller packets, and the network says so correctly.", evidence)
                }
                mtu::Verdict::FullSizePasses => Outcome::pass(format!("Full-size packets ({link_mtu} bytes) get through."), evidence),
            }
        }
    }
}
