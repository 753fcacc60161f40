//! Which CUPS scheduler `print.clear_queue` acts on, and reading its answers.
//!
//! A user may point their print commands at a scheduler other than the system's with
//! `CUPS_SERVER` (a private `cupsd`, a test lab's). The fix must clear *that* queue and restart
//! *that* scheduler, and nothing else: so the server is resolved once ([`resolve`]), passed to
//! `cancel` and `lpstat` explicitly with `-h` (the default socket is a file path, reachable from
//! any network namespace, so leaving it implicit could reach a scheduler the namespace rule
//! forbids), and the `cupsd` to restart is the one in our network namespace that holds the
//! listening socket at that path ([`unix_listeners`] + `/proc/<pid>/fd`). Only schedulers on a
//! local socket are handled: a `CUPS_SERVER` naming a host is a print server elsewhere.
//!
//! Everything here is pure and fixture-tested; [`crate::facts::detect_print`] reads the
//! machine with it.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::FixError;

/// The scheduler's socket when `CUPS_SERVER` is not set (Debian, Fedora, Arch, Ubuntu).
pub const DEFAULT_SOCKET: &str = "/run/cups/cups.sock";

/// Longest socket path the kernel accepts (`sun_path` is 108 bytes with the final NUL).
const MAX_SOCKET_PATH: usize = 107;

/// The CUPS scheduler to talk to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CupsServer {
    /// A scheduler on this computer, through its local socket.
    Socket(PathBuf),
    /// A print server reached over the network (`host` or `host:port`); Deskside does not clear
    /// such queues, the value is kept to say so.
    Network(String),
}

impl CupsServer {
    /// Validate a `CUPS_SERVER` value: an absolute socket path (no `..`, no control characters,
    /// at most 107 bytes) or a `host[:port]` / `[v6]:port` of letters, digits and `.-:[]`.
    ///
    /// # Errors
    /// [`FixError::BadArgument`] (`CUPS_SERVER`) naming the problem.
    pub fn parse(value: &str) -> Result<Self, FixError> {
        let bad = |problem: &str| FixError::BadArgument {
            name: "CUPS_SERVER",
            problem: format!("{:?} {problem}", value.chars().take(60).collect::<String>()),
        };
        if value.starts_with('/') {
            if value.len() > MAX_SOCKET_PATH {
                return Err(bad("is too long for a socket path (at most 107 bytes)"));
            }
            if value.chars().any(char::is_control) {
                return Err(bad("contains control characters"));
            }
            let path = PathBuf::from(value);
            if path.components().any(|c| c == Component::ParentDir) {
                return Err(bad("must not contain `..`"));
            }
            return Ok(Self::Socket(path));
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || ".-:[]".contains(c);
        if value.is_empty() || value.len() > 260 || value.starts_with('-') || !value.chars().all(ok)
        {
            return Err(bad(
                "is neither a socket path (starting with /) nor a host name with an optional :port",
            ));
        }
        Ok(Self::Network(value.to_owned()))
    }

    /// The value for `cancel -h` / `lpstat -h`.
    #[must_use]
    pub fn as_arg(&self) -> String {
        match self {
            Self::Socket(p) => p.display().to_string(),
            Self::Network(h) => h.clone(),
        }
    }
}

impl fmt::Display for CupsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_arg())
    }
}

impl Serialize for CupsServer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_arg())
    }
}

/// The scheduler this process prints to: `CUPS_SERVER` when set and not blank, else the
/// default socket. (`client.conf` `ServerName` is not read: Deskside only clears a local
/// scheduler, and the default socket is the local one.)
///
/// # Errors
/// [`FixError::BadArgument`] when `CUPS_SERVER` is set to something that is no server.
pub fn resolve(cups_server_env: Option<&str>) -> Result<CupsServer, FixError> {
    match cups_server_env.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => CupsServer::parse(v),
        None => Ok(CupsServer::Socket(PathBuf::from(DEFAULT_SOCKET))),
    }
}

/// The scheduler for this process; `honour_env` is false in the privileged helper, which
/// ignores the environment and so always acts on the system's scheduler.
#[must_use]
pub fn server_here(honour_env: bool) -> Option<CupsServer> {
    let env = if honour_env {
        std::env::var("CUPS_SERVER").ok()
    } else {
        None
    };
    resolve(env.as_deref()).ok()
}

/// Inodes of the *listening* unix sockets bound to `path`, from `/proc/net/unix` (which lists
/// only the sockets of the reader's network namespace). Columns: `Num RefCount Protocol Flags
/// Type St Inode Path`; flag `0x10000` (`__SO_ACCEPTCON`) marks a listener.
#[must_use]
pub fn unix_listeners(text: &str, path: &Path) -> Vec<u64> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = u32::from_str_radix(fields.get(3)?, 16).ok()?;
            let inode: u64 = fields.get(6)?.parse().ok()?;
            let p = fields.get(7)?;
            (flags & 0x0001_0000 != 0 && Path::new(p) == path).then_some(inode)
        })
        .collect()
}

/// The systemd service a process belongs to, from `/proc/<pid>/cgroup`: the last path
/// component ending in `.service` of the unified (`0::`) or `name=systemd` hierarchy.
#[must_use]
pub fn systemd_unit(cgroup: &str) -> Option<String> {
    cgroup
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            (controllers.is_empty() || controllers == "name=systemd").then_some(path)
        })
        .find_map(|path| {
            path.rsplit('/')
                .find(|c| c.ends_with(".service"))
                .map(str::to_owned)
        })
}

/// What `lpstat -o` said about the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queue {
    /// No job waits.
    Empty,
    /// These job ids (`printer-N`) wait.
    Jobs(Vec<String>),
    /// The scheduler did not answer (not running, reloading, no permission); its message.
    Unreachable(String),
}

/// Read `lpstat -o`: exit status 0 and one line per job (`lab-3  root  1024  Tue …`), or a
/// failure with a message on stderr (`lpstat: Scheduler is not running.`).
#[must_use]
pub fn parse_lpstat_jobs(success: bool, stdout: &str, stderr: &str) -> Queue {
    if !success {
        let msg = stderr.trim();
        return Queue::Unreachable(if msg.is_empty() {
            "lpstat failed without a message".to_owned()
        } else {
            msg.to_owned()
        });
    }
    let jobs: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    if jobs.is_empty() {
        Queue::Empty
    } else {
        Queue::Jobs(jobs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_fixture as fixture;

    #[test]
    fn cups_server_values() {
        assert_eq!(
            resolve(None).unwrap(),
            CupsServer::Socket(DEFAULT_SOCKET.into())
        );
        assert_eq!(
            resolve(Some("  ")).unwrap(),
            CupsServer::Socket(DEFAULT_SOCKET.into())
        );
        assert_eq!(
            resolve(Some("/tmp/lab/cups/cups.sock")).unwrap().as_arg(),
            "/tmp/lab/cups/cups.sock"
        );
        assert_eq!(
            resolve(Some("print.corp.example:631")).unwrap(),
            CupsServer::Network("print.corp.example:631".into())
        );
        assert_eq!(
            CupsServer::parse("[::1]:631").unwrap(),
            CupsServer::Network("[::1]:631".into())
        );
        for bad in [
            "/tmp/../etc/x.sock",
            "-oProxyCommand=x",
            "host name",
            "relative/path",
            "/tmp/a\nb",
            &format!("/{}", "a".repeat(120)),
        ] {
            let e = CupsServer::parse(bad).unwrap_err();
            assert_eq!(e.code(), "fix.bad_argument", "{bad:?}");
            assert!(e.to_string().contains("CUPS_SERVER"), "{e}");
        }
    }

    #[test]
    fn unix_listeners_match_the_path_and_the_listen_flag() {
        // Captured in a network namespace running a private cupsd on /tmp/cupsexp/cups.sock.
        let text = fixture("proc-net-unix.txt");
        assert_eq!(
            unix_listeners(&text, Path::new("/tmp/cupsexp/cups.sock")),
            [1_326_761]
        );
        assert!(unix_listeners(&text, Path::new(DEFAULT_SOCKET)).is_empty());
        // A connected (non-listening) socket at the same path does not count.
        let connected = "Num RefCount Protocol Flags Type St Inode Path\n\
            0000000011: 00000003 00000000 00000000 0001 03 77 /run/cups/cups.sock\n\
            0000000012: 00000002 00000000 00010000 0001 01 78 /run/cups/cups.sock\n\
            0000000013: 00000002 00000000 00010000 0001 01 79\n";
        assert_eq!(unix_listeners(connected, Path::new(DEFAULT_SOCKET)), [78]);
    }

    #[test]
    fn systemd_unit_from_cgroup_files() {
        assert_eq!(
            systemd_unit(&fixture("cgroup-cups-service.txt")).as_deref(),
            Some("cups.service")
        );
        assert_eq!(
            systemd_unit("12:name=systemd:/system.slice/cups.service\n4:memory:/x\n").as_deref(),
            Some("cups.service")
        );
        // A cupsd started from a CI runner's unit or a login session is not cups.service.
        assert_eq!(
            systemd_unit("0::/system.slice/ci-runner.service/job-17\n").as_deref(),
            Some("ci-runner.service")
        );
        assert_eq!(
            systemd_unit("0::/user.slice/user-1000.slice/session-2.scope\n"),
            None
        );
        assert_eq!(systemd_unit(&fixture("cgroup-container.txt")), None);
    }

    #[test]
    fn lpstat_output_is_read_by_exit_status_and_lines() {
        assert_eq!(
            parse_lpstat_jobs(true, &fixture("lpstat-o-held.txt"), ""),
            Queue::Jobs(vec!["lab-3".into(), "lab-4".into(), "lab-5".into()])
        );
        assert_eq!(parse_lpstat_jobs(true, "", ""), Queue::Empty);
        assert_eq!(parse_lpstat_jobs(true, "\n  \n", ""), Queue::Empty);
        assert_eq!(
            parse_lpstat_jobs(false, "", &fixture("lpstat-o-unreachable.stderr.txt")),
            Queue::Unreachable("lpstat: Scheduler is not running.".into())
        );
        assert!(matches!(
            parse_lpstat_jobs(false, "", ""),
            Queue::Unreachable(_)
        ));
    }
}
