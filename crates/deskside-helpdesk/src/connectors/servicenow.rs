//! ServiceNow (Table API and Attachment API): `POST /api/now/table/incident` creates the
//! incident with `correlation_id` = the idempotency key; each file then goes to
//! `POST /api/now/attachment/file?table_name=incident&table_sys_id=…&file_name=…` as raw bytes.
//! `GET /api/now/table/incident?sysparm_query=correlation_id=KEY` finds it again. The Table
//! API ignores a query condition it cannot evaluate (an unknown or unreadable field) and
//! returns rows for the rest, so every row read back is confirmed on the field it was
//! searched by. Auth: HTTP Basic `user:password`.

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use super::{id_of, no_id, unwrap_stringified};
use crate::http::Http;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings, Urgency,
};

/// The ServiceNow connector.
#[derive(Debug)]
pub struct ServiceNow {
    http: Http,
    user: String,
    password: Secret,
}

impl ServiceNow {
    /// From settings: `url` (`https://INSTANCE.service-now.com/`), `user`, `password`.
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("servicenow")?, s.timeout)?,
            user: Settings::need("servicenow", "user", s.user.as_ref())?.clone(),
            password: Settings::need("servicenow", "password", s.password.as_ref())?.clone(),
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.basic_auth(&self.user, Some(self.password.expose()))
            .header("Accept", "application/json")
    }

    fn remote(&self, result: &Value) -> Option<Remote> {
        let number = id_of(result.get("number"))?;
        let sys_id = id_of(result.get("sys_id"))?;
        let url = self
            .http
            .page(&format!("nav_to.do?uri=incident.do%3Fsys_id%3D{sys_id}"));
        Some(Remote { id: number, url })
    }

    /// The JSON body of `POST /api/now/table/incident`.
    #[must_use]
    pub fn incident_body(t: &Outgoing) -> Value {
        let mut body = json!({
            "short_description": t.subject,
            "description": t.body,
            "correlation_id": t.key,
            "correlation_display": "Deskside",
            "contact_type": "self-service",
            "urgency": match t.urgency {
                Urgency::High => "1",
                Urgency::Normal => "2",
                Urgency::Low => "3",
            },
        });
        if let Some(c) = &t.category {
            body["category"] = json!(c);
        }
        body
    }

    /// The first row of a Table API answer whose `field` equals `value`.
    fn row<'v>(v: &'v Value, field: &str, value: &str) -> Option<&'v Value> {
        v.get("result")
            .and_then(Value::as_array)?
            .iter()
            .find(|r| r.get(field).and_then(Value::as_str) == Some(value))
    }

    /// The incident's `sys_id` from its number.
    /// The `sys_user` the incident is for: looked up by the requester's e-mail, then login.
    /// `None` when unknown or not readable (the body names the user either way).
    async fn caller(&self, t: &Outgoing) -> Option<String> {
        let query = match (t.requester_email(), t.requester_login()) {
            (Some(email), _) => format!("email={email}"),
            (None, Some(login)) => format!("user_name={login}"),
            (None, None) => return None,
        };
        // Reference queries are encoded queries: a `^` would add a condition.
        if query.contains('^') {
            return None;
        }
        let mut url = self.http.url("api/now/table/sys_user").ok()?;
        url.query_pairs_mut()
            .append_pair("sysparm_query", &query)
            .append_pair("sysparm_fields", "sys_id")
            .append_pair("sysparm_limit", "1");
        let v = self
            .http
            .json(
                self.auth(self.http.client.get(url)),
                "looking up the ServiceNow caller",
            )
            .await
            .ok()?;
        unwrap_stringified(v)
            .get("result")
            .and_then(Value::as_array)?
            .first()
            .and_then(|r| id_of(r.get("sys_id")))
    }

    async fn sys_id(&self, number: &str) -> Result<String, SendError> {
        let what = "looking up the ServiceNow incident";
        let mut url = self.http.url("api/now/table/incident")?;
        url.query_pairs_mut()
            .append_pair("sysparm_query", &format!("number={number}"))
            .append_pair("sysparm_fields", "sys_id,number")
            .append_pair("sysparm_limit", "1");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        Self::row(&v, "number", number)
            .and_then(|r| id_of(r.get("sys_id")))
            .ok_or_else(|| SendError::transient(format!("{what}: {number} not found"), false))
    }
}

impl Connector for ServiceNow {
    fn kind(&self) -> &'static str {
        "servicenow"
    }

    fn attaches_separately(&self) -> bool {
        true
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "creating the ServiceNow incident";
        let rb = self
            .auth(
                self.http
                    .client
                    .post(self.http.url("api/now/table/incident")?),
            )
            .json(&{
                let mut body = Self::incident_body(t);
                if let Some(caller) = self.caller(t).await {
                    body["caller_id"] = json!(caller);
                }
                body
            });
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        v.get("result")
            .and_then(|r| self.remote(r))
            .ok_or_else(|| no_id(what))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        match self
            .http
            .url("api/now/table/incident?sysparm_limit=1&sysparm_fields=number")
        {
            Ok(url) => {
                super::probe(
                    &self.http,
                    self.auth(self.http.client.get(url)),
                    "helpdesk.user and helpdesk.password",
                    "incidents",
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
        let sys_id = self.sys_id(&r.id).await?;
        for a in &t.attachments {
            let what = format!("attaching {} to the ServiceNow incident", a.name);
            let mut url = self.http.url("api/now/attachment/file")?;
            url.query_pairs_mut()
                .append_pair("table_name", "incident")
                .append_pair("table_sys_id", &sys_id)
                .append_pair("file_name", &a.name);
            let rb = self
                .auth(self.http.client.post(url))
                .header(CONTENT_TYPE, &a.content_type)
                .body(a.data.clone());
            self.http.send(rb, &what).await?;
        }
        Ok(())
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "searching ServiceNow for the incident";
        let mut url = self.http.url("api/now/table/incident")?;
        url.query_pairs_mut()
            .append_pair("sysparm_query", &format!("correlation_id={}", t.key))
            .append_pair("sysparm_fields", "sys_id,number,correlation_id")
            .append_pair("sysparm_limit", "1");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        Ok(Self::row(&v, "correlation_id", &t.key).and_then(|r| self.remote(r)))
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the ServiceNow incident";
        let mut url = self.http.url("api/now/table/incident")?;
        url.query_pairs_mut()
            .append_pair("sysparm_query", &format!("number={}", r.id))
            .append_pair("sysparm_fields", "number,state,comments,sys_updated_on")
            .append_pair("sysparm_display_value", "true")
            .append_pair("sysparm_limit", "1");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(row) = Self::row(&v, "number", &r.id) else {
            return Ok(None);
        };
        let comments = row
            .get("comments")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty());
        Ok(Some(RemoteStatus {
            status: row
                .get("state")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned(),
            last_reply: comments.map(str::to_owned),
            last_reply_at: comments
                .and(row.get("sys_updated_on"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }))
    }
}
