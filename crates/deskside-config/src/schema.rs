//! The configuration schema: the typed [`Config`] the rest of Deskside reads, its built-in
//! defaults, the all-optional "partial" mirror each layer file is checked against, and the table of
//! every key with the type a user must write. Keeping the three side by side is what lets an error
//! say what was expected, and a test checks that they name the same keys.

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

/// `[branding]`: company look of the app, normally set by IT (MDM policy).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BrandingConfig {
    /// Organisation name shown in the title ("Acme IT Help"); `None` shows "Deskside".
    pub organization: Option<String>,
    /// Accent colour as `#rrggbb`.
    pub accent_color: String,
    /// Path of a logo image (PNG or SVG) on this machine; `None` shows the Deskside logo.
    pub logo_path: Option<String>,
}

impl Default for BrandingConfig {
    fn default() -> Self {
        Self {
            organization: None,
            accent_color: "#1d4ed8".to_owned(),
            logo_path: None,
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
#[serde(default)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default)]
pub struct ServerConfig {
    /// Base URL of the Deskside server (`https://deskside.corp.example/`).
    pub url: Option<String>,
    /// The one-time enrolment secret IT hands out (MDM policy); exchanged once for the
    /// device's key by `desksidectl server enroll`.
    pub enroll_secret: Option<String>,
}

impl ServerConfig {
    /// The server's URL when one is configured (blank counts as none): the one rule for
    /// "tickets go through the relay".
    #[must_use]
    pub fn relay_url(&self) -> Option<&str> {
        self.url.as_deref().filter(|u| !u.trim().is_empty())
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

/// What a user must write for a key; drives "expected …" in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
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
}

/// One leaf key of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpec {
    /// The table the key lives in, such as `network`.
    pub(crate) section: &'static str,
    /// The key within its table, such as `probe_urls`.
    pub(crate) name: &'static str,
    /// What the key holds.
    pub(crate) kind: Kind,
}

impl KeySpec {
    /// The dotted path, such as `network.probe_urls`.
    pub(crate) fn dotted(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }
}

const fn key(section: &'static str, name: &'static str, kind: Kind) -> KeySpec {
    KeySpec {
        section,
        name,
        kind,
    }
}

/// The sections, in the order they appear in [`Config`].
pub(crate) const SECTIONS: &[&str] = &[
    "network", "vpn", "disk", "clock", "system", "app", "branding", "fixes", "helpdesk", "tickets",
    "server", "password", "security",
];

/// Keys only IT may set, with why: honoured only from an admin-owned layer (the system file when
/// root owns it and nobody else may write it, an admin-owned explicit file, managed policy).
/// From any other layer they are ignored with a note, except [`PROGRAM_KEYS`], which a user or
/// explicit file may not even contain.
pub(crate) const ADMIN_ONLY: &[(&str, &str)] = &[
    ("fixes.actions", "it runs programs"),
    ("helpdesk.url", "helpdesk credentials are sent to it"),
    ("helpdesk.token", "it is a helpdesk credential"),
    ("helpdesk.api_key", "it is a helpdesk credential"),
    ("helpdesk.password", "it is a helpdesk credential"),
    ("helpdesk.app_token", "it is a helpdesk credential"),
    ("helpdesk.secret", "it is a helpdesk credential"),
    ("helpdesk.smtp_password", "it is a helpdesk credential"),
    ("helpdesk.smtp_host", "the SMTP login is sent to it"),
    (
        "helpdesk.impersonate",
        "it files tickets as another helpdesk user",
    ),
    ("tickets.requester", "it decides whom tickets are filed for"),
    (
        "tickets.requesters",
        "it decides whom tickets are filed for",
    ),
    (
        "server.url",
        "the device's enrolment secret and signed requests are sent to it",
    ),
    ("server.enroll_secret", "it is an enrolment credential"),
    (
        "vpn.connection",
        "the VPN reconnect runs it with administrator rights",
    ),
    (
        "security.allow_http_hosts",
        "it lets credentials travel unencrypted",
    ),
];

/// Keys holding a credential (or a `keyring:SERVICE/ACCOUNT` reference to one): `config show`
/// prints `<redacted>` for a literal value.
pub(crate) const SECRET_KEYS: &[&str] = &[
    "helpdesk.token",
    "helpdesk.api_key",
    "helpdesk.password",
    "helpdesk.app_token",
    "helpdesk.secret",
    "helpdesk.smtp_password",
    "server.enroll_secret",
];

/// Admin-only keys that run programs: in a user file, or an explicit file that is not
/// admin-owned, they are a `config.admin_only` error rather than a note, since no stale file
/// ever held them legitimately.
pub(crate) const PROGRAM_KEYS: &[&str] = &["fixes.actions"];

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

/// Every leaf key, in documentation order.
pub(crate) const KEYS: &[KeySpec] = &[
    key("network", "probe_urls", Kind::TextList),
    key("network", "probe_expect_body", Kind::Text),
    key("network", "dns_names", Kind::TextList),
    key("network", "dns_timeout_ms", Kind::Count),
    key("network", "http_timeout_ms", Kind::Count),
    key("network", "quality_samples", Kind::Count),
    key("network", "warn_loss_percent", Kind::Number),
    key("network", "fail_loss_percent", Kind::Number),
    key("network", "warn_latency_ms", Kind::Count),
    key("network", "fail_latency_ms", Kind::Count),
    key("network", "warn_jitter_ms", Kind::Count),
    key("network", "pac_url", Kind::Text),
    key("vpn", "required", Kind::Bool),
    key("vpn", "interfaces", Kind::TextList),
    key("vpn", "corporate_subnets", Kind::SubnetList),
    key("vpn", "internal_names", Kind::TextList),
    key("vpn", "internal_urls", Kind::TextList),
    key("vpn", "handshake_max_age_s", Kind::Count),
    key("vpn", "client", Kind::Text),
    key("vpn", "connection", Kind::Text),
    key("disk", "paths", Kind::TextList),
    key("disk", "warn_free_percent", Kind::Number),
    key("disk", "fail_free_percent", Kind::Number),
    key("disk", "warn_free_inodes_percent", Kind::Number),
    key("disk", "fail_free_inodes_percent", Kind::Number),
    key("disk", "temp_paths", Kind::TextList),
    key("disk", "temp_warn_bytes", Kind::Count),
    key("clock", "warn_offset_s", Kind::Count),
    key("clock", "fail_offset_s", Kind::Count),
    key("system", "uptime_warn_days", Kind::Count),
    key("app", "check_interval_s", Kind::Count),
    key("app", "autostart", Kind::Bool),
    key("app", "notify", Kind::Bool),
    key("branding", "organization", Kind::Text),
    key("branding", "accent_color", Kind::Text),
    key("branding", "logo_path", Kind::Text),
    key("fixes", "auto", Kind::TextList),
    key("fixes", "disabled", Kind::TextList),
    key("fixes", "temp_max_age_days", Kind::Count),
    key("fixes", "audit_max_bytes", Kind::Count),
    key("fixes", "audit_keep", Kind::Count),
    key("fixes", "actions", Kind::TableList),
    key("helpdesk", "kind", Kind::Text),
    key("helpdesk", "url", Kind::Text),
    key("helpdesk", "queue", Kind::Text),
    key("helpdesk", "token", Kind::Text),
    key("helpdesk", "project", Kind::Text),
    key("helpdesk", "api_key", Kind::Text),
    key("helpdesk", "key_field", Kind::Text),
    key("helpdesk", "key_field_id", Kind::Count),
    key("helpdesk", "user", Kind::Text),
    key("helpdesk", "password", Kind::Text),
    key("helpdesk", "service_desk_id", Kind::Text),
    key("helpdesk", "request_type_id", Kind::Text),
    key("helpdesk", "group", Kind::Text),
    key("helpdesk", "app_token", Kind::Text),
    key("helpdesk", "secret", Kind::Text),
    key("helpdesk", "smtp_host", Kind::Text),
    key("helpdesk", "smtp_port", Kind::Count),
    key("helpdesk", "smtp_tls", Kind::Text),
    key("helpdesk", "smtp_user", Kind::Text),
    key("helpdesk", "smtp_password", Kind::Text),
    key("helpdesk", "from", Kind::Text),
    key("helpdesk", "to", Kind::Text),
    key("helpdesk", "timeout_s", Kind::Count),
    key("helpdesk", "impersonate", Kind::Bool),
    key("tickets", "forbid", Kind::TextList),
    key("tickets", "redact_personal", Kind::Bool),
    key("tickets", "max_bundle_bytes", Kind::Count),
    key("tickets", "max_log_bytes", Kind::Count),
    key("tickets", "max_attempts", Kind::Count),
    key("tickets", "submit_wait_s", Kind::Count),
    key("tickets", "requester", Kind::Text),
    key("tickets", "requesters", Kind::TextList),
    key("tickets", "categories", Kind::TextList),
    key("server", "url", Kind::Text),
    key("server", "enroll_secret", Kind::Text),
    key("password", "source", Kind::Text),
    key("password", "url", Kind::Text),
    key("password", "base_dn", Kind::Text),
    key("password", "ca_file", Kind::Text),
    key("password", "user", Kind::Text),
    key("password", "warn_days", Kind::CountList),
    key("password", "domain", Kind::Text),
    key("password", "user_dn_template", Kind::Text),
    key("password", "policy_dn", Kind::Text),
    key("password", "kerberos_realm", Kind::Text),
    key("password", "kpasswd_server", Kind::Text),
    key("password", "krb5_config", Kind::Text),
    key("password", "refresh_ticket", Kind::Bool),
    key("password", "change_url", Kind::Text),
    key("password", "reset_url", Kind::Text),
    key("password", "unlock_url", Kind::Text),
    key("password", "keyring_entries", Kind::TextList),
    key("password", "other_credentials", Kind::TextList),
    key("password", "internal", Kind::Bool),
    key("password", "min_strength", Kind::Count),
    key("security", "allow_http_hosts", Kind::TextList),
];

/// The schema entry for `section.name`, if there is one.
pub(crate) fn find(section: &str, name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.section == section && k.name == name)
}

// The partial mirror: what one layer file may contain. Every field is optional and unknown
// fields are refused, so a typo is an error that names the key instead of a silent default.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
pub(crate) struct PartialConfig {
    network: Option<PartialNetwork>,
    vpn: Option<PartialVpn>,
    disk: Option<PartialDisk>,
    clock: Option<PartialClock>,
    system: Option<PartialSystem>,
    app: Option<PartialApp>,
    branding: Option<PartialBranding>,
    fixes: Option<PartialFixes>,
    helpdesk: Option<PartialHelpdesk>,
    tickets: Option<PartialTickets>,
    server: Option<PartialServer>,
    password: Option<PartialPassword>,
    security: Option<PartialSecurity>,
}

// The fields are only checked, never read: the layer keeps its `toml::Table` for merging.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialNetwork {
    probe_urls: Option<Vec<String>>,
    probe_expect_body: Option<String>,
    dns_names: Option<Vec<String>>,
    dns_timeout_ms: Option<u64>,
    http_timeout_ms: Option<u64>,
    quality_samples: Option<u32>,
    warn_loss_percent: Option<f64>,
    fail_loss_percent: Option<f64>,
    warn_latency_ms: Option<u64>,
    fail_latency_ms: Option<u64>,
    warn_jitter_ms: Option<u64>,
    pac_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialVpn {
    required: Option<bool>,
    interfaces: Option<Vec<String>>,
    corporate_subnets: Option<Vec<IpNet>>,
    internal_names: Option<Vec<String>>,
    internal_urls: Option<Vec<String>>,
    handshake_max_age_s: Option<u64>,
    client: Option<String>,
    connection: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialDisk {
    paths: Option<Vec<String>>,
    warn_free_percent: Option<f64>,
    fail_free_percent: Option<f64>,
    warn_free_inodes_percent: Option<f64>,
    fail_free_inodes_percent: Option<f64>,
    temp_paths: Option<Vec<String>>,
    temp_warn_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialClock {
    warn_offset_s: Option<u64>,
    fail_offset_s: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialSystem {
    uptime_warn_days: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialApp {
    check_interval_s: Option<u64>,
    autostart: Option<bool>,
    notify: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialBranding {
    organization: Option<String>,
    accent_color: Option<String>,
    logo_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialFixes {
    auto: Option<Vec<String>>,
    disabled: Option<Vec<String>>,
    temp_max_age_days: Option<u64>,
    audit_max_bytes: Option<u64>,
    audit_keep: Option<u64>,
    actions: Option<Vec<PartialAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialAction {
    id: String,
    title: String,
    description: Option<String>,
    program: String,
    args: Option<Vec<String>>,
    elevate: Option<bool>,
    timeout_s: Option<u64>,
    addresses: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialHelpdesk {
    kind: Option<String>,
    url: Option<String>,
    queue: Option<String>,
    token: Option<String>,
    project: Option<String>,
    api_key: Option<String>,
    key_field: Option<String>,
    key_field_id: Option<u64>,
    user: Option<String>,
    password: Option<String>,
    service_desk_id: Option<String>,
    request_type_id: Option<String>,
    group: Option<String>,
    app_token: Option<String>,
    secret: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u64>,
    smtp_tls: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    from: Option<String>,
    to: Option<String>,
    timeout_s: Option<u64>,
    impersonate: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialTickets {
    forbid: Option<Vec<String>>,
    redact_personal: Option<bool>,
    max_bundle_bytes: Option<u64>,
    max_log_bytes: Option<u64>,
    max_attempts: Option<u64>,
    submit_wait_s: Option<u64>,
    requester: Option<String>,
    requesters: Option<Vec<String>>,
    categories: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialServer {
    url: Option<String>,
    enroll_secret: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialPassword {
    source: Option<String>,
    url: Option<String>,
    base_dn: Option<String>,
    ca_file: Option<String>,
    user: Option<String>,
    warn_days: Option<Vec<u64>>,
    domain: Option<String>,
    user_dn_template: Option<String>,
    policy_dn: Option<String>,
    kerberos_realm: Option<String>,
    kpasswd_server: Option<String>,
    krb5_config: Option<String>,
    refresh_ticket: Option<bool>,
    change_url: Option<String>,
    reset_url: Option<String>,
    unlock_url: Option<String>,
    keyring_entries: Option<Vec<String>>,
    other_credentials: Option<Vec<String>>,
    internal: Option<bool>,
    min_strength: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[expect(dead_code, reason = "deserialized only to type-check a layer file")]
struct PartialSecurity {
    allow_http_hosts: Option<Vec<String>>,
}

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
        let from_table: BTreeSet<String> = KEYS.iter().map(KeySpec::dotted).collect();
        assert_eq!(from_config, from_table);
        let sections: BTreeSet<&str> = KEYS.iter().map(|k| k.section).collect();
        assert_eq!(sections, SECTIONS.iter().copied().collect());
    }

    #[test]
    fn admin_only_keys_exist_and_program_keys_are_among_them() {
        for (key, why) in ADMIN_ONLY {
            let (section, name) = key.split_once('.').unwrap();
            assert!(find(section, name).is_some(), "{key} is not a key");
            assert!(!why.is_empty());
        }
        for key in PROGRAM_KEYS {
            assert!(ADMIN_ONLY.iter().any(|(k, _)| k == key), "{key}");
        }
    }

    /// docs/config.md shows every key (commented out when it has no default) under its section,
    /// so the reference cannot fall behind the schema.
    #[test]
    fn every_key_is_documented_in_docs_config_md() {
        let doc = include_str!("../../../docs/config.md");
        let mut section = "";
        let mut documented = BTreeSet::new();
        for line in doc.lines() {
            let line = line.trim_start_matches('#').trim();
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next())
                && !name.starts_with('[')
                && SECTIONS.contains(&name)
            {
                section = name;
            } else if let Some((name, _)) = line.split_once(" =") {
                documented.insert(format!("{section}.{}", name.trim()));
            } else if let Some(rest) = line.strip_prefix("[[")
                && let Some((s, name)) = rest.trim_end_matches("]]").split_once('.')
            {
                documented.insert(format!("{s}.{name}"));
            }
        }
        for spec in KEYS {
            assert!(
                documented.contains(&spec.dotted()),
                "{} is missing from docs/config.md",
                spec.dotted()
            );
        }
    }

    #[test]
    fn partial_accepts_every_key_of_the_defaults() {
        let mut config = Config::default();
        config.network.probe_expect_body = Some("x".into());
        config.network.pac_url = Some("http://pac.example.invalid/proxy.pac".into());
        config.vpn.corporate_subnets = vec!["10.0.0.0/8".parse().unwrap()];
        let table = toml::Table::try_from(&config).unwrap();
        let _: PartialConfig = toml::Value::Table(table).try_into().unwrap();
    }
}
