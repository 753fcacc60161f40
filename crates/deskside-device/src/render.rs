//! The plain-text form of a [`DeviceSnapshot`]: what `desksidectl info` prints and what
//! "copy device info" puts on the clipboard for a support chat. Stable section order, no
//! colour, no secrets (the snapshot holds none).

use std::fmt::Write as _;

use deskside_platform::{InterfaceKind, LinkState, ProxyEndpoint};

use crate::DeviceSnapshot;

/// A readable multi-line summary in sections: Device, OS, Hardware, CPU/Memory, Disks,
/// Network (addresses, gateways, DNS, proxy), VPN, Battery, then Notes if any.
#[must_use]
pub fn render_text(s: &DeviceSnapshot) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored on purpose.
    let w = &mut out;

    section(w, "Device");
    field(w, "Hostname", or_unknown(Some(s.hostname.as_str())));
    field(w, "User", or_unknown(s.user.as_deref()));
    field(
        w,
        "Uptime",
        &s.uptime_s
            .map_or_else(|| "unknown".to_owned(), format_uptime),
    );
    field(w, "Collected", &collected(s));

    section(w, "OS");
    field(w, "Name", or_unknown(Some(s.os.name.as_str())));
    field(w, "Version", or_unknown(s.os.version.as_deref()));
    field(w, "Build", or_unknown(s.os.build.as_deref()));

    section(w, "Hardware");
    field(w, "Vendor", or_unknown(s.hardware.vendor.as_deref()));
    field(w, "Model", or_unknown(s.hardware.model.as_deref()));
    field(
        w,
        "Serial",
        s.hardware.serial.as_deref().unwrap_or("not readable"),
    );

    section(w, "CPU/Memory");
    let mut cpu = or_unknown(s.cpu.brand.as_deref()).to_owned();
    let counts: Vec<String> = [(s.cpu.cores, "cores"), (s.cpu.threads, "threads")]
        .iter()
        .filter_map(|(n, what)| n.map(|n| format!("{n} {what}")))
        .collect();
    if !counts.is_empty() {
        let _ = write!(cpu, " ({})", counts.join(", "));
    }
    field(w, "CPU", &cpu);
    let memory = match (s.memory.total_bytes, s.memory.available_bytes) {
        (Some(total), Some(avail)) => format!("{} total, {} available", bytes(total), bytes(avail)),
        (Some(total), None) => format!("{} total", bytes(total)),
        _ => "unknown".to_owned(),
    };
    field(w, "Memory", &memory);

    section(w, "Disks");
    if s.volumes.is_empty() {
        line(w, "none found");
    }
    for v in &s.volumes {
        let free_pct = percent(v.available_bytes, v.total_bytes);
        let mut text = format!(
            "{}  {} free of {}{}  ({} on {})",
            v.mount_point,
            bytes(v.available_bytes),
            bytes(v.total_bytes),
            free_pct
                .map(|p| format!(" ({p}% free)"))
                .unwrap_or_default(),
            v.fs_type,
            v.device
        );
        if v.read_only {
            text.push_str("  read-only");
        }
        line(w, &text);
    }

    section(w, "Network");
    let net = &s.network;
    for i in net
        .interfaces
        .iter()
        .filter(|i| i.kind != InterfaceKind::Loopback)
    {
        let mut head = format!("{} ({}, {})", i.name, kind(i.kind), state(i.state));
        if let Some(desc) = &i.description {
            let _ = write!(head, " {desc}");
        }
        if let Some(mac) = &i.mac {
            let _ = write!(head, "  MAC {mac}");
        }
        if let Some(mtu) = i.mtu {
            let _ = write!(head, "  MTU {mtu}");
        }
        line(w, &head);
        for a in &i.addresses {
            let prefix = a.prefix_len.map(|p| format!("/{p}")).unwrap_or_default();
            line(w, &format!("    {}{prefix}", a.addr));
        }
    }
    let gateways: Vec<String> = net
        .default_routes()
        .iter()
        .map(|r| {
            let via = r
                .gateway
                .map_or_else(|| "on-link".to_owned(), |g| g.to_string());
            let dev = r
                .interface
                .as_deref()
                .map(|d| format!(" dev {d}"))
                .unwrap_or_default();
            let metric = r.metric.map(|m| format!(" metric {m}")).unwrap_or_default();
            format!("{via}{dev}{metric}")
        })
        .collect();
    field(w, "Default gateway", &list_or(&gateways, "none"));
    let dns = &net.dns;
    field(w, "DNS servers", &list_or(&dns.servers, "none"));
    if !dns.upstream_servers.is_empty() {
        field(w, "Upstream DNS", &list_or(&dns.upstream_servers, "none"));
    }
    if !dns.search_domains.is_empty() {
        field(w, "Search domains", &dns.search_domains.join(", "));
    }
    for scope in dns.scopes.iter().filter(|sc| sc.interface.is_some()) {
        let on = scope.interface.as_deref().unwrap_or_default();
        field(
            w,
            "Split DNS",
            &format!(
                "{} -> {} ({on})",
                scope.domains.join(", "),
                list_or(&scope.servers, "none")
            ),
        );
    }
    if !dns.source.is_empty() {
        field(w, "DNS source", &dns.source);
    }
    field(w, "Proxy", &proxy(s));

    section(w, "VPN");
    if s.vpn_interfaces.is_empty() {
        line(w, "none detected");
    }
    for name in &s.vpn_interfaces {
        let Some(i) = net.interface(name) else {
            line(w, name);
            continue;
        };
        let addrs: Vec<String> = i.addresses.iter().map(|a| a.addr.to_string()).collect();
        line(
            w,
            &format!(
                "{} ({})  {}",
                name,
                state(i.state),
                list_or(&addrs, "no address")
            ),
        );
    }

    section(w, "Battery");
    match &s.battery {
        None => line(w, "none"),
        Some(b) => {
            let mut text = b
                .percent
                .map_or_else(|| "charge unknown".to_owned(), |p| format!("{p:.0}%"));
            let _ = write!(text, ", {}", b.state.replace('_', " "));
            if let Some(h) = b.health_percent {
                let _ = write!(text, ", health {h:.0}%");
            }
            if let Some(c) = b.cycle_count {
                let _ = write!(text, ", {c} cycles");
            }
            line(w, &text);
        }
    }

    if !s.notes.is_empty() {
        section(w, "Notes");
        for n in &s.notes {
            line(w, &format!("- {n}"));
        }
    }
    out
}

fn section(w: &mut String, title: &str) {
    if !w.is_empty() {
        w.push('\n');
    }
    w.push_str(title);
    w.push('\n');
}

fn field(w: &mut String, label: &str, value: &str) {
    let _ = writeln!(w, "  {:<18}{value}", format!("{label}:"));
}

fn line(w: &mut String, text: &str) {
    let _ = writeln!(w, "  {text}");
}

fn or_unknown(value: Option<&str>) -> &str {
    value.filter(|v| !v.trim().is_empty()).unwrap_or("unknown")
}

fn list_or<T: ToString>(items: &[T], empty: &str) -> String {
    if items.is_empty() {
        empty.to_owned()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn collected(s: &DeviceSnapshot) -> String {
    let at = s
        .collected_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| s.collected_at.to_string());
    format!("{at} (in {} ms)", s.duration_ms)
}

fn format_uptime(secs: u64) -> String {
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (days, hours) {
        (0, 0) => format!("{mins} min"),
        (0, _) => format!("{hours} h {mins} min"),
        _ => format!("{days} d {hours} h {mins} min"),
    }
}

/// Binary units with one decimal: `476.9 GiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut unit = 0;
    let mut whole = n;
    let mut tenths = 0;
    while whole >= 1024 && unit + 1 < UNITS.len() {
        tenths = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("B");
    if unit == 0 {
        format!("{whole} {name}")
    } else {
        format!("{whole}.{tenths} {name}")
    }
}

fn percent(part: u64, total: u64) -> Option<u64> {
    (total > 0).then(|| u64::try_from(u128::from(part) * 100 / u128::from(total)).unwrap_or(100))
}

fn kind(k: InterfaceKind) -> &'static str {
    match k {
        InterfaceKind::Loopback => "loopback",
        InterfaceKind::Ethernet => "ethernet",
        InterfaceKind::Wireless => "wi-fi",
        InterfaceKind::Tunnel => "tunnel",
        InterfaceKind::Bridge => "bridge",
        InterfaceKind::Virtual => "virtual",
        InterfaceKind::Cellular => "cellular",
        InterfaceKind::Other => "other",
    }
}

fn state(s: LinkState) -> &'static str {
    match s {
        LinkState::Up => "up",
        LinkState::Down => "down",
        LinkState::NoCarrier => "no carrier",
        LinkState::Unknown => "state unknown",
    }
}

fn endpoint(e: &ProxyEndpoint) -> String {
    if e.host.contains(':') {
        format!("[{}]:{}", e.host, e.port)
    } else {
        format!("{}:{}", e.host, e.port)
    }
}

fn proxy(s: &DeviceSnapshot) -> String {
    let p = &s.network.proxy;
    if !p.is_configured() {
        return "none".to_owned();
    }
    let mut parts = Vec::new();
    for (label, e) in [("http", &p.http), ("https", &p.https), ("socks", &p.socks)] {
        if let Some(e) = e {
            parts.push(format!("{label} {}", endpoint(e)));
        }
    }
    if let Some(pac) = &p.pac_url {
        parts.push(format!("PAC {pac}"));
    }
    if p.auto_detect {
        parts.push("auto-detect (WPAD)".to_owned());
    }
    let mut text = parts.join(", ");
    if !p.bypass.is_empty() {
        let _ = write!(text, "; bypass {}", p.bypass.join(", "));
    }
    if !p.source.is_empty() {
        let _ = write!(text, " (from {})", p.source);
    }
    text
}
