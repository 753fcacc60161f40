//! `desksidectl diagnose`: runs the checks with live progress lines, then the verdict; `--json`
//! prints one report document instead.

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

pub async fn run(loaded: Loaded, categories: &[Category], json: bool) -> ExitCode {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let live = !json;
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
    let printed = if json {
        print_json(&serde_json::to_value(&report).unwrap_or_default())
    } else {
        print_out(&render_verdict(&report))
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
