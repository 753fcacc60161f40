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
//! Every key is declared once, in [`KEYS`] (kind, documentation, allowed values, who may set
//! it); the reference in `docs/config.md` and the admin templates in `docs/policy-templates/`
//! are generated from it by `desksidectl policy templates` (module [`templates`]) and
//! drift-checked by a test.
//!
//! # Admin-only keys and HTTPS
//!
//! Keys that carry or direct a credential, or run programs (`helpdesk.url`, the helpdesk
//! secrets, `helpdesk.smtp_host`, `vpn.connection`, `fixes.actions`, `security.allow_http_hosts`)
//! are honoured only from an admin-owned layer: the defaults, mandatory policy, and the system
//! file when root owns it and group and others cannot write it (on Windows: the machine-wide
//! system file only); never from an explicit file, even a root-owned one; see
//! [`decide_ownership`]. From other layers they are dropped and each one becomes a note in
//! [`Loaded::notes`]; `fixes.actions` in a user or explicit file is a `config.admin_only` error
//! instead. A URL credentials are sent to must be
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
pub mod localized;
mod merge;
mod owner;
mod paths;
pub mod policy;
mod schema;
pub mod templates;
mod validate;

pub use error::ConfigError;
pub use layer::{Layer, MAX_FILE_BYTES, Source, SourceKind};
pub use load::{EnvLookup, LoadOptions, load};
pub use loaded::{Loaded, Overridden, PolicyIssue, Provenance};
pub use merge::{load_layers, load_layers_for};
pub use owner::{FileFacts, Ownership, decide as decide_ownership};
pub use paths::{
    ConfigPaths, ENV_DATA, ENV_EXPLICIT, ENV_SYSTEM, ENV_USER, Os, current_data_dir, data_dir,
    resolve as resolve_paths, system_path, user_path,
};
pub use schema::{
    AdminAction, Allowed, AppConfig, BUILTIN_FIXES, BrandingConfig, ClockConfig, Config,
    DiskConfig, FixesConfig, HelpdeskConfig, KEYS, KeyDef, Kind, Levels, NetworkConfig,
    PasswordConfig, SECTION_DOCS, SecurityConfig, Sensitivity, ServerConfig, SystemConfig,
    TicketsConfig, VpnConfig,
};
