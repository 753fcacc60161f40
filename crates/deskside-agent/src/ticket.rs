//! Tickets from the shells: the form's options for this configuration, the one ticket policy
//! (`[tickets]`: forbidden parts, redaction, caps) both shells apply, gathering the evidence a
//! ticket may carry, building and redacting it with `deskside-evidence`, and keeping previews
//! until they are sent — what the user saw is exactly what is queued, once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use deskside_diagnostics::Report;
use deskside_evidence::{
    BuildOptions, Evidence, LocalClock, LogFile, Part, Policy, Rendered, Requester, Screenshot,
    TicketRequest,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AgentError, text};

/// Audit entries attached with the fixes part.
const AUDIT_ENTRIES: usize = 50;
/// Log files attached with the logs part (the newest).
pub const LOG_FILES: usize = 2;
/// Largest screenshot accepted from the page.
const MAX_SCREENSHOT_BYTES: usize = 8 * 1024 * 1024;
/// Categories offered in the form (helpdesks map them to their own fields or the body).
const CATEGORIES: &[&str] = &[
    "Network and VPN",
    "Email and calendar",
    "Printing",
    "Hardware",
    "Software",
    "Account and password",
    "Other",
];

// ---- tickets ----------------------------------------------------------------------------

/// A part of a ticket the user can untick (and the config can forbid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum TicketPart {
    /// The device snapshot.
    Device,
    /// The diagnosis report.
    Diagnostics,
    /// Fix results and the fix audit log.
    Fixes,
    /// Deskside's own log files.
    Logs,
    /// A screenshot the user chose.
    Screenshot,
}

impl TicketPart {
    /// Every part, in the form's order.
    pub const ALL: [Self; 5] = [
        Self::Device,
        Self::Diagnostics,
        Self::Fixes,
        Self::Logs,
        Self::Screenshot,
    ];
}

/// Whether the config allows a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketPartOption {
    /// The part.
    pub part: TicketPart,
    /// Allowed by the configuration.
    pub allowed: bool,
    /// Why not, when forbidden.
    pub reason: Option<String>,
}

/// How tickets are filed here: payload of `get_ticket_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketOptions {
    /// A helpdesk (or email) is configured.
    pub configured: bool,
    /// Where tickets go, in words.
    pub destination: Option<String>,
    /// Categories offered in the form.
    pub categories: Vec<String>,
    /// The contact prefilled in the form.
    pub default_contact: Option<String>,
    /// Each part and whether it is allowed.
    pub parts: Vec<TicketPartOption>,
}

/// Urgency of a ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// It can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// The user cannot work.
    High,
}

/// The parts the user ticked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketParts {
    /// Device snapshot.
    pub device: bool,
    /// Diagnosis report.
    pub diagnostics: bool,
    /// Fix results and audit entries.
    pub fixes: bool,
    /// Deskside's logs.
    pub logs: bool,
    /// The chosen screenshot (the user consented in the form, for this ticket).
    pub screenshot: bool,
}

impl TicketParts {
    /// Whether `part` is ticked.
    #[must_use]
    pub const fn has(self, part: TicketPart) -> bool {
        match part {
            TicketPart::Device => self.device,
            TicketPart::Diagnostics => self.diagnostics,
            TicketPart::Fixes => self.fixes,
            TicketPart::Logs => self.logs,
            TicketPart::Screenshot => self.screenshot,
        }
    }
}

/// What the user filled in: argument of `preview_ticket`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketDraft {
    /// Title.
    pub subject: String,
    /// The user's words.
    pub description: String,
    /// A category from the options, if chosen.
    pub category: Option<String>,
    /// Urgency.
    pub urgency: Urgency,
    /// How to reach the user.
    pub contact: Option<String>,
    /// Ticked parts.
    pub parts: TicketParts,
    /// The diagnosis to attach (`deskside.report/1` JSON); null = the shell's last one.
    pub report: Option<serde_json::Value>,
    /// Fix results tried (the `FixResult` JSON), with their re-test.
    pub fix_results: Vec<serde_json::Value>,
    /// The screenshot PNG, base64 (only with `parts.screenshot`).
    pub screenshot_png_base64: Option<String>,
    /// Values the user un-hid in the preview (`TicketPreview.hidden` ids such as
    /// `description:1`): they are sent as typed. Ids are positions in the text, so the shell
    /// clears this list when the user edits the text.
    pub reveal: Vec<String>,
}

/// A value Deskside hid in what the user typed, as the preview lists it: its kind and the words
/// around it, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HiddenValue {
    /// Pass it back in `TicketDraft.reveal` to send the value as typed.
    pub id: String,
    /// `subject`, `description`, `category` or `contact`.
    pub field: String,
    /// `password`, `pin`, `key`, `private_key`, `jwt`, `cloud_key`, `credentials`,
    /// `authorization`, `user_name`, `mac_address` or `serial`.
    pub kind: String,
    /// The kind in words ("a password").
    pub label: String,
    /// The text just before it, as sent.
    pub before: String,
    /// The text just after it, as sent.
    pub after: String,
    /// The user un-hid it: it is sent as typed.
    pub revealed: bool,
}

/// One attachment as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketAttachment {
    /// File name.
    pub name: String,
    /// Size.
    pub bytes: u64,
    /// MIME type.
    pub kind: String,
    /// The text (after redaction) for text attachments; null for images.
    pub text: Option<String>,
}

/// Exactly what `submit_ticket(preview_id)` sends: payload of `preview_ticket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketPreview {
    /// Handle of the built ticket, kept by the shell until submitted.
    pub preview_id: String,
    /// Title as sent.
    pub subject: String,
    /// The body: summary for the agent, then the user's words.
    pub body: String,
    /// Attachments as sent.
    pub attachments: Vec<TicketAttachment>,
    /// Values hidden by redaction: exactly the hidden (not revealed) items of `hidden` plus
    /// `hidden_elsewhere`.
    pub redactions: u64,
    /// Each value hidden in what the user typed, with a way to un-hide it.
    pub hidden: Vec<HiddenValue>,
    /// Values hidden in the attached evidence (device, diagnosis, fixes, logs): not listed,
    /// never un-hidden.
    pub hidden_elsewhere: u64,
    /// Truncation notes and left-out parts, in words.
    pub notes: Vec<String>,
}
/// A built and redacted ticket, waiting for the user to send it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What the user wrote (redacted copy inside `rendered`).
    pub request: TicketRequest,
    /// Subject, body and attachments exactly as previewed.
    pub rendered: Rendered,
}

/// The evidence parts a form part stands for.
fn parts_of(part: TicketPart) -> &'static [Part] {
    match part {
        TicketPart::Device => &[Part::Device],
        TicketPart::Diagnostics => &[Part::Diagnosis],
        TicketPart::Fixes => &[Part::Fixes, Part::Audit],
        TicketPart::Logs => &[Part::Logs],
        TicketPart::Screenshot => &[Part::Screenshot],
    }
}

/// The `[tickets]` policy from the config.
pub fn policy(config: &deskside_config::Config) -> Policy {
    let t = &config.tickets;
    Policy {
        forbid: t.forbid.iter().filter_map(|p| Part::parse(p)).collect(),
        redact_personal: t.redact_personal,
        max_bundle_bytes: t.max_bundle_bytes,
        max_log_bytes: t.max_log_bytes,
        categories: pairs(&t.categories),
    }
}

/// `"left = right"` entries (validated by the config) as pairs.
fn pairs(entries: &[String]) -> Vec<(String, String)> {
    entries
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(l, r)| (l.trim().to_owned(), r.trim().to_owned()))
        .collect()
}

/// Whom a ticket from `login` is filed for: the explicit `tickets.requesters` entry, else the
/// `tickets.requester` template (`{user}` = the login), else the login alone (the body then
/// says so, and no connector files on the user's behalf by e-mail).
#[must_use]
pub fn requester_for(config: &deskside_config::Config, login: &str) -> Requester {
    let t = &config.tickets;
    let email = pairs(&t.requesters)
        .into_iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(login))
        .map(|(_, address)| address)
        .or_else(|| {
            t.requester
                .as_deref()
                .map(|template| template.replace("{user}", login))
        });
    Requester {
        login: login.to_owned(),
        email,
    }
}

/// The requester for the logged-in user (see [`requester_for`]).
#[must_use]
pub fn requester(config: &deskside_config::Config) -> Option<Requester> {
    deskside_device::current_user().map(|login| requester_for(config, &login))
}

/// This computer's clock for the times in a ticket: offset and IANA zone name.
#[must_use]
pub fn local_clock() -> Option<LocalClock> {
    let now = jiff::Zoned::now();
    Some(LocalClock {
        offset_seconds: now.offset().seconds(),
        zone: now.time_zone().iana_name().map(str::to_owned),
    })
}

/// What `deskside_evidence::build` needs besides the parts: the one policy, the requester,
/// Deskside's version and the local clock. Both shells build tickets with it.
#[must_use]
pub fn build_options(config: &deskside_config::Config, unticked: BTreeSet<Part>) -> BuildOptions {
    BuildOptions {
        unticked,
        policy: policy(config),
        requester: requester(config),
        app_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        clock: local_clock(),
        ..BuildOptions::default()
    }
}

/// Fix results with their catalogue titles, so the ticket names fixes as a technician reads
/// them (`Clear the name-lookup cache`, not `net.flush_dns`).
#[must_use]
pub fn titled_fixes(mut fixes: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
    for f in &mut fixes {
        let title = f
            .get("id")
            .and_then(serde_json::Value::as_str)
            .and_then(deskside_fixes::catalogue::find)
            .map(|d| d.title);
        if let (Some(title), Some(obj)) = (title, f.as_object_mut()) {
            obj.entry("title").or_insert_with(|| title.into());
        }
    }
    fixes
}

/// Where tickets go, in words for the user.
fn destination(config: &deskside_config::Config) -> Option<String> {
    let h = &config.helpdesk;
    let kind = h.kind.as_deref()?;
    Some(match kind {
        "email" => {
            h.to.as_ref()
                .map_or_else(|| "IT by email".to_owned(), |to| format!("{to} by email"))
        }
        "rt" => "the IT helpdesk (Request Tracker)".to_owned(),
        "redmine" => "the IT helpdesk (Redmine)".to_owned(),
        "jsm" => "the IT service desk (Jira)".to_owned(),
        "zendesk" => "the IT helpdesk (Zendesk)".to_owned(),
        "freshservice" => "the IT helpdesk (Freshservice)".to_owned(),
        "servicenow" => "the IT service desk (ServiceNow)".to_owned(),
        "glpi" => "the IT helpdesk (GLPI)".to_owned(),
        "zammad" => "the IT helpdesk (Zammad)".to_owned(),
        _ => "the IT helpdesk".to_owned(),
    })
}

/// The form's options for this configuration (pure, tested).
#[must_use]
pub fn options_for(
    config: &deskside_config::Config,
    default_contact: Option<String>,
) -> TicketOptions {
    let forbid = policy(config).forbid;
    TicketOptions {
        // Usable, not merely named: a helpdesk missing a required key would leave every
        // ticket waiting forever, so the form offers the copy-to-IT fallback instead.
        configured: connector(config).is_ok(),
        destination: destination(config),
        categories: CATEGORIES.iter().map(|c| (*c).to_owned()).collect(),
        default_contact,
        parts: TicketPart::ALL
            .into_iter()
            .map(|part| {
                let forbidden = parts_of(part).iter().any(|p| forbid.contains(p));
                TicketPartOption {
                    part,
                    allowed: !forbidden,
                    reason: forbidden.then(|| text::PART_FORBIDDEN.to_owned()),
                }
            })
            .collect(),
    }
}

/// At most this many previews are kept (a user previewing again and again without sending).
const MAX_PREVIEWS: usize = 8;

/// What the shell can add to a ticket besides the form: its last report, its log files and
/// the managed policy of the configuration it loaded.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The last diagnosis, used when the form carries none.
    pub last_report: Option<Report>,
    /// Deskside's own log files, newest first.
    pub log_files: Vec<PathBuf>,
    /// The effective managed policy's provenance ([`managed_policy`]), put in the device
    /// snapshot.
    pub managed_policy: Option<serde_json::Value>,
}

/// The request as the evidence crate takes it, from the form.
#[must_use]
pub fn request_of(draft: &TicketDraft) -> TicketRequest {
    TicketRequest {
        subject: draft.subject.trim().to_owned(),
        description: draft.description.trim().to_owned(),
        category: draft.category.clone().filter(|c| !c.trim().is_empty()),
        urgency: match draft.urgency {
            Urgency::Low => deskside_evidence::Urgency::Low,
            Urgency::Normal => deskside_evidence::Urgency::Normal,
            Urgency::High => deskside_evidence::Urgency::High,
        },
        contact: draft.contact.clone().filter(|c| !c.trim().is_empty()),
    }
}

/// The configured helpdesk's connector, or why tickets cannot be sent: checked before a
/// ticket is queued, so nothing waits forever for a helpdesk that cannot be used.
///
/// # Errors
/// [`AgentError::Helpdesk`]: not configured, or its settings are incomplete.
pub fn connector(
    config: &deskside_config::Config,
) -> Result<deskside_helpdesk::Helpdesk, AgentError> {
    // The Deskside server's relay when `server.url` is set, else the `[helpdesk]` connector.
    Ok(deskside_helpdesk::for_device(config)?)
}

/// Fails the queued tickets when the `[helpdesk]` section cannot work (a required key missing,
/// an unknown kind, a bad URL): they would otherwise wait forever at "Waiting to send". The
/// user sees why and the copy-as-email fallback; `retry` sends them once IT fixed the config.
/// A `keyring:` secret that cannot be read now is not a reason (the keyring may unlock later).
///
/// # Errors
/// The outbox cannot be read or written.
pub fn fail_if_misconfigured(
    config: &deskside_config::Config,
    outbox: &deskside_outbox::Outbox,
) -> Result<Vec<i64>, AgentError> {
    match deskside_helpdesk::check_device_config(config) {
        Ok(()) => Ok(Vec::new()),
        Err(problem) => {
            tracing::warn!(code = problem.code(), "helpdesk not usable: {problem}");
            Ok(outbox.fail_queued(&text::helpdesk_not_set_up(&problem.to_string()))?)
        }
    }
}

/// Built tickets waiting for the user to send them, each sent at most once.
#[derive(Debug)]
pub struct PreviewBook {
    previews: Mutex<BTreeMap<u64, Prepared>>,
    next: AtomicU64,
}

impl Default for PreviewBook {
    fn default() -> Self {
        Self {
            previews: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(1),
        }
    }
}

impl PreviewBook {
    /// Keep a built ticket until it is sent; returns its handle. The oldest is dropped past
    /// [`MAX_PREVIEWS`].
    pub fn add(&self, prepared: Prepared) -> u64 {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let mut previews = self
            .previews
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        previews.insert(id, prepared);
        while previews.len() > MAX_PREVIEWS {
            previews.pop_first();
        }
        id
    }

    /// Take a built ticket out (a preview is sent once).
    ///
    /// # Errors
    /// [`AgentError::PreviewExpired`] for an unknown, sent or dropped preview.
    pub fn take(&self, id: &str) -> Result<Prepared, AgentError> {
        let id: u64 = id.parse().map_err(|_| AgentError::PreviewExpired)?;
        self.previews
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id)
            .ok_or(AgentError::PreviewExpired)
    }
}

/// Build the preview for a form and keep it: the one call behind `preview_ticket`.
///
/// # Errors
/// An unreadable screenshot, or the bundle cannot be built.
pub async fn preview(
    config: &deskside_config::Config,
    draft: &TicketDraft,
    sources: &Sources,
    book: &PreviewBook,
) -> Result<TicketPreview, AgentError> {
    let evidence = gather(config, draft, sources).await?;
    let (preview, prepared) = prepare(config, draft, request_of(draft), evidence)?;
    let id = book.add(prepared);
    Ok(TicketPreview {
        preview_id: id.to_string(),
        ..preview
    })
}
/// Build, redact and render the ticket from gathered evidence: the preview the user sees and
/// what `submit_ticket` will queue are made here, from the same rendering.
pub fn prepare(
    config: &deskside_config::Config,
    draft: &TicketDraft,
    request: TicketRequest,
    evidence: Evidence,
) -> Result<(TicketPreview, Prepared), AgentError> {
    let unticked: BTreeSet<Part> = TicketPart::ALL
        .into_iter()
        .filter(|p| !draft.parts.has(*p))
        .flat_map(|p| parts_of(p).iter().copied())
        .collect();
    let mut options = build_options(config, unticked);
    options.reveal = draft.reveal.iter().cloned().collect();
    let bundle = deskside_evidence::build(&request, evidence, &options, OffsetDateTime::now_utc())
        .map_err(AgentError::Evidence)?;
    let rendered = deskside_evidence::render(&bundle).map_err(AgentError::Evidence)?;
    let mut notes: Vec<String> = bundle.truncations.clone();
    notes.extend(
        bundle
            .omitted
            .iter()
            .filter(|o| o.reason != "left out by the user")
            .map(|o| format!("Not included: {} ({}).", o.part.as_str(), o.reason)),
    );
    let preview = TicketPreview {
        preview_id: String::new(),
        subject: rendered.subject.clone(),
        body: rendered.body.clone(),
        attachments: rendered
            .attachments
            .iter()
            .map(|a| TicketAttachment {
                name: a.name.clone(),
                bytes: a.data.len() as u64,
                kind: a.content_type.clone(),
                text: (a.content_type.starts_with("text/") || a.content_type == "application/json")
                    .then(|| String::from_utf8_lossy(&a.data).into_owned()),
            })
            .collect(),
        redactions: bundle.redactions.total(),
        hidden: hidden_values(&bundle.hidden),
        hidden_elsewhere: bundle
            .redactions
            .total()
            .saturating_sub(bundle.hidden.iter().filter(|h| !h.revealed).count() as u64),
        notes,
    };
    Ok((preview, Prepared { request, rendered }))
}

/// The preview's list of hidden values.
#[must_use]
pub fn hidden_values(hidden: &[deskside_evidence::Hidden]) -> Vec<HiddenValue> {
    hidden
        .iter()
        .map(|h| HiddenValue {
            id: h.id.clone(),
            field: h.field.clone(),
            kind: h.kind.as_str().to_owned(),
            label: text::hidden_kind(h.kind).to_owned(),
            before: h.before.clone(),
            after: h.after.clone(),
            revealed: h.revealed,
        })
        .collect()
}

/// Everything the ticket may carry; unticked parts are still gathered cheaply where they are
/// in memory, and left out by `build` (which notes them).
pub async fn gather(
    config: &deskside_config::Config,
    draft: &TicketDraft,
    sources: &Sources,
) -> Result<Evidence, AgentError> {
    let parts = draft.parts;
    let device = if parts.device {
        let opts = deskside_device::SnapshotOptions {
            vpn_patterns: config.vpn.interfaces.clone(),
        };
        serde_json::to_value(deskside_device::snapshot_with(&opts).await)
            .ok()
            .map(|device| with_managed_policy(device, sources.managed_policy.as_ref()))
    } else {
        None
    };
    let diagnosis = if parts.diagnostics {
        draft.report.clone().or_else(|| {
            sources
                .last_report
                .as_ref()
                .and_then(|r| serde_json::to_value(r).ok())
        })
    } else {
        None
    };
    let (fixes, audit) = if parts.fixes {
        let audit = deskside_config::current_data_dir()
            .map(|dir| {
                deskside_fixes::AuditLog::new(
                    dir,
                    config.fixes.audit_max_bytes,
                    config.fixes.audit_keep,
                )
                .last(AUDIT_ENTRIES)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| serde_json::to_value(e).ok())
                .collect()
            })
            .unwrap_or_default();
        (titled_fixes(draft.fix_results.clone()), audit)
    } else {
        (Vec::new(), Vec::new())
    };
    let logs = if parts.logs {
        sources
            .log_files
            .iter()
            .filter_map(|p| LogFile::read_tail(p, config.tickets.max_log_bytes).ok())
            .collect()
    } else {
        Vec::new()
    };
    let screenshot = match (&draft.screenshot_png_base64, parts.screenshot) {
        (Some(b64), true) => {
            if b64.len() > MAX_SCREENSHOT_BYTES / 3 * 4 + 4 {
                return Err(AgentError::ScreenshotTooLarge);
            }
            let png = base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map_err(AgentError::ScreenshotUnreadable)?;
            // The form asks for consent for this ticket before it sends the image at all.
            Some(Screenshot { png, consent: true })
        }
        _ => None,
    };
    Ok(Evidence {
        device,
        diagnosis,
        fixes,
        audit,
        logs,
        screenshot,
    })
}

/// The effective managed policy's provenance (`deskside.policy/1`, credentials redacted), when
/// policy applies: the helpdesk sees which settings IT enforced and from where, and policy
/// that was refused.
#[must_use]
pub fn managed_policy(loaded: &deskside_config::Loaded) -> Option<serde_json::Value> {
    (loaded.layers.iter().any(|s| s.kind.is_policy()) || !loaded.policy_errors.is_empty())
        .then(|| loaded.policy_report())
}

/// The device snapshot with `policy` under `managed_policy`.
fn with_managed_policy(
    mut device: serde_json::Value,
    policy: Option<&serde_json::Value>,
) -> serde_json::Value {
    if let Some(policy) = policy
        && let Some(obj) = device.as_object_mut()
    {
        obj.insert("managed_policy".to_owned(), policy.clone());
    }
    device
}

/// The newest [`LOG_FILES`] `.log` files in `dir`, newest first (Deskside's own logs).
#[must_use]
pub fn newest_logs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.into_iter().take(LOG_FILES).map(|(_, p)| p).collect()
}

// ---- the outbox as the shells show it ---------------------------------------------------

/// A reply longer than this is cut in the one-line summary.
const REPLY_CHARS: usize = 160;

/// Delivery state of an outbox ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    /// Saved, waiting for (another) attempt.
    Queued,
    /// Being delivered now.
    Sending,
    /// The helpdesk has it.
    Delivered,
    /// Refused for good.
    Failed,
}

/// The helpdesk's own id for a delivered ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoteTicket {
    /// `123`.
    pub id: String,
    /// Link for the user, when the helpdesk has one.
    pub url: Option<String>,
}

/// What the helpdesk says about a delivered ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TicketReply {
    /// The helpdesk's status word (`open`, `resolved`, …).
    pub status: String,
    /// An agent replied.
    pub answered: bool,
    /// When it last changed.
    pub updated_at: Option<String>,
    /// The last reply's first line, when the API gives it.
    pub summary: Option<String>,
}

/// One ticket of the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OutboxTicket {
    /// Local id.
    pub id: i64,
    /// Idempotency key.
    pub key: String,
    /// Title.
    pub subject: String,
    /// Delivery state.
    pub state: OutboxState,
    /// The helpdesk's id, once delivered.
    pub remote: Option<RemoteTicket>,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Option<String>,
    /// The last error, in words.
    pub error: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// The connector it went to (`rt`, `email`, …): an email has no ticket number to show.
    pub helpdesk: String,
    /// The helpdesk's status, when known.
    pub reply: Option<TicketReply>,
}

/// An outbox entry as the UI shows it.
#[must_use]
pub fn outbox_ticket(e: &deskside_outbox::Entry) -> OutboxTicket {
    use deskside_outbox::State;
    OutboxTicket {
        id: e.id,
        key: e.key.clone(),
        subject: e.subject.clone(),
        state: match e.state {
            State::Queued => OutboxState::Queued,
            State::Sending => OutboxState::Sending,
            State::Delivered => OutboxState::Delivered,
            State::Failed => OutboxState::Failed,
        },
        remote: e.remote.as_ref().map(|r| RemoteTicket {
            id: r.id.clone(),
            url: r.url.clone(),
        }),
        attempts: e.attempts,
        next_attempt_at: e.next_attempt_at.clone(),
        error: e.error.clone(),
        created_at: e.created_at.clone(),
        helpdesk: e.helpdesk.clone(),
        reply: e.status.as_ref().map(|s| TicketReply {
            status: s.status.clone(),
            answered: s.last_reply.is_some(),
            updated_at: s.last_reply_at.clone(),
            summary: s.last_reply.as_deref().map(|r| {
                let line = r
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                if line.chars().count() > REPLY_CHARS {
                    format!(
                        "{}…",
                        line.chars().take(REPLY_CHARS - 1).collect::<String>()
                    )
                } else {
                    line.to_owned()
                }
            }),
        }),
    }
}

/// Queue a previewed ticket durably for the configured helpdesk — checked first, so a ticket
/// never waits forever for a helpdesk that cannot be used (incomplete settings are refused
/// here, with what is missing). When this returns the ticket is on disk.
///
/// # Errors
/// [`AgentError::Helpdesk`] (not configured or not usable), or the outbox cannot be opened or
/// written (`outbox.disk_full`: nothing queued before is lost).
pub fn enqueue(
    config: &deskside_config::Config,
    prepared: Prepared,
) -> Result<(deskside_outbox::Outbox, deskside_outbox::Entry), AgentError> {
    let connector = connector(config)?;
    let outbox = deskside_outbox::Outbox::open_default()?;
    let entry = outbox.enqueue(
        deskside_outbox::NewTicket::from_rendered(prepared.rendered, &prepared.request),
        deskside_helpdesk::Connector::kind(&connector),
    )?;
    Ok((outbox, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` as IT's system file: helpdesk addresses are admin-only keys, honoured whoever
    /// runs the test (as root or not, on Linux or under Wine), not only because a temporary
    /// file happens to be root's.
    fn config(text: &str) -> deskside_config::Config {
        let layer =
            deskside_config::Layer::from_str(deskside_config::SourceKind::System, None, text)
                .unwrap();
        deskside_config::load_layers(vec![layer]).unwrap().config
    }

    #[test]
    fn forbidden_parts_are_shown_off_with_the_reason() {
        let c = config(
            "[helpdesk]\nkind = \"email\"\nto = \"it@example.com\"\nfrom = \"d@example.com\"\nsmtp_host = \"127.0.0.1\"\n[tickets]\nforbid = [\"screenshot\", \"audit\"]\n",
        );
        // The reason, if the connector cannot be built, is the failure message.
        connector(&c).map(|_| ()).unwrap();
        let o = options_for(&c, None);
        assert!(o.configured);
        assert_eq!(o.destination.as_deref(), Some("it@example.com by email"));
        let allowed = |p: TicketPart| o.parts.iter().find(|x| x.part == p).unwrap().allowed;
        assert!(!allowed(TicketPart::Screenshot));
        assert!(!allowed(TicketPart::Fixes), "fixes include the audit log");
        assert!(allowed(TicketPart::Device) && allowed(TicketPart::Logs));
        let off = o
            .parts
            .iter()
            .find(|x| x.part == TicketPart::Screenshot)
            .unwrap();
        assert!(off.reason.as_deref().unwrap().contains("tickets.forbid"));
    }

    fn draft(parts: TicketParts) -> TicketDraft {
        TicketDraft {
            subject: "VPN down".into(),
            description: "It says password=Planted-Secret-42 is wrong".into(),
            category: None,
            urgency: Urgency::High,
            contact: None,
            parts,
            report: None,
            fix_results: Vec::new(),
            screenshot_png_base64: None,
            reveal: Vec::new(),
        }
    }

    fn request(d: &TicketDraft) -> TicketRequest {
        TicketRequest {
            subject: d.subject.clone(),
            description: d.description.clone(),
            category: None,
            urgency: deskside_evidence::Urgency::High,
            contact: None,
        }
    }

    #[test]
    fn the_preview_is_what_is_queued_and_no_planted_secret_survives() {
        let c = config("[tickets]\nforbid = [\"logs\"]\n");
        let parts = TicketParts {
            device: true,
            diagnostics: true,
            fixes: true,
            logs: true,
            screenshot: false,
        };
        let d = draft(parts);
        let evidence = Evidence {
            device: Some(
                serde_json::json!({"hostname": "lt-1", "notes": ["Authorization: Bearer Planted-Token-7"]}),
            ),
            diagnosis: Some(
                serde_json::json!({"diagnosis": {"root_cause": "vpn.tunnel", "headline": "The VPN is down."}}),
            ),
            fixes: vec![
                serde_json::json!({"id": "vpn.reconnect", "outcome": "not_fixed", "message": "token=Planted-Token-8"}),
            ],
            logs: vec![LogFile {
                name: "deskside.log".into(),
                original_bytes: 20,
                content: b"log line".to_vec(),
            }],
            ..Evidence::default()
        };
        let (preview, prepared) = prepare(&c, &d, request(&d), evidence).unwrap();
        let everything = format!(
            "{}{}{:?}",
            preview.body,
            preview.subject,
            preview
                .attachments
                .iter()
                .map(|a| a.text.clone())
                .collect::<Vec<_>>()
        );
        for planted in ["Planted-Secret-42", "Planted-Token-7", "Planted-Token-8"] {
            assert!(
                !everything.contains(planted),
                "{planted} survived the preview"
            );
        }
        assert!(preview.redactions >= 3);
        assert_eq!(prepared.rendered.body, preview.body, "queued = previewed");
        assert_eq!(
            prepared.rendered.attachments.len(),
            preview.attachments.len()
        );
        assert!(
            preview.notes.iter().any(|n| n.contains("logs")),
            "forbidden logs are noted: {:?}",
            preview.notes
        );
        let json = preview.attachments[0].text.as_deref().unwrap();
        assert!(json.contains("vpn.reconnect") && !json.contains("log line"));
    }

    #[test]
    fn a_password_in_prose_is_listed_hidden_counted_exactly_and_can_be_undone() {
        let mut d = draft(TicketParts::default());
        d.description = "My VPN password is Hunter2! and the PIN pad is broken.".into();
        let evidence = Evidence {
            device: Some(serde_json::json!({"notes": ["token=Planted-Token-9"]})),
            ..Evidence::default()
        };
        let c = config("");
        let (preview, _) = prepare(&c, &d, request(&d), evidence.clone()).unwrap();
        assert!(!preview.body.contains("Hunter2!"), "{}", preview.body);
        assert!(preview.body.contains("the PIN pad is broken"));
        assert_eq!(preview.hidden.len(), 1, "{:?}", preview.hidden);
        let h = &preview.hidden[0];
        assert_eq!(
            (h.id.as_str(), h.kind.as_str()),
            ("description:1", "password")
        );
        assert_eq!(h.label, "a password");
        assert!(h.before.ends_with("My VPN password is ") && !h.revealed);
        let debug = format!("{preview:?}");
        assert!(!debug.contains("Hunter2!"), "never in logs: {debug}");
        // The device part is unticked: nothing hidden elsewhere; the count is the list.
        assert_eq!(preview.redactions, 1);
        assert_eq!(preview.hidden_elsewhere, 0);

        // Undo: the user says it is not a secret; it is sent and no longer counted.
        d.reveal = vec!["description:1".into()];
        let (preview, prepared) = prepare(&c, &d, request(&d), evidence).unwrap();
        assert!(
            prepared
                .rendered
                .body
                .contains("My VPN password is Hunter2!")
        );
        assert!(preview.hidden[0].revealed);
        assert_eq!(preview.redactions, 0);
    }

    #[test]
    fn unticked_parts_are_left_out() {
        let d = draft(TicketParts::default());
        let evidence = Evidence {
            device: Some(serde_json::json!({"hostname": "lt-unticked"})),
            ..Evidence::default()
        };
        let (preview, _) = prepare(&config(""), &d, request(&d), evidence).unwrap();
        assert!(
            !preview.attachments[0]
                .text
                .as_deref()
                .unwrap()
                .contains("lt-unticked")
        );
    }

    fn prepared(subject: &str) -> Prepared {
        Prepared {
            request: TicketRequest {
                subject: subject.into(),
                ..Default::default()
            },
            rendered: Rendered {
                subject: subject.into(),
                body: String::new(),
                attachments: Vec::new(),
                category: None,
                requester: None,
            },
        }
    }

    #[test]
    fn a_preview_is_sent_once_and_old_ones_expire() {
        let book = PreviewBook::default();
        let first = book.add(prepared("first")).to_string();
        assert_eq!(book.take(&first).unwrap().request.subject, "first");
        assert!(
            matches!(book.take(&first), Err(AgentError::PreviewExpired)),
            "a second submit finds nothing"
        );
        let ids: Vec<String> = (0..=MAX_PREVIEWS)
            .map(|i| book.add(prepared(&i.to_string())).to_string())
            .collect();
        assert!(book.take(&ids[0]).is_err(), "the oldest was dropped");
        assert!(book.take(&ids[MAX_PREVIEWS]).is_ok());
        assert!(book.take("not-a-number").is_err());
    }

    #[test]
    fn a_misconfigured_helpdesk_is_refused_before_anything_is_queued() {
        // JSM with only a URL: no user, no token.
        let err = connector(&config(
            "[helpdesk]\nkind = \"jsm\"\nurl = \"https://desk.example.com\"\n",
        ))
        .unwrap_err();
        assert!(err.code().starts_with("helpdesk."), "{}", err.code());
        assert!(err.message().contains("not usable"), "{}", err.message());
        let jsm = config("[helpdesk]\nkind = \"jsm\"\nurl = \"https://desk.example.com\"\n");
        assert!(
            !options_for(&jsm, None).configured,
            "the form must not offer to send"
        );
        let none = connector(&config("")).unwrap_err();
        assert_eq!(none.code(), "helpdesk.not_configured");
    }

    #[test]
    fn no_helpdesk_means_not_configured() {
        let o = options_for(&config(""), None);
        assert!(!o.configured);
        assert_eq!(o.destination, None);
    }

    #[test]
    fn a_delivered_ticket_with_a_reply_reads_as_answered() {
        let e = deskside_outbox::Entry {
            id: 4,
            key: "8c1f".into(),
            subject: "VPN".into(),
            state: deskside_outbox::State::Delivered,
            remote: Some(deskside_helpdesk::Remote {
                id: "123".into(),
                url: Some("http://127.0.0.1:8080/Ticket/Display.html?id=123".into()),
            }),
            attempts: 1,
            next_attempt_at: None,
            error: None,
            created_at: "2026-11-23T09:00:00Z".into(),
            delivered_at: Some("2026-11-23T09:00:02Z".into()),
            status: Some(deskside_helpdesk::RemoteStatus {
                status: "open".into(),
                last_reply: Some(
                    "\n  We reset your VPN profile, please try again.\nBest, IT".into(),
                ),
                last_reply_at: Some("2026-11-23T10:00:00Z".into()),
            }),
            helpdesk: "rt".into(),
            seq: 9,
        };
        let t = outbox_ticket(&e);
        assert_eq!(t.state, OutboxState::Delivered);
        assert_eq!(t.remote.as_ref().map(|r| r.id.as_str()), Some("123"));
        let reply = t.reply.unwrap();
        assert!(reply.answered);
        assert_eq!(
            reply.summary.as_deref(),
            Some("We reset your VPN profile, please try again.")
        );
    }
}
