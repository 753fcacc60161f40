//! macOS facts as data: pure parsers of the text macOS tools print.
//!
//! One module per command — `scutil --dns` ([`scutil_dns`]), `scutil --proxy`
//! ([`scutil_proxy`]), `netstat -rn` ([`netstat`]), `ifconfig` ([`ifconfig`]),
//! `networksetup -listallhardwareports` ([`hardware_ports`]), `df -k -i` ([`df`]), `sw_vers` ([`sw_vers`]),
//! `system_profiler SPHardwareDataType` ([`system_profiler`]) and `pmset -g batt`
//! ([`pmset`]). They compile and are tested on every OS against fixtures under
//! `tests/fixtures/macos/`; only `collect_network`,
//! `collect_machine` and `df::add_inodes` (macOS builds only) run the commands.
//!
//! The parsers never panic: lines they do not understand are skipped.

pub mod df;
pub mod hardware_ports;
pub mod ifconfig;
pub mod netstat;
pub mod pmset;
pub mod scutil_dns;
pub mod scutil_proxy;
pub mod sw_vers;
pub mod system_profiler;

use std::net::IpAddr;

pub use df::{merge_inodes, parse_df};
pub use hardware_ports::{HardwarePort, apply_hardware_ports, parse_hardware_ports};
pub use ifconfig::parse_ifconfig;
pub use netstat::parse_netstat_rn;
pub use pmset::parse_pmset_batt;
pub use scutil_dns::parse_scutil_dns;
pub use scutil_proxy::parse_scutil_proxy;
pub use sw_vers::parse_sw_vers;
pub use system_profiler::parse_sp_hardware;

/// Parse an address as macOS prints it, dropping a `%en0` zone suffix.
pub(crate) fn parse_ip_scoped(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let text = text.split_once('%').map_or(text, |(addr, _)| addr);
    text.parse().ok()
}

/// OS, hardware and battery from `sw_vers`, `system_profiler SPHardwareDataType` and
/// `pmset -g batt`; a part whose command fails is left empty.
#[cfg(target_os = "macos")]
pub async fn collect_machine() -> crate::collect::Machine {
    use std::time::Duration;

    use deskside_exec::{Cmd, run};

    let text = |cmd: Cmd| async move {
        match run(&cmd.timeout(Duration::from_secs(20))).await {
            Ok(out) => out.stdout,
            Err(err) => {
                tracing::warn!(%err, "command failed; its facts are left empty");
                String::new()
            }
        }
    };
    let (sw_vers, hardware, batt) = tokio::join!(
        text(Cmd::new("/usr/bin/sw_vers")),
        text(Cmd::new("/usr/sbin/system_profiler").args(["SPHardwareDataType"])),
        text(Cmd::new("/usr/bin/pmset").args(["-g", "batt"])),
    );
    let os = parse_sw_vers(&sw_vers);
    crate::collect::Machine {
        os: (!os.name.is_empty()).then_some(os),
        hardware: parse_sp_hardware(&hardware),
        battery: parse_pmset_batt(&batt),
    }
}

/// Run the network commands and parse them into one [`crate::model::NetworkState`].
///
/// # Errors
/// The runner's error when `ifconfig` cannot be run; the other commands are best-effort.
#[cfg(target_os = "macos")]
pub async fn collect_network() -> Result<crate::model::NetworkState, deskside_exec::ExecError> {
    use std::time::Duration;

    use deskside_exec::{Cmd, run};

    let timeout = Duration::from_secs(10);
    let text = |cmd: Cmd| async move {
        match run(&cmd.timeout(timeout)).await {
            Ok(out) => out.stdout,
            Err(err) => {
                tracing::warn!(%err, "command failed; its facts are left empty");
                String::new()
            }
        }
    };

    let ifconfig = run(&Cmd::new("/sbin/ifconfig").timeout(timeout)).await?;
    let mut interfaces = parse_ifconfig(&ifconfig.stdout);
    let ports = text(Cmd::new("/usr/sbin/networksetup").args(["-listallhardwareports"])).await;
    apply_hardware_ports(&mut interfaces, &parse_hardware_ports(&ports));

    let routes = parse_netstat_rn(&text(Cmd::new("/usr/sbin/netstat").args(["-rn"])).await);
    let dns = parse_scutil_dns(&text(Cmd::new("/usr/sbin/scutil").args(["--dns"])).await);
    let proxy = parse_scutil_proxy(&text(Cmd::new("/usr/sbin/scutil").args(["--proxy"])).await);

    Ok(crate::model::NetworkState {
        interfaces,
        routes,
        dns,
        proxy,
    })
}
