//! The `deskside.report/1` document: what `desksidectl diagnose --json` prints, what the tray
//! app renders and what tickets attach. Documented in `docs/report-schema.md`; fields are
//! only ever added, never renamed, within a schema version.

use serde::Serialize;

pub use crate::check::CheckResult;
use crate::diagnosis::Diagnosis;

/// Schema identifier.
pub const SCHEMA: &str = "deskside.report/1";

/// A whole diagnosis run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Total wall time, ms.
    pub duration_ms: u64,
    /// Every check that ran, in catalog order.
    pub checks: Vec<CheckResult>,
    /// The verdict.
    pub diagnosis: Diagnosis,
}

impl Report {
    /// The result of check `id`.
    #[must_use]
    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }
}
