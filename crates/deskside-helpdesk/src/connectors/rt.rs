//! Request Tracker 5 over REST2 (`/REST/2.0/`): one `POST /ticket` carries the ticket, the
//! idempotency key in a custom field and the attachments (base64 in JSON); `GET /tickets` with
//! TicketSQL `CF.{Deskside Key} = 'KEY'` finds it again. Auth: `Authorization: token …`
//! (an `RT::AuthToken`). The custom field must exist and apply to the queue. The requester
//! (`Requestor`) is the user's mapped e-mail address (RT creates the user if needed), else the
//! contact they gave.

use reqwest::header::AUTHORIZATION;
use serde_json::{Value, json};

use super::{b64, id_of, no_id, unwrap_stringified};
use crate::http::Http;
use crate::settings::DEFAULT_KEY_FIELD;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings,
};

/// The RT connector.
#[derive(Debug)]
pub struct Rt {
    http: Http,
    queue: String,
    token: Secret,
    key_field: String,
}

impl Rt {
    /// From settings: `url`, `queue`, `token`; `key_field` (default `Deskside Key`).
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("rt")?, s.timeout)?,
            queue: Settings::need("rt", "queue", s.queue.as_ref())?.clone(),
            token: Settings::need("rt", "token", s.token.as_ref())?.clone(),
            key_field: s.key_field_or(DEFAULT_KEY_FIELD),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header(AUTHORIZATION, format!("token {}", self.token.expose()))
    }

    fn remote(&self, id: String) -> Remote {
        let url = self.http.page(&format!("Ticket/Display.html?id={id}"));
        Remote { id, url }
    }

    /// The JSON body of `POST /REST/2.0/ticket`.
    #[must_use]
    pub fn create_body(&self, t: &Outgoing) -> Value {
        let mut body = json!({
            "Queue": self.queue,
            "Subject": t.subject,
            "Content": t.body,
            "ContentType": "text/plain",
            "CustomFields": { self.key_field.clone(): t.key },
            "Attachments": t.attachments.iter().map(|a| json!({
                "FileName": a.name,
                "FileType": a.content_type,
                "FileContent": b64(&a.data),
            })).collect::<Vec<_>>(),
        });
        if let Some(email) = t.requester_email() {
            body["Requestor"] = json!(email);
        }
        if t.urgency == crate::Urgency::High {
            // RT's default priority scale: 0 low .. 100 high; "high" is what agents filter on.
            body["Priority"] = json!(75);
        }
        body
    }
}

impl Connector for Rt {
    fn kind(&self) -> &'static str {
        "rt"
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the RT ticket";
        let rb = self
            .auth(self.http.client.post(self.http.url("REST/2.0/ticket")?))
            .json(&self.create_body(t));
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let id = id_of(v.get("id")).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        let mut url = match self.http.url("REST/2.0/queues/all") {
            Ok(u) => u,
            Err(e) => return super::setup_failed("reachable", &e.to_string()),
        };
        url.query_pairs_mut().append_pair("fields", "Name");
        let (mut steps, answer) = super::probe_read(
            &self.http,
            self.auth(self.http.client.get(url)),
            "helpdesk.token (an RT auth token of the account Deskside files as)",
        )
        .await;
        if let Some(v) = answer {
            let names: Vec<String> = unwrap_stringified(v)
                .get("items")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|q| q.get("Name").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            steps.push(if names.iter().any(|n| n == &self.queue) {
                crate::SetupStep::new(
                    "permission",
                    crate::StepStatus::Ok,
                    format!("the account sees the queue {:?}", self.queue),
                )
            } else {
                crate::SetupStep::new(
                    "permission",
                    crate::StepStatus::Failed,
                    format!(
                        "the account cannot see the queue {:?} (it sees: {}); fix helpdesk.queue, or grant the account SeeQueue and CreateTicket on it in RT",
                        self.queue,
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    ),
                )
            });
        }
        steps
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching RT for the ticket";
        let query = format!("CF.{{{}}} = '{}'", self.key_field.replace('\'', ""), t.key);
        let mut url = self.http.url("REST/2.0/tickets")?;
        url.query_pairs_mut()
            .append_pair("query", &query)
            .append_pair("fields", "id");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let first = v
            .get("items")
            .and_then(Value::as_array)
            .and_then(|items| items.first())
            .and_then(|i| id_of(i.get("id")));
        Ok(first.map(|id| self.remote(id)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the RT ticket";
        let url = self.http.url(&format!("REST/2.0/ticket/{}", r.id))?;
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(status) = v.get("Status").and_then(Value::as_str) else {
            return Ok(None);
        };
        let mut out = RemoteStatus {
            status: status.to_owned(),
            last_reply: None,
            last_reply_at: None,
        };
        // The last correspondence: the history lists transactions; the newest Correspond one
        // carries the reply in its attachments.
        let mut url = self
            .http
            .url(&format!("REST/2.0/ticket/{}/history", r.id))?;
        url.query_pairs_mut()
            .append_pair("fields", "Type,Created")
            .append_pair("per_page", "100");
        if let Ok(h) = self
            .http
            .json(self.auth(self.http.client.get(url)), what)
            .await
        {
            let last = unwrap_stringified(h)
                .get("items")
                .and_then(Value::as_array)
                .and_then(|items| {
                    items
                        .iter()
                        .rev()
                        .find(|i| i.get("Type").and_then(Value::as_str) == Some("Correspond"))
                        .cloned()
                });
            if let Some(tx) = last {
                out.last_reply_at = tx.get("Created").and_then(Value::as_str).map(str::to_owned);
                if let Some(id) = id_of(tx.get("id")) {
                    out.last_reply = self.transaction_text(&id).await;
                }
            }
        }
        Ok(Some(out))
    }
}

impl Rt {
    async fn transaction_text(&self, tx: &str) -> Option<String> {
        let mut url = self
            .http
            .url(&format!("REST/2.0/transaction/{tx}/attachments"))
            .ok()?;
        url.query_pairs_mut()
            .append_pair("fields", "ContentType,Content");
        let v = self
            .http
            .json(self.auth(self.http.client.get(url)), "reading the RT reply")
            .await
            .ok()?;
        let items = v.get("items")?.as_array()?;
        let part = items
            .iter()
            .find(|i| i.get("ContentType").and_then(Value::as_str) == Some("text/plain"))?;
        Some(reply_text(part.get("Content")?.as_str()?))
    }
}

/// A reply's text from an attachment's `Content`: RT 5.0's collection endpoint gives it as
/// it is (measured on RT 5.0.3: `fields=Content` answers the plain text), other versions in
/// base64. Text with anything outside the base64 alphabet is taken as it is; otherwise the
/// base64 reading is used when it is UTF-8 text.
fn reply_text(content: &str) -> String {
    use base64::Engine as _;
    let compact: String = content
        .chars()
        .filter(|c| !matches!(c, '\n' | '\r'))
        .collect();
    let base64ish = !compact.is_empty()
        && compact
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if base64ish
        && let Some(text) = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    {
        return text.trim().to_owned();
    }
    content.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::reply_text;

    #[test]
    fn replies_are_read_plain_or_base64() {
        assert_eq!(reply_text("Reply from IT\n"), "Reply from IT");
        assert_eq!(reply_text("UmVwbHkgZnJvbSBJVA=="), "Reply from IT");
        assert_eq!(reply_text("UmVwbHkg\nZnJvbSBJVA=="), "Reply from IT");
        // A one-word reply that happens to be valid base64 but not text stays as written.
        assert_eq!(reply_text("Done"), "Done");
        assert_eq!(reply_text(""), "");
    }
}
