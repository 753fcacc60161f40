//! Every Windows parser of `deskside-platform` on the same text: `ipconfig /all`, `route
//! print`, `netsh winhttp show proxy`, `reg query` of the Internet Settings key and the
//! PowerShell CIM JSON. None may panic.
#![no_main]

use deskside_platform::windows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let _ = windows::parse_ipconfig_all(text);
    let _ = windows::parse_route_print(text);
    let _ = windows::parse_netsh_winhttp_proxy(text);
    let _ = windows::parse_reg_internet_settings(text);
    let _ = windows::parse_cim_system(text);
    let _ = windows::parse_cim_battery(text);
});
