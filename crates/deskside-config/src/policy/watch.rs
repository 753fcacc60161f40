//! Noticing policy changes: a cheap fingerprint of every policy source (names, sizes,
//! modification times and inode numbers of the Linux files and macOS plists; the values
//! themselves for the Windows registry), compared on a timer by whoever applies policy live.
//! Polling needs no OS watch API and catches every way a policy arrives (a package, a
//! configuration-management run, an MDM agent replacing a file by rename).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

use super::{MACOS_BUNDLE_ID, PolicyLevel, PolicySources, linux};

/// A fingerprint of what `sources` hold now; it changes when a policy file or value is added,
/// removed or rewritten.
#[must_use]
pub fn fingerprint(sources: &PolicySources) -> u64 {
    let mut h = DefaultHasher::new();
    match sources {
        PolicySources::None => {}
        PolicySources::LinuxDir(root) => {
            stat(root, &mut h);
            for level in [PolicyLevel::Mandatory, PolicyLevel::Recommended] {
                let dir = root.join(linux::folder(level));
                stat(&dir, &mut h);
                let mut entries: Vec<_> = std::fs::read_dir(&dir)
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .collect();
                entries.sort();
                for path in entries {
                    stat(&path, &mut h);
                }
            }
        }
        PolicySources::WindowsRegistry => {
            format!("{:?}", super::windows::read_registry().layers).hash(&mut h);
        }
        PolicySources::MacManagedPreferences { dir, user } => {
            let file = format!("{MACOS_BUNDLE_ID}.plist");
            stat(&dir.join(&file), &mut h);
            if let Some(user) = user {
                stat(&dir.join(user).join(&file), &mut h);
            }
        }
    }
    h.finish()
}

fn stat(path: &Path, h: &mut DefaultHasher) {
    path.hash(h);
    match std::fs::metadata(path) {
        Ok(meta) => {
            meta.len().hash(h);
            meta.modified().ok().hash(h);
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt as _;
                (meta.ino(), meta.mode(), meta.uid()).hash(h);
            }
        }
        Err(e) => e.kind().hash(h),
    }
}

/// Tells when policy changed since the last look. Call [`PolicyWatch::changed`] on a timer
/// (the agent does every few seconds) and reload the configuration when it says so.
#[derive(Debug, Clone)]
pub struct PolicyWatch {
    sources: PolicySources,
    last: u64,
}

impl PolicyWatch {
    /// Starts watching `sources` from what they hold now.
    #[must_use]
    pub fn new(sources: PolicySources) -> Self {
        let last = fingerprint(&sources);
        Self { sources, last }
    }

    /// The sources watched.
    #[must_use]
    pub fn sources(&self) -> &PolicySources {
        &self.sources
    }

    /// Whether policy changed since the last call (or since [`PolicyWatch::new`]); each
    /// change is reported once.
    pub fn changed(&mut self) -> bool {
        let now = fingerprint(&self.sources);
        let changed = now != self.last;
        self.last = now;
        changed
    }
}
