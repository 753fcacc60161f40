//! Runs `desksidectl` as a user would, but hermetically: a private data directory (so a private
//! outbox), a system config file holding the `[helpdesk]` section under test (helpdesk URLs and
//! credentials are honoured only from the root-owned system file or mandatory policy, never from
//! `--config`), the user layer switched off, HOME in the temporary directory and no proxy
//! variables.
//! [`Deskside::isolated`] also runs it in a network namespace with only loopback, for commands
//! that probe the network (a live diagnosis).

#![expect(
    clippy::disallowed_methods,
    reason = "test harness: runs the CLI under test as a separate process"
)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

use crate::{Netns, desksidectl};

/// One `desksidectl` environment: data directory, config and the binary.
#[derive(Debug)]
pub struct Deskside {
    dir: tempfile::TempDir,
    bin: PathBuf,
    netns: Option<Netns>,
    env: Vec<(String, String)>,
}

/// What a finished `desksidectl` run produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Stdout parsed as JSON (`Value::Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or(Value::Null)
    }

    /// Everything printed, for assertion messages.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Deskside {
    /// A fresh environment whose config file holds `config_toml` (e.g. a `[helpdesk]` section).
    ///
    /// # Errors
    /// When the temporary directory or config file cannot be written.
    pub fn new(config_toml: &str) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("deskside-cli-").tempdir()?;
        std::fs::create_dir_all(dir.path().join("data"))?;
        std::fs::create_dir_all(dir.path().join("home"))?;
        std::fs::write(dir.path().join("config.toml"), config_toml)?;
        Ok(Self {
            dir,
            bin: desksidectl(),
            netns: None,
            env: Vec::new(),
        })
    }

    /// Like [`Deskside::new`], but every run happens inside a fresh network namespace with only
    /// loopback: reach the helpdesk through a proxy or bridge started in [`Deskside::netns`].
    ///
    /// # Errors
    /// When the directory, config or namespace cannot be created.
    pub fn isolated(config_toml: &str) -> crate::Result<Self> {
        let mut this = Self::new(config_toml)?;
        this.netns = Some(Netns::new()?);
        Ok(this)
    }

    /// Runs the CLI as if `login` were logged in (`USER`, `LOGNAME`): the requester's login.
    pub fn set_user(&mut self, login: &str) {
        for var in ["USER", "LOGNAME"] {
            self.env.push((var.to_owned(), login.to_owned()));
        }
    }

    /// The namespace runs happen in, for [`Deskside::isolated`].
    #[must_use]
    pub const fn netns(&self) -> Option<&Netns> {
        self.netns.as_ref()
    }

    /// Replaces the config file (the outbox stays).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn set_config(&self, config_toml: &str) -> std::io::Result<()> {
        std::fs::write(self.dir.path().join("config.toml"), config_toml)
    }

    /// The data directory (`DESKSIDE_DATA_DIR`): the outbox lives here.
    #[must_use]
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A scratch directory for files the test attaches.
    #[must_use]
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// The command with its hermetic environment, ready for arguments.
    #[must_use]
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = match &self.netns {
            Some(ns) => {
                // `ip netns exec` enters the namespace and execs: the pid is desksidectl's.
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns.name()]).arg(&self.bin);
                c
            }
            None => Command::new(&self.bin),
        };
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path().join("home"))
            .env("DESKSIDE_DATA_DIR", self.data_dir())
            // The system file: helpdesk and server URLs and credentials are honoured only from
            // it (root-owned) or mandatory policy, never from `--config`/DESKSIDE_CONFIG.
            .env(
                "DESKSIDE_SYSTEM_CONFIG",
                self.dir.path().join("config.toml"),
            )
            .env("DESKSIDE_USER_CONFIG", "")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for var in ["RUST_LOG", "RUST_BACKTRACE"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        cmd
    }

    /// Runs `desksidectl ARGS` to completion.
    ///
    /// # Errors
    /// When the binary cannot be started (see [`crate::desksidectl`]).
    pub fn run<I, S>(&self, args: I) -> std::io::Result<Run>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Ok(self.command(args).output()?.into())
    }

    /// Starts `desksidectl ARGS` without waiting (for the kill -9 tests).
    ///
    /// # Errors
    /// When the binary cannot be started.
    pub fn spawn<I, S>(&self, args: I) -> std::io::Result<Child>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    }

    /// `outbox list --json` → the `tickets` array.
    ///
    /// # Errors
    /// When the CLI cannot run.
    pub fn outbox(&self) -> std::io::Result<Vec<Value>> {
        let run = self.run(["outbox", "list", "--json"])?;
        Ok(run.json()["tickets"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }
}
