//! The agent's one error type: what went wrong in a background or on-demand task, with the
//! cause kept. [`AgentError::code`] is stable (the shells branch on it and send it across IPC
//! and `--json`); [`AgentError::message`] is the sentence the employee sees.

use crate::text::sentence;

/// Errors of the agent's tasks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The configuration cannot be loaded.
    #[error("Deskside's configuration has a problem")]
    Config(#[source] deskside_config::ConfigError),
    /// A diagnosis could not run at all.
    #[error("the diagnosis could not run")]
    Diagnose(#[source] deskside_diagnostics::DiagnoseError),
    /// The passwords crate refused or failed.
    #[error("the password request failed")]
    Password(#[source] deskside_password::PasswordError),
    /// A fix was refused or failed before it ran.
    #[error("the fix could not run")]
    Fix(#[source] deskside_fixes::FixError),
    /// The fix cannot run on this computer now (the reason, as a sentence).
    #[error("the fix cannot run here")]
    NotApplicable(String),
    /// A configured web page's address is not a plain web address.
    #[error("the configured page cannot be opened")]
    BadUrl(#[source] deskside_fixes::FixError),
    /// The browser could not be started.
    #[error("the browser could not be opened: {detail}")]
    OpenFailed {
        /// What the opener said.
        detail: String,
    },
    /// The ticket could not be built.
    #[error("the ticket could not be built")]
    Evidence(#[source] deskside_evidence::EvidenceError),
    /// The ticket outbox failed.
    #[error("the ticket outbox failed")]
    Outbox(#[source] deskside_outbox::OutboxError),
    /// The configured helpdesk cannot be used (incomplete or wrong settings).
    #[error("the helpdesk is not usable")]
    Helpdesk(#[source] deskside_helpdesk::HelpdeskError),
    /// A ticket preview was already sent or is too old.
    #[error("the ticket preview is out of date")]
    PreviewExpired,
    /// The screenshot given for a ticket is larger than accepted.
    #[error("the screenshot is too large")]
    ScreenshotTooLarge,
    /// The Deskside server refused a reset or unlock step, or cannot be reached (its code and
    /// sentence, passed on).
    #[error("the reset or unlock step failed: {code}")]
    Reset {
        /// The server's stable code (`reset.*`, `server.*`, `password.*`).
        code: String,
        /// The sentence for the user.
        message: String,
    },
    /// The screenshot given for a ticket is not base64.
    #[error("the screenshot cannot be read")]
    ScreenshotUnreadable(#[source] base64::DecodeError),
}

impl AgentError {
    /// Stable code: `config.*`, `diagnose.*`, `fix.*`, `open.*`, `password.<code>[.<reason>]`, `evidence.*`,
    /// `outbox.*`, `helpdesk.*`, `ticket.*`.
    #[must_use]
    pub fn code(&self) -> String {
        match self {
            Self::Config(e) => e.code().to_owned(),
            Self::Diagnose(e) => e.code().to_owned(),
            Self::Password(e) => {
                let body = e.body();
                match body.reason {
                    Some(reason) => format!("password.{}.{}", body.code, reason.as_str()),
                    None => format!("password.{}", body.code),
                }
            }
            Self::Fix(e) => e.code().to_owned(),
            Self::NotApplicable(_) => "fix.not_applicable".to_owned(),
            Self::BadUrl(_) => "open.bad_url".to_owned(),
            Self::OpenFailed { .. } => "open.failed".to_owned(),
            Self::Evidence(e) => e.code().to_owned(),
            Self::Outbox(e) => e.code().to_owned(),
            Self::Helpdesk(e) => e.code().to_owned(),
            Self::PreviewExpired => "ticket.preview_expired".to_owned(),
            Self::ScreenshotTooLarge => "ticket.screenshot_too_large".to_owned(),
            Self::ScreenshotUnreadable(_) => "ticket.screenshot_unreadable".to_owned(),
            Self::Reset { code, .. } => code.clone(),
        }
    }

    /// What happened and what to do, as a sentence for the employee.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Config(e) => format!(
                "Deskside's configuration has a problem, so it cannot check this computer: {e}. Ask your IT team to fix the file."
            ),
            Self::Diagnose(e) => format!("Deskside {e}."),
            Self::Password(e) => sentence(&e.body().message),
            Self::Fix(e) => sentence(&e.to_string()),
            Self::NotApplicable(reason) => reason.clone(),
            Self::BadUrl(e) => format!("The configured page cannot be opened ({e}). Tell IT."),
            Self::OpenFailed { detail } => format!("The browser could not be opened ({detail})."),
            Self::Evidence(e) => sentence(&e.to_string()),
            Self::Outbox(e) => sentence(&e.to_string()),
            Self::Helpdesk(deskside_helpdesk::HelpdeskError::NotConfigured) => "Requests cannot be sent from this computer: no helpdesk is set up. Copy the summary and send it to IT.".to_owned(),
            Self::Helpdesk(e) => format!(
                "Requests cannot be sent from this computer because its helpdesk settings are not usable ({e}). Copy the summary and send it to IT, and tell them about this message."
            ),
            Self::PreviewExpired => {
                "This preview is out of date. Preview the ticket again, then send it.".to_owned()
            }
            Self::ScreenshotTooLarge => {
                "The screenshot is too large. Choose a smaller image.".to_owned()
            }
            Self::ScreenshotUnreadable(_) => {
                "The screenshot could not be read. Choose the image again.".to_owned()
            }
            Self::Reset { message, .. } => message.clone(),
        }
    }
}

impl From<deskside_config::ConfigError> for AgentError {
    fn from(e: deskside_config::ConfigError) -> Self {
        Self::Config(e)
    }
}

impl From<deskside_password::PasswordError> for AgentError {
    fn from(e: deskside_password::PasswordError) -> Self {
        Self::Password(e)
    }
}

impl From<deskside_evidence::EvidenceError> for AgentError {
    fn from(e: deskside_evidence::EvidenceError) -> Self {
        Self::Evidence(e)
    }
}

impl From<deskside_outbox::OutboxError> for AgentError {
    fn from(e: deskside_outbox::OutboxError) -> Self {
        Self::Outbox(e)
    }
}

impl From<deskside_helpdesk::HelpdeskError> for AgentError {
    fn from(e: deskside_helpdesk::HelpdeskError) -> Self {
        Self::Helpdesk(e)
    }
}
