//! Freshservice (`/api/v2/`): one `POST /tickets` creates the ticket; with attachments the body
//! is `multipart/form-data` (`attachments[]` parts), as Freshservice requires. The idempotency
//! key goes into a ticket custom field (`key_field`, default `deskside_key`, which the admin
//! creates) and `GET /tickets/filter?query="deskside_key:'KEY'"` finds it. The filter endpoint
//! reads a search index and does not accept every custom-field type, so when it finds nothing
//! or refuses the query, the requester's own tickets (`GET /tickets?email=`, newest first) are
//! checked for the key as well. Auth: HTTP Basic `api_key:X`. The requester is the user's
//! contact e-mail, else `helpdesk.from`.

use serde_json::Value;

use super::{file_part, html_body, id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings, Urgency,
};

/// Default name of the custom field holding the key.
pub const DEFAULT_FIELD: &str = "deskside_key";

/// The Freshservice connector.
#[derive(Debug)]
pub struct Freshservice {
    http: Http,
    api_key: Secret,
    from: String,
    field: String,
}

impl Freshservice {
    /// From settings: `url`, `api_key`, `from` (fallback requester); `key_field`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("freshservice")?, s.timeout)?,
            api_key: Settings::need("freshservice", "api_key", s.api_key.as_ref())?.clone(),
            from: Settings::need("freshservice", "from", s.from.as_ref())?.clone(),
            field: s.key_field_or(DEFAULT_FIELD),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.basic_auth(self.api_key.expose(), Some("X"))
    }

    fn remote(&self, id: String) -> Remote {
        let url = self.http.page(&format!("helpdesk/tickets/{id}"));
        Remote { id, url }
    }

    /// The requester's e-mail: the user's mapped address or contact, else `helpdesk.from`.
    fn requester<'a>(&'a self, t: &'a Outgoing) -> &'a str {
        t.requester_email().unwrap_or(&self.from)
    }

    /// The ticket in `tickets` whose key field holds `key`.
    fn matching(&self, tickets: Option<&Value>, key: &str) -> Option<Remote> {
        tickets
            .and_then(Value::as_array)?
            .iter()
            .find(|x| {
                x.get("custom_fields")
                    .and_then(|c| c.get(&self.field))
                    .and_then(Value::as_str)
                    == Some(key)
            })
            .and_then(|x| id_of(x.get("id")))
            .map(|id| self.remote(id))
    }

    /// The form fields of `POST /api/v2/tickets` (without the files).
    #[must_use]
    pub fn fields(&self, t: &Outgoing) -> Vec<(String, String)> {
        let priority = match t.urgency {
            Urgency::Low => "1",
            Urgency::Normal => "2",
            Urgency::High => "3",
        };
        vec![
            ("subject".into(), t.subject.clone()),
            ("description".into(), html_body(&t.body)),
            ("email".into(), self.requester(t).to_owned()),
            ("priority".into(), priority.into()),
            ("status".into(), "2".into()),
            ("source".into(), "2".into()),
            (format!("custom_fields[{}]", self.field), t.key.clone()),
        ]
    }
}

impl Connector for Freshservice {
    fn kind(&self) -> &'static str {
        "freshservice"
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        match self.http.url("api/v2/tickets?per_page=1") {
            Ok(url) => {
                super::probe(
                    &self.http,
                    self.auth(self.http.client.get(url)),
                    "helpdesk.api_key",
                    "tickets",
                )
                .await
            }
            Err(e) => super::setup_failed("reachable", &e.to_string()),
        }
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the Freshservice ticket";
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in self.fields(t) {
            form = form.text(k, v);
        }
        for a in &t.attachments {
            form = form.part("attachments[]", file_part(a)?);
        }
        let rb = self
            .auth(self.http.client.post(self.http.url("api/v2/tickets")?))
            .multipart(form);
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let id = id_of(v.pointer("/ticket/id")).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching Freshservice for the ticket";
        let mut url = self.http.url("api/v2/tickets/filter")?;
        url.query_pairs_mut()
            .append_pair("query", &format!("\"{}:'{}'\"", self.field, t.key));
        match self
            .http
            .json(self.auth(self.http.client.get(url)), what)
            .await
        {
            Ok(v) => {
                if let Some(found) = self.matching(unwrap_stringified(v).get("tickets"), &t.key) {
                    return Ok(Some(found));
                }
            }
            // A refused filter (the field's type cannot be filtered, say) is not an answer;
            // the list below still is. Transient failures are reported as they are.
            Err(SendError::Permanent { .. }) => {}
            Err(e) => return Err(e),
        }
        // The filter reads a search index that may lag behind a ticket created seconds ago;
        // the requester's ticket list does not.
        let what = "listing the requester's Freshservice tickets";
        let mut url = self.http.url("api/v2/tickets")?;
        url.query_pairs_mut()
            .append_pair("email", self.requester(t))
            .append_pair("per_page", "100");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        Ok(self.matching(v.get("tickets"), &t.key))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the Freshservice ticket";
        let url = self.http.url(&format!("api/v2/tickets/{}", r.id))?;
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(code) = v.pointer("/ticket/status").and_then(Value::as_u64) else {
            return Ok(None);
        };
        let status = match code {
            2 => "open",
            3 => "pending",
            4 => "resolved",
            5 => "closed",
            _ => "unknown",
        };
        let url = self
            .http
            .url(&format!("api/v2/tickets/{}/conversations", r.id))?;
        let conv = self
            .http
            .json(self.auth(self.http.client.get(url)), what)
            .await
            .ok();
        let last = conv
            .as_ref()
            .and_then(|c| c.get("conversations"))
            .and_then(Value::as_array)
            .and_then(|c| {
                // A reply is a public conversation from the service desk, not the user's own
                // e-mail (`incoming`).
                c.iter().rev().find(|x| {
                    x.get("private").and_then(Value::as_bool) != Some(true)
                        && x.get("incoming").and_then(Value::as_bool) != Some(true)
                })
            });
        Ok(Some(reply_status(
            status,
            last,
            "/body_text",
            "/created_at",
        )))
    }
}
