//! The one error type of this crate. Every variant names where the problem is (a file path, or a
//! layer such as `policy` when there is no file), and, when a key is at fault, its dotted path and
//! what was expected, so the message alone tells an administrator what to fix.

use std::path::PathBuf;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A config file could not be read: the explicit file is missing, access is denied, the path
    /// is a directory, or reading failed.
    #[error("{}: cannot read config file: {source}", path.display())]
    Unreadable {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A config file is larger than the cap ([`crate::MAX_FILE_BYTES`]).
    #[error("{file}: file too large ({size} bytes; a config file may be at most {limit} bytes)")]
    TooLarge {
        /// The file, or the layer's label.
        file: String,
        /// The size seen, in bytes (at least `limit + 1`).
        size: u64,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A config file is not UTF-8 text.
    #[error("{file}: not valid UTF-8 text (line {line}); save the file as UTF-8")]
    NotUtf8 {
        /// The file, or the layer's label.
        file: String,
        /// The 1-based line of the first invalid byte.
        line: usize,
    },
    /// A config file is not valid TOML.
    #[error("{file}: TOML syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// The file, or the layer's label.
        file: String,
        /// The 1-based line.
        line: usize,
        /// The 1-based column, in characters.
        column: usize,
        /// What the TOML parser objected to.
        message: String,
    },
    /// A key that Deskside does not know, usually a typo.
    #[error("{file}: unknown key `{key}`{}{}", did_you_mean(suggestion.as_deref()), at_line(*line))]
    UnknownKey {
        /// The file, or the layer's label.
        file: String,
        /// The dotted path of the unknown key.
        key: String,
        /// A known key with a close spelling.
        suggestion: Option<String>,
        /// The 1-based line, when the layer came from text.
        line: Option<usize>,
    },
    /// A layer's lock list names a key or section that does not exist.
    #[error("{file}: cannot lock unknown key `{key}`{}", did_you_mean(suggestion.as_deref()))]
    UnknownLock {
        /// The locking layer's file or label.
        file: String,
        /// The lock entry as given.
        key: String,
        /// A known key or section with a close spelling.
        suggestion: Option<String>,
    },
    /// A key holds a value of the wrong type, such as an integer where a list is expected.
    #[error("{file}: key `{key}`: expected {expected}, found {found}{}", at_line(*line))]
    WrongType {
        /// The file, or the layer's label.
        file: String,
        /// The dotted path of the key.
        key: String,
        /// What the key must hold.
        expected: String,
        /// What it holds instead.
        found: String,
        /// The 1-based line, when the layer came from text.
        line: Option<usize>,
    },
    /// A key has the right type but a value Deskside cannot use, such as a percentage above 100.
    #[error("{file}: key `{key}`: {problem}{}", at_line(*line))]
    InvalidValue {
        /// The file (or layer) that set the value.
        file: String,
        /// The dotted path of the key.
        key: String,
        /// What is wrong and what is expected.
        problem: String,
        /// The 1-based line, when known.
        line: Option<usize>,
    },
    /// A key only IT may set (it runs programs) appears in a file the user controls.
    #[error(
        "{file}: key `{key}` can only be set by IT in the system config file or a managed policy, \
         not in the {layer} config; remove it from this file"
    )]
    AdminOnly {
        /// The file that set it.
        file: String,
        /// The dotted path of the key.
        key: String,
        /// The kind of layer that tried (`user`, `explicit`).
        layer: &'static str,
    },
    /// A URL credentials are sent to is plain `http://` to another machine, and IT has not
    /// allowed that host.
    #[error(
        "{file}: key `{key}` (in the {layer} config) is a plain http:// URL to {host}, which \
         would send credentials unencrypted; use an https:// URL, or, if IT accepts the risk, \
         allow the host in the system config file with `[security] allow_http_hosts = \
         [\"{host}\"]`"
    )]
    InsecureUrl {
        /// The file (or layer) that set the URL.
        file: String,
        /// The dotted path of the key.
        key: String,
        /// The kind of layer that set it (`system`, `policy`, …).
        layer: &'static str,
        /// The URL's host.
        host: String,
    },
    /// A policy file or folder is not trusted: it must be owned by root and not writable by
    /// group or others, since whoever can write it decides what IT's policy says.
    #[error(
        "{file}: policy refused: {reason}; make it owned by root and not writable by group or \
         others (`chown root:root`, `chmod go-w`)"
    )]
    PolicyUntrusted {
        /// The file or folder refused.
        file: String,
        /// Why, in plain words ("it is owned by uid 1000, not root").
        reason: String,
    },
    /// A policy source (registry export, property list, configuration profile) could not be
    /// read as that format at all.
    #[error("{file}: cannot read this policy: {message}")]
    PolicyFormat {
        /// The file, registry key or profile.
        file: String,
        /// What is wrong with it.
        message: String,
    },
    /// More than one problem, each reported in full (one per line).
    #[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several {
        /// Every problem found, in the order found; never fewer than two.
        errors: Vec<ConfigError>,
    },
}

impl ConfigError {
    /// A stable code for the kind of problem, for callers that branch on it (`config.unknown_key`,
    /// `config.wrong_type`, `config.syntax`, `config.invalid_value`, `config.unreadable`,
    /// `config.too_large`, `config.not_utf8`, `config.admin_only`, `config.insecure_url`,
    /// `config.policy_untrusted`, `config.policy_format`). For several problems, the first one's.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Several { errors } => errors.first().map_or("config.invalid_value", Self::code),
            Self::PolicyUntrusted { .. } => "config.policy_untrusted",
            Self::PolicyFormat { .. } => "config.policy_format",
            Self::Unreadable { .. } => "config.unreadable",
            Self::TooLarge { .. } => "config.too_large",
            Self::NotUtf8 { .. } => "config.not_utf8",
            Self::Syntax { .. } => "config.syntax",
            Self::UnknownKey { .. } | Self::UnknownLock { .. } => "config.unknown_key",
            Self::WrongType { .. } => "config.wrong_type",
            Self::InvalidValue { .. } => "config.invalid_value",
            Self::AdminOnly { .. } => "config.admin_only",
            Self::InsecureUrl { .. } => "config.insecure_url",
        }
    }

    /// The dotted key at fault, when the problem is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::UnknownKey { key, .. }
            | Self::UnknownLock { key, .. }
            | Self::WrongType { key, .. }
            | Self::InvalidValue { key, .. }
            | Self::AdminOnly { key, .. }
            | Self::InsecureUrl { key, .. } => Some(key),
            Self::Several { errors } => errors.first().and_then(Self::key),
            Self::Unreadable { .. }
            | Self::PolicyUntrusted { .. }
            | Self::PolicyFormat { .. }
            | Self::TooLarge { .. }
            | Self::NotUtf8 { .. }
            | Self::Syntax { .. } => None,
        }
    }
}

impl ConfigError {
    /// One error from a list: `None` for none, the error itself for one, [`Self::Several`]
    /// (flattened) for more.
    #[must_use]
    pub fn from_list(errors: Vec<Self>) -> Option<Self> {
        let mut flat: Vec<Self> = errors.into_iter().flat_map(Self::into_list).collect();
        match flat.len() {
            0 => None,
            1 => flat.pop(),
            _ => Some(Self::Several { errors: flat }),
        }
    }

    /// Every single problem this error stands for (itself, or each of [`Self::Several`]).
    #[must_use]
    pub fn into_list(self) -> Vec<Self> {
        match self {
            Self::Several { errors } => errors.into_iter().flat_map(Self::into_list).collect(),
            other => vec![other],
        }
    }

    /// Like [`Self::into_list`], by reference.
    #[must_use]
    pub fn list(&self) -> Vec<&Self> {
        match self {
            Self::Several { errors } => errors.iter().flat_map(Self::list).collect(),
            other => vec![other],
        }
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn at_line(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_type_names_file_key_expectation_and_line() {
        let err = ConfigError::WrongType {
            file: "/etc/deskside/config.toml".into(),
            key: "network.dns_names".into(),
            expected: "a list of strings".into(),
            found: "an integer".into(),
            line: Some(3),
        };
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: key `network.dns_names`: expected a list of strings, found an integer (line 3)"
        );
        assert_eq!(err.code(), "config.wrong_type");
        assert_eq!(err.key(), Some("network.dns_names"));
    }

    #[test]
    fn unknown_key_suggests() {
        let err = ConfigError::UnknownKey {
            file: "/etc/deskside/config.toml".into(),
            key: "network.dns_nmes".into(),
            suggestion: Some("dns_names".into()),
            line: None,
        };
        assert_eq!(
            err.to_string(),
            "/etc/deskside/config.toml: unknown key `network.dns_nmes` (did you mean `dns_names`?)"
        );
    }
}
