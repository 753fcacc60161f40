//! Admin-defined actions (`[[fixes.actions]]`): buttons IT defines in the system config file or
//! managed policy (the config loader refuses them in user and explicit files with
//! `config.admin_only`). An action runs its program with its arguments — no shell, no
//! expansion — within its time limit, and its output (capped) is shown to the user.
//!
//! The program must pass the root-file rule of [`crate::trusted`] (on Unix: a regular file
//! owned by root, not writable by group or others, and so every folder above it). Otherwise
//! anyone who can write the file or swap a folder could make the button — possibly elevated —
//! run their code.

use std::path::Path;
use std::time::{Duration, Instant};

use deskside_config::AdminAction;
use serde::Serialize;

use crate::FixError;
use crate::trusted::{self, Role};

/// Output shown to the user is cut at this many bytes.
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024;

/// Refuse a program that someone other than root could change (the rule of [`trusted`]).
///
/// # Errors
/// [`FixError::UnsafeFile`] (code `fix.action_unsafe_program`) saying what is wrong and what
/// to do.
pub fn check_program(path: &Path) -> Result<(), FixError> {
    trusted::check(Role::ActionProgram, path)
}

/// What an action left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ActionRun {
    /// Exit code (`None`: killed by a signal or timed out).
    pub code: Option<i32>,
    /// Standard output then standard error, cut at [`MAX_OUTPUT_BYTES`].
    pub output: String,
    /// It ran past its time limit and was stopped.
    pub timed_out: bool,
    /// Wall time, ms.
    pub duration_ms: u64,
}

impl ActionRun {
    /// Exit 0 within the time limit.
    #[must_use]
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }
}

/// Cut `text` to at most `max` bytes on a character boundary, saying so.
#[must_use]
pub fn cap_output(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… output cut at {max} bytes]",
        text.get(..end).unwrap_or_default()
    )
}

/// Run `action` (after [`check_program`]).
///
/// # Errors
/// [`FixError::UnsafeFile`] when the program is refused; [`FixError::Exec`] when it
/// cannot be started.
pub async fn run(action: &AdminAction) -> Result<ActionRun, FixError> {
    let program = Path::new(&action.program);
    check_program(program)?;
    let started = Instant::now();
    let timeout = Duration::from_secs(action.timeout_s.max(1));
    let cmd = deskside_exec::Cmd::new(&action.program)
        .args(&action.args)
        .timeout(timeout);
    let elapsed = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match deskside_exec::run(&cmd).await {
        Ok(out) => {
            let mut text = out.stdout;
            if !out.stderr.is_empty() {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&out.stderr);
            }
            Ok(ActionRun {
                code: out.code,
                output: cap_output(&text, MAX_OUTPUT_BYTES),
                timed_out: false,
                duration_ms: elapsed(),
            })
        }
        Err(deskside_exec::ExecError::Timeout { .. }) => Ok(ActionRun {
            code: None,
            output: format!(
                "Stopped after {} s (the action's time limit).",
                timeout.as_secs()
            ),
            timed_out: true,
            duration_ms: elapsed(),
        }),
        Err(source) => Err(FixError::Exec {
            program: action.program.clone(),
            source,
        }),
    }
}

#[cfg(all(test, unix))]
#[expect(
    clippy::unwrap_used,
    reason = "test helpers: a panic is the failure report"
)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str, mode: u32) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    fn action(program: &Path, args: &[&str], timeout_s: u64) -> AdminAction {
        AdminAction {
            id: "t".into(),
            title: "T".into(),
            program: program.display().to_string(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            timeout_s,
            ..AdminAction::default()
        }
    }

    #[tokio::test]
    async fn a_world_writable_program_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "ww.sh", "#!/bin/sh\necho hi\n", 0o777);
        let err = run(&action(&p, &[], 5)).await.unwrap_err();
        assert_eq!(err.code(), "fix.action_unsafe_program");
        assert!(err.to_string().contains("writable by everyone"), "{err}");
        let p = script(dir.path(), "gw.sh", "#!/bin/sh\necho hi\n", 0o775);
        let err = check_program(&p).unwrap_err();
        assert!(err.to_string().contains("its group"), "{err}");
    }

    #[tokio::test]
    async fn a_program_not_owned_by_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "mine.sh", "#!/bin/sh\necho hi\n", 0o755);
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(&p, Some(65534), None).unwrap();
        }
        let err = check_program(&p).unwrap_err();
        assert_eq!(err.code(), "fix.action_unsafe_program");
        assert!(err.to_string().contains("not root"), "{err}");
    }

    #[tokio::test]
    async fn links_relative_paths_and_writable_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "ok.sh", "#!/bin/sh\necho hi\n", 0o755);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert!(check_program(&link).is_err());
        assert!(check_program(Path::new("bin/true")).is_err());
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let p2 = script(&open, "x.sh", "#!/bin/sh\n", 0o755);
        let err = check_program(&p2).unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
    }

    #[tokio::test]
    async fn a_root_owned_program_runs_without_a_shell_and_output_is_captured() {
        if !nix::unistd::geteuid().is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = script(
            dir.path(),
            "echo.sh",
            "#!/bin/sh\nprintf '%s|' \"$@\"\necho err >&2\nexit 3\n",
            0o755,
        );
        let r = run(&action(&p, &["a b", "$(id)", ";reboot"], 5))
            .await
            .unwrap();
        assert_eq!(r.code, Some(3));
        assert!(!r.success());
        assert_eq!(r.output, "a b|$(id)|;reboot|\nerr\n");
        let slow = script(dir.path(), "slow.sh", "#!/bin/sh\nsleep 5\n", 0o755);
        let r = run(&action(&slow, &[], 1)).await.unwrap();
        assert!(r.timed_out);
    }

    #[test]
    fn output_is_capped_on_a_char_boundary() {
        let s = "é".repeat(10);
        let c = cap_output(&s, 5);
        assert!(c.starts_with("éé"));
        assert!(c.contains("cut at 5 bytes"));
        assert_eq!(cap_output("short", 100), "short");
    }
}
