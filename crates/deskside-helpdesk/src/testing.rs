//! Test support (feature `testing`): a loopback HTTP listener that records every request and
//! answers from a script, a stateful fake Request Tracker with fault injection (500 after
//! creating, 429 with `Retry-After`, slow answers, down), and a minimal SMTP sink. Everything
//! binds to 127.0.0.1 on a free port; nothing leaves the machine.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (chunked encoding undone).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first header named `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    #[must_use]
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// Decoded query parameters, in order.
    #[must_use]
    pub fn query(&self) -> Vec<(String, String)> {
        let q = self.target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The body as JSON (`Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Close the connection without any answer (after reading the request).
    pub hang_up: bool,
}

impl Reply {
    /// A JSON answer.
    #[must_use]
    pub fn json(status: u16, body: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// An empty answer with a status.
    #[must_use]
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Answers after `delay`.
    #[must_use]
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// A loopback HTTP server.
#[derive(Clone)]
pub struct Server {
    addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: Arc<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if Arc::strong_count(&self.task) == 1 {
            self.task.abort();
        }
    }
}

impl Server {
    /// Starts a server on 127.0.0.1 answering with `handler`.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let _ = serve(stream, handler, recorded).await;
                });
            }
        });
        Ok(Self {
            addr,
            requests,
            task: Arc::new(task),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request so far.
    #[must_use]
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).await? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            chunk.truncate(n);
            body.extend(chunk);
        }
    } else if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; len];
        reader.read_exact(&mut body).await?;
    }
    let request = Recorded {
        method,
        target,
        headers,
        body,
    };
    let reply = handler(&request);
    recorded
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut stream = reader.into_inner();
    if reply.hang_up {
        return stream.shutdown().await;
    }
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&reply.body).await?;
    stream.shutdown().await
}

/// Faults a [`FakeRt`] injects, each consumed as it fires.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Create the ticket, then answer 500 — this many times.
    pub fail_after_create: u32,
    /// Answer 429 with `Retry-After: retry_after_s` to creates — this many times.
    pub rate_limit: u32,
    /// The `Retry-After` value, seconds.
    pub retry_after_s: u64,
    /// Answer 503 without creating — this many times.
    pub unavailable: u32,
    /// Delay every answer by this much.
    pub delay: Duration,
}

/// A ticket the fake RT holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTicket {
    /// Ticket number.
    pub id: u64,
    /// The create request body.
    pub body: Value,
}

/// A stateful fake Request Tracker REST2: creates tickets, searches them by custom field,
/// reports status; with [`Faults`].
#[derive(Debug, Clone, Default)]
pub struct FakeRt {
    state: Arc<Mutex<(Vec<FakeTicket>, Faults)>>,
}

impl FakeRt {
    /// An empty fake.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the faults.
    pub fn set_faults(&self, faults: Faults) {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = faults;
    }

    /// Tickets created so far.
    #[must_use]
    pub fn tickets(&self) -> Vec<FakeTicket> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
            .clone()
    }

    /// Tickets per idempotency key (custom field `Deskside Key`).
    #[must_use]
    pub fn count_by_key(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for t in self.tickets() {
            let key = t
                .body
                .pointer("/CustomFields/Deskside Key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            *out.entry(key).or_insert(0) += 1;
        }
        out
    }

    /// Starts serving.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn serve(&self) -> std::io::Result<Server> {
        let me = self.clone();
        Server::start(move |r| me.answer(r)).await
    }

    fn answer(&self, r: &Recorded) -> Reply {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tickets, faults) = &mut *guard;
        let delay = faults.delay;
        let reply = if r
            .header("authorization")
            .is_none_or(|a| !a.starts_with("token "))
        {
            Reply::json(401, &json!({"message": "Unauthorized"}))
        } else if r.method == "POST" && r.path().ends_with("/REST/2.0/ticket") {
            if faults.rate_limit > 0 {
                faults.rate_limit -= 1;
                Reply::json(429, &json!({"message": "slow down"}))
                    .with_header("retry-after", &faults.retry_after_s.to_string())
            } else if faults.unavailable > 0 {
                faults.unavailable -= 1;
                Reply::status(503)
            } else {
                let id = tickets.len() as u64 + 1;
                tickets.push(FakeTicket { id, body: r.json() });
                if faults.fail_after_create > 0 {
                    faults.fail_after_create -= 1;
                    Reply::json(500, &json!({"message": "internal error"}))
                } else {
                    Reply::json(
                        201,
                        &json!({"id": id.to_string(), "type": "ticket", "_url": format!("/REST/2.0/ticket/{id}")}),
                    )
                }
            }
        } else if r.method == "GET" && r.path().ends_with("/REST/2.0/tickets") {
            let query = r
                .query()
                .into_iter()
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v)
                .unwrap_or_default();
            let items: Vec<Value> = tickets
                .iter()
                .filter(|t| {
                    t.body
                        .pointer("/CustomFields/Deskside Key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| query.contains(&format!("'{k}'")))
                })
                .map(|t| json!({"id": t.id.to_string(), "type": "ticket"}))
                .collect();
            Reply::json(
                200,
                &json!({"count": items.len(), "items": items, "total": items.len()}),
            )
        } else if r.method == "GET" && r.path().contains("/REST/2.0/ticket/") {
            let id: u64 = r
                .path()
                .rsplit('/')
                .find_map(|s| s.parse().ok())
                .unwrap_or(0);
            if r.path().ends_with("/history") {
                Reply::json(
                    200,
                    &json!({"items": [{"id": "90", "Type": "Create"}, {"id": "91", "Type": "Correspond", "Created": "2026-01-02T03:04:05Z"}]}),
                )
            } else if tickets.iter().any(|t| t.id == id) {
                Reply::json(200, &json!({"id": id, "Status": "open"}))
            } else {
                Reply::json(404, &json!({"message": "Resource does not exist"}))
            }
        } else if r.method == "GET" && r.path().contains("/REST/2.0/transaction/") {
            use base64::Engine as _;
            let content = base64::engine::general_purpose::STANDARD.encode("We are on it.");
            Reply::json(
                200,
                &json!({"items": [{"ContentType": "text/plain", "Content": content}]}),
            )
        } else {
            Reply::json(404, &json!({"message": "no such endpoint"}))
        };
        reply.after(delay)
    }
}

/// A minimal SMTP sink on 127.0.0.1: accepts every message and keeps its DATA.
#[derive(Debug, Clone)]
pub struct SmtpSink {
    port: u16,
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl SmtpSink {
    /// Starts the sink.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&messages);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = Arc::clone(&store);
                tokio::spawn(async move {
                    let _ = smtp_session(stream, store).await;
                });
            }
        });
        Ok(Self { port, messages })
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Messages received (raw DATA, dot-unstuffed).
    #[must_use]
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.messages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Vec<u8>>>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(b"220 sink ESMTP\r\n").await?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if cmd.starts_with("EHLO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if cmd.starts_with("DATA") {
            reader.get_mut().write_all(b"354 go ahead\r\n").await?;
            let mut data = Vec::new();
            loop {
                let mut l = Vec::new();
                if reader.read_until(b'\n', &mut l).await? == 0 {
                    return Ok(());
                }
                if l == b".\r\n" {
                    break;
                }
                let l = if l.starts_with(b"..") {
                    &l[1..]
                } else {
                    &l[..]
                };
                data.extend_from_slice(l);
            }
            store
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(data);
            b"250 queued\r\n"
        } else if cmd.starts_with("QUIT") {
            reader.get_mut().write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 ok\r\n"
        };
        reader.get_mut().write_all(answer).await?;
    }
}
