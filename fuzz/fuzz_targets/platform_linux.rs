//! Every Linux parser of `deskside-platform` on the same text: `/proc` and `/sys` files,
//! `resolv.conf`, `resolvectl status`, `os-release`, `gsettings` proxy output, proxy URLs from
//! the environment. None may panic; results are walked so lazy paths run too.
#![no_main]

use deskside_platform::linux::{self, LinkFacts, proxy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    let mounts = linux::parse_mountinfo(text);
    for m in &mounts {
        let _ = m.read_only();
        let _ = linux::is_real_local_volume(m);
    }
    let _ = linux::real_local_mounts(&mounts);

    let dns = linux::parse_resolv_conf(text);
    let _ = linux::is_resolved_stub(&dns.servers);
    let status = linux::parse_resolvectl_status(text);
    for link in &status.sections {
        let _ = link.serves_unclaimed_names();
    }
    let _ = status.upstream_servers();
    let _ = status.scopes();

    let _ = linux::parse_proc_uptime(text);
    let first_line = text.lines().next();
    let _ = linux::parse_os_release(text, first_line);
    let _ = linux::parse_proc_net_route(text);
    let _ = linux::parse_proc_net_ipv6_route(text);
    let _ = linux::parse_power_supply_uevent(text);
    let _ = linux::parse_gsettings_proxy(text);

    // Environment variables as `NAME=value` lines; each value also as a proxy URL.
    let vars: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let _ = linux::proxy_from_env(&vars);
    for (_, value) in &vars {
        let _ = proxy::parse_proxy_url(value);
    }

    // `/sys/class/net/<if>/` attributes, one per line.
    let mut lines = text.lines();
    let facts = LinkFacts {
        name: lines.next().unwrap_or_default().to_owned(),
        link_type: lines.next().and_then(|l| l.trim().parse().ok()),
        flags: lines.next().and_then(LinkFacts::parse_flags),
        operstate: lines.next().map(str::to_owned),
        carrier: lines.next().map(|l| l.trim() == "1"),
        mtu: lines.next().and_then(|l| l.trim().parse().ok()),
        tun: data.first().is_some_and(|b| b & 1 != 0),
        bridge: data.first().is_some_and(|b| b & 2 != 0),
        wireless: data.first().is_some_and(|b| b & 4 != 0),
        wwan: data.first().is_some_and(|b| b & 8 != 0),
        virtual_device: data.first().is_some_and(|b| b & 16 != 0),
    };
    let _ = linux::classify_kind(&facts);
    let _ = linux::classify_state(&facts);
});
