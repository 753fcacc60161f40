//! `desksidectl diagnose`: runs the checks with live progress lines, then the verdict; `--json`
//! prints one report document instead. `--fix` then applies the auto-safe fixes for the root
//! cause, re-tests and prints before/after (`--json`: one `deskside.fixrun/1` document).

use std::io::IsTerminal;
use std::process::ExitCode;

use deskside_config::Loaded;
use deskside_diagnostics::{Category, Health, Progress, Report, Status};

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

fn symbol(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Warn => "WARN",
        Status::Fail => "FAIL",
        Status::Skip => "SKIP",
        Status::Error => "ERR ",
    }
}

type Printer = (
    tokio::sync::mpsc::UnboundedSender<Progress>,
    tokio::task::JoinHandle<()>,
);

/// A progress channel whose events are printed as live lines (unless `live` is false).
fn spawn_printer(live: bool) -> Printer {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        let mut done = 0_usize;
        let mut total = 0_usize;
        let tty = std::io::stdout().is_terminal();
        while let Some(event) = rx.recv().await {
            if !live {
                continue;
            }
            match event {
                Progress::Planned(ids) => total = ids.len(),
                Progress::Finished(r) => {
                    done += 1;
                    let line = format!("[{}] {:<20} {}", symbol(r.status), r.id, r.summary);
                    let counter = if tty {
                        format!("  ({done}/{total})")
                    } else {
                        String::new()
                    };
                    let _ = print_out(&format!("{line}{counter}\n"));
                }
            }
        }
    });
    (tx, printer)
}

pub async fn run(loaded: Loaded, categories: &[Category], json: bool) -> ExitCode {
    let (tx, printer) = spawn_printer(!json);
    let config = loaded.config.clone();
    let result = deskside_diagnostics::diagnose(loaded.config, categories, Some(tx)).await;
    let _ = printer.await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln_safe(&format!(
                "desksidectl: cannot diagnose: {e} (code {})",
                e.code()
            ));
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    let code = if report.diagnosis.status == Health::Healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    };
    // Best effort: a server that is away only means no known issue is shown.
    let fleet = deskside_agent::fleet::report_diagnosis(&config, &report).await;
    let printed = if json {
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        if let (Some(f), Some(map)) = (&fleet, value.as_object_mut()) {
            map.insert(
                "known_issue".into(),
                serde_json::to_value(&f.matching).unwrap_or_default(),
            );
        }
        print_json(&value)
    } else {
        let mut text = render_verdict(&report);
        if let Some(line) = fleet.as_ref().and_then(|f| f.matching_text.as_ref()) {
            text.push_str(&format!("\n{line}\n"));
        }
        print_out(&text)
    };
    if printed == ExitCode::SUCCESS {
        code
    } else {
        printed
    }
}

fn render_verdict(report: &Report) -> String {
    let d = &report.diagnosis;
    let mut out = format!("\n{}\n", d.headline);
    if let Some(id) = &d.root_cause {
        out.push_str(&format!("Root cause: {id}\n"));
    }
    out.push_str(&format!("{}\n", d.summary));
    out.push_str(&format!(
        "({} checks in {} ms)\n",
        report.checks.len(),
        report.duration_ms
    ));
    out
}

/// `diagnose --fix`: diagnose, apply the auto-safe fixes for the root cause, re-test, and
/// report before and after. Exit 0 when healthy at the end, 1 otherwise, 2 when it cannot run.
pub async fn run_fix(loaded: Loaded, categories: &[Category], json: bool) -> ExitCode {
    let engine =
        deskside_fix_engine::Engine::new(loaded.config, deskside_config::current_data_dir());
    let (tx, printer) = spawn_printer(!json);
    let result = engine.diagnose_and_fix(categories, Some(tx)).await;
    let _ = printer.await;
    let run = match result {
        Ok(r) => r,
        Err(e) => {
            return crate::fix::report_error(
                json,
                e.code(),
                &format!("cannot diagnose: {e}"),
                true,
            );
        }
    };
    let code = if run.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    };
    let printed = if json {
        print_json(&serde_json::to_value(&run).unwrap_or_default())
    } else {
        print_out(&render_fix_run(&run))
    };
    if printed == ExitCode::SUCCESS {
        code
    } else {
        printed
    }
}

fn render_fix_run(run: &deskside_fix_engine::FixRun) -> String {
    let mut out = format!("\nBefore: {}", render_verdict(&run.before).trim_start());
    if run.before.diagnosis.status == Health::Healthy {
        out.push_str("Nothing to fix.\n");
        return out;
    }
    if run.applied.is_empty() {
        out.push_str("\nNo automatic fix applies to this problem (see `desksidectl fix list`).\n");
    }
    for r in &run.applied {
        out.push('\n');
        out.push_str(&crate::fix::render_apply(r));
    }
    if let Some(after) = &run.after {
        out.push_str(&format!("\nAfter: {}", render_verdict(after).trim_start()));
    }
    out
}
