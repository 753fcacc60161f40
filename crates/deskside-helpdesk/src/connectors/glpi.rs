//! GLPI (REST `apirest.php`): every exchange opens a session (`GET /initSession` with
//! `Authorization: user_token …` and the `App-Token`), creates the ticket
//! (`POST /Ticket` with `externalid` = the idempotency key), and closes the session. Each file
//! is uploaded as a Document (`POST /Document`, multipart with an `uploadManifest` JSON part
//! and a `filename[0]` file part), then linked to the ticket with
//! `POST /Document_Item` (`documents_id`, `itemtype = Ticket`, `items_id`).
//! `GET /Ticket?searchText[externalid]=KEY` finds a ticket again (the match is confirmed on
//! `externalid`: `searchText` is a "contains" filter). Every JSON request carries
//! `Content-Type: application/json`, as the API documentation asks of all calls.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::{file_part, id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings, Urgency,
};

/// The GLPI connector.
#[derive(Debug)]
pub struct Glpi {
    http: Http,
    user_token: Secret,
    app_token: Option<Secret>,
}

/// An open API session, closed on drop of the exchange (best effort).
struct Session(String);

impl Glpi {
    /// From settings: `url` (the GLPI root; the API is `apirest.php` under it), `token` (the
    /// user's API token), `app_token` (if the API client needs one).
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("glpi")?, s.timeout)?,
            user_token: Settings::need("glpi", "token", s.token.as_ref())?.clone(),
            app_token: s.app_token.clone(),
        })
    }

    /// Headers of a JSON call: `Content-Type` and the `App-Token` if configured.
    fn app(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.app_only(rb.header(CONTENT_TYPE, "application/json"))
    }

    /// The `App-Token` alone, for multipart uploads (reqwest sets their `Content-Type`).
    fn app_only(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.app_token {
            Some(t) => rb.header("App-Token", t.expose()),
            None => rb,
        }
    }

    fn with(&self, s: &Session, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        self.app(rb).header("Session-Token", &s.0)
    }

    async fn open(&self) -> Result<Session, SendError> {
        let what = "opening a GLPI session";
        let rb = self
            .app(
                self.http
                    .client
                    .get(self.http.url("apirest.php/initSession")?),
            )
            .header(
                "Authorization",
                format!("user_token {}", self.user_token.expose()),
            );
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let token = v
            .get("session_token")
            .and_then(Value::as_str)
            .ok_or_else(|| SendError::transient(format!("{what}: no session token"), false))?;
        Ok(Session(token.to_owned()))
    }

    async fn close(&self, s: Session) {
        if let Ok(url) = self.http.url("apirest.php/killSession") {
            let _ = self
                .http
                .send(
                    self.with(&s, self.http.client.get(url)),
                    "closing the GLPI session",
                )
                .await;
        }
    }

    fn remote(&self, id: String) -> Remote {
        let url = self.http.page(&format!("front/ticket.form.php?id={id}"));
        Remote { id, url }
    }

    /// The JSON body of `POST /apirest.php/Ticket`.
    #[must_use]
    pub fn ticket_body(t: &Outgoing) -> Value {
        let mut body = json!({
            "input": {
                "name": t.subject,
                "content": t.body,
                "urgency": match t.urgency { Urgency::Low => 2, Urgency::Normal => 3, Urgency::High => 4 },
                "type": 1,
                "externalid": t.key,
            }
        });
        // GLPI's requester by e-mail: an anonymous requester (user 0) with the address that
        // gets the follow-ups.
        if let Some(email) = t.requester_email() {
            body["input"]["_users_id_requester"] = json!(0);
            body["input"]["_users_id_requester_notif"] =
                json!({ "use_notification": 1, "alternative_email": [email] });
        }
        body
    }

    /// The `uploadManifest` part of `POST /apirest.php/Document`.
    #[must_use]
    pub fn manifest(name: &str) -> Value {
        json!({ "input": { "name": name, "_filename": [name] } })
    }

    /// The JSON body of `POST /apirest.php/Document_Item` linking a document to a ticket.
    #[must_use]
    pub fn link_body(document_id: &str, ticket_id: &str) -> Value {
        let num = |s: &str| s.parse::<u64>().map_or_else(|_| json!(s), |n| json!(n));
        json!({
            "input": {
                "documents_id": num(document_id),
                "itemtype": "Ticket",
                "items_id": num(ticket_id),
            }
        })
    }

    /// Uploads one file as a Document and links it to the ticket.
    async fn attach_one(
        &self,
        s: &Session,
        ticket_id: &str,
        a: &deskside_evidence::Attachment,
    ) -> Result<(), SendError> {
        let what = format!("uploading {} to GLPI", a.name);
        let manifest = reqwest::multipart::Part::text(Self::manifest(&a.name).to_string())
            .mime_str("application/json")
            .map_err(|e| SendError::permanent(format!("{what}: {e}")))?;
        let form = reqwest::multipart::Form::new()
            .part("uploadManifest", manifest)
            .part("filename[0]", file_part(a)?);
        let rb = self
            .app_only(
                self.http
                    .client
                    .post(self.http.url("apirest.php/Document")?),
            )
            .header("Session-Token", &s.0)
            .multipart(form);
        let v = unwrap_stringified(self.http.json(rb, &what).await?);
        let doc = id_of(v.get("id")).ok_or_else(|| {
            SendError::transient(format!("{what}: the answer had no document id"), false)
        })?;
        let what = format!("linking {} to the GLPI ticket", a.name);
        let rb = self
            .with(
                s,
                self.http
                    .client
                    .post(self.http.url("apirest.php/Document_Item")?),
            )
            .json(&Self::link_body(&doc, ticket_id));
        self.http.send(rb, &what).await?;
        Ok(())
    }
}

impl Connector for Glpi {
    fn kind(&self) -> &'static str {
        "glpi"
    }

    fn attaches_separately(&self) -> bool {
        true
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the GLPI ticket";
        let s = self.open().await?;
        let result = match self.http.url("apirest.php/Ticket") {
            Ok(url) => {
                let rb = self
                    .with(&s, self.http.client.post(url))
                    .json(&Self::ticket_body(t));
                self.http.json(rb, what).await
            }
            Err(e) => Err(e),
        };
        self.close(s).await;
        let v = unwrap_stringified(result?);
        let id = id_of(v.get("id")).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        use crate::{SetupStep, StepStatus};
        match self.open().await {
            Ok(s) => {
                self.close(s).await;
                vec![
                    SetupStep::new("reachable", StepStatus::Ok, "GLPI answered"),
                    SetupStep::new("credentials", StepStatus::Ok, "a session was opened"),
                ]
            }
            Err(e) if e.is_unreachable() => super::setup_failed(
                "reachable",
                &format!("{e}; check helpdesk.url (GLPI's address, without apirest.php)"),
            ),
            Err(e) => super::setup_failed(
                "credentials",
                &format!("{e}; check helpdesk.token (the user's API token) and helpdesk.app_token"),
            ),
        }
    }

    async fn attach(&self, r: &Remote, t: &Outgoing) -> Result<(), SendError> {
        if t.attachments.is_empty() {
            return Ok(());
        }
        let s = self.open().await?;
        let mut result = Ok(());
        for a in &t.attachments {
            result = self.attach_one(&s, &r.id, a).await;
            if result.is_err() {
                break;
            }
        }
        self.close(s).await;
        result
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching GLPI for the ticket";
        let s = self.open().await?;
        let result = match self.http.url("apirest.php/Ticket") {
            Ok(mut url) => {
                url.query_pairs_mut()
                    .append_pair("searchText[externalid]", &t.key)
                    .append_pair("range", "0-4");
                self.http
                    .json(self.with(&s, self.http.client.get(url)), what)
                    .await
            }
            Err(e) => Err(e),
        };
        self.close(s).await;
        let v = unwrap_stringified(result?);
        let id = v
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|x| x.get("externalid").and_then(Value::as_str) == Some(t.key.as_str()))
            })
            .and_then(|x| id_of(x.get("id")));
        Ok(id.map(|id| self.remote(id)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the GLPI ticket";
        let s = self.open().await?;
        let ticket = match self.http.url(&format!("apirest.php/Ticket/{}", r.id)) {
            Ok(url) => {
                self.http
                    .json(self.with(&s, self.http.client.get(url)), what)
                    .await
            }
            Err(e) => Err(e),
        };
        let followups = match self
            .http
            .url(&format!("apirest.php/Ticket/{}/ITILFollowup", r.id))
        {
            Ok(url) => self
                .http
                .json(self.with(&s, self.http.client.get(url)), what)
                .await
                .ok(),
            Err(_) => None,
        };
        self.close(s).await;
        let Some(code) = unwrap_stringified(ticket?)
            .get("status")
            .and_then(Value::as_u64)
        else {
            return Ok(None);
        };
        let status = match code {
            1 => "new",
            2 | 3 => "processing",
            4 => "pending",
            5 => "solved",
            6 => "closed",
            _ => "unknown",
        };
        let last = followups.as_ref().and_then(Value::as_array).and_then(|f| {
            f.iter()
                .rev()
                .find(|x| x.get("is_private").and_then(Value::as_u64) != Some(1))
        });
        Ok(Some(reply_status(status, last, "/content", "/date")))
    }
}
