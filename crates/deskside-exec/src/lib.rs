//! The one way Deskside runs an external program.
//!
//! Every command Deskside runs — `ipconfig /all`, `scutil --dns`, `resolvectl status`, and
//! later fixes and admin actions — goes through [`run`]: a program and an argument list
//! (never a shell string), a timeout after which the child is killed, stdout/stderr captured
//! with a size cap, and a `tracing` record of what ran and how it ended. `clippy.toml` bans
//! `Command::new` elsewhere so this stays the only door.
//!
//! A child gets no stdin (`/dev/null`) unless the caller hands it a secret with
//! [`Cmd::stdin_secret`]: programs such as `kpasswd` take passwords only there (never as
//! arguments, which other users can read in the process list). The bytes are held in a
//! zeroizing buffer, written to the child's stdin, which is then closed, and never logged:
//! [`Cmd`]'s `Debug` shows `<redacted>` for them.

use std::ffi::OsString;
use std::process::Stdio;
use std::time::{Duration, Instant};

use deskside_secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
pub use zeroize::Zeroizing;

/// Output beyond this many bytes per stream is dropped (and flagged): a runaway command must
/// not fill memory.
pub const MAX_CAPTURE_BYTES: usize = 4 * 1024 * 1024;

/// Errors from running a program.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExecError {
    /// The program does not exist on this machine (or is not on `PATH`).
    #[error("`{program}` is not installed or not on PATH")]
    NotFound {
        /// Program name as requested.
        program: String,
    },
    /// The program could not be started for another reason (permissions…).
    #[error("could not start `{program}`: {source}")]
    Spawn {
        /// Program name as requested.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The program ran longer than allowed and was killed.
    #[error("`{program}` did not finish within {timeout:?} and was stopped")]
    Timeout {
        /// Program name as requested.
        program: String,
        /// The limit that was exceeded.
        timeout: Duration,
    },
    /// Reading the program's output failed.
    #[error("reading output of `{program}` failed: {source}")]
    Io {
        /// Program name as requested.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Bytes for a child's stdin that are secret (passwords): the workspace's one [`Secret`], zeroed
/// on drop, `<redacted>` in `Debug`, and no other way out than the child's stdin.
type SecretInput = Secret<Vec<u8>>;

/// A program to run: name or path, arguments, limits. Built with [`Cmd::new`].
#[derive(Debug, Clone)]
pub struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
    stdin: Option<SecretInput>,
}

impl Cmd {
    /// A command with a default 10 s timeout.
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            timeout: Duration::from_secs(10),
            stdin: None,
        }
    }

    /// Feed `bytes` to the child's stdin, then close it (the child sees end of input). For
    /// secrets a program reads from stdin, such as `kpasswd`'s old and new passwords: the
    /// bytes stay in a zeroizing buffer, are never logged, and `Debug` prints `<redacted>`.
    /// If the child exits without reading them, that is not an error; its exit code tells.
    #[must_use]
    pub fn stdin_secret(mut self, mut bytes: Zeroizing<Vec<u8>>) -> Self {
        // Moves the buffer (not a copy of its bytes) into the secret; `bytes` is left empty.
        self.stdin = Some(SecretInput::from(std::mem::take(&mut *bytes)));
        self
    }

    /// Append arguments. They are passed as-is, never through a shell.
    #[must_use]
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Set an environment variable for the child (e.g. `LC_ALL=C` for parseable output).
    #[must_use]
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Kill the child if it runs longer than this.
    #[must_use]
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn display_program(&self) -> String {
        self.program.to_string_lossy().into_owned()
    }
}

/// What a finished program left behind.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` if killed by a signal.
    pub code: Option<i32>,
    /// Captured standard output (lossy UTF-8).
    pub stdout: String,
    /// Captured standard error (lossy UTF-8).
    pub stderr: String,
    /// Whether either stream was cut at [`MAX_CAPTURE_BYTES`].
    pub truncated: bool,
    /// Wall time.
    pub elapsed: Duration,
}

impl Output {
    /// Exit code 0.
    #[must_use]
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

async fn read_capped<R: tokio::io::AsyncRead + Unpin>(
    reader: Option<R>,
) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(mut reader) = reader else {
        return Ok((Vec::new(), false));
    };
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 8192];
    let mut truncated = false;
    loop {
        let n = reader.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        let room = MAX_CAPTURE_BYTES.saturating_sub(buf.len());
        if n > room {
            truncated = true;
        }
        buf.extend_from_slice(&chunk[..n.min(room)]);
    }
    Ok((buf, truncated))
}

/// Run `cmd` to completion (or its timeout) and capture its output.
///
/// A non-zero exit is not an error here: many diagnostic commands exit non-zero with useful
/// output, so the caller decides.
///
/// # Errors
/// [`ExecError`] if the program is missing, cannot start, times out, or its output cannot be read.
pub async fn run(cmd: &Cmd) -> Result<Output, ExecError> {
    let program = cmd.display_program();
    let started = Instant::now();
    #[expect(clippy::disallowed_methods, reason = "this is the one runner")]
    let mut command = tokio::process::Command::new(&cmd.program);
    command
        .args(&cmd.args)
        .stdin(if cmd.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in &cmd.env {
        command.env(k, v);
    }
    let mut child = command.spawn().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ExecError::NotFound {
                program: program.clone(),
            }
        } else {
            ExecError::Spawn {
                program: program.clone(),
                source,
            }
        }
    })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let stdin = child.stdin.take();
    let feed = async {
        if let (Some(mut pipe), Some(input)) = (stdin, cmd.stdin.as_ref()) {
            // A child that exits (or closes stdin) before reading everything gives a broken
            // pipe here; that is its answer to judge by its exit code, not a runner failure.
            if let Err(e) = pipe.write_all(input.expose()).await {
                tracing::debug!(program, error = %e.kind(), "child did not read all of its stdin");
            }
            // Dropping the pipe closes it: the child sees end of input.
            drop(pipe);
        }
    };
    let work = async {
        let ((), out, err) = tokio::join!(feed, read_capped(stdout), read_capped(stderr));
        let status = child.wait().await;
        (out, err, status)
    };
    let Ok((out, err, status)) = tokio::time::timeout(cmd.timeout, work).await else {
        tracing::warn!(program, timeout = ?cmd.timeout, "command timed out");
        return Err(ExecError::Timeout {
            program,
            timeout: cmd.timeout,
        });
    };
    let io = |source| ExecError::Io {
        program: program.clone(),
        source,
    };
    let (out, out_trunc) = out.map_err(io)?;
    let (err, err_trunc) = err.map_err(io)?;
    let status = status.map_err(io)?;
    let output = Output {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        truncated: out_trunc || err_trunc,
        elapsed: started.elapsed(),
    };
    tracing::debug!(program, args = ?cmd.args, stdin = cmd.stdin.is_some(), code = ?output.code, elapsed = ?output.elapsed, "command finished");
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Unix tests below run `sh`, `echo`, `sleep`, `cat`, `true` and `head`; Windows has
    // none of them, so its own tests further down use `cmd.exe` and `ping.exe`.

    #[cfg(unix)]
    #[tokio::test]
    async fn captures_stdout_and_exit_code() {
        let out = run(&Cmd::new("sh").args(["-c", "echo hi; echo err >&2; exit 3"]))
            .await
            .unwrap();
        assert_eq!(out.stdout, "hi\n");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.code, Some(3));
        assert!(!out.success());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn arguments_are_not_interpreted_by_a_shell() {
        let out = run(&Cmd::new("echo").args(["$HOME;", "`id`"]))
            .await
            .unwrap();
        assert_eq!(out.stdout, "$HOME; `id`\n");
    }

    #[tokio::test]
    async fn missing_program_is_not_found() {
        let err = run(&Cmd::new("deskside-no-such-program"))
            .await
            .unwrap_err();
        assert!(matches!(err, ExecError::NotFound { .. }), "{err}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn slow_program_is_killed_at_timeout() {
        let started = Instant::now();
        let err = run(&Cmd::new("sleep")
            .args(["5"])
            .timeout(Duration::from_millis(200)))
        .await
        .unwrap_err();
        assert!(matches!(err, ExecError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn stdin_secret_reaches_the_child_then_closes() {
        let secret = Zeroizing::new(b"Planted-Stdin-Secret-1\nline two\n".to_vec());
        let out = run(&Cmd::new("cat").stdin_secret(secret)).await.unwrap();
        // `cat` ends only when stdin is closed, so finishing at all shows the close.
        assert!(out.success(), "{out:?}");
        assert_eq!(out.stdout, "Planted-Stdin-Secret-1\nline two\n");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn without_stdin_secret_the_child_reads_nothing() {
        let out = run(&Cmd::new("cat")).await.unwrap();
        assert!(out.success());
        assert_eq!(out.stdout, "");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn child_ignoring_its_stdin_is_not_an_error() {
        // Large enough to fill the pipe, so the write meets a closed reader.
        let big = Zeroizing::new(vec![b'x'; 1024 * 1024]);
        let out = run(&Cmd::new("true").stdin_secret(big)).await.unwrap();
        assert!(out.success());
    }

    #[cfg(windows)]
    #[tokio::test]
    async fn windows_captures_stdout_stderr_and_exit_code() {
        let out = run(&Cmd::new("cmd.exe").args(["/c", "echo hi& echo err 1>&2& exit 3"]))
            .await
            .unwrap();
        assert_eq!(out.stdout.trim_end(), "hi");
        assert_eq!(out.stderr.trim_end(), "err");
        assert_eq!(out.code, Some(3));
        assert!(!out.success());
    }

    #[cfg(windows)]
    #[tokio::test]
    async fn windows_slow_program_is_killed_at_timeout() {
        let started = Instant::now();
        let err = run(&Cmd::new("ping.exe")
            .args(["-n", "6", "127.0.0.1"])
            .timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
        assert!(matches!(err, ExecError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[cfg(windows)]
    #[tokio::test]
    async fn windows_child_ignoring_its_stdin_is_not_an_error() {
        let big = Zeroizing::new(vec![b'x'; 1024 * 1024]);
        let out = run(&Cmd::new("cmd.exe").args(["/c", "exit 0"]).stdin_secret(big))
            .await
            .unwrap();
        assert!(out.success(), "{out:?}");
    }

    #[test]
    fn debug_never_shows_the_stdin_secret() {
        let cmd = Cmd::new("kpasswd")
            .args(["jdoe"])
            .stdin_secret(Zeroizing::new(b"Planted-Stdin-Secret-2\n".to_vec()));
        let shown = format!("{cmd:?}");
        assert!(!shown.contains("Planted"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        assert!(shown.contains("jdoe"), "{shown}");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn huge_output_is_capped() {
        let out = run(&Cmd::new("head").args(["-c", "5000000", "/dev/zero"]))
            .await
            .unwrap();
        assert_eq!(out.stdout.len(), MAX_CAPTURE_BYTES);
        assert!(out.truncated);
    }
}
