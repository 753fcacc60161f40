//! One HTTP(S) request, no redirects followed, to an address we resolved ourselves.
//!
//! Connectivity and captive-portal detection need the *first* answer (a portal answers the
//! probe with a redirect or its own page), the `Date` header (clock check) and the failure
//! mode (refused, timed out, TLS). Resolution is done by [`crate::dns`] beforehand so a
//! broken resolver shows up as a DNS problem, not as a slow web request.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

/// At most this much of the body is kept (probe pages are tiny; portals are not).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// An HTTP request to make.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The URL (http or https).
    pub url: &'a str,
    /// The address to connect to (already resolved); `None` lets the URL host be used as-is
    /// (IP literals only).
    pub addr: Option<IpAddr>,
    /// Overall timeout (connect + answer + body).
    pub timeout: Duration,
    /// Send the request through this HTTP proxy (`http://host:port`) instead of directly.
    pub proxy: Option<&'a str>,
}

/// What the server answered.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `Location` header, for redirects.
    pub location: Option<String>,
    /// `Date` header as sent.
    pub date: Option<String>,
    /// `Date` parsed.
    #[serde(skip)]
    pub date_parsed: Option<SystemTime>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// The first [`MAX_BODY_BYTES`] of the body (lossy UTF-8).
    pub body: String,
    /// When the request was sent (for clock offset: the server's Date is from between
    /// `sent_at` and `sent_at + ms`).
    #[serde(skip)]
    pub sent_at: SystemTime,
}

/// How a request failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "failure", content = "detail", rename_all = "snake_case")]
pub enum Failure {
    /// The URL is not a valid http(s) URL.
    BadUrl(String),
    /// Nothing answered within the timeout.
    TimedOut,
    /// The connection was refused.
    Refused,
    /// TLS failed (certificate, handshake).
    Tls(String),
    /// Another transport error.
    Other(String),
}

impl Failure {
    /// Plain description for summaries.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::BadUrl(u) => format!("the address {u} is not a valid web address"),
            Self::TimedOut => "no answer in time".to_owned(),
            Self::Refused => "the connection was refused".to_owned(),
            Self::Tls(d) => format!("the secure connection failed ({d})"),
            Self::Other(d) => format!("the request failed ({d})"),
        }
    }
}

/// Outcome and timing of a request.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// The URL requested.
    pub url: String,
    /// The address connected to, if resolved beforehand.
    pub addr: Option<IpAddr>,
    /// The response, or how it failed.
    pub result: Result<Response, Failure>,
    /// Time taken, ms.
    pub ms: f64,
}

/// Perform `req`.
pub async fn get(req: &Request<'_>) -> Exchange {
    let started = Instant::now();
    let result = get_inner(req).await;
    Exchange {
        url: req.url.to_owned(),
        addr: req.addr,
        result,
        ms: crate::millis(started.elapsed()),
    }
}

async fn get_inner(req: &Request<'_>) -> Result<Response, Failure> {
    let url = url::Url::parse(req.url).map_err(|_| Failure::BadUrl(req.url.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Failure::BadUrl(req.url.to_owned()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Failure::BadUrl(req.url.to_owned()))?
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(req.timeout)
        .connect_timeout(req.timeout)
        .user_agent(concat!(
            "Deskside/",
            env!("CARGO_PKG_VERSION"),
            " connectivity-check"
        ));
    builder = match req.proxy {
        Some(p) => {
            builder.proxy(reqwest::Proxy::all(p).map_err(|e| Failure::BadUrl(format!("{p}: {e}")))?)
        }
        None => builder.no_proxy(),
    };
    if let Some(addr) = req.addr {
        builder = builder.resolve(&host, SocketAddr::new(addr, port));
    }
    let client = builder.build().map_err(|e| Failure::Other(e.to_string()))?;
    let sent_at = SystemTime::now();
    let mut resp = client.get(url).send().await.map_err(|e| classify(&e))?;
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let location = header(reqwest::header::LOCATION);
    let date = header(reqwest::header::DATE);
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    while body.len() < MAX_BODY_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(classify(&e)),
        }
    }
    body.truncate(MAX_BODY_BYTES);
    let date_parsed = date
        .as_deref()
        .and_then(|d| httpdate::parse_http_date(d).ok());
    Ok(Response {
        status,
        location,
        date,
        date_parsed,
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
        sent_at,
    })
}

fn classify(e: &reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::TimedOut;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut chain = Vec::new();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Failure::Refused,
                std::io::ErrorKind::TimedOut => return Failure::TimedOut,
                _ => {}
            }
        }
        chain.push(s.to_string());
        source = s.source();
    }
    let text = chain.join(": ");
    if text.contains("certificate") || text.contains("tls") || text.contains("TLS") {
        Failure::Tls(text)
    } else {
        Failure::Other(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn serve_once(reply: &'static str) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0_u8; 2048];
            let _ = s.read(&mut buf).await;
            s.write_all(reply.as_bytes()).await.unwrap();
        });
        addr
    }

    #[tokio::test]
    async fn reads_status_date_and_location_without_following() {
        let addr = serve_once(
            "HTTP/1.1 302 Found\r\nLocation: http://portal.lab.test/login\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await;
        let url = format!("http://probe.lab.test:{}/generate_204", addr.port());
        let ex = get(&Request {
            url: &url,
            addr: Some(addr.ip()),
            timeout: Duration::from_secs(2),
            proxy: None,
        })
        .await;
        let r = ex.result.unwrap();
        assert_eq!(r.status, 302);
        assert_eq!(r.location.as_deref(), Some("http://portal.lab.test/login"));
        assert!(r.date_parsed.is_some());
    }

    #[tokio::test]
    async fn refused_and_timeout_are_classified() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let url = format!("http://127.0.0.1:{port}/");
        let ex = get(&Request {
            url: &url,
            addr: None,
            timeout: Duration::from_secs(2),
            proxy: None,
        })
        .await;
        assert_eq!(ex.result.unwrap_err(), Failure::Refused);

        // Accepts but never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (_s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let url = format!("http://127.0.0.1:{port}/");
        let ex = get(&Request {
            url: &url,
            addr: None,
            timeout: Duration::from_millis(300),
            proxy: None,
        })
        .await;
        assert_eq!(ex.result.unwrap_err(), Failure::TimedOut);
    }

    #[tokio::test]
    async fn body_is_capped() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0_u8; 2048];
            let _ = s.read(&mut buf).await;
            s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            let _ = s.write_all(&vec![b'x'; 1024 * 1024]).await;
        });
        let url = format!("http://127.0.0.1:{port}/");
        let ex = get(&Request {
            url: &url,
            addr: None,
            timeout: Duration::from_secs(3),
            proxy: None,
        })
        .await;
        assert_eq!(ex.result.unwrap().body.len(), MAX_BODY_BYTES);
    }

    #[tokio::test]
    async fn non_http_url_is_rejected() {
        let ex = get(&Request {
            url: "ftp://x/",
            addr: None,
            timeout: Duration::from_secs(1),
            proxy: None,
        })
        .await;
        assert!(matches!(ex.result, Err(Failure::BadUrl(_))));
    }
}
