//! The configuration schema: the typed [`Config`] the rest of Deskside reads, with its built-in
//! defaults, and [`KEYS`], where each key is declared once with its kind, its documentation for
//! administrators, the values it accepts and who may set it. The layer checks, the admin-only
//! and secret lists, the registry and property-list mappings, `docs/config.md`'s reference and
//! the admin templates (`crate::templates`) all derive from [`KEYS`]; a test keeps it and the
//! fields of [`Config`] in step.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// The effective configuration after all layers are merged and validated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Config {
    /// Internet reachability, DNS and connection-quality checks.
    pub network: NetworkConfig,
    /// Corporate VPN checks.
    pub vpn: VpnConfig,
    /// Free-space, inode and temp-file checks.
    pub disk: DiskConfig,
    /// Clock-offset checks.
    pub clock: ClockConfig,
    /// Whole-machine checks such as uptime.
    pub system: SystemConfig,
    /// The tray app: background checks, start at login, notifications.
    pub app: AppConfig,
    /// Company branding shown in the app.
    pub branding: BrandingConfig,
    /// One-click fixes: which run automatically, the audit log, admin-defined actions.
    pub fixes: FixesConfig,
    /// Where tickets go: the helpdesk connector and its settings.
    pub helpdesk: HelpdeskConfig,
    /// What tickets may carry: forbidden parts, personal-data redaction, size caps, retries.
    pub tickets: TicketsConfig,
    /// The Deskside server this device enrols with (tickets then go through its relay).
    pub server: ServerConfig,
    /// Password expiry and change: the directory and when to warn.
    pub password: PasswordConfig,
    /// Exceptions to the secure defaults, granted by IT only.
    pub security: SecurityConfig,
}

/// `[network]`: how internet reachability and connection quality are judged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct NetworkConfig {
    /// URLs fetched to decide whether the internet is reachable (a 204, or a 200 containing
    /// [`NetworkConfig::probe_expect_body`], counts as reachable).
    pub probe_urls: Vec<String>,
    /// When set, a 200 whose body contains this text also means "internet OK".
    pub probe_expect_body: Option<String>,
    /// Names resolved to check DNS.
    pub dns_names: Vec<String>,
    /// Timeout for one DNS query, in milliseconds.
    pub dns_timeout_ms: u64,
    /// Timeout for one HTTP probe, in milliseconds.
    pub http_timeout_ms: u64,
    /// Number of samples taken to measure loss, latency and jitter (1 to 200).
    pub quality_samples: u32,
    /// Packet loss, in percent, from which the quality check warns.
    pub warn_loss_percent: f64,
    /// Packet loss, in percent, from which the quality check fails.
    pub fail_loss_percent: f64,
    /// Latency, in milliseconds, from which the quality check warns.
    pub warn_latency_ms: u64,
    /// Latency, in milliseconds, from which the quality check fails.
    pub fail_latency_ms: u64,
    /// Jitter, in milliseconds, from which the quality check warns.
    pub warn_jitter_ms: u64,
    /// A PAC URL the administrator knows of, checked in addition to the system's.
    pub pac_url: Option<String>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            probe_urls: vec!["http://connectivitycheck.gstatic.com/generate_204".to_owned()],
            probe_expect_body: None,
            dns_names: vec!["www.example.com".to_owned()],
            dns_timeout_ms: 1500,
            http_timeout_ms: 3000,
            quality_samples: 20,
            warn_loss_percent: 2.0,
            fail_loss_percent: 10.0,
            warn_latency_ms: 150,
            fail_latency_ms: 600,
            warn_jitter_ms: 50,
            pac_url: None,
        }
    }
}

/// `[vpn]`: whether a VPN is expected and how to recognise it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct VpnConfig {
    /// Whether a missing VPN is a failure rather than information.
    pub required: bool,
    /// Glob patterns of interface names that are VPN tunnels.
    pub interfaces: Vec<String>,
    /// Subnets reached through the VPN.
    pub corporate_subnets: Vec<IpNet>,
    /// Internal names that must resolve when the VPN is up.
    pub internal_names: Vec<String>,
    /// Internal URLs that must answer when the VPN is up.
    pub internal_urls: Vec<String>,
    /// Oldest acceptable WireGuard handshake, in seconds.
    pub handshake_max_age_s: u64,
    /// The VPN client `vpn.reconnect` drives: `wireguard` (wg-quick), `networkmanager` or
    /// `openvpn`; `None` offers no reconnect (an admin-defined action can fill the gap).
    pub client: Option<String>,
    /// The client's connection: a wg-quick interface name or config file, a NetworkManager
    /// connection name, or an OpenVPN systemd instance name.
    pub connection: Option<String>,
}

impl Default for VpnConfig {
    fn default() -> Self {
        Self {
            required: false,
            interfaces: ["wg*", "tun*", "utun*", "ppp*", "tap*", "ipsec*"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
            corporate_subnets: Vec::new(),
            internal_names: Vec::new(),
            internal_urls: Vec::new(),
            handshake_max_age_s: 180,
            client: None,
            connection: None,
        }
    }
}

/// `[disk]`: free-space thresholds and where temp files pile up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DiskConfig {
    /// Mount points or drives to check; empty means every real local volume.
    pub paths: Vec<String>,
    /// Free space, in percent, below which the disk check warns.
    pub warn_free_percent: f64,
    /// Free space, in percent, below which the disk check fails.
    pub fail_free_percent: f64,
    /// Free inodes, in percent, below which the disk check warns.
    pub warn_free_inodes_percent: f64,
    /// Free inodes, in percent, below which the disk check fails.
    pub fail_free_inodes_percent: f64,
    /// Temp directories to measure; empty means the OS temp dir and the user cache dir.
    pub temp_paths: Vec<String>,
    /// Total temp-file size, in bytes, from which the temp check warns.
    pub temp_warn_bytes: u64,
}

impl Default for DiskConfig {
    fn default() -> Self {
        Self {
            paths: Vec::new(),
            warn_free_percent: 10.0,
            fail_free_percent: 5.0,
            warn_free_inodes_percent: 10.0,
            fail_free_inodes_percent: 2.0,
            temp_paths: Vec::new(),
            temp_warn_bytes: 5 * 1024 * 1024 * 1024,
        }
    }
}

/// `[clock]`: how far the clock may drift.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ClockConfig {
    /// Offset, in seconds, from which the clock check warns.
    pub warn_offset_s: u64,
    /// Offset, in seconds, from which the clock check fails.
    pub fail_offset_s: u64,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self {
            warn_offset_s: 60,
            fail_offset_s: 300,
        }
    }
}

/// `[system]`: whole-machine checks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct SystemConfig {
    /// Uptime, in days, from which a restart is suggested.
    pub uptime_warn_days: u64,
}

impl Default for SystemConfig {
    fn default() -> Self {
        Self {
            uptime_warn_days: 14,
        }
    }
}

/// `[app]`: how the tray app behaves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct AppConfig {
    /// Seconds between background health checks (the network-change notice also triggers one).
    pub check_interval_s: u64,
    /// Start the tray app at login.
    pub autostart: bool,
    /// Show a notification when a new problem appears.
    pub notify: bool,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            check_interval_s: 300,
            autostart: true,
            notify: true,
        }
    }
}

/// `[branding]`: company look of the app, normally set by IT (MDM policy). Text keys are
/// localised ([`crate::localized`]): resolved for the user's locale when loaded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BrandingConfig {
    /// Organisation name shown in the title ("Acme IT Help"); `None` shows "Deskside".
    pub organization: Option<String>,
    /// The app's name in its window title and header; `None`: from `organization`, else
    /// "Deskside".
    pub product_name: Option<String>,
    /// Accent colour as `#rrggbb`.
    pub accent_color: String,
    /// Path of a logo image (PNG or SVG) on this machine; `None` shows the Deskside logo.
    pub logo_path: Option<String>,
    /// The logo for the dark theme; `None` uses `logo_path`.
    pub logo_dark_path: Option<String>,
    /// IT's phone number, shown on Get help and with errors.
    pub contact_phone: Option<String>,
    /// IT's e-mail address, shown on Get help and with errors.
    pub contact_email: Option<String>,
    /// IT's self-service portal, shown on Get help and with errors.
    pub contact_portal: Option<String>,
    /// When IT can be reached ("Mon–Fri 8:00–18:00").
    pub contact_hours: Option<String>,
    /// Links shown on Get help, `"title = https://…"`.
    pub support_links: Vec<String>,
    /// Folder holding the tray icon set (`ok.png`, `warning.png`, `problem.png`); `None` uses
    /// Deskside's icons.
    pub tray_icons: Option<String>,
}

impl Default for BrandingConfig {
    fn default() -> Self {
        Self {
            organization: None,
            product_name: None,
            accent_color: "#1d4ed8".to_owned(),
            logo_path: None,
            logo_dark_path: None,
            contact_phone: None,
            contact_email: None,
            contact_portal: None,
            contact_hours: None,
            support_links: Vec::new(),
            tray_icons: None,
        }
    }
}

/// `[fixes]`: one-click fixes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FixesConfig {
    /// Fix ids that `diagnose --fix` may apply without asking, when they address the root cause.
    pub auto: Vec<String>,
    /// Fix ids never offered.
    pub disabled: Vec<String>,
    /// `disk.clear_temp` removes temp and cache files older than this many days.
    pub temp_max_age_days: u64,
    /// The audit log is rotated when it grows past this many bytes.
    pub audit_max_bytes: u64,
    /// How many rotated audit logs are kept.
    pub audit_keep: u64,
    /// Admin-defined actions; accepted only from the system config file or managed policy.
    pub actions: Vec<AdminAction>,
}

impl Default for FixesConfig {
    fn default() -> Self {
        Self {
            auto: [
                "net.flush_dns",
                "net.renew_address",
                "net.restart_interface",
                "vpn.reconnect",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            disabled: Vec::new(),
            temp_max_age_days: 7,
            audit_max_bytes: 1024 * 1024,
            audit_keep: 5,
            actions: Vec::new(),
        }
    }
}

/// One admin-defined action (`[[fixes.actions]]`): a button that runs a program with arguments,
/// never through a shell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdminAction {
    /// Stable id, such as `restart-agent` (lowercase letters, digits, `.`, `_`, `-`).
    pub id: String,
    /// Button label.
    pub title: String,
    /// What the action does, in plain language.
    pub description: Option<String>,
    /// Absolute path of the program to run.
    pub program: String,
    /// Arguments, passed as they are (no shell, no expansion).
    pub args: Vec<String>,
    /// Run with administrator rights (through the same narrow elevation path as fixes).
    pub elevate: bool,
    /// Time limit, in seconds.
    pub timeout_s: u64,
    /// Check ids this action addresses; it is offered beside those findings.
    pub addresses: Vec<String>,
}

impl Default for AdminAction {
    fn default() -> Self {
        Self {
            id: String::new(),
            title: String::new(),
            description: None,
            program: String::new(),
            args: Vec::new(),
            elevate: false,
            timeout_s: 60,
            addresses: Vec::new(),
        }
    }
}

/// `[helpdesk]`: where tickets are filed. Secrets (`token`, `api_key`, `password`,
/// `app_token`, `secret`, `smtp_password`) may be written as `keyring:SERVICE/ACCOUNT`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct HelpdeskConfig {
    /// The connector: `rt`, `redmine`, `jsm`, `zendesk`, `freshservice`, `servicenow`, `glpi`,
    /// `zammad`, `webhook` or `email`; `None` means no helpdesk is configured.
    pub kind: Option<String>,
    /// Base URL of the helpdesk (or of the webhook).
    pub url: Option<String>,
    /// RT: the queue new tickets go to.
    pub queue: Option<String>,
    /// RT: the API token (prefer the OS keyring).
    pub token: Option<String>,
    /// Redmine: the project identifier.
    pub project: Option<String>,
    /// Redmine: the API key (prefer the OS keyring).
    pub api_key: Option<String>,
    /// RT and Redmine custom field (Freshservice: custom field name) holding Deskside's
    /// idempotency key; `None` means `Deskside Key` (Freshservice: `deskside_key`).
    pub key_field: Option<String>,
    /// Redmine: the id of that custom field. Listing fields by name needs an administrator's
    /// key, so set it when the API key is an ordinary user's.
    pub key_field_id: Option<u64>,
    /// JSM, Zendesk, ServiceNow, GLPI: the account name or e-mail the API is used as.
    pub user: Option<String>,
    /// ServiceNow: the account's password (prefer the OS keyring).
    pub password: Option<String>,
    /// JSM: the service desk id.
    pub service_desk_id: Option<String>,
    /// JSM: the request type id.
    pub request_type_id: Option<String>,
    /// Zammad: the group new tickets go to.
    pub group: Option<String>,
    /// GLPI: the application token (`App-Token`).
    pub app_token: Option<String>,
    /// Webhook: the HMAC-SHA256 signing secret.
    pub secret: Option<String>,
    /// E-mail: the SMTP server.
    pub smtp_host: Option<String>,
    /// E-mail: the SMTP port; `None` means 587 (starttls), 465 (tls) or 25 (none).
    pub smtp_port: Option<u64>,
    /// E-mail: `starttls`, `tls` or `none` (`none` only for a server on this machine).
    pub smtp_tls: String,
    /// E-mail: the SMTP login, if the server needs one.
    pub smtp_user: Option<String>,
    /// E-mail: the SMTP password (prefer the OS keyring).
    pub smtp_password: Option<String>,
    /// E-mail: the sender address; also the requester for helpdesks that need an e-mail.
    pub from: Option<String>,
    /// E-mail: the helpdesk's address tickets are sent to.
    pub to: Option<String>,
    /// Time limit of one request to the helpdesk, in seconds.
    pub timeout_s: u64,
    /// Redmine: file issues as the user (`X-Redmine-Switch-User` with their login; the
    /// `api_key` must be an administrator's). Off: the body names the user instead.
    pub impersonate: bool,
}

impl Default for HelpdeskConfig {
    fn default() -> Self {
        Self {
            kind: None,
            url: None,
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
            smtp_tls: "starttls".to_owned(),
            smtp_user: None,
            smtp_password: None,
            from: None,
            to: None,
            timeout_s: 20,
            impersonate: false,
        }
    }
}

/// `[server]`: the Deskside server. When `url` is set, tickets go through the server's relay
/// and the device holds no helpdesk credential, only its own enrolment key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ServerConfig {
    /// Base URL of the Deskside server (`https://deskside.corp.example/`).
    pub url: Option<String>,
    /// The one-time enrolment secret IT hands out (MDM policy); exchanged once for the
    /// device's key by `desksidectl server enroll`.
    pub enroll_secret: Option<String>,
    /// Send each diagnosis summary (root cause, verdict, salted network fingerprint, VPN
    /// up/down; no personal data) to the server and show the known issues it answers with.
    /// Only with `url` set.
    pub report: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            url: None,
            enroll_secret: None,
            report: true,
        }
    }
}

impl ServerConfig {
    /// The server's URL when one is configured (blank counts as none): the one rule for
    /// "tickets go through the relay".
    #[must_use]
    pub fn relay_url(&self) -> Option<&str> {
        self.url.as_deref().filter(|u| !u.trim().is_empty())
    }

    /// Whether diagnoses are reported to the server: a server is configured and `report` is
    /// on.
    #[must_use]
    pub fn reports(&self) -> bool {
        self.report && self.relay_url().is_some()
    }
}

/// `[tickets]`: what a ticket may carry and how long delivery is retried.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TicketsConfig {
    /// Parts never sent: `device`, `diagnosis`, `fixes`, `audit`, `logs`, `screenshot`.
    pub forbid: Vec<String>,
    /// Also hide personal data: user names in paths, MAC addresses, the serial number.
    pub redact_personal: bool,
    /// Largest bundle (JSON plus screenshot), in bytes; logs, then the screenshot, are cut first.
    pub max_bundle_bytes: u64,
    /// Largest part of one log file kept (its end), in bytes.
    pub max_log_bytes: u64,
    /// Delivery attempts before a ticket is marked failed.
    pub max_attempts: u64,
    /// How long `ticket submit` tries to deliver before leaving the ticket queued, in seconds.
    pub submit_wait_s: u64,
    /// The requester's e-mail from the login: a template such as `{user}@corp.example`
    /// (`{user}` is the operating-system login). `None`: only [`TicketsConfig::requesters`].
    pub requester: Option<String>,
    /// Explicit identities, `"login = address"`, which win over the template.
    pub requesters: Vec<String>,
    /// Root cause → category when the user chose none, `"pattern = category"`, first match
    /// wins; the pattern is a check id (`net.dns`), a prefix (`net.*`) or `*`.
    pub categories: Vec<String>,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        Self {
            forbid: Vec::new(),
            redact_personal: false,
            max_bundle_bytes: 4 * 1024 * 1024,
            max_log_bytes: 256 * 1024,
            max_attempts: 50,
            submit_wait_s: 30,
            requester: None,
            requesters: Vec::new(),
            categories: [
                "net.* = Network and VPN",
                "vpn.* = Network and VPN",
                "disk.* = Hardware",
                "system.clock = Software",
                "system.uptime = Software",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

/// `[password]`: password expiry and change.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PasswordConfig {
    /// Where expiry comes from: `ad`, `ldap`, `kerberos` or `manual`; `None` turns the feature off.
    pub source: Option<String>,
    /// Directory URL: `ldaps://…`, or `ldap://…` (StartTLS is then required).
    pub url: Option<String>,
    /// Search base, such as `DC=corp,DC=example`.
    pub base_dn: Option<String>,
    /// PEM file of the CA that signed the directory's certificate; `None` uses the OS store.
    pub ca_file: Option<String>,
    /// Account name; `None` means the logged-in user.
    pub user: Option<String>,
    /// Days before expiry on which to warn (then daily from the smallest).
    pub warn_days: Vec<u64>,
    /// AD: the UPN suffix the user binds with (`jdoe@corp.example`); `None` uses the realm.
    pub domain: Option<String>,
    /// OpenLDAP: the user's DN, `{user}` standing for the account name.
    pub user_dn_template: Option<String>,
    /// OpenLDAP: the ppolicy entry used when the user's entry names none.
    pub policy_dn: Option<String>,
    /// Kerberos realm, such as `CORP.EXAMPLE`.
    pub kerberos_realm: Option<String>,
    /// Host (optionally `:port`) of the kpasswd service; `None` asks DNS.
    pub kpasswd_server: Option<String>,
    /// Kerberos configuration file(s) for `kinit`/`kpasswd` (`KRB5_CONFIG`); `None` = the system's.
    pub krb5_config: Option<String>,
    /// After a password change, get a fresh Kerberos ticket into the user's credential cache.
    pub refresh_ticket: bool,
    /// Web page where the password can be changed (manual source, and as a fallback).
    pub change_url: Option<String>,
    /// Self-service reset page for a forgotten password.
    pub reset_url: Option<String>,
    /// Self-service page for a locked-out account.
    pub unlock_url: Option<String>,
    /// Extra OS-keyring entries to update after a change, `service/user` (`{user}` = account).
    pub keyring_entries: Vec<String>,
    /// Saved credentials Deskside cannot update, named for the user to update by hand.
    pub other_credentials: Vec<String>,
    /// The directory is reachable only over the VPN: the change pre-flight checks the VPN.
    pub internal: bool,
    /// Lowest zxcvbn strength score (0–4) a new password must reach.
    pub min_strength: u64,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            source: None,
            url: None,
            base_dn: None,
            ca_file: None,
            user: None,
            warn_days: vec![14, 7, 3, 1],
            domain: None,
            user_dn_template: None,
            policy_dn: None,
            kerberos_realm: None,
            kpasswd_server: None,
            krb5_config: None,
            refresh_ticket: false,
            change_url: None,
            reset_url: None,
            unlock_url: None,
            keyring_entries: Vec::new(),
            other_credentials: Vec::new(),
            internal: false,
            min_strength: 3,
        }
    }
}

/// `[security]`: exceptions to the secure defaults. Admin-only: honoured from the system file
/// and managed policy, ignored (with a note) from files a user controls.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default)]
pub struct SecurityConfig {
    /// Hosts a credential may be sent to over plain `http://` (a URL such as `helpdesk.url`
    /// must otherwise be `https://`, or point at this machine). Each use is a warning in
    /// `desksidectl config validate`.
    pub allow_http_hosts: Vec<String>,
}

/// What a user must write for a key; drives "expected …" in error messages, the value's type in
/// every template, and how a registry value or property-list value maps to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// `true` or `false`.
    Bool,
    /// A non-negative integer.
    Count,
    /// Any number, integer or float.
    Number,
    /// A string.
    Text,
    /// A list of strings.
    TextList,
    /// A list of CIDR subnets written as strings.
    SubnetList,
    /// A list of non-negative integers.
    CountList,
    /// A list of tables (`[[section.key]]`), such as admin actions.
    TableList,
    /// Text shown to users: a string, or a table of translations by language tag with a
    /// `default` ([`crate::localized`]).
    LocalText,
}

impl Kind {
    /// The expected value, as an error message says it.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Self::Bool => "true or false",
            Self::Count => "a non-negative integer",
            Self::Number => "a number",
            Self::Text => "a string",
            Self::TextList => "a list of strings",
            Self::SubnetList => "a list of CIDR subnets such as \"10.0.0.0/8\"",
            Self::CountList => "a list of non-negative integers",
            Self::TableList => "a list of tables",
            Self::LocalText => {
                "a string, or a table of translations such as { default = \"IT help\", de = \"IT-Hilfe\" }"
            }
        }
    }

    /// The expected value of one item of a list key.
    pub(crate) fn expected_item(self) -> &'static str {
        match self {
            Self::SubnetList => "a CIDR subnet such as \"10.0.0.0/8\"",
            Self::CountList => "a non-negative integer",
            Self::TableList => "a table",
            _ => "a string",
        }
    }

    /// Whether the key holds a list.
    #[must_use]
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Self::TextList | Self::SubnetList | Self::CountList | Self::TableList
        )
    }

    /// The type as the reference documentation names it.
    #[must_use]
    pub fn doc_name(self) -> &'static str {
        match self {
            Self::Bool => "boolean",
            Self::Count => "integer",
            Self::Number => "number",
            Self::Text => "string",
            Self::TextList => "list of strings",
            Self::SubnetList => "list of CIDR subnets",
            Self::CountList => "list of integers",
            Self::TableList => "list of tables",
            Self::LocalText => "text or translations",
        }
    }
}

/// What values a key accepts beyond its [`Kind`]; checked on the merged configuration
/// (`validate.rs`) and written into every template (ADMX ranges and drop-downs, Jamf `enum`,
/// ProfileManifest ranges, the reference).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Allowed {
    /// Anything of the key's kind.
    Any,
    /// One of these words (a text key) or, for a list key, each item one of them.
    OneOf(&'static [&'static str]),
    /// An integer from `min` to `max` (inclusive).
    Range {
        /// Smallest value.
        min: u64,
        /// Largest value.
        max: u64,
    },
    /// A number from 0 to 100.
    Percent,
    /// `http://` or `https://` URLs (each item of a list).
    HttpUrl,
    /// Host names: no whitespace, at most 253 characters (each item of a list).
    HostName,
    /// Non-empty paths (each item of a list).
    Path,
    /// A colour written `#rrggbb`.
    Color,
    /// A shape checked by code, described in plain words for the documentation.
    Shape(&'static str),
}

impl Allowed {
    /// The rule in plain words, for the reference and the templates' explanations.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Any => String::new(),
            Self::OneOf(words) => words
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Self::Range { min, max } if *max == u64::MAX => format!("at least {min}"),
            Self::Range { min, max } => format!("{min}–{max}"),
            Self::Percent => "0–100".to_owned(),
            Self::HttpUrl => "http:// or https:// URL".to_owned(),
            Self::HostName => "host names".to_owned(),
            Self::Path => "non-empty paths".to_owned(),
            Self::Color => "`#rrggbb`".to_owned(),
            Self::Shape(text) => (*text).to_owned(),
        }
    }
}

/// How sensitive a key is: who may set it, and whether its value is a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sensitivity {
    /// Any layer may set it.
    Normal,
    /// Security-sensitive: honoured only from mandatory policy or the admin-owned system file;
    /// the text says why.
    AdminOnly(&'static str),
    /// Admin-only and a credential (or a `keyring:SERVICE/ACCOUNT` reference to one): also
    /// shown as `<redacted>`.
    Secret(&'static str),
    /// Admin-only and runs programs: in a user file (or an explicit file) it is an error, not
    /// a note, since no such file ever held it legitimately.
    Program(&'static str),
}

/// The levels a key may be set at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    /// Mandatory and recommended policy and every file.
    Any,
    /// Mandatory policy and the admin-owned system file only (security-sensitive keys).
    AdminOnly,
}

/// One key of the configuration, declared once: everything else (the layer checks, the
/// admin-only and secret lists, the policy mappings, `docs/config.md`'s reference and the
/// admin templates) is derived from [`KEYS`]. The typed field of [`Config`] holds its value and
/// its built-in default; a test keeps the two in step.
#[derive(Debug, Clone, Copy)]
pub struct KeyDef {
    /// The table the key lives in, such as `network`.
    pub section: &'static str,
    /// The key within its table, such as `probe_urls`.
    pub name: &'static str,
    /// What the key holds.
    pub kind: Kind,
    /// What it does, in plain English for administrators (one or two sentences).
    pub doc: &'static str,
    /// An example value as TOML, for keys whose default is unset or empty.
    pub example: Option<&'static str>,
    /// The values it accepts.
    pub allowed: Allowed,
    /// Who may set it.
    pub sensitivity: Sensitivity,
}

impl KeyDef {
    /// The dotted path, such as `network.probe_urls`.
    #[must_use]
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }

    /// Why only IT may set it, for security-sensitive keys.
    #[must_use]
    pub fn admin_only(&self) -> Option<&'static str> {
        match self.sensitivity {
            Sensitivity::Normal => None,
            Sensitivity::AdminOnly(why) | Sensitivity::Secret(why) | Sensitivity::Program(why) => {
                Some(why)
            }
        }
    }

    /// Whether the value is a credential, shown `<redacted>`.
    #[must_use]
    pub fn is_secret(&self) -> bool {
        matches!(self.sensitivity, Sensitivity::Secret(_))
    }

    /// Whether the key runs programs.
    #[must_use]
    pub fn runs_programs(&self) -> bool {
        matches!(self.sensitivity, Sensitivity::Program(_))
    }

    /// The levels it may be set at.
    #[must_use]
    pub fn levels(&self) -> Levels {
        if self.admin_only().is_some() {
            Levels::AdminOnly
        } else {
            Levels::Any
        }
    }

    /// The built-in default as TOML; `None` when the key is unset by default.
    #[must_use]
    pub fn default_value(&self) -> Option<toml::Value> {
        let table = toml::Table::try_from(Config::default()).ok()?;
        table.get(self.section)?.as_table()?.get(self.name).cloned()
    }

    const fn example(mut self, toml: &'static str) -> Self {
        self.example = Some(toml);
        self
    }

    const fn allowed(mut self, allowed: Allowed) -> Self {
        self.allowed = allowed;
        self
    }

    const fn range(self, min: u64, max: u64) -> Self {
        self.allowed(Allowed::Range { min, max })
    }

    const fn one_of(self, words: &'static [&'static str]) -> Self {
        self.allowed(Allowed::OneOf(words))
    }

    const fn admin(mut self, why: &'static str) -> Self {
        self.sensitivity = Sensitivity::AdminOnly(why);
        self
    }
}

const fn key(section: &'static str, name: &'static str, kind: Kind, doc: &'static str) -> KeyDef {
    KeyDef {
        section,
        name,
        kind,
        doc,
        example: None,
        allowed: Allowed::Any,
        sensitivity: Sensitivity::Normal,
    }
}

/// The sections, in the order they appear in [`Config`], with what each is for.
pub const SECTION_DOCS: &[(&str, &str)] = &[
    (
        "network",
        "Internet reachability, DNS and connection-quality checks.",
    ),
    ("vpn", "Corporate VPN checks and the VPN reconnect fix."),
    ("disk", "Free-space, inode and temp-file checks."),
    ("clock", "Clock-offset checks."),
    ("system", "Whole-machine checks such as uptime."),
    (
        "app",
        "The tray app: background checks, start at login, notifications.",
    ),
    ("branding", "Company branding shown in the app."),
    (
        "fixes",
        "One-click fixes: which run automatically, the audit log, admin-defined actions.",
    ),
    (
        "helpdesk",
        "Where tickets go: the helpdesk connector and its settings.",
    ),
    (
        "tickets",
        "What tickets may carry: forbidden parts, personal-data redaction, size caps, retries.",
    ),
    (
        "server",
        "The Deskside server this device enrols with (tickets then go through its relay).",
    ),
    (
        "password",
        "Password expiry and change: the directory and when to warn.",
    ),
    (
        "security",
        "Exceptions to the secure defaults, granted by IT only.",
    ),
];

/// The section names, in the order they appear in [`Config`].
pub(crate) const SECTIONS: &[&str] = &[
    "network", "vpn", "disk", "clock", "system", "app", "branding", "fixes", "helpdesk", "tickets",
    "server", "password", "security",
];

/// The VPN clients the reconnect fix can drive.
const CLIENTS: &[&str] = &[
    "wireguard",
    "networkmanager",
    "openvpn",
    "rasdial",
    "scutil",
];
/// The helpdesk connectors.
const HELPDESK_KINDS: &[&str] = &[
    "rt",
    "redmine",
    "jsm",
    "zendesk",
    "freshservice",
    "servicenow",
    "glpi",
    "zammad",
    "webhook",
    "email",
];
/// Parts of a ticket that `tickets.forbid` can name (`diagnostics` is an alias of `diagnosis`).
const TICKET_PARTS: &[&str] = &[
    "device",
    "diagnosis",
    "diagnostics",
    "fixes",
    "audit",
    "logs",
    "screenshot",
];
/// A timeout or threshold in milliseconds: past a minute a check is not "quick".
const MS: Allowed = Allowed::Range {
    min: 1,
    max: 60_000,
};
/// At least 1.
const POSITIVE: Allowed = Allowed::Range {
    min: 1,
    max: u64::MAX,
};
const CREDENTIAL: &str = "it is a helpdesk credential";

/// Every key, in documentation order: the one declaration of the configuration's keys.
pub const KEYS: &[KeyDef] = &[
    key("network", "probe_urls", Kind::TextList, "URLs fetched to decide whether the internet is reachable: a 204 answer, or a 200 whose body contains `probe_expect_body`, counts as reachable. At least one.").allowed(Allowed::HttpUrl),
    key("network", "probe_expect_body", Kind::Text, "When set, a 200 answer whose body contains this text also means the internet is reachable.").example("\"success\""),
    key("network", "dns_names", Kind::TextList, "Names that must resolve for the DNS check to pass.").allowed(Allowed::HostName),
    key("network", "dns_timeout_ms", Kind::Count, "Time limit of one DNS query, in milliseconds.").allowed(MS),
    key("network", "http_timeout_ms", Kind::Count, "Time limit of one web probe, in milliseconds.").allowed(MS),
    key("network", "quality_samples", Kind::Count, "Echo requests sent per target to measure loss, latency and jitter.").range(1, 200),
    key("network", "warn_loss_percent", Kind::Number, "Packet loss, in percent, from which the connection-quality check warns; below `fail_loss_percent`.").allowed(Allowed::Percent),
    key("network", "fail_loss_percent", Kind::Number, "Packet loss, in percent, from which the connection-quality check fails.").allowed(Allowed::Percent),
    key("network", "warn_latency_ms", Kind::Count, "Latency, in milliseconds, from which the connection-quality check warns; below `fail_latency_ms`.").range(0, 60_000),
    key("network", "fail_latency_ms", Kind::Count, "Latency, in milliseconds, from which the connection-quality check fails.").range(0, 60_000),
    key("network", "warn_jitter_ms", Kind::Count, "Jitter, in milliseconds, from which the connection-quality check warns.").range(0, 60_000),
    key("network", "pac_url", Kind::Text, "A proxy auto-configuration (PAC) file checked in addition to the system's.").example("\"http://wpad.corp.example/wpad.dat\"").allowed(Allowed::HttpUrl),
    key("vpn", "required", Kind::Bool, "Whether a missing VPN is a failure rather than information."),
    key("vpn", "interfaces", Kind::TextList, "Glob patterns of network interface names that are VPN tunnels.").allowed(Allowed::Shape("non-empty glob patterns such as `wg*`")),
    key("vpn", "corporate_subnets", Kind::SubnetList, "Subnets reached through the VPN.").example("[\"10.0.0.0/8\"]"),
    key("vpn", "internal_names", Kind::TextList, "Internal names that must resolve when the VPN is up.").example("[\"intranet.corp.example\"]").allowed(Allowed::HostName),
    key("vpn", "internal_urls", Kind::TextList, "Internal web addresses that must answer when the VPN is up.").example("[\"https://intranet.corp.example/\"]").allowed(Allowed::HttpUrl),
    key("vpn", "handshake_max_age_s", Kind::Count, "WireGuard: a handshake older than this many seconds is stale.").allowed(POSITIVE),
    key("vpn", "client", Kind::Text, "The VPN client the VPN reconnect fix drives (`rasdial` on Windows, `scutil` on macOS); unset offers no reconnect.").example("\"wireguard\"").one_of(CLIENTS),
    key("vpn", "connection", Kind::Text, "The VPN client's connection: a wg-quick interface or config file, a NetworkManager connection or an OpenVPN instance.").example("\"wg0\"").allowed(Allowed::Shape("a connection name or config file path, not starting with `-`")).admin("the VPN reconnect runs it with administrator rights"),
    key("disk", "paths", Kind::TextList, "Mount points or drives to check; empty means every real local volume.").example("[\"/\", \"/home\"]").allowed(Allowed::Path),
    key("disk", "warn_free_percent", Kind::Number, "Free space, in percent, below which the disk check warns.").allowed(Allowed::Percent),
    key("disk", "fail_free_percent", Kind::Number, "Free space, in percent, below which the disk check fails; below `warn_free_percent`.").allowed(Allowed::Percent),
    key("disk", "warn_free_inodes_percent", Kind::Number, "Free inodes, in percent, below which the disk check warns.").allowed(Allowed::Percent),
    key("disk", "fail_free_inodes_percent", Kind::Number, "Free inodes, in percent, below which the disk check fails; below `warn_free_inodes_percent`.").allowed(Allowed::Percent),
    key("disk", "temp_paths", Kind::TextList, "Temp folders to measure; empty means the OS temp folder and the user's cache folder.").example("[\"/var/tmp\"]").allowed(Allowed::Path),
    key("disk", "temp_warn_bytes", Kind::Count, "Total size of temp files, in bytes, from which the temp check warns.").allowed(POSITIVE),
    key("clock", "warn_offset_s", Kind::Count, "Clock offset, in seconds, from which the clock check warns; below `fail_offset_s`."),
    key("clock", "fail_offset_s", Kind::Count, "Clock offset, in seconds, from which the clock check fails."),
    key("system", "uptime_warn_days", Kind::Count, "Uptime, in days, from which a restart is suggested.").allowed(POSITIVE),
    key("app", "check_interval_s", Kind::Count, "Seconds between background health checks of the tray app (a network change also triggers one).").range(60, 86_400),
    key("app", "autostart", Kind::Bool, "Start the tray app at login."),
    key("app", "notify", Kind::Bool, "Show a notification when a new problem appears."),
    key("branding", "organization", Kind::LocalText, "Organisation name shown in the app's title; unset shows \"Deskside\".").example("{ default = \"Acme\", de = \"Acme GmbH\" }"),
    key("branding", "product_name", Kind::LocalText, "The app's name in its window title and header; unset: the organisation's name with \"IT help\", else \"Deskside\".").example("{ default = \"Acme Help\", de = \"Acme Hilfe\" }"),
    key("branding", "accent_color", Kind::Text, "Accent colour of the app. A colour under 4.5:1 contrast with the light theme's surfaces is a warning: the app then shows a darker shade for text and focus rings (on the dark theme it always uses a lighter one).").allowed(Allowed::Color),
    key("branding", "logo_path", Kind::Text, "Path of a logo image (PNG or SVG, at most 512 KiB) on the computer, for the light theme; unset shows the Deskside logo.").example("\"/usr/share/acme/logo.png\""),
    key("branding", "logo_dark_path", Kind::Text, "The logo for the dark theme; unset uses `logo_path`.").example("\"/usr/share/acme/logo-dark.png\""),
    key("branding", "contact_phone", Kind::Text, "IT's phone number, shown on Get help and with errors.").example("\"+1 555 0100\""),
    key("branding", "contact_email", Kind::Text, "IT's e-mail address, shown on Get help and with errors.").example("\"it@corp.example\"").allowed(Allowed::Shape("an e-mail address")),
    key("branding", "contact_portal", Kind::Text, "IT's self-service portal, shown on Get help and with errors.").example("\"https://it.corp.example/\"").allowed(Allowed::HttpUrl),
    key("branding", "contact_hours", Kind::LocalText, "When IT can be reached, shown with the contact.").example("{ default = \"Mon–Fri 8:00–18:00\", de = \"Mo–Fr 8–18 Uhr\" }"),
    key("branding", "support_links", Kind::TextList, "Links shown on Get help, `\"title = https://…\"`.").example("[\"Known issues = https://status.corp.example/\"]").allowed(Allowed::Shape("`title = http(s) URL` entries")),
    key("branding", "tray_icons", Kind::Text, "Folder holding the tray icon set: `ok.png`, `warning.png` and `problem.png` (PNG, at least 32×32); unset uses Deskside's icons.").example("\"/usr/share/acme/deskside-tray\""),
    key("fixes", "auto", Kind::TextList, "Built-in fix ids that `diagnose --fix` may apply without asking when they address the root cause; a destructive fix here is a warning.").allowed(Allowed::Shape("built-in fix ids")),
    key("fixes", "disabled", Kind::TextList, "Fix ids (built-in or admin actions) never offered.").example("[\"net.reset_stack\"]").allowed(Allowed::Shape("built-in fix ids or admin action ids")),
    key("fixes", "temp_max_age_days", Kind::Count, "The clear-temp fix removes temp and cache files older than this many days.").allowed(POSITIVE),
    key("fixes", "audit_max_bytes", Kind::Count, "The fix audit log is rotated when it grows past this many bytes.").range(4096, u64::MAX),
    key("fixes", "audit_keep", Kind::Count, "How many rotated audit logs are kept.").range(0, 100),
    KeyDef { sensitivity: Sensitivity::Program("it runs programs"), ..key("fixes", "actions", Kind::TableList, "Admin-defined actions: buttons that run a program (absolute path, arguments as a list, no shell). Each is a table with `id`, `title`, optional `description`, `program`, `args`, `elevate` (default false), `timeout_s` (default 60, 1–3600) and `addresses` (check ids). In the registry: a JSON array of such tables.").example("[{ id = \"restart-agent\", title = \"Restart the management agent\", program = \"/usr/bin/systemctl\", args = [\"restart\", \"acme-agent.service\"], elevate = true, timeout_s = 60, addresses = [\"system.uptime\"] }]") },
    key("helpdesk", "kind", Kind::Text, "The helpdesk connector tickets are filed with; unset means no helpdesk.").example("\"rt\"").one_of(HELPDESK_KINDS),
    key("helpdesk", "url", Kind::Text, "Base URL of the helpdesk (or of the webhook); https:// (http:// only to this computer or a host in `security.allow_http_hosts`).").example("\"https://rt.corp.example/\"").allowed(Allowed::HttpUrl).admin("helpdesk credentials are sent to it"),
    key("helpdesk", "queue", Kind::Text, "RT: the queue new tickets go to.").example("\"General\""),
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "token", Kind::Text, "RT: the API token, or `keyring:SERVICE/ACCOUNT` to read it from the OS keyring.").example("\"keyring:deskside/rt\"") },
    key("helpdesk", "project", Kind::Text, "Redmine: the project identifier.").example("\"it-support\""),
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "api_key", Kind::Text, "Redmine: the API key, or `keyring:SERVICE/ACCOUNT`.").example("\"keyring:deskside/redmine\"") },
    key("helpdesk", "key_field", Kind::Text, "RT and Redmine custom field (Freshservice: custom field name) holding Deskside's idempotency key; unset means `Deskside Key` (Freshservice: `deskside_key`).").example("\"Deskside Key\""),
    key("helpdesk", "key_field_id", Kind::Count, "Redmine: the id of that custom field; needed when the API key is not an administrator's.").example("3"),
    key("helpdesk", "user", Kind::Text, "JSM, Zendesk, ServiceNow, GLPI: the account name or e-mail the API is used as.").example("\"agent@corp.example\""),
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "password", Kind::Text, "ServiceNow: the account's password, or `keyring:SERVICE/ACCOUNT`.").example("\"keyring:deskside/servicenow\"") },
    key("helpdesk", "service_desk_id", Kind::Text, "JSM: the service desk id.").example("\"1\""),
    key("helpdesk", "request_type_id", Kind::Text, "JSM: the request type id.").example("\"10\""),
    key("helpdesk", "group", Kind::Text, "Zammad: the group new tickets go to.").example("\"Users\""),
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "app_token", Kind::Text, "GLPI: the application token (App-Token), or `keyring:SERVICE/ACCOUNT`.").example("\"keyring:deskside/glpi\"") },
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "secret", Kind::Text, "Webhook: the HMAC-SHA256 signing key, or `keyring:SERVICE/ACCOUNT`.").example("\"keyring:deskside/webhook\"") },
    key("helpdesk", "smtp_host", Kind::Text, "E-mail: the SMTP server.").example("\"smtp.corp.example\"").admin("the SMTP login is sent to it"),
    key("helpdesk", "smtp_port", Kind::Count, "E-mail: the SMTP port; unset means 587 (starttls), 465 (tls) or 25 (none).").example("587").range(1, 65_535),
    key("helpdesk", "smtp_tls", Kind::Text, "E-mail: how the SMTP connection is encrypted; `none` only for a mail server on this computer.").one_of(&["starttls", "tls", "none"]),
    key("helpdesk", "smtp_user", Kind::Text, "E-mail: the SMTP login, if the server needs one.").example("\"deskside\""),
    KeyDef { sensitivity: Sensitivity::Secret(CREDENTIAL), ..key("helpdesk", "smtp_password", Kind::Text, "E-mail: the SMTP password, or `keyring:SERVICE/ACCOUNT`.").example("\"keyring:deskside/smtp\"") },
    key("helpdesk", "from", Kind::Text, "E-mail: the sender address; also the requester for helpdesks that need an e-mail (Freshservice, Zendesk, Zammad).").example("\"deskside@corp.example\""),
    key("helpdesk", "to", Kind::Text, "E-mail: the helpdesk's address tickets are sent to.").example("\"helpdesk@corp.example\""),
    key("helpdesk", "timeout_s", Kind::Count, "Time limit of one request to the helpdesk, in seconds.").range(1, 300),
    key("helpdesk", "impersonate", Kind::Bool, "Redmine: file issues as the user (X-Redmine-Switch-User; the API key must be an administrator's). Off: the body names the user instead.").admin("it files tickets as another helpdesk user"),
    key("tickets", "forbid", Kind::TextList, "Parts of a ticket never sent.").example("[\"screenshot\"]").one_of(TICKET_PARTS),
    key("tickets", "redact_personal", Kind::Bool, "Also hide personal data in tickets: user names in paths, MAC addresses, the serial number."),
    key("tickets", "max_bundle_bytes", Kind::Count, "Largest ticket bundle (JSON plus screenshot), in bytes; logs, then the screenshot, are cut first.").range(65_536, u64::MAX),
    key("tickets", "max_log_bytes", Kind::Count, "Largest part of one log file kept in a ticket (its end), in bytes.").range(1024, u64::MAX),
    key("tickets", "max_attempts", Kind::Count, "Delivery attempts before a ticket is marked failed.").range(1, 1000),
    key("tickets", "submit_wait_s", Kind::Count, "How long `ticket submit` tries to deliver before leaving the ticket queued, in seconds.").range(0, 300),
    key("tickets", "requester", Kind::Text, "Whom tickets are filed for: an e-mail template where `{user}` is the OS login.").example("\"{user}@corp.example\"").allowed(Allowed::Shape("an e-mail template containing `@`")).admin("it decides whom tickets are filed for"),
    key("tickets", "requesters", Kind::TextList, "Explicit identities, `\"login = address\"`, which win over the template.").example("[\"jdoe = jane.doe@corp.example\"]").allowed(Allowed::Shape("`login = address` entries")).admin("it decides whom tickets are filed for"),
    key("tickets", "categories", Kind::TextList, "Root cause → ticket category when the user chose none, `\"pattern = category\"`, first match wins; the pattern is a check id, a prefix such as `net.*`, or `*`.").allowed(Allowed::Shape("`pattern = category` entries")),
    key("server", "url", Kind::Text, "Base URL of the Deskside server; when set, tickets go through its relay. https:// (http:// only to this computer or a host in `security.allow_http_hosts`).").example("\"https://deskside.corp.example/\"").allowed(Allowed::HttpUrl).admin("the device's enrolment secret and signed requests are sent to it"),
    KeyDef { sensitivity: Sensitivity::Secret("it is an enrolment credential"), ..key("server", "enroll_secret", Kind::Text, "The one-time enrolment secret, exchanged for the device's own key by `desksidectl server enroll`.").example("\"...\"") },
    key("server", "report", Kind::Bool, "Send each diagnosis summary to the server (root-cause id, verdict, the gateway and DNS addresses hashed with the server's salt, VPN up/down; no user or host name, no clear address) and show the known issues it answers with. Only with `server.url`."),
    key("password", "source", Kind::Text, "Where password expiry comes from; unset turns the password feature off.").example("\"ad\"").one_of(&["ad", "ldap", "kerberos", "manual"]),
    key("password", "url", Kind::Text, "Directory URL: ldaps://, or ldap:// with StartTLS (plain binds are refused).").example("\"ldaps://dc1.corp.example\"").allowed(Allowed::Shape("an ldaps:// or ldap:// URL")),
    key("password", "base_dn", Kind::Text, "Search base of the directory.").example("\"DC=corp,DC=example\""),
    key("password", "ca_file", Kind::Text, "PEM file of the CA that signed the directory's certificate; unset uses the OS store.").example("\"/etc/ssl/corp-ca.pem\""),
    key("password", "user", Kind::Text, "Account name; unset means the logged-in user.").example("\"jdoe\""),
    key("password", "warn_days", Kind::CountList, "Days before expiry on which to warn (then daily from the smallest).").range(0, 365),
    key("password", "domain", Kind::Text, "AD: the UPN suffix the user binds with (jdoe@corp.example); unset uses the realm.").example("\"corp.example\""),
    key("password", "user_dn_template", Kind::Text, "OpenLDAP: the user's DN, `{user}` standing for the account name.").example("\"uid={user},ou=people,dc=example,dc=org\"").allowed(Allowed::Shape("contains `{user}`")),
    key("password", "policy_dn", Kind::Text, "OpenLDAP: the password-policy entry used when the user's entry names none.").example("\"cn=default,ou=policies,dc=example,dc=org\""),
    key("password", "kerberos_realm", Kind::Text, "Kerberos realm.").example("\"CORP.EXAMPLE\""),
    key("password", "kpasswd_server", Kind::Text, "Kerberos: host (optionally `:port`) of the kpasswd service; unset asks DNS.").example("\"dc1.corp.example\""),
    key("password", "krb5_config", Kind::Text, "Kerberos configuration file for kinit/kpasswd (KRB5_CONFIG); unset uses the system's.").example("\"/etc/krb5.conf\""),
    key("password", "refresh_ticket", Kind::Bool, "After a password change, get a fresh Kerberos ticket into the user's credential cache."),
    key("password", "change_url", Kind::Text, "Web page where the password can be changed (manual source, and as a fallback).").example("\"https://sspr.corp.example/change\"").allowed(Allowed::HttpUrl),
    key("password", "reset_url", Kind::Text, "Self-service reset page for a forgotten password.").example("\"https://sspr.corp.example/reset\"").allowed(Allowed::HttpUrl),
    key("password", "unlock_url", Kind::Text, "Self-service page for a locked-out account.").example("\"https://sspr.corp.example/unlock\"").allowed(Allowed::HttpUrl),
    key("password", "keyring_entries", Kind::TextList, "Extra OS-keyring entries to update after a change, `service/user` (`{user}` = the account).").example("[\"imap.corp.example/{user}\"]").allowed(Allowed::Shape("`service/user` entries")),
    key("password", "other_credentials", Kind::TextList, "Saved credentials Deskside cannot update, named for the user to update by hand.").example("[\"Wi-Fi on your phone\"]"),
    key("password", "internal", Kind::Bool, "The directory is reachable only over the VPN: the change pre-flight checks the VPN."),
    key("password", "min_strength", Kind::Count, "Lowest zxcvbn strength score a new password must reach.").range(0, 4),
    key("security", "allow_http_hosts", Kind::TextList, "Hosts a credential may be sent to over plain http:// (each use is a warning); otherwise credential URLs must be https://.").example("[\"helpdesk.corp.example\"]").allowed(Allowed::Shape("host names or IP addresses, no scheme, port, path or wildcard")).admin("it lets credentials travel unencrypted"),
];

/// The admin actions key, whose tables hold localised text in [`ACTION_TEXT_FIELDS`].
const ACTIONS: (&str, &str) = ("fixes", "actions");
/// Fields of an admin action (`[[fixes.actions]]`) that are localised text.
pub const ACTION_TEXT_FIELDS: &[&str] = &["title", "description"];

/// `value` of the key `spec` with its localised text resolved for `locale` (a plain string
/// stays as it is; `None` takes each table's `default`). The problem in plain words when a
/// translations table is malformed.
pub(crate) fn localize_key(
    spec: &KeyDef,
    value: &toml::Value,
    locale: Option<&str>,
) -> Result<toml::Value, String> {
    if spec.kind == Kind::LocalText {
        return crate::localized::localize(value, locale);
    }
    if (spec.section, spec.name) != ACTIONS {
        return Ok(value.clone());
    }
    let Some(items) = value.as_array() else {
        return Ok(value.clone());
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut item = item.clone();
        if let Some(fields) = item.as_table_mut() {
            for field in ACTION_TEXT_FIELDS {
                if let Some(text) = fields.get(*field) {
                    let resolved = crate::localized::localize(text, locale)
                        .map_err(|e| format!("item {}: `{field}`: {e}", i + 1))?;
                    fields.insert((*field).to_owned(), resolved);
                }
            }
        }
        out.push(item);
    }
    Ok(toml::Value::Array(out))
}

/// The schema entry for `section.name`, if there is one.
pub(crate) fn find(section: &str, name: &str) -> Option<&'static KeyDef> {
    KEYS.iter().find(|k| k.section == section && k.name == name)
}

/// The schema entry for a dotted key, if there is one.
#[must_use]
pub fn find_dotted(key: &str) -> Option<&'static KeyDef> {
    let (section, name) = key.split_once('.')?;
    find(section, name)
}

/// Whether the dotted key holds a credential (shown `<redacted>`).
pub(crate) fn is_secret(key: &str) -> bool {
    find_dotted(key).is_some_and(KeyDef::is_secret)
}

/// Checks one key's value against its kind alone, the way the typed [`Config`] will read it:
/// the value is deserialized into a configuration holding only that key.
pub(crate) fn check_value(
    section: &str,
    name: &str,
    value: &toml::Value,
) -> Result<(), serde_path_to_error::Error<toml::de::Error>> {
    let mut inner = toml::Table::new();
    inner.insert(name.to_owned(), value.clone());
    let mut one = toml::Table::new();
    one.insert(section.to_owned(), toml::Value::Table(inner));
    serde_path_to_error::deserialize::<_, Config>(toml::Value::Table(one)).map(|_| ())
}

/// The built-in fix ids (the catalogue of `deskside-fixes`, which depends on this crate and
/// has a test that keeps the two equal), each with why it is destructive when it is: such a fix
/// in `fixes.auto` is a warning, since `diagnose --fix` would apply it without asking.
pub const BUILTIN_FIXES: &[(&str, Option<&str>)] = &[
    ("net.flush_dns", None),
    ("net.renew_address", None),
    ("net.restart_interface", None),
    (
        "net.reset_stack",
        Some("resets the network settings (on Windows it needs a restart)"),
    ),
    ("net.clear_proxy", None),
    ("net.forget_captive", None),
    ("vpn.reconnect", None),
    ("system.sync_clock", None),
    ("disk.clear_temp", Some("deletes files")),
    (
        "disk.empty_trash",
        Some("permanently deletes the files in the trash"),
    ),
    ("print.clear_queue", Some("cancels every waiting print job")),
    ("system.restart_prompt", Some("restarts the computer")),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn leaf_keys(value: &serde_json::Value) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (section, table) in value.as_object().unwrap() {
            for name in table.as_object().unwrap().keys() {
                out.insert(format!("{section}.{name}"));
            }
        }
        out
    }

    #[test]
    fn key_table_names_exactly_the_config_fields() {
        let mut config = Config::default();
        config.network.probe_expect_body = Some("x".into());
        config.network.pac_url = Some("http://pac.example.invalid/proxy.pac".into());
        config.branding.organization = Some("Acme".into());
        config.branding.logo_path = Some("/usr/share/acme/logo.png".into());
        let from_config = leaf_keys(&serde_json::to_value(&config).unwrap());
        let from_table: BTreeSet<String> = KEYS.iter().map(KeyDef::dotted).collect();
        assert_eq!(from_config, from_table);
        let sections: BTreeSet<&str> = KEYS.iter().map(|k| k.section).collect();
        assert_eq!(sections, SECTIONS.iter().copied().collect());
    }

    #[test]
    fn every_key_is_declared_once_with_a_doc_and_a_default_or_example() {
        let mut seen = BTreeSet::new();
        for spec in KEYS {
            assert!(
                seen.insert(spec.dotted()),
                "{} declared twice",
                spec.dotted()
            );
            assert!(
                spec.doc.ends_with('.'),
                "{}: doc is a sentence",
                spec.dotted()
            );
            if let Some(example) = spec.example {
                let parsed: toml::Table = toml::from_str(&format!("v = {example}"))
                    .unwrap_or_else(|e| panic!("{}: example: {e}", spec.dotted()));
                let value = localize_key(spec, &parsed["v"], None).unwrap();
                check_value(spec.section, spec.name, &value)
                    .unwrap_or_else(|e| panic!("{}: example: {e}", spec.dotted()));
            } else {
                assert!(
                    spec.default_value().is_some(),
                    "{} has neither a default nor an example",
                    spec.dotted()
                );
            }
        }
        let sections: Vec<&str> = SECTION_DOCS.iter().map(|(s, _)| *s).collect();
        assert_eq!(sections, SECTIONS);
    }

    #[test]
    fn security_sensitive_keys_are_the_expected_ones() {
        let admin: BTreeSet<String> = KEYS
            .iter()
            .filter(|k| k.admin_only().is_some())
            .map(KeyDef::dotted)
            .collect();
        for key in [
            "fixes.actions",
            "helpdesk.url",
            "helpdesk.token",
            "helpdesk.secret",
            "helpdesk.smtp_host",
            "server.url",
            "server.enroll_secret",
            "vpn.connection",
            "security.allow_http_hosts",
        ] {
            assert!(admin.contains(key), "{key}");
        }
        assert!(
            KEYS.iter()
                .filter(|k| k.is_secret())
                .all(|k| k.levels() == Levels::AdminOnly)
        );
        assert_eq!(
            KEYS.iter()
                .filter(|k| k.runs_programs())
                .map(KeyDef::dotted)
                .collect::<Vec<_>>(),
            ["fixes.actions"]
        );
    }

    #[test]
    fn every_key_of_the_defaults_passes_the_key_check() {
        let mut config = Config::default();
        config.network.probe_expect_body = Some("x".into());
        config.network.pac_url = Some("http://pac.example.invalid/proxy.pac".into());
        config.vpn.corporate_subnets = vec!["10.0.0.0/8".parse().unwrap()];
        let table = toml::Table::try_from(&config).unwrap();
        for (section, keys) in &table {
            for (name, value) in keys.as_table().unwrap() {
                check_value(section, name, value).unwrap();
            }
        }
    }
}
