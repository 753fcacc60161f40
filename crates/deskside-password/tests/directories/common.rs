//! The real directories the password tests run against: a private OpenLDAP slapd (ppolicy,
//! TLS) and a private Samba AD DC, started once per test binary on loopback by the scripts in
//! `tests/directory/`, each under a watchdog that stops it and removes its temp dir when the
//! test process ends. Tests skip (with a message) when not root or the servers are not
//! installed, unless `DESKSIDE_DIRECTORY_REQUIRED=1`, which turns a skip into a failure.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use deskside_config::Config;
use deskside_password::{
    ChangeReport, ChangeRequest, Password, PasswordError, PolicyReason, Status, StatusRequest,
};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};

pub const SUFFIX: &str = "dc=deskside,dc=test";
pub const LDAP_ADMIN: &str = "cn=admin,dc=deskside,dc=test";
pub const LDAP_ADMIN_PW: &str = "admin-secret";
pub const AD_BASE: &str = "DC=deskside,DC=test";
pub const AD_ADMIN_PW: &str = "Admin-Pass-1";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn scripts() -> PathBuf {
    repo_root().join("tests/directory")
}

fn required() -> bool {
    std::env::var("DESKSIDE_DIRECTORY_REQUIRED").is_ok_and(|v| v == "1")
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| d.join(bin).is_file())
            || ["/usr/sbin", "/sbin"]
                .iter()
                .any(|d| Path::new(d).join(bin).is_file())
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Whether the tests needing `bins` can run here; prints why not, or panics when required.
pub fn can_run(what: &str, bins: &[&str]) -> bool {
    let missing: Vec<&str> = bins.iter().copied().filter(|b| !on_path(b)).collect();
    let problem = if !is_root() {
        Some("not running as root".to_owned())
    } else if !missing.is_empty() {
        Some(format!("not installed: {}", missing.join(", ")))
    } else {
        None
    };
    match problem {
        None => true,
        Some(p) if required() => {
            panic!("{what}: {p} (DESKSIDE_DIRECTORY_REQUIRED=1; run scripts/bootstrap.sh)")
        }
        Some(p) => {
            eprintln!("skipping {what}: {p}");
            false
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on, for "the directory is down" cases
/// (servers take theirs from `deskside_test_support::server_port`).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(addr: &str, timeout: Duration, log: &Path) {
    wait_for(timeout, log, || {
        TcpStream::connect(addr).is_ok().then_some(())
    });
}

/// A running directory server.
#[derive(Debug)]
pub struct Server {
    pub dir: PathBuf,
    pub ldaps_url: String,
    pub ldap_url: String,
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    #[expect(
        dead_code,
        reason = "held so the watchdog's handle lives as long as the server"
    )]
    watchdog: std::sync::Mutex<std::process::Child>,
}

impl Server {
    /// A Samba DC on 127.0.0.1's standard ports, its TLS files under `dir` (samba.sh).
    fn samba(dir: PathBuf, watchdog: std::sync::Mutex<std::process::Child>) -> Self {
        Self {
            ldaps_url: "ldaps://127.0.0.1".to_owned(),
            ldap_url: "ldap://127.0.0.1".to_owned(),
            ca: dir.join("tls/ca.pem"),
            other_ca: dir.join("tls/other-ca.pem"),
            dir,
            watchdog,
        }
    }
}

/// A temporary directory that outlives this handle (the watchdog removes it).
fn kept_dir(prefix: &str) -> PathBuf {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap()
        .keep()
}

/// Starts the watchdog; the child is kept (never waited for: it outlives the tests on purpose
/// and ends by itself when this process does).
fn spawn_watched(dir: &Path, args: &[&str]) -> std::sync::Mutex<std::process::Child> {
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let pid = std::process::id().to_string();
    let mut cmd = Command::new("bash");
    cmd.arg(scripts().join("watchdog.sh"))
        .arg(&pid)
        .arg(dir)
        .arg("--")
        .args(args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    std::sync::Mutex::new(cmd.spawn().unwrap())
}

static SLAPD: OnceLock<Option<Server>> = OnceLock::new();
static SAMBA: OnceLock<Option<Server>> = OnceLock::new();
static AGED_SAMBA: OnceLock<Option<AgedServer>> = OnceLock::new();

/// libfaketime's preload library (`/usr/lib/<arch>/faketime/libfaketime.so.1`).
pub fn faketime_preload() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        std::fs::read_dir("/usr/lib")
            .unwrap()
            .flatten()
            .map(|e| e.path().join("faketime/libfaketime.so.1"))
            .find(|p| p.is_file())
            .unwrap_or_else(|| panic!("libfaketime is not installed"))
            .to_string_lossy()
            .into_owned()
    })
}

/// The OpenLDAP server of this test binary, started on first use.
pub fn slapd() -> Option<&'static Server> {
    SLAPD
        .get_or_init(|| {
            if !can_run("OpenLDAP tests", &["slapd", "slapadd", "openssl"]) {
                return None;
            }
            let dir = kept_dir("deskside-slapd-");
            let (port, tls_port) = (
                deskside_test_support::server_port().unwrap(),
                deskside_test_support::server_port().unwrap(),
            );
            let script = scripts().join("slapd.sh");
            let watchdog = spawn_watched(
                &dir,
                &[
                    "bash",
                    script.to_str().unwrap(),
                    dir.to_str().unwrap(),
                    "127.0.0.1",
                    &port.to_string(),
                    &tls_port.to_string(),
                ],
            );
            wait_port(
                &format!("127.0.0.1:{tls_port}"),
                Duration::from_secs(20),
                &dir.join("server.log"),
            );
            Some(Server {
                ldaps_url: format!("ldaps://127.0.0.1:{tls_port}"),
                ldap_url: format!("ldap://127.0.0.1:{port}"),
                ca: dir.join("tls/ca.pem"),
                other_ca: dir.join("tls/other-ca.pem"),
                dir,
                watchdog,
            })
        })
        .as_ref()
}

/// The Samba AD DC of this test binary, started on first use (10-30 s).
pub fn samba() -> Option<&'static Server> {
    SAMBA
        .get_or_init(|| {
            if !can_run("Samba AD tests", &["samba", "samba-tool", "openssl"]) {
                return None;
            }
            let dir = kept_dir("deskside-samba-");
            let script = scripts().join("samba.sh");
            // A Samba of a test binary that just ended may still be stopping (its watchdog
            // polls every 0.5 s); its open port would pass for ours.
            let freeing = Instant::now();
            while TcpStream::connect("127.0.0.1:636").is_ok()
                && freeing.elapsed() < Duration::from_secs(15)
            {
                std::thread::sleep(Duration::from_millis(200));
            }
            let started = Instant::now();
            let watchdog = spawn_watched(
                &dir,
                &[
                    "bash",
                    script.to_str().unwrap(),
                    dir.to_str().unwrap(),
                    "127.0.0.1",
                ],
            );
            wait_port(
                "127.0.0.1:636",
                Duration::from_secs(120),
                &dir.join("server.log"),
            );
            // The LDAP port opens before the directory answers binds.
            std::thread::sleep(Duration::from_millis(500));
            eprintln!("Samba AD DC up in {:?}", started.elapsed());
            Some(Server::samba(dir, watchdog))
        })
        .as_ref()
}

/// A second Samba AD DC whose clock runs [`AGED_CLOCK`] ahead (libfaketime), in a network
/// namespace of its own (so its ports and clock touch nothing else); the users of
/// [`AGED_USERS`] were made on the real clock, so their passwords have expired. Reach it with
/// the command prefix [`AgedServer::enter`]. libfaketime reaches Samba's password checks but
/// not its rootDSE `currentTime` nor its KDC, so clients stay on the real clock.
#[derive(Debug)]
pub struct AgedServer {
    pub server: Server,
    pid: u32,
}

/// How far ahead the aged domain's clock runs: past the 42-day maximum password age.
pub const AGED_CLOCK: &str = "+43d";
/// The users made on the real clock in the aged domain, with their passwords.
pub const AGED_USERS: &[(&str, &str)] = &[("aged1", "Aged-Pass-901"), ("aged2", "Aged-Pass-902")];

impl AgedServer {
    /// `nsenter` into the server's network namespace, to put before a command.
    pub fn enter(&self) -> Vec<String> {
        vec![
            "nsenter".to_owned(),
            format!("--net=/proc/{}/ns/net", self.pid),
            "--".to_owned(),
        ]
    }
}

/// The aged Samba AD DC of this test binary, started on first use.
pub fn aged_samba() -> Option<&'static AgedServer> {
    AGED_SAMBA
        .get_or_init(|| {
            if !can_run(
                "expired AD password tests",
                &[
                    "samba",
                    "samba-tool",
                    "openssl",
                    "faketime",
                    "unshare",
                    "nsenter",
                ],
            ) {
                return None;
            }
            let dir = kept_dir("deskside-samba-aged-");
            let script = scripts().join("samba.sh");
            let users: Vec<String> = AGED_USERS.iter().map(|(u, p)| format!("{u}:{p}")).collect();
            let users = format!("SAMBA_USERS={}", users.join(" "));
            let clock = format!("SAMBA_CLOCK={AGED_CLOCK}");
            let started = Instant::now();
            let watchdog = spawn_watched(
                &dir,
                &[
                    "env",
                    &users,
                    &clock,
                    "unshare",
                    "--net",
                    "--",
                    "bash",
                    "-c",
                    "ip link set lo up && exec bash \"$@\"",
                    "samba-aged",
                    script.to_str().unwrap(),
                    dir.to_str().unwrap(),
                    "127.0.0.1",
                ],
            );
            let log = dir.join("server.log");
            let pid = wait_for(Duration::from_secs(120), &log, || {
                let pid: u32 = std::fs::read_to_string(dir.join("samba.pid"))
                    .ok()?
                    .trim()
                    .parse()
                    .ok()?;
                let out = Command::new("nsenter")
                    .arg(format!("--net=/proc/{pid}/ns/net"))
                    .args(["--", "ss", "-Hltn", "sport = :636"])
                    .output()
                    .ok()?;
                (!out.stdout.is_empty()).then_some(pid)
            });
            std::thread::sleep(Duration::from_millis(500));
            eprintln!("aged Samba AD DC up in {:?}", started.elapsed());
            Some(AgedServer {
                server: Server::samba(dir, watchdog),
                pid,
            })
        })
        .as_ref()
}

/// Polls `ready` every 100 ms until it gives a value; panics with the server log after `limit`.
fn wait_for<T>(limit: Duration, log: &Path, mut ready: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = ready() {
            return v;
        }
        if started.elapsed() > limit {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("server not ready within {limit:?}; its log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn tls_config(ca: &Path) -> Arc<rustls::ClientConfig> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// An LDAPS session bound as `dn`.
pub async fn bind(server: &Server, dn: &str, password: &str) -> Ldap {
    let settings = LdapConnSettings::new().set_config(tls_config(&server.ca));
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &server.ldaps_url)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    ldap.simple_bind(dn, password)
        .await
        .unwrap()
        .success()
        .unwrap();
    ldap
}

/// Whether `dn` can bind with `password` (the result code of the bind).
pub async fn bind_rc(server: &Server, dn: &str, password: &str) -> u32 {
    let settings = LdapConnSettings::new().set_config(tls_config(&server.ca));
    let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &server.ldaps_url)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    let rc = ldap.simple_bind(dn, password).await.unwrap().rc;
    let _ = ldap.unbind().await;
    rc
}

/// A config for the library from TOML text.
pub fn config(text: &str) -> Config {
    toml::from_str(text).unwrap()
}

/// [`deskside_password::status`] for `user` with `password`, under the config `config_text`,
/// with a throwaway data dir.
pub async fn status_with(config_text: &str, user: &str, password: &str) -> Status {
    let dir = tempfile::tempdir().unwrap();
    deskside_password::status(
        &config(config_text),
        StatusRequest {
            user: Some(user.to_owned()),
            password: Some(Password::from(password)),
            data_dir: Some(dir.path().to_path_buf()),
        },
    )
    .await
    .unwrap()
}

/// [`deskside_password::change`] for `user`, under the config `config_text`, with a throwaway
/// data dir.
pub async fn change_with(
    config_text: &str,
    user: &str,
    current: &str,
    new: &str,
    skip_local_checks: bool,
) -> Result<ChangeReport, PasswordError> {
    let dir = tempfile::tempdir().unwrap();
    deskside_password::change(
        &config(config_text),
        ChangeRequest {
            user: Some(user.to_owned()),
            current: Password::from(current),
            new: Password::from(new),
            data_dir: Some(dir.path().to_path_buf()),
            skip_local_checks,
        },
    )
    .await
}

/// The policy reason of a refusal, if it is one.
pub fn reason(e: &PasswordError) -> Option<PolicyReason> {
    match e {
        PasswordError::PolicyViolation { reason, .. } => Some(*reason),
        _ => None,
    }
}

/// The desksidectl binary (built by `cargo build --bins`; `DESKSIDECTL` overrides).
pub fn desksidectl() -> Option<PathBuf> {
    let path = std::env::var_os("DESKSIDECTL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/desksidectl"));
    if path.is_file() {
        Some(path)
    } else if required() {
        panic!(
            "desksidectl not built at {} (run cargo build --bins first)",
            path.display()
        );
    } else {
        eprintln!("skipping CLI part: {} not built", path.display());
        None
    }
}

/// Runs desksidectl behind a command `prefix` (such as [`AgedServer::enter`]; empty for none)
/// with a hermetic environment: config from `config_file`, data in `home/data`, stdin from
/// `stdin`; extra env pairs appended.
pub fn run_cli(
    prefix: &[String],
    bin: &Path,
    home: &Path,
    config_file: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> Output {
    use std::io::Write;
    let mut cmd = match prefix.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    cmd.arg("--config")
        .arg(config_file)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("DESKSIDE_SYSTEM_CONFIG", "")
        .env("DESKSIDE_USER_CONFIG", "")
        .env("DESKSIDE_DATA_DIR", home.join("data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Unique names per test so tests can share one server and run in parallel.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}{}x{}",
        std::process::id() % 10_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}
