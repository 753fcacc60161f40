//! Managed policy applied live: [`run_watch`] polls the OS's policy sources (Linux policy
//! files, the Windows registry keys, macOS managed preferences) and, when they change, loads
//! the configuration afresh and hands it to the shell through [`Announce::policy_changed`].
//! Every task of the agent loads the configuration when it starts, so the new policy governs
//! the next check, ticket or fix; the announcement lets a shell refresh what it shows now
//! (branding, the Managed settings page) and logs the policy's errors once per change.

use std::sync::Arc;
use std::time::Duration;

use deskside_config::Os;
use deskside_config::policy::{PolicySources, PolicyWatch};

use crate::Announce;

/// How often the policy sources are looked at: cheap (a few `stat` calls on Linux and macOS).
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The policy sources of this machine.
#[must_use]
pub fn sources() -> PolicySources {
    PolicySources::for_os(Os::current(), &|name| std::env::var(name).ok())
}

/// Watches `sources` every `every` until the task is dropped; on each change, reloads the
/// configuration, logs the policy's errors and announces it. A configuration that no longer
/// loads (a broken user file) is logged, and the next change is awaited.
pub async fn run_watch<A: Announce + ?Sized>(
    announce: Arc<A>,
    sources: PolicySources,
    every: Duration,
) {
    let mut watch = PolicyWatch::new(sources);
    loop {
        tokio::time::sleep(every).await;
        // A few `stat` calls (or one registry read): too little to move off the runtime.
        if !watch.changed() {
            continue;
        }
        match crate::load_config() {
            Ok(loaded) => {
                tracing::info!(
                    errors = loaded.policy_errors.len(),
                    "managed policy changed; configuration reloaded"
                );
                for issue in &loaded.policy_errors {
                    tracing::warn!(code = issue.code, "policy: {}", issue.message);
                }
                announce.policy_changed(&loaded);
            }
            Err(e) => tracing::warn!(code = e.code(), "policy changed, config not loaded: {e}"),
        }
    }
}

/// One policy source in effect (the Managed settings page).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagedSource {
    /// `mandatory` or `recommended`.
    pub level: String,
    /// The file, registry key or profile.
    pub source: String,
}

/// A value a managed key overrode, or a value that overrode a recommended one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagedOverride {
    /// The level of the layer the value came from (`default`, `system`, `user`, …).
    pub level: String,
    /// That layer's file or label.
    pub source: String,
    /// The value as written (credentials `<redacted>`).
    pub value: String,
}

/// One key set by policy (or whose recommended value the user changed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagedKey {
    /// Dotted key, such as `tickets.redact_personal`.
    pub key: String,
    /// What the key does, for administrators (from the schema).
    pub description: String,
    /// The effective value as JSON text (credentials `<redacted>`).
    pub value: String,
    /// Where the effective value came from: `mandatory`, `recommended`, `user`, ….
    pub level: String,
    /// That layer's file, registry key or profile.
    pub source: String,
    /// Where inside it: `line 3`, the registry value, the profile payload.
    pub origin: Option<String>,
    /// Whether mandatory policy locks it.
    pub locked: bool,
    /// The values it overrode (or that overrode it).
    pub overrode: Vec<ManagedOverride>,
}

/// A policy value that was dropped or a policy source that was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagedError {
    /// Stable error code, such as `config.invalid_value`.
    pub code: String,
    /// The key, when the error is about one.
    pub key: Option<String>,
    /// What is wrong, naming the source.
    pub message: String,
}

/// The Managed settings page, like Chromium's `chrome://policy`: the policy sources, each key
/// policy sets with its value, level, source and what it overrode, and the policy's errors.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ManagedSettings {
    /// Policy sources in effect.
    pub sources: Vec<ManagedSource>,
    /// Keys set by policy.
    pub keys: Vec<ManagedKey>,
    /// Dropped values and refused sources.
    pub errors: Vec<ManagedError>,
    /// Notes from loading (values ignored because policy locks the key, …).
    pub notes: Vec<String>,
}

/// The Managed settings page for a loaded configuration (from
/// [`deskside_config::Loaded::policy_report`], so it says what `desksidectl policy show` says).
#[must_use]
pub fn managed_settings(loaded: &deskside_config::Loaded) -> ManagedSettings {
    use serde_json::Value;
    let report = loaded.policy_report();
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let list = |k: &str| {
        report
            .get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    ManagedSettings {
        sources: list("sources")
            .iter()
            .map(|s| ManagedSource {
                level: text(s, "level"),
                source: text(s, "source"),
            })
            .collect(),
        keys: list("keys")
            .iter()
            .map(|k| {
                let key = text(k, "key");
                ManagedKey {
                    description: deskside_config::KEYS
                        .iter()
                        .find(|d| d.dotted() == key)
                        .map_or_else(String::new, |d| d.doc.to_owned()),
                    value: k.get("value").map(ToString::to_string).unwrap_or_default(),
                    level: text(k, "level"),
                    source: text(k, "source"),
                    origin: k.get("origin").and_then(Value::as_str).map(str::to_owned),
                    locked: k.get("locked").and_then(Value::as_bool).unwrap_or(false),
                    overrode: k
                        .get("overrode")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|o| ManagedOverride {
                            level: text(o, "level"),
                            source: text(o, "source"),
                            value: text(o, "value"),
                        })
                        .collect(),
                    key,
                }
            })
            .collect(),
        errors: list("errors")
            .iter()
            .map(|e| ManagedError {
                code: text(e, "code"),
                key: e.get("key").and_then(Value::as_str).map(str::to_owned),
                message: text(e, "message"),
            })
            .collect(),
        notes: list("notes")
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
    }
}

#[cfg(test)]
mod managed_tests {
    use std::path::Path;

    use deskside_config::{Layer, SourceKind, load_layers};

    use super::*;

    #[test]
    fn managed_settings_give_each_key_its_value_level_source_and_what_it_overrode() {
        let mut policy = Layer::from_str(
            SourceKind::Policy,
            Some(Path::new("/etc/deskside/policies/managed/10-it.toml")),
            "[tickets]\nredact_personal = true\n[helpdesk]\nsecret = \"s3cret\"\n[app]\ncheck_interval_s = 5\n",
        )
        .unwrap();
        deskside_config::policy::lock_all(&mut policy);
        let user = Layer::from_str(
            SourceKind::User,
            Some(Path::new("/home/u/.config/deskside/config.toml")),
            "[tickets]\nredact_personal = false\n",
        )
        .unwrap();
        let loaded = load_layers(vec![policy, user]).unwrap();
        let page = managed_settings(&loaded);
        assert_eq!(page.sources[0].level, "mandatory");
        let key = page
            .keys
            .iter()
            .find(|k| k.key == "tickets.redact_personal")
            .unwrap();
        assert_eq!(key.value, "true");
        assert!(key.locked);
        assert_eq!(key.level, "mandatory");
        assert_eq!(key.origin.as_deref(), Some("line 2"));
        assert!(key.description.contains("personal data"));
        assert!(
            key.overrode
                .iter()
                .any(|o| o.level == "user" && o.value == "false")
        );
        let secret = page
            .keys
            .iter()
            .find(|k| k.key == "helpdesk.secret")
            .unwrap();
        assert_eq!(secret.value, "\"<redacted>\"");
        assert!(
            page.errors
                .iter()
                .any(|e| e.key.as_deref() == Some("app.check_interval_s"))
        );
    }
}
