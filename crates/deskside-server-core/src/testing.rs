//! Test support (feature `testing`): a private PostgreSQL cluster — `initdb` into a temporary
//! directory, `pg_ctl start` on a free loopback port with its socket in that directory — and
//! the skip rule of the system tests: without PostgreSQL's binaries a test prints `SKIPPED`
//! and passes, unless `DESKSIDE_SERVER_PG_REQUIRED=1` (CI) makes that a failure.
//!
//! PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` account
//! (Debian's package creates it) through `runuser`.
#![expect(
    clippy::disallowed_methods,
    reason = "test support starts PostgreSQL's own tools directly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that turns a skip into a failure.
pub const REQUIRED_ENV: &str = "DESKSIDE_SERVER_PG_REQUIRED";

/// A running private cluster; stopped (immediately) and removed on drop.
#[derive(Debug)]
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// PostgreSQL's binaries: `DESKSIDE_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
#[must_use]
pub fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DESKSIDE_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}

/// Whether this process is root (never off Unix, where PostgreSQL runs as this user).
fn is_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

impl PgCluster {
    /// Starts a cluster, or explains why not: `Ok(None)` when PostgreSQL is not installed.
    ///
    /// # Errors
    /// When a step fails (its output in the message).
    pub fn start() -> Result<Option<Self>, String> {
        let Some(bin) = pg_bin() else {
            return Ok(None);
        };
        let dir = tempfile::Builder::new()
            .prefix("deskside-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path()))?;
        }
        let port = deskside_test_support::server_port().map_err(|e| e.to_string())?;
        let this = Self {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = this.data();
        run(this
            .tool("initdb")
            .args([
                "--auth=trust",
                "--username=deskside",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data))?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=100",
            this.dir.path().display()
        );
        run(this
            .tool("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-l"])
            .arg(this.dir.path().join("server.log"))
            .args(["-o", &options, "start"]))?;
        Ok(Some(this))
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A connection URL for database `db` (create it first with [`PgCluster::create_db`],
    /// or use `postgres`).
    #[must_use]
    pub fn url(&self, db: &str) -> String {
        format!("postgres://deskside@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates database `name`.
    ///
    /// # Errors
    /// When `createdb` fails.
    pub fn create_db(&self, name: &str) -> Result<(), String> {
        run(self.tool("createdb").args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "deskside",
            name,
        ]))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .tool("pg_ctl")
            .args(["-D"])
            .arg(&data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

fn run(c: &mut Command) -> Result<(), String> {
    let out = c.output().map_err(|e| format!("{c:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{c:?}: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A cluster for test `name`, or `None` after printing why it is skipped.
///
/// # Panics
/// When PostgreSQL is missing and [`REQUIRED_ENV`] is `1`, or when starting fails.
#[must_use]
#[expect(
    clippy::panic,
    clippy::print_stderr,
    reason = "test support: the failure report"
)]
pub fn cluster_or_skip(name: &str) -> Option<PgCluster> {
    match PgCluster::start() {
        Ok(Some(c)) => Some(c),
        Ok(None) => {
            let why =
                "PostgreSQL is not installed (apt-get install postgresql, or set DESKSIDE_PG_BIN)";
            if std::env::var(REQUIRED_ENV).as_deref() == Ok("1") {
                panic!("{name}: {why}, and {REQUIRED_ENV}=1");
            }
            eprintln!("SKIPPED {name}: {why}");
            None
        }
        Err(e) => panic!("{name}: starting PostgreSQL failed: {e}"),
    }
}
