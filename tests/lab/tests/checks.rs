//! Every check, end to end: `desksidectl diagnose --json` runs inside the lab's client
//! namespace against the lab config. On the healthy lab every check passes and there is no
//! root cause; under each fault the check that owns it does not pass and is named root cause.
//! Each test builds its own lab, so they run in parallel and never share state.

#![expect(
    clippy::panic,
    clippy::unwrap_used,
    reason = "tests: a panic is the failure report"
)]

use std::path::{Path, PathBuf};

use deskside_lab::{DEAD_PROXY_URL, Fault, GNOME_SESSION_ENV, Lab};
use serde_json::Value;

const LABD: &str = env!("CARGO_BIN_EXE_deskside-labd");

/// The CLI under test: `$DESKSIDECTL`, else the workspace's debug build (`cargo test` builds it).
fn desksidectl() -> PathBuf {
    let path = std::env::var_os("DESKSIDECTL").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/desksidectl"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "desksidectl not found at {} (cargo build -p desksidectl, or set DESKSIDECTL)",
        path.display()
    );
    path
}

struct Run {
    code: Option<i32>,
    report: Value,
}

impl Run {
    fn check(&self, id: &str) -> &Value {
        self.report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id}"))
    }
    fn status(&self, id: &str) -> &str {
        self.check(id)["status"].as_str().unwrap()
    }
    fn root_cause(&self) -> Option<&str> {
        self.report["diagnosis"]["root_cause"].as_str()
    }
}

fn diagnose(lab: &Lab, config: &Path, env: &[(&str, &str)], aged: bool) -> Run {
    let cli = desksidectl();
    let args = ["diagnose", "--json", "--config", config.to_str().unwrap()];
    let out = if aged {
        lab.exec_aged(&cli, &args, env)
    } else {
        lab.exec(&cli, &args, env)
    }
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "desksidectl printed no JSON ({e}); stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(report["schema"], "deskside.report/1");
    Run {
        code: out.status.code(),
        report,
    }
}

fn lab() -> Option<Lab> {
    deskside_lab::start_or_skip(Some(Path::new(LABD)), &[])
}

#[test]
fn healthy_lab_passes_every_check_with_no_root_cause() {
    let Some(lab) = lab() else { return };
    let run = diagnose(&lab, &lab.config_path(), &[], false);
    let checks = run.report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 18, "{:#}", run.report);
    for c in checks {
        assert_eq!(
            c["status"], "pass",
            "{} should pass on the healthy lab: {:#}",
            c["id"], c
        );
    }
    assert_eq!(run.report["diagnosis"]["status"], "healthy");
    assert_eq!(run.root_cause(), None);
    assert_eq!(run.code, Some(0));
}

/// Break `fault`, diagnose, and require `expected` to be the non-passing root cause.
fn assert_root_cause(fault: Fault, expected: &str, allowed: &[&str]) {
    let Some(lab) = lab() else { return };
    lab.fault(fault)
        .unwrap_or_else(|e| panic!("fault {fault}: {e}"));
    let config = match fault {
        Fault::TempLarge => lab
            .config_with("temp.toml", &[("disk", "temp_warn_bytes = 8388608")])
            .unwrap(),
        _ => lab.config_path(),
    };
    let env: &[(&str, &str)] = if fault == Fault::ProxyDead {
        &[("http_proxy", DEAD_PROXY_URL)]
    } else {
        &[]
    };
    let run = diagnose(&lab, &config, env, false);
    let status = run.status(expected);
    assert!(
        allowed.contains(&status),
        "{fault}: {expected} is {status}, expected one of {allowed:?}: {:#}",
        run.check(expected)
    );
    assert_eq!(
        run.root_cause(),
        Some(expected),
        "{fault}: wrong root cause; diagnosis: {:#}",
        run.report["diagnosis"]
    );
    assert_eq!(run.code, Some(1), "{fault}: exit code");
    let summary = run.report["diagnosis"]["summary"].as_str().unwrap();
    assert!(
        summary.len() > 40,
        "{fault}: the explanation is too thin: {summary}"
    );
}

macro_rules! fault_tests {
    ($($name:ident: $fault:ident => $check:literal $(, $extra:literal)*;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(Fault::$fault.expected_check(), $check, "lab README and this table disagree");
            assert_root_cause(Fault::$fault, $check, &["fail" $(, $extra)*]);
        }
    )*};
}

fault_tests! {
    link_down_is_net_interface: LinkDown => "net.interface";
    no_carrier_is_net_interface: NoCarrier => "net.interface";
    no_address_is_net_address: NoAddress => "net.address";
    apipa_is_net_address: Apipa => "net.address";
    gateway_dead_is_net_gateway: GatewayDead => "net.gateway";
    wrong_gateway_is_net_gateway: WrongGateway => "net.gateway";
    dns_down_is_net_dns: DnsDown => "net.dns";
    dns_blackhole_is_net_dns: DnsBlackhole => "net.dns";
    dns_nxdomain_is_net_dns: DnsNxdomain => "net.dns";
    dns_servfail_is_net_dns: DnsServfail => "net.dns";
    captive_portal_is_net_captive_portal: CaptivePortal => "net.captive_portal";
    internet_blocked_is_net_internet: InternetBlocked => "net.internet";
    proxy_dead_is_net_proxy: ProxyDead => "net.proxy";
    loss_is_net_quality: Loss => "net.quality";
    // 300 ms of added delay is a degraded link, not a broken one: a warning, and the root cause.
    latency_is_net_quality: Latency => "net.quality", "warn";
    mtu_blackhole_is_net_mtu: MtuBlackhole => "net.mtu";
    clock_skew_is_system_clock: ClockSkew => "system.clock";
    vpn_down_is_vpn_tunnel: VpnDown => "vpn.tunnel";
    vpn_peer_dead_is_vpn_tunnel: VpnPeerDead => "vpn.tunnel";
    vpn_route_missing_is_vpn_routes: VpnRouteMissing => "vpn.routes";
    split_dns_off_is_vpn_dns: SplitDnsOff => "vpn.dns";
    intranet_down_is_vpn_reachability: IntranetDown => "vpn.reachability";
    disk_full_is_disk_space: DiskFull => "disk.space";
    inodes_exhausted_is_disk_inodes: InodesExhausted => "disk.inodes";
    // Big temp folders are a nuisance to clean up, not an outage: a warning.
    temp_large_is_disk_temp: TempLarge => "disk.temp", "warn";
    dns_stale_is_net_dns: DnsStale => "net.dns";
    no_default_route_is_net_gateway: NoDefaultRoute => "net.gateway";
}

#[test]
fn dead_gnome_proxy_is_net_proxy() {
    let Some(lab) = deskside_lab::start_or_skip(Some(Path::new(LABD)), &["gsettings"]) else {
        return;
    };
    // The user's GNOME proxy setting (not the environment) points at the dead proxy.
    let proxy = DEAD_PROXY_URL.trim_start_matches("http://");
    let (host, port) = proxy.split_once(':').unwrap();
    for args in [
        ["org.gnome.system.proxy", "mode", "manual"],
        ["org.gnome.system.proxy.http", "host", host],
        ["org.gnome.system.proxy.http", "port", port],
    ] {
        let mut all = vec!["set"];
        all.extend(args);
        let out = lab.exec("gsettings", &all, GNOME_SESSION_ENV).unwrap();
        assert!(out.status.success(), "gsettings {all:?}");
    }
    let run = diagnose(&lab, &lab.config_path(), GNOME_SESSION_ENV, false);
    assert_eq!(
        run.status("net.proxy"),
        "fail",
        "{:#}",
        run.check("net.proxy")
    );
    assert_eq!(run.root_cause(), Some("net.proxy"));
    assert_eq!(run.code, Some(1));
}

#[test]
fn aged_uptime_is_system_uptime() {
    let Some(lab) = lab() else { return };
    // exec-aged runs in a time namespace whose boot clock is ~35 days ahead.
    let run = diagnose(&lab, &lab.config_path(), &[], true);
    assert_eq!(
        run.status("system.uptime"),
        "warn",
        "{:#}",
        run.check("system.uptime")
    );
    assert_eq!(run.root_cause(), Some("system.uptime"));
    assert_eq!(run.report["diagnosis"]["status"], "degraded");
    assert_eq!(run.code, Some(1));
}

#[test]
fn every_fault_has_a_test_here() {
    let src = include_str!("checks.rs");
    for fault in Fault::ALL {
        assert!(
            src.contains(&format!(": {fault:?} =>")),
            "fault {fault} has no end-to-end test in checks.rs"
        );
    }
}

#[test]
fn category_filter_runs_only_that_category() {
    let Some(lab) = lab() else { return };
    let cli = desksidectl();
    let config = lab.config_path();
    let out = lab
        .exec(
            &cli,
            &[
                "diagnose",
                "--json",
                "--category",
                "vpn",
                "--config",
                config.to_str().unwrap(),
            ],
            &[],
        )
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["vpn.tunnel", "vpn.routes", "vpn.dns", "vpn.reachability"]
    );
    assert_eq!(out.status.code(), Some(0));
}
