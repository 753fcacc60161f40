//! `desksidectl ticket` and `desksidectl outbox`: file a ticket with evidence (preview first if
//! you like), see the outbox, send what is queued, and read back the helpdesk's answer.
//!
//! `ticket submit` builds and redacts the bundle, queues it durably (that alone is success),
//! then tries to deliver it for at most `tickets.submit_wait_s`. Exit codes: 0 delivered or
//! queued for retry; 1 failed permanently (the helpdesk refused it); 2 could not even be
//! queued (bad config or arguments, a full disk). In `--json` mode errors print
//! `{"error":{"code":…,"message":…}}`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use deskside_config::{Config, Loaded};
use deskside_evidence::{Evidence, LogFile, Part, Screenshot, TicketRequest, Urgency};
use deskside_helpdesk::Helpdesk;
use deskside_outbox::{DeliverOptions, Endpoint, Entry, NewTicket, Outbox, OutboxError, State};
use serde_json::{Value, json};

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

/// How long `outbox flush` waits for the helpdesk to accept a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Largest screenshot read from disk.
const MAX_SCREENSHOT_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Build the ticket with its evidence, queue it and try to send it now.
    Submit {
        #[command(flatten)]
        form: TicketForm,
        /// Queue only; send later with `outbox flush` (or the tray app).
        #[arg(long)]
        no_send: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show exactly what `submit` would send, after redaction, without queuing anything.
    Preview {
        #[command(flatten)]
        form: TicketForm,
        /// Print JSON: subject, body, bundle and attachment list.
        #[arg(long)]
        json: bool,
    },
    /// Ask the helpdesk for the status and last reply of delivered tickets.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Every ticket in the outbox, newest first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send every queued ticket now, backoff or not, if the helpdesk can be reached (a
    /// helpdesk's Retry-After still holds); exit 0 when nothing is left undelivered.
    Flush {
        /// Kept for scripts: a flush always ignores the backoff now.
        #[arg(long, hide = true)]
        now: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put a failed ticket back in the queue.
    Retry {
        /// Local ticket id (from `outbox list`).
        id: i64,
    },
    /// Print a failed ticket as an e-mail to paste into your mail program.
    Email {
        /// Local ticket id.
        id: i64,
    },
    /// Save a ticket's attachments into a folder.
    Export {
        /// Local ticket id.
        id: i64,
        /// Folder to write into (created if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum HelpdeskCommand {
    /// Reach the helpdesk with the configured credentials and read where tickets go (queue,
    /// project, desk) without creating anything; print what to fix. Exit 0 when every step
    /// passed, 1 when one failed, 2 when the config itself is incomplete.
    Test {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UrgencyArg {
    Low,
    Normal,
    High,
}

/// What the user writes and attaches (shared by `submit` and `preview`).
#[derive(Debug, Args)]
pub struct TicketForm {
    /// A few words: the ticket's title.
    #[arg(long)]
    subject: String,
    /// What happened, in your words.
    #[arg(long)]
    description: String,
    /// Category (network, vpn, printer, …).
    #[arg(long)]
    category: Option<String>,
    /// How urgent.
    #[arg(long, value_enum, default_value = "normal")]
    urgency: UrgencyArg,
    /// How to reach you (e-mail or phone).
    #[arg(long)]
    contact: Option<String>,
    /// Run a diagnosis now and attach its report.
    #[arg(long)]
    attach_diagnostics: bool,
    /// Attach this saved report (`desksidectl diagnose --json > FILE`) instead of running one.
    #[arg(long, value_name = "FILE")]
    diagnostics_file: Option<PathBuf>,
    /// Attach fix results: a JSON array (from the fixes commands).
    #[arg(long, value_name = "FILE")]
    fixes_file: Option<PathBuf>,
    /// Attach audit-log entries: a JSON array or one JSON object per line.
    #[arg(long, value_name = "FILE")]
    audit_file: Option<PathBuf>,
    /// Attach a log file (its end, up to tickets.max_log_bytes); repeatable.
    #[arg(long = "attach", value_name = "FILE")]
    attach: Vec<PathBuf>,
    /// Attach this PNG screenshot (giving it here is your consent to send it).
    #[arg(long, value_name = "FILE.png")]
    screenshot: Option<PathBuf>,
    /// Leave a part out: device, diagnosis, fixes, audit, logs, screenshot; repeatable.
    #[arg(long = "untick", value_name = "PART")]
    untick: Vec<String>,
    /// Send a value Deskside hid in your text as typed (a false positive): its id from the
    /// preview's list, such as description:1; repeatable.
    #[arg(long = "reveal", value_name = "ID")]
    reveal: Vec<String>,
}

/// An error with a stable code, printed as text or `{"error":…}`.
struct Failure {
    code: &'static str,
    message: String,
    exit: u8,
}

impl Failure {
    fn cannot_run(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            exit: EXIT_CANNOT_RUN,
        }
    }

    fn report(&self, json: bool) -> ExitCode {
        if json {
            let _ = print_json(&json!({"error": {"code": self.code, "message": self.message}}));
        } else {
            eprintln_safe(&format!(
                "desksidectl: {} (code {})",
                self.message, self.code
            ));
        }
        ExitCode::from(self.exit)
    }
}

impl From<OutboxError> for Failure {
    fn from(e: OutboxError) -> Self {
        Self::cannot_run(e.code(), e.to_string())
    }
}

pub async fn run_ticket(loaded: Loaded, command: TicketCommand) -> ExitCode {
    match command {
        TicketCommand::Submit {
            form,
            no_send,
            json,
        } => match submit(&loaded.config, &form, no_send).await {
            Ok(entry) => {
                let code = match entry.state {
                    State::Failed => ExitCode::from(EXIT_PROBLEMS),
                    _ => ExitCode::SUCCESS,
                };
                let printed = if json {
                    print_json(&submit_json(&entry))
                } else {
                    print_out(&submit_text(&entry))
                };
                if printed == ExitCode::SUCCESS {
                    code
                } else {
                    printed
                }
            }
            Err(f) => f.report(json),
        },
        TicketCommand::Preview { form, json } => match preview(&loaded.config, &form).await {
            Ok(v) => {
                if json {
                    print_json(&v)
                } else {
                    let bundle = serde_json::to_string_pretty(&v["bundle"]).unwrap_or_default();
                    print_out(&format!(
                        "Subject: {}\n\n{}\n{}--- {} ---\n{bundle}\n",
                        v["subject"].as_str().unwrap_or(""),
                        v["body"].as_str().unwrap_or(""),
                        hidden_text(&v),
                        deskside_evidence::BUNDLE_FILE
                    ))
                }
            }
            Err(f) => f.report(json),
        },
        TicketCommand::Status { json } => match status(&loaded.config).await {
            Ok(entries) => {
                let delivered: Vec<&Entry> = entries
                    .iter()
                    .filter(|e| e.state == State::Delivered)
                    .collect();
                if json {
                    print_json(&json!({ "tickets": delivered }))
                } else {
                    print_out(&status_text(&delivered))
                }
            }
            Err(f) => f.report(json),
        },
    }
}

pub async fn run_outbox(loaded: Loaded, command: OutboxCommand) -> ExitCode {
    let outbox = match Outbox::open_default() {
        Ok(o) => o,
        Err(e) => {
            let json = matches!(
                command,
                OutboxCommand::List { json: true } | OutboxCommand::Flush { json: true, .. }
            );
            return Failure::from(e).report(json);
        }
    };
    match command {
        OutboxCommand::List { json } => match outbox.list() {
            Ok(list) => print_list(&list, json),
            Err(e) => Failure::from(e).report(json),
        },
        OutboxCommand::Flush { now: _, json } => {
            let (connector, endpoint) = match connector_at(&loaded.config) {
                Ok(c) => c,
                Err(f) => {
                    // Queued tickets this configuration can never send fail with the reason
                    // (copy as e-mail), as the tray's worker does, instead of waiting forever.
                    if let Err(e) =
                        deskside_agent::ticket::fail_if_misconfigured(&loaded.config, &outbox)
                    {
                        eprintln_safe(&format!("desksidectl: {}", e.message()));
                    }
                    return f.report(json);
                }
            };
            // The user's "send now": every queued ticket, backoff or not, once the helpdesk
            // answers a probe (an unreachable one would only cost each ticket an attempt).
            // `Retry-After` and the settle window still hold: never a duplicate.
            let options = DeliverOptions {
                ignore_backoff: true,
                helpdesk_reachable: true,
                ..DeliverOptions::from_config(&loaded.config)
            };
            let mut unsent = false;
            let reachable = match &endpoint {
                Some(endpoint) => {
                    let timeout = PROBE_TIMEOUT.min(options.settle);
                    deskside_outbox::probe(endpoint, timeout).await
                }
                None => true,
            };
            if !reachable {
                unsent = true;
                eprintln_safe(&format!(
                    "desksidectl: the helpdesk ({}) cannot be reached; the tickets stay queued and are sent when it answers",
                    endpoint.map(|e| e.to_string()).unwrap_or_default()
                ));
            } else {
                match outbox.deliver_due(&connector, &options).await {
                    Ok(_) => {}
                    Err(OutboxError::Busy) => {
                        unsent = true;
                        eprintln_safe(&format!("desksidectl: {}", OutboxError::Busy));
                    }
                    Err(e) => return Failure::from(e).report(json),
                }
            }
            match outbox.list() {
                Ok(list) => {
                    let printed = print_list(&list, json);
                    let left = list.iter().any(|e| e.state != State::Delivered);
                    if printed != ExitCode::SUCCESS {
                        printed
                    } else if left || unsent {
                        ExitCode::from(EXIT_PROBLEMS)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => Failure::from(e).report(json),
            }
        }
        OutboxCommand::Retry { id } => match outbox.retry(id) {
            Ok(e) => print_out(&format!("Ticket {} is queued again.\n", e.id)),
            Err(e) => Failure::from(e).report(false),
        },
        OutboxCommand::Email { id } => {
            match outbox.copy_as_email(id, loaded.config.helpdesk.to.as_deref()) {
                Ok(text) => print_out(&text),
                Err(e) => Failure::from(e).report(false),
            }
        }
        OutboxCommand::Export { id, dir } => match export(&outbox, id, &dir) {
            Ok(text) => print_out(&text),
            Err(f) => f.report(false),
        },
    }
}

pub async fn run_helpdesk(loaded: &Loaded, command: HelpdeskCommand) -> ExitCode {
    let HelpdeskCommand::Test { json } = command;
    let connector = match connector(&loaded.config) {
        Ok(c) => c,
        Err(f) => return f.report(json),
    };
    let steps = deskside_helpdesk::Connector::test_setup(&connector).await;
    let failed = steps
        .iter()
        .any(|s| s.status == deskside_helpdesk::StepStatus::Failed);
    let printed = if json {
        print_json(&json!({
            "helpdesk": deskside_helpdesk::Connector::kind(&connector),
            "ok": !failed,
            "steps": steps,
        }))
    } else {
        print_out(&setup_text(
            deskside_helpdesk::Connector::kind(&connector),
            &steps,
        ))
    };
    if printed != ExitCode::SUCCESS {
        printed
    } else if failed {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

fn setup_text(kind: &str, steps: &[deskside_helpdesk::SetupStep]) -> String {
    use deskside_helpdesk::StepStatus;
    let mut out = format!("Helpdesk ({kind}):\n");
    for s in steps {
        let mark = match s.status {
            StepStatus::Ok => "ok         ",
            StepStatus::Failed => "FAILED     ",
            StepStatus::NotChecked => "not checked",
        };
        out.push_str(&format!("  {mark}  {}: {}\n", s.step, s.detail));
    }
    out.push_str(if steps.iter().any(|s| s.status == StepStatus::Failed) {
        "Tickets cannot be sent until the FAILED step is fixed.\n"
    } else {
        "Tickets can be sent.\n"
    });
    out
}

fn export(outbox: &Outbox, id: i64, dir: &Path) -> Result<String, Failure> {
    let t = outbox.outgoing(id)?;
    let io = |e: std::io::Error| {
        Failure::cannot_run(
            "outbox.export",
            format!("cannot write into {}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut text = String::new();
    for a in &t.attachments {
        // Names come from Deskside itself, but never let one escape the folder.
        let name = Path::new(&a.name)
            .file_name()
            .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned());
        let path = dir.join(name);
        std::fs::write(&path, &a.data).map_err(io)?;
        text.push_str(&format!("{}\n", path.display()));
    }
    Ok(text)
}

fn connector(config: &Config) -> Result<Helpdesk, Failure> {
    connector_at(config).map(|(c, _)| c)
}

/// The connector and where its helpdesk listens (for the reachability probe).
fn connector_at(config: &Config) -> Result<(Helpdesk, Option<Endpoint>), Failure> {
    // The Deskside server's relay when `server.url` is set, else the `[helpdesk]` connector.
    let connector = deskside_helpdesk::for_device(config)
        .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
    Ok((connector, Endpoint::for_device(config)))
}

/// Reads the form's files and takes the snapshots, then builds the redacted bundle.
async fn build(
    config: &Config,
    form: &TicketForm,
) -> Result<(TicketRequest, deskside_evidence::Bundle), Failure> {
    let request = TicketRequest {
        subject: form.subject.clone(),
        description: form.description.clone(),
        category: form.category.clone().filter(|c| !c.trim().is_empty()),
        urgency: match form.urgency {
            UrgencyArg::Low => Urgency::Low,
            UrgencyArg::Normal => Urgency::Normal,
            UrgencyArg::High => Urgency::High,
        },
        contact: form.contact.clone().filter(|c| !c.trim().is_empty()),
    };
    let mut unticked = BTreeSet::new();
    for name in &form.untick {
        let part = Part::parse(name).ok_or_else(|| {
            Failure::cannot_run(
                "ticket.bad_part",
                format!("--untick {name:?}: expected device, diagnosis, fixes, audit, logs or screenshot"),
            )
        })?;
        unticked.insert(part);
    }
    let mut options = deskside_agent::ticket::build_options(config, unticked);
    options.reveal = form.reveal.iter().cloned().collect();
    let wanted = |p: Part| !options.unticked.contains(&p) && !options.policy.forbid.contains(&p);

    let mut evidence = Evidence::default();
    // Parts that are left out are not even collected: what is not read cannot leak.
    if wanted(Part::Device) {
        let opts = deskside_device::SnapshotOptions {
            vpn_patterns: config.vpn.interfaces.clone(),
        };
        evidence.device = serde_json::to_value(deskside_device::snapshot_with(&opts).await).ok();
    }
    if let Some(path) = &form.diagnostics_file {
        evidence.diagnosis = Some(read_json(path, "ticket.bad_diagnostics")?);
    } else if form.attach_diagnostics && wanted(Part::Diagnosis) {
        let report = deskside_diagnostics::diagnose(config.clone(), &[], None)
            .await
            .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
        evidence.diagnosis = serde_json::to_value(&report).ok();
    }
    if let Some(path) = &form.fixes_file {
        evidence.fixes = deskside_agent::ticket::titled_fixes(read_list(path, "ticket.bad_fixes")?);
    }
    if let Some(path) = &form.audit_file {
        evidence.audit = read_list(path, "ticket.bad_audit")?;
    }
    for path in &form.attach {
        // Read a little more than the cap: redaction can only shorten the text.
        let log = LogFile::read_tail(path, config.tickets.max_log_bytes.saturating_mul(2))
            .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
        evidence.logs.push(log);
    }
    if let Some(path) = &form.screenshot {
        let png = read_capped(path, MAX_SCREENSHOT_BYTES, "ticket.bad_screenshot")?;
        evidence.screenshot = Some(Screenshot { png, consent: true });
    }
    let bundle = deskside_evidence::build(
        &request,
        evidence,
        &options,
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
    // An id that matches nothing would leave the user believing a value is sent as typed.
    if let Some(unknown) = form
        .reveal
        .iter()
        .find(|id| !bundle.hidden.iter().any(|h| &h.id == *id))
    {
        return Err(Failure::cannot_run(
            "ticket.bad_reveal",
            format!(
                "--reveal {unknown}: nothing with that id was hidden; run `desksidectl ticket preview` with the same text to see the ids"
            ),
        ));
    }
    Ok((request, bundle))
}

fn read_capped(path: &Path, max: u64, code: &'static str) -> Result<Vec<u8>, Failure> {
    let fail = |m: String| Failure::cannot_run(code, format!("{}: {m}", path.display()));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if meta.len() > max {
        return Err(fail(format!("larger than {max} bytes")));
    }
    std::fs::read(path).map_err(|e| fail(e.to_string()))
}

fn read_json(path: &Path, code: &'static str) -> Result<Value, Failure> {
    let bytes = read_capped(path, 16 * 1024 * 1024, code)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::cannot_run(code, format!("{} is not JSON: {e}", path.display())))
}

/// A JSON array, or one JSON value per line (an audit log).
fn read_list(path: &Path, code: &'static str) -> Result<Vec<Value>, Failure> {
    let bytes = read_capped(path, 16 * 1024 * 1024, code)?;
    if let Ok(Value::Array(items)) = serde_json::from_slice(&bytes) {
        return Ok(items);
    }
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).map_err(|e| {
                Failure::cannot_run(
                    code,
                    format!(
                        "{}: expected a JSON array or one JSON object per line ({e})",
                        path.display()
                    ),
                )
            })
        })
        .collect()
}

async fn preview(config: &Config, form: &TicketForm) -> Result<Value, Failure> {
    let (_, bundle) = build(config, form).await?;
    let rendered = deskside_evidence::render(&bundle)
        .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
    let body = format!(
        "{}\n{}(assigned when the ticket is queued)\n",
        rendered.body.trim_end(),
        deskside_helpdesk::REFERENCE_PREFIX
    );
    Ok(json!({
        "subject": rendered.subject,
        "body": body,
        "bundle": bundle,
        "attachments": rendered.attachments.iter().map(|a| json!({
            "name": a.name,
            "content_type": a.content_type,
            "bytes": a.data.len(),
        })).collect::<Vec<_>>(),
        "redactions": bundle.redactions,
        "hidden": deskside_agent::ticket::hidden_values(&bundle.hidden),
        "hidden_elsewhere": bundle
            .redactions
            .total()
            .saturating_sub(bundle.hidden.iter().filter(|h| !h.revealed).count() as u64),
        "omitted": bundle.omitted,
        "truncations": bundle.truncations,
    }))
}

/// The preview's list of what was hidden in the user's text, and how to undo one.
fn hidden_text(v: &Value) -> String {
    let items = v["hidden"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let elsewhere = v["hidden_elsewhere"].as_u64().unwrap_or(0);
    let hidden = items.iter().filter(|h| h["revealed"] != true).count() as u64;
    if items.is_empty() && elsewhere == 0 {
        return String::new();
    }
    let mut out = format!("--- hidden before sending: {} ---\n", hidden + elsewhere);
    let s = |h: &Value, k: &str| h[k].as_str().unwrap_or("").to_owned();
    for h in items {
        let state = if h["revealed"] == true {
            "sent as typed"
        } else {
            "hidden"
        };
        out.push_str(&format!(
            "{}  {} ({state}): {}[{}]{}\n",
            s(h, "id"),
            s(h, "label"),
            s(h, "before"),
            s(h, "kind"),
            s(h, "after")
        ));
    }
    if elsewhere > 0 {
        out.push_str(&format!(
            "{elsewhere} more in the attached device data, diagnosis, fixes and logs.\n"
        ));
    }
    if !items.is_empty() {
        out.push_str("Not a secret? Run again with --reveal ID to send that value as typed.\n");
    }
    out
}

async fn submit(config: &Config, form: &TicketForm, no_send: bool) -> Result<Entry, Failure> {
    // The destination must be usable before anything is queued: a ticket queued for a helpdesk
    // that is not configured would never leave.
    let connector = connector(config)?;
    let (request, bundle) = build(config, form).await?;
    let rendered = deskside_evidence::render(&bundle)
        .map_err(|e| Failure::cannot_run(e.code(), e.to_string()))?;
    let outbox = Outbox::open_default()?;
    let entry = outbox.enqueue(
        NewTicket::from_rendered(rendered, &request),
        deskside_helpdesk::Connector::kind(&connector),
    )?;
    if no_send {
        return Ok(entry);
    }
    let budget = Duration::from_secs(config.tickets.submit_wait_s);
    match outbox
        .deliver_now(
            &connector,
            entry.id,
            &DeliverOptions::from_config(config),
            budget,
        )
        .await
    {
        Ok(e) => Ok(e),
        // Queued durably already: a problem while sending leaves it for the next flush.
        Err(e) => {
            eprintln_safe(&format!(
                "desksidectl: the ticket is queued; sending it now failed: {e}"
            ));
            Ok(outbox.get(entry.id).unwrap_or(entry))
        }
    }
}

async fn status(config: &Config) -> Result<Vec<Entry>, Failure> {
    let connector = connector(config)?;
    let outbox = Outbox::open_default()?;
    outbox.refresh_status(&connector).await?;
    Ok(outbox.list()?)
}

fn submit_json(e: &Entry) -> Value {
    json!({
        "id": e.id,
        "key": e.key,
        "state": e.state,
        "remote": e.remote,
        "error": e.error,
        "attempts": e.attempts,
    })
}

fn submit_text(e: &Entry) -> String {
    match e.state {
        State::Delivered => {
            let remote = e.remote.as_ref();
            let id = remote.map_or("?", |r| r.id.as_str());
            let url = remote
                .and_then(|r| r.url.as_deref())
                .map(|u| format!(" ({u})"))
                .unwrap_or_default();
            format!(
                "Ticket filed: #{id}{url}.\nLocal id {}, reference {}.\n",
                e.id, e.key
            )
        }
        State::Failed => format!(
            "The helpdesk refused the ticket: {}\nSee `desksidectl outbox email {}` to send it by e-mail instead.\n",
            e.error.as_deref().unwrap_or("no reason given"),
            e.id
        ),
        State::Queued | State::Sending => format!(
            "Ticket saved (local id {}) and queued; it will be sent when the helpdesk can be reached.{}\n",
            e.id,
            e.error
                .as_deref()
                .map(|r| format!("\nLast attempt: {r}"))
                .unwrap_or_default()
        ),
    }
}

fn print_list(list: &[Entry], json: bool) -> ExitCode {
    if json {
        return print_json(&json!({ "tickets": list }));
    }
    if list.is_empty() {
        return print_out("The outbox is empty.\n");
    }
    let mut out = String::new();
    for e in list {
        let detail = match e.state {
            State::Delivered => e
                .remote
                .as_ref()
                .map(|r| {
                    format!(
                        "#{}{}",
                        r.id,
                        r.url
                            .as_deref()
                            .map(|u| format!(" {u}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
            State::Queued => format!(
                "next attempt {}{}",
                e.next_attempt_at.as_deref().unwrap_or("now"),
                e.error
                    .as_deref()
                    .map(|r| format!(" — {r}"))
                    .unwrap_or_default()
            ),
            State::Failed => e.error.clone().unwrap_or_default(),
            State::Sending => String::new(),
        };
        out.push_str(&format!(
            "{:>4}  {:<9}  {}  {}  {}\n",
            e.id,
            e.state.as_str(),
            e.created_at,
            e.subject,
            detail
        ));
    }
    print_out(&out)
}

fn status_text(list: &[&Entry]) -> String {
    if list.is_empty() {
        return "No delivered tickets.\n".to_owned();
    }
    let mut out = String::new();
    for e in list {
        let id = e.remote.as_ref().map_or("?", |r| r.id.as_str());
        match &e.status {
            Some(s) => {
                out.push_str(&format!("#{id} {}: {}\n", e.subject, s.status));
                if let Some(reply) = &s.last_reply {
                    out.push_str(&format!(
                        "  last reply{}: {}\n",
                        s.last_reply_at
                            .as_deref()
                            .map(|a| format!(" ({a})"))
                            .unwrap_or_default(),
                        reply.lines().next().unwrap_or("")
                    ));
                }
            }
            None => out.push_str(&format!(
                "#{id} {}: the helpdesk does not report a status\n",
                e.subject
            )),
        }
    }
    out
}
