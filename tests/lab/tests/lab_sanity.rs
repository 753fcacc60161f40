//! The network lab itself works, without `desksidectl`: a healthy lab reaches its gateway, the
//! internet probe and the intranet through WireGuard, and every fault really changes what a
//! client in the lab observes. Each test builds its own lab (random ID), so they run in
//! parallel; they skip (printed) without root, or fail when `DESKSIDE_LAB_REQUIRED=1`.

#![expect(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]

use std::path::Path;
use std::process::Output;
use std::time::SystemTime;

use deskside_lab::{DEAD_PROXY_URL, Fault, Lab, Node};

const LABD: &str = env!("CARGO_BIN_EXE_deskside-labd");
const TOOLS: &[&str] = &["ping", "getent", "df"];

macro_rules! lab {
    () => {
        deskside_lab::lab_or_skip!(labd = LABD; "ping", "getent", "df")
    };
}

/// A fresh lab with `fault` injected, or `None` when the lab is skipped here.
fn lab_with(fault: Fault) -> Option<Lab> {
    let lab = deskside_lab::start_or_skip(Some(Path::new(LABD)), TOOLS)?;
    lab.fault(fault)
        .unwrap_or_else(|e| panic!("fault {fault}: {e}"));
    Some(lab)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn run(lab: &Lab, program: &str, args: &[&str]) -> Output {
    lab.exec(program, args, &[])
        .unwrap_or_else(|e| panic!("{program} {args:?}: {e}"))
}

fn ping(lab: &Lab, args: &[&str]) -> Output {
    let mut all = vec!["-n", "-W", "1"];
    all.extend_from_slice(args);
    run(lab, "ping", &all)
}

fn fetch(lab: &Lab, url: &str, timeout_ms: u32) -> Output {
    let timeout = timeout_ms.to_string();
    lab.labd_exec(&["fetch", url, "--timeout-ms", &timeout])
        .unwrap_or_else(|e| panic!("fetch {url}: {e}"))
}

/// `deskside-labd query` output (`NOERROR 1.2.3.4`, `NXDOMAIN`, `TIMEOUT`, `CONNREFUSED`…).
fn query(lab: &Lab, name: &str, server: &str, timeout_ms: u32) -> String {
    let timeout = timeout_ms.to_string();
    let out = lab
        .labd_exec(&["query", name, "--server", server, "--timeout-ms", &timeout])
        .unwrap_or_else(|e| panic!("query {name}: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn status_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

fn assert_gateway_reachable(lab: &Lab) {
    let out = ping(lab, &["-c", "1", "198.51.100.1"]);
    assert!(out.status.success(), "gateway ping failed: {}", text(&out));
}

fn assert_probe_ok(lab: &Lab) {
    let out = fetch(lab, "http://probe.lab.test/generate_204", 3000);
    assert_eq!(
        status_line(&out),
        "HTTP/1.1 204 No Content",
        "{}",
        text(&out)
    );
}

fn assert_intranet_ok(lab: &Lab) {
    let out = fetch(lab, "http://198.18.10.1/", 3000);
    assert_eq!(status_line(&out), "HTTP/1.1 200 OK", "{}", text(&out));
}

#[test]
fn healthy_lab_reaches_gateway_internet_and_intranet() {
    let lab = lab!();
    assert_gateway_reachable(&lab);

    // Name resolution through the client's stub (resolv.conf = 127.0.0.1), as glibc does it.
    let out = run(&lab, "getent", &["hosts", "www.lab.test"]);
    assert!(text(&out).contains("203.0.113.10"), "{}", text(&out));
    assert_eq!(
        query(&lab, "www.lab.test", "127.0.0.1", 3000),
        "NOERROR 203.0.113.10"
    );
    assert_eq!(
        query(&lab, "nothing.example", "127.0.0.1", 3000),
        "NXDOMAIN"
    );

    assert_probe_ok(&lab);
    let out = fetch(&lab, "http://www.lab.test/", 3000);
    assert_eq!(status_line(&out), "HTTP/1.1 200 OK");
    assert!(
        text(&out).trim_end().ends_with("\r\n\r\nok"),
        "{}",
        text(&out)
    );

    // Split DNS and the tunnel: the intranet by name.
    assert_eq!(
        query(&lab, "intranet.corp.example", "127.0.0.1", 3000),
        "NOERROR 198.18.10.1"
    );
    let out = fetch(&lab, "http://intranet.corp.example/", 3000);
    assert_eq!(status_line(&out), "HTTP/1.1 200 OK", "{}", text(&out));
    assert!(text(&out).trim_end().ends_with("intranet"));

    // The client sees its own WireGuard interface only (private UAPI dir), handshake done now.
    let out = run(&lab, "wg", &["show", "interfaces"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        lab.vpn_interface()
    );
    let out = run(
        &lab,
        "wg",
        &["show", &lab.vpn_interface(), "latest-handshakes"],
    );
    let stamp: u64 = text(&out)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    assert!(
        stamp > 0,
        "no handshake after intranet traffic: {}",
        text(&out)
    );

    // Unprivileged ping is allowed, and the scrubbed environment has no proxy and a private HOME.
    let out = lab
        .exec(
            "sh",
            &["-c", "cat /proc/sys/net/ipv4/ping_group_range; env"],
            &[],
        )
        .unwrap();
    let env = text(&out);
    assert!(env.starts_with("0\t2147483647"), "{env}");
    assert!(!env.to_lowercase().contains("_proxy="), "{env}");
    assert!(env.contains("DESKSIDE_USER_CONFIG=\n"), "{env}");
    assert!(env.contains("HOME=/"), "{env}");

    let config = lab.config_text().unwrap();
    assert!(config.contains(&lab.disk_dir().display().to_string()));
    assert!(config.contains("probe_urls = [\"http://probe.lab.test/generate_204\"]"));
}

#[test]
fn aged_exec_reports_long_uptime() {
    let lab = lab!();
    let out = lab.exec_aged("cat", &["/proc/uptime"], &[]).unwrap();
    let uptime: f64 = text(&out)
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.0);
    assert!(uptime >= 3_000_000.0, "{}", text(&out));
    let out = run(&lab, "cat", &["/proc/uptime"]);
    let plain: f64 = text(&out)
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::MAX);
    assert!(plain < uptime, "plain exec must not be aged");
}

#[test]
fn down_leaves_nothing_behind() {
    let lab = lab!();
    let id = lab.id().to_owned();
    let state = lab.state_dir().to_path_buf();
    let client_netns_etc = format!("/etc/netns/{}", lab.namespace(Node::Client));
    assert!(state.is_dir());
    lab.down().unwrap();

    assert!(!state.exists(), "state dir left behind");
    assert!(!Path::new(&client_netns_etc).exists());
    let netns = std::fs::read_dir("/run/netns")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(
        !netns.iter().any(|n| n.starts_with(&format!("dl{id}-"))),
        "namespaces left: {netns:?}"
    );
    for sock in [format!("wg{id}.sock"), format!("wc{id}.sock")] {
        assert!(!Path::new("/run/wireguard").join(sock).exists());
    }
    let tag = format!("DESKSIDE_LAB_ID={id}");
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let alive = std::fs::read_to_string(entry.path().join("stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false);
        assert!(
            !(alive && environ.split(|b| *b == 0).any(|v| v == tag.as_bytes())),
            "process {:?} of lab {id} still running",
            entry.file_name()
        );
    }
}

// --- one test per fault: the fault really took effect ---------------------------------------

#[test]
fn fault_link_down() {
    let Some(lab) = lab_with(Fault::LinkDown) else {
        return;
    };
    let out = run(&lab, "ip", &["-br", "link", "show", "dev", "eth0"]);
    assert!(text(&out).contains("DOWN"), "{}", text(&out));
    assert!(!ping(&lab, &["-c", "1", "198.51.100.1"]).status.success());
}

#[test]
fn fault_no_carrier() {
    let Some(lab) = lab_with(Fault::NoCarrier) else {
        return;
    };
    let out = run(&lab, "ip", &["link", "show", "dev", "eth0"]);
    assert!(text(&out).contains("NO-CARRIER"), "{}", text(&out));
    assert!(!ping(&lab, &["-c", "1", "198.51.100.1"]).status.success());
}

#[test]
fn fault_no_address() {
    let Some(lab) = lab_with(Fault::NoAddress) else {
        return;
    };
    let out = run(&lab, "ip", &["-4", "addr", "show", "dev", "eth0"]);
    assert!(!text(&out).contains("inet "), "{}", text(&out));
    assert!(!ping(&lab, &["-c", "1", "198.51.100.1"]).status.success());
}

#[test]
fn fault_apipa() {
    let Some(lab) = lab_with(Fault::Apipa) else {
        return;
    };
    let out = run(&lab, "ip", &["-4", "-br", "addr", "show", "dev", "eth0"]);
    assert!(text(&out).contains("169.254.23.45/16"), "{}", text(&out));
    assert!(!text(&out).contains("198.51.100.10"));
    let out = run(&lab, "ip", &["route", "show", "default"]);
    assert_eq!(text(&out).trim(), "", "no default route expected");
}

#[test]
fn fault_gateway_dead() {
    let Some(lab) = lab_with(Fault::GatewayDead) else {
        return;
    };
    assert!(!ping(&lab, &["-c", "1", "198.51.100.1"]).status.success());
    let out = fetch(&lab, "http://203.0.113.10/generate_204", 1000);
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn fault_wrong_gateway() {
    let Some(lab) = lab_with(Fault::WrongGateway) else {
        return;
    };
    let out = run(&lab, "ip", &["route", "show", "default"]);
    assert!(text(&out).contains("via 198.51.100.99"), "{}", text(&out));
    assert!(!ping(&lab, &["-c", "1", "198.51.100.99"]).status.success());
    let out = fetch(&lab, "http://203.0.113.10/generate_204", 1500);
    assert!(!out.status.success(), "{}", text(&out));
    // The real router is still there, on-link.
    assert_gateway_reachable(&lab);
}

#[test]
fn fault_dns_down() {
    let Some(lab) = lab_with(Fault::DnsDown) else {
        return;
    };
    assert_eq!(
        query(&lab, "www.lab.test", "198.51.100.1", 2000),
        "CONNREFUSED"
    );
    assert!(
        !run(&lab, "getent", &["hosts", "www.lab.test"])
            .status
            .success()
    );
    assert_gateway_reachable(&lab);
}

#[test]
fn fault_dns_blackhole() {
    let Some(lab) = lab_with(Fault::DnsBlackhole) else {
        return;
    };
    assert_eq!(query(&lab, "www.lab.test", "198.51.100.1", 1000), "TIMEOUT");
    assert_gateway_reachable(&lab);
}

#[test]
fn fault_dns_nxdomain() {
    let Some(lab) = lab_with(Fault::DnsNxdomain) else {
        return;
    };
    assert_eq!(
        query(&lab, "www.lab.test", "198.51.100.1", 2000),
        "NXDOMAIN"
    );
    assert_eq!(query(&lab, "www.lab.test", "127.0.0.1", 2000), "NXDOMAIN");
    assert!(
        !run(&lab, "getent", &["hosts", "www.lab.test"])
            .status
            .success()
    );
}

#[test]
fn fault_dns_servfail() {
    let Some(lab) = lab_with(Fault::DnsServfail) else {
        return;
    };
    assert_eq!(
        query(&lab, "www.lab.test", "198.51.100.1", 2000),
        "SERVFAIL"
    );
    assert_eq!(query(&lab, "www.lab.test", "127.0.0.1", 2000), "SERVFAIL");
    assert!(
        !run(&lab, "getent", &["hosts", "www.lab.test"])
            .status
            .success()
    );
}

#[test]
fn fault_captive_portal() {
    let Some(lab) = lab_with(Fault::CaptivePortal) else {
        return;
    };
    let out = fetch(&lab, "http://probe.lab.test/generate_204", 3000);
    assert_eq!(status_line(&out), "HTTP/1.1 302 Found", "{}", text(&out));
    assert!(text(&out).contains("Location: http://portal.lab.test/login"));
}

#[test]
fn fault_internet_blocked() {
    let Some(lab) = lab_with(Fault::InternetBlocked) else {
        return;
    };
    let out = fetch(&lab, "http://203.0.113.10/generate_204", 1000);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!ping(&lab, &["-c", "1", "203.0.113.10"]).status.success());
    // Local network and DNS still fine: only the uplink is cut.
    assert_gateway_reachable(&lab);
    assert_eq!(
        query(&lab, "www.lab.test", "127.0.0.1", 2000),
        "NOERROR 203.0.113.10"
    );
}

#[test]
fn fault_loss() {
    let Some(lab) = lab_with(Fault::Loss) else {
        return;
    };
    let out = ping(&lab, &["-c", "60", "-i", "0.01", "-q", "203.0.113.10"]);
    let summary = text(&out);
    let loss: u32 = summary
        .split(',')
        .find(|p| p.contains("packet loss"))
        .and_then(|p| p.trim().split('%').next())
        .and_then(|n| n.trim().parse::<f64>().ok())
        .map_or(0, |f| f as u32);
    assert!((20..=80).contains(&loss), "expected ~50 % loss: {summary}");
    // TCP is untouched.
    assert_probe_ok(&lab);
}

#[test]
fn fault_latency() {
    let Some(lab) = lab_with(Fault::Latency) else {
        return;
    };
    let out = ping(&lab, &["-c", "2", "-i", "0.2", "203.0.113.10"]);
    let summary = text(&out);
    let min_rtt: f64 = summary
        .lines()
        .find(|l| l.contains("min/avg/max"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.trim().split('/').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    assert!(out.status.success(), "{summary}");
    assert!(min_rtt >= 290.0, "expected >= 300 ms: {summary}");
    // The LAN is not delayed.
    let out = ping(&lab, &["-c", "1", "198.51.100.1"]);
    assert!(
        text(&out).contains("time=0.") || text(&out).contains("time=1"),
        "{}",
        text(&out)
    );
    assert_probe_ok(&lab);
}

#[test]
fn fault_mtu_blackhole() {
    let Some(lab) = lab_with(Fault::MtuBlackhole) else {
        return;
    };
    let big = ping(&lab, &["-c", "1", "-M", "do", "-s", "1472", "203.0.113.10"]);
    assert!(
        !big.status.success(),
        "1500-byte DF ping got through: {}",
        text(&big)
    );
    let fits = ping(&lab, &["-c", "1", "-M", "do", "-s", "1372", "203.0.113.10"]);
    assert!(
        fits.status.success(),
        "1400-byte ping failed: {}",
        text(&fits)
    );
    let small = ping(&lab, &["-c", "1", "-M", "do", "-s", "100", "203.0.113.10"]);
    assert!(small.status.success(), "{}", text(&small));
    let out = run(&lab, "ip", &["-br", "link", "show", "dev", "eth0"]);
    assert!(text(&out).contains("eth0"));
    let out = run(&lab, "ip", &["link", "show", "dev", "eth0"]);
    assert!(
        text(&out).contains("mtu 1500"),
        "client keeps 1500: {}",
        text(&out)
    );
}

#[test]
fn fault_clock_skew() {
    let Some(lab) = lab_with(Fault::ClockSkew) else {
        return;
    };
    let out = fetch(&lab, "http://probe.lab.test/generate_204", 3000);
    let response = text(&out);
    let date = response
        .lines()
        .find_map(|l| l.strip_prefix("Date: "))
        .unwrap_or_else(|| panic!("no Date header: {response}"));
    let server = http_date_to_unix(date.trim());
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let skew = server - now;
    assert!((880..=920).contains(&skew), "skew {skew} s from {date}");
}

#[test]
fn fault_vpn_down() {
    let Some(lab) = lab_with(Fault::VpnDown) else {
        return;
    };
    let out = run(&lab, "ip", &["link", "show", "dev", &lab.vpn_interface()]);
    assert!(!out.status.success(), "{}", text(&out));
    let out = fetch(&lab, "http://198.18.10.1/", 1000);
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn fault_vpn_peer_dead() {
    let Some(lab) = lab_with(Fault::VpnPeerDead) else {
        return;
    };
    let out = fetch(&lab, "http://198.18.10.1/", 1500);
    assert!(!out.status.success(), "{}", text(&out));
    let out = run(
        &lab,
        "wg",
        &["show", &lab.vpn_interface(), "latest-handshakes"],
    );
    assert!(
        text(&out).trim().ends_with("\t0"),
        "no handshake expected: {}",
        text(&out)
    );
    // The interface and its routes are all still there.
    let out = run(&lab, "ip", &["route", "get", "198.18.10.1"]);
    assert!(text(&out).contains(&lab.vpn_interface()));
}

#[test]
fn fault_vpn_route_missing() {
    let Some(lab) = lab_with(Fault::VpnRouteMissing) else {
        return;
    };
    let out = run(&lab, "ip", &["route", "get", "198.18.10.1"]);
    assert!(!text(&out).contains(&lab.vpn_interface()), "{}", text(&out));
    let out = fetch(&lab, "http://198.18.10.1/", 1000);
    assert!(!out.status.success(), "{}", text(&out));
    // The tunnel itself still works.
    let out = ping(&lab, &["-c", "1", "198.18.9.1"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn fault_split_dns_off() {
    let Some(lab) = lab_with(Fault::SplitDnsOff) else {
        return;
    };
    assert_eq!(
        query(&lab, "intranet.corp.example", "127.0.0.1", 2000),
        "NXDOMAIN"
    );
    // The corporate DNS server answers when asked directly, through the tunnel.
    assert_eq!(
        query(&lab, "intranet.corp.example", "198.18.10.1", 2000),
        "NOERROR 198.18.10.1"
    );
    assert_intranet_ok(&lab);
}

#[test]
fn fault_intranet_down() {
    let Some(lab) = lab_with(Fault::IntranetDown) else {
        return;
    };
    let out = fetch(&lab, "http://198.18.10.1/", 1500);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("refused"), "{}", text(&out));
    assert_eq!(
        query(&lab, "intranet.corp.example", "127.0.0.1", 2000),
        "NOERROR 198.18.10.1"
    );
}

#[test]
fn fault_proxy_dead() {
    let Some(lab) = lab_with(Fault::ProxyDead) else {
        return;
    };
    let out = fetch(&lab, &format!("{DEAD_PROXY_URL}/"), 1500);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("refused"), "{}", text(&out));
    assert_probe_ok(&lab);
}

#[test]
fn fault_disk_full() {
    let Some(lab) = lab_with(Fault::DiskFull) else {
        return;
    };
    let (used, total) = df_in_client(&lab, &[]);
    assert!(used * 100 > total * 97, "only {used}/{total} KiB used");
}

#[test]
fn fault_inodes_exhausted() {
    let Some(lab) = lab_with(Fault::InodesExhausted) else {
        return;
    };
    let (used, total) = df_in_client(&lab, &["-i"]);
    assert!(used * 100 >= total * 99, "only {used}/{total} inodes used");
    // The temp directory is still there for the disk.temp check.
    assert!(lab.temp_dir().is_dir());
}

#[test]
fn fault_temp_large() {
    let Some(lab) = lab_with(Fault::TempLarge) else {
        return;
    };
    let total: u64 = std::fs::read_dir(lab.temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    assert!(total >= 16 * 1024 * 1024, "{total} bytes in temp");
    let config = lab
        .config_with("temp.toml", &[("disk", "temp_warn_bytes = 8388608")])
        .unwrap();
    let text = std::fs::read_to_string(config).unwrap();
    assert!(
        text.contains("[disk]\ntemp_warn_bytes = 8388608\n"),
        "{text}"
    );
}

#[test]
fn fault_dns_stale() {
    let Some(lab) = lab_with(Fault::DnsStale) else {
        return;
    };
    // The stub serves the cached NXDOMAIN although the router answers again.
    assert_eq!(query(&lab, "www.lab.test", "127.0.0.1", 2000), "NXDOMAIN");
    assert_eq!(query(&lab, "probe.lab.test", "127.0.0.1", 2000), "NXDOMAIN");
    assert_eq!(
        query(&lab, "www.lab.test", "198.51.100.1", 2000),
        "NOERROR 203.0.113.10"
    );
    assert!(
        !run(&lab, "getent", &["hosts", "www.lab.test"])
            .status
            .success()
    );
    // Split DNS survives the stub's restart.
    assert_eq!(
        query(&lab, "intranet.corp.example", "127.0.0.1", 2000),
        "NOERROR 198.18.10.1"
    );
    // What net.flush_dns does: SIGHUP to the stub clears its cache.
    let stub = lab.service_pid("client-stub").unwrap();
    // dnsmasq logs "cleared cache" when it starts and on each SIGHUP.
    let cleared = || {
        lab.service_log("client-stub")
            .matches("cleared cache")
            .count()
    };
    let before = cleared();
    signal(&lab, stub, "HUP");
    wait_for(|| cleared() > before);
    assert_eq!(
        query(&lab, "www.lab.test", "127.0.0.1", 2000),
        "NOERROR 203.0.113.10"
    );
}

#[test]
fn fault_no_default_route() {
    let Some(lab) = lab_with(Fault::NoDefaultRoute) else {
        return;
    };
    let out = run(&lab, "ip", &["route", "show", "default"]);
    assert_eq!(text(&out).trim(), "", "no default route expected");
    let out = fetch(&lab, "http://203.0.113.10/generate_204", 1000);
    assert!(!out.status.success(), "{}", text(&out));
    // The address and the LAN are untouched.
    let out = run(&lab, "ip", &["-4", "-br", "addr", "show", "dev", "eth0"]);
    assert!(text(&out).contains("198.51.100.10/24"), "{}", text(&out));
    assert_gateway_reachable(&lab);
}

// --- what the Linux fixes rely on, proven without desksidectl -------------------------------

#[test]
fn client_address_comes_from_dhcp_and_sigusr1_renews_it() {
    let lab = lab!();
    let pid = lab
        .service_pid("client-dhcp")
        .expect("udhcpc is not running");
    assert_eq!(comm(pid), "udhcpc");
    assert_eq!(netns_of(pid), netns_of_client(&lab));
    assert!(
        lab.service_log("client-dhcp")
            .contains("lease of 198.51.100.10 obtained from 198.51.100.1"),
        "{}",
        lab.service_log("client-dhcp")
    );
    let leases = std::fs::read_to_string(lab.state_dir().join("run/dhcp.leases")).unwrap();
    assert!(leases.contains("198.51.100.10"), "{leases}");
    // The lab's hook never writes resolv.conf: the client still uses its stub.
    let out = run(&lab, "cat", &["/etc/resolv.conf"]);
    assert_eq!(text(&out).trim(), "nameserver 127.0.0.1");

    // Lost address and default route → SIGUSR1 → both back, from the same udhcpc.
    lab.fault(Fault::NoAddress).unwrap();
    signal(&lab, pid, "USR1");
    wait_for(|| {
        text(&run(&lab, "ip", &["route", "show", "default"])).contains("via 198.51.100.1 ")
    });
    let out = run(&lab, "ip", &["-4", "-br", "addr", "show", "dev", "eth0"]);
    assert!(text(&out).contains("198.51.100.10/24"), "{}", text(&out));
    assert_probe_ok(&lab);

    // A link-local fallback is replaced by the lease.
    lab.fault(Fault::Apipa).unwrap();
    signal(&lab, pid, "USR1");
    wait_for(|| {
        text(&run(&lab, "ip", &["route", "show", "default"])).contains("via 198.51.100.1 ")
    });
    let out = run(&lab, "ip", &["-4", "-br", "addr", "show", "dev", "eth0"]);
    assert!(!text(&out).contains("169.254."), "{}", text(&out));
    assert_eq!(lab.service_pid("client-dhcp"), Some(pid));
}

#[test]
fn wg_quick_conf_rebuilds_the_tunnel_after_vpn_down() {
    let Some(lab) = lab_with(Fault::VpnDown) else {
        return;
    };
    let conf = lab.wg_quick_conf();
    let meta = std::fs::metadata(&conf).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077,
        0,
        "the private key must not be readable by others"
    );
    let config = lab.config_text().unwrap();
    assert!(
        config.contains(&format!("connection = \"{}\"", conf.display())),
        "{config}"
    );
    let out = run(&lab, "wg-quick", &["up", conf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_intranet_ok(&lab);
    let out = run(&lab, "wg", &["show", "interfaces"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        lab.vpn_interface()
    );
}

#[test]
fn gnome_proxy_settings_stay_in_the_private_config_dir() {
    let Some(lab) = deskside_lab::start_or_skip(Some(Path::new(LABD)), &["gsettings"]) else {
        return;
    };
    let env = deskside_lab::GNOME_SESSION_ENV;
    for args in [
        ["set", "org.gnome.system.proxy", "mode", "manual"],
        ["set", "org.gnome.system.proxy.http", "host", "198.51.100.1"],
        ["set", "org.gnome.system.proxy.http", "port", "3128"],
    ] {
        let out = lab.exec("gsettings", &args, env).unwrap();
        assert!(out.status.success(), "gsettings {args:?}: {}", text(&out));
    }
    let keyfile = lab
        .exec_dir("XDG_CONFIG_HOME")
        .unwrap()
        .join("glib-2.0/settings/keyfile");
    let saved = std::fs::read_to_string(&keyfile).unwrap();
    assert!(saved.contains("host='198.51.100.1'"), "{saved}");
    let out = lab
        .exec(
            "gsettings",
            &["list-recursively", "org.gnome.system.proxy"],
            env,
        )
        .unwrap();
    assert!(
        text(&out).contains("org.gnome.system.proxy mode 'manual'"),
        "{}",
        text(&out)
    );
}

#[test]
fn every_fault_is_tested_here() {
    let source = include_str!("lab_sanity.rs");
    for fault in Fault::ALL {
        let test_name = format!("fn fault_{}()", fault.name().replace('-', "_"));
        assert!(source.contains(&test_name), "missing {test_name}");
    }
}

/// `kill -NAME pid`, from inside the client namespace (where the lab's client services run).
fn signal(lab: &Lab, pid: u32, name: &str) {
    let out = lab
        .exec_in(Node::Client, "kill", &[format!("-{name}"), pid.to_string()])
        .unwrap();
    assert!(out.status.success(), "kill -{name} {pid}: {}", text(&out));
}

/// Poll `cond` for up to 5 s.
fn wait_for(mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "condition not met within 5 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The network namespace of `pid` (`net:[inode]`).
fn netns_of(pid: u32) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/net"))
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// The client namespace as seen from a process inside it.
fn netns_of_client(lab: &Lab) -> String {
    let out = run(lab, "readlink", &["/proc/self/ns/net"]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// (used, total) from `df -P [-i]` of the lab disk, as seen inside the client namespace.
fn df_in_client(lab: &Lab, extra: &[&str]) -> (u64, u64) {
    let disk = lab.disk_dir().display().to_string();
    let mut args = vec!["-P"];
    args.extend_from_slice(extra);
    args.push(&disk);
    let out = run(lab, "df", &args);
    let report = text(&out);
    let fields: Vec<u64> = report
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields[..] {
        [total, used] => (used, total),
        _ => panic!("unexpected df output: {report}"),
    }
}

/// Seconds since the epoch for an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date_to_unix(date: &str) -> i64 {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = date.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts[..] else {
        panic!("not an IMF-fixdate: {date}");
    };
    let d: i64 = day.parse().unwrap();
    let m = MONTHS.iter().position(|&x| x == month).unwrap() as i64 + 1;
    let y: i64 = year.parse().unwrap();
    let hms: Vec<i64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

#[test]
fn http_date_parser_matches_known_instant() {
    assert_eq!(
        http_date_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
        784_111_777
    );
}

#[test]
fn every_fault_has_an_expected_check() {
    for fault in Fault::ALL {
        let check = fault.expected_check();
        assert!(
            ["net.", "vpn.", "disk.", "system."]
                .iter()
                .any(|p| check.starts_with(p)),
            "{fault} → {check}"
        );
    }
}
