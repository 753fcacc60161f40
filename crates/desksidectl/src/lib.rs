//! `desksidectl`: the Deskside engine on the command line, for IT admins, helpdesk agents and
//! scripts. Same crates as the tray app; output is plain text for people or `--json` for
//! machines.
//!
//! Exit codes: 0 healthy / OK, 1 problems found, 2 could not run (bad config, bad
//! arguments).
//!
//! A library with one entry point, [`main`], so that two binaries share it: the standalone
//! `desksidectl` (`src/main.rs`, for development and the tests) and the tray app's `deskside`,
//! which acts as the CLI when started under the name `desksidectl` (the package ships
//! `/usr/bin/desksidectl` as a symlink to `deskside`: one binary instead of two).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use deskside_config::Loaded;
use deskside_diagnostics::Category;

mod agent;
mod diagnose;
mod fix;
mod out;
mod password;
mod policy;
mod reset;
mod server;
mod ticket;

use out::{EXIT_CANNOT_RUN, eprintln_safe, load_config, print_json, print_out};

/// Deskside: diagnose and fix a computer's network, VPN, disk and system problems.
#[derive(Debug, Parser)]
#[command(name = "desksidectl", version, about, propagate_version = true)]
struct Cli {
    /// Use this config file on top of the system and user files (also: DESKSIDE_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the checks and name the root cause of any problem.
    Diagnose {
        /// Print one JSON document (schema deskside.report/1) instead of live text.
        #[arg(long)]
        json: bool,
        /// Only run checks of this category (repeatable).
        #[arg(long, value_enum)]
        category: Vec<CategoryArg>,
        /// Apply the auto-safe fixes for the root cause, re-test, and show before/after.
        #[arg(long)]
        fix: bool,
    },
    /// List, preview, apply and undo one-click fixes.
    Fix {
        #[command(subcommand)]
        command: fix::FixCommand,
    },
    /// Show this device's snapshot (OS, hardware, disks, network).
    Info {
        /// Print JSON (schema deskside.device/1).
        #[arg(long)]
        json: bool,
    },
    /// File a ticket with evidence, preview it, or read the helpdesk's answer.
    Ticket {
        #[command(subcommand)]
        command: ticket::TicketCommand,
    },
    /// Check the helpdesk set-up: reachable, credentials accepted, allowed to file tickets.
    Helpdesk {
        #[command(subcommand)]
        command: ticket::HelpdeskCommand,
    },
    /// The ticket outbox: list, send what is queued, retry, copy as e-mail.
    Outbox {
        #[command(subcommand)]
        command: ticket::OutboxCommand,
    },
    /// Password expiry, change, and the saved password for expiry checks.
    Password {
        #[command(subcommand)]
        command: password::PasswordCommand,
    },
    /// Run the tray app's background work headless (ticket delivery) until killed.
    Agent {
        #[command(subcommand)]
        command: agent::AgentCommand,
    },
    /// This device and the Deskside server: enrol, status.
    Server {
        #[command(subcommand)]
        command: server::ServerCommand,
    },
    /// Managed policy (MDM): what IT set and where it came from; lint a policy offline.
    Policy {
        #[command(subcommand)]
        command: policy::PolicyCommand,
    },
    /// Inspect the layered configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check every config layer; exit 2 with the file, key and problem if one is wrong.
    Validate,
    /// Show the effective config and where each value came from.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CategoryArg {
    Network,
    Vpn,
    Disk,
    System,
}

impl From<CategoryArg> for Category {
    fn from(c: CategoryArg) -> Self {
        match c {
            CategoryArg::Network => Self::Network,
            CategoryArg::Vpn => Self::Vpn,
            CategoryArg::Disk => Self::Disk,
            CategoryArg::System => Self::System,
        }
    }
}

/// Run the command line with the process's arguments and return its exit code.
#[must_use]
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("DESKSIDE_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln_safe(&format!("desksidectl: cannot start: {e}"));
            return ExitCode::from(EXIT_CANNOT_RUN);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Diagnose {
            json,
            category,
            fix,
        } => {
            let categories: Vec<Category> = category.into_iter().map(Into::into).collect();
            if fix {
                return match fix::load(cli.config, json) {
                    Ok(loaded) => diagnose::run_fix(loaded, &categories, json).await,
                    Err(code) => code,
                };
            }
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            diagnose::run(loaded, &categories, json).await
        }
        Command::Fix { command } => fix::run(cli.config, command).await,
        Command::Info { json } => {
            let patterns = load_config(cli.config)
                .map(|l| l.config.vpn.interfaces)
                .unwrap_or_default();
            let opts = deskside_device::SnapshotOptions {
                vpn_patterns: patterns,
            };
            let snap = deskside_device::snapshot_with(&opts).await;
            if json {
                print_json(&serde_json::to_value(&snap).unwrap_or_default())
            } else {
                print_out(&deskside_device::render_text(&snap))
            }
        }
        Command::Ticket { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            ticket::run_ticket(loaded, command).await
        }
        Command::Outbox { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            ticket::run_outbox(loaded, command).await
        }
        Command::Helpdesk { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            ticket::run_helpdesk(&loaded, command).await
        }
        Command::Password { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            password::run(loaded, command).await
        }
        Command::Agent { command } => agent::run(cli.config, command).await,
        Command::Server { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            server::run(loaded, command).await
        }
        Command::Policy { command } => policy::run(cli.config, command),
        Command::Config { command } => {
            let Some(loaded) = load_config(cli.config) else {
                return ExitCode::from(EXIT_CANNOT_RUN);
            };
            match command {
                ConfigCommand::Validate => {
                    // The chosen connector's keys, by the same check the connector runs (not
                    // when tickets go through the Deskside server's relay instead).
                    if let Err(e) = deskside_helpdesk::check_device_config(&loaded.config) {
                        eprintln_safe(&format!("desksidectl: {e} (code {})", e.code()));
                        return ExitCode::from(EXIT_CANNOT_RUN);
                    }
                    let mut text = String::from("Configuration is valid. Layers:\n");
                    for layer in &loaded.layers {
                        text.push_str(&format!("  {layer}\n"));
                    }
                    for note in &loaded.notes {
                        text.push_str(&format!("note: {note}\n"));
                    }
                    for warning in &loaded.warnings {
                        text.push_str(&format!("warning: {warning}\n"));
                    }
                    for issue in &loaded.policy_errors {
                        text.push_str(&format!("policy error: {}\n", issue.message));
                    }
                    print_out(&text)
                }
                ConfigCommand::Show { json: true } => print_json(&loaded.to_show_json()),
                ConfigCommand::Show { json: false } => print_out(&render_config(&loaded)),
            }
        }
    }
}

fn render_config(loaded: &Loaded) -> String {
    let show = loaded.to_show_json();
    let mut out = String::new();
    if let Some(keys) = show.get("keys").and_then(|k| k.as_object()) {
        for (key, info) in keys {
            let value = info
                .get("value")
                .map(ToString::to_string)
                .unwrap_or_default();
            let source = info.get("source").and_then(|s| s.as_str()).unwrap_or("?");
            let path = info
                .get("path")
                .and_then(|s| s.as_str())
                .map(|p| format!(" {p}"))
                .unwrap_or_default();
            let lock = if info.get("locked").and_then(serde_json::Value::as_bool) == Some(true) {
                " [locked]"
            } else {
                ""
            };
            out.push_str(&format!("{key} = {value}    # {source}{path}{lock}\n"));
        }
    }
    for note in &loaded.notes {
        out.push_str(&format!("# note: {note}\n"));
    }
    for warning in &loaded.warnings {
        out.push_str(&format!("# warning: {warning}\n"));
    }
    for issue in &loaded.policy_errors {
        out.push_str(&format!("# policy error: {}\n", issue.message));
    }
    out
}
