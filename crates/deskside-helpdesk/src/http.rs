//! The HTTP side shared by every REST connector: one client with timeouts and no redirects
//! (a redirected POST could be replayed or lose its body), and the classification of every
//! outcome into "delivered", "retry later (and maybe it was created)" or "refused", including
//! `429`/`503` `Retry-After`.

use std::time::{Duration, SystemTime};

use reqwest::{RequestBuilder, StatusCode, header::HeaderMap};
use serde_json::Value;
use url::Url;

use crate::{HelpdeskError, SendError};

/// Longest `Retry-After` honoured; a helpdesk asking for more is treated as down for an hour.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// An answer with a 2xx status.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub(crate) fn json(&self, what: &str) -> Result<Value, SendError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            // A 2xx whose body we cannot read may still mean the ticket exists.
            SendError::transient(
                format!("{what}: the helpdesk's answer is not JSON ({e})"),
                true,
            )
        })
    }
}

/// A client bound to a helpdesk base URL.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    base: Url,
}

impl Http {
    /// A client for `base` with `timeout` per request.
    pub(crate) fn new(base: &Url, timeout: Duration) -> Result<Self, HelpdeskError> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Deskside/", env!("CARGO_PKG_VERSION")));
        // A helpdesk on this machine never goes through a proxy from the environment.
        if is_loopback(base) {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| HelpdeskError::Client(e.to_string()))?;
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(Self { client, base })
    }

    /// `path` relative to the base URL (which always ends with `/`).
    pub(crate) fn url(&self, path: &str) -> Result<Url, SendError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| SendError::permanent(format!("cannot build the URL for {path}: {e}")))
    }

    /// The web address of `path` (a ticket's page) for [`crate::Remote::url`]; `None` if it
    /// cannot be built, since a missing link must not fail a sent ticket.
    pub(crate) fn page(&self, path: &str) -> Option<String> {
        self.url(path).ok().map(String::from)
    }

    /// Sends and classifies. `what` names the step for messages ("creating the RT ticket").
    pub(crate) async fn send(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<Answer, SendError> {
        let (status, answer) = self.send_raw(request, what).await?;
        if status.is_success() {
            return Ok(answer);
        }
        Err(classify_status(status, &answer.headers, &answer.body, what))
    }

    /// Sends; any HTTP answer is returned with its status, only transport failures are errors
    /// (for callers that branch on a status, such as Redmine's 412 for an unknown user).
    pub(crate) async fn send_raw(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<(StatusCode, Answer), SendError> {
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Err(classify_transport(&e, what)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Err(SendError::transient(
                    format!("{what}: the connection broke while reading the answer ({e})"),
                    true,
                ));
            }
        };
        Ok((status, Answer { headers, body }))
    }

    /// The base URL, for messages.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// Sends and reads a JSON answer.
    pub(crate) async fn json(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<Value, SendError> {
        self.send(request, what).await?.json(what)
    }
}

/// Whether the URL's host is this machine.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

pub(crate) fn classify_transport(e: &reqwest::Error, what: &str) -> SendError {
    // Strip the URL from the message: it may carry a query with the key, never a secret, but
    // the message is for people and the URL adds nothing.
    let text = e.without_url_ref();
    if e.is_connect() {
        return SendError::unreachable(
            format!("{what}: cannot connect to the helpdesk ({text}); it will be retried"),
            false,
        );
    }
    if e.is_builder() {
        return SendError::permanent(format!("{what}: the request could not be built ({text})"));
    }
    let kind = if e.is_timeout() {
        "the helpdesk did not answer in time"
    } else {
        "the connection failed"
    };
    // The request may have been received and processed: the outbox searches before resending.
    SendError::unreachable(format!("{what}: {kind} ({text}); it will be retried"), true)
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(&format!(" for url ({url})"), "");
        }
        let mut source = std::error::Error::source(self);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }
}

pub(crate) fn classify_status(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    what: &str,
) -> SendError {
    let excerpt = excerpt(body);
    let code = status.as_u16();
    match code {
        429 => SendError::Transient {
            reason: format!("{what}: the helpdesk is rate limiting (HTTP 429); it will be retried"),
            maybe_created: false,
            retry_after: retry_after(headers),
            in_flight: false,
            unreachable: false,
        },
        408 | 500..=599 => SendError::Transient {
            reason: format!(
                "{what}: the helpdesk failed (HTTP {code}){excerpt}; it will be retried"
            ),
            maybe_created: true,
            retry_after: retry_after(headers),
            in_flight: false,
            unreachable: false,
        },
        401 | 403 => SendError::permanent(format!(
            "{what}: the helpdesk refused the credentials (HTTP {code}){excerpt}; check the [helpdesk] token, user or api_key"
        )),
        404 => SendError::permanent(format!(
            "{what}: the helpdesk has no such page (HTTP 404){excerpt}; check helpdesk.url and the queue, project or desk ids"
        )),
        _ => SendError::permanent(format!(
            "{what}: the helpdesk refused the ticket (HTTP {code}){excerpt}"
        )),
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()))
}

/// Parses `Retry-After`: delay seconds or an HTTP date; capped at one hour.
#[must_use]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// A short, redacted excerpt of an error body for messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut short: String = text.chars().take(200).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    let short = deskside_evidence::Redactor::new(false).text(&short.replace(['\r', '\n'], " "));
    format!(": {short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(120));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(120))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(120));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("99999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_are_classified() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        let e = classify_status(StatusCode::TOO_MANY_REQUESTS, &h, b"", "x");
        assert_eq!(
            e,
            SendError::Transient {
                reason: "x: the helpdesk is rate limiting (HTTP 429); it will be retried".into(),
                maybe_created: false,
                retry_after: Some(Duration::from_secs(3)),
                in_flight: false,
                unreachable: false,
            }
        );
        let e = classify_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            &HeaderMap::new(),
            b"boom",
            "x",
        );
        assert!(e.maybe_created());
        let e = classify_status(StatusCode::UNAUTHORIZED, &HeaderMap::new(), b"", "x");
        assert!(matches!(e, SendError::Permanent { .. }));
        let e = classify_status(
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            b"bad field token=abc123secret",
            "x",
        );
        assert!(!e.to_string().contains("abc123secret"), "{e}");
    }

    #[test]
    fn loopback_hosts() {
        for (u, yes) in [
            ("http://127.0.0.1:8080/", true),
            ("http://[::1]/", true),
            ("http://localhost/", true),
            ("https://rt.corp.example/", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(u).unwrap()), yes, "{u}");
        }
    }
}
