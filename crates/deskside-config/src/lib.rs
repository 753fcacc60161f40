//! Deskside's configuration: layered TOML files with provenance, validation whose errors name the
//! file, the key and what was expected, and key locking for a managed-policy (MDM) layer.
//!
//! Layers, lowest to highest precedence: built-in defaults < system file < recommended policy <
//! user file < explicit file (`--config FILE` or `DESKSIDE_CONFIG`) < mandatory policy. Managed
//! policy (MDM) is read by [`policy`] from the OS's locations (Linux policy files, the Windows
//! registry, macOS managed preferences); mandatory policy locks every key it sets: the key takes
//! that value, every file's value for it is ignored, and each ignored value is reported in
//! [`Loaded::notes`]. A bad policy value drops that key only ([`Loaded::policy_errors`]); a bad
//! file value refuses the load, with every problem reported at once ([`ConfigError::Several`]).
//! Each effective key's [`Provenance`] names its layer, where in it (line, registry value,
//! profile), and the values it overrode.
//!
//! | layer | Linux | Windows | macOS |
//! | --- | --- | --- | --- |
//! | system | `/etc/deskside/config.toml` | `%ProgramData%\Deskside\config.toml` | `/Library/Application Support/Deskside/config.toml` |
//! | user | `$XDG_CONFIG_HOME/deskside/config.toml`, else `$HOME/.config/deskside/config.toml` | `%APPDATA%\Deskside\config.toml` | `$HOME/Library/Application Support/Deskside/config.toml` |
//!
//! `DESKSIDE_SYSTEM_CONFIG` and `DESKSIDE_USER_CONFIG` replace those paths (an empty value skips the
//! layer); `DESKSIDE_CONFIG` names the explicit file. Missing system and user files are skipped; a
//! missing explicit file is an error. Files larger than 1 MiB or not UTF-8 are refused.
//!
//! Merging is by leaf key (`network.probe_urls`); lists are replaced whole, never appended. For the
//! text keys, an empty string means "unset" (optional keys become unset, others their default), so a
//! higher layer can clear a lower one.
//!
//! # Keys
//!
//! | key | type | default | rule |
//! | --- | --- | --- | --- |
//! | `network.probe_urls` | list of URLs | `["http://connectivitycheck.gstatic.com/generate_204"]` | at least one; http/https |
//! | `network.probe_expect_body` | string | unset | a 200 whose body contains it also means "internet OK" |
//! | `network.dns_names` | list of names | `["www.example.com"]` | non-empty, no whitespace |
//! | `network.dns_timeout_ms` | integer | `1500` | 1–60000 |
//! | `network.http_timeout_ms` | integer | `3000` | 1–60000 |
//! | `network.quality_samples` | integer | `20` | 1–200 |
//! | `network.warn_loss_percent` | number | `2.0` | 0–100, < `fail_loss_percent` |
//! | `network.fail_loss_percent` | number | `10.0` | 0–100 |
//! | `network.warn_latency_ms` | integer | `150` | ≤ 60000, < `fail_latency_ms` |
//! | `network.fail_latency_ms` | integer | `600` | ≤ 60000 |
//! | `network.warn_jitter_ms` | integer | `50` | ≤ 60000 |
//! | `network.pac_url` | URL | unset | http/https; checked in addition to the system's PAC |
//! | `vpn.required` | boolean | `false` | |
//! | `vpn.interfaces` | list of globs | `["wg*", "tun*", "utun*", "ppp*", "tap*", "ipsec*"]` | non-empty patterns |
//! | `vpn.corporate_subnets` | list of CIDRs | `[]` | e.g. `"10.0.0.0/8"` |
//! | `vpn.internal_names` | list of names | `[]` | non-empty, no whitespace |
//! | `vpn.internal_urls` | list of URLs | `[]` | http/https |
//! | `vpn.handshake_max_age_s` | integer | `180` | > 0 |
//! | `disk.paths` | list of paths | `[]` (every real local volume) | non-empty paths |
//! | `disk.warn_free_percent` | number | `10` | 0–100 |
//! | `disk.fail_free_percent` | number | `5` | 0–100, < `warn_free_percent` |
//! | `disk.warn_free_inodes_percent` | number | `10` | 0–100 |
//! | `disk.fail_free_inodes_percent` | number | `2` | 0–100, < `warn_free_inodes_percent` |
//! | `disk.temp_paths` | list of paths | `[]` (OS temp dir + user cache dir) | non-empty paths |
//! | `disk.temp_warn_bytes` | integer | `5368709120` (5 GiB) | > 0 |
//! | `clock.warn_offset_s` | integer | `60` | < `fail_offset_s` |
//! | `clock.fail_offset_s` | integer | `300` | |
//! | `system.uptime_warn_days` | integer | `14` | > 0 |
//! | `vpn.client` | string | unset | `wireguard`, `networkmanager`, `openvpn`, `rasdial` (Windows) or `scutil` (macOS), for `vpn.reconnect` |
//! | `vpn.connection` | string | unset | the client's interface, config file or connection name |
//! | `fixes.auto` | list of fix ids | `["net.flush_dns", "net.renew_address", "net.restart_interface", "vpn.reconnect"]` | applied by `diagnose --fix` without asking |
//! | `fixes.disabled` | list of fix ids | `[]` | never offered |
//! | `fixes.temp_max_age_days` | integer | `7` | > 0 |
//! | `fixes.audit_max_bytes` | integer | `1048576` | ≥ 4096 |
//! | `fixes.audit_keep` | integer | `5` | ≤ 100 |
//! | `fixes.actions` | list of tables | `[]` | system file or policy only; see below |
//! | `helpdesk.kind` | string | unset | the ticket connector |
//! | `helpdesk.url` | URL | unset | admin-only; `https://` (plain `http://` only to loopback or a host in `security.allow_http_hosts`) |
//! | `helpdesk.queue` | string | unset | RT queue |
//! | `helpdesk.token` | string | unset | RT token |
//! | `helpdesk.project` | string | unset | Redmine project |
//! | `helpdesk.api_key` | string | unset | Redmine API key |
//! | `helpdesk.key_field` | string | unset (`Deskside Key`) | custom field holding the idempotency key |
//! | `helpdesk.key_field_id` | integer | unset | Redmine: that field's id (listing fields by name needs an admin key) |
//! | `helpdesk.user` | string | unset | JSM/Zendesk/ServiceNow/GLPI account |
//! | `helpdesk.password` | string | unset | ServiceNow password; `keyring:SERVICE/ACCOUNT` |
//! | `helpdesk.service_desk_id` | string | unset | JSM |
//! | `helpdesk.request_type_id` | string | unset | JSM |
//! | `helpdesk.group` | string | unset | Zammad group |
//! | `helpdesk.app_token` | string | unset | GLPI `App-Token` |
//! | `helpdesk.secret` | string | unset | webhook HMAC-SHA256 key |
//! | `helpdesk.smtp_host` | string | unset | e-mail |
//! | `helpdesk.smtp_port` | integer | unset (587/465/25 by `smtp_tls`) | 1–65535 |
//! | `helpdesk.smtp_tls` | string | `"starttls"` | `starttls`, `tls`, `none` (loopback only) |
//! | `helpdesk.smtp_user` | string | unset | |
//! | `helpdesk.smtp_password` | string | unset | `keyring:SERVICE/ACCOUNT` |
//! | `helpdesk.from` | string | unset | sender; requester e-mail for some helpdesks |
//! | `helpdesk.to` | string | unset | the helpdesk's address |
//! | `helpdesk.timeout_s` | integer | `20` | 1–300, per request |
//! | `helpdesk.impersonate` | bool | `false` | admin-only; Redmine files as the user |
//! | `tickets.forbid` | list of parts | `[]` | `device`, `diagnosis`, `fixes`, `audit`, `logs`, `screenshot` |
//! | `tickets.redact_personal` | boolean | `false` | hide user names in paths, MACs, serial |
//! | `tickets.max_bundle_bytes` | integer | `4194304` | ≥ 65536 |
//! | `tickets.max_log_bytes` | integer | `262144` | ≥ 1024 |
//! | `tickets.max_attempts` | integer | `50` | 1–1000 |
//! | `tickets.submit_wait_s` | integer | `30` | 0–300 |
//! | `tickets.requester` | string | unset | admin-only; e-mail template with `{user}` |
//! | `tickets.requesters` | list of strings | `[]` | admin-only; `"login = address"` |
//! | `tickets.categories` | list of strings | network/vpn/disk/system | `"pattern = category"` |
//! | `server.url` | URL | unset | admin-only; the Deskside server (tickets go through its relay) |
//! | `server.enroll_secret` | string | unset | admin-only; the one-time enrolment secret |
//! | `password.source` | string | unset | `ad`, `ldap`, `kerberos` or `manual` |
//! | `password.url` | URL | unset | `ldaps://` or `ldap://` (StartTLS) |
//! | `password.base_dn` | string | unset | |
//! | `password.ca_file` | path | unset | |
//! | `password.user` | string | unset (the logged-in user) | |
//! | `password.warn_days` | list of integers | `[14, 7, 3, 1]` | each 0–365 |
//! | `password.domain` | string | unset (the realm) | AD UPN suffix |
//! | `password.user_dn_template` | string | unset | OpenLDAP user DN, contains `{user}` |
//! | `password.policy_dn` | string | unset | OpenLDAP default ppolicy entry |
//! | `password.kerberos_realm` | string | unset | |
//! | `password.kpasswd_server` | string | unset (DNS) | |
//! | `password.krb5_config` | path | unset (the system's) | `KRB5_CONFIG` for kinit/kpasswd |
//! | `password.refresh_ticket` | boolean | `false` | kinit with the new password after a change |
//! | `password.change_url` | URL | unset | http/https |
//! | `password.reset_url` | URL | unset | http/https |
//! | `password.unlock_url` | URL | unset | http/https |
//! | `password.keyring_entries` | list of strings | `[]` | `service/user`, `{user}` = account |
//! | `password.other_credentials` | list of strings | `[]` | named to the user after a change |
//! | `password.internal` | boolean | `false` | the directory needs the VPN |
//! | `password.min_strength` | integer | `3` | zxcvbn score 0–4 |
//! | `security.allow_http_hosts` | list of hosts | `[]` | admin-only; hosts credentials may reach over plain `http://` (a warning each) |
//!
//! An admin action (`[[fixes.actions]]`) has `id`, `title`, optional `description`, `program`
//! (absolute path), `args` (list, no shell), `elevate` (default false), `timeout_s` (default 60,
//! 1–3600) and `addresses` (check ids).
//!
//! # Admin-only keys and HTTPS
//!
//! Keys that carry or direct a credential, or run programs (`helpdesk.url`, the helpdesk
//! secrets, `helpdesk.smtp_host`, `vpn.connection`, `fixes.actions`, `security.allow_http_hosts`)
//! are honoured only from an admin-owned layer: the defaults, mandatory policy, and a system or explicit
//! file owned by root and not writable by group or others (on Windows: the machine-wide system
//! file only); see [`decide_ownership`]. From other layers they are dropped and each one becomes
//! a note in [`Loaded::notes`]; `fixes.actions` in a user file, or an explicit file that is not
//! admin-owned, is a `config.admin_only` error instead. A URL credentials are sent to must be
//! `https://` unless its host is loopback or allowed by `security.allow_http_hosts`
//! (`config.insecure_url` otherwise); each allowed plain-HTTP URL is a [`Loaded::warnings`]
//! entry.
//!
//! The product default for `network.probe_urls` names a public connectivity-check endpoint; tests
//! never use the defaults to reach the network.

mod error;
mod layer;
mod load;
mod loaded;
mod merge;
mod owner;
mod paths;
pub mod policy;
mod schema;
mod validate;

pub use error::ConfigError;
pub use layer::{Layer, MAX_FILE_BYTES, Source, SourceKind};
pub use load::{EnvLookup, LoadOptions, load};
pub use loaded::{Loaded, Overridden, PolicyIssue, Provenance};
pub use merge::load_layers;
pub use owner::{FileFacts, Ownership, decide as decide_ownership};
pub use paths::{
    ConfigPaths, ENV_DATA, ENV_EXPLICIT, ENV_SYSTEM, ENV_USER, Os, current_data_dir, data_dir,
    resolve as resolve_paths, system_path, user_path,
};
pub use schema::{
    AdminAction, AppConfig, BUILTIN_FIXES, BrandingConfig, ClockConfig, Config, DiskConfig,
    FixesConfig, HelpdeskConfig, NetworkConfig, PasswordConfig, SecurityConfig, ServerConfig,
    SystemConfig, TicketsConfig, VpnConfig,
};
