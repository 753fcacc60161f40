//! Transport types of the IPC boundary (docs/ipc.md): the error every command returns, the
//! shell's own DTOs (`HealthState`, `AppInfo`), the fix, ticket and password DTOs, and the
//! events. Core types (`Report`, `DeviceSnapshot`, …) cross the boundary as they are; the fix,
//! ticket and password DTOs are the UI's view of the core crates' results (the shapes of
//! `desksidectl fix|ticket|outbox|password … --json`), so a core crate can change its inner
//! types without the UI noticing. TypeScript twins are generated into `ui/src/lib/bindings.ts`.

use deskside_diagnostics::{CheckResult, DiagnoseError, Health, Progress, Report};
use serde::{Deserialize, Serialize};
use specta::Type;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A screenshot taken for a ticket (`capture_screen`), for the user to look at before
/// consenting; sent back in [`TicketDraft::screenshot_png_base64`] if they do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ScreenCapture {
    /// The PNG, base64.
    pub png_base64: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether it was scaled down to fit the size limit.
    pub scaled: bool,
}

/// What went wrong, for the UI: `code` is stable (`config.*`, `diagnose.collect`,
/// `device.clipboard`), `message` is a sentence for the employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    /// Stable code the UI may branch on.
    pub code: String,
    /// Plain-language explanation.
    pub message: String,
}

impl IpcError {
    /// An error with this code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A core crate's message as the window shows it: capitalised, ending with a full stop (the
/// crates' messages start in lower case because they are also used mid-sentence).
#[must_use]
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

impl From<deskside_config::ConfigError> for IpcError {
    fn from(err: deskside_config::ConfigError) -> Self {
        Self::new(
            err.code(),
            format!(
                "Deskside's configuration has a problem, so it cannot check this computer: {err}. Ask your IT team to fix the file."
            ),
        )
    }
}

impl From<DiagnoseError> for IpcError {
    fn from(err: DiagnoseError) -> Self {
        Self::new(err.code(), format!("Deskside {err}."))
    }
}

/// Overall health as the tray shows it; `unknown` until a check has run (or when it could
/// not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Not checked yet, or the check could not run.
    Unknown,
    /// Nothing fails or warns.
    Healthy,
    /// Something warns.
    Degraded,
    /// Something fails (or the configuration is broken).
    Broken,
}

impl From<Health> for HealthStatus {
    fn from(h: Health) -> Self {
        match h {
            Health::Healthy => Self::Healthy,
            Health::Degraded => Self::Degraded,
            Health::Broken => Self::Broken,
        }
    }
}

/// The last known health (background or manual run): payload of `get_health` and
/// `HealthChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct HealthState {
    /// Overall status.
    pub status: HealthStatus,
    /// One sentence: the tray tooltip and the home screen's headline.
    pub headline: String,
    /// Root-cause check id (`net.dns`), or the config error code (`config.syntax`) when the
    /// configuration is broken; null when healthy or unknown.
    pub root_cause: Option<String>,
    /// When this was determined (RFC 3339 UTC); null before the first check.
    pub checked_at: Option<String>,
}

impl HealthState {
    /// Before the first check.
    #[must_use]
    pub fn unknown() -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: "Deskside has not checked this computer yet.".to_owned(),
            root_cause: None,
            checked_at: None,
        }
    }

    /// The verdict of a diagnosis.
    #[must_use]
    pub fn from_report(report: &Report) -> Self {
        Self {
            status: report.diagnosis.status.into(),
            headline: report.diagnosis.headline.clone(),
            root_cause: report.diagnosis.root_cause.clone(),
            checked_at: Some(report.started_at.clone()),
        }
    }

    /// The configuration could not be loaded: shown as a problem, named by its code.
    #[must_use]
    pub fn config_problem(err: &IpcError) -> Self {
        Self {
            status: HealthStatus::Broken,
            headline: "Deskside's configuration has a problem.".to_owned(),
            root_cause: Some(err.code.clone()),
            checked_at: Some(now_rfc3339()),
        }
    }

    /// A diagnosis could not run at all (says nothing about the machine).
    #[must_use]
    pub fn cannot_run(err: &IpcError) -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: err.message.clone(),
            root_cause: None,
            checked_at: Some(now_rfc3339()),
        }
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// One config layer in effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ConfigLayer {
    /// `default`, `system`, `user`, `explicit` or `policy`.
    pub source: String,
    /// The file, when the layer has one.
    pub path: Option<String>,
}

/// What the About screen and the branding need: payload of `get_app_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AppInfo {
    /// Deskside's version.
    pub version: String,
    /// `branding.organization`, when set.
    pub organization: Option<String>,
    /// `branding.accent_color` (`#rrggbb`).
    pub accent_color: String,
    /// `branding.logo_path` read into a `data:` URL (the CSP allows `img-src data:`); null when
    /// unset or unreadable (then a line in `notes` says why).
    pub logo_data_url: Option<String>,
    /// The config layers in effect, lowest precedence first.
    pub layers: Vec<ConfigLayer>,
    /// Keys locked by a policy layer (managed by IT).
    pub managed_keys: Vec<String>,
    /// Notes from loading: ignored overrides, an unreadable logo.
    pub notes: Vec<String>,
}

/// A screen of the UI the shell can ask for (tray menu, `--screen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Screen {
    /// Health at a glance.
    Home,
    /// The check list of a run.
    Diagnostics,
    /// The device snapshot.
    Device,
    /// Getting help.
    Help,
    /// Password expiry and change.
    Password,
    /// Version, config layers, managed keys.
    About,
}

impl Screen {
    /// Lower-case name, as in the payload and the hash route of a new window (`#/help`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Diagnostics => "diagnostics",
            Self::Device => "device",
            Self::Help => "help",
            Self::Password => "password",
            Self::About => "about",
        }
    }
}

/// Live progress of `run_diagnosis`.
#[derive(Debug, Clone, PartialEq, Serialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DiagnosisProgress {
    /// These checks are about to run (ids, catalog order).
    Planned {
        /// Check ids.
        ids: Vec<String>,
    },
    /// One check finished.
    Finished {
        /// Its result.
        check: CheckResult,
    },
}

impl From<Progress> for DiagnosisProgress {
    fn from(p: Progress) -> Self {
        match p {
            Progress::Planned(ids) => Self::Planned { ids },
            Progress::Finished(check) => Self::Finished { check },
        }
    }
}

/// The tray health changed (after every background or manual check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct HealthChanged(pub HealthState);

/// The tray menu asks the open window to show a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct Navigate {
    /// The screen.
    pub screen: Screen,
}

// ---- fixes ----------------------------------------------------------------------------

/// A built-in fix or an admin action, as `list_fixes` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixInfo {
    /// `net.flush_dns`, or the admin action's id.
    pub id: String,
    /// Short title for the button and the dialog.
    pub title: String,
    /// What it does, in plain language.
    pub explanation: String,
    /// Check ids it addresses.
    pub addresses: Vec<String>,
    /// Needs administrator approval.
    pub elevation: bool,
    /// Applied by `diagnose --fix` without asking.
    pub auto: bool,
    /// Can run on this computer now.
    pub available: bool,
    /// Why not, when unavailable.
    pub reason: Option<String>,
    /// Built-in or defined by IT.
    pub kind: FixKind,
}

/// Where a fix comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    /// Deskside's catalogue.
    Builtin,
    /// `[[fixes.actions]]` in the managed config.
    Action,
}

/// The arguments the UI may pass; validated by the fixes crate's types before use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixArgs {
    /// A network interface (`eth0`); null lets the fix choose.
    pub interface: Option<String>,
}

/// What a fix would change: payload of `preview_fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixPreview {
    /// The fix.
    pub id: String,
    /// One sentence.
    pub summary: String,
    /// Each change, one line.
    pub changes: Vec<String>,
    /// Bytes it would free.
    pub bytes: Option<u64>,
    /// Needs administrator approval.
    pub elevation: bool,
}

/// How an applied fix ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FixOutcome {
    /// Applied and the re-test passed.
    Fixed,
    /// Applied, but the re-test still fails.
    NotFixed,
    /// A step failed.
    Failed,
    /// Not run (approval refused, not applicable, not allowed).
    Refused,
}

/// One step a fix ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixStep {
    /// The program (or the in-process operation's name).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// `ok`, `failed`, `skipped`, …
    pub status: String,
    /// Captured output (capped by the fixes crate).
    pub output: String,
}

/// One re-tested check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixVerifyCheck {
    /// Check id.
    pub id: String,
    /// `pass`, `warn`, `fail`, `skip`, `error`.
    pub status: String,
}

/// The re-test after a fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixVerify {
    /// The addressed checks (and their dependencies).
    pub checks: Vec<FixVerifyCheck>,
    /// All of them pass.
    pub passed: bool,
}

/// Payload of `apply_fix`: the shape of `desksidectl fix apply --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FixResult {
    /// The fix.
    pub id: String,
    /// How it ended.
    pub outcome: FixOutcome,
    /// One sentence for the user.
    pub message: String,
    /// What ran.
    pub steps: Vec<FixStep>,
    /// The re-test, when the fix got that far.
    pub verify: Option<FixVerify>,
}

/// Live progress of `apply_fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FixProgress {
    /// The fix started.
    Started {
        /// Fix id.
        fix: String,
    },
    /// A step finished.
    Step {
        /// Fix id.
        fix: String,
        /// The step.
        step: FixStep,
    },
    /// Applied; the addressed checks are being re-run.
    Verifying {
        /// Fix id.
        fix: String,
    },
    /// Over.
    Done {
        /// Fix id.
        fix: String,
        /// How it ended.
        outcome: FixOutcome,
    },
}

// ---- tickets ----------------------------------------------------------------------------

/// A part of a ticket the user can untick (and the config can forbid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct TicketPartOption {
    /// The part.
    pub part: TicketPart,
    /// Allowed by the configuration.
    pub allowed: bool,
    /// Why not, when forbidden.
    pub reason: Option<String>,
}

/// How tickets are filed here: payload of `get_ticket_options`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
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
}

/// One attachment as it will be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct TicketPreview {
    /// Handle of the built ticket, kept by the shell until submitted.
    pub preview_id: String,
    /// Title as sent.
    pub subject: String,
    /// The body: summary for the agent, then the user's words.
    pub body: String,
    /// Attachments as sent.
    pub attachments: Vec<TicketAttachment>,
    /// Values hidden by redaction.
    pub redactions: u64,
    /// Truncation notes and left-out parts, in words.
    pub notes: Vec<String>,
}

/// Delivery state of an outbox ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct RemoteTicket {
    /// `123`.
    pub id: String,
    /// Link for the user, when the helpdesk has one.
    pub url: Option<String>,
}

/// What the helpdesk says about a delivered ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
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

/// The outbox changed: payload of the `outbox-changed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct OutboxChanged {
    /// Every ticket, newest first.
    pub tickets: Vec<OutboxTicket>,
}

// ---- passwords --------------------------------------------------------------------------

/// A password as it crosses IPC: a string on the wire, never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Type)]
#[serde(transparent)]
pub struct SecretText(String);

impl SecretText {
    /// The text, for the one call that needs it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Move the text into the passwords crate's zeroing type (no copy is left behind).
    #[must_use]
    pub fn into_password(mut self) -> deskside_password::Password {
        deskside_password::Password::new(std::mem::take(&mut self.0))
    }
}

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for SecretText {
    fn drop(&mut self) {
        // Overwrite before the allocation is freed, so the text does not linger in memory.
        // `zeroize` does this without being optimised away.
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Expiry state of the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum PasswordState {
    /// Valid, not yet in the warning window.
    Ok,
    /// Expires soon.
    Warning,
    /// Expired.
    Expired,
    /// Expired, grace logins left.
    Grace,
    /// Never expires.
    Never,
    /// Cannot tell.
    Unknown,
}

/// The directory's password rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordPolicy {
    /// Minimum length.
    pub min_length: u32,
    /// Three of four character classes required.
    pub complexity: bool,
    /// Remembered previous passwords.
    pub history: Option<u32>,
    /// Maximum age, in days.
    pub max_age_days: Option<u32>,
    /// Wrong attempts before lockout.
    pub lockout_threshold: Option<u32>,
}

/// Which help links the config has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordLinks {
    /// `password.change_url`.
    pub change: bool,
    /// `password.reset_url`.
    pub reset: bool,
    /// `password.unlock_url`.
    pub unlock: bool,
}

/// Payload of `get_password_status` and the `password-status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordStatus {
    /// `password.source` is set.
    pub configured: bool,
    /// `ad`, `ldap`, `kerberos`, `manual`.
    pub source: Option<String>,
    /// The account.
    pub account: Option<String>,
    /// Expiry state.
    pub state: PasswordState,
    /// When it expires (RFC 3339).
    pub expires_at: Option<String>,
    /// Whole days left (negative once expired).
    pub days_left: Option<i64>,
    /// Grace logins left.
    pub grace_logins: Option<u32>,
    /// From the cache: the directory was not reachable.
    pub cached: bool,
    /// When the directory last answered (RFC 3339).
    pub checked_at: Option<String>,
    /// The directory's rules, when read.
    pub policy: Option<PasswordPolicy>,
    /// Why the state is unknown.
    pub message: Option<String>,
    /// Its stable code (`credential_needed`: Deskside needs the password once, see
    /// `remember_password`; `directory_unreachable`, …).
    pub problem: Option<String>,
    /// Configured help links.
    pub links: PasswordLinks,
}

impl PasswordStatus {
    /// No source configured.
    #[must_use]
    pub fn not_configured(links: PasswordLinks) -> Self {
        Self {
            configured: false,
            source: None,
            account: None,
            state: PasswordState::Unknown,
            expires_at: None,
            days_left: None,
            grace_logins: None,
            cached: false,
            checked_at: None,
            policy: None,
            message: None,
            problem: None,
            links,
        }
    }
}

/// One line of the live checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ChecklistItem {
    /// `length`, `classes`, `account_name`, `match`, `strength`.
    pub id: String,
    /// Met.
    pub ok: bool,
    /// The rule in words.
    pub label: String,
}

/// Payload of `check_new_password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordChecklist {
    /// The rules.
    pub items: Vec<ChecklistItem>,
    /// zxcvbn score, 0–4.
    pub score: u8,
    /// zxcvbn's suggestions.
    pub feedback: Vec<String>,
    /// Every rule is met.
    pub acceptable: bool,
}

/// One pre-flight condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PreflightItem {
    /// `directory`, `tls`, `vpn`, `clock`.
    pub id: String,
    /// Met.
    pub ok: bool,
    /// What is missing, or that it is fine.
    pub message: String,
}

/// Payload of `password_preflight`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordPreflight {
    /// Everything is in place.
    pub ok: bool,
    /// Each condition.
    pub items: Vec<PreflightItem>,
}

/// A saved credential the user must update by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SavedCredential {
    /// What it is (`Office Wi-Fi`).
    pub name: String,
    /// `wifi`, `vpn`, `mail`, `drive`, `keyring`, …
    pub kind: String,
    /// Where to update it.
    pub hint: String,
}

/// Payload of `change_password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordChangeReport {
    /// Saved credentials Deskside updated.
    pub updated: Vec<String>,
    /// Saved credentials to update by hand.
    pub to_update: Vec<SavedCredential>,
    /// The status re-read after the change.
    pub status: Option<PasswordStatus>,
}

/// Which configured page to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum PasswordLink {
    /// `password.change_url`.
    Change,
    /// `password.reset_url`.
    Reset,
    /// `password.unlock_url`.
    Unlock,
}

/// The background check has a new password status: the `password-status` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PasswordStatusChanged(pub PasswordStatus);

// Named by hand: the derive would call it `password-status-changed`; docs/ipc.md says
// `password-status` (and the bindings then expose `events.passwordStatus`).
impl tauri_specta::Event for PasswordStatusChanged {
    const NAME: &'static str = "password-status";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_and_health_serialize_as_the_ipc_doc_says() {
        let p = DiagnosisProgress::from(Progress::Planned(vec!["net.dns".into()]));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"kind": "planned", "ids": ["net.dns"]})
        );
        let h = HealthChanged(HealthState::unknown());
        let v = serde_json::to_value(&h).unwrap();
        assert_eq!(v["status"], "unknown");
        assert_eq!(v["root_cause"], serde_json::Value::Null);
        assert_eq!(
            serde_json::to_value(Navigate {
                screen: Screen::Help
            })
            .unwrap(),
            serde_json::json!({"screen": "help"})
        );
        assert_eq!(
            serde_json::to_value(FixProgress::Done {
                fix: "net.flush_dns".into(),
                outcome: FixOutcome::NotFixed
            })
            .unwrap(),
            serde_json::json!({"kind": "done", "fix": "net.flush_dns", "outcome": "not_fixed"})
        );
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s: SecretText = serde_json::from_str("\"hunter2\"").unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }

    #[test]
    fn config_errors_keep_their_code() {
        let err = deskside_config::load(&deskside_config::LoadOptions::from_vars(
            deskside_config::Os::Linux,
            Some("/nonexistent/deskside.toml".into()),
            [("DESKSIDE_SYSTEM_CONFIG", ""), ("DESKSIDE_USER_CONFIG", "")],
        ))
        .unwrap_err();
        let ipc = IpcError::from(err);
        assert_eq!(ipc.code, "config.unreadable");
        let h = HealthState::config_problem(&ipc);
        assert_eq!(h.status, HealthStatus::Broken);
        assert_eq!(h.root_cause.as_deref(), Some("config.unreadable"));
    }
}
