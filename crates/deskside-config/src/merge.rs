//! Merging layers into one [`Config`]: leaf keys by dotted path, higher precedence wins, lists are
//! replaced whole, and a key locked by a layer takes that layer's value (or the built-in default
//! when the locking layer does not set it) whatever any other layer says. Every ignored override
//! becomes a note, and every effective key gets its provenance.

use std::collections::BTreeMap;

use crate::error::ConfigError;
use crate::layer::{Layer, Source, SourceKind, shown_value};
use crate::loaded::{Loaded, Overridden, PolicyIssue, Provenance};
use crate::owner::Ownership;
use crate::schema::{self, Config};
use crate::validate;

/// Merges the built-in defaults and `layers` into a validated configuration.
///
/// Layers are applied in precedence order of their [`crate::SourceKind`] (default < system <
/// recommended policy < user < explicit < mandatory policy); layers of the same kind apply in the
/// order given. Each layer is checked alone first (unknown keys, wrong types, unknown lock
/// entries), then the merged result is validated as a whole; every problem is reported at once
/// ([`ConfigError::Several`]). When several layers lock the same key the highest-precedence one
/// owns it.
///
/// A policy layer (mandatory or recommended) never makes the load fail: a bad value there drops
/// that key only, the rest of the policy applies, and the error is kept in
/// [`Loaded::policy_errors`].
///
/// Admin-only keys (credentials, the URLs they go to, programs, the plain-HTTP allow-list) are
/// honoured only from admin-owned layers ([`Layer::owner`]); elsewhere they are dropped before
/// merging and each one becomes a note. Keys that run programs are a [`ConfigError::AdminOnly`]
/// error instead when a user file, or an explicit file that is not admin-owned, holds them.
pub fn load_layers(layers: Vec<Layer>) -> Result<Loaded, ConfigError> {
    load_layers_for(layers, None)
}

/// [`load_layers`] with localised text (a `{ default = …, de = … }` table) resolved for
/// `locale` (a BCP 47 tag such as `de-CH`; `None` takes each table's `default`); see
/// [`crate::localized`].
pub fn load_layers_for(
    mut layers: Vec<Layer>,
    locale: Option<&str>,
) -> Result<Loaded, ConfigError> {
    let mut fatal = Vec::new();
    let mut policy_errors = Vec::new();
    for layer in &mut layers {
        if layer.source.kind.is_policy() {
            // A bad policy value drops that key only; the rest of the policy applies.
            policy_errors.extend(layer.drop_invalid());
            policy_errors.extend(layer.drop_unknown_locks());
        } else if let Err(e) = layer.check() {
            fatal.extend(e.into_list());
        }
        if let Err(e) = check_program_keys(layer) {
            fatal.push(e);
        }
    }
    if let Some(e) = ConfigError::from_list(fatal) {
        return Err(e);
    }
    layers.sort_by_key(|l| l.source.kind);
    let mut notes = Vec::new();
    for layer in &mut layers {
        notes.extend(drop_admin_only(layer));
    }
    let defaults = defaults_table()?;

    // Validate the merge; a semantic error in a value from a policy layer removes that key
    // from the layer and merges again (each round removes at least one key, so this ends).
    loop {
        let merged = merge(&layers, &defaults, locale);
        let config: Config = serde_path_to_error::deserialize(toml::Value::Table(
            merged.table.clone(),
        ))
        .map_err(|e| {
            // Unreachable after each layer was checked; reported rather than assumed.
            let key = e.path().to_string();
            let file = merged.provenance.get(&key).map_or_else(
                || "merged configuration".to_owned(),
                |p| p.source.location(),
            );
            ConfigError::InvalidValue {
                file,
                key,
                problem: e.inner().message().to_owned(),
                line: None,
            }
        })?;
        let (warnings, errors) = validate::check(&config, &merged.provenance);
        let mut others = Vec::new();
        let mut dropped: Vec<(usize, String)> = Vec::new();
        // The policy layer a key's effective value came from, if it came from policy.
        let is_policy: Vec<bool> = layers.iter().map(|l| l.source.kind.is_policy()).collect();
        let from_policy = |key: &str| {
            merged
                .effective
                .get(key)
                .and_then(|(_, from)| *from)
                .filter(|i| is_policy[*i])
        };
        for validate::Problem { error, related } in errors {
            let key = error.key().map(str::to_owned);
            // The value to drop: the reported key's when policy set it, else (a rule over two
            // keys) the other key's when policy set that one.
            let target = key
                .as_deref()
                .and_then(|k| from_policy(k).map(|i| (i, k.to_owned(), None)))
                .or_else(|| {
                    related.and_then(|r| from_policy(r).map(|i| (i, r.to_owned(), key.clone())))
                });
            let Some((i, drop_key, reported_on)) = target else {
                others.push(error);
                continue;
            };
            // A key can fail two checks (a range and an ordering): one drop for both.
            let again = dropped.iter().any(|(j, k)| *j == i && *k == drop_key);
            if !again && !remove_key(&mut layers[i], &drop_key) {
                others.push(error);
                continue;
            }
            if !again {
                dropped.push((i, drop_key.clone()));
            }
            let error = match reported_on {
                None => error,
                // Name the policy source and key that were dropped, and why.
                Some(other) => ConfigError::InvalidValue {
                    file: layers[i].source.location(),
                    key: drop_key.clone(),
                    problem: format!(
                        "dropped: it conflicts with `{other}`: {}",
                        error_problem(&error)
                    ),
                    line: None,
                },
            };
            policy_errors.push(error);
        }
        let dropped = !dropped.is_empty();
        if let Some(e) = ConfigError::from_list(others) {
            return Err(e);
        }
        if dropped {
            continue;
        }
        let mut all_notes = notes;
        all_notes.extend(merged.notes);
        return Ok(Loaded {
            config,
            provenance: merged.provenance,
            notes: all_notes,
            warnings,
            policy_errors: policy_errors.iter().map(PolicyIssue::from_error).collect(),
            layers: std::iter::once(Source::default_values())
                .chain(layers.into_iter().map(|l| l.source))
                .collect(),
        });
    }
}

/// The result of merging layers over the defaults, before validation.
struct Merged {
    /// The winning value of each dotted key and the layer it came from (`None` = default).
    effective: BTreeMap<String, (toml::Value, Option<usize>)>,
    /// The merged `[section]` tables, empty text keys removed.
    table: toml::Table,
    provenance: BTreeMap<String, Provenance>,
    /// Overrides ignored because another layer locks the key.
    notes: Vec<String>,
}

fn merge(layers: &[Layer], defaults: &toml::Table, locale: Option<&str>) -> Merged {
    let mut notes = Vec::new();
    // Who owns each locked key: the highest-precedence layer that locks it.
    let mut owners: BTreeMap<String, usize> = BTreeMap::new();
    for spec in schema::KEYS {
        let key = spec.dotted();
        if let Some(i) = layers.iter().rposition(|l| l.locks(&key)) {
            owners.insert(key, i);
        }
    }

    let mut effective: BTreeMap<String, (toml::Value, Option<usize>)> = BTreeMap::new();
    for (section, values) in defaults {
        for (name, value) in values.as_table().into_iter().flatten() {
            effective.insert(format!("{section}.{name}"), (value.clone(), None));
        }
    }
    let mut overrode: BTreeMap<String, Vec<Overridden>> = BTreeMap::new();
    for (i, layer) in layers.iter().enumerate() {
        for (section, values) in &layer.table {
            for (name, value) in values.as_table().into_iter().flatten() {
                let key = format!("{section}.{name}");
                if let Some(&owner) = owners.get(&key)
                    && owner != i
                {
                    let locker = &layers[owner].source;
                    notes.push(format!(
                        "`{key}` set in {} is ignored: locked by {}",
                        layer.source.location(),
                        locker.kind,
                    ));
                    overrode.entry(key).or_default().push(Overridden {
                        source: layer.source.clone(),
                        value: shown_value(value),
                    });
                    continue;
                }
                if let Some((old, from)) = effective.insert(key.clone(), (value.clone(), Some(i))) {
                    let source =
                        from.map_or_else(Source::default_values, |j| layers[j].source.clone());
                    overrode.entry(key).or_default().push(Overridden {
                        source,
                        value: shown_value(&old),
                    });
                }
            }
        }
    }

    let mut table = toml::Table::new();
    for (key, (value, _)) in &effective {
        // Translations tables become the text for the user's locale (each was checked alone).
        let localized = schema::find_dotted(key)
            .and_then(|spec| schema::localize_key(spec, value, locale).ok());
        let value = localized.as_ref().unwrap_or(value);
        if let Some((section, name)) = key.split_once('.') {
            let entry = table
                .entry(section.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = entry {
                t.insert(name.to_owned(), value.clone());
            }
        }
    }

    let provenance: BTreeMap<String, Provenance> = schema::KEYS
        .iter()
        .map(|spec| {
            let key = spec.dotted();
            let from = effective.get(&key).and_then(|(_, from)| *from);
            let source = from.map_or_else(Source::default_values, |i| layers[i].source.clone());
            let origin = from.and_then(|i| layers[i].origins.get(&key).cloned());
            let locked = owners.contains_key(&key);
            let mut overrode = overrode.remove(&key).unwrap_or_default();
            overrode.sort_by_key(|o| o.source.kind);
            (
                key,
                Provenance {
                    source,
                    locked,
                    origin,
                    overrode,
                },
            )
        })
        .collect();

    // An empty string unsets a text key (an optional one becomes `None`, others their default),
    // so a higher layer can clear a lower layer's value.
    let text_keys = schema::KEYS
        .iter()
        .filter(|k| matches!(k.kind, schema::Kind::Text | schema::Kind::LocalText));
    for spec in text_keys {
        if let Some(toml::Value::Table(t)) = table.get_mut(spec.section)
            && t.get(spec.name).and_then(toml::Value::as_str) == Some("")
        {
            t.remove(spec.name);
        }
    }
    Merged {
        effective,
        table,
        provenance,
        notes,
    }
}

/// What an error says about its key (without the file and key), for restating it on another key.
fn error_problem(error: &ConfigError) -> String {
    match error {
        ConfigError::InvalidValue { file, problem, .. } => format!("{problem} (from {file})"),
        other => other.to_string(),
    }
}

/// Removes dotted `key` from a layer (and its lock); whether it was there.
fn remove_key(layer: &mut Layer, key: &str) -> bool {
    let Some((section, name)) = key.split_once('.') else {
        return false;
    };
    let removed = layer
        .table
        .get_mut(section)
        .and_then(toml::Value::as_table_mut)
        .and_then(|t| t.remove(name))
        .is_some();
    layer.locked.remove(key);
    removed
}

/// Refuses keys that run programs ([`schema::Sensitivity::Program`]) in a user file or an
/// explicit file: no such file ever held them legitimately.
fn check_program_keys(layer: &Layer) -> Result<(), ConfigError> {
    let refused = match layer.source.kind {
        SourceKind::User => true,
        SourceKind::Explicit => !layer.owner.is_admin(),
        SourceKind::Default | SourceKind::System | SourceKind::Recommended | SourceKind::Policy => {
            false
        }
    };
    if !refused {
        return Ok(());
    }
    let program_keys = schema::KEYS.iter().filter(|k| k.runs_programs());
    match program_keys
        .map(schema::KeyDef::dotted)
        .find(|key| sets(layer, key))
    {
        Some(key) => Err(ConfigError::AdminOnly {
            file: layer.source.location(),
            key,
            layer: layer.source.kind.as_str(),
        }),
        None => Ok(()),
    }
}

/// Removes the admin-only keys ([`schema::KeyDef::admin_only`]) from a layer that is not admin-owned,
/// returning one note per key removed.
fn drop_admin_only(layer: &mut Layer) -> Vec<String> {
    let Ownership::NotAdmin { reason } = &layer.owner else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    for spec in schema::KEYS {
        let Some(why) = spec.admin_only() else {
            continue;
        };
        let (key, section, name) = (spec.dotted(), spec.section, spec.name);
        let removed = layer
            .table
            .get_mut(section)
            .and_then(toml::Value::as_table_mut)
            .and_then(|t| t.remove(name))
            .is_some();
        if removed {
            notes.push(format!(
                "`{key}` set in {} is ignored: only IT may set it ({why}), in the system config \
                 file or a managed policy, and this {} file is not admin-owned: {reason}",
                layer.source.location(),
                layer.source.kind,
            ));
        }
    }
    notes
}

fn sets(layer: &Layer, key: &str) -> bool {
    key.split_once('.').is_some_and(|(section, name)| {
        layer
            .table
            .get(section)
            .and_then(toml::Value::as_table)
            .is_some_and(|t| t.contains_key(name))
    })
}

fn defaults_table() -> Result<toml::Table, ConfigError> {
    toml::Table::try_from(Config::default()).map_err(|e| ConfigError::InvalidValue {
        file: "default".to_owned(),
        key: String::new(),
        problem: e.to_string(),
        line: None,
    })
}
