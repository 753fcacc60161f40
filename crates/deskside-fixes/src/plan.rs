//! Per-OS command plans as pure data: `(Os, validated args, detected facts) -> Plan`. A plan is
//! the list of steps a fix would take — programs with argument lists, signals to processes
//! found in our own network namespace, bounded waits, in-process file removal — plus the
//! words for the preview. Nothing here runs anything, so the Windows and macOS plans are
//! compiled and tested for their exact argument lists on Linux, and a property test checks
//! that whatever the arguments and facts, every program comes from [`ALLOWED_PROGRAMS`] and no
//! shell ever receives a value from outside.
//!
//! Programs are `&'static str` on purpose: a program name can only be a literal written in
//! this file, never a string that arrived at run time.

use std::path::PathBuf;

use serde::Serialize;

use crate::FixError;
use crate::args::{ConnectionName, FixArgs, InterfaceName, VpnClient, WebUrl};
use crate::catalogue::FixDef;

pub use deskside_config::Os;

/// Every program a built-in fix may run, on any OS. Admin-defined actions are separate (their
/// program comes from the system config and is checked for ownership instead).
pub const ALLOWED_PROGRAMS: &[&str] = &[
    // Linux
    "nmcli",
    "networkctl",
    "resolvectl",
    "nscd",
    "dhcpcd",
    "dhclient",
    "ip",
    "gsettings",
    "xdg-open",
    "wg-quick",
    "systemctl",
    "timedatectl",
    "chronyc",
    "cancel",
    "shutdown",
    // Windows
    "ipconfig.exe",
    "netsh.exe",
    "w32tm.exe",
    "net.exe",
    "rasdial.exe",
    "reg.exe",
    "shutdown.exe",
    "explorer.exe",
    "powershell.exe",
    WINDOWS_WIREGUARD,
    // macOS
    "/usr/bin/dscacheutil",
    "/usr/bin/killall",
    "/usr/sbin/ipconfig",
    "/sbin/ifconfig",
    "/usr/sbin/networksetup",
    "/usr/bin/sntp",
    "/usr/bin/open",
    "/usr/sbin/cancel",
    "/bin/launchctl",
    "/usr/sbin/scutil",
    "/sbin/shutdown",
];

/// The WireGuard for Windows executable (its tunnel-service commands).
pub const WINDOWS_WIREGUARD: &str = r"C:\Program Files\WireGuard\wireguard.exe";

/// The only PowerShell command any fix runs: a fixed string with no value from outside.
pub const WINDOWS_EMPTY_RECYCLE_BIN: &str = "Clear-RecycleBin -Force -ErrorAction SilentlyContinue";

/// A signal sent to a process found in our network namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Signal {
    /// Reload: dnsmasq clears its cache, cupsd reloads.
    Hup,
    /// udhcpc: renew the lease.
    Usr1,
    /// udhcpc: release the lease (then `Usr1` starts over from discovery).
    Usr2,
}

impl Signal {
    /// The name without `SIG`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hup => "HUP",
            Self::Usr1 => "USR1",
            Self::Usr2 => "USR2",
        }
    }
}

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run a program from [`ALLOWED_PROGRAMS`] with these arguments (never through a shell).
    Run {
        /// The program.
        program: &'static str,
        /// Its arguments.
        args: Vec<String>,
    },
    /// Send a signal to a process that was found in our network namespace.
    Signal {
        /// Process id.
        pid: u32,
        /// The signal.
        signal: Signal,
        /// Its name (`dnsmasq`, `udhcpc`), rechecked before sending.
        process: String,
    },
    /// Pause, e.g. between a DHCP release and renew so the client handles them in order.
    Sleep {
        /// Milliseconds.
        ms: u64,
    },
    /// Wait until the interface is up with carrier, has an IPv4 address, and a default route
    /// exists; give up after `timeout_s`.
    WaitNetwork {
        /// The interface.
        interface: InterfaceName,
        /// Upper bound, seconds.
        timeout_s: u64,
    },
    /// Delete files under `roots` in-process: regular files (and symlinks themselves) owned by
    /// this user, never following symlinks or crossing into another file system; only files
    /// older than `older_than_days` when set. With `whole_tree`, emptied directories go too.
    ClearFiles {
        /// Directories to clear (their contents; the directories stay).
        roots: Vec<PathBuf>,
        /// Minimum age by modification time, in days.
        older_than_days: Option<u64>,
        /// Remove emptied subdirectories too (the trash), not just files (temp dirs, where a
        /// running program may expect its directory).
        whole_tree: bool,
    },
    /// Save the current GNOME proxy mode for undo before changing it.
    SaveGnomeProxy {
        /// The mode in effect now (`manual` or `auto`).
        mode: ProxyMode,
    },
    /// Save that the Windows per-user proxy was on, for undo.
    SaveWindowsProxy,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What it does.
    pub action: Action,
    /// A failure does not stop the plan (`wg-quick down` of a tunnel that is already down).
    pub may_fail: bool,
    /// Run only when the previous step failed (a fallback).
    pub only_if_previous_failed: bool,
}

impl Step {
    fn new(action: Action) -> Self {
        Self {
            action,
            may_fail: false,
            only_if_previous_failed: false,
        }
    }

    fn may_fail(mut self) -> Self {
        self.may_fail = true;
        self
    }

    fn fallback(mut self) -> Self {
        self.only_if_previous_failed = true;
        self
    }

    /// The file this step's program takes instructions from, as the candidates the program
    /// tries in order (it reads the first that exists): a `wg-quick` config, given as a path
    /// or found by interface name in wg-quick's folders. Its `PostUp`/`PreDown` lines run as
    /// whoever runs `wg-quick`, so as root it falls under the root-file rule.
    #[must_use]
    pub fn config_candidates(&self) -> Vec<PathBuf> {
        match &self.action {
            Action::Run {
                program: "wg-quick",
                args,
            } => match args.get(1) {
                Some(conf) if conf.contains('/') => vec![PathBuf::from(conf)],
                Some(name) => WG_QUICK_FOLDERS
                    .iter()
                    .map(|d| PathBuf::from(format!("{d}/{name}.conf")))
                    .collect(),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The step as `(program, args)` for display and the audit log. In-process steps show as
    /// the program `deskside` with a verb: `deskside signal HUP 1234 dnsmasq`,
    /// `deskside wait-network eth0 15`, `deskside clear-files …`, `deskside sleep 300`.
    #[must_use]
    pub fn display(&self) -> (String, Vec<String>) {
        let internal = |verb: &str, rest: Vec<String>| {
            let mut args = vec![verb.to_owned()];
            args.extend(rest);
            ("deskside".to_owned(), args)
        };
        match &self.action {
            Action::Run { program, args } => ((*program).to_owned(), args.clone()),
            Action::Signal {
                pid,
                signal,
                process,
            } => internal(
                "signal",
                vec![signal.name().to_owned(), pid.to_string(), process.clone()],
            ),
            Action::Sleep { ms } => internal("sleep", vec![ms.to_string()]),
            Action::WaitNetwork {
                interface,
                timeout_s,
            } => internal(
                "wait-network",
                vec![interface.to_string(), timeout_s.to_string()],
            ),
            Action::ClearFiles {
                roots,
                older_than_days,
                ..
            } => {
                let mut rest: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
                if let Some(d) = older_than_days {
                    rest.push(format!("--older-than-days={d}"));
                }
                internal("clear-files", rest)
            }
            Action::SaveGnomeProxy { mode } => {
                internal("save-proxy", vec![mode.as_str().to_owned()])
            }
            Action::SaveWindowsProxy => internal("save-proxy", vec!["ProxyEnable=1".to_owned()]),
        }
    }
}

/// A GNOME proxy mode (`org.gnome.system.proxy mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyMode {
    /// No proxy.
    None,
    /// Fixed proxy servers.
    Manual,
    /// A PAC file.
    Auto,
}

impl ProxyMode {
    /// Parse the output of `gsettings get org.gnome.system.proxy mode` (`'manual'`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().trim_matches('\'') {
            "none" => Some(Self::None),
            "manual" => Some(Self::Manual),
            "auto" => Some(Self::Auto),
            _ => None,
        }
    }

    /// The gsettings value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Manual => "manual",
            Self::Auto => "auto",
        }
    }
}

/// A DHCP client program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DhcpKind {
    /// BusyBox `udhcpc` (signals: USR1 renew, USR2 release).
    Udhcpc,
    /// `dhcpcd`.
    Dhcpcd,
    /// ISC `dhclient`.
    Dhclient,
}

/// A DHCP client process found in our network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DhcpClient {
    /// Which client.
    pub kind: DhcpKind,
    /// Its pid.
    pub pid: u32,
    /// The interface from its command line; `None` when it manages every interface.
    pub interface: Option<String>,
}

/// A process found in our network namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcFact {
    /// Its pid.
    pub pid: u32,
    /// Its name (`comm`).
    pub name: String,
}

/// One interface as a plan needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IfaceFact {
    /// Name.
    pub name: String,
    /// Administratively up.
    pub up: bool,
    /// Has carrier (link detected).
    pub carrier: bool,
    /// Has a usable (not link-local) IPv4 address.
    pub has_ipv4: bool,
    /// Loopback.
    pub loopback: bool,
    /// A VPN tunnel or other virtual link a fix must not pick by itself.
    pub tunnel: bool,
}

/// An environment proxy variable the fix cannot change, and where it seems to come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvProxy {
    /// The variable (`http_proxy`).
    pub var: String,
    /// Files that set it (`/etc/environment`), when found.
    pub sources: Vec<String>,
}

/// What was detected on this machine; every field is "not found" by default. On Linux every
/// daemon listed here was found running in this process's own network namespace — a daemon
/// of another namespace (the host of a test lab) is never reported, so never used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Interfaces.
    pub interfaces: Vec<IfaceFact>,
    /// The interface of the IPv4 default route.
    pub default_route_interface: Option<String>,
    /// NetworkManager runs here.
    pub network_manager: bool,
    /// systemd-networkd runs here.
    pub networkd: bool,
    /// systemd-resolved runs here.
    pub resolved: bool,
    /// nscd runs here.
    pub nscd: bool,
    /// dnsmasq processes serving 127.0.0.0/8 or ::1 port 53 here.
    pub dns_stubs: Vec<ProcFact>,
    /// DHCP clients here.
    pub dhcp_clients: Vec<DhcpClient>,
    /// chronyd runs here.
    pub chronyd: bool,
    /// systemd-timesyncd runs here.
    pub timesyncd: bool,
    /// The CUPS scheduler this process prints to (`CUPS_SERVER`, else the default socket);
    /// `None` when `CUPS_SERVER` is not a valid server.
    pub cups_server: Option<crate::print::CupsServer>,
    /// The cupsd in our network namespace listening on `cups_server`'s socket.
    pub cupsd: Option<ProcFact>,
    /// That cupsd is systemd's `cups.service` (restart it with systemctl, else SIGHUP).
    pub cups_systemd: bool,
    /// systemd-logind runs here (so `shutdown` means this machine, not a lab's host).
    pub logind: bool,
    /// The GNOME proxy mode, when gsettings answered.
    pub gnome_proxy: Option<ProxyMode>,
    /// Proxy variables in the environment.
    pub env_proxies: Vec<EnvProxy>,
    /// Whether the Windows per-user proxy is on (`ProxyEnable`), when known.
    pub windows_proxy_enabled: Option<bool>,
    /// macOS network services (`networksetup -listallnetworkservices`).
    pub macos_services: Vec<String>,
    /// The captive portal's sign-in page from the `net.captive_portal` check.
    pub portal_url: Option<WebUrl>,
    /// The configured VPN client and connection (`vpn.client`, `vpn.connection`).
    pub vpn: Option<(VpnClient, ConnectionName)>,
    /// Existing temp/cache directories to clear.
    pub temp_roots: Vec<PathBuf>,
    /// `fixes.temp_max_age_days`.
    pub temp_max_age_days: u64,
    /// Existing trash directories.
    pub trash_roots: Vec<PathBuf>,
}

/// Where `wg-quick` looks for `NAME.conf` when given an interface name (Linux, then the
/// Homebrew prefixes of macOS).
pub const WG_QUICK_FOLDERS: &[&str] = &[
    "/etc/wireguard",
    "/usr/local/etc/wireguard",
    "/opt/homebrew/etc/wireguard",
];

/// What a fix would do: the steps and their description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// One sentence.
    pub summary: String,
    /// One line per change, for the confirmation dialog.
    pub changes: Vec<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

fn run(program: &'static str, args: &[&str]) -> Step {
    Step::new(Action::Run {
        program,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
    })
}

fn not_applicable(fix: &FixDef, reason: impl Into<String>) -> FixError {
    FixError::NotApplicable {
        id: fix.id.to_owned(),
        reason: reason.into(),
    }
}

/// How long to wait for an address after a renew or restart.
pub const WAIT_NETWORK_S: u64 = 20;

/// The plan for `fix` on `os`.
///
/// # Errors
/// [`FixError::NotApplicable`] when the fix cannot do anything here (no DNS cache to clear, no
/// DHCP client, no VPN configured…), with the reason in plain words.
pub fn plan(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    match fix.id {
        "net.flush_dns" => flush_dns(os, fix, facts),
        "net.renew_address" => renew_address(os, fix, args, facts),
        "net.restart_interface" => restart_interface(os, fix, args, facts),
        "net.reset_stack" => reset_stack(os, fix, args, facts),
        "net.clear_proxy" => clear_proxy(os, fix, facts),
        "net.forget_captive" => forget_captive(os, fix, args, facts),
        "vpn.reconnect" => vpn_reconnect(os, fix, args, facts),
        "system.sync_clock" => sync_clock(os, fix, facts),
        "disk.clear_temp" => clear_temp(fix, facts),
        "disk.empty_trash" => empty_trash(os, fix, facts),
        "print.clear_queue" => clear_print_queue(os, fix, facts),
        "system.restart_prompt" => restart_prompt(os, fix, args, facts),
        other => Err(FixError::NotInCatalogue {
            id: other.to_owned(),
        }),
    }
}

/// What the undo of `fix` would do, from what was saved when it was applied.
///
/// # Errors
/// [`FixError::NothingToUndo`] when the fix has no undo or nothing was saved.
pub fn undo_plan(os: Os, fix: &FixDef, saved: &crate::UndoState) -> Result<Plan, FixError> {
    let nothing = || FixError::NothingToUndo {
        id: fix.id.to_owned(),
    };
    match (fix.id, os) {
        ("net.clear_proxy", Os::Linux) => {
            let mode = saved.gnome_proxy_mode.ok_or_else(nothing)?;
            Ok(Plan {
                summary: format!("Restore the proxy setting ({}).", mode.as_str()),
                changes: vec![format!(
                    "Set the GNOME proxy mode back to '{}'",
                    mode.as_str()
                )],
                steps: vec![run(
                    "gsettings",
                    &["set", "org.gnome.system.proxy", "mode", mode.as_str()],
                )],
            })
        }
        ("net.clear_proxy", Os::Windows) => {
            if saved.windows_proxy_enabled != Some(true) {
                return Err(nothing());
            }
            Ok(Plan {
                summary: "Turn the proxy setting back on.".to_owned(),
                changes: vec!["Set Internet Settings ProxyEnable back to 1".to_owned()],
                steps: vec![run("reg.exe", &WINDOWS_PROXY_ON)],
            })
        }
        ("system.restart_prompt", _) => {
            let step = match os {
                Os::Linux => run("shutdown", &["-c"]),
                Os::Windows => run("shutdown.exe", &["/a"]),
                Os::Macos => run("/usr/bin/killall", &["shutdown"]),
            };
            Ok(Plan {
                summary: "Cancel the scheduled restart.".to_owned(),
                changes: vec!["Cancel the restart".to_owned()],
                steps: vec![step],
            })
        }
        _ => Err(nothing()),
    }
}

const WINDOWS_INTERNET_SETTINGS: &str =
    r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";
const WINDOWS_PROXY_OFF: [&str; 9] = [
    "add",
    WINDOWS_INTERNET_SETTINGS,
    "/v",
    "ProxyEnable",
    "/t",
    "REG_DWORD",
    "/d",
    "0",
    "/f",
];
const WINDOWS_PROXY_ON: [&str; 9] = [
    "add",
    WINDOWS_INTERNET_SETTINGS,
    "/v",
    "ProxyEnable",
    "/t",
    "REG_DWORD",
    "/d",
    "1",
    "/f",
];

fn flush_dns(os: Os, fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    let (steps, changes) = match os {
        Os::Windows => (
            vec![run("ipconfig.exe", &["/flushdns"])],
            vec!["Clear the Windows DNS client cache".to_owned()],
        ),
        Os::Macos => (
            vec![
                run("/usr/bin/dscacheutil", &["-flushcache"]),
                run("/usr/bin/killall", &["-HUP", "mDNSResponder"]),
            ],
            vec!["Clear the macOS directory-service and mDNSResponder caches".to_owned()],
        ),
        Os::Linux => {
            let mut steps = Vec::new();
            let mut changes = Vec::new();
            if facts.resolved {
                steps.push(run("resolvectl", &["flush-caches"]));
                changes.push("Clear the systemd-resolved cache".to_owned());
            }
            if facts.nscd {
                steps.push(run("nscd", &["-i", "hosts"]));
                changes.push("Clear nscd's host-name cache".to_owned());
            }
            for stub in &facts.dns_stubs {
                steps.push(Step::new(Action::Signal {
                    pid: stub.pid,
                    signal: Signal::Hup,
                    process: stub.name.clone(),
                }));
                changes.push(format!(
                    "Clear the cache of the local DNS resolver {} (process {})",
                    stub.name, stub.pid
                ));
            }
            if steps.is_empty() {
                return Err(not_applicable(
                    fix,
                    "No DNS cache runs on this computer's network (no systemd-resolved, nscd or local dnsmasq), so there is nothing to clear.",
                ));
            }
            (steps, changes)
        }
    };
    Ok(Plan {
        summary: "Clear the DNS cache so names are looked up again.".to_owned(),
        changes,
        steps,
    })
}

/// The interface a network fix acts on: the one named; else the default route's; else the
/// only non-loopback, non-tunnel interface that is down; else the only one without an IPv4
/// address; else the only one a DHCP client manages.
///
/// # Errors
/// [`FixError::NotApplicable`] when none can be chosen, asking for `--interface`.
pub fn pick_interface(
    fix: &FixDef,
    args: &FixArgs,
    facts: &Facts,
) -> Result<InterfaceName, FixError> {
    if let Some(named) = &args.interface {
        if !facts.interfaces.is_empty()
            && !facts.interfaces.iter().any(|i| i.name == named.as_str())
        {
            return Err(not_applicable(
                fix,
                format!("There is no network adapter named {named} on this computer."),
            ));
        }
        return Ok(named.clone());
    }
    let physical: Vec<&IfaceFact> = facts
        .interfaces
        .iter()
        .filter(|i| !i.loopback && !i.tunnel)
        .collect();
    let only = |list: Vec<&IfaceFact>| match list.as_slice() {
        [one] => InterfaceName::parse(&one.name).ok(),
        _ => None,
    };
    let chosen = facts
        .default_route_interface
        .as_deref()
        .filter(|name| physical.iter().any(|i| i.name == *name))
        .and_then(|n| InterfaceName::parse(n).ok())
        .or_else(|| only(physical.iter().copied().filter(|i| !i.up).collect()))
        .or_else(|| only(physical.iter().copied().filter(|i| !i.has_ipv4).collect()))
        .or_else(|| {
            let managed: Vec<&IfaceFact> = physical
                .iter()
                .copied()
                .filter(|i| {
                    facts
                        .dhcp_clients
                        .iter()
                        .any(|c| c.interface.as_deref() == Some(i.name.as_str()))
                })
                .collect();
            only(managed)
        });
    chosen.ok_or_else(|| {
        not_applicable(
            fix,
            "Deskside cannot tell which network adapter to use; name it with --interface.",
        )
    })
}

/// Renew steps for `iface` on Linux; `full` releases first (the address or route is gone, so a
/// plain renew to the old server may not get through).
fn linux_renew_steps(iface: &InterfaceName, facts: &Facts, full: bool) -> Option<Vec<Step>> {
    let name = iface.as_str();
    if facts.network_manager {
        return Some(vec![
            run("nmcli", &["device", "reapply", name]).may_fail(),
            run("nmcli", &["device", "connect", name]).fallback(),
        ]);
    }
    if facts.networkd {
        return Some(vec![run("networkctl", &["renew", name])]);
    }
    let client = facts
        .dhcp_clients
        .iter()
        .find(|c| c.interface.as_deref() == Some(name))
        .or_else(|| facts.dhcp_clients.iter().find(|c| c.interface.is_none()))?;
    let signal = |signal| {
        Step::new(Action::Signal {
            pid: client.pid,
            signal,
            process: "udhcpc".to_owned(),
        })
    };
    Some(match client.kind {
        DhcpKind::Udhcpc if full => vec![
            signal(Signal::Usr2),
            Step::new(Action::Sleep { ms: 300 }),
            signal(Signal::Usr1),
        ],
        DhcpKind::Udhcpc => vec![signal(Signal::Usr1)],
        DhcpKind::Dhcpcd => vec![run("dhcpcd", &["-n", name])],
        DhcpKind::Dhclient => vec![
            run("dhclient", &["-r", name]).may_fail(),
            run("dhclient", &[name]),
        ],
    })
}

fn wait(iface: &InterfaceName) -> Step {
    Step::new(Action::WaitNetwork {
        interface: iface.clone(),
        timeout_s: WAIT_NETWORK_S,
    })
}

fn renew_address(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    let steps = match os {
        Os::Windows => match &args.interface {
            Some(i) => vec![run("ipconfig.exe", &["/renew", i.as_str()])],
            None => vec![run("ipconfig.exe", &["/renew"])],
        },
        Os::Macos => {
            let iface = pick_interface(fix, args, facts)?;
            vec![run("/usr/sbin/ipconfig", &["set", iface.as_str(), "DHCP"])]
        }
        Os::Linux => {
            let iface = pick_interface(fix, args, facts)?;
            // A plain renew even when the address is gone: udhcpc (BusyBox 1.35+) broadcasts
            // the renew when it cannot bind the old address, and the lease comes straight back;
            // releasing first is kept for the fixes that clear the interface on purpose.
            let mut steps = linux_renew_steps(&iface, facts, false).ok_or_else(|| {
                not_applicable(
                    fix,
                    format!("No DHCP client (NetworkManager, systemd-networkd, dhcpcd, dhclient or udhcpc) manages {iface} here, so its address cannot be renewed."),
                )
            })?;
            steps.push(wait(&iface));
            steps
        }
    };
    let target = match (&args.interface, os) {
        (Some(i), _) => format!(" on {i}"),
        (None, Os::Windows) => String::new(),
        (None, _) => pick_interface(fix, args, facts)
            .map(|i| format!(" on {i}"))
            .unwrap_or_default(),
    };
    Ok(Plan {
        summary: format!("Ask the network for a fresh address{target}."),
        changes: vec![format!(
            "Renew the DHCP lease{target}; connections may pause briefly"
        )],
        steps,
    })
}

fn restart_interface(
    os: Os,
    fix: &FixDef,
    args: &FixArgs,
    facts: &Facts,
) -> Result<Plan, FixError> {
    let iface = pick_interface(fix, args, facts)?;
    let name = iface.as_str();
    let steps = match os {
        Os::Windows => {
            let which = format!("name={name}");
            vec![
                run(
                    "netsh.exe",
                    &["interface", "set", "interface", &which, "admin=disabled"],
                ),
                run(
                    "netsh.exe",
                    &["interface", "set", "interface", &which, "admin=enabled"],
                ),
                run("ipconfig.exe", &["/renew", name]),
            ]
        }
        Os::Macos => vec![
            run("/sbin/ifconfig", &[name, "down"]),
            run("/sbin/ifconfig", &[name, "up"]),
            run("/usr/sbin/ipconfig", &["set", name, "DHCP"]),
        ],
        Os::Linux => {
            let mut steps = if facts.network_manager {
                vec![
                    run("nmcli", &["device", "disconnect", name]).may_fail(),
                    run("nmcli", &["device", "connect", name]),
                ]
            } else {
                let mut s = vec![
                    run("ip", &["link", "set", "dev", name, "down"]),
                    run("ip", &["link", "set", "dev", name, "up"]),
                ];
                if let Some(renew) = linux_renew_steps(&iface, facts, true) {
                    s.extend(renew);
                }
                s
            };
            steps.push(wait(&iface));
            steps
        }
    };
    Ok(Plan {
        summary: format!("Switch network adapter {name} off and on again."),
        changes: vec![
            format!(
                "Restart network adapter {name}; everything using it disconnects for a few seconds"
            ),
            format!("Get a fresh address on {name}"),
        ],
        steps,
    })
}

fn reset_stack(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    match os {
        Os::Windows => Ok(Plan {
            summary: "Reset Winsock and TCP/IP; a restart is needed afterwards.".to_owned(),
            changes: vec![
                "Reset the Winsock catalogue".to_owned(),
                "Reset TCP/IP settings to their defaults".to_owned(),
                "Restart the computer to finish".to_owned(),
            ],
            steps: vec![
                run("netsh.exe", &["winsock", "reset"]),
                run("netsh.exe", &["int", "ip", "reset"]),
            ],
        }),
        Os::Macos => {
            let iface = pick_interface(fix, args, facts)?;
            let name = iface.as_str();
            Ok(Plan {
                summary: format!("Re-apply the network settings of {name}."),
                changes: vec![format!(
                    "Release and renew {name}'s address and clear the DNS cache"
                )],
                steps: vec![
                    run("/usr/sbin/ipconfig", &["set", name, "NONE"]),
                    run("/usr/sbin/ipconfig", &["set", name, "DHCP"]),
                    run("/usr/bin/dscacheutil", &["-flushcache"]),
                ],
            })
        }
        Os::Linux => {
            let iface = pick_interface(fix, args, facts)?;
            let name = iface.as_str();
            let mut steps = if facts.network_manager {
                vec![run("nmcli", &["device", "reapply", name])]
            } else if facts.networkd {
                vec![run("networkctl", &["reconfigure", name])]
            } else {
                let renew = linux_renew_steps(&iface, facts, true).ok_or_else(|| {
                    not_applicable(
                        fix,
                        format!("Nothing manages {name}'s settings here (no NetworkManager, systemd-networkd or DHCP client), so they cannot be re-applied."),
                    )
                })?;
                let mut s = vec![
                    run("ip", &["-4", "route", "flush", "dev", name]),
                    run("ip", &["-4", "addr", "flush", "dev", name]),
                ];
                s.extend(renew);
                s
            };
            steps.push(wait(&iface));
            Ok(Plan {
                summary: format!("Re-apply the network settings of {name}."),
                changes: vec![format!(
                    "Remove {name}'s addresses and routes and get them again from the network"
                )],
                steps,
            })
        }
    }
}

fn clear_proxy(os: Os, fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    let env_note = |changes: &mut Vec<String>| {
        for e in &facts.env_proxies {
            let from = if e.sources.is_empty() {
                "your session's environment".to_owned()
            } else {
                e.sources.join(", ")
            };
            changes.push(format!(
                "Not changed: {} is set in {from}; remove it there or ask IT",
                e.var
            ));
        }
    };
    let mut changes = Vec::new();
    let steps = match os {
        Os::Linux => match facts.gnome_proxy {
            Some(mode @ (ProxyMode::Manual | ProxyMode::Auto)) => {
                changes.push(format!(
                    "Set the GNOME proxy mode from '{}' to 'none' (saved for undo)",
                    mode.as_str()
                ));
                vec![
                    Step::new(Action::SaveGnomeProxy { mode }),
                    run(
                        "gsettings",
                        &["set", "org.gnome.system.proxy", "mode", "none"],
                    ),
                ]
            }
            _ => Vec::new(),
        },
        Os::Windows => {
            if facts.windows_proxy_enabled == Some(false) {
                Vec::new()
            } else {
                changes.push("Turn off the proxy in Internet Settings (saved for undo)".to_owned());
                vec![
                    Step::new(Action::SaveWindowsProxy),
                    run("reg.exe", &WINDOWS_PROXY_OFF),
                ]
            }
        }
        Os::Macos => {
            let mut steps = Vec::new();
            for service in &facts.macos_services {
                if service.starts_with('-') || service.chars().any(char::is_control) {
                    continue;
                }
                for flag in [
                    "-setwebproxystate",
                    "-setsecurewebproxystate",
                    "-setautoproxystate",
                    "-setsocksfirewallproxystate",
                ] {
                    steps.push(run("/usr/sbin/networksetup", &[flag, service, "off"]));
                }
                changes.push(format!("Turn off every proxy of network service {service}"));
            }
            steps
        }
    };
    env_note(&mut changes);
    if steps.is_empty() {
        let reason = if facts.env_proxies.is_empty() {
            "No proxy is set for your user account.".to_owned()
        } else {
            let mut c = Vec::new();
            env_note(&mut c);
            format!(
                "The proxy comes from environment variables Deskside cannot change: {}.",
                c.join("; ")
            )
        };
        return Err(not_applicable(fix, reason));
    }
    Ok(Plan {
        summary: "Turn off the proxy set for your user account.".to_owned(),
        changes,
        steps,
    })
}

fn forget_captive(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    let url = args
        .url
        .as_ref()
        .or(facts.portal_url.as_ref())
        .ok_or_else(|| {
            not_applicable(
                fix,
                "No sign-in page was detected on this network; open any website in your browser to find it.",
            )
        })?;
    let step = match os {
        Os::Linux => run("xdg-open", &[url.as_str()]),
        Os::Macos => run("/usr/bin/open", &[url.as_str()]),
        Os::Windows => run("explorer.exe", &[url.as_str()]),
    };
    Ok(Plan {
        summary: format!("Open the network's sign-in page {url} in your browser."),
        changes: vec![
            format!("Open {url} in your web browser"),
            "Sign in or accept the terms there, then test again".to_owned(),
        ],
        steps: vec![step],
    })
}

fn vpn_reconnect(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    let Some((client, configured)) = &facts.vpn else {
        return Err(not_applicable(
            fix,
            "No VPN client is set up for reconnecting (vpn.client and vpn.connection); ask IT, who can also add a reconnect button as an admin action.",
        ));
    };
    let conn = args.connection.as_ref().unwrap_or(configured);
    let c = conn.as_str();
    let unsupported = || {
        not_applicable(
            fix,
            format!(
                "Deskside cannot drive the {client:?} VPN client on this operating system; ask IT for an admin action."
            ),
        )
    };
    let steps = match (os, client) {
        (Os::Linux | Os::Macos, VpnClient::Wireguard) => vec![
            run("wg-quick", &["down", c]).may_fail(),
            run("wg-quick", &["up", c]),
        ],
        (Os::Linux, VpnClient::Networkmanager) => {
            vec![run("nmcli", &["connection", "up", "id", c])]
        }
        (Os::Linux, VpnClient::Openvpn) => {
            let unit = format!("openvpn-client@{c}");
            vec![run("systemctl", &["restart", &unit])]
        }
        (Os::Windows, VpnClient::Wireguard) => {
            let name = InterfaceName::parse(c).map_err(|_| unsupported())?;
            let conf = format!(r"C:\Program Files\WireGuard\Data\Configurations\{name}.conf.dpapi");
            vec![
                run(
                    WINDOWS_WIREGUARD,
                    &["/uninstalltunnelservice", name.as_str()],
                )
                .may_fail(),
                run(WINDOWS_WIREGUARD, &["/installtunnelservice", &conf]),
            ]
        }
        (Os::Windows, VpnClient::Rasdial) => vec![
            run("rasdial.exe", &[c, "/disconnect"]).may_fail(),
            run("rasdial.exe", &[c]),
        ],
        (Os::Macos, VpnClient::Scutil) => vec![
            run("/usr/sbin/scutil", &["--nc", "stop", c]).may_fail(),
            run("/usr/sbin/scutil", &["--nc", "start", c]),
        ],
        _ => return Err(unsupported()),
    };
    Ok(Plan {
        summary: format!("Disconnect VPN {c} and connect it again."),
        changes: vec![format!(
            "Reconnect VPN {c}; company services pause for a few seconds"
        )],
        steps,
    })
}

fn sync_clock(os: Os, fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    let steps = match os {
        Os::Windows => vec![
            run("net.exe", &["start", "w32time"]).may_fail(),
            run("w32tm.exe", &["/resync", "/force"]),
        ],
        Os::Macos => vec![run("/usr/bin/sntp", &["-sS", "time.apple.com"])],
        Os::Linux => {
            if !facts.chronyd && !facts.timesyncd {
                return Err(not_applicable(
                    fix,
                    "No time service (chronyd or systemd-timesyncd) runs on this computer; ask IT to set one up.",
                ));
            }
            let mut s = vec![run("timedatectl", &["set-ntp", "true"]).may_fail()];
            if facts.chronyd {
                s.push(run("chronyc", &["-a", "makestep"]));
            } else {
                s.push(run("systemctl", &["restart", "systemd-timesyncd"]));
            }
            s
        }
    };
    Ok(Plan {
        summary: "Turn on automatic time and correct the clock now.".to_owned(),
        changes: vec![
            "Turn on automatic time (NTP)".to_owned(),
            "Step the clock to the correct time".to_owned(),
        ],
        steps,
    })
}

fn clear_temp(fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    if facts.temp_roots.is_empty() {
        return Err(not_applicable(fix, "No temporary-file folder was found."));
    }
    let days = facts.temp_max_age_days.max(1);
    let list: Vec<String> = facts
        .temp_roots
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    Ok(Plan {
        summary: format!("Delete your temporary files older than {days} days."),
        changes: vec![format!(
            "Delete files you own, older than {days} days, in {}",
            list.join(", ")
        )],
        steps: vec![Step::new(Action::ClearFiles {
            roots: facts.temp_roots.clone(),
            older_than_days: Some(days),
            whole_tree: false,
        })],
    })
}

fn empty_trash(os: Os, fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    let steps = match os {
        Os::Windows => vec![run(
            "powershell.exe",
            &[
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                WINDOWS_EMPTY_RECYCLE_BIN,
            ],
        )],
        Os::Linux | Os::Macos => {
            if facts.trash_roots.is_empty() {
                return Err(not_applicable(fix, "Your trash is empty."));
            }
            vec![Step::new(Action::ClearFiles {
                roots: facts.trash_roots.clone(),
                older_than_days: None,
                whole_tree: true,
            })]
        }
    };
    Ok(Plan {
        summary: "Permanently delete the files in your trash.".to_owned(),
        changes: vec!["Permanently delete everything in the trash".to_owned()],
        steps,
    })
}

fn clear_print_queue(os: Os, fix: &FixDef, facts: &Facts) -> Result<Plan, FixError> {
    let steps = match os {
        Os::Windows => vec![
            run("net.exe", &["stop", "spooler"]),
            Step::new(Action::ClearFiles {
                roots: vec![PathBuf::from(r"C:\Windows\System32\spool\PRINTERS")],
                older_than_days: None,
                whole_tree: false,
            }),
            run("net.exe", &["start", "spooler"]),
        ],
        Os::Macos => vec![
            run("/usr/sbin/cancel", &["-a", "-"]),
            run(
                "/bin/launchctl",
                &["kickstart", "-k", "system/org.cups.cupsd"],
            ),
        ],
        Os::Linux => {
            use crate::print::CupsServer;
            let server = match &facts.cups_server {
                Some(CupsServer::Socket(path)) => path.display().to_string(),
                Some(CupsServer::Network(host)) => {
                    return Err(not_applicable(
                        fix,
                        format!(
                            "Your print jobs wait on the print server {host} (CUPS_SERVER), not on this computer; ask your IT department to clear that queue."
                        ),
                    ));
                }
                None => {
                    return Err(not_applicable(
                        fix,
                        "CUPS_SERVER is set to something that is not a print server, so Deskside cannot tell which print queue to clear; unset it or correct it.",
                    ));
                }
            };
            // The scheduler named by the socket must be a cupsd of our network namespace:
            // the socket is a file, reachable from any namespace, so without this check a lab
            // could clear the host's queue.
            let Some(cupsd) = &facts.cupsd else {
                return Err(not_applicable(
                    fix,
                    format!(
                        "The print service (CUPS) is not running on this computer (nothing listens on {server})."
                    ),
                ));
            };
            let restart = if facts.cups_systemd {
                run("systemctl", &["restart", "cups"])
            } else {
                Step::new(Action::Signal {
                    pid: cupsd.pid,
                    signal: Signal::Hup,
                    process: cupsd.name.clone(),
                })
            };
            // `-h` names the scheduler explicitly, so `cancel` reaches the same one as the
            // restart and the re-test, whatever its environment holds.
            vec![run("cancel", &["-h", &server, "-a"]), restart]
        }
    };
    Ok(Plan {
        summary: "Cancel every waiting print job and restart the print service.".to_owned(),
        changes: vec![
            "Cancel all print jobs of every printer".to_owned(),
            "Restart the print service".to_owned(),
        ],
        steps,
    })
}

fn restart_prompt(os: Os, fix: &FixDef, args: &FixArgs, facts: &Facts) -> Result<Plan, FixError> {
    // On Linux `shutdown` talks to systemd-logind; one that is not in our network namespace
    // belongs to a test lab's host, which must never be restarted.
    if os == Os::Linux && !facts.logind {
        return Err(not_applicable(
            fix,
            "The system's session manager (systemd-logind) is not running here, so Deskside cannot schedule a restart; restart from the system menu.",
        ));
    }
    let minutes = args
        .minutes
        .unwrap_or(crate::args::DeferMinutes::DEFAULT)
        .get();
    let steps = match os {
        Os::Linux => vec![run("shutdown", &["-r", &format!("+{minutes}")])],
        Os::Macos => vec![run("/sbin/shutdown", &["-r", &format!("+{minutes}")])],
        Os::Windows => {
            let secs = (u64::from(minutes) * 60).to_string();
            vec![run("shutdown.exe", &["/r", "/t", &secs])]
        }
    };
    Ok(Plan {
        summary: format!("Restart the computer in {minutes} minutes."),
        changes: vec![
            format!("Restart the computer in {minutes} minutes; save your work first"),
            "You can cancel the restart until then (undo)".to_owned(),
        ],
        steps,
    })
}

#[cfg(test)]
mod tests;
