//! Jira Service Management (`/rest/servicedeskapi/`): `POST /request` creates the customer
//! request; attachments follow in a second step, `POST /servicedesk/{id}/attachTemporaryFile`
//! (multipart `file`, header `X-Atlassian-Token: no-check`) then
//! `POST /request/{key}/attachment` with the temporary ids. Auth: HTTP Basic `user:token`.
//!
//! The service-desk API can search requests only by summary (`GET /request?searchTerm=`), so
//! the idempotency key is appended to the summary as `[KEY]`; the search then confirms the
//! exact key in the summary it gets back.
//!
//! The request is raised on behalf of the user (`raiseOnBehalfOf`: their mapped e-mail address;
//! Jira Service Management resolves it to the customer, and the API account needs the
//! "raise requests on behalf of" permission).

use serde_json::{Value, json};

use super::{file_part, id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings,
};

/// The JSM connector.
#[derive(Debug)]
pub struct Jsm {
    http: Http,
    user: String,
    token: Secret,
    service_desk_id: String,
    request_type_id: String,
}

impl Jsm {
    /// From settings: `url`, `user`, `token`, `service_desk_id`, `request_type_id`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("jsm")?, s.timeout)?,
            user: Settings::need("jsm", "user", s.user.as_ref())?.clone(),
            token: Settings::need("jsm", "token", s.token.as_ref())?.clone(),
            service_desk_id: Settings::need("jsm", "service_desk_id", s.service_desk_id.as_ref())?
                .clone(),
            request_type_id: Settings::need("jsm", "request_type_id", s.request_type_id.as_ref())?
                .clone(),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.basic_auth(&self.user, Some(self.token.expose()))
            .header("Accept", "application/json")
    }

    /// The summary carrying the key.
    #[must_use]
    pub fn summary(t: &Outgoing) -> String {
        format!("{} [{}]", t.subject, t.key)
    }

    /// The JSON body of `POST /rest/servicedeskapi/request`.
    #[must_use]
    pub fn request_body(&self, t: &Outgoing) -> Value {
        let mut body = json!({
            "serviceDeskId": self.service_desk_id,
            "requestTypeId": self.request_type_id,
            "requestFieldValues": {
                "summary": Self::summary(t),
                "description": t.body,
            },
        });
        if let Some(email) = t.requester_email() {
            body["raiseOnBehalfOf"] = json!(email);
        }
        body
    }

    fn remote_from(v: &Value) -> Option<Remote> {
        let id = id_of(v.get("issueKey")).or_else(|| id_of(v.get("issueId")))?;
        let url = v
            .pointer("/_links/web")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Some(Remote { id, url })
    }
}

impl Connector for Jsm {
    fn kind(&self) -> &'static str {
        "jsm"
    }

    fn attaches_separately(&self) -> bool {
        true
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the Jira Service Management request";
        let rb = self
            .auth(
                self.http
                    .client
                    .post(self.http.url("rest/servicedeskapi/request")?),
            )
            .json(&self.request_body(t));
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        Self::remote_from(&v).ok_or_else(|| no_id(what))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        match self.http.url(&format!(
            "rest/servicedeskapi/servicedesk/{}/requesttype/{}",
            self.service_desk_id, self.request_type_id
        )) {
            Ok(url) => {
                super::probe(
                    &self.http,
                    self.auth(self.http.client.get(url)),
                    "helpdesk.user and helpdesk.token (an Atlassian API token of that account)",
                    "the request type helpdesk.request_type_id of helpdesk.service_desk_id",
                )
                .await
            }
            Err(e) => super::setup_failed("reachable", &e.to_string()),
        }
    }

    async fn attach(&self, r: &Remote, t: &Outgoing) -> Result<(), SendError> {
        if t.attachments.is_empty() {
            return Ok(());
        }
        let what = "uploading attachments to Jira Service Management";
        let mut form = reqwest::multipart::Form::new();
        for a in &t.attachments {
            form = form.part("file", file_part(a)?);
        }
        let url = self.http.url(&format!(
            "rest/servicedeskapi/servicedesk/{}/attachTemporaryFile",
            self.service_desk_id
        ))?;
        let rb = self
            .auth(self.http.client.post(url))
            .header("X-Atlassian-Token", "no-check")
            .multipart(form);
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let ids: Vec<String> = v
            .get("temporaryAttachments")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| id_of(x.get("temporaryAttachmentId")))
                    .collect()
            })
            .unwrap_or_default();
        if ids.is_empty() {
            return Err(SendError::transient(
                format!("{what}: no temporary attachment ids in the answer"),
                false,
            ));
        }
        let what = "attaching files to the Jira Service Management request";
        let url = self
            .http
            .url(&format!("rest/servicedeskapi/request/{}/attachment", r.id))?;
        let rb = self
            .auth(self.http.client.post(url))
            .json(&json!({ "temporaryAttachmentIds": ids, "public": true }));
        self.http.send(rb, what).await.map(|_| ())
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching Jira Service Management for the request";
        let mut url = self.http.url("rest/servicedeskapi/request")?;
        url.query_pairs_mut()
            .append_pair("searchTerm", &t.key)
            .append_pair("requestStatus", "ALL_REQUESTS")
            .append_pair("serviceDeskId", &self.service_desk_id)
            .append_pair("limit", "10");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let found = v
            .get("values")
            .and_then(Value::as_array)
            .and_then(|values| {
                values.iter().find(|r| {
                    r.get("requestFieldValues")
                        .and_then(Value::as_array)
                        .is_some_and(|fields| {
                            fields.iter().any(|f| {
                                f.get("fieldId").and_then(Value::as_str) == Some("summary")
                                    && f.get("value")
                                        .and_then(Value::as_str)
                                        .is_some_and(|s| s.contains(&format!("[{}]", t.key)))
                            })
                        })
                })
            });
        Ok(found.and_then(Self::remote_from))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the Jira Service Management request";
        let url = self
            .http
            .url(&format!("rest/servicedeskapi/request/{}", r.id))?;
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(status) = v.pointer("/currentStatus/status").and_then(Value::as_str) else {
            return Ok(None);
        };
        let mut url = self
            .http
            .url(&format!("rest/servicedeskapi/request/{}/comment", r.id))?;
        url.query_pairs_mut().append_pair("public", "true");
        let comments = self
            .http
            .json(self.auth(self.http.client.get(url)), what)
            .await
            .map(unwrap_stringified)
            .ok();
        let last = comments
            .as_ref()
            .and_then(|c| c.get("values"))
            .and_then(Value::as_array)
            .and_then(|v| v.last());
        Ok(Some(reply_status(
            status,
            last,
            "/body",
            "/created/iso8601",
        )))
    }
}
