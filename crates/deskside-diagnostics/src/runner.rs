//! Runs checks concurrently: each waits for its dependencies, is skipped when one failed,
//! and is bounded by its timeout. Results stream out as they finish.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use serde_json::json;
use tokio::sync::mpsc::UnboundedSender;

use crate::check::{CheckDef, Outcome, Status};
use crate::context::Context;
use crate::diagnosis;
use crate::report::{CheckResult, Report, SCHEMA};

/// A progress event.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The run is about to start these checks (ids, catalog order).
    Planned(Vec<String>),
    /// One check finished.
    Finished(CheckResult),
}

type SharedResult = Shared<BoxFuture<'static, CheckResult>>;

fn blocks_dependents(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Error | Status::Skip)
}

/// Run `checks` against `ctx`, sending [`Progress`] on `progress` if given, and return the
/// report with its diagnosis. Dependencies that are not in `checks` (filtered out by
/// category) count as satisfied. Checks must be in dependency order (the catalog is; a test
/// pins it).
pub async fn run(ctx: std::sync::Arc<Context>, checks: &[CheckDef], progress: Option<UnboundedSender<Progress>>) -> Report {
    let started = Instant::now();
    let started_at = now_rfc3339();
    if let Some(tx) = &progress {
        let _ = tx.send(Progress::Planned(checks.iter().map(|c| c.id.to_owned()).collect()));
    }
    let mut futures: HashMap<&'static str, SharedResult> = HashMap::new();
    let mut order = Vec::new();
    for def in checks {
        let deps: Vec<(&'static str, SharedResult)> =
            def.depends_on.iter().filter_map(|d| futures.get(d).map(|f| (*d, f.clone()))).collect();
        let ctx = ctx.clone();
        let def = *def;
        let progress = progress.clone();
        let fut = async move {
            let dep_results = futures::future::join_all(deps.into_iter().map(|(id, f)| f.map(move |r| (id, r)))).await;
            let t0 = Instant::now();
            let blocked: Vec<&CheckResult> = dep_results.iter().map(|(_, r)| r).filter(|r| blocks_dependents(r.status)).collect();
            let outcome = if blocked.is_empty() {
                match tokio::time::timeout(def.timeout, (def.run)(&ctx)).await {
                    Ok(o) => o,
                    Err(_) => Outcome::error(
                        format!("This check did not finish within {} s.", def.timeout.as_secs_f32()),
                        json!({"timeout_ms": duration_ms(def.timeout)}),
                    ),
                }
            } else {
                let names: Vec<&str> = blocked.iter().map(|r| r.id.as_str()).collect();
                let why = if blocked.iter().all(|r| r.status == Status::Skip) { "was not checked" } else { "did not pass" };
                let verb = if names.len() == 1 { why.to_owned() } else { why.replace("was", "were") };
                Outcome::skip(format!("Not checked because {} {verb}.", names.join(" and ")), json!({"blocked_by": names}))
            };
            let result = CheckResult {
                id: def.id.to_owned(),
                category: def.category,
                status: outcome.status,
                summary: outcome.summary,
                advice: outcome.advice,
                evidence: outcome.evidence,
                duration_ms: duration_ms(t0.elapsed()),
            };
            if let Some(tx) = &progress {
                let _ = tx.send(Progress::Finished(result.clone()));
            }
            result
        }
        .boxed()
        .shared();
        futures.insert(def.id, fut.clone());
        order.push(fut);
    }
    let results = futures::future::join_all(order).await;
    let diagnosis = diagnosis::diagnose(&results);
    Report { schema: SCHEMA, started_at, duration_ms: duration_ms(started.elapsed()), checks: results, diagnosis }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
