//! Linux policy files: `<root>/managed/*.toml` (mandatory) and `<root>/recommended/*.toml`,
//! each folder's files merged in lexicographic order of their names (a later file wins). A
//! file is honoured only when it, its folder and the root are owned by root and not writable
//! by group or others (whoever can write there decides IT's policy); otherwise it is refused
//! with an error naming it. Files not ending in `.toml` are ignored (editor backups,
//! `dpkg-old`).
//!
//! The root is a parameter, so tests use a folder they create and never the host's `/etc`.

use std::path::{Path, PathBuf};

use super::{PolicyLevel, PolicyRead};
use crate::SourceKind;
use crate::error::ConfigError;
use crate::layer::{Layer, read_capped};
use crate::owner::{self, Ownership};

/// The subfolder of each level.
#[must_use]
pub fn folder(level: PolicyLevel) -> &'static str {
    match level {
        PolicyLevel::Mandatory => "managed",
        PolicyLevel::Recommended => "recommended",
    }
}

/// Reads both levels under `root`. A missing root or folder is no policy.
#[must_use]
pub fn read(root: &Path) -> PolicyRead {
    let mut out = PolicyRead::default();
    match std::fs::metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return out,
        Err(e) => {
            out.errors.push(ConfigError::Unreadable {
                path: root.to_path_buf(),
                source: e,
            });
            return out;
        }
        Ok(meta) => {
            if let Err(e) = trusted(root, &meta) {
                out.errors.push(e);
                return out;
            }
        }
    }
    for level in [PolicyLevel::Mandatory, PolicyLevel::Recommended] {
        read_level(&root.join(folder(level)), level, &mut out);
    }
    out
}

/// Reads one level's folder: its `.toml` files in lexicographic order.
pub fn read_level(dir: &Path, level: PolicyLevel, out: &mut PolicyRead) {
    let meta = match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            out.errors.push(ConfigError::Unreadable {
                path: dir.to_path_buf(),
                source: e,
            });
            return;
        }
        Ok(m) => m,
    };
    if let Err(e) = trusted(dir, &meta) {
        out.errors.push(e);
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.errors.push(ConfigError::Unreadable {
                path: dir.to_path_buf(),
                source: e,
            });
            return;
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for file in files {
        read_file(&file, level, out);
    }
}

/// Reads one policy file into `out`: refused unless trusted; a bad key drops that key only.
pub fn read_file(file: &Path, level: PolicyLevel, out: &mut PolicyRead) {
    match load_file(file, level) {
        Ok((layer, errors)) => out.push(layer, errors),
        Err(e) => out.errors.push(e),
    }
}

fn load_file(file: &Path, level: PolicyLevel) -> Result<(Layer, Vec<ConfigError>), ConfigError> {
    let Some((text, facts)) = read_capped(file, true)? else {
        return Err(ConfigError::Unreadable {
            path: file.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    };
    if let Ownership::NotAdmin { reason } = owner::decide(SourceKind::System, facts) {
        return Err(ConfigError::PolicyUntrusted {
            file: file.display().to_string(),
            reason,
        });
    }
    Layer::from_str_lenient(level.kind(), Some(file), &text)
}

/// The root-file rule for a policy folder.
fn trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    match owner::decide(SourceKind::System, owner::facts_of(meta, path)) {
        Ownership::Admin => Ok(()),
        Ownership::NotAdmin { reason } => Err(ConfigError::PolicyUntrusted {
            file: path.display().to_string(),
            reason,
        }),
    }
}
