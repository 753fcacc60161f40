//! The command line: `serve`, and the admin commands that work on the same database
//! (`enroll-secret create`, `devices list|revoke`, `relay status`). Admin commands print
//! plain text, or JSON with `--json`; errors print `deskside-server: <message> (code <code>)`
//! and exit 2.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use deskside_helpdesk::{Helpdesk, Settings};
use deskside_server_core::relay::{DeliverOptions, Outcome};
use deskside_server_core::{Core, Db};
use tokio::sync::Notify;

use crate::config::{self, ServerConfig};
use crate::http::{self, App};
use crate::tls;

/// The Deskside server: device enrolment and the ticket relay.
#[derive(Debug, Parser)]
#[command(name = "deskside-server", version)]
struct Cli {
    /// The config file (default: $DESKSIDE_SERVER_CONFIG, else /etc/deskside-server/config.toml
    /// if it exists, else built-in defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP and deliver relayed tickets.
    Serve,
    /// Enrolment secrets.
    #[command(subcommand)]
    EnrollSecret(SecretCommand),
    /// Enrolled devices.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// The relay queue.
    #[command(subcommand)]
    Relay(RelayCommand),
    /// Announcements every device shows (planned work, outages IT already knows).
    #[command(subcommand)]
    Announce(crate::fleet::AnnounceCommand),
    /// Incidents opened from devices' reports.
    #[command(subcommand)]
    Incidents(crate::fleet::IncidentsCommand),
}

#[derive(Debug, Subcommand)]
enum SecretCommand {
    /// Create a one-time enrolment secret (printed once; stored only as a hash).
    Create {
        /// How many devices may enrol with it.
        #[arg(long, default_value_t = 1)]
        uses: i64,
        /// How long it works: 30m, 12h, 7d.
        #[arg(long, default_value = "7d")]
        expires: String,
        /// A note for IT (where the secret went).
        #[arg(long)]
        note: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DevicesCommand {
    /// List enrolled devices.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a device (by id or key id): its next request is refused.
    Revoke {
        /// The device id or key id.
        device: String,
    },
}

#[derive(Debug, Subcommand)]
enum RelayCommand {
    /// Relayed tickets by state.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make every queued ticket due now (after fixing the helpdesk).
    Flush,
}

/// A failure of the command line, with its code.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Core(#[from] deskside_server_core::CoreError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the helpdesk is not usable: {0}")]
    Helpdesk(#[from] deskside_helpdesk::HelpdeskError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

impl CliError {
    fn code(&self) -> &'static str {
        match self {
            Self::Config(e) => e.code(),
            Self::Core(e) => e.code(),
            Self::Usage(_) => "server.usage",
            Self::Listen { .. } => "server.listen",
            Self::Helpdesk(e) => e.code(),
            Self::Runtime(_) => "server.runtime",
        }
    }
}

/// Runs the command line.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DESKSIDE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&CliError::Runtime(e)),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    let _ = writeln!(
        std::io::stderr(),
        "deskside-server: {e} (code {})",
        e.code()
    );
    ExitCode::from(2)
}

pub(crate) fn out(text: &str) {
    let _ = writeln!(std::io::stdout(), "{text}");
}

async fn open(config: &ServerConfig) -> Result<Core, CliError> {
    let db = match config.database.url.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let password = std::env::var(config::ENV_DB_PASSWORD).ok();
            Db::postgres(url, password.as_deref(), config.database.pool.unwrap_or(8)).await?
        }
        Some(path) => {
            let path = path.strip_prefix("sqlite://").unwrap_or(path);
            Db::sqlite(std::path::Path::new(path)).await?
        }
        None => {
            let path = ServerConfig::default_sqlite_path();
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::Usage(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            Db::sqlite(&path).await?
        }
    };
    Ok(Core::new(db, config.limits()))
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let (config, path) = ServerConfig::load(cli.config.as_deref())?;
    let core = open(&config).await?;
    match cli.command {
        Command::Serve => serve(core, &config, path).await,
        Command::EnrollSecret(SecretCommand::Create {
            uses,
            expires,
            note,
            json,
        }) => {
            let ttl = config::parse_lifetime(&expires).map_err(CliError::Usage)?;
            let s = core.create_enroll_secret(uses, ttl, note).await?;
            if json {
                out(&serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                out(&format!(
                    "{}\n(secret #{}: {} uses, expires at {} Unix time; shown only now)",
                    s.secret, s.id, s.uses, s.expires_at
                ));
            }
            Ok(())
        }
        Command::Devices(DevicesCommand::List { json }) => {
            let devices = core.devices().await?;
            if json {
                out(&serde_json::to_string_pretty(&devices).unwrap_or_default());
            } else {
                out("ID  KEY ID                       NAME                 USER         STATE");
                for d in devices {
                    let state = if d.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    out(&format!(
                        "{:<3} {:<28} {:<20} {:<12} {state}",
                        d.id, d.key_id, d.device_name, d.os_user
                    ));
                }
            }
            Ok(())
        }
        Command::Devices(DevicesCommand::Revoke { device }) => {
            let d = core.revoke(&device).await?;
            out(&format!(
                "device {} ({}, {}) is revoked",
                d.id, d.device_name, d.key_id
            ));
            Ok(())
        }
        Command::Relay(RelayCommand::Status { json }) => {
            let counts = core.relay_counts().await?;
            if json {
                let map: serde_json::Map<String, serde_json::Value> = counts
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::from(v)))
                    .collect();
                out(&serde_json::Value::Object(map).to_string());
            } else {
                for (state, n) in counts {
                    out(&format!("{state}: {n}"));
                }
            }
            Ok(())
        }
        Command::Announce(c) => Ok(crate::fleet::announce_command(&core, c).await?),
        Command::Incidents(c) => Ok(crate::fleet::incidents_command(&core, c).await?),
        Command::Relay(RelayCommand::Flush) => {
            let n = core.make_due().await?;
            out(&format!("{n} queued tickets are due now"));
            Ok(())
        }
    }
}

async fn serve(core: Core, config: &ServerConfig, path: Option<PathBuf>) -> Result<(), CliError> {
    let wake = Arc::new(Notify::new());
    let helpdesk = if config.helpdesk.kind.is_some() {
        let settings = Settings::from_config(&config.helpdesk)?;
        let options = config
            .deliver_options(settings.timeout)
            .map_err(CliError::Usage)?;
        Some((deskside_helpdesk::from_config(&settings)?, options))
    } else {
        tracing::warn!("no [helpdesk] is configured: tickets are accepted and kept until one is");
        None
    };
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .map_err(|source| CliError::Listen {
            addr: config.server.listen.clone(),
            source,
        })?;
    let local = listener
        .local_addr()
        .map_or_else(|_| config.server.listen.clone(), |a| a.to_string());
    tracing::info!(
        listen = %local,
        config = %path.as_ref().map_or_else(|| "built-in defaults".to_owned(), |p| p.display().to_string()),
        database = ?core.db().backend(),
        node = core.node(),
        "deskside-server is serving"
    );
    if let Some((connector, options)) = helpdesk {
        let interval = Duration::from_millis(config.relay.deliver_interval_ms.clamp(50, 60_000));
        tokio::spawn(deliver_forever(
            core.clone(),
            connector,
            options,
            interval,
            wake.clone(),
        ));
    }
    tokio::spawn(crate::fleet::sweep_forever(
        core.clone(),
        Duration::from_secs(config.fleet.sweep_interval_s.clamp(1, 3600)),
    ));
    if let Some(listen) = &config.fleet.status_listen {
        let addr = crate::status::loopback_only(listen).map_err(CliError::Usage)?;
        let status_listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| CliError::Listen {
                addr: listen.clone(),
                source,
            })?;
        tracing::info!(listen = %addr, "status page for IT (loopback only)");
        let router = crate::status::router(core.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(status_listener, router).await {
                tracing::error!(error = %e, "the status page stopped");
            }
        });
    }
    let reset = crate::reset_wiring::build(config, &core).map_err(CliError::Usage)?;
    let mut app = http::router(App {
        core: core.clone(),
        wake,
    });
    if let Some(service) = reset {
        let reset_wake = Arc::new(Notify::new());
        tokio::spawn(crate::reset_wiring::mail_forever(
            service.clone(),
            reset_wake.clone(),
        ));
        tracing::info!("serving password reset and unlock");
        app = app.merge(crate::reset_http::router(crate::reset_http::ResetApp {
            service,
            core,
            trust_proxy: config.reset.trust_proxy,
            wake: reset_wake,
        }));
    }
    let app = app.into_make_service_with_connect_info::<crate::reset_http::PeerAddr>();
    let served = match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(cert), Some(key)) => {
            let acceptor = tls::acceptor(cert, key).map_err(CliError::Usage)?;
            let listener =
                tls::TlsListener::new(listener, acceptor).map_err(|source| CliError::Listen {
                    addr: local.clone(),
                    source,
                })?;
            tracing::info!("serving HTTPS (TLS from {})", cert.display());
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await
        }
        (None, None) => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await
        }
        _ => {
            return Err(CliError::Usage(
                "server.tls_cert and server.tls_key go together: set both or neither".into(),
            ));
        }
    };
    served.map_err(|source| CliError::Listen {
        addr: local,
        source,
    })
}

/// The delivery worker: a round whenever a ticket was accepted, or every `interval`; right
/// away again after a round that did something.
async fn deliver_forever(
    core: Core,
    connector: Helpdesk,
    options: DeliverOptions,
    interval: Duration,
    wake: Arc<Notify>,
) {
    loop {
        let delivered = match core.deliver_due(&connector, &options).await {
            Ok(outcomes) => outcomes
                .iter()
                .any(|o| matches!(o, Outcome::Delivered { .. })),
            Err(e) => {
                tracing::error!(error = %e, "delivery round failed");
                false
            }
        };
        // Then the helpdesk status of the delivered tickets devices asked about.
        let followed = match core.refresh_followups(&connector, 16).await {
            Ok(n) => n > 0,
            Err(e) => {
                tracing::error!(error = %e, "reading ticket statuses failed");
                false
            }
        };
        let busy = delivered || followed;
        if !busy {
            let _ = tokio::time::timeout(interval, wake.notified()).await;
        }
    }
}

async fn shutdown() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = term => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down");
}
