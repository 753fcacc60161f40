//! macOS policy: managed preferences, which configuration profiles (Jamf, Intune, Workspace
//! ONE, Apple Business Essentials) install as `/Library/Managed Preferences/<bundle id>.plist`
//! for the device and `/Library/Managed Preferences/<user>/<bundle id>.plist` per user. Every
//! key there is forced, so it is mandatory policy; a top-level `Recommended` dictionary holds
//! recommended policy. Where both the device and the user file set a key, the device wins.
//!
//! Inside, each section is a dictionary of its keys (`network` → `probe_urls` → array of
//! strings); `fixes.actions` is an array of dictionaries. A dotted top-level key
//! (`network.probe_urls`) is accepted too. The files must be owned by root and not writable by
//! group or others, like every other policy file.
//!
//! The mapping ([`layers_from_plist`], [`layers_from_mobileconfig`]) is pure and tested with
//! property lists as profiles deliver them; only [`read_managed_preferences`] reads files.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use super::{MACOS_BUNDLE_ID, PolicyLevel, PolicyRead};
use crate::SourceKind;
use crate::error::ConfigError;
use crate::layer::{Layer, MAX_FILE_BYTES, Source};
use crate::owner::{self, Ownership};

/// The dictionary of recommended policy inside a managed preferences file.
pub const RECOMMENDED: &str = "Recommended";

/// Reads the device's and then the user's managed preferences for Deskside.
#[must_use]
pub fn read_managed_preferences(dir: &Path, user: Option<&str>) -> PolicyRead {
    let mut out = PolicyRead::default();
    let file = format!("{MACOS_BUNDLE_ID}.plist");
    let mut paths = Vec::new();
    if let Some(user) = user {
        paths.push(dir.join(user).join(&file));
    }
    paths.push(dir.join(&file));
    for path in paths {
        read_plist_file(&path, &mut out);
    }
    out
}

fn read_plist_file(path: &Path, out: &mut PolicyRead) {
    let label = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(source) => {
            out.errors.push(ConfigError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(source) => {
            out.errors.push(ConfigError::Unreadable {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    if let Ownership::NotAdmin { reason } =
        owner::decide(SourceKind::System, owner::facts_of(&meta, path))
    {
        out.errors.push(ConfigError::PolicyUntrusted {
            file: label,
            reason,
        });
        return;
    }
    if meta.len() > MAX_FILE_BYTES {
        out.errors.push(ConfigError::TooLarge {
            file: label,
            size: meta.len(),
            limit: MAX_FILE_BYTES,
        });
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let read = layers_from_plist(&label, &bytes);
            out.errors.extend(read.errors);
            out.layers.extend(read.layers);
        }
        Err(source) => out.errors.push(ConfigError::Unreadable {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn parse(label: &str, bytes: &[u8]) -> Result<plist::Value, ConfigError> {
    plist::Value::from_reader(Cursor::new(bytes)).map_err(|e| ConfigError::PolicyFormat {
        file: label.to_owned(),
        message: format!("not a property list: {e}"),
    })
}

/// The mandatory and recommended layers of one managed preferences file (XML or binary
/// property list). Keys that are unknown or of the wrong type are dropped with an error.
#[must_use]
pub fn layers_from_plist(label: &str, bytes: &[u8]) -> PolicyRead {
    let mut out = PolicyRead::default();
    let root = match parse(label, bytes) {
        Ok(v) => v,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let Some(dict) = root.as_dictionary() else {
        out.errors.push(ConfigError::PolicyFormat {
            file: label.to_owned(),
            message: "expected a dictionary at the top".to_owned(),
        });
        return out;
    };
    let mut mandatory = dict.clone();
    let recommended = mandatory.remove(RECOMMENDED);
    if let Some(rec) = recommended {
        match rec.as_dictionary() {
            Some(rec) => push_dict(&mut out, label, PolicyLevel::Recommended, rec, None),
            None => out.errors.push(ConfigError::PolicyFormat {
                file: label.to_owned(),
                message: "`Recommended` must be a dictionary".to_owned(),
            }),
        }
    }
    push_dict(&mut out, label, PolicyLevel::Mandatory, &mandatory, None);
    out
}

/// The layers of a configuration profile (`.mobileconfig`) for `bundle_id`: payloads whose
/// `PayloadType` is the bundle id (keys inline; mandatory), and Custom Settings payloads
/// (`com.apple.ManagedClient.preferences`) whose `Forced` entries are mandatory and `Set-Once`
/// / `Often` entries recommended. A signed profile is read through its embedded plist.
#[must_use]
pub fn layers_from_mobileconfig(label: &str, bytes: &[u8], bundle_id: &str) -> PolicyRead {
    let mut out = PolicyRead::default();
    let bytes = embedded_plist(bytes).unwrap_or(bytes);
    let root = match parse(label, bytes) {
        Ok(v) => v,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let payloads = root
        .as_dictionary()
        .and_then(|d| d.get("PayloadContent"))
        .and_then(plist::Value::as_array);
    let Some(payloads) = payloads else {
        out.errors.push(ConfigError::PolicyFormat {
            file: label.to_owned(),
            message: "no PayloadContent array: not a configuration profile".to_owned(),
        });
        return out;
    };
    let mut found = false;
    for payload in payloads.iter().filter_map(plist::Value::as_dictionary) {
        let name = payload
            .get("PayloadDisplayName")
            .or_else(|| payload.get("PayloadIdentifier"))
            .and_then(plist::Value::as_string)
            .unwrap_or("unnamed payload")
            .to_owned();
        let ty = payload
            .get("PayloadType")
            .and_then(plist::Value::as_string)
            .unwrap_or("");
        if ty == bundle_id {
            found = true;
            let mut keys = payload.clone();
            keys.retain(|k, _| !k.starts_with("Payload"));
            push_dict(&mut out, label, PolicyLevel::Mandatory, &keys, Some(&name));
        } else if ty == "com.apple.ManagedClient.preferences" {
            let Some(domain) = payload
                .get("PayloadContent")
                .and_then(plist::Value::as_dictionary)
                .and_then(|c| c.get(bundle_id))
                .and_then(plist::Value::as_dictionary)
            else {
                continue;
            };
            found = true;
            for (state, level) in [
                ("Set-Once", PolicyLevel::Recommended),
                ("Often", PolicyLevel::Recommended),
                ("Forced", PolicyLevel::Mandatory),
            ] {
                for entry in domain
                    .get(state)
                    .and_then(plist::Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(settings) = entry
                        .as_dictionary()
                        .and_then(|e| e.get("mcx_preference_settings"))
                        .and_then(plist::Value::as_dictionary)
                    {
                        push_dict(&mut out, label, level, settings, Some(&name));
                    }
                }
            }
        }
    }
    if !found {
        out.errors.push(ConfigError::PolicyFormat {
            file: label.to_owned(),
            message: format!("no payload for {bundle_id} in this profile"),
        });
    }
    out
}

/// The XML plist inside a signed (CMS) profile: the content is stored as is.
fn embedded_plist(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.starts_with(b"<?xml") || bytes.starts_with(b"bplist") {
        return None;
    }
    let start = find(bytes, b"<?xml")?;
    let end = find(&bytes[start..], b"</plist>")? + start + b"</plist>".len();
    Some(&bytes[start..end])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One dictionary of sections → one layer.
fn push_dict(
    out: &mut PolicyRead,
    label: &str,
    level: PolicyLevel,
    dict: &plist::Dictionary,
    payload: Option<&str>,
) {
    let mut table = toml::Table::new();
    let mut origins = BTreeMap::new();
    let mut errors = Vec::new();
    let prefix = if level == PolicyLevel::Recommended && payload.is_none() {
        format!("{RECOMMENDED} → ")
    } else {
        String::new()
    };
    let mut put = |section: &str, name: &str, value: &plist::Value, errors: &mut Vec<_>| {
        let dotted = format!("{section}.{name}");
        let Some(v) = to_toml(value) else {
            errors.push(ConfigError::PolicyFormat {
                file: label.to_owned(),
                message: format!(
                    "key `{dotted}`: a date, data or UID value cannot be a setting; use a string, \
                     number, boolean, array or dictionary"
                ),
            });
            return;
        };
        if let toml::Value::Table(t) = table
            .entry(section.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        {
            t.insert(name.to_owned(), v);
        }
        let origin = match payload {
            Some(p) => format!("profile payload \"{p}\": {section} → {name}"),
            None => format!("{prefix}{section} → {name}"),
        };
        origins.insert(dotted, origin);
    };
    let mut stray = Vec::new();
    for (key, value) in dict {
        if let Some((section, name)) = key.split_once('.') {
            put(section, name, value, &mut errors);
        } else if let Some(keys) = value.as_dictionary() {
            for (name, v) in keys {
                put(key, name, v, &mut errors);
            }
        } else {
            // Not a section dictionary: the schema check names the problem.
            stray.push((key.clone(), value));
        }
    }
    for (key, value) in stray {
        if let Some(v) = to_toml(value) {
            table.insert(key, v);
        }
    }
    let source = Source {
        kind: level.kind(),
        path: Some(PathBuf::from(label)),
    };
    let (layer, mut key_errors) = Layer::from_table(source, table, origins);
    errors.append(&mut key_errors);
    out.push(layer, errors);
}

/// A property-list value as TOML; dates, data and UIDs have no config meaning.
fn to_toml(value: &plist::Value) -> Option<toml::Value> {
    Some(match value {
        plist::Value::Boolean(b) => toml::Value::Boolean(*b),
        plist::Value::Integer(i) => match i.as_signed() {
            Some(n) => toml::Value::Integer(n),
            None => toml::Value::String(i.as_unsigned()?.to_string()),
        },
        plist::Value::Real(f) => toml::Value::Float(*f),
        plist::Value::String(s) => toml::Value::String(s.clone()),
        plist::Value::Array(items) => {
            toml::Value::Array(items.iter().map(to_toml).collect::<Option<Vec<_>>>()?)
        }
        plist::Value::Dictionary(d) => {
            let mut t = toml::Table::new();
            for (k, v) in d {
                t.insert(k.clone(), to_toml(v)?);
            }
            toml::Value::Table(t)
        }
        _ => return None,
    })
}
