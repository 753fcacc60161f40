//! `desksidectl server enroll|status`: this device and the Deskside server (`server.url`).
//! `enroll` exchanges `server.enroll_secret` for a device key now (tickets would do it on
//! first use anyway); `status` shows the local enrolment and asks the server whether the key
//! still works (a revoked device is told so, with its code); `issues` lists the known issues
//! and announcements the server publishes, in plain words.

use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use deskside_config::Loaded;
use deskside_helpdesk::{Relay, Secret};

use crate::out::{EXIT_CANNOT_RUN, EXIT_PROBLEMS, eprintln_safe, print_json, print_out};

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Enrol this device with the server using server.enroll_secret.
    Enroll {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show this device's enrolment and whether the server accepts its key.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the known issues and announcements IT's server publishes.
    Issues {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn relay(loaded: &Loaded) -> Result<Relay, ExitCode> {
    let c = &loaded.config;
    let Some(url) = c.server.relay_url() else {
        eprintln_safe(
            "desksidectl: no Deskside server is configured: IT sets [server] url in the system config or policy\n(code server.not_configured)",
        );
        return Err(ExitCode::from(EXIT_CANNOT_RUN));
    };
    let cannot = |code: &str, e: &dyn std::fmt::Display| {
        eprintln_safe(&format!("desksidectl: {e}\n(code {code})"));
        ExitCode::from(EXIT_CANNOT_RUN)
    };
    let url = url::Url::parse(url).map_err(|e| cannot("server.bad_url", &e))?;
    let dir = deskside_config::current_data_dir().ok_or_else(|| {
        cannot(
            "server.no_data_dir",
            &"no data folder: set DESKSIDE_DATA_DIR or HOME",
        )
    })?;
    let secret = c
        .server
        .enroll_secret
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(Secret::new);
    Relay::new(
        url,
        secret,
        dir,
        Duration::from_secs(c.helpdesk.timeout_s.clamp(1, 300)),
    )
    .map_err(|e| cannot(e.code(), &e))
}

/// Runs `desksidectl server …`.
pub async fn run(loaded: Loaded, command: ServerCommand) -> ExitCode {
    let relay = match relay(&loaded) {
        Ok(r) => r,
        Err(code) => return code,
    };
    match command {
        ServerCommand::Issues { json } => issues(&loaded, json).await,
        ServerCommand::Enroll { json } => match relay.enroll().await {
            Ok(e) => {
                if json {
                    print_json(&serde_json::to_value(&e).unwrap_or_default())
                } else {
                    print_out(&format!(
                        "Enrolled with {} as device {} (key {}).\n",
                        e.server_url,
                        e.device_id.unwrap_or_default(),
                        e.key_id.unwrap_or_default()
                    ))
                }
            }
            Err(e) => {
                eprintln_safe(&format!("desksidectl: {e}\n(code {})", e.code()));
                ExitCode::from(EXIT_PROBLEMS)
            }
        },
        ServerCommand::Status { json } => {
            let local = relay.enrolment().await;
            let remote = if local.key_id.is_some() {
                Some(relay.whoami().await)
            } else {
                None
            };
            let (accepted, problem) = match &remote {
                Some(Ok(_)) => (true, None),
                Some(Err(e)) => (false, Some(e.to_string())),
                None => (false, Some("not enrolled".to_owned())),
            };
            let code = if accepted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_PROBLEMS)
            };
            let printed = if json {
                print_json(&serde_json::json!({
                    "server_url": local.server_url,
                    "key_id": local.key_id,
                    "device_id": local.device_id,
                    "accepted": accepted,
                    "problem": problem,
                }))
            } else {
                let mut text = format!("Server: {}\n", local.server_url);
                match (&local.key_id, &remote) {
                    (Some(k), Some(Ok(info))) => text.push_str(&format!(
                        "Enrolled as device {} ({}, user {}), key {k}: accepted by the server.\n",
                        info.device_id, info.device_name, info.os_user
                    )),
                    (Some(k), Some(Err(e))) => {
                        text.push_str(&format!("Enrolled with key {k}, but: {e}\n"));
                    }
                    _ => text.push_str(
                        "Not enrolled: run `desksidectl server enroll` (needs server.enroll_secret).\n",
                    ),
                }
                print_out(&text)
            };
            if printed == ExitCode::SUCCESS {
                code
            } else {
                printed
            }
        }
    }
}

/// `desksidectl server issues`: open known issues first, then those resolved in the last day.
async fn issues(loaded: &Loaded, json: bool) -> ExitCode {
    let list = match deskside_agent::fleet::known_issues(&loaded.config).await {
        Ok(l) => l,
        Err(e) => {
            eprintln_safe(&format!("desksidectl: {e}\n(code server.unreachable)"));
            return ExitCode::from(EXIT_PROBLEMS);
        }
    };
    if json {
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|i| {
                let mut v = serde_json::to_value(i).unwrap_or_default();
                if let Some(m) = v.as_object_mut() {
                    m.insert("text".into(), deskside_agent::fleet::describe(i).into());
                }
                v
            })
            .collect();
        return print_json(&serde_json::Value::Array(items));
    }
    if list.is_empty() {
        return print_out("No known issues.\n");
    }
    let mut text = String::new();
    for i in list
        .iter()
        .filter(|i| i.is_open())
        .chain(list.iter().filter(|i| !i.is_open()))
    {
        text.push_str(&format!("{}\n", deskside_agent::fleet::describe(i)));
    }
    print_out(&text)
}
