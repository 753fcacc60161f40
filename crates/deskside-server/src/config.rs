//! The server's configuration: one TOML file (`--config`, `DESKSIDE_SERVER_CONFIG`, else
//! `/etc/deskside-server/config.toml` if it exists, else built-in defaults, so `serve` works on
//! a fresh machine), and the environment for secrets: any `[helpdesk]` secret may be written
//! `env:NAME` to read it from the environment variable `NAME`, and the PostgreSQL password
//! comes from `DESKSIDE_SERVER_DATABASE_PASSWORD`. Unknown keys are refused with their name.

use std::path::{Path, PathBuf};
use std::time::Duration;

use deskside_config::HelpdeskConfig;
use deskside_server_core::Limits;
use serde::Deserialize;

/// The file read when none is named.
pub const DEFAULT_PATH: &str = "/etc/deskside-server/config.toml";
/// Environment variable naming the config file.
pub const ENV_CONFIG: &str = "DESKSIDE_SERVER_CONFIG";
/// Environment variable holding the PostgreSQL password.
pub const ENV_DB_PASSWORD: &str = "DESKSIDE_SERVER_DATABASE_PASSWORD";

/// A config problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read the server config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("the server config {path} is not valid: {problem}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong (names the key).
        problem: String,
    },
    /// An `env:NAME` secret names an unset variable.
    #[error("{key} = \"env:{var}\" but the environment variable {var} is not set")]
    MissingEnv {
        /// The key.
        key: &'static str,
        /// The variable.
        var: String,
    },
}

impl ConfigError {
    /// Stable code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Read { .. } => "server.config_unreadable",
            Self::Invalid { .. } => "server.config_invalid",
            Self::MissingEnv { .. } => "server.config_env",
        }
    }
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    /// Address to listen on. Without `tls_cert`/`tls_key` it speaks plain HTTP: keep it on
    /// loopback behind a TLS reverse proxy.
    pub listen: String,
    /// PEM certificate chain: with `tls_key`, the server speaks HTTPS itself (rustls).
    pub tls_cert: Option<std::path::PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<std::path::PathBuf>,
}

impl Default for ServerSection {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8470".to_owned(),
            tls_cert: None,
            tls_key: None,
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSection {
    /// `postgres://user@host:port/db`, or a SQLite file path; unset: `server.sqlite3` in the
    /// state directory.
    pub url: Option<String>,
    /// PostgreSQL connections per instance.
    pub pool: Option<usize>,
}

/// `[auth]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSection {
    /// Largest clock difference accepted, seconds.
    pub max_skew_s: u64,
}

impl Default for AuthSection {
    fn default() -> Self {
        Self { max_skew_s: 300 }
    }
}

/// `[relay]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelaySection {
    /// Largest request body, bytes.
    pub max_request_bytes: u64,
    /// New tickets per device per hour.
    pub tickets_per_hour: i64,
    /// Signed requests per device per minute.
    pub requests_per_minute: i64,
    /// Requester e-mail domain for tickets without a contact (`os_user@domain`).
    pub requester_domain: Option<String>,
    /// OS account → requester address or helpdesk login, IT's own mapping; wins over the
    /// contact a device sends. Account names match case-insensitively.
    pub requesters: std::collections::BTreeMap<String, String>,
    /// How often an idle instance looks for due tickets, milliseconds.
    pub deliver_interval_ms: u64,
    /// How old a delivered ticket's helpdesk status may be before a device asking for it has
    /// the server read it again, seconds (10–86400).
    pub status_refresh_s: u64,
    /// After an uncertain create, how long to wait before searching the helpdesk by key,
    /// milliseconds; unset: the helpdesk timeout + 5 s.
    pub settle_ms: Option<u64>,
    /// How long one instance holds a claimed ticket, milliseconds; unset: 4 × the helpdesk
    /// timeout + 10 s. Must exceed the helpdesk timeout by at least two seconds.
    pub lease_ms: Option<u64>,
}

impl Default for RelaySection {
    fn default() -> Self {
        let l = Limits::default();
        Self {
            max_request_bytes: l.max_request_bytes,
            tickets_per_hour: l.tickets_per_hour,
            requests_per_minute: l.requests_per_minute,
            requester_domain: None,
            requesters: std::collections::BTreeMap::new(),
            deliver_interval_ms: 1000,
            status_refresh_s: l.status_refresh.as_secs(),
            settle_ms: None,
            lease_ms: None,
        }
    }
}

/// `[reset]`: self-service password reset and unlock (docs/passwords.md, "Reset and unlock").
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResetSection {
    /// Serve the flows (needs `[password]` with source `ad` or `ldap`, and the service
    /// account).
    pub enabled: bool,
    /// The address users reach the server at, `https://deskside.corp.example/`; mailed links
    /// are built from it only, never from a request's Host header.
    pub public_url: Option<String>,
    /// Proofs needed before the final step: 1 or 2 (the mailed code and the enrolled device).
    pub factors: usize,
    /// Directory attribute with the recovery address the code goes to.
    pub recovery_attribute: Option<String>,
    /// Directory attribute with the primary address told after a success (default `mail`).
    pub primary_attribute: Option<String>,
    /// DNs of groups whose members are never reset or unlocked here (AD `adminCount = 1`
    /// accounts are refused anyway).
    pub protected_groups: Vec<String>,
    /// The least-privilege service account (AD `name@domain` or a DN; OpenLDAP a DN).
    pub service_account: Option<String>,
    /// Its password, normally `env:NAME`.
    pub service_password: Option<String>,
    /// After a reset the user must change the password at the next sign-in.
    pub must_change: bool,
    /// Starts per user name per hour.
    pub per_account_per_hour: i64,
    /// Starts and wrong codes per source IP per hour.
    pub per_ip_per_hour: i64,
    /// Code mails per recovery address per hour.
    pub per_address_per_hour: i64,
    /// Starts per device per hour.
    pub per_device_per_hour: i64,
    /// Take the source IP from the last `X-Forwarded-For` entry (behind a reverse proxy).
    pub trust_proxy: bool,
    /// Sender of the mails.
    pub mail_from: Option<String>,
    /// SMTP server for the mails.
    pub smtp_host: Option<String>,
    /// Its port (default 587, 465 with `tls`, 25 with `none`).
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` or `none` (loopback only).
    pub smtp_tls: String,
    /// SMTP user.
    pub smtp_user: Option<String>,
    /// SMTP password, normally `env:NAME`.
    pub smtp_password: Option<String>,
    /// The key (32+ characters, normally `env:NAME`) TOTP authenticator secrets are derived
    /// from; unset: no authenticators.
    pub totp_key: Option<String>,
}

impl Default for ResetSection {
    fn default() -> Self {
        let p = deskside_server_core::reset::ResetPolicy::default();
        Self {
            enabled: false,
            public_url: None,
            factors: p.factors_required,
            recovery_attribute: None,
            primary_attribute: None,
            protected_groups: Vec::new(),
            service_account: None,
            service_password: None,
            must_change: false,
            per_account_per_hour: p.per_account_per_hour,
            per_ip_per_hour: p.per_ip_per_hour,
            per_address_per_hour: p.per_address_per_hour,
            per_device_per_hour: p.per_device_per_hour,
            trust_proxy: false,
            mail_from: None,
            smtp_host: None,
            smtp_port: None,
            smtp_tls: "starttls".to_owned(),
            smtp_user: None,
            smtp_password: None,
            totp_key: None,
        }
    }
}

/// `[fleet]`: when reports become an incident, and the status page.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FleetSection {
    /// Devices anywhere with the same root cause within `window_minutes` that open a
    /// fleet-wide incident (0: never).
    pub fleet_devices: i64,
    /// Devices on one network (same fingerprint) with the same root cause within
    /// `window_minutes` that open an incident for that network (0: never).
    pub network_devices: i64,
    /// The window, minutes.
    pub window_minutes: u64,
    /// An incident resolves by itself after this many minutes without a matching problem
    /// report, once one of its devices reported healthy.
    pub resolve_after_minutes: u64,
    /// Reports per device per hour.
    pub reports_per_hour: i64,
    /// How often each instance resolves quiet incidents, seconds.
    pub sweep_interval_s: u64,
    /// Where the read-only status page for IT listens (a loopback address only); unset: no
    /// status page.
    pub status_listen: Option<String>,
}

impl Default for FleetSection {
    fn default() -> Self {
        let f = deskside_server_core::fleet::FleetSettings::default();
        Self {
            fleet_devices: f.fleet_devices,
            network_devices: f.network_devices,
            window_minutes: f.window.as_secs() / 60,
            resolve_after_minutes: f.resolve_after.as_secs() / 60,
            reports_per_hour: f.reports_per_hour,
            sweep_interval_s: 30,
            status_listen: None,
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// `[server]`.
    pub server: ServerSection,
    /// `[database]`.
    pub database: DatabaseSection,
    /// `[auth]`.
    pub auth: AuthSection,
    /// `[relay]`.
    pub relay: RelaySection,
    /// `[fleet]`.
    pub fleet: FleetSection,
    /// `[helpdesk]`: the same keys as a device's `[helpdesk]` (docs/config.md).
    pub helpdesk: HelpdeskConfig,
    /// `[password]`: the directory, the same keys as a device's `[password]` (docs/config.md).
    pub password: deskside_config::PasswordConfig,
    /// `[reset]`: self-service reset and unlock.
    pub reset: ResetSection,
}

impl ServerConfig {
    /// Reads `path`, or the default file if it exists, or the defaults.
    ///
    /// # Errors
    /// [`ConfigError`].
    pub fn load(path: Option<&Path>) -> Result<(Self, Option<PathBuf>), ConfigError> {
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(ENV_CONFIG).map(PathBuf::from))
            .or_else(|| Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.exists()));
        let Some(path) = path else {
            return Ok((Self::default(), None));
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: shown.clone(),
            source,
        })?;
        let mut config = Self::parse(&text).map_err(|problem| ConfigError::Invalid {
            path: shown,
            problem,
        })?;
        config.resolve_env()?;
        Ok((config, Some(path)))
    }

    /// Parses the TOML text.
    ///
    /// # Errors
    /// The problem, naming the key.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Replaces `env:NAME` secrets by the variables' values.
    fn resolve_env(&mut self) -> Result<(), ConfigError> {
        let h = &mut self.helpdesk;
        for (key, slot) in [
            ("helpdesk.token", &mut h.token),
            ("helpdesk.api_key", &mut h.api_key),
            ("helpdesk.password", &mut h.password),
            ("helpdesk.app_token", &mut h.app_token),
            ("helpdesk.secret", &mut h.secret),
            ("helpdesk.smtp_password", &mut h.smtp_password),
        ] {
            if let Some(var) = slot.as_deref().and_then(|v| v.strip_prefix("env:")) {
                let var = var.to_owned();
                let value = std::env::var(&var).map_err(|_| ConfigError::MissingEnv {
                    key,
                    var: var.clone(),
                })?;
                *slot = Some(value);
            }
        }
        let r = &mut self.reset;
        for (key, slot) in [
            ("reset.service_password", &mut r.service_password),
            ("reset.smtp_password", &mut r.smtp_password),
            ("reset.totp_key", &mut r.totp_key),
        ] {
            if let Some(var) = slot.as_deref().and_then(|v| v.strip_prefix("env:")) {
                let var = var.to_owned();
                let value = std::env::var(&var).map_err(|_| ConfigError::MissingEnv {
                    key,
                    var: var.clone(),
                })?;
                *slot = Some(value);
            }
        }
        Ok(())
    }

    /// The core's limits.
    #[must_use]
    pub fn limits(&self) -> Limits {
        Limits {
            max_skew: Duration::from_secs(self.auth.max_skew_s.clamp(1, 3600)),
            max_request_bytes: self.relay.max_request_bytes.max(1024),
            tickets_per_hour: self.relay.tickets_per_hour.max(1),
            requests_per_minute: self.relay.requests_per_minute.max(1),
            requester_domain: self.relay.requester_domain.clone(),
            requesters: self
                .relay
                .requesters
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect(),
            status_refresh: Duration::from_secs(self.relay.status_refresh_s.clamp(10, 86_400)),
            fleet: deskside_server_core::fleet::FleetSettings {
                fleet_devices: self.fleet.fleet_devices.max(0),
                network_devices: self.fleet.network_devices.max(0),
                window: Duration::from_secs(self.fleet.window_minutes.clamp(1, 24 * 60) * 60),
                resolve_after: Duration::from_secs(
                    self.fleet.resolve_after_minutes.clamp(1, 7 * 24 * 60) * 60,
                ),
                reports_per_hour: self.fleet.reports_per_hour.max(1),
            },
        }
    }

    /// Delivery options for a helpdesk whose requests time out after `timeout`.
    ///
    /// # Errors
    /// A sentence when `relay.lease_ms` is too short for one request.
    pub fn deliver_options(
        &self,
        timeout: Duration,
    ) -> Result<deskside_server_core::relay::DeliverOptions, String> {
        let mut o = deskside_server_core::relay::DeliverOptions::for_timeout(timeout);
        if let Some(ms) = self.relay.settle_ms {
            o.settle = Duration::from_millis(ms);
        }
        if let Some(ms) = self.relay.lease_ms {
            let lease = Duration::from_millis(ms);
            if lease < timeout + Duration::from_secs(2) {
                return Err(format!(
                    "relay.lease_ms = {ms} is too short: it must exceed helpdesk.timeout_s by at least 2 s"
                ));
            }
            o.lease = lease;
        }
        Ok(o)
    }

    /// Where the SQLite file goes when `database.url` is unset: `$STATE_DIRECTORY`
    /// (systemd), else `/var/lib/deskside-server` for root, else the user's data dir.
    #[must_use]
    pub fn default_sqlite_path() -> PathBuf {
        let dir = std::env::var_os("STATE_DIRECTORY")
            .map(PathBuf::from)
            .or_else(|| {
                (std::env::var("USER").as_deref() == Ok("root"))
                    .then(|| PathBuf::from("/var/lib/deskside-server"))
            })
            .or_else(|| {
                std::env::var_os("XDG_DATA_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share"))
                    })
                    .map(|d| d.join("deskside-server"))
            })
            .unwrap_or_else(|| PathBuf::from("."));
        dir.join("server.sqlite3")
    }
}

/// Parses a lifetime such as `30m`, `12h`, `7d` or `3600` (seconds).
///
/// # Errors
/// A sentence saying what is accepted.
pub fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c),
        _ => (t, 's'),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a lifetime such as 30m, 12h or 7d"))?;
    let secs = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        'd' => n.saturating_mul(86_400),
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if secs == 0 {
        return Err("the lifetime must be more than zero".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_thresholds_parse_with_defaults() {
        let c = ServerConfig::parse("[fleet]\nfleet_devices = 40\nwindow_minutes = 10\n").unwrap();
        let l = c.limits();
        assert_eq!(l.fleet.fleet_devices, 40);
        assert_eq!(l.fleet.network_devices, 5);
        assert_eq!(l.fleet.window, Duration::from_secs(600));
        assert!(ServerConfig::parse("[fleet]\ndevices = 4\n").is_err());
    }

    #[test]
    fn requesters_map_os_accounts_case_insensitively() {
        let c = ServerConfig::parse(
            "[relay]\nrequester_domain = \"corp.example\"\n[relay.requesters]\nJDoe = \"jane.doe@corp.example\"\n",
        )
        .unwrap();
        let l = c.limits();
        assert_eq!(
            l.requesters.get("jdoe").map(String::as_str),
            Some("jane.doe@corp.example")
        );
        assert!(ServerConfig::parse("[relay]\nrequesters = 3\n").is_err());
    }

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_lifetime("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_lifetime("10"), Ok(Duration::from_secs(10)));
        assert!(parse_lifetime("0d").is_err());
        assert!(parse_lifetime("7w").is_err());
        assert!(parse_lifetime("soon").is_err());
    }

    #[test]
    fn config_parses_and_refuses_unknown_keys() {
        let c = ServerConfig::parse(
            "[server]\nlisten = \"127.0.0.1:9000\"\n[relay]\ntickets_per_hour = 5\n[helpdesk]\nkind = \"rt\"\nurl = \"http://127.0.0.1:1/\"\n",
        )
        .unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:9000");
        assert_eq!(c.limits().tickets_per_hour, 5);
        assert_eq!(c.helpdesk.kind.as_deref(), Some("rt"));
        let e = ServerConfig::parse("[relay]\ntickets_per_day = 5\n").unwrap_err();
        assert!(e.contains("tickets_per_day"), "{e}");
    }

    #[test]
    fn env_secrets_are_resolved_and_a_missing_one_is_named() {
        let mut c =
            ServerConfig::parse("[helpdesk]\ntoken = \"env:DESKSIDE_TEST_NO_SUCH_VAR\"\n").unwrap();
        let e = c.resolve_env().unwrap_err();
        assert_eq!(e.code(), "server.config_env");
        assert!(e.to_string().contains("DESKSIDE_TEST_NO_SUCH_VAR"));
        let mut c = ServerConfig::parse("[helpdesk]\ntoken = \"env:PATH\"\n").unwrap();
        c.resolve_env().unwrap();
        assert_eq!(c.helpdesk.token, std::env::var("PATH").ok());
    }
}
