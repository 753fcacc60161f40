//! A private Request Tracker 5: its own copy of the template database (custom field
//! "Deskside Key" on queue General, user `deskside`), fresh REST2 tokens, `rt-server` on a
//! loopback port. Tickets are read back with root's token through REST2, independently of the
//! connector.

use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use crate::process::Instance;
use crate::{HarnessError, RemoteFile, RemoteTicket, Result, http_client};

const NAME: &str = "Request Tracker";
/// The custom field holding the connector's idempotency key.
pub const KEY_FIELD: &str = "Deskside Key";

/// A running (or stopped) private RT.
#[derive(Debug)]
pub struct Rt {
    server: Instance,
    connector_token: String,
    admin_token: String,
}

impl Rt {
    /// Prepares a private RT and starts it.
    ///
    /// # Errors
    /// [`HarnessError`] when preparing or starting fails, or the port is taken.
    pub fn start() -> Result<Self> {
        let (server, out) = Instance::prepare(NAME, "rt", Duration::from_secs(60))?;
        let mut this = Self {
            connector_token: server.credential(&out, "connector_token")?,
            admin_token: server.credential(&out, "admin_token")?,
            server,
        };
        this.restart()?;
        Ok(this)
    }

    crate::process::instance_methods!("Rt");

    /// The connector's token (user `deskside`: create and see tickets in General).
    #[must_use]
    pub fn connector_token(&self) -> &str {
        &self.connector_token
    }

    /// The `[helpdesk]` config section for the connector, sending to `url` (this server or a
    /// proxy in front of it).
    #[must_use]
    pub fn helpdesk_toml(&self, url: &str, timeout_s: u64) -> String {
        format!(
            "[helpdesk]\nkind = \"rt\"\nurl = \"{url}\"\nqueue = \"General\"\ntoken = \"{}\"\n\
             key_field = \"{KEY_FIELD}\"\ntimeout_s = {timeout_s}\n",
            self.connector_token
        )
    }

    fn get(&self, path_and_query: &str) -> Result<Value> {
        let url = format!("{}REST/2.0/{path_and_query}", self.url());
        let resp = http_client()?
            .get(&url)
            .header("Authorization", format!("token {}", self.admin_token))
            .send()?;
        let status = resp.status();
        let text = resp.text()?;
        if !status.is_success() {
            return Err(HarnessError::Api {
                server: NAME,
                detail: format!("GET {url}: {status}: {text}"),
            });
        }
        serde_json::from_str(&text).map_err(|e| HarnessError::Api {
            server: NAME,
            detail: format!("GET {url}: not JSON ({e}): {text}"),
        })
    }

    fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> Result<()> {
        let url = format!("{}REST/2.0/{path}", self.url());
        let resp = http_client()?
            .request(method.clone(), &url)
            .header("Authorization", format!("token {}", self.admin_token))
            .json(body)
            .send()?;
        let status = resp.status();
        if !status.is_success() {
            return Err(HarnessError::Api {
                server: NAME,
                detail: format!(
                    "{method} {url}: {status}: {}",
                    resp.text().unwrap_or_default()
                ),
            });
        }
        Ok(())
    }

    /// A technician's reply to the requester on ticket `id` (a Correspond transaction).
    ///
    /// # Errors
    /// [`HarnessError`] when RT refuses it.
    pub fn reply(&self, id: u64, text: &str) -> Result<()> {
        self.send(
            reqwest::Method::POST,
            &format!("ticket/{id}/correspond"),
            &serde_json::json!({"Content": text, "ContentType": "text/plain"}),
        )
    }

    /// Sets ticket `id`'s status (`open`, `resolved`, …).
    ///
    /// # Errors
    /// [`HarnessError`] when RT refuses it.
    pub fn set_status(&self, id: u64, status: &str) -> Result<()> {
        self.send(
            reqwest::Method::PUT,
            &format!("ticket/{id}"),
            &serde_json::json!({"Status": status}),
        )
    }

    /// Ids of the tickets whose "Deskside Key" is `key` (any status).
    ///
    /// # Errors
    /// [`HarnessError`] when the search fails.
    pub fn tickets_with_key(&self, key: &str) -> Result<Vec<u64>> {
        let query = format!("CF.{{{KEY_FIELD}}} = '{}'", key.replace('\'', "\\'"));
        self.search(&query)
    }

    /// Ids of every ticket in queue General.
    ///
    /// # Errors
    /// [`HarnessError`] when the search fails.
    pub fn all_ticket_ids(&self) -> Result<Vec<u64>> {
        self.search("Queue = 'General'")
    }

    /// Every ticket's "Deskside Key" (one entry per ticket; `None` for tickets without one).
    ///
    /// # Errors
    /// [`HarnessError`] when the search fails.
    pub fn all_keys(&self) -> Result<Vec<Option<String>>> {
        let mut keys = Vec::new();
        for page in 1.. {
            let v = self.get(&format!(
                "tickets?query={}&fields=CustomFields&per_page=100&page={page}",
                urlencode("Queue = 'General'")
            ))?;
            let items = v["items"].as_array().cloned().unwrap_or_default();
            for item in &items {
                keys.push(cf_value(item));
            }
            if page >= v["pages"].as_u64().unwrap_or(1) || items.is_empty() {
                break;
            }
        }
        Ok(keys)
    }

    /// Ids of the tickets a TicketSQL `query` finds.
    ///
    /// # Errors
    /// [`HarnessError`] when the search fails.
    pub fn search(&self, query: &str) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        for page in 1.. {
            let v = self.get(&format!(
                "tickets?query={}&per_page=100&page={page}",
                urlencode(query)
            ))?;
            let items = v["items"].as_array().cloned().unwrap_or_default();
            ids.extend(items.iter().filter_map(|i| id_of(&i["id"])));
            if page >= v["pages"].as_u64().unwrap_or(1) || items.is_empty() {
                break;
            }
        }
        Ok(ids)
    }

    /// Reads ticket `id` back: subject, first message, key, attached files (bytes decoded from
    /// REST2's base64).
    ///
    /// # Errors
    /// [`HarnessError`] when a request fails.
    pub fn ticket(&self, id: u64) -> Result<RemoteTicket> {
        let t = self.get(&format!("ticket/{id}"))?;
        let list = self.get(&format!(
            "ticket/{id}/attachments?fields=Filename,ContentType&per_page=100"
        ))?;
        let mut body = None;
        let mut files = Vec::new();
        for item in list["items"].as_array().cloned().unwrap_or_default() {
            let Some(att_id) = id_of(&item["id"]) else {
                continue;
            };
            let name = item["Filename"].as_str().unwrap_or_default().to_owned();
            let content_type = item["ContentType"].as_str().unwrap_or_default().to_owned();
            if content_type.starts_with("multipart/") {
                continue;
            }
            if name.is_empty() && body.is_some() {
                continue;
            }
            let full = self.get(&format!("attachment/{att_id}"))?;
            let b64: String = full["Content"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let data = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| HarnessError::Api {
                    server: NAME,
                    detail: format!("attachment {att_id}: content is not base64: {e}"),
                })?;
            if name.is_empty() {
                body = Some(String::from_utf8_lossy(&data).into_owned());
            } else {
                files.push(RemoteFile {
                    name,
                    content_type,
                    data,
                });
            }
        }
        Ok(RemoteTicket {
            id,
            subject: t["Subject"].as_str().unwrap_or_default().to_owned(),
            body: body.unwrap_or_default(),
            key: cf_value(&t),
            requester: t["Requestor"]
                .as_array()
                .and_then(|r| r.first())
                .and_then(|r| r["id"].as_str())
                .map(str::to_owned),
            files,
        })
    }
}

impl Drop for Rt {
    fn drop(&mut self) {
        self.stop();
    }
}

/// REST2 ids are strings in some places and numbers in others.
fn id_of(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn cf_value(item: &Value) -> Option<String> {
    item["CustomFields"]
        .as_array()?
        .iter()
        .find(|cf| cf["name"] == KEY_FIELD)
        .and_then(|cf| cf["values"].as_array())
        .and_then(|vals| vals.first())
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Percent-encodes a query parameter value.
pub(crate) fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
