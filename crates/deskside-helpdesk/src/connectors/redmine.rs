//! Redmine 5 over its REST API: each attachment is uploaded first (`POST /uploads.json`,
//! `Content-Type: application/octet-stream`, answered with a token), then one
//! `POST /issues.json` creates the issue with the upload tokens. Auth: `X-Redmine-API-Key`.
//!
//! The idempotency key is written into a custom field: the one whose id is `key_field_id`, or
//! else the one named `key_field`, looked up in `/custom_fields.json` (Redmine lets only
//! administrators list fields, so an ordinary user's key needs `key_field_id`). It is also
//! always in the description's reference line. The search uses the custom-field filter
//! `cf_<id>=KEY` when the field is known, else the description filter `~ KEY`; both include
//! closed issues (`status_id=*`).
//!
//! With `impersonate = true` (and an administrator's key) the issue is filed as the user: every
//! request of the creation carries `X-Redmine-Switch-User: <login>`, after one check that
//! Redmine knows that login (it answers 412 otherwise, and the issue is then filed as the
//! connector's account; the body names the user either way).

use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::{id_of, no_id, reply_status, unwrap_stringified};
use crate::http::Http;
use crate::settings::DEFAULT_KEY_FIELD;
use crate::{
    Connector, HelpdeskError, Outgoing, Remote, RemoteStatus, Secret, SendError, Settings,
};

/// The Redmine connector.
#[derive(Debug)]
pub struct Redmine {
    http: Http,
    project: String,
    api_key: Secret,
    key_field: String,
    /// The key custom field's id from config, when the admin gave it.
    key_field_id: Option<u64>,
    /// The key custom field's id, looked up once (`None`: no such field or not allowed to list).
    field_id: OnceCell<Option<u64>>,
    /// File issues as the requester (`X-Redmine-Switch-User`).
    impersonate: bool,
}

/// Redmine's impersonation header (honoured for administrators' keys only).
const SWITCH_USER: &str = "X-Redmine-Switch-User";

impl Redmine {
    /// From settings: `url`, `project`, `api_key`; `key_field` (default `Deskside Key`).
    ///
    /// # Errors
    /// A missing key.
    pub fn new(s: &Settings) -> Result<Self, HelpdeskError> {
        Ok(Self {
            http: Http::new(s.need_url("redmine")?, s.timeout)?,
            project: Settings::need("redmine", "project", s.project.as_ref())?.clone(),
            api_key: Settings::need("redmine", "api_key", s.api_key.as_ref())?.clone(),
            key_field: s.key_field_or(DEFAULT_KEY_FIELD),
            key_field_id: s.key_field_id,
            field_id: OnceCell::new(),
            impersonate: s.impersonate,
        })
    }

    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header("X-Redmine-API-Key", self.api_key.expose())
    }

    /// The login to file as, when impersonation is on and Redmine knows the user.
    async fn switch_user(&self, t: &Outgoing) -> Result<Option<String>, SendError> {
        let Some(login) = t.requester_login().filter(|_| self.impersonate) else {
            return Ok(None);
        };
        let rb = self
            .auth(self.http.client.get(self.http.url("users/current.json")?))
            .header(SWITCH_USER, login);
        let (status, _) = self
            .http
            .send_raw(rb, "checking the Redmine user to file as")
            .await?;
        if status.is_success() {
            Ok(Some(login.to_owned()))
        } else {
            tracing::warn!(
                status = status.as_u16(),
                "Redmine does not let Deskside file as the user; filing as its own account"
            );
            Ok(None)
        }
    }

    fn remote(&self, id: String) -> Remote {
        let url = self.http.page(&format!("issues/{id}"));
        Remote { id, url }
    }

    /// The custom field's id, if the field exists and the key may list fields.
    async fn field_id(&self) -> Result<Option<u64>, SendError> {
        if let Some(id) = self.key_field_id {
            return Ok(Some(id));
        }
        self.field_id
            .get_or_try_init(|| async {
                let url = self.http.url("custom_fields.json")?;
                match self
                    .http
                    .json(
                        self.auth(self.http.client.get(url)),
                        "listing Redmine custom fields",
                    )
                    .await
                {
                    Ok(v) => Ok(unwrap_stringified(v)
                        .get("custom_fields")
                        .and_then(Value::as_array)
                        .and_then(|fields| {
                            fields.iter().find(|f| {
                                f.get("name").and_then(Value::as_str) == Some(&self.key_field)
                                    && f.get("customized_type").and_then(Value::as_str)
                                        != Some("project")
                            })
                        })
                        .and_then(|f| f.get("id"))
                        .and_then(Value::as_u64)),
                    // Not an administrator's key: fall back to the description search.
                    Err(SendError::Permanent { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .await
            .copied()
    }

    /// The JSON body of `POST /issues.json`.
    #[must_use]
    pub fn issue_body(&self, t: &Outgoing, field_id: Option<u64>, uploads: &[Value]) -> Value {
        let mut issue = json!({
            "project_id": self.project,
            "subject": t.subject,
            "description": t.body,
            "uploads": uploads,
        });
        if let Some(id) = field_id {
            issue["custom_fields"] = json!([{ "id": id, "value": t.key }]);
        }
        json!({ "issue": issue })
    }
}

impl Redmine {
    async fn search(
        &self,
        t: &Outgoing,
        filter: &[(&str, &str)],
    ) -> Result<Option<Remote>, SendError> {
        let what = "searching Redmine for the issue";
        let mut url = self.http.url("issues.json")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("project_id", &self.project)
                .append_pair("status_id", "*")
                .append_pair("limit", "5");
            for (k, v) in filter {
                q.append_pair(k, v);
            }
        }
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let found = v
            .get("issues")
            .and_then(Value::as_array)
            .and_then(|issues| {
                // Filters match substrings: confirm the key is really there.
                issues.iter().find(|i| {
                    i.get("custom_fields")
                        .is_some_and(|cf| cf.to_string().contains(&t.key))
                        || i.get("description")
                            .and_then(Value::as_str)
                            .is_some_and(|d| d.contains(&t.key))
                })
            })
            .and_then(|i| id_of(i.get("id")));
        Ok(found.map(|id| self.remote(id)))
    }
}

impl Connector for Redmine {
    fn kind(&self) -> &'static str {
        "redmine"
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let field_id = self.field_id().await?;
        let switch = self.switch_user(t).await?;
        let as_user = |rb: reqwest::RequestBuilder| match &switch {
            Some(login) => rb.header(SWITCH_USER, login),
            None => rb,
        };
        let mut uploads = Vec::new();
        for a in &t.attachments {
            let what = format!("uploading {} to Redmine", a.name);
            let mut url = self.http.url("uploads.json")?;
            url.query_pairs_mut().append_pair("filename", &a.name);
            let rb = as_user(self.auth(self.http.client.post(url)))
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(a.data.clone());
            let v = unwrap_stringified(self.http.json(rb, &what).await?);
            let token = v
                .pointer("/upload/token")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    SendError::transient(format!("{what}: no upload token in the answer"), false)
                })?;
            uploads.push(json!({
                "token": token,
                "filename": a.name,
                "content_type": a.content_type,
            }));
        }
        let what = "creating the Redmine issue";
        let rb = as_user(self.auth(self.http.client.post(self.http.url("issues.json")?)))
            .json(&self.issue_body(t, field_id, &uploads));
        let v = unwrap_stringified(self.http.json(rb, what).await?);
        let id = id_of(v.pointer("/issue/id")).ok_or_else(|| no_id(what))?;
        Ok(self.remote(id))
    }

    async fn test_setup(&self) -> Vec<crate::SetupStep> {
        use crate::{SetupStep, StepStatus};
        let hint = "helpdesk.api_key (the API key of the account Deskside files as, from its \"My account\" page)";
        let url = match self.http.url("users/current.json") {
            Ok(u) => u,
            Err(e) => return super::setup_failed("reachable", &e.to_string()),
        };
        let (mut steps, me) =
            super::probe_read(&self.http, self.auth(self.http.client.get(url)), hint).await;
        let Some(me) = me else {
            return steps;
        };
        let url = match self.http.url(&format!("projects/{}.json", self.project)) {
            Ok(u) => u,
            Err(e) => return super::setup_failed("permission", &e.to_string()),
        };
        let (project, _) =
            super::probe_read(&self.http, self.auth(self.http.client.get(url)), hint).await;
        steps.push(match project.last() {
            Some(s) if s.step == "credentials" && s.status == StepStatus::Ok => SetupStep::new(
                "permission",
                StepStatus::Ok,
                format!("the account sees the project {:?}", self.project),
            ),
            _ => SetupStep::new(
                "permission",
                StepStatus::Failed,
                format!(
                    "the account cannot see the project {:?}; fix helpdesk.project (the identifier in the project's URL) or make the account a member with a role that may add issues",
                    self.project
                ),
            ),
        });
        if self.impersonate {
            let admin = unwrap_stringified(me)
                .pointer("/user/admin")
                .and_then(Value::as_bool)
                == Some(true);
            steps.push(if admin {
                SetupStep::new("impersonation", StepStatus::Ok, "the key is an administrator's: issues are filed as the user")
            } else {
                SetupStep::new(
                    "impersonation",
                    StepStatus::Failed,
                    "helpdesk.impersonate = true needs an administrator's api_key (Redmine ignores X-Redmine-Switch-User otherwise); use one, or set impersonate = false",
                )
            });
        }
        steps
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        // The custom field first; then the description, because Redmine silently drops a
        // custom-field value when the field is not enabled for the project or tracker.
        if let Some(id) = self.field_id().await?
            && let Some(found) = self.search(t, &[(&format!("cf_{id}"), &t.key)]).await?
        {
            return Ok(Some(found));
        }
        self.search(
            t,
            &[
                ("set_filter", "1"),
                ("f[]", "status_id"),
                ("op[status_id]", "*"),
                ("f[]", "description"),
                ("op[description]", "~"),
                ("v[description][]", &t.key),
            ],
        )
        .await
    }

    async fn status(&self, r: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "reading the Redmine issue";
        let mut url = self.http.url(&format!("issues/{}.json", r.id))?;
        url.query_pairs_mut().append_pair("include", "journals");
        let v = unwrap_stringified(
            self.http
                .json(self.auth(self.http.client.get(url)), what)
                .await?,
        );
        let Some(status) = v.pointer("/issue/status/name").and_then(Value::as_str) else {
            return Ok(None);
        };
        let last = v
            .pointer("/issue/journals")
            .and_then(Value::as_array)
            .and_then(|j| {
                j.iter().rev().find(|e| {
                    e.get("notes")
                        .and_then(Value::as_str)
                        .is_some_and(|n| !n.trim().is_empty())
                        && e.get("private_notes").and_then(Value::as_bool) != Some(true)
                })
            });
        Ok(Some(reply_status(status, last, "/notes", "/created_on")))
    }
}
