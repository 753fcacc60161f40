//! Zendesk Support (`/api/v2/`): attachments are uploaded first (`POST /uploads.json?filename=`,
//! raw bytes, answered with a token), then `POST /tickets.json` creates the ticket with the
//! tokens in its first comment. Duplicates are prevented twice over: the `Idempotency-Key`
//! header (Zendesk replays the first answer for the same key) and `external_id` = key, which
//! `GET /tickets.json?external_id=` finds. Auth: HTTP Basic `{user}/token:{token}`.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::{id_of, no_id, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings, Urgency,
};

/// The Zendesk connector.
#[derive(Debug)]
pub struct Zendesk {
    http: Http,
    user: String,
    token: Secret,
}

impl Zendesk {
    /// From settings: `url` (`https://SUBDOMAIN.zendesk.com/`), `user` (agent e-mail), `token`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("zendesk")?, s.timeout)?,
            user: Settings::need("zendesk", "user", s.user.as_ref())?.clone(),
            token: Settings::need("zendesk", "token", s.token.as_ref())?.clone(),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.basic_auth(format!("{}/token", self.user), Some(self.token.expose()))
    }

    fn remote(&self, id: String) -> Remote {
        let url = self
            .http
            .url(&format!("agent/tickets/{id}"))
            .ok()
            .map(String::from);
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
        if let Some(email) = t.contact_email() {
            ticket["requester"] = json!({ "email": email, "name": email });
        }
        json!({ "ticket": ticket })
    }
}

impl Connector for Zendesk {
    fn kind(&self) -> &'static str {
        "zendesk"
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
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
        let what = "creating the Zendesk ticket";
        let rb = self
            .auth(self.http.client.post(self.http.url("api/v2/tickets.json")?))
            .header("Idempotency-Key", &t.key)
            .json(&Self::ticket_body(t, &tokens));
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let id = id_of(v.pointer("/ticket/id")).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching Zendesk for the ticket";
        let mut url = self.http.url("api/v2/tickets.json")?;
        url.query_pairs_mut().append_pair("external_id", &t.key);
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let id = v
            .get("tickets")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|x| id_of(x.get("id")));
        Ok(id.map(|id| self.remote(id)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
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
        Ok(Some(RemoteStatus {
            status: status.to_owned(),
            last_reply: last
                .and_then(|c| c.get("body"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            last_reply_at: last
                .and_then(|c| c.get("created_at"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }))
    }
}
