//! End-to-end tests of the Deskside tray app through its real window.
//!
//! This crate owns the WebDriver side of those tests: a minimal W3C WebDriver client
//! ([`Session`]) that talks to `tauri-driver`, the scenario binary `deskside-e2e` that drives
//! the app's screens by their `data-testid`s, the `run-in-lab.sh` wrapper that runs it inside a
//! network-lab client namespace, and the host-side tests (`tests/window.rs`) that start Xvfb,
//! build a lab, inject a fault and check the window shows the right root cause.
//!
//! Why a hand-written client rather than `fantoccini`: the tests need nine endpoints (new
//! session, find, click, attribute, text, execute, screenshot, source, delete), which is ~250
//! lines over the workspace's `reqwest`; `fantoccini` would add its own hyper/TLS/cookie stack to
//! a build shared by two cores, and hide the one safety rule this crate enforces — WebDriver
//! traffic goes to a loopback address only, never through a proxy ([`Session::start`]).

use std::future::Future;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::{Method, Url};
use serde_json::{Value, json};

/// The W3C key under which an element reference travels in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Time limit of one ordinary WebDriver request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors of the WebDriver client and of waits.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server URL is not plain HTTP to a loopback address.
    #[error(
        "WebDriver URL {0} is not http:// on a loopback address (e2e traffic stays on loopback)"
    )]
    NotLoopback(String),
    /// The HTTP exchange itself failed (connection refused, timeout, unreadable body).
    #[error("WebDriver {what}: HTTP request failed: {}", chain(source))]
    Http {
        /// The command that was sent.
        what: String,
        /// What `reqwest` reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a WebDriver error (`no such element`, `stale element
    /// reference`, `session not created`, …).
    #[error("WebDriver {what}: {error}: {message}")]
    WebDriver {
        /// The command that was sent.
        what: String,
        /// The W3C error code.
        error: String,
        /// The server's message.
        message: String,
    },
    /// The answer was not the JSON the protocol promises.
    #[error("WebDriver {what}: unexpected answer: {detail}")]
    Protocol {
        /// The command that was sent.
        what: String,
        /// What was wrong with it.
        detail: String,
    },
    /// A wait ran out of time.
    #[error("timed out after {after:.1?} waiting for {what}{last}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// The time limit.
        after: Duration,
        /// The last transient error or observation, as `" (last: …)"`, or empty.
        last: String,
    },
    /// Writing an artifact (screenshot, page source) failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// True for errors a wait should retry: the element is not there yet, or it was replaced
    /// by a re-render between finding it and reading it.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::WebDriver { error, .. }
            if error == "no such element" || error == "stale element reference")
    }
}

/// Result of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// CSS selector for the element with `data-testid="id"`.
pub fn testid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// A reference to an element of the current page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
    /// The selector it was found by, for error messages.
    selector: String,
}

impl Element {
    /// The selector this element was found by.
    pub fn selector(&self) -> &str {
        &self.selector
    }
}

/// One WebDriver session: the app launched by `tauri-driver`, closed by [`Session::delete`].
#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    base: Url,
    id: String,
}

impl Session {
    /// Open a session on the WebDriver server at `server` (e.g. `http://127.0.0.1:4444`) with
    /// W3C `capabilities` (the `alwaysMatch` object). The server must be on a loopback
    /// address; no proxy is ever used. `startup` bounds the request, which lasts until the
    /// application has started and its webview accepts automation.
    pub async fn start(server: &str, capabilities: Value, startup: Duration) -> Result<Self> {
        let what = "new session";
        let server = loopback_url(server)?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|source| Error::Http {
                what: "client setup".to_owned(),
                source,
            })?;
        let url = join(&server, "session", what)?;
        let body = json!({ "capabilities": { "alwaysMatch": capabilities } });
        let value = send(&http, Method::POST, url, Some(&body), startup, what).await?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Protocol {
                what: what.to_owned(),
                detail: format!("no sessionId in {value}"),
            })?
            .to_owned();
        let base = join(&server, &format!("session/{id}"), what)?;
        Ok(Self { http, base, id })
    }

    /// The session ID the server assigned.
    pub fn id(&self) -> &str {
        &self.id
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let what = if path.is_empty() {
            format!("{method} session")
        } else {
            format!("{method} {path}")
        };
        let url = if path.is_empty() {
            self.base.clone()
        } else {
            join(&self.base, &format!("session/{}/{path}", self.id), &what)?
        };
        send(
            &self.http,
            method,
            url,
            body.as_ref(),
            REQUEST_TIMEOUT,
            &what,
        )
        .await
    }

    /// The first element matching CSS `selector`, or `None` when there is none.
    pub async fn find(&self, selector: &str) -> Result<Option<Element>> {
        let body = json!({ "using": "css selector", "value": selector });
        match self.call(Method::POST, "element", Some(body)).await {
            Ok(value) => Ok(Some(element(&value, selector)?)),
            Err(Error::WebDriver { error, .. }) if error == "no such element" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every element matching CSS `selector`, in document order.
    pub async fn find_all(&self, selector: &str) -> Result<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": selector });
        let value = self.call(Method::POST, "elements", Some(body)).await?;
        let list = value.as_array().ok_or_else(|| Error::Protocol {
            what: format!("find elements {selector}"),
            detail: format!("expected an array, got {value}"),
        })?;
        list.iter().map(|v| element(v, selector)).collect()
    }

    /// Click `element` (scrolled into view by the driver).
    pub async fn click(&self, element: &Element) -> Result<()> {
        self.call(
            Method::POST,
            &format!("element/{}/click", element.id),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    /// Value of attribute `name` of `element`, `None` when it has no such attribute.
    pub async fn attribute(&self, element: &Element, name: &str) -> Result<Option<String>> {
        let value = self
            .call(
                Method::GET,
                &format!("element/{}/attribute/{name}", element.id),
                None,
            )
            .await?;
        Ok(match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        })
    }

    /// Rendered text of `element`.
    pub async fn text(&self, element: &Element) -> Result<String> {
        let value = self
            .call(Method::GET, &format!("element/{}/text", element.id), None)
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Run `script` (a function body; `arguments[i]` are `args`) in the page and return its
    /// result. Scripts read the page atomically, which plain element commands cannot.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            Method::POST,
            "execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Run `script` as an asynchronous function body: it finishes by calling the callback
    /// passed as its last argument (`arguments[arguments.length - 1]`), whose argument is the
    /// result.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.call(
            Method::POST,
            "execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// PNG screenshot of the window's viewport.
    pub async fn screenshot_png(&self) -> Result<Vec<u8>> {
        let value = self.call(Method::GET, "screenshot", None).await?;
        let data = value.as_str().ok_or_else(|| Error::Protocol {
            what: "screenshot".to_owned(),
            detail: "expected a base64 string".to_owned(),
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| Error::Protocol {
                what: "screenshot".to_owned(),
                detail: format!("bad base64: {e}"),
            })
    }

    /// Write a PNG screenshot of the window's viewport to `path`.
    pub async fn save_screenshot(&self, path: &Path) -> Result<()> {
        let png = self.screenshot_png().await?;
        write_file(path, &png)
    }

    /// The page's current HTML (for failure reports).
    pub async fn page_source(&self) -> Result<String> {
        let value = self.call(Method::GET, "source", None).await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// End the session: the driver closes the application.
    pub async fn delete(self) -> Result<()> {
        self.call(Method::DELETE, "", None).await.map(drop)
    }
}

/// Write `bytes` to `path`, creating its directory.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, bytes).map_err(io)
}

/// Poll `probe` every `every` until it returns `Ok(Some(value))`, for at most `timeout`.
///
/// Transient WebDriver errors ([`Error::is_transient`]: element missing or replaced by a
/// re-render) are retried; any other error ends the wait. `what` names the awaited state in the
/// timeout error, which also carries the last transient error.
pub async fn wait_until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    every: Duration,
    mut probe: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        match probe().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) if e.is_transient() => last = format!(" (last: {e})"),
            Err(e) => return Err(e),
        }
        if Instant::now() >= deadline {
            return Err(Error::Timeout {
                what: what.to_owned(),
                after: timeout,
                last,
            });
        }
        tokio::time::sleep(every).await;
    }
}

/// `error` with its causes, `: `-separated (reqwest's own message omits them).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parse `server` and insist on `http://` to a loopback address.
fn loopback_url(server: &str) -> Result<Url> {
    let bad = || Error::NotLoopback(server.to_owned());
    let mut url = Url::parse(server).map_err(|_| bad())?;
    let loopback = match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    if url.scheme() != "http" || !loopback {
        return Err(bad());
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn join(base: &Url, path: &str, what: &str) -> Result<Url> {
    // Session paths are absolute under the server root, whatever `base` points at.
    base.join(&format!("/{path}")).map_err(|e| Error::Protocol {
        what: what.to_owned(),
        detail: format!("bad URL for {path}: {e}"),
    })
}

/// Send one command and unwrap the W3C `{"value": …}` envelope, turning error answers into
/// [`Error::WebDriver`].
async fn send(
    http: &reqwest::Client,
    method: Method,
    url: Url,
    body: Option<&Value>,
    timeout: Duration,
    what: &str,
) -> Result<Value> {
    let http_error = |source| Error::Http {
        what: what.to_owned(),
        source,
    };
    let mut request = http.request(method, url).timeout(timeout);
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.map_err(http_error)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(http_error)?;
    let mut json: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Protocol {
        what: what.to_owned(),
        detail: format!(
            "HTTP {status}, body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(300)
                .collect::<String>()
        ),
    })?;
    let value = json
        .get_mut("value")
        .map(Value::take)
        .unwrap_or(Value::Null);
    let error = value.get("error").and_then(Value::as_str);
    if !status.is_success() || error.is_some() {
        return Err(Error::WebDriver {
            what: what.to_owned(),
            error: error.unwrap_or("unknown error").to_owned(),
            message: value
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| format!("HTTP {status}"), str::to_owned),
        });
    }
    Ok(value)
}

fn element(value: &Value, selector: &str) -> Result<Element> {
    value
        .get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|id| Element {
            id: id.to_owned(),
            selector: selector.to_owned(),
        })
        .ok_or_else(|| Error::Protocol {
            what: format!("find {selector}"),
            detail: format!("no element reference in {value}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_is_accepted() {
        for ok in [
            "http://127.0.0.1:4444",
            "http://localhost:4444/",
            "http://[::1]:4444",
            "http://127.0.0.2:1",
        ] {
            assert!(loopback_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://198.51.100.1:4444",
            "https://127.0.0.1:4444",
            "http://example.com:4444",
            "127.0.0.1:4444",
        ] {
            assert!(
                matches!(loopback_url(bad), Err(Error::NotLoopback(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn session_paths_are_rooted_at_the_server() {
        let server = loopback_url("http://127.0.0.1:4444/wd/hub").unwrap();
        let url = join(&server, "session/abc/element", "t").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:4444/session/abc/element");
    }

    #[test]
    fn testid_selector_quotes_the_id() {
        assert_eq!(testid("check-net.dns"), "[data-testid=\"check-net.dns\"]");
    }

    #[test]
    fn missing_and_stale_elements_are_transient() {
        let err = |error: &str| Error::WebDriver {
            what: "t".into(),
            error: error.into(),
            message: String::new(),
        };
        assert!(err("no such element").is_transient());
        assert!(err("stale element reference").is_transient());
        assert!(!err("invalid session id").is_transient());
    }

    #[tokio::test]
    async fn wait_until_times_out_with_the_last_transient_error() {
        let result: Result<()> = wait_until(
            "never",
            Duration::from_millis(30),
            Duration::from_millis(5),
            || async {
                Err(Error::WebDriver {
                    what: "find".into(),
                    error: "no such element".into(),
                    message: "gone".into(),
                })
            },
        )
        .await;
        let text = result.unwrap_err().to_string();
        assert!(text.contains("waiting for never"), "{text}");
        assert!(text.contains("no such element"), "{text}");
    }
}
