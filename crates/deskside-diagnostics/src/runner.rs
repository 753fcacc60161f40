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
pub async fn run(
    ctx: std::sync::Arc<Context>,
    checks: &[CheckDef],
    progress: Option<UnboundedSender<Progress>>,
) -> Report {
    let started = Instant::now();
    let started_at = now_rfc3339();
    if let Some(tx) = &progress {
        let _ = tx.send(Progress::Planned(
            checks.iter().map(|c| c.id.to_owned()).collect(),
        ));
    }
    let mut futures: HashMap<&'static str, SharedResult> = HashMap::new();
    let mut order = Vec::new();
    for def in checks {
        let deps: Vec<(&'static str, SharedResult)> = def
            .depends_on
            .iter()
            .filter_map(|d| futures.get(d).map(|f| (*d, f.clone())))
            .collect();
        let ctx = ctx.clone();
        let def = *def;
        let progress = progress.clone();
        let fut = async move {
            let dep_results =
                futures::future::join_all(deps.into_iter().map(|(id, f)| f.map(move |r| (id, r))))
                    .await;
            let t0 = Instant::now();
            let blocked: Vec<&CheckResult> = dep_results
                .iter()
                .map(|(_, r)| r)
                .filter(|r| blocks_dependents(r.status))
                .collect();
            let outcome = if blocked.is_empty() {
                match tokio::time::timeout(def.timeout, (def.run)(&ctx)).await {
                    Ok(o) => o,
                    Err(_) => Outcome::error(
                        format!(
                            "This check did not finish within {} s.",
                            def.timeout.as_secs_f32()
                        ),
                        json!({"timeout_ms": duration_ms(def.timeout)}),
                    ),
                }
            } else {
                let names: Vec<&str> = blocked.iter().map(|r| r.id.as_str()).collect();
                let why = if blocked.iter().all(|r| r.status == Status::Skip) {
                    "was not checked"
                } else {
                    "did not pass"
                };
                let verb = if names.len() == 1 {
                    why.to_owned()
                } else {
                    why.replace("was", "were")
                };
                Outcome::skip(
                    format!("Not checked because {} {verb}.", names.join(" and ")),
                    json!({"blocked_by": names}),
                )
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
    Report {
        schema: SCHEMA,
        started_at,
        duration_ms: duration_ms(started.elapsed()),
        checks: results,
        diagnosis,
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Category;
    use deskside_config::Config;
    use deskside_platform::{NetworkState, Os};
    use futures::FutureExt;
    use std::sync::Arc;

    fn ctx() -> Arc<Context> {
        Arc::new(Context::new(
            Config::default(),
            Os::Linux,
            NetworkState::default(),
        ))
    }

    fn def(id: &'static str, deps: &'static [&'static str], run: crate::check::RunFn) -> CheckDef {
        CheckDef {
            id,
            category: Category::Network,
            depends_on: deps,
            timeout: Duration::from_millis(300),
            run,
        }
    }

    #[tokio::test]
    async fn dependents_of_a_failure_are_skipped_and_progress_streams() {
        let checks = [
            def("a", &[], |_| {
                async { Outcome::fail("a broke", json!({})) }.boxed()
            }),
            def("b", &["a"], |_| {
                async { Outcome::pass("b ok", json!({})) }.boxed()
            }),
            def("c", &[], |_| {
                async { Outcome::pass("c ok", json!({})) }.boxed()
            }),
            def("d", &["b"], |_| {
                async { Outcome::pass("d ok", json!({})) }.boxed()
            }),
        ];
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let report = run(ctx(), &checks, Some(tx)).await;
        let statuses: Vec<_> = report
            .checks
            .iter()
            .map(|c| (c.id.as_str(), c.status))
            .collect();
        assert_eq!(
            statuses,
            [
                ("a", Status::Fail),
                ("b", Status::Skip),
                ("c", Status::Pass),
                ("d", Status::Skip)
            ]
        );
        assert_eq!(
            report.check("b").unwrap().summary,
            "Not checked because a did not pass."
        );
        assert_eq!(
            report.check("d").unwrap().summary,
            "Not checked because b was not checked."
        );
        assert_eq!(report.diagnosis.root_cause.as_deref(), Some("a"));
        let mut finished = 0;
        while let Ok(ev) = rx.try_recv() {
            if matches!(ev, Progress::Finished(_)) {
                finished += 1;
            }
        }
        assert_eq!(finished, 4);
    }

    #[tokio::test]
    async fn a_check_past_its_timeout_is_an_error_and_does_not_stall_the_run() {
        let checks = [
            def("slow", &[], |_| {
                async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Outcome::pass("never", json!({}))
                }
                .boxed()
            }),
            def("fast", &[], |_| {
                async { Outcome::pass("ok", json!({})) }.boxed()
            }),
        ];
        let started = Instant::now();
        let report = run(ctx(), &checks, None).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(report.check("slow").unwrap().status, Status::Error);
        assert_eq!(report.check("fast").unwrap().status, Status::Pass);
    }

    #[tokio::test]
    async fn independent_checks_run_concurrently() {
        let sleepy: crate::check::RunFn = |_| {
            async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Outcome::pass("ok", json!({}))
            }
            .boxed()
        };
        let checks = [
            def("x", &[], sleepy),
            def("y", &[], sleepy),
            def("z", &[], sleepy),
        ];
        let started = Instant::now();
        let report = run(ctx(), &checks, None).await;
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(report.diagnosis.status, crate::Health::Healthy);
    }
}
