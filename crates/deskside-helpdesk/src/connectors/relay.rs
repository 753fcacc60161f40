//! The `relay` connector: the device files its tickets with the Deskside server
//! (`server.url`), which holds the helpdesk credentials and delivers them. The device holds
//! only its own Ed25519 key (`<data dir>/server-key.json`, owner-only), obtained once by
//! enrolling with the one-time `server.enroll_secret` — explicitly (`desksidectl server
//! enroll`) or on first use. Every request is signed (`deskside-request/1`).
//!
//! For the device's outbox the server is the helpdesk: a `2xx` to the ticket upload means the
//! server has stored it (delivered, from the device's point of view); the upload is idempotent
//! on the outbox's key, and `find_by_key` asks the server for that key, so the outbox's
//! exactly-once rules hold between device and server, and the server's own rules hold from
//! there to the helpdesk. The ticket's reference (its idempotency key) is the device's
//! `Remote::id`; `status` reports whether it is already in the helpdesk and under which number.
//!
//! A revoked or unknown key (`auth.revoked`, `auth.unknown_key`) removes the local key file:
//! the next attempt enrols again, which works only with a new secret from IT. Until then the
//! ticket stays queued.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deskside_server_api::sign::{public_key_text, sign_request};
use deskside_server_api::{
    ApiError, EnrollRequest, EnrollResponse, PATH_DEVICE, PATH_ENROLL, PATH_TICKETS, RelayState,
    TicketStatus, TicketUpload, WireAttachment,
};
use ed25519_dalek::SigningKey;
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::http::{Http, classify_status, classify_transport};
use crate::{Connector, HelpdeskError, Lookup, Outgoing, Remote, RemoteStatus, Secret, SendError};

/// The key file in the data directory.
pub const KEY_FILE: &str = "server-key.json";

/// The device's enrolment: which server, its key id, its private key.
#[derive(Clone, Serialize, Deserialize)]
pub struct DeviceKey {
    /// The server it enrolled with (a key is used only with that server).
    pub server_url: String,
    /// The key id the server issued.
    pub key_id: String,
    /// The device's id on the server.
    pub device_id: i64,
    /// The Ed25519 private key, hex (only in the owner-only file).
    private_key: String,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("server_url", &self.server_url)
            .field("key_id", &self.key_id)
            .field("device_id", &self.device_id)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl DeviceKey {
    fn signing_key(&self) -> Option<SigningKey> {
        let raw = hex::decode(&self.private_key).ok()?;
        let bytes = <[u8; 32]>::try_from(raw.as_slice()).ok()?;
        Some(SigningKey::from_bytes(&bytes))
    }

    /// Reads the key for `server_url` from `dir`, if this device enrolled with that server.
    #[must_use]
    pub fn load(dir: &Path, server_url: &Url) -> Option<Self> {
        let text = std::fs::read_to_string(dir.join(KEY_FILE)).ok()?;
        let key: Self = serde_json::from_str(&text).ok()?;
        (key.server_url == server_url.as_str() && key.signing_key().is_some()).then_some(key)
    }

    /// Writes the key file, readable by its owner only (Unix mode 0600; on Windows the data
    /// folder in the user's profile is private to the user).
    fn save(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(KEY_FILE);
        let tmp = dir.join(format!("{KEY_FILE}.tmp"));
        let text = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let _ = std::fs::remove_file(&tmp);
            let mut f = options.open(&tmp)?;
            f.write_all(&text)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)
        };
        write().map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Removes the key file (after the server said the key is revoked or unknown).
    fn forget(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(KEY_FILE));
    }
}

/// What `desksidectl server status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    /// The server.
    pub server_url: String,
    /// The key id, if enrolled.
    pub key_id: Option<String>,
    /// The device id on the server, if enrolled.
    pub device_id: Option<i64>,
}

/// The relay connector.
#[derive(Debug)]
pub struct Relay {
    http: Http,
    base: Url,
    dir: PathBuf,
    enroll_secret: Option<Secret>,
    key: tokio::sync::Mutex<Option<DeviceKey>>,
}

/// 16 random bytes from the OS, hex.
fn random_hex16() -> Result<String, SendError> {
    let mut b = [0_u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| SendError::permanent(format!("the OS random source failed: {e}")))?;
    Ok(hex::encode(b))
}

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// This machine's name, for the server's device list.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "device".to_owned())
}

/// The OS account running Deskside.
fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

impl Relay {
    /// A relay to `server_url`, keeping the key in `data_dir`.
    ///
    /// # Errors
    /// [`HelpdeskError::Client`] when the HTTP client cannot be set up.
    pub fn new(
        server_url: Url,
        enroll_secret: Option<Secret>,
        data_dir: PathBuf,
        timeout: Duration,
    ) -> Result<Self, HelpdeskError> {
        let key = DeviceKey::load(&data_dir, &server_url);
        Ok(Self {
            http: Http::new(&server_url, timeout)?,
            base: server_url,
            dir: data_dir,
            enroll_secret,
            key: tokio::sync::Mutex::new(key),
        })
    }

    /// What this device knows about its enrolment (no network).
    pub async fn enrolment(&self) -> Enrolment {
        let key = self.key.lock().await;
        Enrolment {
            server_url: self.base.to_string(),
            key_id: key.as_ref().map(|k| k.key_id.clone()),
            device_id: key.as_ref().map(|k| k.device_id),
        }
    }

    /// Enrols now with the configured secret (replacing any key held), and returns the key id.
    ///
    /// # Errors
    /// [`SendError`]: no secret configured, the server refused it, or it cannot be reached.
    pub async fn enroll(&self) -> Result<Enrolment, SendError> {
        let mut guard = self.key.lock().await;
        *guard = Some(self.enroll_locked().await?);
        drop(guard);
        Ok(self.enrolment().await)
    }

    async fn enroll_locked(&self) -> Result<DeviceKey, SendError> {
        let what = "enrolling with the Deskside server";
        let Some(secret) = &self.enroll_secret else {
            return Err(SendError::transient(
                format!(
                    "{what}: this device is not enrolled and no server.enroll_secret is configured; IT must provide one (the ticket stays queued)"
                ),
                false,
            ));
        };
        let mut seed = [0_u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| SendError::permanent(format!("the OS random source failed: {e}")))?;
        let signing = SigningKey::from_bytes(&seed);
        let request = EnrollRequest {
            secret: secret.expose().to_owned(),
            public_key: public_key_text(&signing),
            device_name: host_name(),
            os_user: os_user(),
        };
        let body = serde_json::to_vec(&request)
            .map_err(|e| SendError::permanent(format!("{what}: {e}")))?;
        let rb = self
            .http
            .client
            .post(self.http.url(PATH_ENROLL)?)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let answer = self.exchange(rb, what).await?;
        let r: EnrollResponse = serde_json::from_slice(&answer)
            .map_err(|e| SendError::transient(format!("{what}: unreadable answer ({e})"), false))?;
        let key = DeviceKey {
            server_url: self.base.to_string(),
            key_id: r.key_id,
            device_id: r.device_id,
            private_key: hex::encode(signing.to_bytes()),
        };
        key.save(&self.dir).map_err(|e| {
            SendError::permanent(format!("{what}: cannot save the device key: {e}"))
        })?;
        tracing::info!(key_id = %key.key_id, "enrolled with the Deskside server");
        Ok(key)
    }

    /// The key, enrolling first if there is none.
    async fn key(&self) -> Result<DeviceKey, SendError> {
        let mut guard = self.key.lock().await;
        if let Some(k) = guard.as_ref() {
            return Ok(k.clone());
        }
        let k = self.enroll_locked().await?;
        *guard = Some(k.clone());
        Ok(k)
    }

    /// A signed request, ready to send.
    async fn signed_builder(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<reqwest::RequestBuilder, SendError> {
        let key = self.key().await?;
        let signing = key.signing_key().ok_or_else(|| {
            SendError::permanent(format!("{what}: the device key file is damaged"))
        })?;
        let url = self.http.url(path)?;
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        let headers = sign_request(
            &signing,
            &key.key_id,
            method.as_str(),
            &path_and_query,
            &body,
            now_s(),
            &random_hex16()?,
        );
        let mut rb = self.http.client.request(method, url);
        for (name, value) in headers {
            rb = rb.header(name, value);
        }
        if !body.is_empty() {
            rb = rb.header(CONTENT_TYPE, "application/json").body(body);
        }
        Ok(rb)
    }

    /// A signed request.
    async fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<Vec<u8>, SendError> {
        let rb = self.signed_builder(method, path, body, what).await?;
        self.exchange(rb, what).await
    }

    /// A signed JSON `POST` (enrolling first if needed) whose answer is returned as it came,
    /// status and body, for callers that read the server's own `{code, message}` (the
    /// password reset and unlock flows).
    ///
    /// # Errors
    /// [`SendError`] when the request cannot be signed or sent, or no answer came.
    pub async fn signed_post_raw(
        &self,
        path: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<(u16, Vec<u8>), SendError> {
        let rb = self
            .signed_builder(reqwest::Method::POST, path, body, what)
            .await?;
        let response = rb.send().await.map_err(|e| classify_transport(&e, what))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| {
            SendError::transient(
                format!("{what}: the connection broke while reading the answer ({e})"),
                true,
            )
        })?;
        Ok((status, body.to_vec()))
    }

    /// Sends and maps the server's `{code, message}` answers.
    async fn exchange(
        &self,
        rb: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Vec<u8>, SendError> {
        let response = rb.send().await.map_err(|e| classify_transport(&e, what))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| {
            SendError::transient(
                format!("{what}: the connection broke while reading the answer ({e})"),
                true,
            )
        })?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let api: Option<ApiError> = serde_json::from_slice(&body).ok();
        let (code, message) = api
            .as_ref()
            .map_or(("", ""), |a| (a.code.as_str(), a.message.as_str()));
        Err(match code {
            "auth.revoked" | "auth.unknown_key" => {
                DeviceKey::forget(&self.dir);
                *self.key.lock().await = None;
                SendError::transient(
                    format!(
                        "{what}: {message} (code {code}); the ticket stays queued until the device is enrolled again"
                    ),
                    false,
                )
            }
            // A replay can only be a nonce collision or a resend by a proxy: a new attempt
            // gets a new nonce.
            "enroll.invalid_secret" | "auth.clock_skew" | "auth.replay" => {
                SendError::transient(format!("{what}: {message} (code {code})"), false)
            }
            // The request was changed on the way (a proxy rewriting the body or path), or the
            // key file is damaged: retrying the same thing cannot help.
            "auth.unsigned" | "auth.malformed" | "auth.bad_digest" | "auth.bad_signature" => {
                SendError::permanent(format!("{what}: {message} (code {code})"))
            }
            "request.too_large" | "relay.key_conflict" | "request.invalid" | "relay.not_found" => {
                SendError::permanent(format!("{what}: {message} (code {code})"))
            }
            _ => classify_status(status, &headers, &body, what),
        })
    }

    fn status_of(body: &[u8], what: &str) -> Result<TicketStatus, SendError> {
        serde_json::from_slice(body)
            .map_err(|e| SendError::transient(format!("{what}: unreadable answer ({e})"), true))
    }

    /// Asks the server who this device is (checks the key works).
    ///
    /// # Errors
    /// [`SendError`] as for any signed request.
    pub async fn whoami(&self) -> Result<deskside_server_api::DeviceInfo, SendError> {
        let what = "asking the Deskside server about this device";
        let body = self
            .signed(reqwest::Method::GET, PATH_DEVICE, Vec::new(), what)
            .await?;
        serde_json::from_slice(&body)
            .map_err(|e| SendError::transient(format!("{what}: unreadable answer ({e})"), false))
    }
}

impl Relay {
    /// Sends a diagnosis summary (`POST /v1/fleet/reports`); the answer names the open
    /// incident it belongs to, if any.
    ///
    /// # Errors
    /// [`SendError`] as for any signed request.
    pub async fn report(
        &self,
        report: &deskside_server_api::fleet::FleetReport,
    ) -> Result<deskside_server_api::fleet::ReportAnswer, SendError> {
        let what = "reporting the diagnosis to the Deskside server";
        let body =
            serde_json::to_vec(report).map_err(|e| SendError::permanent(format!("{what}: {e}")))?;
        let answer = self
            .signed(
                reqwest::Method::POST,
                deskside_server_api::fleet::PATH_REPORTS,
                body,
                what,
            )
            .await?;
        serde_json::from_slice(&answer)
            .map_err(|e| SendError::transient(format!("{what}: unreadable answer ({e})"), false))
    }

    /// The known issues and the fingerprint salt (`GET /v1/fleet/known-issues`).
    ///
    /// # Errors
    /// [`SendError`] as for any signed request.
    pub async fn known_issues(&self) -> Result<deskside_server_api::fleet::KnownIssues, SendError> {
        let what = "asking the Deskside server for known issues";
        let answer = self
            .signed(
                reqwest::Method::GET,
                deskside_server_api::fleet::PATH_KNOWN_ISSUES,
                Vec::new(),
                what,
            )
            .await?;
        serde_json::from_slice(&answer)
            .map_err(|e| SendError::transient(format!("{what}: unreadable answer ({e})"), false))
    }
}

/// The relay for this device's config, if a server is configured (for reports and known
/// issues; tickets use [`for_device`]).
///
/// # Errors
/// [`HelpdeskError`] when `server.url` is not a URL or no data folder can be found.
pub fn relay_for(config: &deskside_config::Config) -> Result<Option<Relay>, HelpdeskError> {
    if config.server.relay_url().is_none() {
        return Ok(None);
    }
    match for_device(config)? {
        crate::Helpdesk::Relay(r) => Ok(Some(r)),
        _ => Ok(None),
    }
}

/// The upload body for a ticket.
#[must_use]
pub fn upload(t: &Outgoing) -> TicketUpload {
    TicketUpload {
        key: t.key.clone(),
        subject: t.subject.clone(),
        body: t.body.clone(),
        urgency: t.urgency,
        category: t.category.clone(),
        contact: t.contact.clone(),
        attachments: t
            .attachments
            .iter()
            .map(WireAttachment::from_attachment)
            .collect(),
    }
}

fn remote_of(s: &TicketStatus) -> Remote {
    Remote {
        id: s.key.clone(),
        url: s.remote_url.clone(),
    }
}

impl Connector for Relay {
    fn kind(&self) -> &'static str {
        "relay"
    }

    fn lookup(&self) -> Lookup {
        Lookup::Search
    }

    async fn create(&self, t: &Outgoing) -> Result<Remote, SendError> {
        let what = "handing the ticket to the Deskside server";
        let body = serde_json::to_vec(&upload(t))
            .map_err(|e| SendError::permanent(format!("{what}: {e}")))?;
        let answer = self
            .signed(reqwest::Method::POST, PATH_TICKETS, body, what)
            .await?;
        Ok(remote_of(&Self::status_of(&answer, what)?))
    }

    async fn find_by_key(&self, t: &Outgoing) -> Result<Option<Remote>, SendError> {
        let what = "asking the Deskside server for the ticket";
        let path = format!("{PATH_TICKETS}/{}", t.key);
        match self
            .signed(reqwest::Method::GET, &path, Vec::new(), what)
            .await
        {
            Ok(answer) => Ok(Some(remote_of(&Self::status_of(&answer, what)?))),
            Err(SendError::Permanent { reason }) if reason.contains("(code relay.not_found)") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn status(&self, remote: &Remote) -> Result<Option<RemoteStatus>, SendError> {
        let what = "asking the Deskside server for the ticket's status";
        let path = format!("{PATH_TICKETS}/{}", remote.id);
        let answer = self
            .signed(reqwest::Method::GET, &path, Vec::new(), what)
            .await?;
        let s = Self::status_of(&answer, what)?;
        let status = match (s.state, &s.remote_id, &s.helpdesk_status) {
            // What the helpdesk itself says, once the server has read it.
            (RelayState::Delivered, Some(id), Some(hd)) => format!("#{id} in the helpdesk: {hd}"),
            (RelayState::Delivered, Some(id), None) => format!("filed in the helpdesk as #{id}"),
            (RelayState::Delivered, None, _) => "filed in the helpdesk".to_owned(),
            (RelayState::Accepted, ..) => {
                "with the Deskside server, not yet in the helpdesk".to_owned()
            }
            (RelayState::Failed, ..) => format!(
                "the helpdesk did not take it: {}",
                s.error.as_deref().unwrap_or("no reason given")
            ),
        };
        Ok(Some(RemoteStatus {
            status,
            last_reply: s.last_reply,
            last_reply_at: s.last_reply_at,
        }))
    }
}

/// The connector a device uses: the server's relay when `server.url` is set, else the
/// `[helpdesk]` connector.
///
/// # Errors
/// [`HelpdeskError`] as for [`crate::from_config`]; for the relay, when `server.url` is not a
/// URL or no data folder can be found.
pub fn for_device(config: &deskside_config::Config) -> Result<crate::Helpdesk, HelpdeskError> {
    let Some(url) = config.server.relay_url() else {
        let settings = crate::Settings::from_config(&config.helpdesk)?;
        return crate::from_config(&settings);
    };
    let url = Url::parse(url)
        .map_err(|e| HelpdeskError::Client(format!("server.url is not a URL: {e}")))?;
    let dir = deskside_config::current_data_dir().ok_or_else(|| {
        HelpdeskError::Client(
            "no data folder for the device key: set DESKSIDE_DATA_DIR or HOME".into(),
        )
    })?;
    let secret = config
        .server
        .enroll_secret
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new);
    let timeout = Duration::from_secs(config.helpdesk.timeout_s.clamp(1, 300));
    Ok(crate::Helpdesk::Relay(Relay::new(
        url, secret, dir, timeout,
    )?))
}
