//! The fix loop the CLI and the tray app call: list what can be fixed here, preview a fix,
//! apply it (directly when already administrator, else through the privileged helper), verify
//! by re-running the checks it addresses, undo, and `diagnose --fix` — diagnose, apply the
//! auto-safe fixes for the root cause one at a time until it passes, diagnose again. Every
//! preview, apply, verify and undo is written to the audit log.
//!
//! This crate is apart from `deskside-fixes` because it owns the part that needs the
//! diagnostics engine (and with it DNS, HTTP and TLS): the before/after re-test. The fixes
//! themselves — catalogue, validated arguments, plans, facts, the step runner, admin actions —
//! live in `deskside-fixes`, which the privileged helper `deskside-elevate` links alone, so the
//! program that runs as root carries no network stack.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use deskside_config::{AdminAction, Config, Os};
use deskside_diagnostics::{Category, Health, Progress, Report, Status};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;

use deskside_fixes::audit::{AuditEntry, AuditLog, AuditStep, Phase};
use deskside_fixes::catalogue::{self, FIXES, FixDef, Verify};
use deskside_fixes::elevate::{self, Request};
use deskside_fixes::exec::{self, ExecOptions, PlanRun, StepEvent, StepResult, StepStatus};
use deskside_fixes::files::{self, ClearRules};
use deskside_fixes::plan::{self, Action, Plan};
use deskside_fixes::{FixArgs, FixError, UndoState};

/// Errors of the engine beyond those of a single fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A fix-level error (unknown id, bad argument, nothing to undo, …).
    #[error(transparent)]
    Fix(#[from] FixError),
    /// The diagnosis before or after `diagnose --fix` could not run at all.
    #[error("the diagnosis could not run: {source}")]
    Diagnose {
        /// Why.
        source: deskside_diagnostics::DiagnoseError,
    },
}

impl EngineError {
    /// Stable code for IPC and scripts.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Fix(e) => e.code(),
            Self::Diagnose { .. } => "fix.diagnose",
        }
    }

    /// Whether this is the caller's mistake: exit 2 in the CLI.
    #[must_use]
    pub const fn is_usage(&self) -> bool {
        match self {
            Self::Fix(e) => e.is_usage(),
            Self::Diagnose { .. } => false,
        }
    }
}

/// Schema id of the `diagnose --fix` document.
pub const RUN_SCHEMA: &str = "deskside.fixrun/1";

/// Built-in fix or admin action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    /// From the catalogue.
    Builtin,
    /// From `[[fixes.actions]]` in the system config.
    Action,
}

/// One row of `fix list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FixInfo {
    /// Id.
    pub id: String,
    /// Button label.
    pub title: String,
    /// What it does.
    pub explanation: String,
    /// Check ids it addresses.
    pub addresses: Vec<String>,
    /// Needs administrator rights.
    pub elevation: bool,
    /// In `fixes.auto`: `diagnose --fix` may apply it without asking.
    pub auto: bool,
    /// It can run here now.
    pub available: bool,
    /// Why not, when not available.
    pub reason: Option<String>,
    /// Built-in or admin action.
    pub kind: FixKind,
    /// It can be undone.
    pub undo: bool,
}

/// What a fix would change (`fix preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// Id.
    pub id: String,
    /// One sentence (the reason when not available).
    pub summary: String,
    /// One line per change.
    pub changes: Vec<String>,
    /// Bytes it would free (disk fixes).
    pub bytes: Option<u64>,
    /// Files it would delete (disk fixes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<u64>,
    /// Needs administrator rights.
    pub elevation: bool,
    /// It can run here now.
    pub available: bool,
    /// Why not, when not available.
    pub reason: Option<String>,
}

/// How an apply (or undo) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It ran and the re-test passed.
    Fixed,
    /// It ran but the re-test still fails.
    NotFixed,
    /// A step failed.
    Failed,
    /// It was not run (not applicable, disabled, unsafe program, no consent).
    Refused,
    /// An undo ran.
    Undone,
}

impl Outcome {
    /// The snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::NotFixed => "not_fixed",
            Self::Failed => "failed",
            Self::Refused => "refused",
            Self::Undone => "undone",
        }
    }
}

/// One check's status in a re-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckStatus {
    /// Check id (`print.queue` for the print-queue verification).
    pub id: String,
    /// Its status.
    pub status: Status,
}

/// The re-test after a fix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyResult {
    /// Every check re-run (those addressed and their dependencies), in catalog order.
    pub checks: Vec<CheckStatus>,
    /// The checks the fix was meant to repair pass now, and none it addresses fails.
    pub passed: bool,
}

/// The result of `fix apply` (and of each fix in `diagnose --fix`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyResult {
    /// Id.
    pub id: String,
    /// How it ended.
    pub outcome: Outcome,
    /// What happened, in plain words.
    pub message: String,
    /// Stable error code when refused or failed for a known reason.
    pub code: Option<String>,
    /// Every step.
    pub steps: Vec<StepResult>,
    /// The re-test.
    pub verify: VerifyResult,
    /// Bytes freed (disk fixes).
    pub bytes: Option<u64>,
}

impl ApplyResult {
    fn refused(id: &str, err: &FixError) -> Self {
        Self {
            id: id.to_owned(),
            outcome: Outcome::Refused,
            message: err.to_string(),
            code: Some(err.code().to_owned()),
            steps: Vec::new(),
            verify: VerifyResult::default(),
            bytes: None,
        }
    }
}

/// Live progress of one apply, for a window that shows each step as it happens (the final
/// [`ApplyResult`] still carries everything). Sent in this order: per step `StepStarted` then
/// `StepFinished` (a skipped step, and every step run through the privileged helper, whose
/// results only arrive together at its end, get `StepFinished` alone), then `Verifying` and
/// `VerifyFinished` when the fix ran. A refused fix sends nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixEvent {
    /// A step is starting.
    StepStarted {
        /// Program, or `deskside` for in-process steps.
        program: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// A step ended (its status and capped output).
    StepFinished {
        /// The step's result.
        step: StepResult,
    },
    /// The steps are over; the addressed checks are being re-run.
    Verifying,
    /// The re-test is over.
    VerifyFinished {
        /// Its result.
        verify: VerifyResult,
    },
}

impl From<StepEvent> for FixEvent {
    fn from(event: StepEvent) -> Self {
        match event {
            StepEvent::Started { program, args } => Self::StepStarted { program, args },
            StepEvent::Finished { step } => Self::StepFinished { step },
        }
    }
}

/// Send `event` on `progress` when there is one; a closed receiver never stops a fix.
fn send(progress: Option<&UnboundedSender<FixEvent>>, event: FixEvent) {
    if let Some(tx) = progress {
        let _ = tx.send(event);
    }
}

/// The `deskside.fixrun/1` document of `diagnose --fix`.
#[derive(Debug, Clone, Serialize)]
pub struct FixRun {
    /// Always [`RUN_SCHEMA`].
    pub schema: &'static str,
    /// The diagnosis before.
    pub before: Report,
    /// Each fix applied, in order.
    pub applied: Vec<ApplyResult>,
    /// The diagnosis after, when a fix was applied.
    pub after: Option<Report>,
}

impl FixRun {
    /// Healthy at the end (after the fixes, or before when nothing was needed).
    #[must_use]
    pub fn healthy(&self) -> bool {
        self.after.as_ref().unwrap_or(&self.before).diagnosis.status == Health::Healthy
    }
}

enum Target<'a> {
    Builtin(&'static FixDef),
    Action(&'a AdminAction),
}

/// The fixes engine for one configuration.
#[derive(Debug, Clone)]
pub struct Engine {
    config: Config,
    os: Os,
    data_dir: Option<PathBuf>,
    elevated: bool,
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn statuses(report: &Report, ids: &[&str]) -> BTreeMap<String, String> {
    report
        .checks
        .iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id.as_str()))
        .map(|c| (c.id.clone(), c.status.as_str().to_owned()))
        .collect()
}

/// Whether a re-test proves the fix: the addressed checks that were broken before (or, when
/// none was, those that ran) pass now, and no addressed check fails.
#[must_use]
pub fn verdict(addresses: &[&str], before: &BTreeMap<String, String>, after: &Report) -> bool {
    let after_status = |id: &str| after.check(id).map(|c| c.status);
    let broken: Vec<&str> = addresses
        .iter()
        .copied()
        .filter(|a| {
            matches!(
                before.get(*a).map(String::as_str),
                Some("fail" | "warn" | "error")
            )
        })
        .collect();
    let targets: Vec<&str> = if broken.is_empty() {
        addresses
            .iter()
            .copied()
            .filter(|a| before.get(*a).map(String::as_str) != Some("skip"))
            .filter(|a| after_status(a).is_some_and(|s| s != Status::Skip))
            .collect()
    } else {
        broken
    };
    targets
        .iter()
        .all(|t| after_status(t) == Some(Status::Pass))
        && !addresses
            .iter()
            .any(|a| matches!(after_status(a), Some(Status::Fail | Status::Error)))
}

impl Engine {
    /// An engine for `config`, writing the audit log and undo data under `data_dir`.
    #[must_use]
    pub fn new(config: Config, data_dir: Option<PathBuf>) -> Self {
        Self {
            config,
            os: Os::current(),
            data_dir,
            elevated: deskside_fixes::is_elevated(),
        }
    }

    /// How this process runs a plan itself: its own `PATH`, undo data under the data dir, and
    /// the root-file rule when it is administrator (as the helper does).
    fn exec_options(&self, id: &str) -> ExecOptions {
        ExecOptions {
            safe_path: false,
            as_root: self.elevated,
            data_dir: self.data_dir.clone(),
            fix_id: id.to_owned(),
        }
    }

    /// The audit log, when a data dir is known.
    #[must_use]
    pub fn audit_log(&self) -> Option<AuditLog> {
        self.data_dir.as_ref().map(|d| {
            AuditLog::new(
                d.clone(),
                self.config.fixes.audit_max_bytes,
                self.config.fixes.audit_keep,
            )
        })
    }

    fn record(&self, entry: &AuditEntry) {
        if let Some(log) = self.audit_log()
            && let Err(e) = log.append(entry)
        {
            tracing::warn!(error = %e, "audit log not written");
        }
    }

    fn target(&self, id: &str) -> Result<Target<'_>, FixError> {
        if let Some(def) = catalogue::find(id) {
            return Ok(Target::Builtin(def));
        }
        self.config
            .fixes
            .actions
            .iter()
            .find(|a| a.id == id)
            .map(Target::Action)
            .ok_or_else(|| FixError::NotInCatalogue { id: id.to_owned() })
    }

    fn disabled(&self, id: &str) -> bool {
        self.config.fixes.disabled.iter().any(|d| d == id)
    }

    /// Every built-in fix and admin action, with whether it can run here now.
    pub async fn list(&self) -> Vec<FixInfo> {
        let mut out = Vec::new();
        for def in FIXES {
            let (available, reason) = if self.disabled(def.id) {
                (
                    false,
                    Some(
                        FixError::Disabled {
                            id: def.id.to_owned(),
                        }
                        .to_string(),
                    ),
                )
            } else {
                match self.plan_for(def, &FixArgs::default(), None).await {
                    Ok(_) => (true, None),
                    Err(e) => (false, Some(e.to_string())),
                }
            };
            out.push(FixInfo {
                id: def.id.to_owned(),
                title: def.title.to_owned(),
                explanation: def.explanation.to_owned(),
                addresses: def.addresses.iter().map(|a| (*a).to_owned()).collect(),
                elevation: def.elevation,
                auto: self.config.fixes.auto.iter().any(|a| a == def.id),
                available,
                reason,
                kind: FixKind::Builtin,
                undo: def.undo,
            });
        }
        for a in &self.config.fixes.actions {
            if catalogue::find(&a.id).is_some() {
                continue;
            }
            let check = if self.disabled(&a.id) {
                Err(FixError::Disabled { id: a.id.clone() })
            } else {
                deskside_fixes::actions::check_program(std::path::Path::new(&a.program))
            };
            out.push(FixInfo {
                id: a.id.clone(),
                title: a.title.clone(),
                explanation: a.description.clone().unwrap_or_default(),
                addresses: a.addresses.clone(),
                elevation: a.elevate,
                auto: false,
                available: check.is_ok(),
                reason: check.err().map(|e| e.to_string()),
                kind: FixKind::Action,
                undo: false,
            });
        }
        out
    }

    /// Detect facts and build the plan of `def`.
    async fn plan_for(
        &self,
        def: &FixDef,
        args: &FixArgs,
        before: Option<&Report>,
    ) -> Result<Plan, FixError> {
        let mut facts = deskside_fixes::facts::gather(def, &self.config).await;
        if def.id == "net.forget_captive" && args.url.is_none() {
            facts.portal_url = match before.and_then(|r| r.check("net.captive_portal")) {
                Some(c) => deskside_fixes::facts::portal_from_evidence(&c.evidence),
                None => deskside_diagnostics::diagnose_checks(
                    self.config.clone(),
                    &["net.captive_portal"],
                    None,
                )
                .await
                .ok()
                .and_then(|r| {
                    r.check("net.captive_portal")
                        .and_then(|c| deskside_fixes::facts::portal_from_evidence(&c.evidence))
                }),
            };
        }
        plan::plan(self.os, def, args, &facts)
    }

    /// What `id` would change, without changing anything. A fix that cannot run here gives a
    /// preview with `available: false` and the reason.
    ///
    /// # Errors
    /// [`FixError::NotInCatalogue`] for an unknown id.
    pub async fn preview(&self, id: &str, args: &FixArgs) -> Result<Preview, FixError> {
        let started = Instant::now();
        let preview = match self.target(id)? {
            Target::Builtin(def) => self.preview_builtin(def, args, None).await,
            Target::Action(a) => {
                let check = if self.disabled(&a.id) {
                    Err(FixError::Disabled { id: a.id.clone() })
                } else {
                    deskside_fixes::actions::check_program(std::path::Path::new(&a.program))
                };
                let mut line = a.program.clone();
                for arg in &a.args {
                    line.push(' ');
                    line.push_str(arg);
                }
                Preview {
                    id: a.id.clone(),
                    summary: a.description.clone().unwrap_or_else(|| a.title.clone()),
                    changes: vec![format!(
                        "Run {line} (time limit {} s){}",
                        a.timeout_s,
                        if a.elevate { " as administrator" } else { "" }
                    )],
                    bytes: None,
                    files: None,
                    elevation: a.elevate,
                    available: check.is_ok(),
                    reason: check.err().map(|e| e.to_string()),
                }
            }
        };
        let mut entry = preview_entry(
            id,
            serde_json::to_value(args).unwrap_or(Value::Null),
            &preview,
        );
        entry.duration_ms = ms(started.elapsed());
        self.record(&entry);
        Ok(preview)
    }

    async fn preview_builtin(
        &self,
        def: &FixDef,
        args: &FixArgs,
        before: Option<&Report>,
    ) -> Preview {
        let unavailable = |reason: String| Preview {
            id: def.id.to_owned(),
            summary: reason.clone(),
            changes: Vec::new(),
            bytes: None,
            files: None,
            elevation: def.elevation,
            available: false,
            reason: Some(reason),
        };
        if self.disabled(def.id) {
            return unavailable(
                FixError::Disabled {
                    id: def.id.to_owned(),
                }
                .to_string(),
            );
        }
        match self.plan_for(def, args, before).await {
            Ok(plan) => {
                let mut preview = Preview {
                    id: def.id.to_owned(),
                    summary: plan.summary.clone(),
                    changes: plan.changes.clone(),
                    bytes: None,
                    files: None,
                    elevation: def.elevation,
                    available: true,
                    reason: None,
                };
                if let Some((count, bytes)) = scan_plan(&plan).await {
                    preview.bytes = Some(bytes);
                    preview.files = Some(count);
                    preview.changes.push(format!(
                        "{count} files, {} in total",
                        deskside_diagnostics::checks::human_bytes(bytes)
                    ));
                }
                preview
            }
            Err(e) => unavailable(e.to_string()),
        }
    }

    /// Apply `id`, then verify. `before` is a report the caller already has (from
    /// `diagnose --fix`); without it the addressed checks are run first for the before/after
    /// comparison.
    ///
    /// # Errors
    /// [`FixError::NotInCatalogue`] for an unknown id. Everything else (not applicable,
    /// disabled, unsafe program, a failing step) is an [`ApplyResult`] with its outcome.
    pub async fn apply(
        &self,
        id: &str,
        args: &FixArgs,
        before: Option<&Report>,
    ) -> Result<ApplyResult, FixError> {
        self.apply_with_progress(id, args, before, None).await
    }

    /// [`Engine::apply`], sending a [`FixEvent`] on `progress` as each step starts and ends
    /// and around the re-test, so a window can show the steps live.
    ///
    /// # Errors
    /// As [`Engine::apply`].
    pub async fn apply_with_progress(
        &self,
        id: &str,
        args: &FixArgs,
        before: Option<&Report>,
        progress: Option<UnboundedSender<FixEvent>>,
    ) -> Result<ApplyResult, FixError> {
        let progress = progress.as_ref();
        match self.target(id)? {
            Target::Builtin(def) => Ok(self.apply_builtin(def, args, before, progress).await),
            Target::Action(a) => Ok(self.apply_action(a, progress).await),
        }
    }

    async fn apply_builtin(
        &self,
        def: &FixDef,
        args: &FixArgs,
        before: Option<&Report>,
        progress: Option<&UnboundedSender<FixEvent>>,
    ) -> ApplyResult {
        let args_json = serde_json::to_value(args).unwrap_or(Value::Null);
        let preview = self.preview_builtin(def, args, before).await;
        self.record(&preview_entry(def.id, args_json.clone(), &preview));
        if !preview.available {
            let err = if self.disabled(def.id) {
                FixError::Disabled {
                    id: def.id.to_owned(),
                }
            } else {
                FixError::NotApplicable {
                    id: def.id.to_owned(),
                    reason: preview.reason.clone().unwrap_or_default(),
                }
            };
            return ApplyResult::refused(def.id, &err);
        }

        // Before: from the caller's report, else a quick run of the addressed checks.
        let before_statuses = match (def.verify, before) {
            (Verify::Checks, Some(r)) => statuses(r, def.addresses),
            (Verify::Checks, None) => {
                deskside_diagnostics::diagnose_checks(self.config.clone(), def.addresses, None)
                    .await
                    .map(|r| statuses(&r, def.addresses))
                    .unwrap_or_default()
            }
            (Verify::PrintQueue, _) => {
                let (_, s) = self.print_queue_status(def, false).await;
                BTreeMap::from([("print.queue".to_owned(), s.as_str().to_owned())])
            }
        };

        let started = Instant::now();
        let run = if def.elevation && !self.elevated {
            // The helper answers once, at its end: its steps are reported then.
            let run = self.via_helper(&Request::apply(def.id, args)).await;
            if let Ok(run) = &run {
                for step in &run.steps {
                    send(progress, FixEvent::StepFinished { step: step.clone() });
                }
            }
            run
        } else {
            match self.plan_for(def, args, before).await {
                Ok(plan) => {
                    exec::execute_with(
                        &plan,
                        &self.exec_options(def.id),
                        &mut |event: StepEvent| send(progress, event.into()),
                    )
                    .await
                }
                Err(e) => Err(e),
            }
        };
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                let mut entry = AuditEntry::new(def.id, args_json, Phase::Apply, "refused");
                entry.message = e.to_string();
                entry.duration_ms = ms(started.elapsed());
                self.record(&entry);
                return ApplyResult::refused(def.id, &e);
            }
        };
        let mut entry = AuditEntry::new(
            def.id,
            args_json.clone(),
            Phase::Apply,
            if run.ok { "ok" } else { "failed" },
        );
        entry.steps = audit_steps(&run.steps);
        entry.duration_ms = ms(started.elapsed());
        self.record(&entry);

        let started = Instant::now();
        send(progress, FixEvent::Verifying);
        let (verify, after, problems) = self.verify(def, &before_statuses).await;
        send(
            progress,
            FixEvent::VerifyFinished {
                verify: verify.clone(),
            },
        );
        let outcome = if verify.passed {
            Outcome::Fixed
        } else if !run.ok {
            Outcome::Failed
        } else {
            Outcome::NotFixed
        };
        let mut entry = AuditEntry::new(def.id, args_json, Phase::Verify, outcome.as_str());
        entry.before = before_statuses;
        entry.after = after;
        entry.duration_ms = ms(started.elapsed());
        let message = message(def, outcome, &run, &problems);
        entry.message = message.clone();
        self.record(&entry);
        ApplyResult {
            id: def.id.to_owned(),
            outcome,
            message,
            code: None,
            steps: run.steps,
            verify,
            bytes: run.bytes,
        }
    }

    /// `lpstat -o` against the scheduler `def`'s plan acts on (Linux: named with `-h`; the
    /// environment's `CUPS_SERVER` counts only when the plan runs in this process, the
    /// privileged helper ignores it). With `wait`, a scheduler that does not answer is asked
    /// again for up to 10 s: a cupsd reloading after SIGHUP closes its socket for a moment.
    async fn print_queue_status(&self, def: &FixDef, wait: bool) -> (String, Status) {
        use deskside_fixes::print::{Queue, parse_lpstat_jobs, server_here};
        if self.os == Os::Windows {
            return (String::new(), Status::Skip);
        }
        let mut args: Vec<String> = Vec::new();
        if self.os == Os::Linux {
            // The plan runs in this process unless it goes through the helper.
            let honour_env = !def.elevation || self.elevated;
            let Some(server) = server_here(honour_env) else {
                return (
                    "CUPS_SERVER is not a valid print server".to_owned(),
                    Status::Error,
                );
            };
            args.extend(["-h".to_owned(), server.as_arg()]);
        }
        args.push("-o".to_owned());
        let cmd = deskside_exec::Cmd::new("lpstat")
            .args(args)
            .timeout(Duration::from_secs(10));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let queue = match deskside_exec::run(&cmd).await {
                Ok(out) => parse_lpstat_jobs(out.success(), &out.stdout, &out.stderr),
                Err(e) => Queue::Unreachable(e.to_string()),
            };
            match queue {
                Queue::Empty => return (String::new(), Status::Pass),
                Queue::Jobs(jobs) => return (jobs.join(" "), Status::Fail),
                Queue::Unreachable(msg) if !wait || Instant::now() >= deadline => {
                    return (msg, Status::Error);
                }
                Queue::Unreachable(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }

    /// Re-run what `def` addresses; returns the result, the after statuses, and the summaries
    /// of what still fails.
    async fn verify(
        &self,
        def: &FixDef,
        before: &BTreeMap<String, String>,
    ) -> (VerifyResult, BTreeMap<String, String>, Vec<String>) {
        match def.verify {
            Verify::PrintQueue => {
                let (left, status) = self.print_queue_status(def, true).await;
                let passed = matches!(status, Status::Pass | Status::Skip);
                let problems = match status {
                    _ if passed => Vec::new(),
                    Status::Fail => vec![format!("Print jobs are still queued: {}", left.trim())],
                    _ => vec![format!(
                        "The print service did not answer the re-test: {}",
                        left.trim()
                    )],
                };
                (
                    VerifyResult {
                        checks: vec![CheckStatus {
                            id: "print.queue".to_owned(),
                            status,
                        }],
                        passed,
                    },
                    BTreeMap::from([("print.queue".to_owned(), status.as_str().to_owned())]),
                    problems,
                )
            }
            Verify::Checks => {
                match deskside_diagnostics::diagnose_checks(
                    self.config.clone(),
                    def.addresses,
                    None,
                )
                .await
                {
                    Ok(report) => {
                        let passed = verdict(def.addresses, before, &report);
                        let problems = report
                            .checks
                            .iter()
                            .filter(|c| def.addresses.contains(&c.id.as_str()))
                            .filter(|c| !matches!(c.status, Status::Pass | Status::Skip))
                            .map(|c| c.summary.clone())
                            .collect();
                        (
                            VerifyResult {
                                checks: report
                                    .checks
                                    .iter()
                                    .map(|c| CheckStatus {
                                        id: c.id.clone(),
                                        status: c.status,
                                    })
                                    .collect(),
                                passed,
                            },
                            statuses(&report, &[]),
                            problems,
                        )
                    }
                    Err(e) => (
                        VerifyResult::default(),
                        BTreeMap::new(),
                        vec![format!("The re-test could not run: {e}")],
                    ),
                }
            }
        }
    }

    async fn apply_action(
        &self,
        a: &AdminAction,
        progress: Option<&UnboundedSender<FixEvent>>,
    ) -> ApplyResult {
        let started = Instant::now();
        let refuse = |e: FixError| {
            let mut entry = AuditEntry::new(&a.id, Value::Null, Phase::Apply, "refused");
            entry.message = e.to_string();
            self.record(&entry);
            ApplyResult::refused(&a.id, &e)
        };
        if self.disabled(&a.id) {
            return refuse(FixError::Disabled { id: a.id.clone() });
        }
        if let Err(e) = deskside_fixes::actions::check_program(std::path::Path::new(&a.program)) {
            return refuse(e);
        }
        send(
            progress,
            FixEvent::StepStarted {
                program: a.program.clone(),
                args: a.args.clone(),
            },
        );
        let (ok, output) = if a.elevate && !self.elevated {
            match self
                .via_helper_raw(&Request::Action { id: a.id.clone() })
                .await
            {
                Ok(v) => {
                    let run: Option<deskside_fixes::actions::ActionRun> = v
                        .get("action")
                        .and_then(|r| serde_json::from_value(r.clone()).ok());
                    match run {
                        Some(r) => (r.success(), r.output),
                        None => return refuse(elevate::error_from_json(&v)),
                    }
                }
                Err(e) => return refuse(e),
            }
        } else {
            match deskside_fixes::actions::run(a).await {
                Ok(r) => (r.success(), r.output),
                Err(e) => return refuse(e),
            }
        };
        let output = output.trim_end().to_owned();
        let step = StepResult {
            program: a.program.clone(),
            args: a.args.clone(),
            status: if ok {
                StepStatus::Ok
            } else {
                StepStatus::Failed
            },
            output,
        };
        let mut entry = AuditEntry::new(
            &a.id,
            Value::Null,
            Phase::Apply,
            if ok { "ok" } else { "failed" },
        );
        entry.steps = audit_steps(std::slice::from_ref(&step));
        entry.duration_ms = ms(started.elapsed());
        self.record(&entry);
        send(progress, FixEvent::StepFinished { step: step.clone() });
        let addresses: Vec<&str> = a.addresses.iter().map(String::as_str).collect();
        let verify = if ok && !addresses.is_empty() {
            send(progress, FixEvent::Verifying);
            match deskside_diagnostics::diagnose_checks(self.config.clone(), &addresses, None).await
            {
                Ok(r) => VerifyResult {
                    passed: verdict(&addresses, &BTreeMap::new(), &r),
                    checks: r
                        .checks
                        .iter()
                        .map(|c| CheckStatus {
                            id: c.id.clone(),
                            status: c.status,
                        })
                        .collect(),
                },
                Err(_) => VerifyResult::default(),
            }
        } else {
            VerifyResult {
                checks: Vec::new(),
                passed: ok,
            }
        };
        if ok && !addresses.is_empty() {
            send(
                progress,
                FixEvent::VerifyFinished {
                    verify: verify.clone(),
                },
            );
        }
        let outcome = match (ok, verify.passed) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Fixed,
            (true, false) => Outcome::NotFixed,
        };
        let message = match outcome {
            Outcome::Fixed => format!("{}: done.", a.title),
            Outcome::NotFixed => format!("{} ran, but the re-test still shows a problem.", a.title),
            _ => format!("{} did not succeed; see its output.", a.title),
        };
        ApplyResult {
            id: a.id.clone(),
            outcome,
            message,
            code: None,
            steps: vec![step],
            verify,
            bytes: None,
        }
    }

    /// Undo `id` (restore the proxy setting, cancel the restart).
    ///
    /// # Errors
    /// [`FixError::NotInCatalogue`] for an unknown id, [`FixError::NothingToUndo`] when it has
    /// no undo or nothing was saved.
    pub async fn undo(&self, id: &str) -> Result<ApplyResult, FixError> {
        let Target::Builtin(def) = self.target(id)? else {
            return Err(FixError::NothingToUndo { id: id.to_owned() });
        };
        let saved = self
            .data_dir
            .as_deref()
            .and_then(|d| UndoState::load(d, id))
            .unwrap_or_default();
        let plan = plan::undo_plan(self.os, def, &saved)?;
        let started = Instant::now();
        let run = if def.elevation && !self.elevated {
            self.via_helper(&Request::Undo { id: id.to_owned() }).await
        } else {
            exec::execute(&plan, &self.exec_options(id)).await
        };
        let run = match run {
            Ok(r) => r,
            Err(e) => return Ok(ApplyResult::refused(id, &e)),
        };
        let outcome = if run.ok {
            Outcome::Undone
        } else {
            Outcome::Failed
        };
        if run.ok
            && let Some(d) = &self.data_dir
        {
            UndoState::clear(d, id);
        }
        let mut entry = AuditEntry::new(id, Value::Null, Phase::Undo, outcome.as_str());
        entry.steps = audit_steps(&run.steps);
        entry.duration_ms = ms(started.elapsed());
        entry.message = plan.summary.clone();
        self.record(&entry);
        Ok(ApplyResult {
            id: id.to_owned(),
            outcome,
            message: if run.ok {
                format!("Undone: {}", plan.summary)
            } else {
                "The undo did not finish; see the steps.".to_owned()
            },
            code: None,
            steps: run.steps,
            verify: VerifyResult::default(),
            bytes: None,
        })
    }

    /// `diagnose --fix`: diagnose; when unhealthy, apply the auto-safe, available fixes that
    /// address the root cause (or, when none does, the failing checks) one at a time in
    /// catalogue order until the root cause passes; then diagnose again.
    ///
    /// # Errors
    /// [`EngineError::Diagnose`] when the diagnosis cannot run at all.
    pub async fn diagnose_and_fix(
        &self,
        categories: &[Category],
        progress: Option<UnboundedSender<Progress>>,
    ) -> Result<FixRun, EngineError> {
        let diagnose_err = |source| EngineError::Diagnose { source };
        let before = deskside_diagnostics::diagnose(self.config.clone(), categories, progress)
            .await
            .map_err(diagnose_err)?;
        let mut run = FixRun {
            schema: RUN_SCHEMA,
            before,
            applied: Vec::new(),
            after: None,
        };
        if run.before.diagnosis.status == Health::Healthy {
            return Ok(run);
        }
        for def in self.auto_candidates(&run.before) {
            let Ok(_) = self
                .plan_for(def, &FixArgs::default(), Some(&run.before))
                .await
            else {
                continue;
            };
            let result = self
                .apply_builtin(def, &FixArgs::default(), Some(&run.before), None)
                .await;
            let root = run.before.diagnosis.root_cause.clone().unwrap_or_default();
            let root_passes = result
                .verify
                .checks
                .iter()
                .any(|c| c.id == root && c.status == Status::Pass);
            run.applied.push(result);
            if root_passes {
                break;
            }
        }
        if !run.applied.is_empty() {
            let mut after = deskside_diagnostics::diagnose(self.config.clone(), categories, None)
                .await
                .map_err(diagnose_err)?;
            // A link restart or renew disturbs what rides on it (a VPN handshake, a resolver's
            // upstream) for a few seconds: when the fixes moved the problem (a new root cause,
            // or a check that passed before fails now), what is left may be such an echo, so
            // it gets that time before the result is final.
            for _ in 0..SETTLE_ROUNDS {
                if !settling(&run.before, &after) {
                    break;
                }
                tokio::time::sleep(SETTLE_PAUSE).await;
                after = deskside_diagnostics::diagnose(self.config.clone(), categories, None)
                    .await
                    .map_err(diagnose_err)?;
            }
            run.after = Some(after);
        }
        Ok(run)
    }

    /// The fixes `diagnose --fix` would try for `report`, in catalogue order.
    #[must_use]
    pub fn auto_candidates(&self, report: &Report) -> Vec<&'static FixDef> {
        let auto =
            |d: &&FixDef| self.config.fixes.auto.iter().any(|a| a == d.id) && !self.disabled(d.id);
        if let Some(root) = &report.diagnosis.root_cause {
            let for_root: Vec<&'static FixDef> = FIXES
                .iter()
                .filter(auto)
                .filter(|d| d.addresses.contains(&root.as_str()))
                .collect();
            if !for_root.is_empty() {
                return for_root;
            }
        }
        let failing: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
            .map(|c| c.id.as_str())
            .collect();
        FIXES
            .iter()
            .filter(auto)
            .filter(|d| d.addresses.iter().any(|a| failing.contains(a)))
            .collect()
    }

    async fn via_helper(&self, req: &Request) -> Result<PlanRun, FixError> {
        let v = self.via_helper_raw(req).await?;
        match serde_json::from_value::<PlanRun>(v.clone()) {
            Ok(run) if v.get("error").is_none() => Ok(run),
            _ => Err(elevate::error_from_json(&v)),
        }
    }

    async fn via_helper_raw(&self, req: &Request) -> Result<Value, FixError> {
        let (program, args): (&str, Vec<String>) = match self.os {
            Os::Linux => elevate::linux_invocation(req),
            Os::Macos => {
                let exe = std::env::current_exe().and_then(std::fs::canonicalize).ok();
                let helper = elevate::macos_helper(exe.as_deref());
                elevate::macos_invocation(&helper.to_string_lossy(), req)
            }
            Os::Windows => {
                // The UAC prompt; the helper answers on a pipe (`elevate::run_through_uac`).
                return elevate::run_through_uac(req, HELPER_TIMEOUT).await;
            }
        };
        let cmd = deskside_exec::Cmd::new(program)
            .args(args)
            .timeout(HELPER_TIMEOUT);
        let out = deskside_exec::run(&cmd)
            .await
            .map_err(|source| FixError::HelperNotStarted { source })?;
        if let Ok(v) = serde_json::from_str::<Value>(out.stdout.trim()) {
            return Ok(v);
        }
        let reason = match out.code {
            Some(126) => "you did not approve the administrator prompt".to_owned(),
            Some(127) => format!(
                "the helper {} is not installed or could not be authorised",
                elevate::LINUX_HELPER
            ),
            _ => format!("the helper gave no result ({})", out.stderr.trim()),
        };
        Err(FixError::ElevationUnavailable { reason })
    }
}

/// How long the privileged helper may take, consent prompt included.
const HELPER_TIMEOUT: Duration = Duration::from_secs(300);

/// How many times `diagnose --fix` re-diagnoses while checks that passed before fail after.
const SETTLE_ROUNDS: usize = 3;
/// The pause between those re-diagnoses.
const SETTLE_PAUSE: Duration = Duration::from_secs(2);

/// Whether `after` may still be settling: unhealthy with a different root cause than
/// `before`, or with a check that passed before and fails now.
#[must_use]
pub fn settling(before: &Report, after: &Report) -> bool {
    let moved = after.diagnosis.status != Health::Healthy
        && after.diagnosis.root_cause != before.diagnosis.root_cause;
    moved || !regressions(before, after).is_empty()
}

/// Checks that passed in `before` and fail (or error) in `after`.
#[must_use]
pub fn regressions(before: &Report, after: &Report) -> Vec<String> {
    after
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .filter(|c| {
            before
                .check(&c.id)
                .is_some_and(|b| b.status == Status::Pass)
        })
        .map(|c| c.id.clone())
        .collect()
}

fn audit_steps(steps: &[StepResult]) -> Vec<AuditStep> {
    steps
        .iter()
        .map(|s| AuditStep {
            program: s.program.clone(),
            args: s.args.clone(),
            status: s.status.as_str().to_owned(),
        })
        .collect()
}

/// Count what the file-clearing steps of `plan` would remove: (files, bytes).
async fn scan_plan(plan: &Plan) -> Option<(u64, u64)> {
    let mut total: Option<(u64, u64)> = None;
    for step in &plan.steps {
        if let Action::ClearFiles {
            roots,
            older_than_days,
            whole_tree,
        } = &step.action
        {
            let rules = ClearRules {
                older_than: older_than_days.map(|d| Duration::from_secs(d.saturating_mul(86_400))),
                whole_tree: *whole_tree,
            };
            let roots = roots.clone();
            let t = tokio::task::spawn_blocking(move || files::scan(&roots, rules))
                .await
                .unwrap_or_default();
            let (f, b) = total.unwrap_or((0, 0));
            total = Some((f + t.files, b.saturating_add(t.bytes)));
        }
    }
    total
}

fn message(def: &FixDef, outcome: Outcome, run: &PlanRun, problems: &[String]) -> String {
    match outcome {
        Outcome::Fixed => format!("{}: done, and the re-test passed.", def.title),
        Outcome::Failed => {
            let failed = run
                .steps
                .iter()
                .find(|s| s.status == StepStatus::Failed)
                .map(|s| {
                    format!(
                        "`{} {}` failed: {}",
                        s.program,
                        s.args.join(" "),
                        s.output.lines().next().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            format!("{} could not finish: {failed}", def.title)
        }
        _ => {
            let hint = match def.id {
                "net.forget_captive" => " Sign in on the page that opened, then test again.",
                "system.restart_prompt" => " The restart is scheduled; the check passes after it.",
                _ => " If it keeps happening, ask for help.",
            };
            let still = if problems.is_empty() {
                String::new()
            } else {
                format!(" Still: {}", problems.join(" "))
            };
            format!(
                "{} ran, but the re-test did not pass.{still}{hint}",
                def.title
            )
        }
    }
}

/// The audit line of a preview: shown or not applicable, with the reason or the summary.
fn preview_entry(id: &str, args: Value, preview: &Preview) -> AuditEntry {
    let outcome = if preview.available {
        "shown"
    } else {
        "not_applicable"
    };
    let mut entry = AuditEntry::new(id, args, Phase::Preview, outcome);
    entry.message = preview
        .reason
        .clone()
        .unwrap_or_else(|| preview.summary.clone());
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use deskside_diagnostics::{CheckResult, Diagnosis};
    use serde_json::json;

    fn report(checks: &[(&str, Status)]) -> Report {
        let checks: Vec<CheckResult> = checks
            .iter()
            .map(|(id, status)| CheckResult {
                id: (*id).to_owned(),
                category: Category::Network,
                status: *status,
                summary: format!("{id} is {}", status.as_str()),
                advice: None,
                evidence: json!({}),
                duration_ms: 1,
            })
            .collect();
        let diagnosis = deskside_diagnostics::diagnosis::diagnose(&checks);
        Report {
            schema: deskside_diagnostics::SCHEMA,
            started_at: String::new(),
            duration_ms: 1,
            checks,
            diagnosis,
        }
    }

    fn before(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn every_fix_addresses_real_checks() {
        let checks: std::collections::HashSet<&str> = deskside_diagnostics::catalog::CHECKS
            .iter()
            .map(|c| c.id)
            .collect();
        for f in FIXES {
            for a in f.addresses {
                assert!(checks.contains(a), "{} addresses unknown check {a}", f.id);
            }
        }
    }

    #[test]
    fn verdict_requires_the_broken_checks_to_pass() {
        let addr = ["net.interface", "net.address", "net.gateway"];
        let b = before(&[
            ("net.interface", "fail"),
            ("net.address", "skip"),
            ("net.gateway", "skip"),
        ]);
        let good = report(&[
            ("net.interface", Status::Pass),
            ("net.address", Status::Pass),
            ("net.gateway", Status::Pass),
        ]);
        assert!(verdict(&addr, &b, &good));
        let half = report(&[
            ("net.interface", Status::Pass),
            ("net.address", Status::Fail),
            ("net.gateway", Status::Skip),
        ]);
        assert!(
            !verdict(&addr, &b, &half),
            "a newly failing addressed check is not fixed"
        );
        let still = report(&[("net.interface", Status::Fail)]);
        assert!(!verdict(&addr, &b, &still));
        // Nothing broken before: whatever ran must not fail.
        assert!(verdict(
            &["net.dns"],
            &BTreeMap::new(),
            &report(&[("net.dns", Status::Pass)])
        ));
        assert!(!verdict(
            &["net.dns"],
            &BTreeMap::new(),
            &report(&[("net.dns", Status::Warn)])
        ));
    }

    fn engine(auto: &[&str], disabled: &[&str]) -> Engine {
        let mut config = Config::default();
        config.fixes.auto = auto.iter().map(|a| (*a).to_owned()).collect();
        config.fixes.disabled = disabled.iter().map(|a| (*a).to_owned()).collect();
        Engine::new(config, None)
    }

    #[test]
    fn regressions_are_checks_that_passed_before_and_fail_after() {
        let before = report(&[
            ("net.interface", Status::Fail),
            ("vpn.tunnel", Status::Pass),
            ("disk.temp", Status::Warn),
        ]);
        let after = report(&[
            ("net.interface", Status::Pass),
            ("vpn.tunnel", Status::Fail),
            ("disk.temp", Status::Fail),
        ]);
        assert_eq!(regressions(&before, &after), ["vpn.tunnel"]);
        assert!(regressions(&after, &after).is_empty());
        assert!(settling(&before, &after));
        assert!(
            !settling(&after, &after),
            "same root cause: the fix did not help, no wait"
        );
        let healthy = report(&[("net.interface", Status::Pass)]);
        assert!(!settling(&before, &healthy));
    }

    #[test]
    fn auto_candidates_follow_the_root_cause_then_the_failing_checks() {
        let e = engine(
            &[
                "net.flush_dns",
                "net.renew_address",
                "net.restart_interface",
            ],
            &[],
        );
        let link_down = report(&[
            ("net.interface", Status::Fail),
            ("net.address", Status::Skip),
        ]);
        let ids: Vec<&str> = e.auto_candidates(&link_down).iter().map(|d| d.id).collect();
        assert_eq!(ids, ["net.restart_interface"]);
        let no_addr = report(&[
            ("net.interface", Status::Pass),
            ("net.address", Status::Fail),
        ]);
        let ids: Vec<&str> = e.auto_candidates(&no_addr).iter().map(|d| d.id).collect();
        assert_eq!(ids, ["net.renew_address", "net.restart_interface"]);
        let dns = report(&[("net.gateway", Status::Pass), ("net.dns", Status::Fail)]);
        let ids: Vec<&str> = e.auto_candidates(&dns).iter().map(|d| d.id).collect();
        assert_eq!(ids, ["net.flush_dns"]);
        let e = engine(&["net.flush_dns"], &["net.flush_dns"]);
        assert!(
            e.auto_candidates(&dns).is_empty(),
            "disabled wins over auto"
        );
        let temp = report(&[("disk.temp", Status::Warn)]);
        assert!(
            engine(&["net.flush_dns"], &[])
                .auto_candidates(&temp)
                .is_empty()
        );
        let ids: Vec<&str> = engine(&["disk.clear_temp"], &[])
            .auto_candidates(&temp)
            .iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(ids, ["disk.clear_temp"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn apply_with_progress_reports_each_step_then_the_retest_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let temp = tmp.path().join("temp");
        std::fs::create_dir(&temp).unwrap();
        let old = temp.join("old.bin");
        std::fs::write(&old, vec![1_u8; 2048]).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - Duration::from_secs(30 * 86_400))
            .unwrap();
        std::fs::write(temp.join("new.bin"), b"fresh").unwrap();
        let mut config = Config::default();
        config.disk.temp_paths = vec![temp.display().to_string()];
        let e = Engine::new(config, Some(tmp.path().join("data")));

        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let r = e
            .apply_with_progress("disk.clear_temp", &FixArgs::default(), None, Some(tx))
            .await
            .unwrap();
        let mut events = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            events.push(ev);
        }
        assert!(!old.exists(), "the old temp file was cleared");
        assert!(temp.join("new.bin").exists());
        assert_eq!(r.steps.len(), 1);
        assert_eq!(events.len(), 4, "{events:?}");
        let FixEvent::StepStarted { program, args } = &events[0] else {
            panic!("first event: {:?}", events[0]);
        };
        assert_eq!(
            (program, args),
            (&r.steps[0].program, &r.steps[0].args),
            "started names the step that ran"
        );
        assert_eq!(
            events[1],
            FixEvent::StepFinished {
                step: r.steps[0].clone()
            }
        );
        assert_eq!(r.steps[0].status, StepStatus::Ok);
        assert_eq!(events[2], FixEvent::Verifying);
        assert_eq!(
            events[3],
            FixEvent::VerifyFinished {
                verify: r.verify.clone()
            }
        );
        assert!(r.verify.checks.iter().any(|c| c.id == "disk.temp"));
        let json = serde_json::to_value(&events[1]).unwrap();
        assert_eq!(json["kind"], "step_finished");
        assert_eq!(json["step"]["status"], "ok");

        // A refused fix sends nothing; `apply` without a receiver still works.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let refused = engine(&[], &["disk.clear_temp"])
            .apply_with_progress("disk.clear_temp", &FixArgs::default(), None, Some(tx))
            .await
            .unwrap();
        assert_eq!(refused.outcome, Outcome::Refused);
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn unknown_ids_are_errors_and_disabled_fixes_are_refused() {
        let e = engine(&[], &["disk.empty_trash"]);
        let err = e
            .apply("net.nope", &FixArgs::default(), None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "fix.not_in_catalogue");
        assert!(err.is_usage());
        let r = e
            .apply("disk.empty_trash", &FixArgs::default(), None)
            .await
            .unwrap();
        assert_eq!(r.outcome, Outcome::Refused);
        assert_eq!(r.code.as_deref(), Some("fix.disabled"));
        assert!(r.steps.is_empty());
        let p = e
            .preview("disk.empty_trash", &FixArgs::default())
            .await
            .unwrap();
        assert!(!p.available);
    }

    #[test]
    fn apply_result_json_has_the_contract_fields() {
        let r = ApplyResult {
            id: "net.flush_dns".into(),
            outcome: Outcome::NotFixed,
            message: "m".into(),
            code: None,
            steps: vec![StepResult {
                program: "deskside".into(),
                args: vec!["signal".into()],
                status: StepStatus::Ok,
                output: String::new(),
            }],
            verify: VerifyResult {
                checks: vec![CheckStatus {
                    id: "net.dns".into(),
                    status: Status::Pass,
                }],
                passed: true,
            },
            bytes: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["outcome"], "not_fixed");
        assert_eq!(v["steps"][0]["status"], "ok");
        assert_eq!(v["verify"]["checks"][0]["status"], "pass");
        for k in ["id", "outcome", "message", "steps", "verify"] {
            assert!(v.get(k).is_some(), "{k}");
        }
        let _ = Diagnosis {
            status: Health::Healthy,
            root_cause: None,
            headline: String::new(),
            summary: String::new(),
            errors: Vec::new(),
        };
    }
}
