//! Linux facts as data: pure parsers of the files and command outputs a Linux machine
//! offers (`/etc/resolv.conf`, `/proc/net/route`, `/proc/net/ipv6_route`, `resolvectl
//! status`, `/proc/self/mountinfo`, `/etc/os-release`, power-supply `uevent` files,
//! `gsettings` proxy keys, `/proc/uptime`, `/sys/class/net` attributes) plus, on Linux only,
//! the live reader that feeds them.
//!
//! The parsers are compiled on every OS and never panic on arbitrary text: a line they do
//! not understand is skipped. Only [`live`] touches the machine.

pub mod mountinfo;
pub mod net_class;
pub mod os_release;
pub mod power_supply;
pub mod proc_route;
pub mod proxy;
pub mod resolv_conf;
pub mod resolvectl;
pub mod uptime;

#[cfg(target_os = "linux")]
pub mod live;

pub use mountinfo::{MountEntry, is_real_local_volume, parse_mountinfo, real_local_mounts};
pub use net_class::{LinkFacts, classify_kind, classify_state};
pub use os_release::parse_os_release;
pub use power_supply::parse_power_supply_uevent;
pub use proc_route::{parse_proc_net_ipv6_route, parse_proc_net_route};
pub use proxy::{parse_gsettings_proxy, proxy_from_env};
pub use resolv_conf::{is_resolved_stub, parse_resolv_conf};
pub use resolvectl::{ResolvedLink, ResolvedStatus, parse_resolvectl_status};
pub use uptime::parse_proc_uptime;
