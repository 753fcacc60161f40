//! The reset and unlock flows over HTTP: a JSON API for the tray and `desksidectl` (a signed
//! request from an enrolled device adds the device factor) and a server-rendered web page for
//! any browser (no JavaScript, CSRF double-submit cookie, a strict Content-Security-Policy,
//! labels and `role="alert"` errors, a viewport for phones).
//!
//! | route | does |
//! |---|---|
//! | `POST /v1/password/start` | `{kind, user}` → `202` the same answer for every user name; signed: + device factor |
//! | `POST /v1/password/device` | signed, `{flow}`: adds the device factor |
//! | `POST /v1/password/code` | `{flow, code}` |
//! | `POST /v1/password/complete` | `{flow, new_password?}` |
//! | `POST /v1/password/totp` | `{flow, code}`: an authenticator or recovery code |
//! | `POST /v1/password/totp/enroll` | signed, `{user, password}`: set up an authenticator app |
//! | `GET /password/` and the form posts under it | the web page |

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use deskside_secret::Secret;
use deskside_server_api::ApiError;
use deskside_server_core::auth;
use deskside_server_core::reset::{
    Caller, DoneAnswer, FlowAnswer, FlowKind, ResetError, ResetService, StartAnswer,
};
use deskside_server_core::{Core, CoreError};
use serde::Deserialize;

/// Largest request to these routes.
const MAX_BYTES: usize = 8 * 1024;
/// The CSRF cookie.
const CSRF_COOKIE: &str = "ds_csrf";
/// The page's Content-Security-Policy: nothing but its own style sheet and forms to itself.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The peer address, for every listener whose address is a socket address (plain TCP and
/// [`crate::tls::TlsListener`]); the server is served with
/// `into_make_service_with_connect_info::<PeerAddr>()`.
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for PeerAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, crate::tls::TlsListener>>
    for PeerAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, crate::tls::TlsListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

/// What the routes share.
#[derive(Debug, Clone)]
pub struct ResetApp {
    /// The flows.
    pub service: ResetService,
    /// For signed requests.
    pub core: Core,
    /// Take the source IP from `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Woken after a start, so the mail goes out at once.
    pub wake: std::sync::Arc<tokio::sync::Notify>,
}

/// `POST /v1/password/start`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StartRequest {
    /// `reset` or `unlock`.
    pub kind: FlowKind,
    /// The user name.
    pub user: String,
}

/// `POST /v1/password/device`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeviceRequest {
    /// The flow handle.
    pub flow: String,
}

/// `POST /v1/password/code`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CodeRequest {
    /// The flow handle.
    pub flow: String,
    /// The mailed code.
    pub code: String,
}

/// `POST /v1/password/totp`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TotpRequest {
    /// The flow handle.
    pub flow: String,
    /// A 6-digit authenticator code, or a recovery code `xxxxx-xxxxx`.
    pub code: String,
}

/// `POST /v1/password/totp/enroll`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TotpEnrolRequest {
    /// The user name (the device must be enrolled for this OS user).
    pub user: String,
    /// The current password.
    pub password: String,
}

impl std::fmt::Debug for TotpEnrolRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpEnrolRequest")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /v1/password/complete`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CompleteRequest {
    /// The flow handle.
    pub flow: String,
    /// The new password (reset only).
    pub new_password: Option<String>,
}

impl std::fmt::Debug for CompleteRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompleteRequest")
            .field("new_password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The routes.
pub fn router(app: ResetApp) -> Router {
    Router::new()
        .route("/v1/password/start", post(api_start))
        .route("/v1/password/device", post(api_device))
        .route("/v1/password/code", post(api_code))
        .route("/v1/password/complete", post(api_complete))
        .route("/v1/password/totp", post(api_totp))
        .route("/v1/password/totp/enroll", post(api_totp_enrol))
        .route("/password", get(page_start))
        .route("/password/", get(page_start))
        .route("/password/style.css", get(style))
        .route("/password/start", post(form_start))
        .route("/password/code", post(form_code))
        .route("/password/totp", post(form_totp))
        .route("/password/complete", post(form_complete))
        .with_state(app)
}

/// `200` with the answer as JSON, or the error's status and `{code, message}`.
fn json_answer<T: serde::Serialize>(result: Result<T, ResetError>) -> Response {
    match result {
        Ok(a) => axum::Json(a).into_response(),
        Err(e) => error_json(&e),
    }
}

fn error_json(e: &ResetError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(code = %e.code(), error = %e, "reset request failed");
    }
    let mut r = (
        status,
        axum::Json(ApiError {
            code: e.code(),
            message: e.public_message(),
        }),
    )
        .into_response();
    if let Some(s) = e.retry_after_s()
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn core_error(e: CoreError) -> ResetError {
    ResetError::Core(e)
}

/// The source IP: the peer, or with `trust_proxy` the last `X-Forwarded-For` entry.
fn source_ip(app: &ResetApp, parts: &axum::http::request::Parts) -> String {
    if app.trust_proxy
        && let Some(ip) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    {
        return ip.to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<PeerAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.0.ip().to_string())
}

/// Reads the request; checks the signature when one is sent (or `need_signature`).
async fn caller_and_body(
    app: &ResetApp,
    req: Request,
    need_signature: bool,
) -> Result<(Caller, axum::body::Bytes), ResetError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BYTES)
        .await
        .map_err(|_| ResetError::BadRequest("the request is too large".into()))?;
    let ip = source_ip(app, &parts);
    let signed = parts.headers.contains_key("deskside-key-id");
    let device = if signed || need_signature {
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        Some(
            app.core
                .authenticate(
                    auth::Request {
                        method: parts.method.as_str(),
                        path_and_query: path,
                        body: &bytes,
                    },
                    |name| parts.headers.get(name).and_then(|v| v.to_str().ok()),
                )
                .await
                .map_err(core_error)?,
        )
    } else {
        None
    };
    Ok((Caller { ip, device }, bytes))
}

fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ResetError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ResetError::BadRequest(format!("the body is not valid JSON: {e}")))
}

/// Starts a reset or unlock; the same answer for every user name.
#[utoipa::path(
    post,
    path = "/v1/password/start",
    request_body = StartRequest,
    responses(
        (status = 202, description = "started (for every user name alike)", body = StartAnswer),
        (status = 400, description = "request.invalid", body = ApiError),
        (status = 401, description = "auth.* (only when signature headers are sent)", body = ApiError),
        (status = 404, description = "reset.disabled", body = ApiError),
        (status = 429, description = "reset.throttled (Retry-After)", body = ApiError)
    )
)]
async fn api_start(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, false).await?;
        let r: StartRequest = json(&bytes)?;
        app.service.start(r.kind, &r.user, &caller).await
    }
    .await;
    match result {
        Ok(a) => {
            app.wake.notify_one();
            (StatusCode::ACCEPTED, axum::Json(a)).into_response()
        }
        Err(e) => error_json(&e),
    }
}

/// Adds the device factor (a signed request from a device enrolled for the flow's user).
#[utoipa::path(
    post,
    path = "/v1/password/device",
    request_body = DeviceRequest,
    responses(
        (status = 200, description = "the flow's factors", body = FlowAnswer),
        (status = 401, description = "auth.*", body = ApiError),
        (status = 403, description = "reset.not_allowed: another user's device", body = ApiError),
        (status = 410, description = "reset.no_flow", body = ApiError)
    )
)]
async fn api_device(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, true).await?;
        let r: DeviceRequest = json(&bytes)?;
        app.service.add_device(&r.flow, &caller).await
    }
    .await;
    json_answer(result)
}

/// Checks the mailed code.
#[utoipa::path(
    post,
    path = "/v1/password/code",
    request_body = CodeRequest,
    responses(
        (status = 200, description = "the flow's factors", body = FlowAnswer),
        (status = 400, description = "reset.wrong_code", body = ApiError),
        (status = 403, description = "reset.too_many_tries", body = ApiError),
        (status = 410, description = "reset.no_flow", body = ApiError),
        (status = 429, description = "reset.throttled (Retry-After)", body = ApiError)
    )
)]
async fn api_code(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, false).await?;
        let r: CodeRequest = json(&bytes)?;
        app.service.verify_code(&r.flow, &r.code, &caller).await
    }
    .await;
    json_answer(result)
}

/// Sets the new password (reset) or clears the lockout (unlock).
#[utoipa::path(
    post,
    path = "/v1/password/complete",
    request_body = CompleteRequest,
    responses(
        (status = 200, description = "done", body = DoneAnswer),
        (status = 400, description = "request.invalid", body = ApiError),
        (status = 403, description = "reset.factors_missing, reset.not_allowed", body = ApiError),
        (status = 409, description = "reset.already_used", body = ApiError),
        (status = 410, description = "reset.no_flow", body = ApiError),
        (status = 422, description = "password.policy_violation", body = ApiError),
        (status = 502, description = "password.*: the directory refused or is unreachable", body = ApiError)
    )
)]
async fn api_complete(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, false).await?;
        let r: CompleteRequest = json(&bytes)?;
        let password = r.new_password.map(Secret::new);
        app.service
            .complete(&r.flow, password.as_ref(), &caller)
            .await
    }
    .await;
    json_answer(result)
}

/// Checks an authenticator or recovery code: the `totp` factor.
#[utoipa::path(
    post,
    path = "/v1/password/totp",
    request_body = TotpRequest,
    responses(
        (status = 200, description = "the flow's factors", body = FlowAnswer),
        (status = 400, description = "reset.wrong_code (also a replayed code)", body = ApiError),
        (status = 403, description = "reset.too_many_tries", body = ApiError),
        (status = 404, description = "reset.disabled: no reset.totp_key", body = ApiError),
        (status = 410, description = "reset.no_flow", body = ApiError),
        (status = 429, description = "reset.throttled (Retry-After)", body = ApiError)
    )
)]
async fn api_totp(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, false).await?;
        let r: TotpRequest = json(&bytes)?;
        app.service.verify_totp(&r.flow, &r.code, &caller).await
    }
    .await;
    json_answer(result)
}

/// Sets up (or replaces) the user's authenticator app: signed by a device enrolled for the
/// user, with the current password. The secret and the recovery codes are shown once.
#[utoipa::path(
    post,
    path = "/v1/password/totp/enroll",
    request_body = TotpEnrolRequest,
    responses(
        (status = 201, description = "enrolled", body = deskside_server_core::totp::TotpEnrolment),
        (status = 401, description = "auth.*, reset.wrong_password", body = ApiError),
        (status = 403, description = "reset.not_allowed: not a device of this user", body = ApiError),
        (status = 404, description = "reset.disabled: no reset.totp_key", body = ApiError)
    )
)]
async fn api_totp_enrol(State(app): State<ResetApp>, req: Request) -> Response {
    let result = async {
        let (caller, bytes) = caller_and_body(&app, req, true).await?;
        let r: TotpEnrolRequest = json(&bytes)?;
        let password = Secret::new(r.password);
        app.service.enrol_totp(&r.user, &password, &caller).await
    }
    .await;
    match result {
        Ok(a) => {
            let mut r = (StatusCode::CREATED, axum::Json(a)).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => error_json(&e),
    }
}

// --- the web page ---

/// HTML-escapes text.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:32rem;margin:1rem auto;padding:0 1rem;line-height:1.5}\
label{display:block;margin-top:1rem;font-weight:600}\
input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1.1rem;padding:.5rem}\
button{margin-top:1rem;font-size:1.1rem;padding:.6rem 1.2rem}\
fieldset{border:0;padding:0;margin:1rem 0 0}\
.error{color:#a00;border:1px solid #a00;padding:.5rem}\
.hint{color:#444;font-size:.95rem}";

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn new_csrf() -> String {
    let mut b = [0_u8; 16];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn page(status: StatusCode, csrf: &str, title: &str, body: &str, secure: bool) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t} – Deskside</title><link rel=\"stylesheet\" href=\"/password/style.css\"></head>\
<body><main><h1>{t}</h1>\n{body}\n</main></body></html>\n",
        t = escape(title)
    );
    let cookie = format!(
        "{CSRF_COOKIE}={csrf}; Path=/password; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    r
}

fn secure(app: &ResetApp) -> bool {
    app.service
        .policy()
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

fn error_box(message: Option<&str>) -> String {
    message.map_or_else(String::new, |m| {
        format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            escape(m)
        )
    })
}

fn start_form(csrf: &str, error: Option<&str>) -> String {
    let described = if error.is_some() {
        " aria-describedby=\"error\" aria-invalid=\"true\""
    } else {
        ""
    };
    format!(
        "{err}<form method=\"post\" action=\"/password/start\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
<fieldset><legend>What happened?</legend>\
<label><input type=\"radio\" name=\"kind\" value=\"reset\" checked> I forgot my password</label>\
<label><input type=\"radio\" name=\"kind\" value=\"unlock\"> My account is locked (I know my password)</label></fieldset>\
<label for=\"user\">Your user name</label>\
<input type=\"text\" id=\"user\" name=\"user\" autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus{described}>\
<button type=\"submit\">Send me a code</button></form>",
        err = error_box(error),
    )
}

fn code_form(csrf: &str, flow: &str, error: Option<&str>) -> String {
    let described = if error.is_some() {
        " aria-describedby=\"error\" aria-invalid=\"true\""
    } else {
        ""
    };
    format!(
        "{err}<p>If this account can be reset here, a code is on its way to its recovery address. It works once, for 10 minutes.</p>\
<form method=\"post\" action=\"/password/code\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
<label for=\"code\">The code from the mail</label>\
<input type=\"text\" id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus{described}>\
<button type=\"submit\">Continue</button></form>",
        err = error_box(error),
        flow = escape(flow),
    )
}

fn final_form(csrf: &str, flow: &str, kind: FlowKind, error: Option<&str>) -> String {
    let described = if error.is_some() {
        " aria-describedby=\"error rules\" aria-invalid=\"true\""
    } else {
        " aria-describedby=\"rules\""
    };
    match kind {
        FlowKind::Reset => format!(
            "{err}<form method=\"post\" action=\"/password/complete\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
<label for=\"new\">New password</label>\
<input type=\"password\" id=\"new\" name=\"new_password\" autocomplete=\"new-password\" required autofocus{described}>\
<p class=\"hint\" id=\"rules\">Use a long passphrase of a few unrelated words. Your organisation's rules apply: minimum length, and not one of your recent passwords.</p>\
<label for=\"confirm\">New password again</label>\
<input type=\"password\" id=\"confirm\" name=\"confirm\" autocomplete=\"new-password\" required>\
<button type=\"submit\">Set the new password</button></form>",
            err = error_box(error),
            flow = escape(flow),
        ),
        FlowKind::Unlock => format!(
            "{err}<form method=\"post\" action=\"/password/complete\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
<p id=\"rules\">Your password stays as it is.</p>\
<button type=\"submit\" autofocus>Unlock my account</button></form>",
            err = error_box(error),
            flow = escape(flow),
        ),
    }
}

/// A form post: its fields, the caller, and whether its CSRF token matches the cookie.
struct Form {
    fields: std::collections::HashMap<String, String>,
    caller: Caller,
    csrf: String,
    csrf_ok: bool,
}

impl Form {
    fn get(&self, k: &str) -> &str {
        self.fields.get(k).map_or("", String::as_str)
    }
}

async fn read_form(app: &ResetApp, req: Request) -> Result<Form, ResetError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BYTES)
        .await
        .map_err(|_| ResetError::BadRequest("the form is too large".into()))?;
    let fields: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&bytes).into_owned().collect();
    let cookie = cookie_value(&parts.headers, CSRF_COOKIE).unwrap_or_default();
    let sent = fields.get("csrf").cloned().unwrap_or_default();
    let csrf_ok = cookie.len() == 32
        && sent.len() == 32
        && cookie
            .bytes()
            .zip(sent.bytes())
            .fold(0_u8, |a, (x, y)| a | (x ^ y))
            == 0;
    Ok(Form {
        caller: Caller {
            ip: source_ip(app, &parts),
            device: None,
        },
        csrf: if cookie.len() == 32 {
            cookie
        } else {
            new_csrf()
        },
        fields,
        csrf_ok,
    })
}

async fn page_start(State(app): State<ResetApp>, headers: HeaderMap) -> Response {
    let csrf = cookie_value(&headers, CSRF_COOKIE)
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(new_csrf);
    page(
        StatusCode::OK,
        &csrf,
        "Forgot your password or locked out?",
        &start_form(&csrf, None),
        secure(&app),
    )
}

const CSRF_FAILED: &str =
    "This form has expired or came from another site. Start again from this page.";

async fn form_start(State(app): State<ResetApp>, req: Request) -> Response {
    let s = secure(&app);
    let form = match read_form(&app, req).await {
        Ok(f) => f,
        Err(e) => return error_page(&new_csrf(), &e, s),
    };
    if !form.csrf_ok {
        return page(
            StatusCode::FORBIDDEN,
            &form.csrf,
            "Forgot your password or locked out?",
            &start_form(&form.csrf, Some(CSRF_FAILED)),
            s,
        );
    }
    let kind = if form.get("kind") == "unlock" {
        FlowKind::Unlock
    } else {
        FlowKind::Reset
    };
    match app
        .service
        .start(kind, form.get("user"), &form.caller)
        .await
    {
        Ok(a) => {
            app.wake.notify_one();
            page(
                StatusCode::OK,
                &form.csrf,
                "Enter the code",
                &code_form(&form.csrf, &a.flow, None),
                s,
            )
        }
        Err(e) => page(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            &form.csrf,
            "Forgot your password or locked out?",
            &start_form(&form.csrf, Some(&e.public_message())),
            s,
        ),
    }
}

async fn form_code(State(app): State<ResetApp>, req: Request) -> Response {
    let s = secure(&app);
    let form = match read_form(&app, req).await {
        Ok(f) => f,
        Err(e) => return error_page(&new_csrf(), &e, s),
    };
    let flow = form.get("flow").to_owned();
    if !form.csrf_ok {
        return page(
            StatusCode::FORBIDDEN,
            &form.csrf,
            "Enter the code",
            &code_form(&form.csrf, &flow, Some(CSRF_FAILED)),
            s,
        );
    }
    match app
        .service
        .verify_code(&flow, form.get("code"), &form.caller)
        .await
    {
        Ok(state) if state.ready => {
            let kind = app
                .service
                .state(&flow, &form.caller)
                .await
                .map_or(FlowKind::Reset, |(k, _)| k);
            let title = match kind {
                FlowKind::Reset => "Choose a new password",
                FlowKind::Unlock => "Unlock your account",
            };
            page(
                StatusCode::OK,
                &form.csrf,
                title,
                &final_form(&form.csrf, &flow, kind, None),
                s,
            )
        }
        Ok(state) => page(
            StatusCode::OK,
            &form.csrf,
            "One more proof needed",
            &totp_form(&form.csrf, &flow, state.factors_required, None),
            s,
        ),
        Err(e @ (ResetError::WrongCode | ResetError::Throttled { .. })) => page(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            &form.csrf,
            "Enter the code",
            &code_form(&form.csrf, &flow, Some(&e.public_message())),
            s,
        ),
        Err(e) => error_page(&form.csrf, &e, s),
    }
}

fn totp_form(csrf: &str, flow: &str, required: usize, error: Option<&str>) -> String {
    let described = if error.is_some() {
        " aria-describedby=\"error totp-hint\" aria-invalid=\"true\""
    } else {
        " aria-describedby=\"totp-hint\""
    };
    format!(
        "{err}<p>This organisation asks for {required} proofs.</p>\
<form method=\"post\" action=\"/password/totp\">\
<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
<label for=\"totp\">Code from your authenticator app, or a recovery code</label>\
<input type=\"text\" id=\"totp\" name=\"code\" autocomplete=\"one-time-code\" autocapitalize=\"none\" required autofocus{described}>\
<p class=\"hint\" id=\"totp-hint\">No authenticator app? Finish on your own computer: in Deskside choose \"Forgot your password?\", or run <code>desksidectl password reset</code>.</p>\
<button type=\"submit\">Continue</button></form>",
        err = error_box(error),
        flow = escape(flow),
    )
}

async fn form_totp(State(app): State<ResetApp>, req: Request) -> Response {
    let s = secure(&app);
    let form = match read_form(&app, req).await {
        Ok(f) => f,
        Err(e) => return error_page(&new_csrf(), &e, s),
    };
    let flow = form.get("flow").to_owned();
    let required = app.service.policy().factors_required;
    if !form.csrf_ok {
        return page(
            StatusCode::FORBIDDEN,
            &form.csrf,
            "One more proof needed",
            &totp_form(&form.csrf, &flow, required, Some(CSRF_FAILED)),
            s,
        );
    }
    match app
        .service
        .verify_totp(&flow, form.get("code"), &form.caller)
        .await
    {
        Ok(state) if state.ready => {
            let kind = app
                .service
                .state(&flow, &form.caller)
                .await
                .map_or(FlowKind::Reset, |(k, _)| k);
            let title = match kind {
                FlowKind::Reset => "Choose a new password",
                FlowKind::Unlock => "Unlock your account",
            };
            page(
                StatusCode::OK,
                &form.csrf,
                title,
                &final_form(&form.csrf, &flow, kind, None),
                s,
            )
        }
        Ok(_) => page(
            StatusCode::OK,
            &form.csrf,
            "One more proof needed",
            &totp_form(&form.csrf, &flow, required, None),
            s,
        ),
        Err(e @ (ResetError::WrongCode | ResetError::Throttled { .. } | ResetError::Disabled)) => {
            page(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
                &form.csrf,
                "One more proof needed",
                &totp_form(&form.csrf, &flow, required, Some(&e.public_message())),
                s,
            )
        }
        Err(e) => error_page(&form.csrf, &e, s),
    }
}

async fn form_complete(State(app): State<ResetApp>, req: Request) -> Response {
    let s = secure(&app);
    let form = match read_form(&app, req).await {
        Ok(f) => f,
        Err(e) => return error_page(&new_csrf(), &e, s),
    };
    let flow = form.get("flow").to_owned();
    let kind = match app.service.state(&flow, &form.caller).await {
        Ok((k, _)) => k,
        Err(e) => return error_page(&form.csrf, &e, s),
    };
    let title = match kind {
        FlowKind::Reset => "Choose a new password",
        FlowKind::Unlock => "Unlock your account",
    };
    let retry = |status: StatusCode, message: &str| {
        page(
            status,
            &form.csrf,
            title,
            &final_form(&form.csrf, &flow, kind, Some(message)),
            s,
        )
    };
    if !form.csrf_ok {
        return retry(StatusCode::FORBIDDEN, CSRF_FAILED);
    }
    let password = if kind == FlowKind::Reset {
        let new = Secret::new(form.get("new_password"));
        if new.expose() != form.get("confirm") {
            return retry(
                StatusCode::BAD_REQUEST,
                "The two new passwords do not match; type them again.",
            );
        }
        Some(new)
    } else {
        None
    };
    match app
        .service
        .complete(&flow, password.as_ref(), &form.caller)
        .await
    {
        Ok(done) => page(
            StatusCode::OK,
            &form.csrf,
            "Done",
            &format!("<p role=\"status\">{}</p>", escape(&done.message)),
            s,
        ),
        Err(e @ (ResetError::Directory(_) | ResetError::BadRequest(_))) => retry(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            &e.public_message(),
        ),
        Err(e) => error_page(&form.csrf, &e, s),
    }
}

fn error_page(csrf: &str, e: &ResetError, secure: bool) -> Response {
    page(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        csrf,
        "Something stopped this",
        &format!(
            "{}<p><a href=\"/password/\">Start again</a></p>",
            error_box(Some(&e.public_message()))
        ),
        secure,
    )
}
