//! `[helpdesk]` config turned into what connectors use: URLs parsed, secrets read (from the
//! config or the OS keyring) into [`Secret`]s, defaults applied. [`check_config`] is the one
//! check of a connector's required keys: `desksidectl config validate` runs it, and so does
//! [`Settings::from_config`] before any connector is built, so a helpdesk that cannot work is
//! refused in both places with the same message, naming every missing key.

use std::time::Duration;

use deskside_config::HelpdeskConfig;
use url::Url;

use crate::HelpdeskError;
use crate::secret::{self, Secret};

/// The default custom-field name holding the idempotency key.
pub const DEFAULT_KEY_FIELD: &str = "Deskside Key";

/// SMTP transport security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No TLS: only to a server on this machine (tests, a local relay).
    None,
}

/// The connector settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `helpdesk.kind`.
    pub kind: String,
    /// `helpdesk.url`.
    pub url: Option<Url>,
    /// RT queue.
    pub queue: Option<String>,
    /// API token (RT, JSM, Zendesk, GLPI user token, Zammad).
    pub token: Option<Secret>,
    /// Redmine project.
    pub project: Option<String>,
    /// Redmine, Freshservice API key.
    pub api_key: Option<Secret>,
    /// Custom field holding the key.
    pub key_field: Option<String>,
    /// Redmine: the custom field's id, when known (listing fields needs an admin key).
    pub key_field_id: Option<u64>,
    /// Account name or e-mail.
    pub user: Option<String>,
    /// ServiceNow password.
    pub password: Option<Secret>,
    /// JSM service desk id.
    pub service_desk_id: Option<String>,
    /// JSM request type id.
    pub request_type_id: Option<String>,
    /// Zammad group.
    pub group: Option<String>,
    /// GLPI App-Token.
    pub app_token: Option<Secret>,
    /// Webhook signing secret.
    pub secret: Option<Secret>,
    /// SMTP host.
    pub smtp_host: Option<String>,
    /// SMTP port.
    pub smtp_port: Option<u16>,
    /// SMTP security.
    pub smtp_tls: SmtpTls,
    /// SMTP login.
    pub smtp_user: Option<String>,
    /// SMTP password.
    pub smtp_password: Option<Secret>,
    /// Sender / requester e-mail.
    pub from: Option<String>,
    /// Recipient.
    pub to: Option<String>,
    /// Per-request time limit.
    pub timeout: Duration,
    /// Redmine: file issues as the requester (`X-Redmine-Switch-User`).
    pub impersonate: bool,
}

/// The keys connector `kind` cannot work without (besides those that depend on each other:
/// Zendesk needs `user` with a `token`, else `from`); `None` for an unknown kind.
#[must_use]
pub fn required_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "rt" => &["url", "queue", "token"],
        "redmine" => &["url", "project", "api_key"],
        "jsm" => &["url", "user", "token", "service_desk_id", "request_type_id"],
        "zendesk" => &["url"],
        "freshservice" => &["url", "api_key", "from"],
        "servicenow" => &["url", "user", "password"],
        "glpi" => &["url", "token"],
        "zammad" => &["url", "token", "group", "from"],
        "webhook" => &["url", "secret"],
        "email" => &["smtp_host", "from", "to"],
        _ => return None,
    })
}

/// Checks the helpdesk this device sends to, as [`check_config`] does, when it uses one: no
/// `helpdesk.kind` means tickets are not set up (nothing to check), and through the Deskside
/// server's relay the device does not use `[helpdesk]` at all.
///
/// # Errors
/// The first problem found, as [`HelpdeskError`].
pub fn check_device_config(config: &deskside_config::Config) -> Result<(), HelpdeskError> {
    if config.helpdesk.kind.is_none() || config.server.relay_url().is_some() {
        return Ok(());
    }
    check_config(&config.helpdesk)
}

/// Checks the `[helpdesk]` section without contacting anything or reading the keyring: a
/// known kind, every required key present (all missing ones named at once), URLs usable,
/// SMTP settings consistent.
///
/// # Errors
/// The first problem found, as [`HelpdeskError`].
pub fn check_config(c: &HelpdeskConfig) -> Result<(), HelpdeskError> {
    let kind = c
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or(HelpdeskError::NotConfigured)?;
    let required =
        required_keys(kind).ok_or_else(|| HelpdeskError::UnknownKind(kind.to_owned()))?;
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let present = |key: &str| match key {
        "url" => set(&c.url),
        "queue" => set(&c.queue),
        "token" => set(&c.token),
        "project" => set(&c.project),
        "api_key" => set(&c.api_key),
        "user" => set(&c.user),
        "password" => set(&c.password),
        "service_desk_id" => set(&c.service_desk_id),
        "request_type_id" => set(&c.request_type_id),
        "group" => set(&c.group),
        "secret" => set(&c.secret),
        "smtp_host" => set(&c.smtp_host),
        "from" => set(&c.from),
        "to" => set(&c.to),
        _ => false,
    };
    let mut missing: Vec<&'static str> = required.iter().copied().filter(|k| !present(k)).collect();
    if kind == "zendesk" {
        if set(&c.token) && !set(&c.user) {
            missing.push("user");
        } else if !set(&c.token) && !set(&c.from) {
            missing.push("from");
        }
    }
    if !missing.is_empty() {
        return Err(HelpdeskError::MissingKeys {
            kind: kind.to_owned(),
            keys: missing,
        });
    }
    if let Some(u) = &c.url {
        parse_url(u)?;
    }
    let tls = smtp_tls(&c.smtp_tls)?;
    if kind == "email"
        && tls == SmtpTls::None
        && let Some(host) = &c.smtp_host
        && !crate::connectors::email::is_local(host)
    {
        return Err(HelpdeskError::InsecureSmtp);
    }
    Ok(())
}

fn parse_url(u: &str) -> Result<Url, HelpdeskError> {
    let parsed = Url::parse(u).map_err(|e| HelpdeskError::BadUrl {
        key: "url",
        problem: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(HelpdeskError::BadUrl {
            key: "url",
            problem: format!("scheme {} is not http or https", parsed.scheme()),
        });
    }
    Ok(parsed)
}

fn smtp_tls(value: &str) -> Result<SmtpTls, HelpdeskError> {
    Ok(match value {
        "starttls" | "" => SmtpTls::StartTls,
        "tls" => SmtpTls::Tls,
        "none" => SmtpTls::None,
        other => {
            return Err(HelpdeskError::BadValue {
                key: "smtp_tls",
                value: other.to_owned(),
                expected: "starttls, tls or none",
            });
        }
    })
}

impl Settings {
    /// Reads the `[helpdesk]` section, resolving `keyring:` secrets.
    ///
    /// # Errors
    /// [`HelpdeskError`] when nothing is configured, a URL is unusable, or the keyring fails.
    pub fn from_config(c: &HelpdeskConfig) -> Result<Self, HelpdeskError> {
        check_config(c)?;
        let kind = c
            .kind
            .as_deref()
            .map(|k| k.trim().to_owned())
            .ok_or(HelpdeskError::NotConfigured)?;
        let url = c.url.as_deref().map(parse_url).transpose()?;
        let secret =
            |key: &'static str, v: &Option<String>| -> Result<Option<Secret>, HelpdeskError> {
                v.as_deref()
                    .filter(|s| !s.is_empty())
                    .map(|s| secret::resolve(key, s))
                    .transpose()
            };
        let smtp_tls = smtp_tls(&c.smtp_tls)?;
        let smtp_port = c
            .smtp_port
            .map(|p| {
                u16::try_from(p).map_err(|_| HelpdeskError::BadValue {
                    key: "smtp_port",
                    value: p.to_string(),
                    expected: "a port from 1 to 65535",
                })
            })
            .transpose()?;
        Ok(Self {
            kind,
            url,
            queue: c.queue.clone(),
            token: secret("token", &c.token)?,
            project: c.project.clone(),
            api_key: secret("api_key", &c.api_key)?,
            key_field: c.key_field.clone().filter(|k| !k.trim().is_empty()),
            key_field_id: c.key_field_id,
            user: c.user.clone(),
            password: secret("password", &c.password)?,
            service_desk_id: c.service_desk_id.clone(),
            request_type_id: c.request_type_id.clone(),
            group: c.group.clone(),
            app_token: secret("app_token", &c.app_token)?,
            secret: secret("secret", &c.secret)?,
            smtp_host: c.smtp_host.clone(),
            smtp_port,
            smtp_tls,
            smtp_user: c.smtp_user.clone(),
            smtp_password: secret("smtp_password", &c.smtp_password)?,
            from: c.from.clone(),
            to: c.to.clone(),
            timeout: Duration::from_secs(c.timeout_s.clamp(1, 300)),
            impersonate: c.impersonate,
        })
    }

    /// A minimal settings value for `kind` and `url` (tests, benchmarks).
    #[must_use]
    pub fn new(kind: &str, url: Option<Url>) -> Self {
        Self {
            kind: kind.to_owned(),
            url,
            queue: None,
            token: None,
            project: None,
            api_key: None,
            key_field: None,
            key_field_id: None,
            user: None,
            password: None,
            service_desk_id: None,
            request_type_id: None,
            group: None,
            app_token: None,
            secret: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::StartTls,
            smtp_user: None,
            smtp_password: None,
            from: None,
            to: None,
            timeout: crate::DEFAULT_TIMEOUT,
            impersonate: false,
        }
    }

    /// A required value, or an error naming the key.
    pub(crate) fn need<'a, T>(
        kind: &'static str,
        key: &'static str,
        value: Option<&'a T>,
    ) -> Result<&'a T, HelpdeskError>
    where
        T: ?Sized,
    {
        value.ok_or(HelpdeskError::Missing { kind, key })
    }

    /// The URL, required.
    pub(crate) fn need_url(&self, kind: &'static str) -> Result<&Url, HelpdeskError> {
        Self::need(kind, "url", self.url.as_ref())
    }

    /// The custom-field name holding the key.
    #[must_use]
    pub fn key_field_or(&self, default: &str) -> String {
        self.key_field.clone().unwrap_or_else(|| default.to_owned())
    }
}
