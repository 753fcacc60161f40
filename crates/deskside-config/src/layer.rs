//! One configuration layer: where it came from ([`Source`]), its TOML table, and the keys it locks.
//! This module owns reading a layer file safely (size cap, UTF-8, syntax) and checking it alone
//! against the schema, so an unknown key or a wrong type is reported with the file, the dotted key,
//! what was expected and, for files, the line.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::ConfigError;
use crate::owner::{self, Ownership};
use crate::schema::{self, Kind};

/// The largest config file accepted, in bytes (1 MiB); real files are a few hundred bytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The kind of a layer, in increasing precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The built-in defaults.
    Default,
    /// The machine-wide file.
    System,
    /// Recommended policy (MDM): IT's default, which the user's own file may still change.
    Recommended,
    /// The per-user file.
    User,
    /// The file named by `--config` or `DESKSIDE_CONFIG`.
    Explicit,
    /// Mandatory managed policy (MDM): locks every key it sets.
    Policy,
}

impl SourceKind {
    /// The lowercase name used in provenance: `default`, `system`, `recommended`, `user`,
    /// `explicit`, `policy` (mandatory policy).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::System => "system",
            Self::Recommended => "recommended",
            Self::User => "user",
            Self::Explicit => "explicit",
            Self::Policy => "policy",
        }
    }
}

impl SourceKind {
    /// Whether this is a managed-policy layer (mandatory or recommended): a bad value there
    /// drops that key only, instead of refusing the whole configuration.
    #[must_use]
    pub fn is_policy(self) -> bool {
        matches!(self, Self::Policy | Self::Recommended)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a layer came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// The layer's kind.
    pub kind: SourceKind,
    /// The file (or, for policy, a label such as a registry key), when there is one.
    pub path: Option<PathBuf>,
}

impl Source {
    /// The built-in defaults.
    pub fn default_values() -> Self {
        Self {
            kind: SourceKind::Default,
            path: None,
        }
    }

    /// How errors and notes name this layer: its path, or its kind when it has no path.
    pub fn location(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => self.kind.as_str().to_owned(),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{} file {}", self.kind, p.display()),
            None => f.write_str(self.kind.as_str()),
        }
    }
}

/// One layer of configuration, checked against the schema by [`Layer::from_str`] and
/// [`Layer::from_file`] and again by [`crate::load_layers`] (fields are public, so a layer built in
/// code is checked too).
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Where the layer came from.
    pub source: Source,
    /// The layer's values: `[section]` tables of leaf keys.
    pub table: toml::Table,
    /// Dotted keys this layer locks; a section name such as `network` locks every key in it.
    pub locked: BTreeSet<String>,
    /// Whether the layer's admin-only keys are honoured: checked on the file by
    /// [`Layer::from_file`], assumed from the kind by [`Layer::from_str`].
    pub owner: Ownership,
    /// Where within the source each dotted key was set, for provenance: `line 3` for a file,
    /// the value's registry path, the profile's name. Keys not listed have no detail.
    pub origins: BTreeMap<String, String>,
}

impl Layer {
    /// Reads and checks a layer file. A missing file is `Ok(None)` except for
    /// [`SourceKind::Explicit`], where it is an error: the user asked for that file. Whether the
    /// layer is admin-owned is decided from the open file's owner and mode (see
    /// [`crate::owner::decide`]).
    pub fn from_file(kind: SourceKind, path: &Path) -> Result<Option<Self>, ConfigError> {
        let Some((text, facts)) = read_capped(path, kind == SourceKind::Explicit)? else {
            return Ok(None);
        };
        let mut layer = Self::from_str(kind, Some(path), &text)?;
        layer.owner = owner::decide(kind, facts);
        Ok(Some(layer))
    }

    /// Parses and checks a layer from text; `path_label` names it in errors and provenance.
    /// With no file to look at, ownership is assumed from the kind ([`Ownership::assumed`]).
    /// Every key is checked: several bad keys are one [`ConfigError::Several`].
    pub fn from_str(
        kind: SourceKind,
        path_label: Option<&Path>,
        text: &str,
    ) -> Result<Self, ConfigError> {
        let (layer, errors) = Self::from_str_lenient(kind, path_label, text)?;
        match ConfigError::from_list(errors) {
            Some(e) => Err(e),
            None => Ok(layer),
        }
    }

    /// Like [`Layer::from_str`], but a key that is unknown or of the wrong type is removed
    /// from the layer and returned as an error instead of refusing the whole text: how a
    /// managed policy is read. Only text that is not TOML at all (or too large) is an `Err`.
    pub fn from_str_lenient(
        kind: SourceKind,
        path_label: Option<&Path>,
        text: &str,
    ) -> Result<(Self, Vec<ConfigError>), ConfigError> {
        let source = Source {
            kind,
            path: path_label.map(Path::to_path_buf),
        };
        let file = source.location();
        let len = u64::try_from(text.len()).unwrap_or(u64::MAX);
        if len > MAX_FILE_BYTES {
            return Err(ConfigError::TooLarge {
                file,
                size: len,
                limit: MAX_FILE_BYTES,
            });
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let syntax = |e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Syntax {
                file: file.clone(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        };
        let spanned = toml::de::DeTable::parse(text).map_err(syntax)?;
        let mut table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let mut origins = BTreeMap::new();
        for (section, value) in spanned.get_ref() {
            let section_line = line_col(text, section.span().start).0;
            origins.insert(
                section.get_ref().to_string(),
                format!("line {section_line}"),
            );
            if let toml::de::DeValue::Table(keys) = value.get_ref() {
                for (name, _) in keys {
                    let line = line_col(text, name.span().start).0;
                    origins.insert(
                        format!("{}.{}", section.get_ref(), name.get_ref()),
                        format!("line {line}"),
                    );
                }
            }
        }
        let errors = check_keys(&file, &mut table, &origins);
        // Sections are listed only to place errors about a whole section.
        origins.retain(|k, _| k.contains('.'));
        Ok((
            Self {
                source,
                table,
                locked: BTreeSet::new(),
                owner: Ownership::assumed(kind),
                origins,
            },
            errors,
        ))
    }

    /// A layer of `kind` from a table built by a policy reader (registry, property list), with
    /// each key's origin. Keys that are unknown or of the wrong type are removed and returned
    /// as errors, as for [`Layer::from_str_lenient`].
    pub fn from_table(
        source: Source,
        mut table: toml::Table,
        origins: BTreeMap<String, String>,
    ) -> (Self, Vec<ConfigError>) {
        let errors = check_keys(&source.location(), &mut table, &origins);
        let owner = Ownership::assumed(source.kind);
        (
            Self {
                source,
                table,
                locked: BTreeSet::new(),
                owner,
                origins,
            },
            errors,
        )
    }

    /// Removes every key that is unknown or of the wrong type, returning one error for each.
    /// A lock on a removed key goes with it: IT's intent was that value, not the default.
    pub(crate) fn drop_invalid(&mut self) -> Vec<ConfigError> {
        let file = self.source.location();
        let errors = check_keys(&file, &mut self.table, &self.origins);
        for e in &errors {
            if let Some(key) = e.key() {
                self.locked.remove(key);
            }
        }
        errors
    }

    /// Checks the table and lock list against the schema; used for layers built in code.
    /// Every problem is reported.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        let file = self.source.location();
        let mut table = self.table.clone();
        let mut errors = check_keys(&file, &mut table, &self.origins);
        errors.extend(self.lock_errors());
        match ConfigError::from_list(errors) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Removes lock entries naming no key or section, returning one error for each.
    pub(crate) fn drop_unknown_locks(&mut self) -> Vec<ConfigError> {
        let errors = self.lock_errors();
        for e in &errors {
            if let Some(key) = e.key() {
                self.locked.remove(key);
            }
        }
        errors
    }

    fn lock_errors(&self) -> Vec<ConfigError> {
        let file = self.source.location();
        let mut errors = Vec::new();
        for lock in &self.locked {
            let known = match lock.split_once('.') {
                None => schema::SECTIONS.contains(&lock.as_str()),
                Some((section, name)) => schema::find(section, name).is_some(),
            };
            if !known {
                let candidates = schema::SECTIONS
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain(schema::KEYS.iter().map(schema::KeyDef::dotted));
                errors.push(ConfigError::UnknownLock {
                    file: file.clone(),
                    key: lock.clone(),
                    suggestion: closest(lock, candidates),
                });
            }
        }
        errors
    }

    /// Whether this layer locks `key` (dotted), directly or through its section.
    pub fn locks(&self, key: &str) -> bool {
        self.locked.iter().any(|lock| {
            key == lock
                || key
                    .strip_prefix(lock.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

/// Reads a file of at most [`MAX_FILE_BYTES`] as UTF-8, with the ownership facts of the very file
/// read. `Ok(None)` when it does not exist and `required` is false.
pub(crate) fn read_capped(
    path: &Path,
    required: bool,
) -> Result<Option<(String, owner::FileFacts)>, ConfigError> {
    let unreadable = |source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    let file_label = path.display().to_string();
    let too_large = |size| ConfigError::TooLarge {
        file: file_label.clone(),
        size,
        limit: MAX_FILE_BYTES,
    };
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(unreadable(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is a directory",
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let facts = owner::facts_of(&meta, path);
    // The metadata check is not enough for special files and files that grow while being read.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > MAX_FILE_BYTES {
        return Err(too_large(read));
    }
    String::from_utf8(bytes)
        .map(|text| Some((text, facts)))
        .map_err(|e| {
            let bad = e.utf8_error().valid_up_to();
            let line = 1 + e.as_bytes()[..bad].iter().filter(|b| **b == b'\n').count();
            ConfigError::NotUtf8 {
                file: file_label.clone(),
                line,
            }
        })
}

/// Checks each key of `table` alone against the schema and removes the ones that fail (an
/// unknown section or key, a section that is not a table, a value of the wrong type or out of
/// range), returning one error per key removed, with its line from `origins` when known.
fn check_keys(
    file: &str,
    table: &mut toml::Table,
    origins: &BTreeMap<String, String>,
) -> Vec<ConfigError> {
    let line_of = |key: &str| {
        origins
            .get(key)
            .and_then(|o| o.strip_prefix("line "))
            .and_then(|l| l.parse().ok())
    };
    let mut errors = Vec::new();
    let sections: Vec<String> = table.keys().cloned().collect();
    for section in sections {
        let line = line_of(&section);
        let keys: Vec<String> = match table.get(&section) {
            Some(toml::Value::Table(t)) if schema::SECTIONS.contains(&section.as_str()) => {
                t.keys().cloned().collect()
            }
            Some(value) if schema::SECTIONS.contains(&section.as_str()) => {
                errors.push(ConfigError::WrongType {
                    file: file.to_owned(),
                    key: section.clone(),
                    expected: "a table of settings".to_owned(),
                    found: type_of(value),
                    line,
                });
                table.remove(&section);
                continue;
            }
            _ => {
                errors.push(ConfigError::UnknownKey {
                    suggestion: suggest_key(std::slice::from_ref(&section)),
                    file: file.to_owned(),
                    key: section.clone(),
                    line,
                });
                table.remove(&section);
                continue;
            }
        };
        for name in keys {
            let Some(toml::Value::Table(t)) = table.get(&section) else {
                continue;
            };
            let Some(value) = t.get(&name) else {
                continue;
            };
            let dotted = format!("{section}.{name}");
            let names = [section.clone(), name.clone()];
            let error = match schema::find(&section, &name) {
                None => Some(ConfigError::UnknownKey {
                    suggestion: suggest_key(&names),
                    file: file.to_owned(),
                    key: dotted.clone(),
                    line: line_of(&dotted),
                }),
                Some(spec) => match schema::localize_key(spec, value, None) {
                    // A malformed translations table: the key is named with what is wrong.
                    Err(problem) => Some(ConfigError::InvalidValue {
                        file: file.to_owned(),
                        key: dotted.clone(),
                        problem,
                        line: line_of(&dotted),
                    }),
                    Ok(plain) => schema::check_value(&section, &name, &plain)
                        .err()
                        .map(|e| describe(file, &plain, &names, &e, line_of(&dotted))),
                },
            };
            if let Some(e) = error {
                errors.push(e);
                if let Some(toml::Value::Table(t)) = table.get_mut(&section) {
                    t.remove(&name);
                }
            }
        }
    }
    errors
}

/// 1-based line and character column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let prefix = &bytes[..offset.min(bytes.len())];
    let line = 1 + prefix.iter().filter(|b| **b == b'\n').count();
    let line_start = prefix
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = 1 + String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count();
    (line, column)
}

/// Turns a serde error on one key's `value` into an error naming the key and what it must hold.
fn describe(
    file: &str,
    value: &toml::Value,
    names: &[String; 2],
    err: &serde_path_to_error::Error<toml::de::Error>,
    line: Option<usize>,
) -> ConfigError {
    let mut item = None;
    let mut depth = 0;
    let mut path = Vec::new();
    for segment in err.path().iter() {
        match segment {
            serde_path_to_error::Segment::Map { key } => {
                depth += 1;
                path.push(key.clone());
            }
            // Only an index right below the key is an item of a list key.
            serde_path_to_error::Segment::Seq { index } if depth == 2 && item.is_none() => {
                item = Some(*index);
            }
            _ => {}
        }
    }
    let key = names.join(".");
    let message = err.inner().message();
    let file = file.to_owned();
    if message.starts_with("unknown field") {
        // A field inside a table item, such as an admin action's.
        return ConfigError::UnknownKey {
            suggestion: None,
            file,
            key: path.join("."),
            line,
        };
    }
    let spec = schema::find(&names[0], &names[1]);
    let value = match item {
        Some(i) => value.as_array().and_then(|a| a.get(i)),
        None => Some(value),
    };
    let expected = match (spec, item) {
        (Some(spec), Some(_)) => spec.kind.expected_item().to_owned(),
        (Some(spec), None) => spec.kind.expected().to_owned(),
        (None, _) => "a known value".to_owned(),
    };
    let at_item = item
        .map(|i| format!(" at item {}", i + 1))
        .unwrap_or_default();

    if message.starts_with("invalid type") {
        let found = value.map_or_else(|| "a value of another type".to_owned(), type_of);
        return ConfigError::WrongType {
            file,
            key,
            expected,
            found: format!("{found}{at_item}"),
            line,
        };
    }

    let shown = value.map_or_else(String::new, |v| format!(" {}", shown_value(v)));
    // Integer range errors need no detail beyond the value; others (an unparsable subnet) do.
    let detail = match spec.map(|s| s.kind) {
        Some(Kind::Count) => String::new(),
        _ => format!(" ({message})"),
    };
    ConfigError::InvalidValue {
        file,
        key,
        problem: format!("expected {expected}, found{shown}{at_item}{detail}"),
        line,
    }
}

fn type_of(value: &toml::Value) -> String {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a floating-point number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
    .to_owned()
}

/// A value as TOML, cut short so a huge value cannot flood an error message.
pub(crate) fn shown_value(value: &toml::Value) -> String {
    shorten(&value.to_string())
}

/// Cuts a user-supplied text to a length fit for an error message.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX - 1).collect();
    out.push('…');
    out
}

/// A suggestion for an unknown key path: a close key in the same section (just its name), the same
/// name in another section (the full dotted key), or a close section name.
fn suggest_key(names: &[String]) -> Option<String> {
    match names {
        [section] => closest(section, schema::SECTIONS.iter().map(|s| (*s).to_owned())),
        [section, name] => {
            if schema::SECTIONS.contains(&section.as_str()) {
                let same_section = schema::KEYS
                    .iter()
                    .filter(|k| k.section == section)
                    .map(|k| k.name.to_owned());
                if let Some(s) = closest(name, same_section) {
                    return Some(s);
                }
            }
            schema::KEYS
                .iter()
                .find(|k| k.name == name)
                .map(schema::KeyDef::dotted)
        }
        _ => None,
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub(crate) fn closest(word: &str, candidates: impl Iterator<Item = String>) -> Option<String> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(word, &c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "/etc/deskside/config.toml";

    fn parse(text: &str) -> Result<Layer, ConfigError> {
        Layer::from_str(SourceKind::System, Some(Path::new(FILE)), text)
    }

    fn message(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn wrong_type_names_file_key_expectation_and_line() {
        let err = parse("[network]\n\ndns_names = 5\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: key `network.dns_names`: expected a list of strings, found an integer (line 3)"
        );
        assert_eq!(err.code(), "config.wrong_type");
    }

    #[test]
    fn wrong_item_type_names_the_item() {
        assert_eq!(
            message("[network]\ndns_names = [\"a\", 5]\n"),
            "/etc/deskside/config.toml: key `network.dns_names`: expected a string, found an integer at item 2 (line 2)"
        );
    }

    #[test]
    fn unknown_key_suggests_a_close_name() {
        let err = parse("[network]\ndns_nmes = [\"a\"]\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: unknown key `network.dns_nmes` (did you mean `dns_names`?) (line 2)"
        );
        assert_eq!(err.code(), "config.unknown_key");
    }

    #[test]
    fn unknown_key_in_the_wrong_section_suggests_the_right_one() {
        assert_eq!(
            message("[network]\nrequired = true\n"),
            "/etc/deskside/config.toml: unknown key `network.required` (did you mean `vpn.required`?) (line 2)"
        );
    }

    #[test]
    fn unknown_section_suggests_a_section() {
        assert_eq!(
            message("[netwrk]\nx = 1\n"),
            "/etc/deskside/config.toml: unknown key `netwrk` (did you mean `network`?) (line 1)"
        );
        assert_eq!(
            message("[network.sub]\nx = 1\n"),
            "/etc/deskside/config.toml: unknown key `network.sub` (line 1)"
        );
    }

    #[test]
    fn section_that_is_not_a_table() {
        assert_eq!(
            message("network = 3\n"),
            "/etc/deskside/config.toml: key `network`: expected a table of settings, found an integer (line 1)"
        );
    }

    #[test]
    fn negative_count_and_bad_subnet_are_invalid_values() {
        let err = parse("[clock]\nwarn_offset_s = -1\n").unwrap_err();
        assert_eq!(err.code(), "config.invalid_value");
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: key `clock.warn_offset_s`: expected a non-negative integer, found -1 (line 2)"
        );
        let err = parse("[vpn]\ncorporate_subnets = [\"10.0.0.0/8\", \"bogus\"]\n").unwrap_err();
        assert_eq!(err.code(), "config.invalid_value");
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: key `vpn.corporate_subnets`: expected a CIDR subnet such as \"10.0.0.0/8\", found \"bogus\" at item 2 (invalid IP address syntax) (line 2)"
        );
    }

    #[test]
    fn integers_are_accepted_for_numbers() {
        let layer = parse("[disk]\nwarn_free_percent = 20\n").unwrap();
        assert_eq!(
            layer.table["disk"]["warn_free_percent"].as_integer(),
            Some(20)
        );
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = parse("[network]\ndns_names = [\"a\"\n").unwrap_err();
        assert_eq!(err.code(), "config.syntax");
        let ConfigError::Syntax { line, file, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(file, FILE);
        assert!(*line >= 2, "{err}");
        let err = parse("[clock]\nwarn_offset_s = 1\nwarn_offset_s = 2\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/etc/deskside/config.toml: TOML syntax error at line 3, column 1:"),
            "{err}"
        );
    }

    #[test]
    fn byte_order_mark_is_accepted() {
        assert!(parse("\u{feff}[clock]\nwarn_offset_s = 1\n").is_ok());
    }

    #[test]
    fn too_large_text_is_refused() {
        let text = "#".repeat(usize::try_from(MAX_FILE_BYTES).unwrap() + 1);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.code(), "config.too_large");
        assert!(err.to_string().contains("file too large"), "{err}");
    }

    #[test]
    fn lock_matches_key_or_whole_section_only() {
        let mut layer = parse("").unwrap();
        layer.locked.insert("network".into());
        layer.locked.insert("vpn.required".into());
        assert!(layer.locks("network.probe_urls"));
        assert!(layer.locks("vpn.required"));
        assert!(!layer.locks("vpn.interfaces"));
        assert!(!layer.locks("networkx.a"));
    }

    #[test]
    fn unknown_lock_is_an_error() {
        let mut layer = parse("").unwrap();
        layer.locked.insert("network.prob_urls".into());
        let err = layer.check().unwrap_err();
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: cannot lock unknown key `network.prob_urls` (did you mean `network.probe_urls`?)"
        );
    }

    #[test]
    fn source_display() {
        assert_eq!(Source::default_values().to_string(), "default");
        let s = Source {
            kind: SourceKind::System,
            path: Some(PathBuf::from(FILE)),
        };
        assert_eq!(s.to_string(), "system file /etc/deskside/config.toml");
    }

    #[test]
    fn long_values_are_shortened() {
        let s = shorten(&"x".repeat(500));
        assert_eq!(s.chars().count(), 80);
        assert!(s.ends_with('…'));
    }
}
