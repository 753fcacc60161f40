//! Running a plan: each step in order, programs through `deskside_exec` (argument lists, a
//! time limit, captured output — never a shell), signals only to processes rechecked to be in
//! our network namespace under the expected name, bounded waits for the network, and file
//! clearing in-process. A failing step stops the plan unless it may fail; a fallback step runs
//! only when the step before it failed.
//!
//! Run as root, a plan first passes the root-file rule ([`crate::trusted`]): every config
//! file a step's program takes instructions from (a `wg-quick` config) and, in the privileged
//! helper, every program — found in [`SAFE_PATH`] and then run by that absolute path — must be
//! root's alone, or nothing runs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::files::{self, ClearRules};
use crate::plan::{Action, Plan, Step};
use crate::trusted::{self, Role};
use crate::{FixError, UndoState};

/// A fixed search path for programs run by the privileged helper: the caller's `PATH` is never
/// trusted there.
pub const SAFE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Output kept per step.
const STEP_OUTPUT_BYTES: usize = 4096;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// It worked.
    Ok,
    /// It failed.
    Failed,
    /// It did not run (a fallback not needed, or an earlier step failed).
    Skipped,
}

impl StepStatus {
    /// The name used in JSON, the audit log and across IPC.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// One step's result, as `fix apply --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// Program, or `deskside` for in-process steps.
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// How it ended.
    pub status: StepStatus,
    /// What it printed or did (capped).
    pub output: String,
}

/// A whole plan's run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRun {
    /// Every step, including skipped ones.
    pub steps: Vec<StepResult>,
    /// No step that must succeed failed.
    pub ok: bool,
    /// Bytes freed by file-clearing steps, if any ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// A step starting or ending, for a caller that shows progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEvent {
    /// A step is starting.
    Started {
        /// Program, or `deskside` for in-process steps.
        program: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// A step ended, or was skipped.
    Finished {
        /// Its result.
        step: StepResult,
    },
}

/// Where and how a plan runs.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    /// Run programs found in [`SAFE_PATH`], by absolute path, instead of through the
    /// inherited `PATH` (the privileged helper). With `as_root`, each must pass the root-file
    /// rule.
    pub safe_path: bool,
    /// This process is administrator: the root-file rule applies before anything runs.
    pub as_root: bool,
    /// Where undo data is saved.
    pub data_dir: Option<PathBuf>,
    /// The fix, for undo data.
    pub fix_id: String,
}

/// Run every step of `plan`.
///
/// # Errors
/// [`FixError::UnsafeFile`] when, run as root, a file the plan would make root run or read
/// fails the root-file rule; nothing has run then.
pub async fn execute(plan: &Plan, opts: &ExecOptions) -> Result<PlanRun, FixError> {
    execute_with(plan, opts, &mut |_| {}).await
}

/// Run every step of `plan`, calling `on_event` with [`StepEvent::Started`] before each step
/// that runs and [`StepEvent::Finished`] after every step (a skipped step only gets the
/// latter).
///
/// # Errors
/// As [`execute`].
pub async fn execute_with(
    plan: &Plan,
    opts: &ExecOptions,
    on_event: &mut (dyn FnMut(StepEvent) + Send),
) -> Result<PlanRun, FixError> {
    let programs = check_root_files(plan, opts)?;
    let mut run = PlanRun {
        ok: true,
        ..PlanRun::default()
    };
    let mut previous_failed = false;
    let mut stopped = false;
    for step in &plan.steps {
        let (program, args) = step.display();
        if stopped || (step.only_if_previous_failed && !previous_failed) {
            let skipped = StepResult {
                program,
                args,
                status: StepStatus::Skipped,
                output: String::new(),
            };
            on_event(StepEvent::Finished {
                step: skipped.clone(),
            });
            run.steps.push(skipped);
            continue;
        }
        on_event(StepEvent::Started {
            program: program.clone(),
            args: args.clone(),
        });
        let (ok, output, bytes) = run_step(step, opts, &programs).await;
        if let Some(b) = bytes {
            run.bytes = Some(run.bytes.unwrap_or(0).saturating_add(b));
        }
        previous_failed = !ok;
        if !ok && !step.may_fail {
            run.ok = false;
            stopped = true;
        }
        let result = StepResult {
            program,
            args,
            status: if ok {
                StepStatus::Ok
            } else {
                StepStatus::Failed
            },
            output: crate::actions::cap_output(output.trim_end(), STEP_OUTPUT_BYTES),
        };
        on_event(StepEvent::Finished {
            step: result.clone(),
        });
        run.steps.push(result);
    }
    Ok(run)
}

/// The root-file rule for a plan run as root: the config file of each step that has one
/// (the first candidate that exists — the one its program would read), and with
/// `safe_path` each program as found in [`SAFE_PATH`]. Returns where each program was found,
/// so the step runs exactly the file that was checked.
fn check_root_files(
    plan: &Plan,
    opts: &ExecOptions,
) -> Result<HashMap<&'static str, PathBuf>, FixError> {
    let mut programs = HashMap::new();
    if !opts.as_root {
        return Ok(programs);
    }
    for step in &plan.steps {
        if let Some(conf) = step
            .config_candidates()
            .into_iter()
            .find(|p| std::fs::symlink_metadata(p).is_ok())
        {
            trusted::check(Role::Config, &conf)?;
        }
        if let Action::Run { program, .. } = &step.action
            && opts.safe_path
            && !programs.contains_key(program)
            && let Some(found) = trusted::resolve(program, SAFE_PATH)
        {
            trusted::check(Role::Program, &found)?;
            programs.insert(*program, found);
        }
    }
    Ok(programs)
}

async fn run_step(
    step: &Step,
    opts: &ExecOptions,
    programs: &HashMap<&'static str, PathBuf>,
) -> (bool, String, Option<u64>) {
    match &step.action {
        Action::Run { program, args } => {
            let exe = programs.get(program).map_or_else(
                || std::ffi::OsString::from(*program),
                |p| p.clone().into_os_string(),
            );
            let mut cmd = deskside_exec::Cmd::new(exe)
                .args(args)
                .timeout(Duration::from_secs(90));
            if opts.safe_path {
                cmd = cmd.env("PATH", SAFE_PATH);
            }
            match deskside_exec::run(&cmd).await {
                Ok(out) => {
                    let ok = out.success();
                    let mut text = out.stdout;
                    text.push_str(&out.stderr);
                    if !ok && text.trim().is_empty() {
                        text = format!("exited with code {:?}", out.code);
                    }
                    (ok, text, None)
                }
                Err(e) => (false, e.to_string(), None),
            }
        }
        Action::Signal {
            pid,
            signal,
            process,
        } => send_signal(*pid, *signal, process),
        Action::Sleep { ms } => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            (true, String::new(), None)
        }
        Action::WaitNetwork {
            interface,
            timeout_s,
        } => wait_network(interface.as_str(), Duration::from_secs(*timeout_s)).await,
        Action::ClearFiles {
            roots,
            older_than_days,
            whole_tree,
        } => {
            let rules = ClearRules {
                older_than: older_than_days.map(|d| Duration::from_secs(d.saturating_mul(86_400))),
                whole_tree: *whole_tree,
            };
            let roots = roots.clone();
            let tally = tokio::task::spawn_blocking(move || files::clear(&roots, rules))
                .await
                .unwrap_or_default();
            (
                true,
                format!(
                    "Deleted {} files ({} bytes); left {} alone.",
                    tally.files, tally.bytes, tally.skipped
                ),
                Some(tally.bytes),
            )
        }
        Action::SaveGnomeProxy { mode } => save_undo(
            opts,
            UndoState {
                gnome_proxy_mode: Some(*mode),
                ..UndoState::default()
            },
        ),
        Action::SaveWindowsProxy => save_undo(
            opts,
            UndoState {
                windows_proxy_enabled: Some(true),
                ..UndoState::default()
            },
        ),
    }
}

fn save_undo(opts: &ExecOptions, mut state: UndoState) -> (bool, String, Option<u64>) {
    let Some(dir) = &opts.data_dir else {
        return (
            false,
            "No data directory to save the current setting in, so it was not changed.".to_owned(),
            None,
        );
    };
    state.saved_at = crate::audit::now_rfc3339();
    match state.save(dir, &opts.fix_id) {
        Ok(()) => (true, "Saved the current setting for undo.".to_owned(), None),
        Err(e) => (false, e.to_string(), None),
    }
}

#[cfg(target_os = "linux")]
fn send_signal(
    pid: u32,
    signal: crate::plan::Signal,
    process: &str,
) -> (bool, String, Option<u64>) {
    use nix::sys::signal::{Signal as Sig, kill};
    if !crate::facts::linux::still_ours(pid, process) {
        return (
            false,
            format!(
                "process {pid} is no longer {process} in this network namespace; not signalled"
            ),
            None,
        );
    }
    let sig = match signal {
        crate::plan::Signal::Hup => Sig::SIGHUP,
        crate::plan::Signal::Usr1 => Sig::SIGUSR1,
        crate::plan::Signal::Usr2 => Sig::SIGUSR2,
    };
    let Ok(raw) = i32::try_from(pid) else {
        return (false, format!("bad pid {pid}"), None);
    };
    match kill(nix::unistd::Pid::from_raw(raw), sig) {
        Ok(()) => (
            true,
            format!("sent SIG{} to {process} ({pid})", signal.name()),
            None,
        ),
        Err(e) => (
            false,
            format!("could not signal {process} ({pid}): {e}"),
            None,
        ),
    }
}

#[cfg(not(target_os = "linux"))]
fn send_signal(
    pid: u32,
    _signal: crate::plan::Signal,
    process: &str,
) -> (bool, String, Option<u64>) {
    (
        false,
        format!("signalling {process} ({pid}) is only supported on Linux"),
        None,
    )
}

/// Poll until `iface` is up with carrier and a usable IPv4 address, and an IPv4 default route
/// exists.
async fn wait_network(iface: &str, limit: Duration) -> (bool, String, Option<u64>) {
    use deskside_platform::LinkState;
    let started = Instant::now();
    let mut last = String::new();
    loop {
        if let Ok(state) = deskside_platform::collect::network_state().await {
            let i = state.interface(iface);
            let carrier = i.is_some_and(|i| matches!(i.state, LinkState::Up | LinkState::Unknown));
            let addr = i.and_then(|i| {
                i.addresses.iter().find(|a| match a.addr {
                    std::net::IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local(),
                    std::net::IpAddr::V6(_) => false,
                })
            });
            let route = state
                .routes
                .iter()
                .any(|r| r.is_default() && r.destination.addr().is_ipv4());
            if let (true, Some(a), true) = (carrier, addr, route) {
                return (
                    true,
                    format!(
                        "{iface} is up with {} and a default route after {:.1} s",
                        a.addr,
                        started.elapsed().as_secs_f32()
                    ),
                    None,
                );
            }
            last = format!(
                "{iface}: link {}, IPv4 address {}, default route {}",
                if carrier { "up" } else { "down" },
                addr.map_or("none".to_owned(), |a| a.addr.to_string()),
                if route { "present" } else { "missing" }
            );
        }
        if started.elapsed() >= limit {
            return (
                false,
                format!("gave up after {} s: {last}", limit.as_secs()),
                None,
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;
    #[cfg(unix)]
    use std::path::Path;

    #[test]
    fn step_status_names_match_the_json() {
        for status in [StepStatus::Ok, StepStatus::Failed, StepStatus::Skipped] {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::Value::String(status.as_str().to_owned())
            );
        }
    }

    fn run(program: &'static str, args: &[&str]) -> Action {
        Action::Run {
            program,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn step(action: Action, may_fail: bool, fallback: bool) -> Step {
        Step {
            action,
            may_fail,
            only_if_previous_failed: fallback,
        }
    }

    // `ip` with a bad subcommand fails harmlessly and `ip -V` succeeds: both allowed programs
    // that change nothing.
    /// Unix: the steps are `true` and `false` (no such programs on Windows).
    #[cfg(unix)]
    #[tokio::test]
    async fn fallbacks_run_only_after_a_failure_and_a_hard_failure_stops_the_plan() {
        let plan = Plan {
            summary: String::new(),
            changes: Vec::new(),
            steps: vec![
                step(run("ip", &["-V"]), false, false),
                step(run("ip", &["-V"]), false, true),
                step(run("ip", &["no-such-object"]), true, false),
                step(run("ip", &["-V"]), false, true),
                step(run("ip", &["no-such-object"]), false, false),
                step(run("ip", &["-V"]), false, false),
            ],
        };
        let r = execute(&plan, &ExecOptions::default()).await.unwrap();
        let statuses: Vec<StepStatus> = r.steps.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [
                StepStatus::Ok,
                StepStatus::Skipped,
                StepStatus::Failed,
                StepStatus::Ok,
                StepStatus::Failed,
                StepStatus::Skipped
            ]
        );
        assert!(!r.ok);
        assert_eq!(r.steps[0].program, "ip");
        assert!(
            r.steps[0].output.contains("ip utility"),
            "{}",
            r.steps[0].output
        );
    }

    /// Linux: signalling a process is Linux-only (elsewhere the step says so).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_signal_to_a_process_that_is_not_the_named_one_is_not_sent() {
        let plan = Plan {
            summary: String::new(),
            changes: Vec::new(),
            steps: vec![step(
                Action::Signal {
                    pid: std::process::id(),
                    signal: crate::plan::Signal::Hup,
                    process: "dnsmasq".into(),
                },
                false,
                false,
            )],
        };
        let r = execute(&plan, &ExecOptions::default()).await.unwrap();
        assert_eq!(r.steps[0].status, StepStatus::Failed);
        assert!(
            r.steps[0].output.contains("not signalled"),
            "{}",
            r.steps[0].output
        );
    }

    #[tokio::test]
    async fn saving_undo_needs_a_data_dir() {
        let plan = Plan {
            summary: String::new(),
            changes: Vec::new(),
            steps: vec![
                step(
                    Action::SaveGnomeProxy {
                        mode: crate::plan::ProxyMode::Manual,
                    },
                    false,
                    false,
                ),
                step(run("gsettings", &["set", "x", "y", "z"]), false, false),
            ],
        };
        let r = execute(&plan, &ExecOptions::default()).await.unwrap();
        assert_eq!(r.steps[0].status, StepStatus::Failed);
        assert_eq!(
            r.steps[1].status,
            StepStatus::Skipped,
            "the change must not run"
        );
        let dir = tempfile::tempdir().unwrap();
        let opts = ExecOptions {
            data_dir: Some(dir.path().to_path_buf()),
            fix_id: "net.clear_proxy".into(),
            ..ExecOptions::default()
        };
        let plan = Plan {
            steps: plan.steps[..1].to_vec(),
            ..plan
        };
        let r = execute(&plan, &opts).await.unwrap();
        assert!(r.ok);
        let saved = UndoState::load(dir.path(), "net.clear_proxy").unwrap();
        assert_eq!(saved.gnome_proxy_mode, Some(crate::plan::ProxyMode::Manual));
    }

    /// Unix only: the root-file rule judges owner and mode bits (Windows: `docs/platforms.md`).
    #[cfg(unix)]
    #[tokio::test]
    async fn as_root_a_wg_quick_config_others_can_write_is_refused_before_anything_runs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("wg9.conf");
        std::fs::write(&conf, "[Interface]\nPostUp = touch /tmp/owned\n").unwrap();
        std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o666)).unwrap();
        let conf_arg = conf.display().to_string();
        let plan = Plan {
            summary: String::new(),
            changes: Vec::new(),
            steps: vec![
                step(run("ip", &["-V"]), false, false),
                step(run("wg-quick", &["up", &conf_arg]), false, false),
            ],
        };
        let root = ExecOptions {
            as_root: true,
            ..ExecOptions::default()
        };
        let mut events = 0;
        let err = execute_with(&plan, &root, &mut |_| events += 1)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "fix.unsafe_file");
        assert!(
            matches!(&err, FixError::UnsafeFile { role: Role::Config, path, .. } if path == &conf),
            "{err:?}"
        );
        assert!(err.to_string().contains("writable by everyone"), "{err}");
        assert_eq!(events, 0, "not even the first step ran");
        // Not administrator: the rule does not apply (the user runs only their own file).
        let plan = Plan {
            steps: plan.steps[..1].to_vec(),
            ..plan
        };
        assert!(execute(&plan, &ExecOptions::default()).await.unwrap().ok);
    }

    /// Unix: the helper's safe search path and the root-file rule are Unix paths and modes.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_helper_runs_each_program_from_the_safe_path_after_checking_it() {
        let plan = Plan {
            summary: String::new(),
            changes: Vec::new(),
            steps: vec![step(run("ip", &["-V"]), false, false)],
        };
        let helper = ExecOptions {
            safe_path: true,
            as_root: true,
            ..ExecOptions::default()
        };
        let found = check_root_files(&plan, &helper).unwrap();
        let ip = found.get("ip").expect("ip is installed in a safe folder");
        assert!(
            SAFE_PATH
                .split(':')
                .any(|d| ip.parent() == Some(Path::new(d))),
            "{ip:?}"
        );
        let r = execute(&plan, &helper).await.unwrap();
        assert_eq!(r.steps[0].program, "ip", "shown by name");
        assert_eq!(r.steps[0].status, StepStatus::Ok, "{}", r.steps[0].output);
        assert!(
            check_root_files(&plan, &ExecOptions::default())
                .unwrap()
                .is_empty()
        );
    }
}
