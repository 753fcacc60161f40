//! What a check is: an id, a category, the checks it depends on, a timeout, and an async
//! function from the [`Context`] to an [`Outcome`].

use std::time::Duration;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::context::Context;

/// Result status of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Works.
    Pass,
    /// Works, but something is off or will soon be a problem.
    Warn,
    /// Broken.
    Fail,
    /// Not run: a dependency failed, or it does not apply here.
    Skip,
    /// The check itself could not run (timeout, unexpected error): says nothing about the
    /// machine.
    Error,
}

impl Status {
    /// Lower-case name as in reports.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skip => "skip",
            Self::Error => "error",
        }
    }
}

/// What a check is about; also the `--category` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Link, address, gateway, DNS, internet, portal, proxy, quality, MTU.
    Network,
    /// Tunnel, routes, split DNS, internal reachability.
    Vpn,
    /// Space, inodes, temp folders.
    Disk,
    /// Clock, uptime.
    System,
}

impl Category {
    /// All categories.
    pub const ALL: [Self; 4] = [Self::Network, Self::Vpn, Self::Disk, Self::System];

    /// Lower-case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Vpn => "vpn",
            Self::Disk => "disk",
            Self::System => "system",
        }
    }

    /// Parse a lower-case name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Outcome {
    /// Status.
    pub status: Status,
    /// One or two plain-language sentences for the employee.
    pub summary: String,
    /// What to do about it, when not passing.
    pub advice: Option<String>,
    /// Structured facts behind the verdict, for the helpdesk.
    pub evidence: serde_json::Value,
}

impl Outcome {
    fn new(status: Status, summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self {
            status,
            summary: summary.into(),
            advice: None,
            evidence,
        }
    }

    /// Passing.
    pub fn pass(summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self::new(Status::Pass, summary, evidence)
    }

    /// Warning.
    pub fn warn(summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self::new(Status::Warn, summary, evidence)
    }

    /// Failing.
    pub fn fail(summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self::new(Status::Fail, summary, evidence)
    }

    /// Not applicable here.
    pub fn skip(summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self::new(Status::Skip, summary, evidence)
    }

    /// The check could not run.
    pub fn error(summary: impl Into<String>, evidence: serde_json::Value) -> Self {
        Self::new(Status::Error, summary, evidence)
    }

    /// Attach what to do next.
    #[must_use]
    pub fn advise(mut self, advice: impl Into<String>) -> Self {
        self.advice = Some(advice.into());
        self
    }
}

/// The async body of a check.
pub type RunFn = for<'a> fn(&'a Context) -> BoxFuture<'a, Outcome>;

/// A check: a small unit with an id, category, dependencies and timeout.
#[derive(Clone, Copy)]
pub struct CheckDef {
    /// Stable id, e.g. `net.dns` (documented in `docs/checks.md`).
    pub id: &'static str,
    /// Category.
    pub category: Category,
    /// Ids of checks that must not have failed for this one to run.
    pub depends_on: &'static [&'static str],
    /// Upper bound on the run time; past it the result is `error`.
    pub timeout: Duration,
    /// The body.
    pub run: RunFn,
}

impl std::fmt::Debug for CheckDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckDef")
            .field("id", &self.id)
            .field("category", &self.category)
            .field("depends_on", &self.depends_on)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CheckResult {
    /// Check id.
    pub id: String,
    /// Category.
    pub category: Category,
    /// Status.
    pub status: Status,
    /// Plain-language summary.
    pub summary: String,
    /// What to do, when not passing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// Structured evidence.
    pub evidence: serde_json::Value,
    /// Wall time of the check itself (after its dependencies finished), ms.
    pub duration_ms: u64,
}
