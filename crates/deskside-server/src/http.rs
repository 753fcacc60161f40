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
//! | `GET /v1/openapi.json` | none | this API's OpenAPI description ([`ApiDoc`]) |
//! | `/v1/fleet/…` | signed | reports and known issues ([`crate::fleet`]) |
//!
//! The OpenAPI description is generated from these handlers' annotations (utoipa) and
//! published as `docs/server-openapi.json`; a test fails when the two drift.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deskside_server_api::{
    ApiError, DeviceInfo, EnrollRequest, EnrollResponse, PATH_DEVICE, PATH_ENROLL, PATH_TICKETS,
    RelayState, TicketStatus, TicketUpload, WireAttachment,
};
use deskside_server_core::auth::Request;
use deskside_server_core::enroll::Device;
use deskside_server_core::{Core, CoreError};
use tokio::sync::Notify;

/// Largest enrolment request.
const MAX_ENROLL_BYTES: usize = 16 * 1024;

/// The OpenAPI description of this API.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(
        title = "Deskside server",
        description = "Device enrolment, the ticket relay, and self-service password reset and unlock (served when [reset] is enabled). Signed endpoints need the five deskside-request/1 headers (docs/server.md, \"Signed requests\"); every error is {code, message}."
    ),
    paths(
        healthz,
        enroll,
        device,
        post_ticket,
        get_ticket,
        crate::reset_http::api_start,
        crate::reset_http::api_device,
        crate::reset_http::api_code,
        crate::reset_http::api_complete,
        crate::reset_http::api_totp,
        crate::reset_http::api_totp_enrol
    ),
    components(schemas(
        ApiError,
        DeviceInfo,
        EnrollRequest,
        EnrollResponse,
        RelayState,
        TicketStatus,
        TicketUpload,
        WireAttachment
    ))
)]
pub struct ApiDoc;

/// The OpenAPI description as pretty JSON (what `docs/server-openapi.json` holds).
#[must_use]
pub fn openapi_json() -> String {
    use utoipa::OpenApi as _;
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::fleet::FleetApi::openapi());
    doc.to_pretty_json().unwrap_or_default()
}

/// The signature headers of `deskside-request/1`.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[expect(
    dead_code,
    reason = "only describes the headers in the OpenAPI document"
)]
pub(crate) struct Signature {
    /// The key id issued at enrolment.
    #[param(rename = "Deskside-Key-Id")]
    key_id: String,
    /// Unix seconds when the request was signed (within auth.max_skew_s of the server clock).
    #[param(rename = "Deskside-Timestamp")]
    timestamp: i64,
    /// 16-64 characters [A-Za-z0-9_-], never reused by this key.
    #[param(rename = "Deskside-Nonce")]
    nonce: String,
    /// sha-256=:<base64 of SHA-256 of the body>: (also for an empty body).
    #[param(rename = "Content-Digest")]
    digest: String,
    /// Base64 of the Ed25519 signature of the canonical string.
    #[param(rename = "Deskside-Signature")]
    signature: String,
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "the process runs", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

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
        .route("/healthz", get(healthz))
        .route(PATH_ENROLL, post(enroll))
        .route(PATH_DEVICE, get(device))
        .route(PATH_TICKETS, post(post_ticket))
        .route(&format!("{PATH_TICKETS}/{{key}}"), get(get_ticket))
        .merge(crate::fleet::routes())
        .route(
            "/v1/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()) }),
        )
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
pub(crate) fn core_error(e: &CoreError) -> Response {
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

/// Exchanges a one-time enrolment secret for a key id bound to the device's public key.
#[utoipa::path(
    post,
    path = "/v1/enroll",
    request_body = EnrollRequest,
    responses(
        (status = 201, description = "enrolled", body = EnrollResponse),
        (status = 400, description = "request.invalid", body = ApiError),
        (status = 401, description = "enroll.invalid_secret: unknown, used up or expired", body = ApiError),
        (status = 413, description = "request.too_large", body = ApiError)
    )
)]
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
pub(crate) async fn signed(
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

/// The calling device's record.
#[utoipa::path(
    get,
    path = "/v1/device",
    params(Signature),
    responses(
        (status = 200, description = "the device", body = DeviceInfo),
        (status = 401, description = "auth.unsigned, auth.malformed, auth.clock_skew, auth.unknown_key, auth.revoked, auth.bad_digest, auth.bad_signature, auth.replay", body = ApiError),
        (status = 429, description = "relay.rate_limited (Retry-After)", body = ApiError)
    )
)]
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

/// Hands a rendered ticket to the relay; idempotent on its key.
#[utoipa::path(
    post,
    path = "/v1/tickets",
    params(Signature),
    request_body = TicketUpload,
    responses(
        (status = 201, description = "stored (new)", body = TicketStatus),
        (status = 200, description = "already stored (a resend)", body = TicketStatus),
        (status = 400, description = "request.invalid", body = ApiError),
        (status = 401, description = "auth.*", body = ApiError),
        (status = 409, description = "relay.key_conflict: the key belongs to another device or ticket", body = ApiError),
        (status = 413, description = "request.too_large", body = ApiError),
        (status = 429, description = "relay.rate_limited (Retry-After)", body = ApiError)
    )
)]
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

/// A relayed ticket's status.
#[utoipa::path(
    get,
    path = "/v1/tickets/{key}",
    params(("key" = String, Path, description = "the ticket's idempotency key"), Signature),
    responses(
        (status = 200, description = "the ticket", body = TicketStatus),
        (status = 401, description = "auth.*", body = ApiError),
        (status = 404, description = "relay.not_found (also for another device's ticket)", body = ApiError),
        (status = 429, description = "relay.rate_limited (Retry-After)", body = ApiError)
    )
)]
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
        let (status, wanted) = app.core.ticket_followup(&device, &key).await?;
        if wanted {
            // The delivery worker reads the helpdesk's status for it in its next round.
            app.wake.notify_one();
        }
        Ok(status)
    }
    .await;
    match result {
        Ok(status) => axum::Json(status).into_response(),
        Err(e) => core_error(&e),
    }
}
