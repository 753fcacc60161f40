//! The live Linux reader: `/proc`, `/sys`, `getifaddrs`, `statvfs`, and — only when
//! needed — `resolvectl` and `gsettings` through [`deskside_exec`]. Everything it reads is
//! handed to the pure parsers of this module's siblings.
//!
//! It reads the paths that follow the caller's namespaces: `/proc/net/*` (the network
//! namespace of the reading thread), `/sys/class/net` (remounted by `ip netns exec`),
//! `/etc/resolv.conf` (bind-mounted from `/etc/netns/NAME/` by `ip netns exec`),
//! `/proc/self/mountinfo` and `/proc/uptime` (time namespace). Failures never abort a
//! reading: the part is left empty and a note says why.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use deskside_exec::{Cmd, ExecError};
use nix::ifaddrs::getifaddrs;

use super::{
    mountinfo, net_class, os_release, power_supply, proc_route, proxy, resolv_conf, resolvectl,
};
use crate::model::{
    Battery, DnsConfig, Hardware, Interface, InterfaceAddress, NetworkState, OsInfo, ProxyConfig,
    Volume,
};

const RESOLVECTL_TIMEOUT: Duration = Duration::from_secs(1);
const GSETTINGS_TIMEOUT: Duration = Duration::from_millis(500);
const RESOLVED_UPSTREAM_FILE: &str = "/run/systemd/resolve/resolv.conf";

fn read(path: impl AsRef<Path>) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

fn read_trimmed(path: impl AsRef<Path>) -> Option<String> {
    read(path).ok().map(|s| s.trim().to_owned())
}

/// Interfaces, routes, DNS and proxy of the current network namespace, with notes on any
/// part that could not be read. No process runs unless resolv.conf points at the
/// systemd-resolved stub (`resolvectl`, 1 s) or a session bus is set (`gsettings`, 500 ms).
pub async fn network_state() -> (NetworkState, Vec<String>) {
    let mut notes = Vec::new();
    let interfaces = interfaces(&mut notes);
    let routes = routes(&mut notes);
    let (dns, proxy) = tokio::join!(dns(), proxy());
    let (dns, dns_notes) = dns;
    let (proxy, proxy_notes) = proxy;
    notes.extend(dns_notes);
    notes.extend(proxy_notes);
    (
        NetworkState {
            interfaces,
            routes,
            dns,
            proxy,
        },
        notes,
    )
}

#[derive(Default)]
struct Seen {
    addresses: Vec<InterfaceAddress>,
    mac: Option<String>,
}

/// Every interface: names, addresses and MACs from `getifaddrs` (netlink, so always the
/// current namespace), kind/state/MTU from `/sys/class/net/<name>`. Sorted by ifindex.
pub fn interfaces(notes: &mut Vec<String>) -> Vec<Interface> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashMap<String, Seen> = HashMap::new();
    match getifaddrs() {
        Ok(addrs) => {
            for ifa in addrs {
                if !seen.contains_key(&ifa.interface_name) {
                    order.push(ifa.interface_name.clone());
                }
                let entry = seen.entry(ifa.interface_name.clone()).or_default();
                let Some(address) = ifa.address else { continue };
                if let Some(link) = address.as_link_addr() {
                    entry.mac = link
                        .addr()
                        .filter(|m| m.iter().any(|b| *b != 0))
                        .map(format_mac);
                } else if let Some(v4) = address.as_sockaddr_in() {
                    let prefix_len = ifa
                        .netmask
                        .as_ref()
                        .and_then(|m| m.as_sockaddr_in())
                        .and_then(|m| u8::try_from(u32::from(m.ip()).count_ones()).ok());
                    entry.addresses.push(InterfaceAddress {
                        addr: IpAddr::V4(v4.ip()),
                        prefix_len,
                    });
                } else if let Some(v6) = address.as_sockaddr_in6() {
                    let prefix_len = ifa
                        .netmask
                        .as_ref()
                        .and_then(|m| m.as_sockaddr_in6())
                        .and_then(|m| u8::try_from(u128::from(m.ip()).count_ones()).ok());
                    entry.addresses.push(InterfaceAddress {
                        addr: IpAddr::V6(v6.ip()),
                        prefix_len,
                    });
                }
            }
        }
        Err(err) => notes.push(format!(
            "interface addresses unavailable (getifaddrs: {err})"
        )),
    }
    match std::fs::read_dir("/sys/class/net") {
        Ok(dir) => {
            for entry in dir.flatten() {
                if let Some(name) = entry.file_name().to_str()
                    && !seen.contains_key(name)
                {
                    order.push(name.to_owned());
                    seen.insert(name.to_owned(), Seen::default());
                }
            }
        }
        Err(err) => notes.push(format!("/sys/class/net unreadable: {err}")),
    }
    let mut out: Vec<(u32, Interface)> = order
        .into_iter()
        .map(|name| {
            let base = PathBuf::from("/sys/class/net").join(&name);
            let facts = link_facts(&name, &base);
            let found = seen.remove(&name).unwrap_or_default();
            let ifindex = read_trimmed(base.join("ifindex"))
                .and_then(|s| s.parse().ok())
                .unwrap_or(u32::MAX);
            let mac = found.mac.or_else(|| {
                read_trimmed(base.join("address"))
                    .filter(|m| m.len() == 17 && m.chars().any(|c| c != '0' && c != ':'))
                    .map(|m| m.to_ascii_lowercase())
            });
            let interface = Interface {
                kind: net_class::classify_kind(&facts),
                state: net_class::classify_state(&facts),
                mtu: facts.mtu,
                name,
                description: None,
                mac,
                dhcp: None,
                addresses: found.addresses,
            };
            (ifindex, interface)
        })
        .collect();
    out.sort_by_key(|(index, _)| *index);
    out.into_iter().map(|(_, i)| i).collect()
}

fn format_mac(bytes: [u8; 6]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn link_facts(name: &str, base: &Path) -> net_class::LinkFacts {
    let uevent = read(base.join("uevent")).unwrap_or_default();
    let devtype = uevent
        .lines()
        .find_map(|l| l.strip_prefix("DEVTYPE="))
        .map(str::trim);
    net_class::LinkFacts {
        name: name.to_owned(),
        link_type: read_trimmed(base.join("type")).and_then(|s| s.parse().ok()),
        flags: read_trimmed(base.join("flags")).and_then(|s| net_class::LinkFacts::parse_flags(&s)),
        operstate: read_trimmed(base.join("operstate")),
        carrier: read_trimmed(base.join("carrier")).map(|s| s == "1"),
        mtu: read_trimmed(base.join("mtu")).and_then(|s| s.parse().ok()),
        tun: base.join("tun_flags").exists(),
        bridge: base.join("bridge").is_dir(),
        wireless: base.join("wireless").exists()
            || base.join("phy80211").exists()
            || devtype == Some("wlan"),
        wwan: devtype == Some("wwan"),
        virtual_device: std::fs::read_link(base)
            .is_ok_and(|target| target.to_string_lossy().contains("devices/virtual/")),
    }
}

/// IPv4 and IPv6 routes of the current network namespace.
pub fn routes(notes: &mut Vec<String>) -> Vec<crate::model::Route> {
    let mut routes = match read("/proc/net/route") {
        Ok(text) => proc_route::parse_proc_net_route(&text),
        Err(err) => {
            notes.push(format!("IPv4 routes unreadable (/proc/net/route: {err})"));
            Vec::new()
        }
    };
    // Absent when IPv6 is disabled: not worth a note.
    if let Ok(text) = read("/proc/net/ipv6_route") {
        routes.extend(proc_route::parse_proc_net_ipv6_route(&text));
    }
    routes
}

/// resolv.conf, plus the systemd-resolved upstream servers and split-DNS scopes when it
/// points at the stub.
pub async fn dns() -> (DnsConfig, Vec<String>) {
    let mut notes = Vec::new();
    let mut dns = match read("/etc/resolv.conf") {
        Ok(text) => resolv_conf::parse_resolv_conf(&text),
        Err(err) => {
            notes.push(format!("/etc/resolv.conf unreadable: {err}"));
            return (
                DnsConfig {
                    source: resolv_conf::SOURCE.to_owned(),
                    ..DnsConfig::default()
                },
                notes,
            );
        }
    };
    if !resolv_conf::is_resolved_stub(&dns.servers) {
        return (dns, notes);
    }
    let cmd = Cmd::new("resolvectl")
        .args(["status", "--no-pager"])
        .env("LC_ALL", "C")
        .env("SYSTEMD_COLORS", "0")
        .timeout(RESOLVECTL_TIMEOUT);
    match deskside_exec::run(&cmd).await {
        Ok(out) if out.success() => {
            let status = resolvectl::parse_resolvectl_status(&out.stdout);
            dns.upstream_servers = status.upstream_servers();
            dns.scopes = status.scopes();
            dns.source = format!("{} + resolvectl", resolv_conf::SOURCE);
        }
        Ok(out) => notes.push(format!(
            "resolvectl status exited with {:?}: {}",
            out.code,
            out.stderr.trim()
        )),
        Err(err) => notes.push(format!("resolvectl status: {err}")),
    }
    if dns.upstream_servers.is_empty()
        && let Ok(text) = read(RESOLVED_UPSTREAM_FILE)
    {
        let upstream = resolv_conf::parse_resolv_conf(&text);
        dns.upstream_servers = upstream.servers;
        dns.source = format!("{} + {RESOLVED_UPSTREAM_FILE}", resolv_conf::SOURCE);
    }
    (dns, notes)
}

/// Proxy from gsettings when GNOME has one configured (what browsers use), else from the
/// environment.
pub async fn proxy() -> (ProxyConfig, Vec<String>) {
    let mut notes = Vec::new();
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let from_env = proxy::proxy_from_env(&vars);
    let has_session_bus = vars
        .iter()
        .any(|(k, v)| k == "DBUS_SESSION_BUS_ADDRESS" && !v.is_empty());
    if !has_session_bus {
        return (from_env, notes);
    }
    let cmd = Cmd::new("gsettings")
        .args(["list-recursively", "org.gnome.system.proxy"])
        .env("LC_ALL", "C")
        .timeout(GSETTINGS_TIMEOUT);
    let from_gsettings = match deskside_exec::run(&cmd).await {
        Ok(out) if out.success() => Some(proxy::parse_gsettings_proxy(&out.stdout)),
        // No GNOME schema (KDE, a server): nothing to say.
        Ok(_) | Err(ExecError::NotFound { .. }) => None,
        Err(err) => {
            notes.push(format!("gsettings proxy settings: {err}"));
            None
        }
    };
    let chosen = match from_gsettings {
        Some(g) if g.is_configured() => g,
        _ if from_env.is_configured() => from_env,
        Some(g) => g,
        None => from_env,
    };
    (chosen, notes)
}

/// Volumes: for each of `paths`, the mount holding it (any file system, so `/tmp` on tmpfs
/// works when asked for); with no paths, every real local volume.
pub fn volumes(paths: &[String]) -> (Vec<Volume>, Vec<String>) {
    let mut notes = Vec::new();
    let entries = match read("/proc/self/mountinfo") {
        Ok(text) => mountinfo::parse_mountinfo(&text),
        Err(err) => {
            notes.push(format!("/proc/self/mountinfo unreadable: {err}"));
            Vec::new()
        }
    };
    let chosen: Vec<(&mountinfo::MountEntry, PathBuf)> = if paths.is_empty() {
        mountinfo::real_local_mounts(&entries)
            .into_iter()
            .map(|e| (e, PathBuf::from(&e.mount_point)))
            .collect()
    } else {
        let mut chosen: Vec<(&mountinfo::MountEntry, PathBuf)> = Vec::new();
        for path in paths {
            let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
            match mount_of(&entries, &resolved.to_string_lossy()) {
                Some(entry) if !chosen.iter().any(|(c, _)| c.id == entry.id) => {
                    chosen.push((entry, resolved))
                }
                Some(_) => {}
                None => notes.push(format!("no mount found for {path}")),
            }
        }
        chosen
    };
    let volumes = chosen
        .into_iter()
        .filter_map(|(entry, path)| match nix::sys::statvfs::statvfs(&path) {
            Ok(st) => Some(volume(entry, &st)),
            Err(err) => {
                notes.push(format!("statvfs {}: {err}", path.display()));
                None
            }
        })
        .collect();
    (volumes, notes)
}

/// The mount whose mount point is the longest ancestor of `path`; the last such mount where
/// one is mounted over another.
fn mount_of<'a>(
    entries: &'a [mountinfo::MountEntry],
    path: &str,
) -> Option<&'a mountinfo::MountEntry> {
    entries
        .iter()
        .filter(|e| {
            let mp = e.mount_point.trim_end_matches('/');
            mp.is_empty()
                || path == mp
                || path
                    .strip_prefix(mp)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .fold(None, |best: Option<&mountinfo::MountEntry>, e| match best {
            Some(b) if b.mount_point.len() > e.mount_point.len() => Some(b),
            _ => Some(e),
        })
}

fn volume(entry: &mountinfo::MountEntry, st: &nix::sys::statvfs::Statvfs) -> Volume {
    let frag = widen(st.fragment_size());
    let files = widen(st.files());
    Volume {
        mount_point: entry.mount_point.clone(),
        device: entry.source.clone(),
        fs_type: entry.fs_type.clone(),
        total_bytes: widen(st.blocks()).saturating_mul(frag),
        available_bytes: widen(st.blocks_available()).saturating_mul(frag),
        // btrfs and others report 0: no fixed inode table.
        total_inodes: (files > 0).then_some(files),
        free_inodes: (files > 0).then(|| widen(st.files_free())),
        read_only: entry.read_only() || st.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY),
    }
}

/// `statvfs` field widths vary by target (`c_ulong`, `fsblkcnt_t`); all fit in `u64`.
fn widen<T: Into<u64>>(value: T) -> u64 {
    value.into()
}

/// Time since boot from `/proc/uptime` (follows the time namespace).
pub fn uptime() -> Option<Duration> {
    read("/proc/uptime")
        .ok()
        .and_then(|t| super::uptime::parse_proc_uptime(&t))
}

/// Distribution and kernel release.
pub fn os_info() -> Option<OsInfo> {
    let text = read("/etc/os-release")
        .or_else(|_| read("/usr/lib/os-release"))
        .ok()?;
    let kernel = read("/proc/sys/kernel/osrelease").ok();
    Some(os_release::parse_os_release(&text, kernel.as_deref()))
}

/// Vendor, model and serial from `/sys/class/dmi/id` (the serial is root-only on most
/// distributions, so usually `None`).
pub fn hardware() -> Hardware {
    let dmi = |file: &str| {
        read_trimmed(Path::new("/sys/class/dmi/id").join(file)).filter(|v| !is_dmi_placeholder(v))
    };
    let vendor = dmi("sys_vendor");
    let name = dmi("product_name");
    // Lenovo puts the machine type in product_name and the marketing name in product_version.
    let model = match (vendor.as_deref(), name, dmi("product_version")) {
        (Some("LENOVO"), Some(name), Some(version)) => Some(format!("{version} ({name})")),
        (_, name, _) => name,
    };
    Hardware {
        vendor,
        model,
        serial: dmi("product_serial"),
    }
}

fn is_dmi_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    v.is_empty()
        || v == "default string"
        || v == "system product name"
        || v == "system manufacturer"
        || v == "not specified"
        || v == "none"
        || v.starts_with("to be filled by o.e.m")
        || v.chars().all(|c| c == '0' || c == ' ')
}

/// The first system battery in `/sys/class/power_supply` (by name: `BAT0` before `BAT1`).
pub fn battery() -> Option<Battery> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/sys/class/power_supply")
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.iter().find_map(|d| {
        read(d.join("uevent"))
            .ok()
            .and_then(|t| power_supply::parse_power_supply_uevent(&t))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InterfaceKind, LinkState};

    #[tokio::test]
    async fn this_machine_has_loopback_up_with_its_address() {
        let (state, notes) = network_state().await;
        let lo = state
            .interface("lo")
            .unwrap_or_else(|| panic!("no lo in {state:?}, notes {notes:?}"));
        assert_eq!(lo.kind, InterfaceKind::Loopback);
        assert_eq!(lo.state, LinkState::Up);
        assert_eq!(lo.mac, None);
        assert!(
            lo.addresses
                .iter()
                .any(|a| a.addr == IpAddr::from([127, 0, 0, 1]) && a.prefix_len == Some(8))
        );
        assert!(!state.dns.source.is_empty());
    }

    #[test]
    fn every_volume_and_an_explicit_tmpfs() {
        let (all, notes) = volumes(&[]);
        assert!(
            all.iter().any(|v| v.mount_point == "/"),
            "{all:?} {notes:?}"
        );
        assert!(
            all.iter()
                .all(|v| v.fs_type != "proc" && v.fs_type != "tmpfs")
        );
        let (shm, _) = volumes(&["/dev/shm".to_owned(), "/dev/shm/".to_owned()]);
        assert_eq!(shm.len(), 1, "{shm:?}");
        assert_eq!(shm[0].fs_type, "tmpfs");
        let (missing, notes) = volumes(&["relative/nowhere".to_owned()]);
        assert!(missing.is_empty());
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn uptime_and_os() {
        assert!(uptime().is_some());
        assert!(os_info().is_some_and(|o| o.build.is_some()));
    }
}
