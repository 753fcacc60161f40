//! Zendesk Support (`/api/v2/`), in one of two documented modes:
//!
//! * **Tickets API** (an agent's `user` + API `token`): attachments are uploaded first
//!   (`POST /uploads.json?filename=`, raw bytes with the file's MIME type, answered with a
//!   token), then `POST /tickets.json` creates the ticket with the tokens in its first comment.
//!   Duplicates are prevented twice over: the `Idempotency-Key` header (Zendesk answers a
//!   repeat of a ticket creation with the first result) and `external_id` = key, which
//!   `GET /tickets.json?external_id=` finds even after the idempotency key has expired.
//!   Auth: HTTP Basic `{user}/token:{token}`.
//! * **Requests API, anonymous** (no `token`; the account must allow anyone to submit
//!   tickets): `POST /requests.json` with a `requester` (the user's contact e-mail, else
//!   `helpdesk.from`), uploads unauthenticated as above. Nothing can be searched without
//!   credentials, so this mode relies on the `Idempotency-Key` header and is at-least-once;
//!   no status can be read back. No secret has to be stored on the desktop.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::{id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Lookup, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings,
    Urgency,
};

/// The Zendesk connector.
#[derive(Debug)]
pub struct Zendesk {
    http: Http,
    mode: Mode,
}

/// Which documented API the connector uses.
#[derive(Debug)]
enum Mode {
    /// Tickets API as an agent: `{user}/token:{token}`.
    Agent { user: String, token: Secret },
    /// Requests API without credentials; `from` is the fallback requester.
    Anonymous { from: String },
}

impl Zendesk {
    /// From settings: `url` (`https://SUBDOMAIN.zendesk.com/`), then either `user` (agent
    /// e-mail) and `token` for the Tickets API, or no `token` and `from` (fallback requester
    /// e-mail) for anonymous requests.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        let http = Http::new(s.need_url("zendesk")?, s.timeout)?;
        let mode = match &s.token {
            Some(token) => Mode::Agent {
                user: Settings::need("zendesk", "user", s.user.as_ref())?.clone(),
                token: token.clone(),
            },
            None => Mode::Anonymous {
                from: Settings::need("zendesk", "from", s.from.as_ref())?.clone(),
            },
        };
        Ok(Self { http, mode })
    }

    /// Whether this connector files anonymous requests (no `token` configured).
    #[must_use]
    pub fn is_anonymous(&self) -> bool {
        matches!(self.mode, Mode::Anonymous { .. })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.mode {
            Mode::Agent { user, token } => {
                rb.basic_auth(format!("{user}/token"), Some(token.expose()))
            }
            Mode::Anonymous { .. } => rb,
        }
    }

    fn remote(&self, id: String) -> Remote {
        // Agents open the agent view; an anonymous requester has only the help centre.
        let page = if self.is_anonymous() {
            format!("hc/requests/{id}")
        } else {
            format!("agent/tickets/{id}")
        };
        let url = self.http.page(&page);
        Remote { id, url }
    }

    /// The JSON body of `POST /api/v2/tickets.json`.
    #[must_use]
    pub fn ticket_body(t: &Outgoing, upload_tokens: &[String]) -> Value {
        let mut ticket = json!({
            "subject": t.subject,
            "comment": { "body": t.body, "uploads": upload_tokens, "public": true },
            "external_id": t.key,
            "priority": match t.urgency {
                Urgency::Low => "low",
                Urgency::Normal => "normal",
                Urgency::High => "high",
            },
            "tags": ["deskside"],
        });
        if let Some(email) = t.requester_email() {
            ticket["requester"] = json!({ "email": email, "name": email });
        }
        json!({ "ticket": ticket })
    }

    /// The JSON body of an anonymous `POST /api/v2/requests.json`: `requester` is mandatory
    /// there, `subject` and `comment` too.
    #[must_use]
    pub fn request_body(t: &Outgoing, from: &str, upload_tokens: &[String]) -> Value {
        let email = t.requester_email().unwrap_or(from);
        json!({
            "request": {
                "requester": { "name": email, "email": email },
                "subject": t.subject,
                "comment": { "body": t.body, "uploads": upload_tokens },
                "priority": match t.urgency {
                    Urgency::Low => "low",
                    Urgency::Normal => "normal",
                    Urgency::High => "high",
                },
            }
        })
    }

    async fn upload(&self, t: &Outgoing) -> Result<Vec<String>, SendError> {
        let mut tokens = Vec::new();
        for a in &t.attachments {
            let what = format!("uploading {} to Zendesk", a.name);
            let mut url = self.http.url("api/v2/uploads.json")?;
            url.query_pairs_mut().append_pair("filename", &a.name);
            let rb = self
                .auth(self.http.client.post(url))
                .header(CONTENT_TYPE, &a.content_type)
                .body(a.data.clone());
            let v = unwrap_stringified(self.http.json(rb, &what).await?);
            let token = v
                .pointer("/upload/token")
                .and_then(Value::as_str)
                .ok_or_else(|| SendError::transient(format!("{what}: no upload token"), false))?;
            tokens.push(token.to_owned());
        }
        Ok(tokens)
    }
}

impl Connector for Zendesk {
    fn kind(&self) -> &'static str {
        "zendesk"
    }

    fn lookup(&self) -> Lookup {
        // Anonymous requests cannot be listed or searched: only the Idempotency-Key guards
        // against a repeat.
        if self.is_anonymous() {
            Lookup::ReceiverDeduplicates
        } else {
            Lookup::Search
        }
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let tokens = self.upload(t).await?;
        let (what, path, body, pointer) = match &self.mode {
            Mode::Agent { .. } => (
                "creating the Zendesk ticket",
                "api/v2/tickets.json",
                Self::ticket_body(t, &tokens),
                "/ticket/id",
            ),
            Mode::Anonymous { from } => (
                "creating the Zendesk request",
                "api/v2/requests.json",
                Self::request_body(t, from, &tokens),
                "/request/id",
            ),
        };
        let rb = self
            .auth(self.http.client.post(self.http.url(path)?))
            .header("Idempotency-Key", &t.key)
            .json(&body);
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let id = id_of(v.pointer(pointer)).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        if self.is_anonymous() {
            return vec![crate::SetupStep::new(
                "credentials",
                crate::StepStatus::NotChecked,
                "anonymous requests (no helpdesk.token) cannot be tested without sending one",
            )];
        }
        match self.http.url("api/v2/users/me.json") {
            Ok(url) => {
                super::probe(
                    &self.http,
                    self.auth(self.http.client.get(url)),
                    "helpdesk.user and helpdesk.token (an API token of an agent)",
                    "its own account",
                )
                .await
            }
            Err(e) => super::setup_failed("reachable", &e.to_string()),
        }
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        if self.is_anonymous() {
            return Ok(None);
        }
        let what = "searching Zendesk for the ticket";
        let mut url = self.http.url("api/v2/tickets.json")?;
        url.query_pairs_mut().append_pair("external_id", &t.key);
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        // External ids need not be unique in Zendesk; take the ticket that carries ours.
        let id = v
            .get("tickets")
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|x| x.get("external_id").and_then(Value::as_str) == Some(&t.key))
            })
            .and_then(|x| id_of(x.get("id")));
        Ok(id.map(|id| self.remote(id)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        if self.is_anonymous() {
            return Ok(None);
        }
        let what = "reading the Zendesk ticket";
        let url = self.http.url(&format!("api/v2/tickets/{}.json", r.id))?;
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(status) = v.pointer("/ticket/status").and_then(Value::as_str) else {
            return Ok(None);
        };
        let url = self
            .http
            .url(&format!("api/v2/tickets/{}/comments.json", r.id))?;
        let comments = self
            .http
            .json(self.auth(self.http.client.get(url)), what)
            .await
            .ok();
        // The first comment is the ticket itself; a reply is a later public one.
        let last = comments
            .as_ref()
            .and_then(|c| c.get("comments"))
            .and_then(Value::as_array)
            .and_then(|c| {
                c.iter()
                    .skip(1)
                    .rev()
                    .find(|x| x.get("public").and_then(Value::as_bool) != Some(false))
            });
        Ok(Some(reply_status(status, last, "/body", "/created_at")))
    }
}
