//! Every macOS parser of `deskside-platform` on the same text: `ifconfig`, `netstat -rn`,
//! `scutil --dns` / `--proxy`, `networksetup -listallhardwareports`, `df`, `pmset -g batt`,
//! `sw_vers`, `system_profiler`. None may panic.
#![no_main]

use deskside_platform::macos;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let mut interfaces = macos::parse_ifconfig(text);
    let ports = macos::parse_hardware_ports(text);
    macos::apply_hardware_ports(&mut interfaces, &ports);
    let _ = macos::parse_netstat_rn(text);
    let _ = macos::parse_scutil_dns(text);
    let _ = macos::parse_scutil_proxy(text);
    let _ = macos::parse_df(text);
    let _ = macos::parse_pmset_batt(text);
    let _ = macos::parse_sw_vers(text);
    let _ = macos::parse_sp_hardware(text);
});
