//! `desksidectl policy show [--json]` — the effective managed policy with each key's value,
//! level, source (file and line, registry path, profile), what it overrode, and the policy's
//! errors, like Chromium's `chrome://policy` — and `desksidectl policy check PATH`, which
//! lints a policy file or folder offline with the same readers and validator.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use deskside_config::policy::{PolicySources, check_path};
use deskside_config::{LoadOptions, Os};
use serde_json::Value;

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show the managed policy in effect: each key's value, level, source and what it
    /// overrode, and the policy's errors.
    Show {
        /// Print JSON (schema deskside.policy/1).
        #[arg(long)]
        json: bool,
        /// Read Linux policy from this folder (`managed/`, `recommended/`) instead of
        /// /etc/deskside/policies, to preview it; its files must still be root-owned.
        #[arg(long, value_name = "DIR")]
        policy_dir: Option<PathBuf>,
    },
    /// Lint a policy offline: a .reg export, a .mobileconfig, a managed-preferences .plist,
    /// a policy .toml, or a folder of them. Exit 1 when it has problems.
    Check {
        /// The file or folder.
        path: PathBuf,
        /// Print JSON (schema deskside.policy/1).
        #[arg(long)]
        json: bool,
    },
    /// Write the admin templates generated from the configuration schema: the key reference,
    /// ADMX/ADML, the Intune OMA-URI table, a Jamf Pro JSON schema, a ProfileManifest, example
    /// .mobileconfig and .reg files, and the Linux policy skeletons.
    Templates {
        /// The folder to write them into (created if missing; files are overwritten).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

pub fn run(explicit: Option<PathBuf>, command: PolicyCommand) -> ExitCode {
    match command {
        PolicyCommand::Templates { out } => write_templates(&out),
        PolicyCommand::Show { json, policy_dir } => {
            let mut opts = LoadOptions::from_env(Os::current(), explicit);
            if let Some(dir) = policy_dir {
                opts.policy = PolicySources::LinuxDir(dir);
            }
            let loaded = match deskside_config::load(&opts) {
                Ok(l) => l,
                Err(e) => {
                    eprintln_safe(&format!(
                        "desksidectl: configuration error: {e}\n(code {})",
                        e.code()
                    ));
                    return ExitCode::from(EXIT_CANNOT_RUN);
                }
            };
            let report = loaded.policy_report();
            if json {
                print_json(&report)
            } else {
                print_out(&render(
                    &report,
                    "No managed policy applies to this computer.",
                ))
            }
        }
        PolicyCommand::Check { path, json } => {
            let check = match check_path(&path) {
                Ok(c) => c,
                Err(e) => {
                    eprintln_safe(&format!("desksidectl: {e}\n(code {})", e.code()));
                    return ExitCode::from(EXIT_CANNOT_RUN);
                }
            };
            let mut report = check.loaded.policy_report();
            report["errors"] = check
                .errors
                .iter()
                .map(|e| serde_json::json!({"code": e.code, "key": e.key, "message": e.message}))
                .collect();
            let code = if json {
                print_json(&report)
            } else {
                let mut text = render(&report, "This policy sets no key.");
                if check.errors.is_empty() {
                    text.push_str("Policy is valid.\n");
                } else {
                    text.push_str(&format!("{} problem(s).\n", check.errors.len()));
                }
                print_out(&text)
            };
            if check.errors.is_empty() {
                code
            } else {
                ExitCode::from(EXIT_PROBLEMS)
            }
        }
    }
}

/// Writes every template below `out`, printing each path written.
fn write_templates(out: &std::path::Path) -> ExitCode {
    let mut written = String::new();
    for t in deskside_config::templates::generate() {
        let path = out.join(&t.path);
        let result = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &t.text));
        if let Err(e) = result {
            eprintln_safe(&format!(
                "desksidectl: cannot write {}: {e}",
                path.display()
            ));
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
        written.push_str(&format!("{}\n", path.display()));
    }
    print_out(&written)
}

/// The report as text: one block per key, then errors and notes.
fn render(report: &Value, empty: &str) -> String {
    let mut out = String::new();
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let keys = report.get("keys").and_then(Value::as_array);
    if let Some(sources) = report.get("sources").and_then(Value::as_array)
        && !sources.is_empty()
    {
        out.push_str("Sources:\n");
        for s in sources {
            out.push_str(&format!(
                "  {:<11} {}\n",
                str_of(s, "level"),
                str_of(s, "source")
            ));
        }
    }
    match keys {
        Some(keys) if !keys.is_empty() => {
            for k in keys {
                let value = k.get("value").map(ToString::to_string).unwrap_or_default();
                let lock = if k.get("locked").and_then(Value::as_bool) == Some(true) {
                    ", locked"
                } else {
                    ""
                };
                out.push_str(&format!("{} = {value}\n", str_of(k, "key")));
                let origin = k
                    .get("origin")
                    .and_then(Value::as_str)
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "    {}{lock}: {}{origin}\n",
                    str_of(k, "level"),
                    str_of(k, "source")
                ));
                for o in k
                    .get("overrode")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let (level, source) = (str_of(o, "level"), str_of(o, "source"));
                    let from = if level == source {
                        level
                    } else {
                        format!("{level} {source}")
                    };
                    out.push_str(&format!(
                        "    overrode {} from {from}\n",
                        str_of(o, "value")
                    ));
                }
            }
        }
        _ => {
            out.push_str(empty);
            out.push('\n');
        }
    }
    for e in report
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push_str(&format!(
            "error: {} (code {})\n",
            str_of(e, "message"),
            str_of(e, "code")
        ));
    }
    for n in report
        .get("notes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push_str(&format!("note: {}\n", n.as_str().unwrap_or("")));
    }
    out
}
