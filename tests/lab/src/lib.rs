//! Rust harness for the Deskside network lab (`tests/lab/lab.sh`).
//!
//! A [`Lab`] is one set of Linux network namespaces (client, router, inet, corp) with real
//! services — dnsmasq, WireGuard (`wireguard-go`), `deskside-labd` HTTP servers — built by
//! `lab.sh up` under a random ID and torn down by `lab.sh down` when the `Lab` is dropped.
//! Tests inject a [`Fault`] (a real change inside the lab, e.g. an nftables rule in the router)
//! and run programs inside the client namespace with [`Lab::exec`], whose environment is
//! scrubbed so the host's proxy settings and Deskside config never leak in.
//!
//! The lab needs root, `ip netns`, and a few tools; [`unavailable_reason`] says what is missing
//! and [`start_or_skip`] / [`lab_or_skip!`] turn that into a printed skip — or, with
//! `DESKSIDE_LAB_REQUIRED=1` (set by CI), into a failure.

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Once, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Path of the lab script, fixed at compile time so any crate's tests can drive it.
pub const LAB_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/lab.sh");

/// Address where nothing listens, for the `proxy-dead` scenario (`http_proxy=` this).
pub const DEAD_PROXY_URL: &str = "http://198.51.100.1:3128";

/// The client's address: a static DHCP lease from the router (`udhcpc` in the client).
pub const CLIENT_ADDRESS: &str = "198.51.100.10";

/// Where the `captive-portal` fault's portal sends every HTTP request (`Location:`).
pub const PORTAL_URL: &str = "http://portal.lab.test/login";

/// Environment that makes `gsettings` keep GNOME settings in a key file under the command's
/// private `XDG_CONFIG_HOME` (no dconf, no session bus needed), and tells Deskside a desktop
/// session is there so it reads them. Pass it to [`Lab::exec`] with the test's own variables.
pub const GNOME_SESSION_ENV: &[(&str, &str)] = &[
    ("GSETTINGS_BACKEND", "keyfile"),
    ("GIO_USE_VFS", "local"),
    // Only its presence matters to Deskside; nothing listens there.
    (
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/deskside-lab-bus",
    ),
];

/// Default time limit for [`Lab::exec`] and friends.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(60);

/// Tools the lab itself needs on `PATH`.
const REQUIRED_TOOLS: &[&str] = &[
    "ip",
    "nft",
    "dnsmasq",
    "wireguard-go",
    "wg",
    "ss",
    "setsid",
    "unshare",
    "mountpoint",
    "fallocate",
    "udhcpc",
];

/// Environment variables passed through from the test process to lab commands: logging,
/// backtraces and coverage, never proxies, HOME or config locations.
const PASSTHROUGH_ENV: &[&str] = &[
    "PATH",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "LLVM_PROFILE_FILE",
    "CARGO_LLVM_COV",
    "CARGO_LLVM_COV_TARGET_DIR",
    "LAB_STATE",
];

/// One namespace of the lab topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Node {
    /// The user's machine: `eth0` 198.51.100.10, local stub resolver, WireGuard client.
    Client,
    /// Home/office router: gateway 198.51.100.1, DNS server, NAT-free forwarding, faults.
    Router,
    /// "The internet": probe host 203.0.113.10.
    Inet,
    /// Corporate network: WireGuard server, intranet DNS and web on 198.18.10.1.
    Corp,
}

impl Node {
    fn suffix(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Router => "router",
            Self::Inet => "inet",
            Self::Corp => "corp",
        }
    }
}

/// A fault `lab.sh fault` can inject; see `tests/lab/README.md` for what each one changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Client `eth0` administratively down.
    LinkDown,
    /// Router `lan0` down, so the client's `eth0` has no carrier.
    NoCarrier,
    /// Client `eth0` has no address at all.
    NoAddress,
    /// Client `eth0` has only a link-local 169.254/16 address and no default route.
    Apipa,
    /// The router drops everything arriving on `lan0` (ARP included) and all forwarding.
    GatewayDead,
    /// Client default route via 198.51.100.99, which does not exist.
    WrongGateway,
    /// Router DNS server stopped: port 53 closed (ICMP port unreachable).
    DnsDown,
    /// Router drops DNS (udp/tcp 53): queries time out.
    DnsBlackhole,
    /// Router DNS answers NXDOMAIN to everything.
    DnsNxdomain,
    /// Router DNS answers SERVFAIL to everything.
    DnsServfail,
    /// Router redirects every HTTP connection to a portal answering `302 Found`.
    CaptivePortal,
    /// Router drops everything forwarded to the internet (`wan0`).
    InternetBlocked,
    /// Router drops 50 % of ICMP forwarded to the internet.
    Loss,
    /// 300 ms added to client → internet packets by a userspace delay line.
    Latency,
    /// Uplink MTU 1400 and ICMP "fragmentation needed" suppressed.
    MtuBlackhole,
    /// The probe host's `Date` header runs 900 s ahead.
    ClockSkew,
    /// The client's WireGuard interface is gone.
    VpnDown,
    /// WireGuard traffic between client and corp is dropped: handshakes never complete.
    VpnPeerDead,
    /// The client's route to the corporate subnet 198.18.10.0/24 is missing.
    VpnRouteMissing,
    /// The client's stub resolver no longer sends corp.example to the corporate DNS.
    SplitDnsOff,
    /// The intranet web server is stopped.
    IntranetDown,
    /// No change in the lab: the test points `http_proxy` at [`DEAD_PROXY_URL`].
    ProxyDead,
    /// The lab's disk (a 64 MiB tmpfs) is > 97 % full.
    DiskFull,
    /// The lab's disk has no free inodes.
    InodesExhausted,
    /// 16 MiB of files, last modified 30 days ago, in the lab's temp directory.
    TempLarge,
    /// The client stub resolver caches NXDOMAIN for the lab's names (for an hour) although
    /// the router's DNS answers them again: only flushing the stub's cache (SIGHUP) helps.
    DnsStale,
    /// The client's default route is deleted (address and DHCP client untouched).
    NoDefaultRoute,
}

impl Fault {
    /// Every fault, in the order of the README's table.
    pub const ALL: &'static [Fault] = &[
        Self::LinkDown,
        Self::NoCarrier,
        Self::NoAddress,
        Self::Apipa,
        Self::GatewayDead,
        Self::WrongGateway,
        Self::DnsDown,
        Self::DnsBlackhole,
        Self::DnsNxdomain,
        Self::DnsServfail,
        Self::CaptivePortal,
        Self::InternetBlocked,
        Self::Loss,
        Self::Latency,
        Self::MtuBlackhole,
        Self::ClockSkew,
        Self::VpnDown,
        Self::VpnPeerDead,
        Self::VpnRouteMissing,
        Self::SplitDnsOff,
        Self::IntranetDown,
        Self::ProxyDead,
        Self::DiskFull,
        Self::InodesExhausted,
        Self::TempLarge,
        Self::DnsStale,
        Self::NoDefaultRoute,
    ];

    /// The name `lab.sh fault` takes.
    pub fn name(self) -> &'static str {
        match self {
            Self::LinkDown => "link-down",
            Self::NoCarrier => "no-carrier",
            Self::NoAddress => "no-address",
            Self::Apipa => "apipa",
            Self::GatewayDead => "gateway-dead",
            Self::WrongGateway => "wrong-gateway",
            Self::DnsDown => "dns-down",
            Self::DnsBlackhole => "dns-blackhole",
            Self::DnsNxdomain => "dns-nxdomain",
            Self::DnsServfail => "dns-servfail",
            Self::CaptivePortal => "captive-portal",
            Self::InternetBlocked => "internet-blocked",
            Self::Loss => "loss",
            Self::Latency => "latency",
            Self::MtuBlackhole => "mtu-blackhole",
            Self::ClockSkew => "clock-skew",
            Self::VpnDown => "vpn-down",
            Self::VpnPeerDead => "vpn-peer-dead",
            Self::VpnRouteMissing => "vpn-route-missing",
            Self::SplitDnsOff => "split-dns-off",
            Self::IntranetDown => "intranet-down",
            Self::ProxyDead => "proxy-dead",
            Self::DiskFull => "disk-full",
            Self::InodesExhausted => "inodes-exhausted",
            Self::TempLarge => "temp-large",
            Self::DnsStale => "dns-stale",
            Self::NoDefaultRoute => "no-default-route",
        }
    }

    /// The fault with `lab.sh` name `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// ID of the diagnostic check that should be reported as the root cause.
    pub fn expected_check(self) -> &'static str {
        match self {
            Self::LinkDown | Self::NoCarrier => "net.interface",
            Self::NoAddress | Self::Apipa => "net.address",
            Self::GatewayDead | Self::WrongGateway | Self::NoDefaultRoute => "net.gateway",
            Self::DnsDown
            | Self::DnsBlackhole
            | Self::DnsNxdomain
            | Self::DnsServfail
            | Self::DnsStale => "net.dns",
            Self::CaptivePortal => "net.captive_portal",
            Self::InternetBlocked => "net.internet",
            Self::ProxyDead => "net.proxy",
            Self::Loss | Self::Latency => "net.quality",
            Self::MtuBlackhole => "net.mtu",
            Self::ClockSkew => "system.clock",
            Self::VpnDown | Self::VpnPeerDead => "vpn.tunnel",
            Self::VpnRouteMissing => "vpn.routes",
            Self::SplitDnsOff => "vpn.dns",
            Self::IntranetDown => "vpn.reachability",
            Self::DiskFull => "disk.space",
            Self::InodesExhausted => "disk.inodes",
            Self::TempLarge => "disk.temp",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Programs [`Lab::print_stuck`] needs (apt `cups-daemon cups-client`); pass them as extra
/// tools to [`start_or_skip`].
pub const CUPS_TOOLS: &[&str] = &["cupsd", "lpadmin", "lp", "lpstat", "cancel"];

/// A running lab; dropping it tears the lab down (`lab.sh down`).
#[derive(Debug)]
pub struct Lab {
    id: String,
    state_dir: PathBuf,
    labd: PathBuf,
    /// HOME and XDG directories for commands run in the lab: empty, private, deleted on drop.
    home: tempfile::TempDir,
    torn_down: bool,
}

impl Lab {
    /// Build a lab with a fresh random ID, using the `deskside-labd` found by [`default_labd`].
    pub fn up() -> io::Result<Self> {
        Self::up_with_labd(&default_labd()?)
    }

    /// Build a lab with a fresh random ID, using the `deskside-labd` binary at `labd`.
    ///
    /// Stale labs of dead test processes are removed first (once per process). On failure
    /// nothing is left behind: `lab.sh up` tears a half-built lab down itself.
    pub fn up_with_labd(labd: &Path) -> io::Result<Self> {
        static CLEANUP: Once = Once::new();
        CLEANUP.call_once(|| {
            let _ = run(script(&["cleanup-stale"]), Duration::from_secs(60));
        });
        let mut last_error = None;
        for _ in 0..5 {
            let id = random_id();
            let mut cmd = script(&["up", &id]);
            cmd.env("LABD", labd)
                .env("LAB_OWNER_PID", std::process::id().to_string());
            let out = match run(cmd, Duration::from_secs(60)) {
                Ok(out) => out,
                Err(e) => {
                    // Killed half-way (timeout): `lab.sh up` had no chance to clean up itself.
                    let _ = run(script(&["down", &id]), Duration::from_secs(60));
                    return Err(e);
                }
            };
            match out.status.code() {
                Some(0) => {
                    let state_dir = state_root().join(&id);
                    return Ok(Self {
                        id,
                        state_dir,
                        labd: labd.to_path_buf(),
                        home: tempfile::Builder::new()
                            .prefix("deskside-lab-home-")
                            .tempdir()?,
                        torn_down: false,
                    });
                }
                // The ID is taken by another lab: draw again.
                Some(3) => last_error = Some(command_error("lab.sh up", &out)),
                _ => return Err(command_error("lab.sh up", &out)),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("lab.sh up: no free lab ID")))
    }

    /// The lab's ID (4–5 hex characters).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The lab's state directory (pids, logs, keys, config, disk).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Network namespace name of `node`, e.g. `dl1a2b3-client`.
    pub fn namespace(&self, node: Node) -> String {
        format!("dl{}-{}", self.id, node.suffix())
    }

    /// Name of the client's WireGuard interface (`wg<ID>`).
    pub fn vpn_interface(&self) -> String {
        format!("wg{}", self.id)
    }

    /// The `deskside-labd` binary this lab runs.
    pub fn labd(&self) -> &Path {
        &self.labd
    }

    /// The lab's tmpfs "disk" (64 MiB), listed in the config's `[disk] paths`.
    pub fn disk_dir(&self) -> PathBuf {
        self.state_dir.join("disk")
    }

    /// The temp directory on the lab disk, listed in the config's `[disk] temp_paths`.
    pub fn temp_dir(&self) -> PathBuf {
        self.disk_dir().join("tmp")
    }

    /// wg-quick config of the client tunnel (`<state>/wg/wg<ID>.conf`): `wg-quick up` with it
    /// rebuilds the tunnel after [`Fault::VpnDown`].
    pub fn wg_quick_conf(&self) -> PathBuf {
        self.state_dir
            .join("wg")
            .join(format!("{}.conf", self.vpn_interface()))
    }

    /// Pid of the lab service `name` (`client-stub`, `client-dhcp`, `router-dns`, …), if it
    /// is recorded and still running.
    pub fn service_pid(&self, name: &str) -> Option<u32> {
        let text = std::fs::read_to_string(self.state_dir.join("pids").join(name)).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }

    /// Everything lab service `name` has logged so far (dnsmasq logs queries and "cleared
    /// cache" on SIGHUP; udhcpc logs each renew).
    pub fn service_log(&self, name: &str) -> String {
        std::fs::read_to_string(self.state_dir.join("log").join(format!("{name}.log")))
            .unwrap_or_default()
    }

    /// The directory a variable of [`Lab::exec`]'s environment points at: `HOME`,
    /// `XDG_CONFIG_HOME`, `XDG_CACHE_HOME`, `XDG_DATA_HOME`, `XDG_STATE_HOME`,
    /// `XDG_RUNTIME_DIR` or `TMPDIR` (all private to this lab, deleted on drop).
    pub fn exec_dir(&self, var: &str) -> Option<PathBuf> {
        self.exec_dirs()
            .into_iter()
            .find(|(key, _)| *key == var)
            .map(|(_, dir)| dir)
    }

    fn exec_dirs(&self) -> [(&'static str, PathBuf); 7] {
        let home = self.home.path();
        [
            ("HOME", home.join("home")),
            ("XDG_CONFIG_HOME", home.join("config")),
            ("XDG_CACHE_HOME", home.join("cache")),
            ("XDG_DATA_HOME", home.join("data")),
            ("XDG_STATE_HOME", home.join("state")),
            ("XDG_RUNTIME_DIR", home.join("run")),
            ("TMPDIR", home.join("tmp")),
        ]
    }

    /// The desksidectl config written at `up` (the output of `lab.sh config ID`).
    pub fn config_path(&self) -> PathBuf {
        self.state_dir.join("config.toml")
    }

    /// Text of the desksidectl config pointing at this lab.
    pub fn config_text(&self) -> io::Result<String> {
        std::fs::read_to_string(self.config_path())
    }

    /// Write a variant of the lab config to `<state>/<name>` with `lines` inserted at the top of
    /// their sections, e.g. `[("disk", "temp_warn_bytes = 8388608")]`; a section not present is
    /// appended. Returns the new file's path.
    pub fn config_with(&self, name: &str, lines: &[(&str, &str)]) -> io::Result<PathBuf> {
        let text = insert_config_lines(&self.config_text()?, lines);
        let path = self.state_dir.join(name);
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Inject `fault` (several faults may be combined in one lab).
    pub fn fault(&self, fault: Fault) -> io::Result<()> {
        self.fault_named(fault.name())
    }

    fn fault_named(&self, name: &str) -> io::Result<()> {
        let out = run(script(&["fault", &self.id, name]), Duration::from_secs(60))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(command_error(&format!("lab.sh fault {name}"), &out))
        }
    }

    /// Stuck print jobs (`lab.sh fault ID print-stuck`): start the lab's private CUPS scheduler
    /// in the client namespace (once; service `client-cups`, listening only on
    /// [`Lab::cups_socket`], everything under the lab's state dir), add printer `lab` →
    /// `file:///dev/null`, and queue three jobs on hold. Not a [`Fault`]: no diagnostic check
    /// covers printing (`print.clear_queue` verifies with `lpstat -o`). Needs [`CUPS_TOOLS`].
    pub fn print_stuck(&self) -> io::Result<()> {
        self.fault_named("print-stuck")
    }

    /// The unix socket of the lab's private CUPS scheduler (the value for `CUPS_SERVER`).
    pub fn cups_socket(&self) -> PathBuf {
        self.state_dir.join("cups").join("cups.sock")
    }

    /// Ids of the jobs waiting in the lab's private scheduler (`lpstat -h SOCKET -o` in the
    /// client namespace), e.g. `["lab-1", "lab-2", "lab-3"]`.
    pub fn print_jobs(&self) -> io::Result<Vec<String>> {
        let socket = self.cups_socket();
        let out = self.exec_in(
            Node::Client,
            "lpstat",
            &[OsStr::new("-h"), socket.as_os_str(), OsStr::new("-o")],
        )?;
        if !out.status.success() {
            return Err(command_error("lpstat -o", &out));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect())
    }

    /// Run `program args` in the client namespace with a scrubbed environment: no proxy
    /// variables, HOME/XDG in a private empty directory, `DESKSIDE_SYSTEM_CONFIG` and
    /// `DESKSIDE_USER_CONFIG` empty (so only an explicit `--config` applies), then `env`.
    /// Killed after [`DEFAULT_EXEC_TIMEOUT`].
    pub fn exec<S: AsRef<OsStr>>(
        &self,
        program: impl AsRef<OsStr>,
        args: &[S],
        env: &[(&str, &str)],
    ) -> io::Result<Output> {
        self.exec_via("exec", program.as_ref(), args, env, DEFAULT_EXEC_TIMEOUT)
    }

    /// [`Lab::exec`] with an explicit time limit.
    pub fn exec_timeout<S: AsRef<OsStr>>(
        &self,
        program: impl AsRef<OsStr>,
        args: &[S],
        env: &[(&str, &str)],
        timeout: Duration,
    ) -> io::Result<Output> {
        self.exec_via("exec", program.as_ref(), args, env, timeout)
    }

    /// [`Lab::exec`] in a time namespace whose boot time is 3,000,000 s (~34.7 days) earlier,
    /// so `/proc/uptime` and `sysinfo`-style uptime report a long-running machine.
    pub fn exec_aged<S: AsRef<OsStr>>(
        &self,
        program: impl AsRef<OsStr>,
        args: &[S],
        env: &[(&str, &str)],
    ) -> io::Result<Output> {
        self.exec_via(
            "exec-aged",
            program.as_ref(),
            args,
            env,
            DEFAULT_EXEC_TIMEOUT,
        )
    }

    /// Run `program args` in `node`'s namespace as-is (the lab's own checks, e.g. reading the
    /// router's nftables). Not scrubbed: for lab plumbing, not for the code under test.
    pub fn exec_in<S: AsRef<OsStr>>(
        &self,
        node: Node,
        program: impl AsRef<OsStr>,
        args: &[S],
    ) -> io::Result<Output> {
        let mut cmd = command("ip");
        cmd.args(["netns", "exec"])
            .arg(self.namespace(node))
            .arg(program)
            .args(args);
        run(cmd, DEFAULT_EXEC_TIMEOUT)
    }

    /// Run `deskside-labd args` in the client namespace (see [`Lab::exec`]).
    pub fn labd_exec(&self, args: &[&str]) -> io::Result<Output> {
        self.exec(&self.labd, args, &[])
    }

    fn exec_via<S: AsRef<OsStr>>(
        &self,
        verb: &str,
        program: &OsStr,
        args: &[S],
        env: &[(&str, &str)],
        timeout: Duration,
    ) -> io::Result<Output> {
        let dirs = self.exec_dirs();
        let mut cmd = script(&[verb, &self.id]);
        cmd.arg(program).args(args).env_clear();
        for key in PASSTHROUGH_ENV {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        for (key, dir) in &dirs {
            std::fs::create_dir_all(dir)?;
            cmd.env(key, dir);
        }
        cmd.env("LANG", "C.UTF-8")
            .env("DESKSIDE_SYSTEM_CONFIG", "")
            .env("DESKSIDE_USER_CONFIG", "");
        for (key, value) in env {
            cmd.env(key, value);
        }
        run(cmd, timeout)
    }

    /// Tear the lab down now (also done on drop), reporting a failure of `lab.sh down`.
    pub fn down(mut self) -> io::Result<()> {
        self.torn_down = true;
        let out = run(script(&["down", &self.id]), Duration::from_secs(60))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(command_error("lab.sh down", &out))
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if !self.torn_down {
            let _ = run(script(&["down", &self.id]), Duration::from_secs(60));
        }
    }
}

/// Why the lab cannot run here, or `None` when it can: not root, no `ip netns`, a missing tool
/// (the lab's own plus `extra_tools`) or no `/dev/net/tun`.
pub fn unavailable_reason(extra_tools: &[&str]) -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not running as root (network namespaces need CAP_SYS_ADMIN)".to_owned());
    }
    let missing: Vec<&str> = REQUIRED_TOOLS
        .iter()
        .chain(extra_tools)
        .copied()
        .filter(|tool| find_on_path(tool).is_none())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "missing tools: {} (apt: iproute2 nftables dnsmasq-base wireguard-go \
             wireguard-tools util-linux iputils-ping udhcpc)",
            missing.join(", ")
        ));
    }
    match run(
        {
            let mut c = command("ip");
            c.args(["netns", "list"]);
            c
        },
        Duration::from_secs(10),
    ) {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Some(format!(
                "`ip netns` unavailable: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Err(e) => return Some(format!("`ip netns` unavailable: {e}")),
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun is missing (WireGuard and the delay line need it)".to_owned());
    }
    // A missing deskside-labd is a build problem, not this machine's: `Lab::up` reports it.
    None
}

/// True when `DESKSIDE_LAB_REQUIRED=1`: a lab that cannot run is then a failure, not a skip.
pub fn lab_required() -> bool {
    std::env::var("DESKSIDE_LAB_REQUIRED").is_ok_and(|v| v == "1")
}

/// Start a lab for a test: `Some(lab)`, or `None` after printing why the lab cannot run here
/// (the test should then return: a skip). With `DESKSIDE_LAB_REQUIRED=1` (CI) an unavailable
/// lab panics instead, and so does a lab that fails to come up. `labd` defaults to
/// [`default_labd`]; `extra_tools` are tools the test itself needs (`ping`, `getent`…).
#[expect(
    clippy::panic,
    reason = "test support: failing the calling test is the point"
)]
pub fn start_or_skip(labd: Option<&Path>, extra_tools: &[&str]) -> Option<Lab> {
    if let Some(reason) = unavailable_reason(extra_tools) {
        if lab_required() {
            panic!("network lab required (DESKSIDE_LAB_REQUIRED=1) but unavailable: {reason}");
        }
        // Straight to the stderr handle, not `eprintln!`: libtest captures the macro's output
        // of passing tests, and a skip must be visible in a plain `cargo test` run.
        let test = thread::current().name().unwrap_or("lab test").to_owned();
        let line = format!(
            "SKIPPED {test}: network lab unavailable: {reason} \
             (set DESKSIDE_LAB_REQUIRED=1 to make this a failure)\n"
        );
        // One write, so parallel tests' lines don't interleave.
        let _ = io::stderr().write_all(line.as_bytes());
        return None;
    }
    let lab = match labd {
        Some(path) => Lab::up_with_labd(path),
        None => Lab::up(),
    };
    match lab {
        Ok(lab) => Some(lab),
        Err(e) => panic!("network lab failed to come up: {e}"),
    }
}

/// `let lab = lab_or_skip!(…);` in a test: [`start_or_skip`], returning from the test on a
/// skip. Extra tools the test needs can be listed, and the `deskside-labd` binary given:
///
/// ```ignore
/// let lab = deskside_lab::lab_or_skip!();
/// let lab = deskside_lab::lab_or_skip!("ping", "getent");
/// let lab = deskside_lab::lab_or_skip!(labd = env!("CARGO_BIN_EXE_deskside-labd"); "ping");
/// ```
#[macro_export]
macro_rules! lab_or_skip {
    (labd = $labd:expr $(; $($tool:expr),* $(,)?)?) => {
        match $crate::start_or_skip(
            ::std::option::Option::Some(::std::path::Path::new(&$labd)),
            &[$($($tool),*)?],
        ) {
            ::std::option::Option::Some(lab) => lab,
            ::std::option::Option::None => return,
        }
    };
    ($($tool:expr),* $(,)?) => {
        match $crate::start_or_skip(::std::option::Option::None, &[$($tool),*]) {
            ::std::option::Option::Some(lab) => lab,
            ::std::option::Option::None => return,
        }
    };
}

/// The `deskside-labd` binary: `$LABD`, else `deskside-labd` next to the running test's
/// target directory (`target/<profile>/`), else `<workspace>/target/debug/`. Build it with
/// `cargo build -p deskside-lab` when another crate's tests use the lab.
pub fn default_labd() -> io::Result<PathBuf> {
    if let Some(path) = std::env::var_os("LABD") {
        return Ok(PathBuf::from(path));
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        // target/<profile>/deps/<test>-<hash> → target/<profile>/deskside-labd
        for dir in exe.ancestors().skip(1).take(2) {
            candidates.push(dir.join("deskside-labd"));
        }
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/debug/deskside-labd"));
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "deskside-labd not found: run `cargo build -p deskside-lab` or set LABD",
        )
    })
}

fn state_root() -> PathBuf {
    std::env::var_os("LAB_STATE").map_or_else(|| PathBuf::from("/tmp/deskside-lab"), PathBuf::from)
}

/// Five random lowercase hex characters.
fn random_id() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(d) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        hasher.write_u128(d.as_nanos());
    }
    format!("{:05x}", hasher.finish() & 0xf_ffff)
}

fn find_on_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

/// Insert `lines` at the top of their `[section]`s in TOML `text`, appending missing sections.
fn insert_config_lines(text: &str, lines: &[(&str, &str)]) -> String {
    let mut out: Vec<String> = text.lines().map(str::to_owned).collect();
    for (section, line) in lines {
        let header = format!("[{section}]");
        match out.iter().position(|l| l.trim() == header) {
            Some(i) => out.insert(i + 1, (*line).to_owned()),
            None => {
                out.push(String::new());
                out.push(header);
                out.push((*line).to_owned());
            }
        }
    }
    let mut joined = out.join("\n");
    joined.push('\n');
    joined
}

#[expect(
    clippy::disallowed_methods,
    reason = "the lab harness drives root-only shell plumbing synchronously from tests; \
              deskside-exec is the product's async runner"
)]
fn command(program: impl AsRef<OsStr>) -> Command {
    Command::new(program)
}

fn script(args: &[&str]) -> Command {
    let mut cmd = command("bash");
    cmd.arg(LAB_SCRIPT).args(args);
    cmd
}

fn command_error(what: &str, out: &Output) -> io::Error {
    io::Error::other(format!(
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim(),
        String::from_utf8_lossy(&out.stdout).trim()
    ))
}

/// Run `cmd` to completion with captured output, killing it after `timeout`.
fn run(mut cmd: Command, timeout: Duration) -> io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_deadline(&mut child, timeout)?;
    // A grandchild that kept the pipes open must not hang the harness: stop reading after a
    // short grace period.
    let grace = Duration::from_secs(2);
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            status,
            stdout,
            stderr,
        }),
        None => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "{:?} timed out after {timeout:?}; stdout: {}; stderr: {}",
                cmd.get_program(),
                String::from_utf8_lossy(&stdout).trim(),
                String::from_utf8_lossy(&stderr).trim()
            ),
        )),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// Wait for `child` until `timeout`; `None` (after killing it) when it ran out of time.
fn wait_deadline(child: &mut Child, timeout: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_names_round_trip_and_are_known_to_lab_sh() {
        let script = std::fs::read_to_string(LAB_SCRIPT).unwrap();
        for fault in Fault::ALL {
            assert_eq!(Fault::from_name(fault.name()), Some(*fault));
            assert!(
                script.contains(&format!(" {}", fault.name())),
                "lab.sh does not list {fault}"
            );
        }
    }

    #[test]
    fn config_lines_go_into_their_sections() {
        let text = "[network]\na = 1\n\n[disk]\npaths = []\n";
        let out = insert_config_lines(text, &[("disk", "temp_warn_bytes = 8"), ("new", "x = 1")]);
        assert_eq!(
            out,
            "[network]\na = 1\n\n[disk]\ntemp_warn_bytes = 8\npaths = []\n\n[new]\nx = 1\n"
        );
    }

    #[test]
    fn random_ids_are_five_hex_chars() {
        for _ in 0..100 {
            let id = random_id();
            assert_eq!(id.len(), 5);
            assert!(id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
        }
    }
}
