//! Windows policy: `HKLM\SOFTWARE\Policies\Deskside` and `HKCU\SOFTWARE\Policies\Deskside`
//! (mandatory; HKCU applied after HKLM) and their `Recommended` subkeys. Only administrators
//! can write under `SOFTWARE\Policies`, which is why Group Policy and Intune's ADMX ingestion
//! put policy there.
//!
//! Layout: one subkey per section, one value per key, named like the key:
//!
//! | key kind | registry value |
//! | --- | --- |
//! | boolean | `REG_DWORD` 0 or 1 |
//! | integer | `REG_DWORD` or `REG_QWORD` (or `REG_SZ` digits) |
//! | number | `REG_DWORD`, or `REG_SZ` such as `2.5` |
//! | text | `REG_SZ` (or `REG_EXPAND_SZ`, not expanded) |
//! | list | `REG_MULTI_SZ`, or a subkey named like the key holding values `1`, `2`, … (what an ADMX `list` element writes) |
//! | `fixes.actions` | `REG_SZ` holding a JSON array of action tables |
//!
//! Section and value names are matched without regard to case, as the registry does. Everything
//! from registry values to keys is pure ([`parse_reg_export`], [`layers_from_values`]) and tested
//! with `reg export` files; only [`read_registry`] touches the registry, on Windows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::{PolicyLevel, PolicyRead};
use crate::error::ConfigError;
use crate::layer::{Layer, Source};
use crate::schema::{self, Kind};

/// The policy key below a hive.
pub const POLICY_KEY: &str = r"SOFTWARE\Policies\Deskside";
/// The subkey of recommended policy.
pub const RECOMMENDED: &str = "Recommended";

/// One registry value's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `REG_SZ`.
    Sz(String),
    /// `REG_EXPAND_SZ` (not expanded).
    ExpandSz(String),
    /// `REG_MULTI_SZ`.
    MultiSz(Vec<String>),
    /// `REG_DWORD`.
    Dword(u32),
    /// `REG_QWORD`.
    Qword(u64),
    /// Any other type, with its type number and bytes.
    Other(u32, Vec<u8>),
}

impl RegData {
    /// Decodes a value from its registry type number and raw bytes, as `RegQueryValueEx` and
    /// `hex(N):` in a `.reg` file give them (strings are UTF-16LE).
    #[must_use]
    pub fn from_raw(ty: u32, bytes: &[u8]) -> Self {
        let wide = || -> Vec<u16> {
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        let one = |w: &[u16]| {
            let end = w.iter().position(|c| *c == 0).unwrap_or(w.len());
            String::from_utf16_lossy(&w[..end])
        };
        match ty {
            1 => Self::Sz(one(&wide())),
            2 => Self::ExpandSz(one(&wide())),
            7 => {
                let w = wide();
                let mut items: Vec<String> =
                    w.split(|c| *c == 0).map(String::from_utf16_lossy).collect();
                // The list ends with an empty string (two NULs); empty items end it early.
                if let Some(end) = items.iter().position(String::is_empty) {
                    items.truncate(end);
                }
                Self::MultiSz(items)
            }
            4 if bytes.len() == 4 => {
                Self::Dword(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            }
            11 if bytes.len() == 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(bytes);
                Self::Qword(u64::from_le_bytes(b))
            }
            other => Self::Other(other, bytes.to_vec()),
        }
    }

    /// The value as TOML in its own type, when no key kind says otherwise.
    fn natural(&self) -> toml::Value {
        match self {
            Self::Sz(s) | Self::ExpandSz(s) => toml::Value::String(s.clone()),
            Self::MultiSz(items) => {
                toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
            }
            Self::Dword(n) => toml::Value::Integer(i64::from(*n)),
            Self::Qword(n) => i64::try_from(*n)
                .map_or_else(|_| toml::Value::String(n.to_string()), toml::Value::Integer),
            Self::Other(ty, bytes) => {
                toml::Value::String(format!("<registry type {ty}, {} bytes>", bytes.len()))
            }
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Self::Sz(s) | Self::ExpandSz(s) => Some(s.trim()),
            _ => None,
        }
    }

    fn number(&self) -> Option<u64> {
        match self {
            Self::Dword(n) => Some(u64::from(*n)),
            Self::Qword(n) => Some(*n),
            _ => None,
        }
    }
}

/// One value found under a registry key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    /// The full key path as `reg export` writes it, such as
    /// `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Deskside\network`.
    pub key: String,
    /// The value's name (`@`, the default value, is skipped by the parser).
    pub name: String,
    /// Its data.
    pub data: RegData,
}

/// Decodes a `.reg` file's bytes: UTF-16LE with a byte-order mark (what `reg export` and
/// regedit write), or UTF-8 (REGEDIT4, or a hand-written file).
pub fn decode_reg_file(label: &str, bytes: &[u8]) -> Result<String, ConfigError> {
    let format = |message: &str| ConfigError::PolicyFormat {
        file: label.to_owned(),
        message: message.to_owned(),
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        if rest.len() % 2 != 0 {
            return Err(format("odd number of bytes in a UTF-16 file"));
        }
        let wide: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&wide).map_err(|_| format("not valid UTF-16 text"));
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| format("not UTF-16LE (with a byte-order mark) or UTF-8 text"))
}

/// Parses the text of a `reg export` / regedit file into values. Lines continued with `\`
/// are joined; `hex(N):` data is decoded by type; deletions (`=-`) and the default value
/// (`@`) are skipped. A line that is not a value or key is an error naming its line.
pub fn parse_reg_export(label: &str, text: &str) -> Result<Vec<RegValue>, ConfigError> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let (start, mut joined) = match pending.take() {
            Some((n, acc)) => (n, acc + line.trim_start()),
            None => (i + 1, line.to_owned()),
        };
        if joined.ends_with('\\') && joined.contains("=hex") {
            joined.pop();
            pending = Some((start, joined));
            continue;
        }
        lines.push((start, joined));
    }
    if let Some(p) = pending {
        lines.push(p);
    }
    let bad = |line: usize, what: &str| ConfigError::PolicyFormat {
        file: label.to_owned(),
        message: format!("line {line}: {what}"),
    };
    let mut out = Vec::new();
    let mut key: Option<String> = None;
    for (n, line) in lines {
        let line = line.trim();
        if line.is_empty()
            || line.starts_with(';')
            || line == "Windows Registry Editor Version 5.00"
            || line == "REGEDIT4"
        {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            // `[-KEY]` deletes a key: nothing to apply.
            key = (!inner.starts_with('-')).then(|| inner.to_owned());
            continue;
        }
        let Some(current) = &key else {
            return Err(bad(n, "a value before any [key] line"));
        };
        let (name, rest) = if let Some(rest) = line.strip_prefix('@') {
            (None, rest)
        } else if line.starts_with('"') {
            let (name, rest) = quoted(line).ok_or_else(|| bad(n, "unterminated value name"))?;
            (Some(name), rest)
        } else {
            return Err(bad(n, "expected \"name\"=value"));
        };
        let Some(data) = rest.trim_start().strip_prefix('=') else {
            return Err(bad(n, "expected `=` after the value name"));
        };
        let data = data.trim();
        if data == "-" {
            continue;
        }
        let parsed = parse_data(data).ok_or_else(|| bad(n, "unreadable value data"))?;
        if let Some(name) = name {
            out.push(RegValue {
                key: current.clone(),
                name,
                data: parsed,
            });
        }
    }
    Ok(out)
}

/// A `"…"` string at the start of `s` with regedit's escapes (`\\`, `\"`), and what follows.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let (_, next) = chars.next()?;
                out.push(next);
            }
            '"' => return Some((out, &s[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

fn parse_data(data: &str) -> Option<RegData> {
    if data.starts_with('"') {
        let (text, rest) = quoted(data)?;
        return rest.trim().is_empty().then_some(RegData::Sz(text));
    }
    if let Some(hex) = data.strip_prefix("dword:") {
        return u32::from_str_radix(hex.trim(), 16).ok().map(RegData::Dword);
    }
    let (ty, bytes) = if let Some(rest) = data.strip_prefix("hex:") {
        (3, rest)
    } else if let Some(rest) = data.strip_prefix("hex(") {
        let (ty, bytes) = rest.split_once("):")?;
        (u32::from_str_radix(ty, 16).ok()?, bytes)
    } else {
        return None;
    };
    let bytes: Option<Vec<u8>> = bytes
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| u8::from_str_radix(b, 16).ok())
        .collect();
    Some(RegData::from_raw(ty, &bytes?))
}

/// `HKEY_LOCAL_MACHINE\…` → `HKLM\…` (and HKCU), as admins write it.
fn short_hive(key: &str) -> String {
    for (long, short) in [
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKEY_CURRENT_USER", "HKCU"),
    ] {
        if let Some(rest) = strip_prefix_ci(key, long) {
            return format!("{short}{rest}");
        }
    }
    key.to_owned()
}

/// The policy layers in `values`: for each hive (HKCU first, then HKLM, which wins) the values under
/// `SOFTWARE\Policies\Deskside` (mandatory) and its `Recommended` subkey, mapped to keys by
/// the schema's kinds. Values elsewhere are ignored; a value that cannot be a key's value is
/// an error naming its registry path, and only that key is dropped.
#[must_use]
pub fn layers_from_values(values: &[RegValue]) -> PolicyRead {
    // (hive, level) → section → name → (data, origin); list subkeys collected separately.
    type Scalars = BTreeMap<(String, String), (RegData, String)>;
    type Lists = BTreeMap<(String, String), BTreeMap<(u64, String), (RegData, String)>>;
    type Group = (Scalars, Lists, BTreeSet<String>);
    let mut groups: BTreeMap<(u8, String, bool), Group> = BTreeMap::new();
    for v in values {
        let key = short_hive(&v.key);
        let Some((hive, rest)) = key.split_once('\\') else {
            continue;
        };
        let order = match hive.to_ascii_uppercase().as_str() {
            // User policy first, so machine policy wins where both set a key (as in Chromium).
            "HKCU" => 0,
            "HKLM" => 1,
            _ => continue,
        };
        let Some(below) = strip_prefix_ci(rest, POLICY_KEY) else {
            continue;
        };
        let mut parts: Vec<&str> = below.split('\\').filter(|p| !p.is_empty()).collect();
        let recommended = parts
            .first()
            .is_some_and(|p| p.eq_ignore_ascii_case(RECOMMENDED));
        if recommended {
            parts.remove(0);
        }
        let base = format!(
            "{hive}\\{POLICY_KEY}{}",
            if recommended { "\\Recommended" } else { "" }
        );
        let entry = groups
            .entry((order, base.clone(), recommended))
            .or_default();
        let origin = format!("{}\\{}", short_hive(&v.key), v.name);
        match parts.as_slice() {
            [section] => {
                entry.0.insert(
                    (section.to_ascii_lowercase(), v.name.to_ascii_lowercase()),
                    (v.data.clone(), origin),
                );
            }
            [section, list] => {
                let index = v.name.trim().parse::<u64>().unwrap_or(u64::MAX);
                entry
                    .1
                    .entry((section.to_ascii_lowercase(), list.to_ascii_lowercase()))
                    .or_default()
                    .insert((index, v.name.clone()), (v.data.clone(), origin));
            }
            _ => {
                entry.2.insert(origin);
            }
        }
    }

    let mut out = PolicyRead::default();
    // Mandatory layers of both hives, then recommended ones: the order is fixed by the kinds.
    for ((_, base, recommended), (scalars, lists, stray)) in groups {
        let level = if recommended {
            PolicyLevel::Recommended
        } else {
            PolicyLevel::Mandatory
        };
        let mut table = toml::Table::new();
        let mut origins = BTreeMap::new();
        let mut errors = Vec::new();
        for origin in stray {
            errors.push(ConfigError::PolicyFormat {
                file: base.clone(),
                message: format!(
                    "{origin}: policy values belong in a section subkey such as {base}\\network"
                ),
            });
        }
        for ((section, name), (data, origin)) in scalars {
            let kind = schema::find(&section, &name).map(|s| s.kind);
            insert(&mut table, &section, &name, convert(kind, &data));
            origins.insert(format!("{section}.{name}"), origin);
        }
        for ((section, name), items) in lists {
            let kind = schema::find(&section, &name).map(|s| s.kind);
            if kind == Some(Kind::LocalText) {
                // Translations: a subkey named like the key with one value per language tag
                // (what an ADMX `list` with explicit value names writes); the key's own value,
                // if any, is the default.
                let dotted = format!("{section}.{name}");
                let mut translations = toml::Table::new();
                let plain = table
                    .get_mut(&section)
                    .and_then(toml::Value::as_table_mut)
                    .and_then(|t| t.remove(&name));
                if let Some(text) = plain {
                    translations.insert(crate::localized::DEFAULT_TAG.to_owned(), text);
                }
                for ((_, tag), (data, origin)) in items {
                    translations.insert(tag, data.natural());
                    origins.entry(dotted.clone()).or_insert(origin);
                }
                insert(
                    &mut table,
                    &section,
                    &name,
                    toml::Value::Table(translations),
                );
                continue;
            }
            let item_kind = match kind {
                Some(Kind::CountList) => Some(Kind::Count),
                _ => Some(Kind::Text),
            };
            let first_origin = items
                .values()
                .next()
                .map(|(_, o)| o.rsplit_once('\\').map_or(o.clone(), |(k, _)| k.to_owned()))
                .unwrap_or_default();
            let array = items.values().map(|(d, _)| convert(item_kind, d)).collect();
            insert(&mut table, &section, &name, toml::Value::Array(array));
            origins.insert(format!("{section}.{name}"), first_origin);
        }
        let source = Source {
            kind: level.kind(),
            path: Some(PathBuf::from(&base)),
        };
        let (layer, mut key_errors) = Layer::from_table(source, table, origins);
        errors.append(&mut key_errors);
        out.push(layer, errors);
    }
    out
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        let rest = &s[prefix.len()..];
        (rest.is_empty() || rest.starts_with('\\')).then_some(rest)
    } else {
        None
    }
}

fn insert(table: &mut toml::Table, section: &str, name: &str, value: toml::Value) {
    if let toml::Value::Table(t) = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
    {
        t.insert(name.to_owned(), value);
    }
}

/// Registry data → the TOML value a key of `kind` takes; anything that does not fit stays in
/// its own type, so the schema check names what was expected.
fn convert(kind: Option<Kind>, data: &RegData) -> toml::Value {
    let as_int = |n: u64| i64::try_from(n).ok().map(toml::Value::Integer);
    let converted = match kind {
        Some(Kind::Bool) => match (data.number(), data.text()) {
            (Some(0), _) => Some(toml::Value::Boolean(false)),
            (Some(1), _) => Some(toml::Value::Boolean(true)),
            (_, Some(t)) if t.eq_ignore_ascii_case("true") || t == "1" => {
                Some(toml::Value::Boolean(true))
            }
            (_, Some(t)) if t.eq_ignore_ascii_case("false") || t == "0" => {
                Some(toml::Value::Boolean(false))
            }
            _ => None,
        },
        Some(Kind::Count) => data
            .number()
            .or_else(|| data.text().and_then(|t| t.parse().ok()))
            .and_then(as_int),
        Some(Kind::Number) => data.number().and_then(as_int).or_else(|| {
            data.text()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|f| f.is_finite())
                .map(toml::Value::Float)
        }),
        Some(Kind::CountList) => match data {
            RegData::MultiSz(items) => items
                .iter()
                .map(|i| i.trim().parse::<u64>().ok().and_then(as_int))
                .collect::<Option<Vec<_>>>()
                .map(toml::Value::Array),
            _ => None,
        },
        Some(Kind::TableList) => data
            .text()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|j| toml::Value::try_from(j).ok()),
        Some(Kind::Text | Kind::TextList | Kind::SubnetList | Kind::LocalText) | None => None,
    };
    converted.unwrap_or_else(|| data.natural())
}

/// Reads the policy keys of HKLM and HKCU (Windows only; elsewhere no policy).
#[must_use]
pub fn read_registry() -> PolicyRead {
    layers_from_values(&registry_values())
}

#[cfg(windows)]
fn registry_values() -> Vec<RegValue> {
    let mut out = Vec::new();
    for (hive, name) in [
        (windows_registry::LOCAL_MACHINE, "HKEY_LOCAL_MACHINE"),
        (windows_registry::CURRENT_USER, "HKEY_CURRENT_USER"),
    ] {
        collect_key(
            hive,
            POLICY_KEY,
            &format!("{name}\\{POLICY_KEY}"),
            0,
            &mut out,
        );
    }
    out
}

/// Walks a key and its subkeys (at most three levels: Recommended, section, list).
#[cfg(windows)]
fn collect_key(
    root: &windows_registry::Key,
    path: &str,
    label: &str,
    depth: u8,
    out: &mut Vec<RegValue>,
) {
    let Ok(key) = root.open(path) else {
        return;
    };
    if let Ok(values) = key.values() {
        for (name, value) in values {
            out.push(RegValue {
                key: label.to_owned(),
                name,
                data: RegData::from_raw(u32::from(value.ty()), &value),
            });
        }
    }
    if depth >= 3 {
        return;
    }
    if let Ok(keys) = key.keys() {
        for sub in keys {
            collect_key(
                root,
                &format!("{path}\\{sub}"),
                &format!("{label}\\{sub}"),
                depth + 1,
                out,
            );
        }
    }
}

#[cfg(not(windows))]
fn registry_values() -> Vec<RegValue> {
    Vec::new()
}
