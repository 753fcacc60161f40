//! The fleet routes: devices report their diagnosis summary and poll the known issues. Thin
//! like the rest of the HTTP layer: every decision is in `deskside_server_core::fleet`.
//!
//! | route | auth | does |
//! |---|---|---|
//! | `POST /v1/fleet/reports` | signed | stores a diagnosis summary; answers the matching open incident |
//! | `GET /v1/fleet/known-issues` | signed | the fingerprint salt, open incidents and announcements (and those resolved in the last day) |

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deskside_server_api::ApiError;
use deskside_server_api::fleet::{
    FleetReport, IssueKind, KnownIssue, KnownIssues, PATH_KNOWN_ISSUES, PATH_REPORTS, ReportAnswer,
    ReportStatus,
};

use clap::Subcommand;
use deskside_server_core::{Core, CoreError};

use crate::cli::out;
use crate::http::{App, Signature, core_error, signed};

/// The OpenAPI description of the fleet routes (merged into [`crate::http::ApiDoc`]'s).
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    paths(post_report, get_known_issues),
    components(schemas(
        FleetReport,
        ReportStatus,
        ReportAnswer,
        KnownIssue,
        KnownIssues,
        IssueKind
    ))
)]
pub struct FleetApi;

/// The fleet routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(PATH_REPORTS, post(post_report))
        .route(PATH_KNOWN_ISSUES, get(get_known_issues))
}

/// Stores a diagnosis summary (root cause, verdict, salted network fingerprint, VPN up/down).
#[utoipa::path(
    post,
    path = "/v1/fleet/reports",
    params(Signature),
    request_body = FleetReport,
    responses(
        (status = 201, description = "stored; the open incident it belongs to, if any", body = ReportAnswer),
        (status = 400, description = "request.invalid", body = ApiError),
        (status = 401, description = "auth.*", body = ApiError),
        (status = 413, description = "request.too_large (4 KiB)", body = ApiError),
        (status = 429, description = "relay.rate_limited (Retry-After)", body = ApiError)
    )
)]
async fn post_report(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (device, bytes) = signed(&app, &method, &uri, &headers, body).await?;
        app.core.record_report(&device, &bytes).await
    }
    .await;
    match result {
        Ok(answer) => (StatusCode::CREATED, axum::Json(answer)).into_response(),
        Err(e) => core_error(&e),
    }
}

/// The known issues every device polls, with the fingerprint salt.
#[utoipa::path(
    get,
    path = "/v1/fleet/known-issues",
    params(Signature),
    responses(
        (status = 200, description = "salt, open incidents and announcements, and those resolved in the last day", body = KnownIssues),
        (status = 401, description = "auth.*", body = ApiError),
        (status = 429, description = "relay.rate_limited (Retry-After)", body = ApiError)
    )
)]
async fn get_known_issues(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        signed(&app, &method, &uri, &headers, body).await?;
        app.core.known_issues().await
    }
    .await;
    match result {
        Ok(k) => axum::Json(k).into_response(),
        Err(e) => core_error(&e),
    }
}

#[derive(Debug, Subcommand)]
pub enum AnnounceCommand {
    /// Post an announcement.
    Create {
        /// What devices show, in plain words.
        message: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List open announcements.
    List {
        /// Also closed ones.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close an announcement.
    Close {
        /// Its number.
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// List open incidents.
    List {
        /// Also resolved ones.
        #[arg(long)]
        all: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Close an incident (it is fixed); devices tell their users.
    Close {
        /// Its number.
        id: i64,
    },
}

/// `deskside-server announce …`.
///
/// # Errors
/// [`CoreError`].
pub async fn announce_command(core: &Core, c: AnnounceCommand) -> Result<(), CoreError> {
    match c {
        AnnounceCommand::Create { message, json } => {
            let a = core.announce(&message).await?;
            if json {
                out(&serde_json::to_string_pretty(&a).unwrap_or_default());
            } else {
                out(&format!(
                    "announcement {} is posted; devices show it at their next poll",
                    a.id
                ));
            }
        }
        AnnounceCommand::List { all, json } => {
            let list = core.announcements(all).await?;
            if json {
                out(&serde_json::to_string_pretty(&list).unwrap_or_default());
            } else {
                for a in list {
                    let state = if a.closed_at.is_some() {
                        "closed"
                    } else {
                        "open"
                    };
                    out(&format!("{:<4} {state:<6} {}", a.id, a.message));
                }
            }
        }
        AnnounceCommand::Close { id } => {
            core.close_announcement(id).await?;
            out(&format!("announcement {id} is closed"));
        }
    }
    Ok(())
}

/// `deskside-server incidents …`.
///
/// # Errors
/// [`CoreError`].
pub async fn incidents_command(core: &Core, c: IncidentsCommand) -> Result<(), CoreError> {
    match c {
        IncidentsCommand::List { all, json } => {
            let list = core.incidents(all).await?;
            if json {
                out(&serde_json::to_string_pretty(&list).unwrap_or_default());
            } else {
                out("ID   ROOT CAUSE            WHERE     DEVICES  TICKET   STATE");
                for i in list {
                    let state = match (i.resolved_at, i.resolved_by.as_deref()) {
                        (None, _) => "open",
                        (Some(_), Some("it")) => "closed by IT",
                        (Some(_), _) => "resolved (devices healthy)",
                    };
                    out(&format!(
                        "{:<4} {:<21} {:<9} {:<8} {:<8} {state}",
                        i.id,
                        i.root_cause,
                        if i.network.is_some() {
                            "network"
                        } else {
                            "fleet"
                        },
                        i.devices,
                        i.ticket_remote_id
                            .map_or_else(|| "queued".to_owned(), |t| format!("#{t}")),
                    ));
                }
            }
        }
        IncidentsCommand::Close { id } => {
            let i = core.close_incident(id).await?;
            out(&format!(
                "incident {} ({} on {} devices) is closed; devices tell their users at their next poll",
                i.id, i.root_cause, i.devices
            ));
        }
    }
    Ok(())
}

/// Resolves quiet incidents and queues any incident ticket left unqueued, every `interval`.
pub async fn sweep_forever(core: Core, interval: std::time::Duration) {
    loop {
        tokio::time::sleep(interval).await;
        if let Err(e) = core.fleet_sweep().await {
            tracing::error!(error = %e, "fleet sweep failed");
        }
    }
}
