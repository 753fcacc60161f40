//! The diagnosis engine.
//!
//! A diagnosis runs every [`check::CheckDef`] of the [`catalog`] concurrently on tokio
//! ([`runner`]): each check waits for the checks it depends on, is skipped when one of them
//! failed, runs within its own timeout, and reports `{status, summary, evidence}` the moment
//! it finishes (progress events for the CLI and the tray app). [`diagnosis`] then names the
//! root cause — the most upstream failing check, or the most significant warning — and
//! explains it in plain language with what to do next. [`report`] holds the
//! `deskside.report/1` document that the CLI prints and tickets carry.
//!
//! Checks read the machine through [`context::Context`]: one snapshot of the network state
//! taken at the start, the loaded config, and memoized DNS resolutions and web probes so two
//! checks that need the same answer share one query.

pub mod catalog;
pub mod check;
pub mod checks;
pub mod context;
pub mod diagnosis;
pub mod report;
pub mod runner;

pub use check::{Category, CheckDef, Outcome, Status};
pub use context::Context;
pub use diagnosis::{Diagnosis, Health};
pub use report::{CheckResult, Report, SCHEMA};
pub use runner::{Progress, run};

use std::sync::Arc;

use deskside_config::Config;
use deskside_platform::Os;
use tokio::sync::mpsc::UnboundedSender;

/// Errors that stop a diagnosis from running at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// The machine's network state could not be read (unsupported OS).
    #[error("cannot read this computer's network settings: {0}")]
    Collect(#[from] deskside_platform::collect::CollectError),
}

impl DiagnoseError {
    /// Stable code for IPC and scripts.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Collect(_) => "diagnose.collect",
        }
    }
}

/// Read the machine's network state and run the checks of `categories` (all when empty).
///
/// # Errors
/// [`DiagnoseError`] when the network state cannot be read at all.
pub async fn diagnose(
    config: Config,
    categories: &[Category],
    progress: Option<UnboundedSender<Progress>>,
) -> Result<Report, DiagnoseError> {
    let net = deskside_platform::collect::network_state().await?;
    let os = Os::current();
    let ctx = Arc::new(Context::new(config, os, net));
    Ok(run(ctx, &catalog::select(categories), progress).await)
}

/// Read the network state and run only the checks `ids` and the checks they depend on: the
/// re-test after a fix. Unknown ids are ignored.
///
/// # Errors
/// [`DiagnoseError`] when the network state cannot be read at all.
pub async fn diagnose_checks(
    config: Config,
    ids: &[&str],
    progress: Option<UnboundedSender<Progress>>,
) -> Result<Report, DiagnoseError> {
    let net = deskside_platform::collect::network_state().await?;
    let os = Os::current();
    let ctx = Arc::new(Context::new(config, os, net));
    Ok(run(ctx, &catalog::with_dependencies(ids), progress).await)
}
