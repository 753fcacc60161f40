//! The result of a load: the effective [`Config`], where each key's value came from, notes about
//! ignored overrides, and the layers that took part; plus the JSON shape `desksidectl config show`
//! prints.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::ConfigError;
use crate::layer::Source;
use crate::schema::{self, Config};

/// Where an effective key's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The layer that supplied the value (the defaults when no layer set it).
    pub source: Source,
    /// Whether a layer locks the key, so no other layer can change it.
    pub locked: bool,
    /// Where within the source: `line 3`, a registry value's path, a profile.
    pub origin: Option<String>,
    /// The values this one replaced or that were refused for it, lowest layer first.
    pub overrode: Vec<Overridden>,
}

/// A value that lost to the effective one: replaced by a higher layer, or ignored because
/// another layer locks the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overridden {
    /// The layer that set it.
    pub source: Source,
    /// The value as TOML, shortened (secrets are redacted when shown, not here).
    pub value: String,
}

/// A problem in a managed policy that did not stop the load: the key was dropped (or the
/// whole file refused) and the rest of the policy applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyIssue {
    /// The stable code (`config.invalid_value`, `config.policy_untrusted`, …).
    pub code: &'static str,
    /// The dotted key, when one key is at fault.
    pub key: Option<String>,
    /// The full message: source, key and what was expected.
    pub message: String,
}

impl PolicyIssue {
    /// The issue for one error.
    #[must_use]
    pub fn from_error(error: &ConfigError) -> Self {
        Self {
            code: error.code(),
            key: error.key().map(str::to_owned),
            message: error.to_string(),
        }
    }
}

/// A loaded, merged and validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// Provenance of every leaf key, by dotted path (`network.probe_urls`).
    pub provenance: BTreeMap<String, Provenance>,
    /// Human-readable notes, such as overrides ignored because a key is locked, or admin-only
    /// keys ignored because their layer is not admin-owned. Shells log them.
    pub notes: Vec<String>,
    /// Accepted settings that weaken security, such as plain `http://` to a host in
    /// `security.allow_http_hosts`; `config validate` prints them as warnings.
    pub warnings: Vec<String>,
    /// Problems in managed policy that dropped a key (or refused a policy file) without
    /// stopping the load; `config validate` and `policy show` print them.
    pub policy_errors: Vec<PolicyIssue>,
    /// The layers that took part, lowest precedence first, starting with the defaults.
    pub layers: Vec<Source>,
}

impl Loaded {
    /// The JSON for `config show`:
    /// `{"config": …, "keys": {"network.probe_urls": {"value", "source", "path", "locked"}, …},
    /// "layers": [{"source", "path"}, …], "notes": […], "warnings": […]}`. Credentials show as
    /// `<redacted>` (a `keyring:` reference is shown: it is not the secret).
    pub fn to_show_json(&self) -> Value {
        let mut config = serde_json::to_value(&self.config).unwrap_or(Value::Null);
        for spec in schema::KEYS.iter().filter(|k| k.is_secret()) {
            if let Some(value) = config
                .get_mut(spec.section)
                .and_then(|s| s.get_mut(spec.name))
                && value.as_str().is_some_and(|v| !v.starts_with("keyring:"))
            {
                *value = Value::from("<redacted>");
            }
        }
        let mut keys = serde_json::Map::new();
        for spec in schema::KEYS {
            let key = spec.dotted();
            let value = config
                .get(spec.section)
                .and_then(|s| s.get(spec.name))
                .cloned()
                .unwrap_or(Value::Null);
            let (source, path, locked) = match self.provenance.get(&key) {
                Some(p) => (
                    Value::from(p.source.kind.as_str()),
                    path_json(&p.source),
                    p.locked,
                ),
                None => (Value::from("default"), Value::Null, false),
            };
            keys.insert(
                key,
                json!({"value": value, "source": source, "path": path, "locked": locked}),
            );
        }
        let layers: Vec<Value> = self
            .layers
            .iter()
            .map(|s| json!({"source": s.kind.as_str(), "path": path_json(s)}))
            .collect();
        json!({
            "config": config,
            "keys": keys,
            "layers": layers,
            "notes": self.notes,
            "warnings": self.warnings,
        })
    }
}

impl Loaded {
    /// The effective managed policy, for `desksidectl policy show --json` and the ticket
    /// bundle, like Chromium's `chrome://policy`: `{"schema": "deskside.policy/1", "sources":
    /// [{"level", "source"}], "keys": [{"key", "value", "level", "source", "origin", "locked",
    /// "overrode": [{"level", "source", "value"}]}], "errors": [{"code", "key", "message"}],
    /// "notes": […]}`. A key is listed when policy set it or a policy value for it lost (a
    /// recommended value the user changed). Credentials are always `<redacted>` (also a
    /// `keyring:` reference and overridden values): this goes into tickets.
    #[must_use]
    pub fn policy_report(&self) -> Value {
        let secret = schema::is_secret;
        let shown = |key: &str, value: Value| {
            if secret(key) && !value.is_null() {
                Value::from("<redacted>")
            } else {
                value
            }
        };
        let config = serde_json::to_value(&self.config).unwrap_or(Value::Null);
        let mut keys = Vec::new();
        for spec in schema::KEYS {
            let key = spec.dotted();
            let Some(p) = self.provenance.get(&key) else {
                continue;
            };
            let from_policy = p.source.kind.is_policy();
            let lost_policy = p.overrode.iter().any(|o| o.source.kind.is_policy());
            if !from_policy && !lost_policy {
                continue;
            }
            let value = config
                .get(spec.section)
                .and_then(|s| s.get(spec.name))
                .cloned()
                .unwrap_or(Value::Null);
            let overrode: Vec<Value> = p
                .overrode
                .iter()
                .map(|o| {
                    json!({
                        "level": level(o.source.kind),
                        "source": o.source.location(),
                        "value": if secret(&key) { "<redacted>".to_owned() } else { o.value.clone() },
                    })
                })
                .collect();
            keys.push(json!({
                "key": key,
                "value": shown(&key, value),
                "level": level(p.source.kind),
                "source": p.source.location(),
                "origin": p.origin,
                "locked": p.locked,
                "overrode": overrode,
            }));
        }
        let sources: Vec<Value> = self
            .layers
            .iter()
            .filter(|s| s.kind.is_policy())
            .map(|s| json!({"level": level(s.kind), "source": s.location()}))
            .collect();
        let errors: Vec<Value> = self
            .policy_errors
            .iter()
            .map(|e| json!({"code": e.code, "key": e.key, "message": e.message}))
            .collect();
        json!({
            "schema": "deskside.policy/1",
            "sources": sources,
            "keys": keys,
            "errors": errors,
            "notes": self.notes,
        })
    }
}

/// How provenance names a layer's level: `mandatory` for mandatory policy, else the kind.
fn level(kind: crate::SourceKind) -> &'static str {
    match kind {
        crate::SourceKind::Policy => "mandatory",
        other => other.as_str(),
    }
}

fn path_json(source: &Source) -> Value {
    source
        .path
        .as_ref()
        .map_or(Value::Null, |p| Value::from(p.display().to_string()))
}
