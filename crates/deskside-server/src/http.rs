//! The HTTP layer: routes, body limits and the `{code, message}` error answers — nothing
//! else. Every decision is a call into `deskside_server_core::Core`.
//!
//! | route | auth | does |
//! |---|---|---|
//! | `GET /healthz` | none | `ok` when the process runs |
//! | `POST /v1/enroll` | enrolment secret | exchanges the secret for a key id |
//! | `GET /v1/device` | signed | the calling device's record |
//! | `POST /v1/tickets` | signed | hands a ticket to the relay (`201` new, `200` known) |
//! | `GET /v1/tickets/{key}` | signed | a relayed ticket's status |

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deskside_server_api::{ApiError, EnrollRequest, PATH_DEVICE, PATH_ENROLL, PATH_TICKETS};
use deskside_server_core::auth::Request;
use deskside_server_core::enroll::Device;
use deskside_server_core::{Core, CoreError};
use tokio::sync::Notify;

/// Largest enrolment request.
const MAX_ENROLL_BYTES: usize = 16 * 1024;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct App {
    /// The domain.
    pub core: Core,
    /// Woken when a ticket is accepted, so delivery starts at once.
    pub wake: Arc<Notify>,
}

/// The routes.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(PATH_ENROLL, post(enroll))
        .route(PATH_DEVICE, get(device))
        .route(PATH_TICKETS, post(post_ticket))
        .route(&format!("{PATH_TICKETS}/{{key}}"), get(get_ticket))
        .fallback(|| async {
            error_response(
                StatusCode::NOT_FOUND,
                "request.no_route",
                "there is no such endpoint on this server",
                None,
            )
        })
        .with_state(app)
}

fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    retry_after: Option<i64>,
) -> Response {
    let body = ApiError {
        code: code.to_owned(),
        message: message.to_owned(),
    };
    let mut r = (status, axum::Json(body)).into_response();
    if let Some(s) = retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A core error as an answer; server-side failures are logged with their detail and answered
/// without it.
fn core_error(e: &CoreError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(code = e.code(), error = %e, "request failed");
    } else {
        tracing::info!(code = e.code(), "request refused");
    }
    error_response(status, e.code(), &e.public_message(), e.retry_after_s())
}

async fn read_body(body: Body, limit: u64) -> Result<Bytes, CoreError> {
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    axum::body::to_bytes(body, cap)
        .await
        .map_err(|_| CoreError::TooLarge {
            size: limit.saturating_add(1),
            limit,
        })
}

async fn enroll(State(app): State<App>, body: Body) -> Response {
    let result = async {
        let bytes = read_body(body, MAX_ENROLL_BYTES as u64).await?;
        let req: EnrollRequest = serde_json::from_slice(&bytes)
            .map_err(|e| CoreError::BadRequest(format!("the enrolment is not valid JSON: {e}")))?;
        app.core.enroll(&req).await
    }
    .await;
    match result {
        Ok(r) => (StatusCode::CREATED, axum::Json(r)).into_response(),
        Err(e) => core_error(&e),
    }
}

/// Reads the body (capped) and checks the signature.
async fn signed(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Device, Bytes), CoreError> {
    let bytes = read_body(body, app.core.limits().max_request_bytes).await?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let device = app
        .core
        .authenticate(
            Request {
                method: method.as_str(),
                path_and_query: path,
                body: &bytes,
            },
            |name| headers.get(name).and_then(|v| v.to_str().ok()),
        )
        .await?;
    Ok((device, bytes))
}

async fn device(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match signed(&app, &method, &uri, &headers, body).await {
        Ok((d, _)) => axum::Json(d.info()).into_response(),
        Err(e) => core_error(&e),
    }
}

async fn post_ticket(
    State(app): State<App>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (device, bytes) = signed(&app, &method, &uri, &headers, body).await?;
        app.core.accept_ticket(&device, &bytes).await
    }
    .await;
    match result {
        Ok((status, new)) => {
            if new {
                app.wake.notify_one();
            }
            let code = if new {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (code, axum::Json(status)).into_response()
        }
        Err(e) => core_error(&e),
    }
}

async fn get_ticket(
    State(app): State<App>,
    Path(key): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (device, _) = signed(&app, &method, &uri, &headers, body).await?;
        app.core.ticket_status(&device, &key).await
    }
    .await;
    match result {
        Ok(status) => axum::Json(status).into_response(),
        Err(e) => core_error(&e),
    }
}
