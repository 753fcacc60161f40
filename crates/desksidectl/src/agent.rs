//! `desksidectl agent run`: the tray app's background ticket delivery, headless. It runs the
//! same worker (`deskside_agent::delivery`) in the foreground until killed, so a machine
//! without the tray (a server, a kiosk, a test) delivers queued tickets exactly as the tray
//! would. What the tray would show as a notification is printed as one line on stdout;
//! every delivery event is printed too, and so is a change of managed policy (watched every
//! few seconds); the worker's own log goes to stderr (`DESKSIDE_LOG=info`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use deskside_agent::delivery::{Waker, Worker, WorkerOptions};
use deskside_agent::{Announce, Notice};
use deskside_outbox::Event;

use crate::out::print_out;

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Deliver queued tickets in the background, as the tray app does, until killed.
    Run,
}

/// Announces by printing one line per notice and per delivery event.
#[derive(Debug)]
struct Lines;

impl Announce for Lines {
    fn notify(&self, notice: &Notice) {
        let _ = print_out(&format!("notice: {} — {}\n", notice.title, notice.body));
    }

    fn policy_changed(&self, loaded: &deskside_config::Loaded) {
        let _ = print_out(&format!(
            "policy: changed; {} policy layer(s), {} error(s)\n",
            loaded.layers.iter().filter(|s| s.kind.is_policy()).count(),
            loaded.policy_errors.len()
        ));
    }

    fn delivery(&self, event: &Event) {
        let line = match event {
            Event::Delivered { id, remote } => {
                format!("ticket {id}: delivered as #{}\n", remote.id)
            }
            Event::Retrying { id, reason } => format!("ticket {id}: will be retried: {reason}\n"),
            Event::Failed { id, reason } => format!("ticket {id}: failed: {reason}\n"),
        };
        let _ = print_out(&line);
    }
}

/// Runs the agent command; `config` is `--config`, re-read before every round.
pub async fn run(config: Option<PathBuf>, command: AgentCommand) -> ExitCode {
    match command {
        AgentCommand::Run => {
            let _ = print_out("desksidectl agent: delivering queued tickets (stop with Ctrl-C)\n");
            let options = WorkerOptions {
                config,
                ..WorkerOptions::default()
            };
            let lines = Arc::new(Lines);
            // Managed policy applies live: each round reloads the config; this announces it.
            let watch = tokio::spawn(deskside_agent::policy::run_watch(
                Arc::clone(&lines),
                deskside_agent::policy::sources(),
                deskside_agent::policy::POLL_INTERVAL,
            ));
            Worker::new(lines, options, Waker::default()).run().await;
            watch.abort();
            ExitCode::SUCCESS
        }
    }
}
