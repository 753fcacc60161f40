//! Ticket connectors: one [`Connector`] trait and one implementation per helpdesk (Request
//! Tracker 5, Redmine 5, Jira Service Management, Zendesk, Freshservice, ServiceNow, GLPI,
//! Zammad, a signed webhook, e-mail), chosen by `[helpdesk] kind` in the config, and the
//! `relay` to the Deskside server, chosen by `server.url` ([`for_device`]).
//!
//! A connector knows the helpdesk's request shapes and nothing about queues or retries: it
//! creates a ticket, adds attachments, finds a ticket by Deskside's idempotency key, and reads a
//! delivered ticket's status. It classifies every failure as [`SendError::Transient`] (try
//! again later; `maybe_created` says whether the helpdesk may have created the ticket anyway)
//! or [`SendError::Permanent`] (retrying cannot help). The durable outbox
//! (`deskside-outbox`) builds exactly-once delivery on top of those three answers.
//!
//! Secrets (`token`, `api_key`, passwords) are [`Secret`]s whose `Debug` prints
//! `<redacted>`; they may be given as `keyring:SERVICE/ACCOUNT` to read them from the OS
//! keyring.

mod connectors;
mod error;
mod http;
mod secret;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;

use std::future::Future;
use std::time::Duration;

pub use connectors::email::Email;
pub use connectors::freshservice::Freshservice;
pub use connectors::glpi::Glpi;
pub use connectors::jsm::Jsm;
pub use connectors::redmine::Redmine;
pub use connectors::relay::{DeviceKey, Enrolment, Relay, for_device, relay_for};
pub use connectors::rt::Rt;
pub use connectors::servicenow::ServiceNow;
pub use connectors::webhook::{Webhook, sign as webhook_signature};
pub use connectors::zammad::Zammad;
pub use connectors::zendesk::Zendesk;
pub use connectors::{Helpdesk, from_config};
pub use deskside_evidence::{Attachment, Requester, Urgency};
/// The fleet view's wire shapes (reports, known issues, the network fingerprint).
pub use deskside_server_api::fleet;
pub use error::{HelpdeskError, SendError};
pub use http::parse_retry_after;
pub use secret::Secret;
use serde::{Deserialize, Serialize};
pub use settings::{Settings, SmtpTls, check_config, check_device_config, required_keys};

/// The idempotency-key line every ticket body ends with; connectors without a searchable field
/// find tickets by it, and agents can quote it.
pub const REFERENCE_PREFIX: &str = "Deskside reference: ";

/// A ticket ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Idempotency key (UUID v4) given at creation; the same for every attempt.
    pub key: String,
    /// Title.
    pub subject: String,
    /// Plain-text body (summary, the user's words, evidence list, reference line).
    pub body: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Category, if the user chose one.
    pub category: Option<String>,
    /// The user's contact (an e-mail address or a phone number).
    pub contact: Option<String>,
    /// Who the ticket is filed for (the organisation's identity mapping); connectors make them
    /// the requester where the helpdesk allows it.
    #[serde(default)]
    pub requester: Option<Requester>,
    /// Files to attach.
    pub attachments: Vec<Attachment>,
}

impl Outgoing {
    /// The contact if it looks like an e-mail address.
    #[must_use]
    pub fn contact_email(&self) -> Option<&str> {
        self.contact
            .as_deref()
            .map(str::trim)
            .filter(|c| c.contains('@') && !c.contains(char::is_whitespace))
    }

    /// The e-mail address of the person the ticket is for: the mapped requester's, else the
    /// contact the user gave if it is an e-mail address.
    #[must_use]
    pub fn requester_email(&self) -> Option<&str> {
        self.requester
            .as_ref()
            .and_then(|r| r.email.as_deref())
            .map(str::trim)
            .filter(|e| e.contains('@') && !e.contains(char::is_whitespace))
            .or_else(|| self.contact_email())
    }

    /// The requester's login, when known.
    #[must_use]
    pub fn requester_login(&self) -> Option<&str> {
        self.requester
            .as_ref()
            .map(|r| r.login.trim())
            .filter(|l| !l.is_empty())
    }
}

/// One step of a set-up test (`desksidectl helpdesk test`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStep {
    /// `reachable`, `credentials`, `permission`, …
    pub step: String,
    /// How it went.
    pub status: StepStatus,
    /// What was seen, and on failure what to fix.
    pub detail: String,
}

/// The result of one [`SetupStep`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It works.
    Ok,
    /// It does not: the detail says what to fix.
    Failed,
    /// Not checked (an earlier step failed, or the helpdesk offers no way to check it).
    NotChecked,
}

impl SetupStep {
    pub(crate) fn new(step: &str, status: StepStatus, detail: impl Into<String>) -> Self {
        Self {
            step: step.to_owned(),
            status,
            detail: detail.into(),
        }
    }
}

/// A ticket in the helpdesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remote {
    /// The helpdesk's ticket number or key (`123`, `IT-42`, `INC0010001`).
    pub id: String,
    /// Where an agent or the user can open it, if the helpdesk has a web page for it.
    pub url: Option<String>,
}

/// What the helpdesk says about a delivered ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStatus {
    /// The helpdesk's status name (`open`, `resolved`, `In Progress`).
    pub status: String,
    /// The most recent reply visible to the user, if any.
    pub last_reply: Option<String>,
    /// When that reply was written, as the helpdesk wrote it.
    pub last_reply_at: Option<String>,
}

/// How a connector can tell whether a ticket already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lookup {
    /// The connector can search the helpdesk for the key; retries are exactly-once.
    Search,
    /// The helpdesk de-duplicates by the key itself (Zendesk `Idempotency-Key`, a webhook
    /// receiver, an e-mail `Message-ID`); retries send again and rely on that.
    ReceiverDeduplicates,
}

/// One helpdesk. Implementations build requests; `deskside-outbox` decides when to call them.
///
/// Futures are `Send` so a background worker can drive delivery on any tokio thread.
pub trait Connector: Send + Sync {
    /// The config name: `rt`, `redmine`, …
    fn kind(&self) -> &'static str;

    /// How this connector avoids duplicates.
    fn lookup(&self) -> Lookup {
        Lookup::Search
    }

    /// Whether attachments go in a second step after the ticket exists ([`Connector::attach`]).
    fn attaches_separately(&self) -> bool {
        false
    }

    /// Creates the ticket (with its attachments, unless [`Connector::attaches_separately`]).
    fn create(&self, ticket: &Outgoing) -> impl Future<Output = Result<Remote, SendError>> + Send;

    /// Adds the attachments to a ticket that exists.
    fn attach(
        &self,
        remote: &Remote,
        ticket: &Outgoing,
    ) -> impl Future<Output = Result<(), SendError>> + Send {
        let _ = (remote, ticket);
        async { Ok(()) }
    }

    /// Finds the ticket created with `ticket.key`, if any. `Ok(None)` means "certainly not
    /// there" only for [`Lookup::Search`] connectors.
    fn find_by_key(
        &self,
        ticket: &Outgoing,
    ) -> impl Future<Output = Result<Option<Remote>, SendError>> + Send {
        let _ = ticket;
        async { Ok(None) }
    }

    /// Tests the set-up without creating a ticket: can the helpdesk be reached, are the
    /// credentials accepted, may they file where the config says (a read of the queue, project
    /// or desk). Each failed step says what to fix.
    fn test_setup(&self) -> impl Future<Output = Vec<SetupStep>> + Send {
        async {
            vec![SetupStep::new(
                "reachable",
                StepStatus::NotChecked,
                "this helpdesk cannot be tested without sending a ticket",
            )]
        }
    }

    /// The status and last reply of a delivered ticket, where the API allows.
    fn status(
        &self,
        remote: &Remote,
    ) -> impl Future<Output = Result<Option<RemoteStatus>, SendError>> + Send {
        let _ = remote;
        async { Ok(None) }
    }
}

/// The default per-request timeout when `helpdesk.timeout_s` is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
