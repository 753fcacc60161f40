//! `desksidectl fix list|preview|apply|undo|log`: the one-click fixes on the command line, over
//! `deskside_fix_engine::Engine`. Values from the command line are validated by the fixes crate's
//! argument types before anything runs; `--json` prints the documents described in
//! `docs/fixes.md` (errors as `{"error": {"code", "message"}}`).
//!
//! Exit codes: 0 done (fixed, available, undone), 1 not fixed / not available / refused, 2
//! unknown id, bad arguments or bad config.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use deskside_config::Loaded;
use deskside_fix_engine::{ApplyResult, Engine, Outcome, Preview};
use deskside_fixes::{
    ConnectionName, DeferMinutes, FixArgs, FixError, InterfaceName, VpnClient, WebUrl,
};
use serde_json::json;

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

/// The `fix` subcommands.
#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// List the fixes and admin actions, and whether each can run here.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show what a fix would change, without changing anything.
    Preview {
        /// Fix or admin-action id (see `fix list`).
        id: String,
        #[command(flatten)]
        args: FixArgsCli,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply a fix, then re-test the checks it addresses.
    Apply {
        /// Fix or admin-action id (see `fix list`).
        id: String,
        #[command(flatten)]
        args: FixArgsCli,
        /// Do not ask for confirmation (required when not run from a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Undo a fix (restore the proxy setting, cancel a scheduled restart).
    Undo {
        /// Fix id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show the last entries of the fix audit log.
    Log {
        /// How many entries.
        #[arg(long, default_value_t = 20)]
        last: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Fix arguments as typed on the command line; validated before use.
#[derive(Debug, Clone, Default, Args)]
pub struct FixArgsCli {
    /// Network interface to act on (default: the one the fix picks).
    #[arg(long, value_name = "IF")]
    interface: Option<String>,
    /// VPN connection (default: vpn.connection).
    #[arg(long, value_name = "NAME")]
    connection: Option<String>,
    /// Captive-portal page to open (default: the one the probe found).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Minutes before a scheduled restart (1-720, default 10).
    #[arg(long, value_name = "N")]
    minutes: Option<String>,
}

impl FixArgsCli {
    fn validate(&self, loaded: &Loaded) -> Result<FixArgs, FixError> {
        let connection = match &self.connection {
            None => None,
            Some(c) => {
                let client = loaded
                    .config
                    .vpn
                    .client
                    .as_deref()
                    .ok_or(FixError::BadArgument {
                        name: "connection",
                        problem: "vpn.client is not set, so a connection cannot be checked"
                            .to_owned(),
                    })?;
                Some(ConnectionName::parse(VpnClient::parse(client)?, c)?)
            }
        };
        Ok(FixArgs {
            interface: self
                .interface
                .as_deref()
                .map(InterfaceName::parse)
                .transpose()?,
            connection,
            url: self.url.as_deref().map(WebUrl::parse).transpose()?,
            minutes: self
                .minutes
                .as_deref()
                .map(DeferMinutes::parse)
                .transpose()?,
        })
    }
}

fn json_flag(cmd: &FixCommand) -> bool {
    match cmd {
        FixCommand::List { json }
        | FixCommand::Preview { json, .. }
        | FixCommand::Apply { json, .. }
        | FixCommand::Undo { json, .. }
        | FixCommand::Log { json, .. } => *json,
    }
}

/// Print an error the way `--json` or text mode wants it; returns exit 2 for usage errors,
/// 1 otherwise.
pub fn report_error(json: bool, code: &str, message: &str, usage: bool) -> ExitCode {
    if json {
        let _ = print_json(&json!({"error": {"code": code, "message": message}}));
    }
    eprintln_safe(&format!("desksidectl: {message} (code {code})"));
    ExitCode::from(if usage {
        EXIT_CANNOT_RUN
    } else {
        EXIT_PROBLEMS
    })
}

/// Load the config; in `--json` mode a config error is also printed as JSON.
pub fn load(explicit: Option<PathBuf>, json: bool) -> Result<Loaded, ExitCode> {
    let opts = deskside_config::LoadOptions::from_env(deskside_config::Os::current(), explicit);
    deskside_config::load(&opts)
        .map_err(|e| report_error(json, e.code(), &format!("configuration error: {e}"), true))
}

/// `desksidectl fix …`.
pub async fn run(explicit: Option<PathBuf>, cmd: FixCommand) -> ExitCode {
    let json = json_flag(&cmd);
    let loaded = match load(explicit, json) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let engine = Engine::new(loaded.config.clone(), deskside_config::current_data_dir());
    match cmd {
        FixCommand::List { json } => {
            let fixes = engine.list().await;
            if json {
                print_json(&json!({"fixes": fixes}))
            } else {
                let mut text = String::new();
                for f in &fixes {
                    let mut tags = Vec::new();
                    if f.auto {
                        tags.push("auto");
                    }
                    if f.elevation {
                        tags.push("admin");
                    }
                    if f.kind == deskside_fix_engine::FixKind::Action {
                        tags.push("action");
                    }
                    text.push_str(&format!(
                        "{:<24} {:<38} {}\n",
                        f.id,
                        f.title,
                        if tags.is_empty() {
                            String::new()
                        } else {
                            format!("[{}]", tags.join(", "))
                        }
                    ));
                    if let Some(reason) = &f.reason {
                        text.push_str(&format!("{:<24} not available: {reason}\n", ""));
                    }
                }
                print_out(&text)
            }
        }
        FixCommand::Preview { id, args, json } => {
            let args = match args.validate(&loaded) {
                Ok(a) => a,
                Err(e) => return report_error(json, e.code(), &e.to_string(), true),
            };
            match engine.preview(&id, &args).await {
                Ok(p) => {
                    let printed = if json {
                        print_json(&serde_json::to_value(&p).unwrap_or_default())
                    } else {
                        print_out(&render_preview(&p))
                    };
                    if printed != ExitCode::SUCCESS {
                        printed
                    } else if p.available {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(EXIT_PROBLEMS)
                    }
                }
                Err(e) => report_error(json, e.code(), &e.to_string(), e.is_usage()),
            }
        }
        FixCommand::Apply {
            id,
            args,
            yes,
            json,
        } => {
            let args = match args.validate(&loaded) {
                Ok(a) => a,
                Err(e) => return report_error(json, e.code(), &e.to_string(), true),
            };
            if !yes {
                match confirm(&engine, &id, &args, json).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let r = not_confirmed(&id);
                        return finish_apply(&r, json);
                    }
                    Err(code) => return code,
                }
            }
            match engine.apply(&id, &args, None).await {
                Ok(r) => finish_apply(&r, json),
                Err(e) => report_error(json, e.code(), &e.to_string(), e.is_usage()),
            }
        }
        FixCommand::Undo { id, json } => match engine.undo(&id).await {
            Ok(r) => {
                let printed = if json {
                    print_json(&serde_json::to_value(&r).unwrap_or_default())
                } else {
                    print_out(&render_apply(&r))
                };
                if printed != ExitCode::SUCCESS {
                    printed
                } else if r.outcome == Outcome::Undone {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(EXIT_PROBLEMS)
                }
            }
            Err(e) => report_error(json, e.code(), &e.to_string(), e.is_usage()),
        },
        FixCommand::Log { last, json } => {
            let Some(log) = engine.audit_log() else {
                let e = FixError::NoDataDir;
                return report_error(json, e.code(), &e.to_string(), true);
            };
            match log.last(last) {
                Ok(entries) if json => print_json(&json!({"entries": entries})),
                Ok(entries) => {
                    let mut text = String::new();
                    for e in &entries {
                        let step = serde_json::to_value(e.step).unwrap_or_default();
                        text.push_str(&format!(
                            "{} {:<8} {:<24} {:<14} {}\n",
                            e.ts,
                            step.as_str().unwrap_or(""),
                            e.fix,
                            e.outcome,
                            e.message
                        ));
                    }
                    print_out(&text)
                }
                Err(e) => report_error(json, e.code(), &e.to_string(), false),
            }
        }
    }
}

/// Ask on the terminal; without one, refuse (scripts pass `--yes`).
async fn confirm(engine: &Engine, id: &str, args: &FixArgs, json: bool) -> Result<bool, ExitCode> {
    if json || !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let preview = match engine.preview(id, args).await {
        Ok(p) => p,
        Err(e) => return Err(report_error(false, e.code(), &e.to_string(), e.is_usage())),
    };
    let _ = print_out(&render_preview(&preview));
    if !preview.available {
        return Err(ExitCode::from(EXIT_PROBLEMS));
    }
    let _ = print_out("Apply this fix? [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn not_confirmed(id: &str) -> ApplyResult {
    ApplyResult {
        id: id.to_owned(),
        outcome: Outcome::Refused,
        message: "Not applied: confirm at the prompt, or pass --yes when running from a script."
            .to_owned(),
        code: Some("fix.not_confirmed".to_owned()),
        steps: Vec::new(),
        verify: deskside_fix_engine::VerifyResult::default(),
        bytes: None,
    }
}

fn finish_apply(r: &ApplyResult, json: bool) -> ExitCode {
    let printed = if json {
        print_json(&serde_json::to_value(r).unwrap_or_default())
    } else {
        print_out(&render_apply(r))
    };
    if printed != ExitCode::SUCCESS {
        printed
    } else if r.outcome == Outcome::Fixed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    }
}

fn render_preview(p: &Preview) -> String {
    let mut out = format!("{}: {}\n", p.id, p.summary);
    if !p.available {
        out.push_str("Not available here.\n");
        return out;
    }
    for c in &p.changes {
        out.push_str(&format!("  - {c}\n"));
    }
    if p.elevation {
        out.push_str("  (needs administrator rights: you will be asked to approve)\n");
    }
    out
}

/// Text for one apply or undo result.
pub fn render_apply(r: &ApplyResult) -> String {
    let mut out = format!("[{}] {}: {}\n", r.outcome.as_str(), r.id, r.message);
    for s in &r.steps {
        let status = serde_json::to_value(s.status).unwrap_or_default();
        out.push_str(&format!(
            "  {:<7} {} {}\n",
            status.as_str().unwrap_or(""),
            s.program,
            s.args.join(" ")
        ));
        for line in s.output.lines().take(3) {
            out.push_str(&format!("          {line}\n"));
        }
    }
    if !r.verify.checks.is_empty() {
        let list: Vec<String> = r
            .verify
            .checks
            .iter()
            .map(|c| format!("{} {}", c.id, c.status.as_str()))
            .collect();
        out.push_str(&format!("  re-test: {}\n", list.join(", ")));
    }
    if let Some(b) = r.bytes {
        out.push_str(&format!(
            "  freed {}\n",
            deskside_diagnostics::checks::human_bytes(b)
        ));
    }
    out
}
