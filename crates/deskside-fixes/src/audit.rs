//! The audit log: one JSON object per line in `<data dir>/audit.jsonl` for every preview,
//! apply, verify and undo — who, when, which fix, with which arguments, each step, the
//! outcome, the check statuses before and after, and how long it took. Rotated to
//! `audit.jsonl.1` … `audit.jsonl.N` when it grows past `fixes.audit_max_bytes`, keeping
//! `fixes.audit_keep` old files. Tickets attach the last entries ([`AuditLog::last`]).
//!
//! Appends are a single `write` of one line to a file opened in append mode, so concurrent
//! writers (the CLI and the tray app) do not interleave within a line.

use std::collections::BTreeMap;
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::FixError;

/// The file name of the current log in the data dir.
pub const FILE_NAME: &str = "audit.jsonl";

/// Which operation an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// What would change was shown.
    Preview,
    /// The fix ran.
    Apply,
    /// The addressed checks were re-run.
    Verify,
    /// The fix was undone.
    Undo,
}

/// One step as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditStep {
    /// Program (or `deskside` for in-process steps).
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// `ok`, `failed`, `skipped`.
    pub status: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, RFC 3339 UTC.
    pub ts: String,
    /// The user who asked.
    pub user: String,
    /// The machine.
    pub host: String,
    /// Fix or admin-action id.
    pub fix: String,
    /// Its arguments.
    pub args: serde_json::Value,
    /// The operation.
    pub step: Phase,
    /// `shown`, `not_applicable`, `ok`, `fixed`, `not_fixed`, `failed`, `refused`.
    pub outcome: String,
    /// A sentence on what happened.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Steps run (apply and undo).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<AuditStep>,
    /// Check statuses before (verify).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub before: BTreeMap<String, String>,
    /// Check statuses after (verify).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub after: BTreeMap<String, String>,
    /// Wall time, ms.
    pub duration_ms: u64,
}

impl AuditEntry {
    /// A new entry stamped now, for the current user and host.
    #[must_use]
    pub fn new(fix: &str, args: serde_json::Value, step: Phase, outcome: &str) -> Self {
        Self {
            ts: now_rfc3339(),
            user: current_user(),
            host: host_name(),
            fix: fix.to_owned(),
            args,
            step,
            outcome: outcome.to_owned(),
            message: String::new(),
            steps: Vec::new(),
            before: BTreeMap::new(),
            after: BTreeMap::new(),
            duration_ms: 0,
        }
    }
}

/// The audit log of one data directory.
#[derive(Debug, Clone)]
pub struct AuditLog {
    dir: PathBuf,
    max_bytes: u64,
    keep: u64,
}

impl AuditLog {
    /// The log in `dir`, rotated past `max_bytes`, keeping `keep` old files.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, max_bytes: u64, keep: u64) -> Self {
        Self {
            dir: dir.into(),
            max_bytes,
            keep,
        }
    }

    /// The current log file.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn rotated(&self, n: u64) -> PathBuf {
        self.dir.join(format!("{FILE_NAME}.{n}"))
    }

    /// Append `entry`, rotating first when the line would take the file past the limit.
    ///
    /// # Errors
    /// [`FixError::Audit`] when the directory or file cannot be written.
    pub fn append(&self, entry: &AuditEntry) -> Result<(), FixError> {
        let err = |source: std::io::Error| FixError::Audit {
            path: self.path(),
            source,
        };
        let mut line = serde_json::to_string(entry).map_err(|e| err(e.into()))?;
        line.push('\n');
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let current = std::fs::metadata(self.path()).map_or(0, |m| m.len());
        if current > 0 && current + line.len() as u64 > self.max_bytes {
            self.rotate().map_err(err)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path())
            .map_err(err)?;
        file.write_all(line.as_bytes()).map_err(err)
    }

    fn rotate(&self) -> std::io::Result<()> {
        if self.keep == 0 {
            return std::fs::remove_file(self.path());
        }
        let _ = std::fs::remove_file(self.rotated(self.keep));
        for n in (1..self.keep).rev() {
            let from = self.rotated(n);
            if from.exists() {
                std::fs::rename(&from, self.rotated(n + 1))?;
            }
        }
        std::fs::rename(self.path(), self.rotated(1))
    }

    /// The last `n` entries, oldest first, reading rotated files as needed. Lines that do not
    /// parse (a crash mid-write) are skipped.
    ///
    /// # Errors
    /// [`FixError::Audit`] when a log file exists but cannot be read.
    pub fn last(&self, n: usize) -> Result<Vec<AuditEntry>, FixError> {
        let mut out: Vec<AuditEntry> = Vec::new();
        let files = std::iter::once(self.path()).chain((1..=self.keep).map(|i| self.rotated(i)));
        for path in files {
            if out.len() >= n {
                break;
            }
            let mut entries = read_entries(&path)?;
            let take = n - out.len();
            let start = entries.len().saturating_sub(take);
            let mut newest: Vec<AuditEntry> = entries.drain(start..).collect();
            newest.append(&mut out);
            out = newest;
        }
        Ok(out)
    }
}

fn read_entries(path: &Path) -> Result<Vec<AuditEntry>, FixError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(FixError::Audit {
                path: path.to_path_buf(),
                source: e,
            });
        }
    };
    Ok(std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect())
}

/// Now, RFC 3339 UTC.
#[must_use]
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The user running this process: `USER`/`LOGNAME`/`USERNAME`, else the uid.
#[must_use]
pub fn current_user() -> String {
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return v;
        }
    }
    #[cfg(unix)]
    {
        let uid = nix::unistd::geteuid();
        match nix::unistd::User::from_uid(uid) {
            Ok(Some(u)) => u.name,
            _ => format!("uid {uid}"),
        }
    }
    #[cfg(not(unix))]
    "unknown".to_owned()
}

/// This machine's host name.
#[must_use]
pub fn host_name() -> String {
    #[cfg(unix)]
    {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default()
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: usize) -> AuditEntry {
        let mut e = AuditEntry::new(
            "net.flush_dns",
            serde_json::json!({}),
            Phase::Apply,
            "fixed",
        );
        e.message = format!("entry {i} {}", "x".repeat(100));
        e
    }

    #[test]
    fn entries_are_json_lines_with_the_documented_fields() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 1 << 20, 5);
        let mut e = entry(0);
        e.before.insert("net.dns".into(), "fail".into());
        e.after.insert("net.dns".into(), "pass".into());
        log.append(&e).unwrap();
        let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
        assert_eq!(text.lines().count(), 1);
        let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        for key in [
            "ts",
            "user",
            "host",
            "fix",
            "args",
            "step",
            "outcome",
            "before",
            "after",
            "duration_ms",
        ] {
            assert!(v.get(key).is_some(), "missing {key}: {v}");
        }
        assert_eq!(v["step"], "apply");
        assert!(
            time::OffsetDateTime::parse(
                v["ts"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339
            )
            .is_ok()
        );
    }

    #[test]
    fn rotation_keeps_the_configured_number_of_files_and_last_reads_across_them() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 1000, 2);
        for i in 0..40 {
            log.append(&entry(i)).unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]);
        for name in &names {
            assert!(std::fs::metadata(dir.path().join(name)).unwrap().len() <= 1000);
        }
        let last = log.last(7).unwrap();
        assert_eq!(last.len(), 7);
        let ids: Vec<String> = last
            .iter()
            .map(|e| e.message.split(' ').nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(ids, ["33", "34", "35", "36", "37", "38", "39"]);
        assert!(log.last(1000).unwrap().len() < 40, "old files were dropped");
    }

    #[test]
    fn keep_zero_truncates_and_garbage_lines_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), 500, 0);
        for i in 0..10 {
            log.append(&entry(i)).unwrap();
        }
        assert!(!dir.path().join("audit.jsonl.1").exists());
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap();
        f.write_all(b"{not json\n").unwrap();
        let last = log.last(10).unwrap();
        assert!(!last.is_empty() && last.len() < 10);
    }
}
