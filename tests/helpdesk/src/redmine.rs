//! A private Redmine 5: a Debian multi-tenancy instance whose directory (database copy, files,
//! logs) is a temporary directory, fresh API keys, served by WEBrick as www-data on a loopback
//! port. Issues are read back with admin's API key through the REST API, independently of the
//! connector.

use std::time::Duration;

use serde_json::Value;

use crate::process::{Instance, serve_output};
use crate::{HarnessError, RemoteFile, RemoteTicket, Result, http_client};

const NAME: &str = "Redmine";
/// The project tickets go to.
pub const PROJECT: &str = "it-support";
/// The custom field holding the connector's idempotency key.
pub const KEY_FIELD: &str = "Deskside Key";

/// A running (or stopped) private Redmine.
#[derive(Debug)]
pub struct Redmine {
    server: Instance,
    api_key: String,
    admin_key: String,
    cf_id: u64,
}

impl Redmine {
    /// Prepares a private Redmine instance and starts it (Rails boots in ~5 s).
    ///
    /// # Errors
    /// [`HarnessError`] when preparing or starting fails, or the port is taken.
    pub fn start() -> Result<Self> {
        let (server, out) = Instance::prepare(NAME, "redmine", Duration::from_secs(120))?;
        let cf_id = server
            .credential(&out, "cf_id")?
            .parse()
            .map_err(|_| HarnessError::Setup {
                server: NAME,
                detail: format!("custom field id is not a number: {out}"),
            })?;
        let mut this = Self {
            api_key: server.credential(&out, "api_key")?,
            admin_key: server.credential(&out, "admin_key")?,
            cf_id,
            server,
        };
        this.restart()?;
        Ok(this)
    }

    crate::process::instance_methods!("Redmine");

    /// The connector's API key (user `deskside`, Reporter in `it-support`).
    #[must_use]
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// Id of the "Deskside Key" issue custom field.
    #[must_use]
    pub const fn key_field_id(&self) -> u64 {
        self.cf_id
    }

    /// The administrator's API key (for a connector that files as the user).
    #[must_use]
    pub fn admin_key(&self) -> &str {
        &self.admin_key
    }

    /// Creates an active user `login` (e-mail `mail`) with the Reporter role in the project,
    /// through the REST API as admin.
    ///
    /// # Errors
    /// [`HarnessError`] when Redmine refuses.
    pub fn add_reporter(&self, login: &str, mail: &str) -> Result<u64> {
        let user = self.post(
            "users.json",
            &serde_json::json!({"user": {
                "login": login, "firstname": "Jane", "lastname": "Doe", "mail": mail,
                "password": "Deskside-test-1234", "status": 1,
            }}),
        )?;
        let id = user["user"]["id"]
            .as_u64()
            .ok_or_else(|| HarnessError::Api {
                server: NAME,
                detail: format!("no user id in {user}"),
            })?;
        let roles = self.get("roles.json")?;
        let reporter = roles["roles"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["name"] == "Reporter"))
            .and_then(|r| r["id"].as_u64())
            .ok_or_else(|| HarnessError::Api {
                server: NAME,
                detail: format!("no Reporter role in {roles}"),
            })?;
        self.post(
            &format!("projects/{PROJECT}/memberships.json"),
            &serde_json::json!({"membership": {"user_id": id, "role_ids": [reporter]}}),
        )?;
        Ok(id)
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        let url = format!("{}{path}", self.url());
        let resp = http_client()?
            .post(&url)
            .header("X-Redmine-API-Key", &self.admin_key)
            .json(body)
            .send()?;
        let status = resp.status();
        let text = resp.text()?;
        if !status.is_success() {
            return Err(HarnessError::Api {
                server: NAME,
                detail: format!("POST {url}: {status}: {text}"),
            });
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The `[helpdesk]` config section for the connector, sending to `url`.
    #[must_use]
    pub fn helpdesk_toml(&self, url: &str, timeout_s: u64) -> String {
        format!(
            "[helpdesk]\nkind = \"redmine\"\nurl = \"{url}\"\nproject = \"{PROJECT}\"\n\
             api_key = \"{}\"\nkey_field = \"{KEY_FIELD}\"\nkey_field_id = {}\n\
             timeout_s = {timeout_s}\n",
            self.api_key, self.cf_id
        )
    }

    fn get_bytes(&self, url: &str) -> Result<Vec<u8>> {
        let resp = http_client()?
            .get(url)
            .header("X-Redmine-API-Key", &self.admin_key)
            .send()?;
        let status = resp.status();
        let bytes = resp.bytes()?.to_vec();
        if !status.is_success() {
            return Err(HarnessError::Api {
                server: NAME,
                detail: format!("GET {url}: {status}: {}", String::from_utf8_lossy(&bytes)),
            });
        }
        Ok(bytes)
    }

    fn get(&self, path_and_query: &str) -> Result<Value> {
        let url = format!("{}{path_and_query}", self.url());
        let bytes = self.get_bytes(&url)?;
        serde_json::from_slice(&bytes).map_err(|e| HarnessError::Api {
            server: NAME,
            detail: format!("GET {url}: not JSON ({e})"),
        })
    }

    /// Ids of the issues that carry `key` (any status): in the "Deskside Key" custom field or
    /// in the description's reference line. Counted over every issue of the project, not
    /// through a filter, so a duplicate cannot hide from a filter that matches differently.
    ///
    /// # Errors
    /// [`HarnessError`] when the listing fails.
    pub fn tickets_with_key(&self, key: &str) -> Result<Vec<u64>> {
        Ok(self
            .issues("")?
            .iter()
            .filter(|i| {
                cf_value(i, self.cf_id).as_deref() == Some(key)
                    || i["description"].as_str().is_some_and(|d| d.contains(key))
            })
            .filter_map(|i| i["id"].as_u64())
            .collect())
    }

    /// Ids of the issues Redmine's own custom-field filter (`cf_ID=key`) finds.
    ///
    /// # Errors
    /// [`HarnessError`] when the search fails.
    pub fn tickets_with_key_field(&self, key: &str) -> Result<Vec<u64>> {
        let filter = format!("&cf_{}={}", self.cf_id, crate::rt::urlencode(key));
        Ok(self
            .issues(&filter)?
            .iter()
            .filter(|i| cf_value(i, self.cf_id).as_deref() == Some(key))
            .filter_map(|i| i["id"].as_u64())
            .collect())
    }

    /// Every issue's "Deskside Key" (one entry per issue).
    ///
    /// # Errors
    /// [`HarnessError`] when the listing fails.
    pub fn all_keys(&self) -> Result<Vec<Option<String>>> {
        Ok(self
            .issues("")?
            .iter()
            .map(|i| cf_value(i, self.cf_id))
            .collect())
    }

    fn issues(&self, filter: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        loop {
            let v = self.get(&format!(
                "issues.json?project_id={PROJECT}&status_id=*&limit=100&offset={}{filter}",
                out.len()
            ))?;
            let items = v["issues"].as_array().cloned().unwrap_or_default();
            let total = v["total_count"].as_u64().unwrap_or(0);
            let empty = items.is_empty();
            out.extend(items);
            if empty || out.len() as u64 >= total {
                return Ok(out);
            }
        }
    }

    /// Reads issue `id` back: subject, description, key, attached files (downloaded).
    ///
    /// # Errors
    /// [`HarnessError`] when a request fails.
    pub fn ticket(&self, id: u64) -> Result<RemoteTicket> {
        let v = self.get(&format!("issues/{id}.json?include=attachments"))?;
        let issue = &v["issue"];
        let mut files = Vec::new();
        for a in issue["attachments"].as_array().cloned().unwrap_or_default() {
            let url = a["content_url"].as_str().unwrap_or_default().to_owned();
            files.push(RemoteFile {
                name: a["filename"].as_str().unwrap_or_default().to_owned(),
                content_type: a["content_type"].as_str().unwrap_or_default().to_owned(),
                data: self.get_bytes(&url)?,
            });
        }
        Ok(RemoteTicket {
            id,
            subject: issue["subject"].as_str().unwrap_or_default().to_owned(),
            body: issue["description"].as_str().unwrap_or_default().to_owned(),
            key: cf_value(issue, self.cf_id),
            requester: match issue["author"]["id"].as_u64() {
                Some(author) => self.get(&format!("users/{author}.json"))?["user"]["login"]
                    .as_str()
                    .map(str::to_owned),
                None => None,
            },
            files,
        })
    }
}

impl Drop for Redmine {
    fn drop(&mut self) {
        self.stop();
        // The instance link under /var/lib/redmine points into our temporary directory.
        let _ = serve_output(NAME, &["redmine-cleanup".into(), self.server.dir().into()]);
    }
}

fn cf_value(issue: &Value, cf_id: u64) -> Option<String> {
    issue["custom_fields"]
        .as_array()?
        .iter()
        .find(|cf| cf["id"].as_u64() == Some(cf_id))
        .and_then(|cf| cf["value"].as_str())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}
