//! `deskside-e2e`: one end-to-end scenario through the Deskside window, over WebDriver.
//!
//! Runs inside a network-lab client namespace (see `run-in-lab.sh`), where `tauri-driver`
//! listens on loopback. It opens a session (the driver starts the app with `--open`), runs a
//! diagnosis from the Diagnostics screen while watching rows go from pending to final, checks
//! the root cause the window names, with `--fix ID` applies that fix through the Fix it dialog
//! (preview, confirm, re-test must pass), copies the device info, and screenshots Diagnostics,
//! the Fix it dialog, Device, Get help, Password, Home and About into `--screenshots DIR`. The
//! session is always deleted (the driver then closes the app); on failure `failure.png` and
//! `failure.html` are saved first.
//!
//! The UI contract it relies on (`data-testid`s): `nav-home`, `nav-diagnostics`, `nav-device`,
//! `nav-about`; `run-diagnostics`; one `check-<id>` row per check with `data-status` =
//! `pending` while running, then `pass|warn|fail|skip|error`; `diagnosis-status` whose
//! `data-status` is `idle|running` before the end, `healthy|degraded|broken` after a run and
//! `failed` when the run could not finish; `root-cause` with `data-check="<id>"` (absent or
//! empty when healthy); `progress` with `data-done`/`data-total` (or `value`/`max`);
//! `device-hostname`; `copy-device-info`; `copy-feedback` with `data-state` `copied` or
//! `failed` (or, lacking it, any text) once the copy is done. Fix it: `root-cause-fix` with
//! `data-fix="<fix id>"`; `fix-dialog` with `data-phase` `previewing|confirm|applying|done|failed`;
//! `fix-preview`; `fix-confirm`; `fix-outcome` with `data-outcome` `fixed|not_fixed|failed|refused`;
//! `fix-verify-<check id>` with `data-status`; `fix-close`. Screens: `nav-help` (`ticket-form` or
//! `ticket-not-configured`), `nav-password` (`password-status` with `data-state`).
//!
//! Exit status: 0 passed, 1 the app misbehaved (an assertion or wait failed), 2 bad usage,
//! 3 no session (driver, app start or automation broken).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use deskside_e2e::{Element, Error, Session, testid, wait_until};
use serde_json::{Value, json};

/// Statuses a check row ends in.
const FINAL_CHECK: &[&str] = &["pass", "warn", "fail", "skip", "error"];
/// `diagnosis-status` values of a finished run.
const FINAL_DIAGNOSIS: &[&str] = &["healthy", "degraded", "broken"];
/// `diagnosis-status` values of a run that could not finish: over, whatever the rows say.
const ABORTED_DIAGNOSIS: &[&str] = &["failed", "error"];
/// Poll interval while watching a diagnosis: a lab run takes ~0.4 s, so polls must be quick to
/// catch rows still pending.
const FAST_POLL: Duration = Duration::from_millis(20);
const POLL: Duration = Duration::from_millis(100);
/// Pause before a screenshot, after the animation frames (see `Scenario::settle`).
const SETTLE: Duration = Duration::from_millis(300);

/// Drive the Deskside window through one scenario (run inside the lab client namespace).
#[derive(Debug, Parser)]
#[command(name = "deskside-e2e", version)]
struct Args {
    /// WebDriver server (tauri-driver); must be a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:4444")]
    webdriver: String,
    /// The Deskside app binary tauri-driver launches.
    #[arg(long)]
    app: PathBuf,
    /// Check id the window must name as root cause, or `none` for a healthy result.
    #[arg(long)]
    expect_root_cause: String,
    /// Directory for the screenshots (created).
    #[arg(long)]
    screenshots: PathBuf,
    /// Fail when no row was ever seen pending before turning final (otherwise only noted:
    /// a very fast run may finish between two polls).
    #[arg(long)]
    require_live_progress: bool,
    /// Time limit for the app to start and its window to show the UI, in seconds.
    #[arg(long, default_value_t = 60)]
    startup_timeout: u64,
    /// Right after the window opens, before anything is clicked, require Home to name this
    /// check as the root cause: the app's first background check announces it while the window
    /// is starting, and the window must not miss that announcement (regression: Home read the
    /// health before subscribing to its updates and kept "not checked yet").
    #[arg(long, value_name = "CHECK_ID")]
    expect_home_cause: Option<String>,
    /// Time limit for one diagnosis, in seconds.
    #[arg(long, default_value_t = 90)]
    diagnosis_timeout: u64,
    /// Time limit of every other wait, in seconds.
    #[arg(long, default_value_t = 15)]
    timeout: u64,
    /// After the diagnosis, apply this fix from the root cause's Fix it button and require the
    /// re-test to pass (e.g. `net.flush_dns` for the dns-stale fault).
    #[arg(long, value_name = "FIX_ID")]
    fix: Option<String>,
    /// Time limit for applying a fix and its re-test, in seconds.
    #[arg(long, default_value_t = 90)]
    fix_timeout: u64,
    /// On Get help, file a ticket with this subject (preview, send) and require the outbox to
    /// show it delivered (the scenario configures a helpdesk).
    #[arg(long, value_name = "SUBJECT")]
    ticket: Option<String>,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!("FAIL: cannot start the async runtime: {e}"));
            return ExitCode::from(3);
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let started = Instant::now();
    let capabilities = json!({
        "tauri:options": {
            "application": args.app,
            "args": ["--open"],
        },
    });
    say(&format!(
        "starting {} via {}",
        args.app.display(),
        args.webdriver
    ));
    let session = match Session::start(
        &args.webdriver,
        capabilities,
        Duration::from_secs(args.startup_timeout),
    )
    .await
    {
        Ok(session) => session,
        Err(e) => {
            say(&format!("FAIL: no WebDriver session: {e}"));
            return ExitCode::from(3);
        }
    };
    say(&format!(
        "session {} open after {} ms",
        session.id(),
        started.elapsed().as_millis()
    ));
    let scenario = Scenario {
        session: &session,
        args: &args,
        timings: Vec::new(),
    };
    let outcome = scenario.run().await;
    if let Err(e) = &outcome {
        say(&format!("FAIL: {e}"));
        save_failure(&session, &args.screenshots).await;
    }
    if let Err(e) = session.delete().await {
        say(&format!("warning: deleting the session failed: {e}"));
    }
    match outcome {
        Ok(timings) => {
            let parts: Vec<String> = timings
                .iter()
                .map(|(step, ms)| format!("{step} {ms} ms"))
                .collect();
            say(&format!(
                "PASS in {} ms ({})",
                started.elapsed().as_millis(),
                parts.join(", ")
            ));
            ExitCode::SUCCESS
        }
        Err(_) => ExitCode::from(1),
    }
}

/// Why a scenario failed.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// A WebDriver command or wait failed.
    #[error(transparent)]
    Driver(#[from] Error),
    /// The window showed something other than expected.
    #[error("{0}")]
    Assertion(String),
}

/// What the Diagnostics screen shows at one instant.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Snapshot {
    /// `(check id, data-status)` of every `check-*` row, in page order.
    rows: Vec<(String, String)>,
    /// `data-status` of `diagnosis-status`, if present.
    diagnosis: Option<String>,
    /// `data-check` of `root-cause`, if present.
    root_cause: Option<String>,
    /// `progress` as `done/total`, or its text, if present.
    progress: Option<String>,
}

impl Snapshot {
    fn pending(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .filter(|(_, s)| !FINAL_CHECK.contains(&s.as_str()))
            .map(|(id, _)| id.as_str())
    }

    /// Every row final and the diagnosis final, or the run aborted: the run is over.
    fn is_final(&self) -> bool {
        let diagnosis = self.diagnosis.as_deref().unwrap_or_default();
        if ABORTED_DIAGNOSIS.contains(&diagnosis) {
            return true;
        }
        !self.rows.is_empty()
            && self.pending().next().is_none()
            && self
                .diagnosis
                .as_deref()
                .is_some_and(|d| FINAL_DIAGNOSIS.contains(&d))
    }

    fn status_of(&self, id: &str) -> Option<&str> {
        self.rows
            .iter()
            .find(|(row, _)| row == id)
            .map(|(_, s)| s.as_str())
    }

    fn describe(&self) -> String {
        let final_rows = self.rows.len() - self.pending().count();
        format!(
            "{final_rows}/{} rows final, diagnosis-status={}, root-cause={}, progress={}",
            self.rows.len(),
            self.diagnosis.as_deref().unwrap_or("-"),
            self.root_cause.as_deref().unwrap_or("-"),
            self.progress.as_deref().unwrap_or("-"),
        )
    }
}

/// Reads the whole Diagnostics state in one script call, so rows and status agree.
const SNAPSHOT_SCRIPT: &str = r#"
const attr = (id, name) => {
  const e = document.querySelector('[data-testid="' + id + '"]');
  return e ? e.getAttribute(name) : null;
};
const p = document.querySelector('[data-testid="progress"]');
let progress = null;
if (p) {
  const v = p.getAttribute('data-done') ?? p.getAttribute('value');
  const m = p.getAttribute('data-total') ?? p.getAttribute('max');
  progress = (v !== null && m !== null) ? v + '/' + m : (p.textContent || '').trim();
}
return {
  rows: Array.from(document.querySelectorAll('[data-testid^="check-"]'))
    .map(e => [e.getAttribute('data-testid').slice(6), e.getAttribute('data-status') || '']),
  diagnosis: attr('diagnosis-status', 'data-status'),
  rootCause: attr('root-cause', 'data-check'),
  progress,
};
"#;

struct Scenario<'a> {
    session: &'a Session,
    args: &'a Args,
    timings: Vec<(&'static str, u128)>,
}

impl Scenario<'_> {
    async fn run(mut self) -> Result<Vec<(&'static str, u128)>, Failure> {
        let t = Instant::now();
        self.wait_for("the window's UI (nav-home)", "nav-home", self.startup())
            .await?;
        self.timings.push(("window", t.elapsed().as_millis()));
        if let Some(cause) = self.args.expect_home_cause.clone() {
            self.wait_attr(
                "home-root-cause",
                "data-check",
                &[cause.as_str()],
                &[],
                self.timeout(),
            )
            .await?;
            self.screenshot("home-announced.png").await?;
            say(&format!(
                "home named {cause} as announced in the background"
            ));
        }

        self.diagnostics().await?;
        if let Some(fix) = self.args.fix.clone() {
            self.fix_it(&fix).await?;
        }
        self.device().await?;
        self.help_and_password().await?;

        for (nav, file) in [("nav-home", "home.png"), ("nav-about", "about.png")] {
            self.click(nav).await?;
            self.screenshot(file).await?;
        }
        Ok(self.timings)
    }

    /// Fix it from the root cause: the button names `fix`, the dialog shows the preview, the
    /// fix runs after the confirmation, and its re-test passes.
    async fn fix_it(&mut self, fix: &str) -> Result<(), Failure> {
        let t = Instant::now();
        let button = self
            .wait_for(
                "the root cause's Fix it button",
                "root-cause-fix",
                self.timeout(),
            )
            .await?;
        let offered = self.session.attribute(&button, "data-fix").await?;
        if offered.as_deref() != Some(fix) {
            return Err(Failure::Assertion(format!(
                "the root cause offers fix {}, expected {fix}",
                offered.as_deref().unwrap_or("<none>")
            )));
        }
        self.click("root-cause-fix").await?;
        self.wait_attr(
            "fix-dialog",
            "data-phase",
            &["confirm"],
            &["failed"],
            self.timeout(),
        )
        .await?;
        let preview = self
            .wait_for("the fix preview", "fix-preview", self.timeout())
            .await?;
        say(&format!(
            "fix preview: {}",
            self.session.text(&preview).await?.replace('\n', " | ")
        ));
        self.screenshot("fix-preview.png").await?;

        self.click("fix-confirm").await?;
        let phase = self
            .wait_attr(
                "fix-dialog",
                "data-phase",
                &["done"],
                &["failed"],
                Duration::from_secs(self.args.fix_timeout),
            )
            .await?;
        let outcome = match self.session.find(&testid("fix-outcome")).await? {
            Some(e) => self.session.attribute(&e, "data-outcome").await?,
            None => None,
        };
        self.timings.push(("fix", t.elapsed().as_millis()));
        self.screenshot("fix-result.png").await?;
        if phase != "done" || outcome.as_deref() != Some("fixed") {
            let text = match self.session.find(&testid("fix-dialog")).await? {
                Some(e) => self.session.text(&e).await?,
                None => String::new(),
            };
            return Err(Failure::Assertion(format!(
                "fix {fix} ended {phase}/{}: {}",
                outcome.as_deref().unwrap_or("-"),
                text.replace('\n', " | ")
            )));
        }
        let verify = self
            .session
            .find_all("[data-testid^=\"fix-verify-\"]")
            .await?;
        let mut rows = Vec::new();
        for row in &verify {
            let id = self
                .session
                .attribute(row, "data-testid")
                .await?
                .unwrap_or_default();
            let status = self
                .session
                .attribute(row, "data-status")
                .await?
                .unwrap_or_default();
            rows.push(format!("{}={status}", id.trim_start_matches("fix-verify-")));
        }
        if rows.is_empty() || rows.iter().any(|r| !r.ends_with("=pass")) {
            return Err(Failure::Assertion(format!(
                "fix {fix}: the re-test did not pass everywhere: {}",
                rows.join(", ")
            )));
        }
        say(&format!("fix {fix}: fixed, re-test {}", rows.join(", ")));
        self.click("fix-close").await?;
        Ok(())
    }

    /// The Get help and Password screens render (their own data loads without failing).
    async fn help_and_password(&mut self) -> Result<(), Failure> {
        self.click("nav-help").await?;
        wait_until("the Get help screen", self.timeout(), POLL, || async {
            for id in ["ticket-form", "ticket-not-configured"] {
                if self.session.find(&testid(id)).await?.is_some() {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        })
        .await?;
        self.screenshot("help.png").await?;
        if let Some(subject) = self.args.ticket.clone() {
            self.file_ticket(&subject).await?;
        }
        self.click("nav-password").await?;
        let state = self
            .wait_attr(
                "password-status",
                "data-state",
                &["ok", "warning", "expired", "grace", "never", "unknown"],
                &[],
                self.timeout(),
            )
            .await?;
        say(&format!("password-status: {state}"));
        self.screenshot("password.png").await
    }

    /// Get help end to end: fill the form, preview exactly what is sent, send, and watch the
    /// outbox entry reach `delivered`.
    async fn file_ticket(&mut self, subject: &str) -> Result<(), Failure> {
        let t = Instant::now();
        self.wait_for("the ticket form", "ticket-form", self.timeout())
            .await?;
        let description = "The intranet does not open since this morning. token=e2e-planted-secret";
        for (id, value) in [
            ("ticket-subject", subject),
            ("ticket-description", description),
        ] {
            // Typing through the DOM: set the value and fire `input`, as a keystroke would.
            self.session
                .execute(
                    "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                     e.dispatchEvent(new Event('input', { bubbles: true })); return true;",
                    vec![json!(testid(id)), json!(value)],
                )
                .await?;
        }
        // A screenshot taken by the app itself (the window steps aside, X11 capture of the
        // Xvfb screen), shown, then consented to.
        self.session
            .execute(
                "document.querySelector(arguments[0] + ' input').click(); return true;",
                vec![json!(testid("ticket-part-screenshot"))],
            )
            .await?;
        self.click("ticket-screenshot-take").await?;
        self.wait_for(
            "the screenshot taken",
            "ticket-screenshot-image",
            self.timeout(),
        )
        .await?;
        self.click("ticket-screenshot-consent").await?;
        self.click("ticket-preview-button").await?;
        let body = wait_until("the ticket preview", self.timeout(), POLL, || async {
            let Some(e) = self.session.find(&testid("ticket-preview-body")).await? else {
                return Ok(None);
            };
            Ok(Some(self.session.text(&e).await?))
        })
        .await?;
        if !body.contains("The intranet does not open") || body.contains("e2e-planted-secret") {
            return Err(Failure::Assertion(format!(
                "the preview body should carry the description, redacted: {}",
                body.replace('\n', " | ")
            )));
        }
        let attachments = self
            .session
            .text(
                &self
                    .wait_for(
                        "the attachments",
                        "ticket-preview-attachments",
                        self.timeout(),
                    )
                    .await?,
            )
            .await?;
        if !attachments.contains("screenshot.png") {
            return Err(Failure::Assertion(format!(
                "the preview should list the screenshot: {}",
                attachments.replace('\n', " | ")
            )));
        }
        self.screenshot("ticket-preview.png").await?;
        self.click("ticket-submit").await?;
        let (id, remote) = wait_until(
            "the ticket to be delivered",
            Duration::from_secs(self.args.fix_timeout),
            POLL,
            || async {
                let v = self
                    .session
                    .execute(
                        "const e = document.querySelector('[data-testid^=\"outbox-\"][data-state]'); \
                         return e ? [e.getAttribute('data-testid'), e.getAttribute('data-state'), \
                         e.getAttribute('data-remote'), e.textContent] : null;",
                        Vec::new(),
                    )
                    .await?;
                let Some(a) = v.as_array() else { return Ok(None) };
                let get = |i: usize| a.get(i).and_then(Value::as_str).unwrap_or_default().to_owned();
                match get(1).as_str() {
                    "delivered" => Ok(Some((get(0), get(2)))),
                    "failed" => Err(Error::Protocol {
                        what: "outbox".to_owned(),
                        detail: format!("the ticket failed: {}", get(3)),
                    }),
                    _ => Ok(None),
                }
            },
        )
        .await?;
        self.timings.push(("ticket", t.elapsed().as_millis()));
        say(&format!("ticket {id}: delivered, remote {remote}"));
        self.screenshot("ticket-sent.png").await
    }

    /// Wait until `id`'s `attr` is one of `want` (returned) or one of `fail` (an error).
    async fn wait_attr(
        &self,
        id: &str,
        attr: &str,
        want: &[&str],
        fail: &[&str],
        timeout: Duration,
    ) -> Result<String, Failure> {
        let value = wait_until(
            &format!("{id} {attr} in {want:?}"),
            timeout,
            POLL,
            || async {
                let Some(e) = self.session.find(&testid(id)).await? else {
                    return Ok(None);
                };
                let v = self.session.attribute(&e, attr).await?.unwrap_or_default();
                Ok((want.contains(&v.as_str()) || fail.contains(&v.as_str())).then_some(v))
            },
        )
        .await?;
        if fail.contains(&value.as_str()) {
            let text = match self.session.find(&testid(id)).await? {
                Some(e) => self.session.text(&e).await?,
                None => String::new(),
            };
            return Err(Failure::Assertion(format!(
                "{id} {attr}={value}: {}",
                text.replace('\n', " | ")
            )));
        }
        Ok(value)
    }

    async fn diagnostics(&mut self) -> Result<(), Failure> {
        self.click("nav-diagnostics").await?;
        let button = self
            .wait_for(
                "the run-diagnostics button",
                "run-diagnostics",
                self.timeout(),
            )
            .await?;
        let before = self.snapshot().await?;
        say(&format!("before the run: {}", before.describe()));

        let t = Instant::now();
        self.session.click(&button).await?;
        let (last, seen_pending, seen_running) = self.watch_run(&before).await?;
        let run_ms = t.elapsed().as_millis();
        self.timings.push(("diagnosis", run_ms));
        say(&format!("after {run_ms} ms: {}", last.describe()));

        // Live progress: some row was seen pending and is final now.
        let went_final: Vec<&String> = seen_pending
            .iter()
            .filter(|id| last.status_of(id).is_some_and(|s| FINAL_CHECK.contains(&s)))
            .collect();
        if went_final.is_empty() {
            let msg = "no check row was seen pending before turning final \
                       (the run finished between two polls, or rows only appear at the end)";
            if self.args.require_live_progress {
                return Err(Failure::Assertion(msg.to_owned()));
            }
            say(&format!("note: {msg}"));
        } else {
            say(&format!(
                "live progress: {} rows seen pending then final (e.g. {})",
                went_final.len(),
                went_final.first().map_or("", |s| s.as_str())
            ));
        }
        if !seen_running && before.is_final() {
            return Err(Failure::Assertion(format!(
                "the screen already showed a finished run before the click and never changed \
                 afterwards: cannot tell a new run from the old one ({})",
                before.describe()
            )));
        }

        let verdict =
            check_root_cause(&self.args.expect_root_cause, &last).map_err(Failure::Assertion)?;
        say(&verdict);
        self.screenshot("diagnostics.png").await
    }

    /// Poll the Diagnostics screen until the run is over. Returns the final snapshot, the ids
    /// of rows seen pending, and whether any non-final state was seen at all.
    async fn watch_run(
        &self,
        before: &Snapshot,
    ) -> Result<(Snapshot, BTreeSet<String>, bool), Failure> {
        let deadline = Instant::now() + Duration::from_secs(self.args.diagnosis_timeout);
        let mut seen_pending = BTreeSet::new();
        let mut seen_running = false;
        let mut previous = before.clone();
        // A finished run from before the click must not be mistaken for this one: until the
        // screen changes, an old final state does not end the wait (up to a short grace, for
        // a run so fast that no poll caught it).
        let grace = Instant::now() + Duration::from_secs(3);
        loop {
            let now = self.snapshot().await?;
            if now != previous {
                say(&format!("  {}", now.describe()));
            }
            if !now.is_final() {
                seen_running = true;
            }
            seen_pending.extend(now.pending().map(str::to_owned));
            let fresh = seen_running || !before.is_final() || Instant::now() >= grace;
            if now.is_final() && fresh {
                if ABORTED_DIAGNOSIS.contains(&now.diagnosis.as_deref().unwrap_or_default()) {
                    return Err(Failure::Assertion(format!(
                        "the diagnosis could not finish ({})",
                        now.describe()
                    )));
                }
                return Ok((now, seen_pending, seen_running));
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: "the diagnosis to finish".to_owned(),
                    after: Duration::from_secs(self.args.diagnosis_timeout),
                    last: format!(" (last: {})", now.describe()),
                }
                .into());
            }
            previous = now;
            tokio::time::sleep(FAST_POLL).await;
        }
    }

    async fn device(&mut self) -> Result<(), Failure> {
        let t = Instant::now();
        self.click("nav-device").await?;
        let hostname = wait_until(
            "device-hostname to show a name",
            self.timeout(),
            POLL,
            || async {
                let Some(e) = self.session.find(&testid("device-hostname")).await? else {
                    return Ok(None);
                };
                let text = self.session.text(&e).await?;
                Ok((!text.trim().is_empty()).then_some(text))
            },
        )
        .await?;
        say(&format!("device-hostname: {}", hostname.trim()));
        self.timings.push(("device", t.elapsed().as_millis()));

        self.click("copy-device-info").await?;
        let (feedback, state) = wait_until(
            "copy-feedback after copy-device-info",
            self.timeout(),
            POLL,
            || async {
                let Some(e) = self.session.find(&testid("copy-feedback")).await? else {
                    return Ok(None);
                };
                let text = self.session.text(&e).await?;
                let state = self.session.attribute(&e, "data-state").await?;
                let done = match state.as_deref() {
                    Some("copied" | "failed") => true,
                    Some(_) => false,
                    None => !text.trim().is_empty(),
                };
                Ok(done.then_some((text, state)))
            },
        )
        .await?;
        say(&format!(
            "copy-feedback: {} ({})",
            feedback.trim(),
            state.as_deref().unwrap_or("-")
        ));
        if state.as_deref() == Some("failed") {
            return Err(Failure::Assertion(format!(
                "copying the device info failed: {}",
                feedback.trim()
            )));
        }
        self.screenshot("device.png").await
    }

    /// Read the Diagnostics screen: one script call, or element by element when the page
    /// refuses scripts.
    async fn snapshot(&self) -> Result<Snapshot, Failure> {
        match self.session.execute(SNAPSHOT_SCRIPT, Vec::new()).await {
            Ok(value) => parse_snapshot(&value).ok_or_else(|| {
                Failure::Assertion(format!("unexpected snapshot script result: {value}"))
            }),
            Err(Error::WebDriver { .. }) => Ok(self.snapshot_by_elements().await?),
            Err(e) => Err(e.into()),
        }
    }

    async fn snapshot_by_elements(&self) -> Result<Snapshot, Error> {
        let s = self.session;
        let mut rows = Vec::new();
        for row in s.find_all("[data-testid^=\"check-\"]").await? {
            let id = s.attribute(&row, "data-testid").await?.unwrap_or_default();
            let status = s.attribute(&row, "data-status").await?.unwrap_or_default();
            rows.push((id.trim_start_matches("check-").to_owned(), status));
        }
        let attr = |id: &'static str, name: &'static str| async move {
            match s.find(&testid(id)).await? {
                Some(e) => s.attribute(&e, name).await,
                None => Ok(None),
            }
        };
        let progress = match s.find(&testid("progress")).await? {
            Some(e) => match (
                s.attribute(&e, "data-done").await?,
                s.attribute(&e, "data-total").await?,
            ) {
                (Some(done), Some(total)) => Some(format!("{done}/{total}")),
                _ => Some(s.text(&e).await?.trim().to_owned()),
            },
            None => None,
        };
        Ok(Snapshot {
            rows,
            diagnosis: attr("diagnosis-status", "data-status").await?,
            root_cause: attr("root-cause", "data-check").await?,
            progress,
        })
    }

    async fn wait_for(&self, what: &str, id: &str, timeout: Duration) -> Result<Element, Error> {
        let selector = testid(id);
        wait_until(what, timeout, POLL, || self.session.find(&selector)).await
    }

    async fn click(&self, id: &str) -> Result<(), Failure> {
        let e = self
            .wait_for(&format!("{id} to click"), id, self.timeout())
            .await?;
        wait_until(
            &format!("a click on {id}"),
            self.timeout(),
            POLL,
            || async { self.session.click(&e).await.map(Some) },
        )
        .await?;
        Ok(())
    }

    async fn screenshot(&self, file: &str) -> Result<(), Failure> {
        self.settle().await;
        let path = self.args.screenshots.join(file);
        self.session.save_screenshot(&path).await?;
        say(&format!("screenshot {}", path.display()));
        Ok(())
    }

    /// Let what the DOM shows reach the screen before a screenshot. Under Xvfb WebKit paints
    /// behind the DOM: a screenshot taken right after the final DOM state showed the first
    /// "running" frame. Two animation frames (the second begins after the first was painted)
    /// plus a short pause, which also covers screens without a testid to wait for (Home, About).
    async fn settle(&self) {
        const FRAMES: &str = "const done = arguments[arguments.length - 1]; \
            requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
        if let Err(e) = self.session.execute_async(FRAMES, Vec::new()).await {
            say(&format!("note: waiting for animation frames failed: {e}"));
        }
        tokio::time::sleep(SETTLE).await;
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.args.timeout)
    }

    fn startup(&self) -> Duration {
        Duration::from_secs(self.args.startup_timeout)
    }
}

/// Does the final screen name the expected root cause (`none`: a healthy result)? `Ok` says
/// what matched, `Err` what did not.
fn check_root_cause(expected: &str, last: &Snapshot) -> Result<String, String> {
    let shown = last.root_cause.as_deref().filter(|s| !s.is_empty());
    let status = last.diagnosis.as_deref().unwrap_or("-");
    if expected == "none" {
        if let Some(shown) = shown {
            return Err(format!(
                "expected a healthy result, the window names root cause {shown} ({})",
                last.describe()
            ));
        }
        if status != "healthy" {
            return Err(format!(
                "expected diagnosis-status healthy, got {status} ({})",
                last.describe()
            ));
        }
        return Ok("root cause: none (healthy), as expected".to_owned());
    }
    if shown != Some(expected) {
        return Err(format!(
            "expected root cause {expected}, the window shows {} ({})",
            shown.unwrap_or("none"),
            last.describe()
        ));
    }
    if !matches!(status, "broken" | "degraded") {
        return Err(format!(
            "root cause {expected} shown but diagnosis-status is {status}"
        ));
    }
    match last.status_of(expected) {
        Some("fail" | "warn" | "error") => {
            Ok(format!("root cause: {expected} ({status}), as expected"))
        }
        other => Err(format!(
            "root cause {expected} shown but its row check-{expected} has status {}",
            other.unwrap_or("<no row>")
        )),
    }
}

fn parse_snapshot(value: &Value) -> Option<Snapshot> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let rows = value
        .get("rows")?
        .as_array()?
        .iter()
        .map(|row| {
            let id = row.get(0)?.as_str()?.to_owned();
            let status = row.get(1)?.as_str().unwrap_or_default().to_owned();
            Some((id, status))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Snapshot {
        rows,
        diagnosis: text("diagnosis"),
        root_cause: text("rootCause"),
        progress: text("progress"),
    })
}

/// Best effort: what the window showed when the scenario failed.
async fn save_failure(session: &Session, dir: &Path) {
    let png = dir.join("failure.png");
    match session.save_screenshot(&png).await {
        Ok(()) => say(&format!("screenshot {}", png.display())),
        Err(e) => say(&format!("warning: no failure screenshot: {e}")),
    }
    match session.page_source().await {
        Ok(html) => {
            let path = dir.join("failure.html");
            if deskside_e2e::write_file(&path, html.as_bytes()).is_ok() {
                say(&format!("page source {}", path.display()));
            }
        }
        Err(e) => say(&format!("warning: no page source: {e}")),
    }
}

/// Progress lines go to stderr, one write each so they don't interleave with the driver's.
fn say(line: &str) {
    let _ = std::io::stderr().write_all(format!("deskside-e2e: {line}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: &[(&str, &str)], diagnosis: Option<&str>) -> Snapshot {
        Snapshot {
            rows: rows
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            diagnosis: diagnosis.map(str::to_owned),
            ..Snapshot::default()
        }
    }

    #[test]
    fn final_needs_rows_all_final_and_a_final_diagnosis() {
        assert!(!snap(&[], Some("healthy")).is_final());
        assert!(!snap(&[("net.dns", "pending")], Some("broken")).is_final());
        assert!(!snap(&[("net.dns", "fail")], Some("running")).is_final());
        assert!(!snap(&[("net.dns", "fail")], None).is_final());
        assert!(!snap(&[("net.dns", "fail")], Some("idle")).is_final());
        assert!(
            snap(&[("net.dns", "pending")], Some("failed")).is_final(),
            "an aborted run is over even with rows left pending"
        );
        assert!(
            snap(
                &[("net.dns", "fail"), ("disk.space", "pass")],
                Some("broken")
            )
            .is_final()
        );
    }

    #[test]
    fn snapshot_script_result_parses() {
        let value = json!({
            "rows": [["net.dns", "fail"], ["net.mtu", "pending"]],
            "diagnosis": "running",
            "rootCause": null,
            "progress": "1/2",
        });
        let s = parse_snapshot(&value).unwrap();
        assert_eq!(s.pending().collect::<Vec<_>>(), ["net.mtu"]);
        assert_eq!(s.status_of("net.dns"), Some("fail"));
        assert_eq!(s.progress.as_deref(), Some("1/2"));
        assert_eq!(s.root_cause, None);
    }

    #[test]
    fn expectations_are_checked() {
        let mut broken = snap(&[("net.dns", "fail"), ("net.mtu", "skip")], Some("broken"));
        broken.root_cause = Some("net.dns".to_owned());
        let healthy = snap(&[("net.dns", "pass")], Some("healthy"));

        assert!(check_root_cause("net.dns", &broken).is_ok());
        assert!(check_root_cause("none", &healthy).is_ok());
        assert!(check_root_cause("net.mtu", &broken).is_err());
        assert!(check_root_cause("none", &broken).is_err());
        assert!(check_root_cause("net.dns", &healthy).is_err());

        let mut empty = healthy.clone();
        empty.root_cause = Some(String::new());
        assert!(
            check_root_cause("none", &empty).is_ok(),
            "empty data-check = none"
        );

        let mut degraded_but_none = healthy;
        degraded_but_none.diagnosis = Some("degraded".to_owned());
        assert!(check_root_cause("none", &degraded_but_none).is_err());

        let mut passing_row = broken;
        passing_row.rows[0].1 = "pass".to_owned();
        assert!(check_root_cause("net.dns", &passing_row).is_err());
    }
}
