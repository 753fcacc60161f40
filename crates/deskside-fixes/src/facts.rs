//! Detecting what a fix needs to know: interfaces and the default route, which network
//! daemons run, the local DNS stub, DHCP clients, the proxy setting, temp and trash folders.
//!
//! The safety rule lives here. A system-wide daemon (NetworkManager, systemd-networkd,
//! systemd-resolved, nscd, chronyd, timesyncd, logind, cupsd) is reported only when it runs in
//! the same network namespace as this process (`/proc/<pid>/ns/net` equals
//! `/proc/self/ns/net`), and so is every process a fix may signal. Inside a test lab's network
//! namespace the host's daemons are therefore invisible and never touched; a namespace link
//! that cannot be read counts as "different".
//!
//! The text parsers (`/proc/net/udp`, process command lines, shell profiles) are pure and
//! fixture-tested; only [`gather`] reads the machine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

use deskside_config::Config;

use crate::args::{ConnectionName, VpnClient, WebUrl};
use crate::catalogue::FixDef;
use crate::plan::{DhcpKind, EnvProxy, Facts, IfaceFact};
use crate::print;

/// One UDP socket from `/proc/net/udp` or `/proc/net/udp6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpSocket {
    /// Local address and port.
    pub local: SocketAddr,
    /// Socket inode (matches `socket:[INODE]` in `/proc/<pid>/fd`).
    pub inode: u64,
}

/// Parse `/proc/net/udp` or `/proc/net/udp6`. Addresses are printed as the kernel's 32-bit
/// words in host byte order, so they are decoded with the host's byte order too.
#[must_use]
pub fn parse_proc_net_udp(text: &str) -> Vec<UdpSocket> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let inode: u64 = fields.get(9)?.parse().ok()?;
            let (addr, port) = local.split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let ip = match addr.len() {
                8 => IpAddr::V4(Ipv4Addr::from(
                    u32::from_str_radix(addr, 16).ok()?.to_ne_bytes(),
                )),
                32 => {
                    let mut bytes = [0_u8; 16];
                    for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                        let word = addr.get(i * 8..i * 8 + 8)?;
                        chunk.copy_from_slice(&u32::from_str_radix(word, 16).ok()?.to_ne_bytes());
                    }
                    IpAddr::V6(Ipv6Addr::from(bytes))
                }
                _ => return None,
            };
            Some(UdpSocket {
                local: SocketAddr::new(ip, port),
                inode,
            })
        })
        .collect()
}

/// A local DNS stub's socket: port 53 on 127.0.0.0/8, `::1`, or a v4-mapped loopback.
#[must_use]
pub fn is_loopback_dns(addr: SocketAddr) -> bool {
    addr.port() == 53
        && match addr.ip() {
            IpAddr::V4(v4) => v4.is_loopback(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
        }
}

/// The interface a DHCP client's command line names, if any (`udhcpc -i eth0`,
/// `udhcpc --interface=eth0`, `dhcpcd eth0`, `dhclient -4 eth0`).
#[must_use]
pub fn dhcp_interface(kind: DhcpKind, argv: &[String]) -> Option<String> {
    let args = argv.get(1..).unwrap_or_default();
    match kind {
        DhcpKind::Udhcpc => {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a == "-i" || a == "--interface" {
                    return it.next().cloned();
                }
                if let Some(v) = a.strip_prefix("--interface=") {
                    return Some(v.to_owned());
                }
                if let Some(v) = a.strip_prefix("-i")
                    && !v.is_empty()
                {
                    return Some(v.to_owned());
                }
            }
            None
        }
        // Both take interfaces as plain arguments after their options; options that take a
        // value are skipped with it.
        DhcpKind::Dhcpcd | DhcpKind::Dhclient => {
            let with_value: &[&str] = match kind {
                DhcpKind::Dhclient => &["-cf", "-lf", "-pf", "-sf", "-s", "-p", "-e", "-g"],
                _ => &[
                    "-c", "-f", "-h", "-i", "-l", "-m", "-o", "-O", "-r", "-s", "-t", "-u", "-v",
                    "-y", "-e",
                ],
            };
            let mut it = args.iter();
            let mut found = None;
            while let Some(a) = it.next() {
                if with_value.contains(&a.as_str()) {
                    it.next();
                } else if !a.starts_with('-') {
                    found = Some(a.clone());
                }
            }
            found
        }
    }
}

/// The DHCP client a process is, by name.
#[must_use]
pub fn dhcp_kind(name: &str) -> Option<DhcpKind> {
    match name {
        "udhcpc" => Some(DhcpKind::Udhcpc),
        "dhcpcd" => Some(DhcpKind::Dhcpcd),
        "dhclient" => Some(DhcpKind::Dhclient),
        _ => None,
    }
}

/// Files among `files` (path, text) that set proxy variable `var` (`var=` or `export var=`).
#[must_use]
pub fn proxy_sources(var: &str, files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .filter(|(_, text)| {
            text.lines().any(|line| {
                let l = line.trim_start();
                let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
                !l.starts_with('#')
                    && l.strip_prefix(var)
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
        })
        .map(|(path, _)| path.clone())
        .collect()
}

/// The proxy variables a program honours.
pub const PROXY_VARS: &[&str] = &[
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
];

/// Which facts a fix needs, so `fix list` stays quick.
fn needs(fix: &FixDef) -> (bool, bool) {
    let net = fix.id.starts_with("net.") && fix.id != "net.clear_proxy";
    let procs = net || matches!(fix.id, "system.sync_clock" | "system.restart_prompt");
    (net, procs)
}

/// Detect what `fix` needs on this machine.
pub async fn gather(fix: &FixDef, config: &Config) -> Facts {
    let mut facts = Facts {
        temp_max_age_days: config.fixes.temp_max_age_days,
        ..Facts::default()
    };
    let (net, procs) = needs(fix);
    if net && let Ok(state) = deskside_platform::collect::network_state().await {
        facts.interfaces = interfaces(&state, &config.vpn.interfaces);
        facts.default_route_interface = state
            .routes
            .iter()
            .find(|r| r.is_default() && r.destination.addr().is_ipv4())
            .and_then(|r| r.interface.clone());
    }
    if procs {
        #[cfg(target_os = "linux")]
        linux::processes(&mut facts);
    }
    match fix.id {
        "vpn.reconnect" => facts.vpn = configured_vpn(config),
        "net.clear_proxy" => proxy(&mut facts).await,
        "disk.clear_temp" => facts.temp_roots = temp_roots(config),
        "disk.empty_trash" => facts.trash_roots = trash_roots(),
        "print.clear_queue" => {
            detect_print(&mut facts, std::env::var("CUPS_SERVER").ok().as_deref());
        }
        _ => {}
    }
    facts
}

fn interfaces(state: &deskside_platform::NetworkState, vpn_patterns: &[String]) -> Vec<IfaceFact> {
    use deskside_platform::{InterfaceKind, LinkState};
    state
        .interfaces
        .iter()
        .map(|i| IfaceFact {
            name: i.name.clone(),
            up: i.state != LinkState::Down,
            carrier: matches!(i.state, LinkState::Up | LinkState::Unknown),
            has_ipv4: i.addresses.iter().any(|a| match a.addr {
                IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
                IpAddr::V6(_) => false,
            }),
            loopback: i.kind == InterfaceKind::Loopback,
            tunnel: i.is_vpn(vpn_patterns),
        })
        .collect()
}

/// The configured VPN client and connection, when both are set and valid.
#[must_use]
pub fn configured_vpn(config: &Config) -> Option<(VpnClient, ConnectionName)> {
    let client = VpnClient::parse(config.vpn.client.as_deref()?).ok()?;
    let conn = ConnectionName::parse(client, config.vpn.connection.as_deref()?).ok()?;
    Some((client, conn))
}

async fn proxy(facts: &mut Facts) {
    if cfg!(target_os = "linux") {
        let cmd = deskside_exec::Cmd::new("gsettings")
            .args(["get", "org.gnome.system.proxy", "mode"])
            .timeout(std::time::Duration::from_secs(5));
        if let Ok(out) = deskside_exec::run(&cmd).await
            && out.success()
        {
            facts.gnome_proxy = crate::plan::ProxyMode::parse(&out.stdout);
        }
    }
    let home = std::env::var("HOME").ok().filter(|h| h.starts_with('/'));
    let mut candidates: Vec<PathBuf> = ["/etc/environment", "/etc/profile", "/etc/bash.bashrc"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Ok(rd) = std::fs::read_dir("/etc/profile.d") {
        candidates.extend(rd.flatten().map(|e| e.path()));
    }
    if let Some(home) = &home {
        for f in [
            ".profile",
            ".bashrc",
            ".bash_profile",
            ".zshrc",
            ".zshenv",
            ".pam_environment",
        ] {
            candidates.push(Path::new(home).join(f));
        }
    }
    let files: Vec<(String, String)> = candidates
        .iter()
        .filter_map(|p| {
            let meta = std::fs::metadata(p).ok()?;
            if !meta.is_file() || meta.len() > 256 * 1024 {
                return None;
            }
            Some((p.display().to_string(), std::fs::read_to_string(p).ok()?))
        })
        .collect();
    for var in PROXY_VARS {
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            facts.env_proxies.push(EnvProxy {
                var: (*var).to_owned(),
                sources: proxy_sources(var, &files),
            });
        }
    }
}

/// Temp folders to clear: `disk.temp_paths`, else the OS temp dir and the user cache dir;
/// only those that exist.
#[must_use]
pub fn temp_roots(config: &Config) -> Vec<PathBuf> {
    let paths: Vec<PathBuf> = if config.disk.temp_paths.is_empty() {
        deskside_platform::temp::default_temp_paths()
    } else {
        config.disk.temp_paths.iter().map(PathBuf::from).collect()
    };
    paths.into_iter().filter(|p| p.is_dir()).collect()
}

/// The user's trash folders that exist and hold something: XDG `Trash/files` and
/// `Trash/info` on Linux, `~/.Trash` on macOS.
#[must_use]
pub fn trash_roots() -> Vec<PathBuf> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| v.starts_with('/'));
    let roots: Vec<PathBuf> = if cfg!(target_os = "macos") {
        env("HOME")
            .map(|h| vec![Path::new(&h).join(".Trash")])
            .unwrap_or_default()
    } else {
        let base = env("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".local/share")));
        base.map(|b| vec![b.join("Trash/files"), b.join("Trash/info")])
            .unwrap_or_default()
    };
    roots
        .into_iter()
        .filter(|p| std::fs::read_dir(p).is_ok_and(|mut rd| rd.next().is_some()))
        .collect()
}

/// The sign-in page from a `net.captive_portal` result's evidence, validated.
#[must_use]
pub fn portal_from_evidence(evidence: &serde_json::Value) -> Option<WebUrl> {
    evidence
        .get("probes")?
        .as_array()?
        .iter()
        .filter_map(|p| p.get("location")?.as_str())
        .find_map(|loc| WebUrl::parse(loc).ok())
}

/// Fill the print facts: the scheduler (from `cups_server_env`, `None` in the helper) and the
/// `cupsd` in our network namespace listening on its socket, with whether it is systemd's
/// `cups.service`.
pub fn detect_print(facts: &mut Facts, cups_server_env: Option<&str>) {
    facts.cups_server = print::resolve(cups_server_env).ok();
    facts.cupsd = None;
    facts.cups_systemd = false;
    #[cfg(target_os = "linux")]
    if let Some(print::CupsServer::Socket(path)) = &facts.cups_server {
        let inodes: std::collections::HashSet<u64> = std::fs::read_to_string("/proc/self/net/unix")
            .map(|t| print::unix_listeners(&t, path).into_iter().collect())
            .unwrap_or_default();
        if inodes.is_empty() {
            return;
        }
        let found = linux::same_netns_processes()
            .into_iter()
            .find(|p| p.comm == "cupsd" && linux::holds_socket(p.pid, &inodes));
        if let Some(p) = found {
            facts.cups_systemd = std::fs::read_to_string(format!("/proc/{}/cgroup", p.pid))
                .ok()
                .and_then(|c| print::systemd_unit(&c))
                .is_some_and(|u| u == "cups.service");
            facts.cupsd = Some(crate::plan::ProcFact {
                pid: p.pid,
                name: "cupsd".to_owned(),
            });
        }
    }
}

/// Linux: processes in our network namespace.
#[cfg(target_os = "linux")]
pub(crate) mod linux {
    use std::collections::HashSet;
    use std::path::Path;

    use super::{dhcp_interface, dhcp_kind, is_loopback_dns, parse_proc_net_udp};
    use crate::plan::{DhcpClient, Facts, ProcFact};

    /// The target of `/proc/<pid>/ns/net` (`net:[4026531840]`).
    fn netns(pid: &str) -> Option<std::path::PathBuf> {
        std::fs::read_link(Path::new("/proc").join(pid).join("ns/net")).ok()
    }

    /// A process in our own network namespace.
    #[derive(Debug)]
    pub(crate) struct Proc {
        pub(crate) pid: u32,
        pub(crate) comm: String,
        pub(crate) argv: Vec<String>,
    }

    /// Every process whose network namespace is ours (unreadable ones are left out).
    pub(crate) fn same_netns_processes() -> Vec<Proc> {
        let Some(own) = netns("self") else {
            return Vec::new();
        };
        let Ok(rd) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        rd.flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let pid: u32 = name.parse().ok()?;
                if netns(&name)? != own {
                    return None;
                }
                let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
                let argv = std::fs::read(e.path().join("cmdline"))
                    .map(|raw| {
                        raw.split(|b| *b == 0)
                            .filter(|a| !a.is_empty())
                            .map(|a| String::from_utf8_lossy(a).into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
                Some(Proc {
                    pid,
                    comm: comm.trim_end().to_owned(),
                    argv,
                })
            })
            .collect()
    }

    /// The name a process goes by: `comm`, or the base name of `argv[0]` (BusyBox applets).
    fn names(p: &Proc) -> [String; 2] {
        let argv0 = p
            .argv
            .first()
            .and_then(|a| Path::new(a).file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        [p.comm.clone(), argv0]
    }

    fn is(p: &Proc, name: &str) -> bool {
        names(p).iter().any(|n| n == name)
    }

    /// Inodes of the UDP sockets bound to loopback port 53 in our namespace.
    fn stub_inodes() -> HashSet<u64> {
        ["/proc/self/net/udp", "/proc/self/net/udp6"]
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .flat_map(|t| parse_proc_net_udp(&t))
            .filter(|s| is_loopback_dns(s.local))
            .map(|s| s.inode)
            .collect()
    }

    /// Whether `pid` has an open file descriptor on one of these socket inodes.
    pub(crate) fn holds_socket(pid: u32, inodes: &HashSet<u64>) -> bool {
        let Ok(rd) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        rd.flatten().any(|fd| {
            std::fs::read_link(fd.path()).ok().is_some_and(|t| {
                t.to_str()
                    .and_then(|s| s.strip_prefix("socket:["))
                    .and_then(|s| s.strip_suffix(']'))
                    .and_then(|n| n.parse::<u64>().ok())
                    .is_some_and(|n| inodes.contains(&n))
            })
        })
    }

    /// Fill the process facts from our namespace.
    pub(crate) fn processes(facts: &mut Facts) {
        let procs = same_netns_processes();
        let stubs = stub_inodes();
        for p in &procs {
            facts.network_manager |= is(p, "NetworkManager");
            // comm is cut at 15 characters.
            facts.networkd |= is(p, "systemd-network") || is(p, "systemd-networkd");
            facts.resolved |= is(p, "systemd-resolve") || is(p, "systemd-resolved");
            facts.nscd |= is(p, "nscd");
            facts.chronyd |= is(p, "chronyd");
            facts.timesyncd |= is(p, "systemd-timesyn") || is(p, "systemd-timesyncd");
            facts.logind |= is(p, "systemd-logind");
            if is(p, "dnsmasq") && !stubs.is_empty() && holds_socket(p.pid, &stubs) {
                facts.dns_stubs.push(ProcFact {
                    pid: p.pid,
                    name: "dnsmasq".to_owned(),
                });
            }
            if let Some(kind) = names(p).iter().find_map(|n| dhcp_kind(n)) {
                facts.dhcp_clients.push(DhcpClient {
                    kind,
                    pid: p.pid,
                    interface: dhcp_interface(kind, &p.argv),
                });
            }
        }
    }

    /// Whether `pid` still runs in our namespace under `name` (rechecked right before a
    /// signal, so a recycled pid is never signalled).
    pub(crate) fn still_ours(pid: u32, name: &str) -> bool {
        let Some(own) = netns("self") else {
            return false;
        };
        let p = pid.to_string();
        if netns(&p).is_none_or(|ns| ns != own) {
            return false;
        }
        same_netns_processes()
            .iter()
            .any(|q| q.pid == pid && is(q, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_fixture as fixture;

    #[test]
    fn proc_net_udp_finds_the_loopback_stubs() {
        let v4 = parse_proc_net_udp(&fixture("proc-net-udp.txt"));
        assert_eq!(v4.len(), 4);
        assert_eq!(v4[0].local, "127.0.0.1:53".parse().unwrap());
        assert_eq!(v4[0].inode, 41873);
        assert_eq!(v4[2].local, "127.0.0.53:53".parse().unwrap());
        assert_eq!(v4[3].local, "198.51.100.10:53".parse().unwrap());
        let stubs: Vec<u64> = v4
            .iter()
            .filter(|s| is_loopback_dns(s.local))
            .map(|s| s.inode)
            .collect();
        assert_eq!(stubs, [41873, 41950]);
        let v6 = parse_proc_net_udp(&fixture("proc-net-udp6.txt"));
        assert_eq!(v6[0].local, "[::1]:53".parse().unwrap());
        assert!(is_loopback_dns(v6[0].local));
        assert!(!is_loopback_dns(v6[1].local));
        assert!(parse_proc_net_udp("header\ngarbage line\n").is_empty());
    }

    #[test]
    fn dhcp_client_interfaces_from_command_lines() {
        let argv = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            dhcp_interface(DhcpKind::Udhcpc, &argv("udhcpc -f -i eth0 -s /lab/script")),
            Some("eth0".into())
        );
        assert_eq!(
            dhcp_interface(DhcpKind::Udhcpc, &argv("udhcpc --interface=wlan0")),
            Some("wlan0".into())
        );
        assert_eq!(
            dhcp_interface(DhcpKind::Udhcpc, &argv("udhcpc -ieth1 -f")),
            Some("eth1".into())
        );
        assert_eq!(dhcp_interface(DhcpKind::Udhcpc, &argv("udhcpc -f")), None);
        assert_eq!(
            dhcp_interface(
                DhcpKind::Dhclient,
                &argv("/sbin/dhclient -4 -v -pf /run/dhclient.eth0.pid -lf /var/lib/dhcp/x eth0")
            ),
            Some("eth0".into())
        );
        assert_eq!(
            dhcp_interface(DhcpKind::Dhcpcd, &argv("dhcpcd -q -b")),
            None
        );
        assert_eq!(
            dhcp_interface(DhcpKind::Dhcpcd, &argv("dhcpcd -q enp3s0")),
            Some("enp3s0".into())
        );
    }

    #[test]
    fn proxy_sources_names_the_files_that_set_it() {
        let files = vec![
            (
                "/etc/environment".to_owned(),
                "PATH=/bin\nhttp_proxy=http://p:3128\n".to_owned(),
            ),
            (
                "/home/u/.bashrc".to_owned(),
                "# http_proxy=old\nexport  http_proxy = x\n".to_owned(),
            ),
            (
                "/home/u/.profile".to_owned(),
                "export https_proxy=y\n".to_owned(),
            ),
        ];
        assert_eq!(
            proxy_sources("http_proxy", &files),
            ["/etc/environment", "/home/u/.bashrc"]
        );
        assert_eq!(proxy_sources("https_proxy", &files), ["/home/u/.profile"]);
        assert!(proxy_sources("all_proxy", &files).is_empty());
    }

    #[test]
    fn portal_url_comes_from_the_probe_location_and_is_validated() {
        let ev = serde_json::json!({"probes": [
            {"url": "http://probe/", "location": null},
            {"url": "http://probe2/", "location": "javascript:alert(1)"},
            {"url": "http://probe3/", "location": "http://portal.lab.test:8080/login"},
        ]});
        assert_eq!(
            portal_from_evidence(&ev).unwrap().as_str(),
            "http://portal.lab.test:8080/login"
        );
        assert!(portal_from_evidence(&serde_json::json!({})).is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_process_is_in_our_namespace_and_pid_1_checks_hold() {
        let me = std::process::id();
        let procs = linux::same_netns_processes();
        assert!(procs.iter().any(|p| p.pid == me));
        assert!(!linux::still_ours(me, "no-such-name"));
    }
}
