//! Zammad (`/api/v1/`): one `POST /tickets` creates the ticket with its first article, the
//! attachments inline (base64 `data`). The idempotency key is in the ticket's `note` field and
//! the body's reference line; `GET /tickets/search?query=KEY` finds it (both documented answer
//! shapes are read: the plain one, ticket ids plus `assets.Ticket`, and the expanded list), and
//! the answer is confirmed against the note. Status: `GET /tickets/{id}?expand=true` and
//! `GET /ticket_articles/by_ticket/{id}`. Auth: `Authorization: Token token=…`. The customer is
//! the user's contact e-mail, else `helpdesk.from` (`guess:` creates the customer if needed).

use serde_json::{Value, json};

use super::{b64, id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings, Urgency,
};

/// The Zammad connector.
#[derive(Debug)]
pub struct Zammad {
    http: Http,
    token: Secret,
    group: String,
    from: String,
}

impl Zammad {
    /// From settings: `url`, `token`, `group`, `from`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("zammad")?, s.timeout)?,
            token: Settings::need("zammad", "token", s.token.as_ref())?.clone(),
            group: Settings::need("zammad", "group", s.group.as_ref())?.clone(),
            from: Settings::need("zammad", "from", s.from.as_ref())?.clone(),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header(
            "Authorization",
            format!("Token token={}", self.token.expose()),
        )
    }

    fn remote(&self, v: &Value) -> Option<Remote> {
        let id = id_of(v.get("id"))?;
        let url = self.http.page(&format!("#ticket/zoom/{id}"));
        Some(Remote {
            id: id_of(v.get("number")).unwrap_or(id),
            url,
        })
    }

    /// The tickets of a search answer, in either documented shape.
    fn search_hits(v: &Value) -> Vec<&Value> {
        if let Some(list) = v.as_array() {
            return list.iter().collect();
        }
        let assets = v.pointer("/assets/Ticket");
        v.get("tickets")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id_of(Some(id)))
                    .filter_map(|id| assets.and_then(|a| a.get(&id)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The internal ticket id: from the zoom URL recorded at creation, else `None`.
    fn internal_id(r: &Remote) -> Option<String> {
        let url = r.url.as_deref()?;
        let id = url.rsplit_once("#ticket/zoom/")?.1;
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_owned())
    }

    /// The JSON body of `POST /api/v1/tickets`.
    #[must_use]
    pub fn ticket_body(&self, t: &Outgoing) -> Value {
        let customer = t.requester_email().unwrap_or(&self.from);
        json!({
            "title": t.subject,
            "group": self.group,
            "customer_id": format!("guess:{customer}"),
            "priority": match t.urgency { Urgency::Low => "1 low", Urgency::Normal => "2 normal", Urgency::High => "3 high" },
            "note": format!("Deskside {}", t.key),
            "article": {
                "subject": t.subject,
                "body": t.body,
                "content_type": "text/plain",
                "type": "web",
                "internal": false,
                "attachments": t.attachments.iter().map(|a| json!({
                    "filename": a.name,
                    "data": b64(&a.data),
                    "mime-type": a.content_type,
                })).collect::<Vec<_>>(),
            },
        })
    }
}

impl Connector for Zammad {
    fn kind(&self) -> &'static str {
        "zammad"
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        match self.http.url("api/v1/users/me") {
            Ok(url) => {
                super::probe(
                    &self.http,
                    self.auth(self.http.client.get(url)),
                    "helpdesk.token",
                    "its own account",
                )
                .await
            }
            Err(e) => super::setup_failed("reachable", &e.to_string()),
        }
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the Zammad ticket";
        let rb = self
            .auth(self.http.client.post(self.http.url("api/v1/tickets")?))
            .json(&self.ticket_body(t));
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        self.remote(&v).ok_or_else(|| no_id(what))
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching Zammad for the ticket";
        let mut url = self.http.url("api/v1/tickets/search")?;
        url.query_pairs_mut()
            .append_pair("query", &format!("\"{}\"", t.key))
            .append_pair("expand", "true")
            .append_pair("limit", "5");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let found = Self::search_hits(&v).into_iter().find(|x| {
            x.get("note")
                .and_then(Value::as_str)
                .is_some_and(|n| n.contains(&t.key))
        });
        Ok(found.and_then(|x| self.remote(x)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the Zammad ticket";
        // The ticket by its internal id (no search index needed); an entry recorded without
        // the zoom URL falls back to a search by number.
        let ticket = if let Some(id) = Self::internal_id(r) {
            let mut url = self.http.url(&format!("api/v1/tickets/{id}"))?;
            url.query_pairs_mut().append_pair("expand", "true");
            unwrap_stringified(
                self.http
                    .json(self.auth(self.http.client.get(url)), what)
                    .await?,
            )
        } else {
            let mut url = self.http.url("api/v1/tickets/search")?;
            url.query_pairs_mut()
                .append_pair("query", &format!("number:{}", r.id))
                .append_pair("expand", "true")
                .append_pair("limit", "1");
            let v = unwrap_stringified(
                self.http
                    .json(self.auth(self.http.client.get(url)), what)
                    .await?,
            );
            match Self::search_hits(&v).first() {
                Some(t) => (*t).clone(),
                None => return Ok(None),
            }
        };
        if ticket.get("id").is_none() {
            return Ok(None);
        }
        let state = ticket
            .get("state")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let mut out = RemoteStatus {
            status: state,
            last_reply: None,
            last_reply_at: None,
        };
        if let Some(id) = id_of(ticket.get("id")) {
            let url = self
                .http
                .url(&format!("api/v1/ticket_articles/by_ticket/{id}"))?;
            if let Ok(articles) = self
                .http
                .json(self.auth(self.http.client.get(url)), what)
                .await
            {
                // A reply is a later public article written by an agent (the first article
                // is the user's own).
                let last = articles.as_array().and_then(|a| {
                    a.iter().skip(1).rev().find(|x| {
                        x.get("internal").and_then(Value::as_bool) != Some(true)
                            && x.get("sender")
                                .and_then(Value::as_str)
                                .is_none_or(|s| s == "Agent")
                    })
                });
                out = reply_status(&out.status, last, "/body", "/created_at");
            }
        }
        Ok(Some(out))
    }
}
