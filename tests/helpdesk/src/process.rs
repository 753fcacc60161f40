//! One supervised server process: `serve.sh <kind>-run …` with our end of its stdin pipe, its
//! output in a log file, a readiness wait that fails fast (with the log's end) when the server
//! exits, and a stop that closes the pipe so `serve.sh` stops the server's process group.

#![expect(
    clippy::disallowed_methods,
    reason = "test harness: starts the servers under test; deskside-exec is for product code"
)]

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{HarnessError, Result, SERVE_SCRIPT};

/// A free loopback port for a server, outside the ephemeral range so that no outgoing
/// connection takes it before the server binds it (or between a stop and a restart).
pub(crate) fn pick_port() -> Result<u16> {
    Ok(deskside_test_support::server_port()?)
}

/// Starts a server on a fresh port: `args(port)` are its `serve.sh` arguments. A port found
/// taken at start (seen about once in three runs of two sinks started side by side: something
/// bound the port between the pick and the start) is given up for another, up to five times.
///
/// # Errors
/// As [`Supervised::start`], after the last try.
pub(crate) fn start_on_fresh_port(
    server: &'static str,
    args: impl Fn(u16) -> Vec<OsString>,
    log: &Path,
    timeout: Duration,
) -> Result<(u16, Supervised)> {
    let mut tries = 0;
    loop {
        let port = pick_port()?;
        match Supervised::start(server, &args(port), port, log, timeout) {
            Err(HarnessError::PortTaken { .. }) if tries < 4 => tries += 1,
            other => return other.map(|s| (port, s)),
        }
    }
}

/// Fails with [`HarnessError::PortTaken`] when something listens on (or holds) the port.
///
/// # Errors
/// [`HarnessError::PortTaken`], or the bind error.
pub fn ensure_port_free(port: u16) -> Result<()> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            Err(HarnessError::PortTaken { port })
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub(crate) fn listening(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// Runs `serve.sh ARGS` to completion (the prepare steps) and returns its stdout.
pub(crate) fn serve_output(server: &'static str, args: &[OsString]) -> Result<String> {
    let out = Command::new("bash")
        .arg(SERVE_SCRIPT)
        .args(args)
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        return Err(HarnessError::Setup {
            server,
            detail: format!(
                "serve.sh {} exited with {}: {}{}",
                args.first()
                    .map(|a| a.to_string_lossy())
                    .unwrap_or_default(),
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Parses `key=value` lines.
pub(crate) fn credential(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim().to_owned())
    })
}

/// A running server.
#[derive(Debug)]
pub(crate) struct Supervised {
    server: &'static str,
    port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl Supervised {
    /// Starts `serve.sh ARGS`, logging to `log`, and waits until the port accepts connections.
    pub(crate) fn start(
        server: &'static str,
        args: &[OsString],
        port: u16,
        log: &Path,
        timeout: Duration,
    ) -> Result<Self> {
        ensure_port_free(port)?;
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        let mut child = Command::new("bash")
            .arg(SERVE_SCRIPT)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let stdin = child.stdin.take();
        let mut this = Self {
            server,
            port,
            child,
            stdin,
            log: log.to_owned(),
        };
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = this.child.try_wait()? {
                let tail = this.log_tail();
                let detail =
                    if tail.contains("Address already in use") || tail.contains("EADDRINUSE") {
                        format!("port {port} is already taken ({status}); log:\n{tail}")
                    } else {
                        format!("the server exited with {status}; log:\n{tail}")
                    };
                return Err(HarnessError::Start {
                    server,
                    port,
                    detail,
                });
            }
            if listening(port) {
                return Ok(this);
            }
            if Instant::now() > deadline {
                let detail = format!(
                    "no answer after {} s; log:\n{}",
                    timeout.as_secs(),
                    this.log_tail()
                );
                this.stop();
                return Err(HarnessError::Start {
                    server,
                    port,
                    detail,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of the server's log.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops the server (closing the pipe makes `serve.sh` TERM, then KILL, its group) and
    /// waits until the port is free again.
    pub(crate) fn stop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    // serve.sh itself is stuck: end it; its watcher already signalled the group.
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        // Workers may hold the listening socket a moment after the group leader exits.
        let deadline = Instant::now() + Duration::from_secs(10);
        while listening(self.port) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's name, for messages.
    pub(crate) const fn server(&self) -> &'static str {
        self.server
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The methods a server wrapping an [`Instance`] in its `server` field shares: restart, stop,
/// port, address, URL (their docs name the type, `$name`).
macro_rules! instance_methods {
    ($name:literal) => {
        #[doc = concat!("Starts the server again (same port, same database) after `", $name, "::stop`.")]
        ///
        /// # Errors
        /// [`HarnessError`](crate::HarnessError) when the port is taken or the server does not
        /// come up.
        pub fn restart(&mut self) -> $crate::Result<()> {
            self.server.restart()
        }

        /// Stops the server; the port then refuses connections.
        pub fn stop(&mut self) {
            self.server.stop();
        }

        /// The port.
        #[must_use]
        pub const fn port(&self) -> u16 {
            self.server.port()
        }

        /// The socket address, for a proxy's upstream.
        #[must_use]
        pub fn addr(&self) -> std::net::SocketAddr {
            self.server.addr()
        }

        /// The base URL: `http://127.0.0.1:PORT/`.
        #[must_use]
        pub fn url(&self) -> String {
            self.server.url()
        }
    };
}
pub(crate) use instance_methods;

/// A private server that `serve.sh <kind>-prepare DIR PORT` sets up in a temporary directory
/// and `serve.sh <kind>-run DIR PORT` serves: RT and Redmine differ only in what they read back.
#[derive(Debug)]
pub(crate) struct Instance {
    name: &'static str,
    kind: &'static str,
    boot: Duration,
    dir: tempfile::TempDir,
    port: u16,
    server: Option<Supervised>,
}

impl Instance {
    /// Prepares the directory on a free port (not started yet); returns the instance and what
    /// the prepare step printed (its `key=value` credentials, read with [`Instance::credential`]).
    pub(crate) fn prepare(
        name: &'static str,
        kind: &'static str,
        boot: Duration,
    ) -> Result<(Self, String)> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("deskside-{kind}-"))
            .tempdir()?;
        let port = pick_port()?;
        let out = serve_output(
            name,
            &[
                format!("{kind}-prepare").into(),
                dir.path().into(),
                port.to_string().into(),
            ],
        )?;
        let this = Self {
            name,
            kind,
            boot,
            dir,
            port,
            server: None,
        };
        Ok((this, out))
    }

    /// The credential `key` from the prepare step's output `out`.
    pub(crate) fn credential(&self, out: &str, key: &str) -> Result<String> {
        credential(out, key).ok_or_else(|| HarnessError::Setup {
            server: self.name,
            detail: format!("serve.sh {}-prepare printed no {key}: {out}", self.kind),
        })
    }

    /// Starts the server (same port, same database) unless it runs, waiting up to the boot time.
    pub(crate) fn restart(&mut self) -> Result<()> {
        if self.server.is_none() {
            let args: Vec<OsString> = vec![
                format!("{}-run", self.kind).into(),
                self.dir.path().into(),
                self.port.to_string().into(),
            ];
            let log = self.dir.path().join("server.log");
            self.server = Some(Supervised::start(
                self.name, &args, self.port, &log, self.boot,
            )?);
        }
        Ok(())
    }

    /// Stops the server; the port then refuses connections.
    pub(crate) fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.stop();
        }
    }

    /// The private directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The port.
    pub(crate) const fn port(&self) -> u16 {
        self.port
    }

    /// The socket address, for a proxy's upstream.
    pub(crate) fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The base URL: `http://127.0.0.1:PORT/`.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}
