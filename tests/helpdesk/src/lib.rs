//! Starts real helpdesk servers on loopback for the ticket connector tests: Request Tracker 5,
//! Redmine 5, an SMTP sink and a validating mock of Jira Service Management — plus a
//! fault-injecting HTTP proxy to put in front of any of them, and a runner for `desksidectl`
//! with a private data directory and config.
//!
//! Each server runs from a private temporary directory with its own copy of a template
//! database (built once by `install.sh`) and fresh credentials, on a port picked here, bound to
//! 127.0.0.1 only; a port that is already taken fails the start with a message naming it.
//! Servers are started through `serve.sh`, which stops them when this process's end of a pipe
//! closes — so no server outlives its test process, even one killed with `kill -9`.
//!
//! The servers need root and the packages `install.sh` sets up. Without them a test is skipped
//! with a printed reason ([`require!`]) — unless `DESKSIDE_HELPDESK_REQUIRED=1` (CI), which turns
//! the skip into a failure.

pub mod cli;
pub mod fixtures;
pub mod netns;
pub mod prism;
mod process;
pub mod proxy;
pub mod redmine;
pub mod rt;
pub mod smtp;

use std::io::Write;
use std::path::{Path, PathBuf};

pub use cli::{Deskside, Run};
pub use netns::Netns;
pub use prism::{Prism, request_problems};
pub use process::ensure_port_free;
pub use proxy::{Exchange, Fault, FaultProxy, Rule, TcpBridge};
pub use redmine::Redmine;
pub use rt::Rt;
pub use smtp::SmtpSink;

/// `serve.sh`, fixed at compile time so every test binary finds it.
pub const SERVE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/serve.sh");

/// Errors of the harness; every message names the server or step and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// Something else already listens on the port chosen for a server.
    #[error("port {port} on 127.0.0.1 is already taken by another program; free it and rerun")]
    PortTaken {
        /// The port.
        port: u16,
    },
    /// Preparing a server's private directory failed.
    #[error("preparing {server} failed: {detail}")]
    Setup {
        /// Which server.
        server: &'static str,
        /// What went wrong, with the script's output.
        detail: String,
    },
    /// The server exited or never answered.
    #[error("{server} did not start on 127.0.0.1:{port}: {detail}")]
    Start {
        /// Which server.
        server: &'static str,
        /// Its port.
        port: u16,
        /// Exit status or timeout, and the end of its log.
        detail: String,
    },
    /// A read-back through the server's own API failed or answered something unexpected.
    #[error("{server} API: {detail}")]
    Api {
        /// Which server.
        server: &'static str,
        /// The request and the answer.
        detail: String,
    },
    /// A file or process operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// An HTTP request to a server failed.
    #[error("HTTP request failed: {0}")]
    Http(#[from] reqwest::Error),
}

impl HarnessError {
    /// Stable code, for tests that branch on the kind of failure.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::PortTaken { .. } => "helpdesk.port_taken",
            Self::Setup { .. } => "helpdesk.setup",
            Self::Start { .. } => "helpdesk.start",
            Self::Api { .. } => "helpdesk.api",
            Self::Io(_) => "helpdesk.io",
            Self::Http(_) => "helpdesk.http",
        }
    }
}

/// Result of harness operations.
pub type Result<T> = std::result::Result<T, HarnessError>;

/// A server the tests can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Request Tracker 5.
    Rt,
    /// Redmine 5.
    Redmine,
    /// The aiosmtpd SMTP sink.
    Smtp,
    /// Prism, validating against the Jira Service Management contract.
    Prism,
}

/// Where `install.sh` put the tools and templates: `$DESKSIDE_HELPDESK_TOOLS`, default
/// `/opt/deskside-helpdesk`.
#[must_use]
pub fn tools_dir() -> PathBuf {
    std::env::var_os("DESKSIDE_HELPDESK_TOOLS")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/opt/deskside-helpdesk"), PathBuf::from)
}

/// True when `DESKSIDE_HELPDESK_REQUIRED=1`: a server that cannot run is then a failure.
#[must_use]
pub fn required() -> bool {
    std::env::var("DESKSIDE_HELPDESK_REQUIRED").is_ok_and(|v| v == "1")
}

/// Why these servers cannot run here, or `None` when they can.
#[must_use]
pub fn unavailable_reason(kinds: &[Kind]) -> Option<String> {
    if !is_root() {
        return Some(
            "the helpdesk servers need root (packages, www-data, /var/lib/redmine)".into(),
        );
    }
    let tools = tools_dir();
    let mut missing = Vec::new();
    for kind in kinds {
        let needs: &[PathBuf] = match kind {
            Kind::Rt => &[
                PathBuf::from("/usr/share/request-tracker5/libexec/rt-server"),
                tools.join("rt/template.sqlite3"),
            ],
            Kind::Redmine => &[
                PathBuf::from("/usr/share/redmine/config.ru"),
                tools.join("redmine/template.sqlite3"),
            ],
            Kind::Smtp => &[tools.join("venv/bin/python")],
            Kind::Prism => &[tools.join("prism/node_modules/.bin/prism")],
        };
        missing.extend(
            needs
                .iter()
                .filter(|p| !p.exists())
                .map(|p| p.display().to_string()),
        );
    }
    if missing.is_empty() {
        None
    } else {
        Some(format!(
            "not installed: {} (run tests/helpdesk/install.sh as root)",
            missing.join(", ")
        ))
    }
}

fn is_root() -> bool {
    // /proc/self/status "Uid:" line: real, effective, saved, fs. No libc call needed.
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            .is_some_and(|euid| euid == "0")
    })
}

/// Prints a visible skip line for the current test, or fails it when
/// `DESKSIDE_HELPDESK_REQUIRED=1`.
///
/// # Panics
/// When the servers are required (CI) — failing the test is the point.
#[expect(
    clippy::panic,
    reason = "test support: failing the calling test is the point"
)]
pub fn skip(reason: &str) {
    if required() {
        panic!(
            "helpdesk servers required (DESKSIDE_HELPDESK_REQUIRED=1) but unavailable: {reason}"
        );
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("helpdesk test")
        .to_owned();
    // Straight to the stderr handle: libtest captures eprintln! of passing tests, and a skip
    // must be visible in a plain `cargo test` run. One write so parallel lines don't interleave.
    let line = format!(
        "SKIPPED {test}: {reason} (set DESKSIDE_HELPDESK_REQUIRED=1 to make this a failure)\n"
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Returns from the calling test (a skip) when the listed servers cannot run here.
///
/// ```ignore
/// deskside_helpdesk_tests::require!(Kind::Rt);
/// ```
#[macro_export]
macro_rules! require {
    ($($kind:expr),+ $(,)?) => {
        if let Some(reason) = $crate::unavailable_reason(&[$($kind),+]) {
            $crate::skip(&reason);
            return;
        }
    };
}

/// The repository root (two levels above this crate).
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Jira Service Management contract, read from the shared directory next to the
/// repository (`../shared/contracts/`), never copied into it. `DESKSIDE_CONTRACTS` names
/// another directory holding it (for a checkout that does not sit beside `shared/`).
#[must_use]
pub fn jsm_contract() -> PathBuf {
    let dir = std::env::var_os("DESKSIDE_CONTRACTS")
        .filter(|d| !d.is_empty())
        .map_or_else(|| repo_root().join("../shared/contracts"), PathBuf::from);
    dir.join("jira-service-management.openapi.json")
}

/// The CLI under test: `$DESKSIDECTL`, else the workspace's debug build.
#[must_use]
pub fn desksidectl() -> PathBuf {
    std::env::var_os("DESKSIDECTL")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || repo_root().join("target/debug/desksidectl"),
            PathBuf::from,
        )
}

/// A blocking HTTP client for reading tickets back, with no proxy from the environment.
pub(crate) fn http_client() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(30))
        .build()?)
}

/// A file attached to a ticket, as read back from the server.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// File name on the server.
    pub name: String,
    /// MIME type the server recorded.
    pub content_type: String,
    /// The bytes as the server serves them.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for RemoteFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteFile")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// A ticket as read back from the server, independently of the connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTicket {
    /// The server's ticket id.
    pub id: u64,
    /// Subject / title.
    pub subject: String,
    /// The first message's text (RT) or the description (Redmine).
    pub body: String,
    /// The "Deskside Key" custom field.
    pub key: Option<String>,
    /// Who the ticket is from: RT's first `Requestor` (a user name, the e-mail address for
    /// users RT created), Redmine's author login.
    pub requester: Option<String>,
    /// Attached files (not the body itself).
    pub files: Vec<RemoteFile>,
}

/// SHA-256 of bytes, hex — for messages comparing files without printing them.
#[must_use]
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}
