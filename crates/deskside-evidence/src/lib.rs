//! The evidence bundle of a ticket (`deskside.bundle/1`): what the user wrote, the device
//! snapshot, the latest diagnosis, the fixes tried and their audit entries, selected logs and an
//! optional screenshot, redacted and capped, ready to be shown to the user before anything is
//! sent and then attached to the ticket.
//!
//! This crate owns the privacy promise of tickets: [`build`] is the only way to make a
//! [`Bundle`], and it redacts every part (see [`redact`]), leaves out parts the user unticked or
//! the organisation forbids, strips screenshot metadata, and enforces the size caps with a note
//! for every cut. [`render`] turns a bundle into the exact subject, body and attachments a
//! connector sends, so the preview and the ticket cannot differ.
//!
//! Inputs are plain JSON values (`serde_json::Value`) so this crate depends on neither the
//! device, the diagnostics nor the fixes crates: callers serialize their own documents.

pub mod png;
pub mod redact;
mod render;

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub use redact::{Hidden, HiddenKind, RedactionCounts, Redactor};
pub use render::{Attachment, Rendered, check_title, render};

/// Schema tag of the JSON attachment; bumped when a field changes meaning or disappears.
pub const SCHEMA: &str = "deskside.bundle/1";
/// File name of the JSON attachment.
pub const BUNDLE_FILE: &str = "deskside-bundle.json";
/// File name of the screenshot attachment.
pub const SCREENSHOT_FILE: &str = "screenshot.png";
/// Longest subject kept, in characters (helpdesks cut at 200–255).
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest description kept, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 32 * 1024;
/// Default cap of the whole bundle (JSON plus screenshot), in bytes.
pub const DEFAULT_MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024;
/// Default cap of one log file, in bytes (its most recent part is kept).
pub const DEFAULT_MAX_LOG_BYTES: u64 = 256 * 1024;
/// Smallest accepted bundle cap: below it even a bare ticket would not fit.
pub const MIN_BUNDLE_BYTES: u64 = 64 * 1024;

/// Errors building a bundle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// The subject is empty.
    #[error("the ticket needs a subject: say in a few words what is wrong")]
    EmptySubject,
    /// The screenshot is not a usable PNG.
    #[error("{0}; attach a PNG screenshot or leave it out")]
    Screenshot(#[from] png::PngError),
    /// A log file could not be read.
    #[error("cannot read the log file {path}: {source}")]
    LogUnreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Even with every optional part cut, the bundle is larger than the cap.
    #[error(
        "the ticket is {bytes} bytes even without logs and screenshot, over the limit of {max} bytes (tickets.max_bundle_bytes); shorten the description"
    )]
    TooLarge {
        /// Size after all cuts.
        bytes: u64,
        /// The cap.
        max: u64,
    },
    /// The bundle could not be encoded as JSON (should not happen).
    #[error("cannot encode the ticket bundle: {0}")]
    Encode(#[from] serde_json::Error),
}

impl EvidenceError {
    /// Stable code for the CLI and IPC.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::EmptySubject => "ticket.empty_subject",
            Self::Screenshot(_) => "ticket.bad_screenshot",
            Self::LogUnreadable { .. } => "ticket.log_unreadable",
            Self::TooLarge { .. } => "ticket.too_large",
            Self::Encode(_) => "ticket.encode",
        }
    }
}

/// How soon the user needs help.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Can wait.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Blocks work.
    High,
}

impl Urgency {
    /// `low`, `normal` or `high`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
        }
    }
}

/// What the user wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRequest {
    /// A few words: the ticket's title.
    pub subject: String,
    /// What happened, in the user's words.
    pub description: String,
    /// Optional category (`network`, `vpn`, `printer`, …).
    pub category: Option<String>,
    /// How urgent.
    pub urgency: Urgency,
    /// How to reach the user (e-mail, phone), if they gave it.
    pub contact: Option<String>,
}

/// Who the ticket is filed for: the person logged in, and their e-mail address from the
/// organisation's identity mapping (`tickets.requester`, `tickets.requesters`). Connectors make
/// this person the helpdesk's requester where the API allows it; the body always names them.
/// Not redacted: it is the routing identity the helpdesk needs, set by IT, not typed by the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// The operating-system login (`jdoe`).
    pub login: String,
    /// The e-mail address the mapping gives, if any.
    pub email: Option<String>,
}

/// The optional parts of a bundle: what a user can untick and a config can forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The device snapshot.
    Device,
    /// The latest diagnosis report.
    Diagnosis,
    /// Results of fixes tried.
    Fixes,
    /// Audit-log entries of fixes.
    Audit,
    /// Selected log files.
    Logs,
    /// The screenshot.
    Screenshot,
}

impl Part {
    /// Every part, in bundle order.
    pub const ALL: [Self; 6] = [
        Self::Device,
        Self::Diagnosis,
        Self::Fixes,
        Self::Audit,
        Self::Logs,
        Self::Screenshot,
    ];

    /// The config and CLI name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::Diagnosis => "diagnosis",
            Self::Fixes => "fixes",
            Self::Audit => "audit",
            Self::Logs => "logs",
            Self::Screenshot => "screenshot",
        }
    }

    /// Parses a config or CLI name (`diagnostics` is accepted for `diagnosis`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        if name == "diagnostics" {
            return Some(Self::Diagnosis);
        }
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// One log file as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// File name shown in the bundle (no directory, so no user path leaks through it).
    pub name: String,
    /// Size of the whole file on disk.
    pub original_bytes: u64,
    /// The bytes read: the end of the file when it is larger than the read cap.
    pub content: Vec<u8>,
}

impl LogFile {
    /// Reads the last `max_bytes` of `path` (logs grow at the end; the recent part matters).
    ///
    /// # Errors
    /// [`EvidenceError::LogUnreadable`] when the file cannot be opened or read.
    pub fn read_tail(path: &Path, max_bytes: u64) -> Result<Self, EvidenceError> {
        let unreadable = |source| EvidenceError::LogUnreadable {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(unreadable)?;
        let len = file.metadata().map_err(unreadable)?.len();
        if len > max_bytes {
            file.seek(SeekFrom::Start(len - max_bytes))
                .map_err(unreadable)?;
        }
        let mut content = Vec::new();
        file.take(max_bytes)
            .read_to_end(&mut content)
            .map_err(unreadable)?;
        let name = path
            .file_name()
            .map_or_else(|| "log".to_owned(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            name,
            original_bytes: len,
            content,
        })
    }
}

/// A screenshot and the user's consent for this ticket.
#[derive(Clone, PartialEq, Eq)]
pub struct Screenshot {
    /// PNG bytes.
    pub png: Vec<u8>,
    /// The user ticked "include my screenshot" for this ticket.
    pub consent: bool,
}

impl std::fmt::Debug for Screenshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screenshot")
            .field("bytes", &self.png.len())
            .field("consent", &self.consent)
            .finish()
    }
}

/// Everything that may go into a bundle, before redaction and caps.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The device snapshot (`deskside.device/1`).
    pub device: Option<Value>,
    /// The latest diagnosis report (`deskside.report/1`).
    pub diagnosis: Option<Value>,
    /// Fix results (from the fixes crate, as JSON).
    pub fixes: Vec<Value>,
    /// Audit-log entries of fixes (as JSON).
    pub audit: Vec<Value>,
    /// Selected log files.
    pub logs: Vec<LogFile>,
    /// An optional screenshot.
    pub screenshot: Option<Screenshot>,
}

/// What the organisation allows (`[tickets]` config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Parts never sent, whatever the user ticks.
    pub forbid: BTreeSet<Part>,
    /// Also hide personal data: user names in paths, MAC addresses, serial numbers.
    pub redact_personal: bool,
    /// Cap of the whole bundle (JSON plus screenshot), in bytes.
    pub max_bundle_bytes: u64,
    /// Cap of one log file, in bytes.
    pub max_log_bytes: u64,
    /// Root cause → category, first match wins: `(pattern, category)` where the pattern is a
    /// check id (`net.dns`), a prefix (`net.*`) or `*` (`tickets.categories`). Used when the user
    /// chose no category.
    pub categories: Vec<(String, String)>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            forbid: BTreeSet::new(),
            redact_personal: false,
            max_bundle_bytes: DEFAULT_MAX_BUNDLE_BYTES,
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
            categories: Vec::new(),
        }
    }
}

impl Policy {
    /// The category for a root-cause check id, by [`Policy::categories`].
    #[must_use]
    pub fn category_for(&self, root_cause: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|(pattern, _)| {
                pattern == "*"
                    || pattern == root_cause
                    || pattern
                        .strip_suffix('*')
                        .is_some_and(|prefix| root_cause.starts_with(prefix))
            })
            .map(|(_, category)| category.as_str())
    }
}

/// The computer's local clock, for the times a technician reads (the JSON keeps UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalClock {
    /// Offset from UTC, in seconds.
    pub offset_seconds: i32,
    /// The IANA zone name (`Europe/Berlin`), when known.
    pub zone: Option<String>,
}

/// The user's choices for this ticket plus the organisation's policy.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Parts the user unticked in the preview.
    pub unticked: BTreeSet<Part>,
    /// The organisation's policy.
    pub policy: Policy,
    /// Values hidden in the user's fields that the user un-hid in the preview (ids of
    /// [`Hidden`] items, `description:1`): sent as typed.
    pub reveal: BTreeSet<String>,
    /// Who the ticket is filed for.
    pub requester: Option<Requester>,
    /// Deskside's version, shown with the device facts.
    pub app_version: Option<String>,
    /// The local clock; `None` shows times in UTC.
    pub clock: Option<LocalClock>,
}

/// A key fact of the human summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// `Device`, `OS`, `User`, `Network`, `VPN`, `When`, …
    pub label: String,
    /// The value, one line.
    pub value: String,
}

/// What an agent reads first: the root cause, then the key facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The root-cause check id, when the diagnosis named one.
    pub root_cause: Option<String>,
    /// The diagnosis headline (one sentence).
    pub headline: Option<String>,
    /// The diagnosis explanation and advice.
    pub detail: Option<String>,
    /// Key facts, in reading order.
    pub facts: Vec<Fact>,
}

/// One log file in the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPart {
    /// File name.
    pub name: String,
    /// Size of the file on disk.
    pub original_bytes: u64,
    /// Whether only the end of the file is included.
    pub truncated: bool,
    /// The redacted text (lossy UTF-8).
    pub text: String,
}

/// The screenshot's entry in the JSON (the image itself is a separate attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenshotPart {
    /// Attachment file name.
    pub file: String,
    /// Size in bytes, after metadata removal.
    pub bytes: u64,
    /// SHA-256 of the attached bytes, hex.
    pub sha256: String,
    /// Metadata chunks removed.
    pub metadata_chunks_removed: u64,
}

/// A part that is not in the bundle, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omission {
    /// The part.
    pub part: Part,
    /// Why, in words.
    pub reason: String,
}

/// The evidence bundle (`deskside.bundle/1`). Serialized, it is the JSON attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// When the bundle was built, RFC 3339 UTC.
    pub created_at: String,
    /// What the user wrote (redacted); `category` is the one the root cause maps to when the
    /// user chose none.
    pub request: TicketRequest,
    /// Who the ticket is filed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<Requester>,
    /// Root cause and key facts.
    pub summary: Summary,
    /// The device snapshot, if included.
    pub device: Option<Value>,
    /// The diagnosis report, if included.
    pub diagnosis: Option<Value>,
    /// Fix results.
    pub fixes: Vec<Value>,
    /// Audit entries.
    pub audit: Vec<Value>,
    /// Log files.
    pub logs: Vec<LogPart>,
    /// The screenshot's description, if included.
    pub screenshot: Option<ScreenshotPart>,
    /// Parts left out, and why.
    pub omitted: Vec<Omission>,
    /// What was cut to respect the size caps, in words.
    pub truncations: Vec<String>,
    /// How many values were hidden.
    pub redactions: RedactionCounts,
    /// The screenshot PNG (metadata removed); attached separately, not in the JSON.
    #[serde(skip)]
    pub screenshot_png: Option<Vec<u8>>,
    /// Each value hidden in (or un-hidden by the user from) the fields the user typed, for the
    /// preview; not in the JSON.
    #[serde(skip)]
    pub hidden: Vec<Hidden>,
    /// The local clock the body's times are shown in (the JSON keeps UTC).
    #[serde(skip)]
    pub clock: Option<LocalClock>,
}

impl Bundle {
    /// The JSON attachment, pretty-printed.
    ///
    /// # Errors
    /// Only if serialization fails, which plain JSON values do not.
    pub fn to_json(&self) -> Result<Vec<u8>, EvidenceError> {
        Ok(serde_json::to_vec_pretty(self)?)
    }

    /// Bytes this bundle will take in a ticket: the JSON plus the screenshot.
    ///
    /// # Errors
    /// As [`Bundle::to_json`].
    pub fn size(&self) -> Result<u64, EvidenceError> {
        let png = self.screenshot_png.as_ref().map_or(0, Vec::len);
        Ok((self.to_json()?.len() + png) as u64)
    }
}

/// Builds the bundle: redacts every part, leaves out unticked and forbidden parts, and cuts it
/// down to the caps, noting each cut.
///
/// # Errors
/// [`EvidenceError`] for an empty subject, a broken screenshot, or a bundle that cannot fit.
pub fn build(
    request: &TicketRequest,
    evidence: Evidence,
    options: &BuildOptions,
    now: OffsetDateTime,
) -> Result<Bundle, EvidenceError> {
    if request.subject.trim().is_empty() {
        return Err(EvidenceError::EmptySubject);
    }
    let policy = &options.policy;
    let mut redactor = Redactor::new(policy.redact_personal);
    // Personal literals come from the device snapshot: who is logged in, which serial.
    if let Some(device) = &evidence.device {
        if let Some(user) = device.get("user").and_then(Value::as_str) {
            redactor.hide_literal(user, "<user>");
        }
        if let Some(serial) = device.pointer("/hardware/serial").and_then(Value::as_str) {
            redactor.hide_literal(serial, "<serial>");
        }
    }

    let mut omitted = Vec::new();
    let mut truncations = Vec::new();
    let mut included = |part: Part, present: bool| -> bool {
        if !present {
            return false;
        }
        let reason = if policy.forbid.contains(&part) {
            "not allowed by your organisation's settings (tickets.forbid)"
        } else if options.unticked.contains(&part) {
            "left out by the user"
        } else {
            return true;
        };
        omitted.push(Omission {
            part,
            reason: reason.to_owned(),
        });
        false
    };

    let include_device = included(Part::Device, evidence.device.is_some());
    let include_diagnosis = included(Part::Diagnosis, evidence.diagnosis.is_some());
    let include_fixes = included(Part::Fixes, !evidence.fixes.is_empty());
    let include_audit = included(Part::Audit, !evidence.audit.is_empty());
    let include_logs = included(Part::Logs, !evidence.logs.is_empty());
    let include_screenshot = included(Part::Screenshot, evidence.screenshot.is_some());

    // The user's own words are redacted too: people paste error messages with tokens in them
    // and write passwords in sentences. Each value hidden there is listed for the preview,
    // where the user can undo a false positive (`options.reveal`).
    let mut req = request.clone();
    let reveal = &options.reveal;
    req.subject = cut_chars(
        &redactor.user_field("subject", req.subject.trim(), true, reveal),
        MAX_SUBJECT_CHARS,
    );
    let description = redactor.user_field("description", &req.description, true, reveal);
    if description.len() > MAX_DESCRIPTION_BYTES {
        truncations.push(format!(
            "description: kept the first {MAX_DESCRIPTION_BYTES} of {} bytes",
            description.len()
        ));
    }
    req.description = cut_head(&description, MAX_DESCRIPTION_BYTES);
    req.category = req
        .category
        .map(|c| redactor.user_field("category", &c, true, reveal));
    req.contact = req
        .contact
        .map(|c| redactor.user_field("contact", &c, false, reveal));

    let mut take = |value: Option<Value>, yes: bool| {
        value.filter(|_| yes).map(|mut v| {
            redactor.json(&mut v);
            v
        })
    };
    let device = take(evidence.device, include_device);
    let diagnosis = take(evidence.diagnosis, include_diagnosis);
    let mut fixes: Vec<Value> = take(Some(Value::Array(evidence.fixes)), include_fixes)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let mut audit: Vec<Value> = take(Some(Value::Array(evidence.audit)), include_audit)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();

    // Logs: redact the whole text first (a cut could split a secret from its label), then keep
    // the most recent part.
    let full_logs: Vec<FullLog> = if include_logs {
        evidence
            .logs
            .into_iter()
            .map(|l| FullLog {
                name: redactor.text(&l.name),
                original_bytes: l.original_bytes,
                read_bytes: l.content.len() as u64,
                text: redactor.text(&String::from_utf8_lossy(&l.content)),
            })
            .collect()
    } else {
        Vec::new()
    };

    let mut screenshot = None;
    let mut screenshot_png = None;
    if include_screenshot && let Some(shot) = evidence.screenshot {
        if shot.consent {
            let (clean, dropped) = png::strip_metadata(&shot.png)?;
            screenshot = Some(ScreenshotPart {
                file: SCREENSHOT_FILE.to_owned(),
                bytes: clean.len() as u64,
                sha256: hex::encode(Sha256::digest(&clean)),
                metadata_chunks_removed: dropped as u64,
            });
            screenshot_png = Some(clean);
        } else {
            omitted.push(Omission {
                part: Part::Screenshot,
                reason: "the user did not agree to send it with this ticket".to_owned(),
            });
        }
    }

    let created_at = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let summary = render::summarize(device.as_ref(), diagnosis.as_ref(), options, now);
    if req.category.is_none()
        && let Some(cause) = &summary.root_cause
    {
        req.category = policy.category_for(cause).map(str::to_owned);
    }

    let mut log_cap = policy.max_log_bytes;
    let mut bundle = Bundle {
        schema: SCHEMA.to_owned(),
        created_at,
        request: req,
        requester: options.requester.clone(),
        summary,
        device,
        diagnosis,
        fixes: Vec::new(),
        audit: Vec::new(),
        logs: cut_logs(&full_logs, log_cap),
        screenshot,
        omitted,
        truncations: Vec::new(),
        redactions: RedactionCounts::default(),
        screenshot_png,
        hidden: Vec::new(),
        clock: options.clock.clone(),
    };
    bundle.fixes.append(&mut fixes);
    bundle.audit.append(&mut audit);

    // Cut, in order of least value to an agent, until the bundle fits.
    let max = policy.max_bundle_bytes;
    let mut step = 0_u32;
    while bundle.size()? > max {
        step += 1;
        if !bundle.logs.is_empty() && log_cap > 4096 {
            log_cap /= 2;
            bundle.logs = cut_logs(&full_logs, log_cap);
            continue;
        }
        if !bundle.logs.is_empty() {
            for log in bundle.logs.drain(..) {
                truncations.push(format!(
                    "log {}: left out to respect the size limit",
                    log.name
                ));
            }
            continue;
        }
        if bundle.screenshot_png.take().is_some() {
            bundle.screenshot = None;
            truncations.push("screenshot: left out to respect the size limit".to_owned());
            continue;
        }
        if bundle.fixes.len() + bundle.audit.len() > 20 {
            keep_last(&mut bundle.fixes, 10, "fix results", &mut truncations);
            keep_last(&mut bundle.audit, 10, "audit entries", &mut truncations);
            continue;
        }
        if let Some(checks) = bundle
            .diagnosis
            .as_mut()
            .and_then(|d| d.get_mut("checks"))
            .and_then(Value::as_array_mut)
            && checks.iter().any(|c| c.get("evidence").is_some())
        {
            for check in checks.iter_mut() {
                if let Some(obj) = check.as_object_mut() {
                    obj.remove("evidence");
                }
            }
            truncations.push(
                "diagnosis: per-check evidence left out to respect the size limit".to_owned(),
            );
            continue;
        }
        if let Some(network) = bundle.device.as_mut().and_then(|d| d.get_mut("network"))
            && step < 100
            && !network.is_null()
        {
            *network = Value::Null;
            truncations
                .push("device: network details left out to respect the size limit".to_owned());
            continue;
        }
        return Err(EvidenceError::TooLarge {
            bytes: bundle.size()?,
            max,
        });
    }
    for log in &bundle.logs {
        if log.truncated {
            truncations.push(format!(
                "log {}: kept the last {} of {} bytes",
                log.name,
                log.text.len(),
                log.original_bytes
            ));
        }
    }
    bundle.truncations = truncations;
    bundle.redactions = redactor.counts();
    bundle.hidden = redactor.hidden().to_vec();
    Ok(bundle)
}

/// A log after redaction, before the cap.
struct FullLog {
    name: String,
    original_bytes: u64,
    read_bytes: u64,
    text: String,
}

fn cut_logs(full: &[FullLog], cap: u64) -> Vec<LogPart> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    full.iter()
        .map(|log| {
            let kept = cut_tail(&log.text, cap);
            LogPart {
                name: log.name.clone(),
                original_bytes: log.original_bytes,
                truncated: kept.len() < log.text.len() || log.original_bytes > log.read_bytes,
                text: kept,
            }
        })
        .collect()
}

fn keep_last(list: &mut Vec<Value>, n: usize, what: &str, notes: &mut Vec<String>) {
    if list.len() > n {
        let dropped = list.len() - n;
        list.drain(..dropped);
        notes.push(format!(
            "{what}: kept the last {n}, left out {dropped} older ones to respect the size limit"
        ));
    }
}

/// The first `max` characters, with an ellipsis when cut.
fn cut_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The first `max` bytes, cut at a character boundary.
fn cut_head(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The last `max` bytes, starting at a line boundary when one is near.
fn cut_tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    let tail = &s[start..];
    // Start on a whole line unless that would lose most of the tail.
    match tail.find('\n') {
        Some(i) if i < tail.len() / 4 => tail[i + 1..].to_owned(),
        _ => tail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap()
    }

    fn request() -> TicketRequest {
        TicketRequest {
            subject: "VPN keeps dropping".into(),
            description: "Since this morning the VPN disconnects every few minutes.".into(),
            category: Some("vpn".into()),
            urgency: Urgency::High,
            contact: Some("jdoe@corp.example".into()),
        }
    }

    pub(crate) fn device() -> Value {
        json!({
            "schema": "deskside.device/1",
            "collected_at": "2026-09-21T10:00:00Z",
            "os": {"name": "Debian GNU/Linux", "version": "12", "build": null},
            "hostname": "pc-042",
            "user": "jdoe",
            "hardware": {"vendor": "Dell Inc.", "model": "Latitude 5440", "serial": "SN7Q2X9"},
            "network": {
                "interfaces": [
                    {"name": "lo", "kind": "loopback", "state": "up", "mac": null, "addresses": [{"addr": "127.0.0.1", "prefix_len": 8}]},
                    {"name": "wlan0", "kind": "wifi", "state": "up", "mac": "aa:bb:cc:00:11:22", "addresses": [{"addr": "192.168.1.23", "prefix_len": 24}]}
                ],
                "dns": {"servers": ["192.168.1.1"]}
            },
            "vpn_interfaces": ["wg0"],
            "notes": ["home at /home/jdoe"]
        })
    }

    pub(crate) fn diagnosis() -> Value {
        json!({
            "schema": "deskside.report/1",
            "started_at": "2026-09-21T09:59:58Z",
            "checks": [
                {"id": "vpn.tunnel", "status": "fail", "summary": "wg0: last handshake 9 minutes ago", "advice": "Reconnect the VPN.", "evidence": {"handshake_age_s": 540}}
            ],
            "diagnosis": {"status": "broken", "root_cause": "vpn.tunnel", "headline": "The VPN is not working.", "summary": "The VPN tunnel has not exchanged keys for 9 minutes."}
        })
    }

    #[test]
    fn a_full_bundle_has_every_part_and_the_root_cause_first() {
        let evidence = Evidence {
            device: Some(device()),
            diagnosis: Some(diagnosis()),
            fixes: vec![json!({"id": "vpn.reconnect", "status": "failed"})],
            audit: vec![json!({"at": "2026-09-21T10:00:01Z", "fix": "vpn.reconnect"})],
            logs: vec![LogFile {
                name: "vpn.log".into(),
                original_bytes: 12,
                content: b"hello world\n".to_vec(),
            }],
            screenshot: Some(Screenshot {
                png: png::tests::png_with_text("x"),
                consent: true,
            }),
        };
        let b = build(&request(), evidence, &BuildOptions::default(), now()).unwrap();
        assert_eq!(b.schema, SCHEMA);
        assert_eq!(b.summary.root_cause.as_deref(), Some("vpn.tunnel"));
        assert!(b.device.is_some() && b.diagnosis.is_some());
        assert_eq!(b.fixes.len(), 1);
        assert_eq!(b.logs[0].text, "hello world\n");
        assert!(b.screenshot.is_some());
        assert!(b.omitted.is_empty());
        let labels: Vec<&str> = b.summary.facts.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Device",
                "User",
                "OS",
                "Serial",
                "Local time",
                "Network",
                "VPN"
            ]
        );
        let json: Value = serde_json::from_slice(&b.to_json().unwrap()).unwrap();
        assert_eq!(json["schema"], SCHEMA);
        assert!(json.get("screenshot_png").is_none());
    }

    #[test]
    fn unticked_forbidden_and_unconsented_parts_are_left_out_with_a_reason() {
        let evidence = Evidence {
            device: Some(device()),
            diagnosis: Some(diagnosis()),
            screenshot: Some(Screenshot {
                png: png::tests::png_with_text("x"),
                consent: false,
            }),
            ..Evidence::default()
        };
        let mut options = BuildOptions::default();
        options.unticked.insert(Part::Device);
        options.policy.forbid.insert(Part::Diagnosis);
        let b = build(&request(), evidence.clone(), &options, now()).unwrap();
        assert!(b.device.is_none() && b.diagnosis.is_none() && b.screenshot.is_none());
        let reasons: Vec<(Part, &str)> = b
            .omitted
            .iter()
            .map(|o| (o.part, o.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 3);
        assert!(reasons[0].1.contains("left out by the user"));
        assert!(reasons[1].1.contains("tickets.forbid"));
        assert!(reasons[2].1.contains("did not agree"));
        assert_eq!(b.summary.root_cause, None);

        // Forbidden wins over consent.
        let mut options = BuildOptions::default();
        options.policy.forbid.insert(Part::Screenshot);
        let mut ev = evidence;
        ev.screenshot = Some(Screenshot {
            png: png::tests::png_with_text("x"),
            consent: true,
        });
        let b = build(&request(), ev, &options, now()).unwrap();
        assert!(b.screenshot_png.is_none());
    }

    #[test]
    fn caps_cut_logs_then_screenshot_with_notes() {
        let big = "line of log text\n".repeat(20_000); // ~340 KB
        let evidence = Evidence {
            logs: vec![LogFile {
                name: "big.log".into(),
                original_bytes: big.len() as u64,
                content: big.into_bytes(),
            }],
            screenshot: Some(Screenshot {
                png: {
                    let mut p = png::tests::png_with_text("x");
                    // Pad IDAT-sized noise through a kept chunk so the PNG is large.
                    let iend = p.split_off(p.len() - 12);
                    let data = vec![7_u8; 100_000];
                    p.extend((data.len() as u32).to_be_bytes());
                    p.extend(b"IDAT");
                    p.extend(&data);
                    p.extend([0, 0, 0, 0]);
                    p.extend(iend);
                    p
                },
                consent: true,
            }),
            ..Evidence::default()
        };
        let mut options = BuildOptions::default();
        options.policy.max_bundle_bytes = 64 * 1024;
        let b = build(&request(), evidence, &options, now()).unwrap();
        assert!(b.size().unwrap() <= 64 * 1024);
        assert!(
            b.screenshot.is_none(),
            "screenshot dropped after logs shrank"
        );
        assert!(
            b.truncations.iter().any(|t| t.contains("screenshot")),
            "{:?}",
            b.truncations
        );
        assert!(b.logs.is_empty() || b.logs[0].truncated);
    }

    #[test]
    fn a_long_log_keeps_its_end() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let evidence = Evidence {
            logs: vec![LogFile {
                name: "app.log".into(),
                original_bytes: text.len() as u64,
                content: text.into_bytes(),
            }],
            ..Evidence::default()
        };
        let mut options = BuildOptions::default();
        options.policy.max_log_bytes = 100;
        let b = build(&request(), evidence, &options, now()).unwrap();
        let log = &b.logs[0];
        assert!(log.truncated);
        assert!(log.text.ends_with("line 999\n"));
        assert!(log.text.len() <= 100);
        assert!(b.truncations[0].starts_with("log app.log: kept the last"));
    }

    #[test]
    fn empty_subject_is_refused_and_long_ones_cut() {
        let mut r = request();
        r.subject = "  ".into();
        let err = build(&r, Evidence::default(), &BuildOptions::default(), now()).unwrap_err();
        assert_eq!(err.code(), "ticket.empty_subject");
        r.subject = "x".repeat(500);
        let b = build(&r, Evidence::default(), &BuildOptions::default(), now()).unwrap();
        assert_eq!(b.request.subject.chars().count(), MAX_SUBJECT_CHARS);
    }

    #[test]
    fn read_tail_reads_the_end_of_a_file() {
        let dir = std::env::temp_dir().join(format!("deskside-evidence-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.log");
        std::fs::write(&path, b"0123456789").unwrap();
        let log = LogFile::read_tail(&path, 4).unwrap();
        assert_eq!(log.content, b"6789");
        assert_eq!(log.original_bytes, 10);
        assert_eq!(log.name, "t.log");
        let err = LogFile::read_tail(&dir.join("missing.log"), 4).unwrap_err();
        assert_eq!(err.code(), "ticket.log_unreadable");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
