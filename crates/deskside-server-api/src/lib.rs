//! The contract between a device and the Deskside server, shared by both sides so they cannot
//! drift: the request-signing scheme ([`sign`]) and the JSON shapes of enrolment, the ticket
//! relay and errors. No HTTP client or server lives here; the device side is the `relay`
//! connector of `deskside-helpdesk`, the server side `deskside-server-core`.
//!
//! The scheme is specified in `docs/server.md` ("Signed requests"); a test there checks the
//! canonical string against the documented example.

pub mod fleet;
pub mod sign;

use base64::Engine as _;
use deskside_evidence::{Attachment, Urgency};
use serde::{Deserialize, Serialize};

/// Path of the enrolment endpoint (unsigned: the enrolment secret authenticates it).
pub const PATH_ENROLL: &str = "/v1/enroll";
/// Path of the ticket relay (signed `POST`).
pub const PATH_TICKETS: &str = "/v1/tickets";
/// Path of this device's own record (signed `GET`).
pub const PATH_DEVICE: &str = "/v1/device";

/// `POST /v1/enroll`: a device exchanges a one-time enrolment secret for its key id.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The enrolment secret IT handed out.
    pub secret: String,
    /// The device's Ed25519 public key, 32 bytes, standard base64.
    pub public_key: String,
    /// The machine's name, for `devices list`.
    pub device_name: String,
    /// The OS account that enrolled (the requester of its tickets).
    pub os_user: String,
}

/// The answer to an enrolment.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    /// The key id every later request names in `Deskside-Key-Id`.
    pub key_id: String,
    /// The device's id on the server (for IT: `devices revoke ID`).
    pub device_id: i64,
}

/// `GET /v1/device`: what the server knows about the calling device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device's id on the server.
    pub device_id: i64,
    /// The key id.
    pub key_id: String,
    /// The name given at enrolment.
    pub device_name: String,
    /// The OS account given at enrolment.
    pub os_user: String,
    /// When it enrolled (Unix seconds).
    pub enrolled_at: i64,
}

/// One attachment on the wire (bytes as standard base64).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireAttachment {
    /// File name.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes, standard base64.
    pub data_base64: String,
}

impl WireAttachment {
    /// From an attachment.
    #[must_use]
    pub fn from_attachment(a: &Attachment) -> Self {
        Self {
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(&a.data),
        }
    }

    /// Back to an attachment.
    ///
    /// # Errors
    /// [`WireError::Base64`] when the data is not base64.
    pub fn to_attachment(&self) -> Result<Attachment, WireError> {
        let data = base64::engine::general_purpose::STANDARD
            .decode(&self.data_base64)
            .map_err(|_| WireError::Base64 {
                name: self.name.clone(),
            })?;
        Ok(Attachment {
            name: self.name.clone(),
            content_type: self.content_type.clone(),
            data,
        })
    }
}

/// `POST /v1/tickets`: a rendered ticket the device hands to the server's relay. The server
/// de-duplicates by (`device`, `key`): sending it again answers with the stored ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketUpload {
    /// The device outbox's idempotency key (UUID).
    pub key: String,
    /// Title.
    pub subject: String,
    /// Plain-text body (ends with the reference line).
    pub body: String,
    /// Urgency: `low`, `normal` or `high`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "normal"))]
    pub urgency: Urgency,
    /// Category.
    pub category: Option<String>,
    /// The user's contact.
    pub contact: Option<String>,
    /// Files.
    pub attachments: Vec<WireAttachment>,
}

/// Where a relayed ticket is, as the server tells the device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayState {
    /// Stored by the server, not yet in the helpdesk.
    Accepted,
    /// In the helpdesk.
    Delivered,
    /// The helpdesk refused it, or the server gave up.
    Failed,
}

impl RelayState {
    /// The stored and printed name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Accepted, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// The server's answer about one relayed ticket (`POST /v1/tickets`, `GET /v1/tickets/{key}`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStatus {
    /// The idempotency key.
    pub key: String,
    /// Where it is.
    pub state: RelayState,
    /// The helpdesk's ticket number, once delivered.
    pub remote_id: Option<String>,
    /// The helpdesk's page for it, once delivered.
    pub remote_url: Option<String>,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// The helpdesk's own status of the delivered ticket (`open`, `resolved`), as last read
    /// by the server; absent until it has asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helpdesk_status: Option<String>,
    /// The most recent reply the user may see, as last read by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply: Option<String>,
    /// When that reply was written, as the helpdesk wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reply_at: Option<String>,
}

/// Every error answer: a stable code and a sentence.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable code (`auth.replay`, `relay.too_large`, …).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

/// A wire shape cannot be turned back into a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// An attachment's data is not base64.
    #[error("attachment {name:?} is not valid base64")]
    Base64 {
        /// The attachment's name.
        name: String,
    },
}
