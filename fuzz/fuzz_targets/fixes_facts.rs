//! The text parsers of `deskside-fixes` on the same input: `/proc/net/udp{,6}`,
//! `/proc/net/unix`, `/proc/<pid>/cgroup`, `lpstat -o` (as stdout and as stderr), DHCP client
//! command lines, shell profiles that set a proxy, `CUPS_SERVER` values and the captive-portal
//! evidence (JSON). None may panic.
#![no_main]

use std::path::Path;

use deskside_fixes::plan::DhcpKind;
use deskside_fixes::{facts, print};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    for socket in facts::parse_proc_net_udp(text) {
        let _ = facts::is_loopback_dns(socket.local);
    }
    let _ = print::unix_listeners(text, Path::new(print::DEFAULT_SOCKET));
    let _ = print::systemd_unit(text);
    let _ = print::parse_lpstat_jobs(true, text, "");
    let _ = print::parse_lpstat_jobs(false, "", text);
    for line in text.lines() {
        let _ = print::resolve(Some(line));
        if let Ok(server) = print::CupsServer::parse(line) {
            let _ = server.to_string();
        }
        // A process command line, NUL-separated as in /proc/<pid>/cmdline.
        let argv: Vec<String> = line.split(['\0', ' ']).map(str::to_owned).collect();
        if let Some(kind) = argv.first().and_then(|a| facts::dhcp_kind(a)) {
            let _ = facts::dhcp_interface(kind, &argv);
        }
        for kind in [DhcpKind::Udhcpc, DhcpKind::Dhcpcd, DhcpKind::Dhclient] {
            let _ = facts::dhcp_interface(kind, &argv);
        }
    }
    let files = [("/home/u/.profile".to_owned(), text.to_owned())];
    for var in ["http_proxy", "HTTPS_PROXY", "no_proxy"] {
        let _ = facts::proxy_sources(var, &files);
    }
    if let Ok(evidence) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = facts::portal_from_evidence(&evidence);
    }
});
