//! A fault-injecting, recording HTTP/1.1 reverse proxy on loopback, put between the connector
//! and a real server to make it misbehave in the ways real helpdesks do: answer 500 after the
//! ticket was created, answer 429 with `Retry-After`, stall, or drop the connection after the
//! request went through. Every exchange is recorded (request, server answer, what the client
//! got, times) so tests can count attempts, measure gaps between them and check every answer
//! (for the JSM contract: 2xx and no `sl-violations`).
//!
//! Deliberately small: one request per client connection (`Connection: close` both ways), bodies
//! read completely (Content-Length or chunked) and forwarded with a Content-Length. It runs on
//! its own tokio runtime so the tests themselves stay synchronous.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::Netns;

/// Longest request or response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Longest body accepted (a ticket with a few MB of evidence fits).
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a forwarded exchange may take before the proxy gives up on the server.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(120);

/// What the proxy does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Forward to the server, then answer this status instead of the server's answer: a server
    /// that created the ticket yet reports an error.
    StatusAfterForward(u16),
    /// Answer `429 Too Many Requests` with `Retry-After: N` (seconds) without forwarding.
    TooManyRequests {
        /// The `Retry-After` value, in seconds.
        retry_after_s: u64,
    },
    /// Forward, then hold the server's answer back this long (the client may give up first).
    DelayResponse(Duration),
    /// Hold the request this long before forwarding it.
    DelayRequest(Duration),
    /// Forward, then close the connection without answering.
    DropAfterForward,
}

/// Which requests a fault applies to, and how many times.
#[derive(Debug, Clone)]
pub struct Rule {
    method: Option<String>,
    path: Option<String>,
    fault: Fault,
    remaining: Option<usize>,
}

impl Rule {
    /// A rule applying `fault` once, to any request (narrow it with [`Rule::on`]).
    #[must_use]
    pub const fn new(fault: Fault) -> Self {
        Self {
            method: None,
            path: None,
            fault,
            remaining: Some(1),
        }
    }

    /// Only requests with this method and exactly this path (query string ignored).
    #[must_use]
    pub fn on(mut self, method: &str, path: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.path = Some(path.to_owned());
        self
    }

    /// Applies `n` times (then the rule is spent).
    #[must_use]
    pub const fn times(mut self, n: usize) -> Self {
        self.remaining = Some(n);
        self
    }

    /// Applies to every matching request until removed.
    #[must_use]
    pub const fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.remaining != Some(0)
            && self.method.as_deref().is_none_or(|m| m == method)
            && self.path.as_deref().is_none_or(|p| p == path)
    }
}

/// One request through the proxy and what became of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// When the request head had arrived.
    pub started: Instant,
    /// When the proxy was done with it (answered, dropped or failed).
    pub finished: Instant,
    /// Request method.
    pub method: String,
    /// Request target: path and query.
    pub target: String,
    /// Request headers as received.
    pub request_headers: Vec<(String, String)>,
    /// Request body (de-chunked).
    pub request_body: Vec<u8>,
    /// The fault applied, if any.
    pub fault: Option<Fault>,
    /// Whether the request reached the server.
    pub forwarded: bool,
    /// The server's status, when it answered.
    pub upstream_status: Option<u16>,
    /// The server's answer headers.
    pub upstream_headers: Vec<(String, String)>,
    /// The server's answer body.
    pub upstream_body: Vec<u8>,
    /// The status the client was sent; `None` when the connection was dropped.
    pub status: Option<u16>,
}

impl Exchange {
    /// The path without the query string.
    #[must_use]
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// A request header (case-insensitive name).
    #[must_use]
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request_headers, name)
    }

    /// A header of the server's answer (case-insensitive name).
    #[must_use]
    pub fn upstream_header(&self, name: &str) -> Option<&str> {
        find_header(&self.upstream_headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[derive(Debug)]
struct Shared {
    upstream: Mutex<SocketAddr>,
    rules: Mutex<Vec<Rule>>,
    log: Mutex<Vec<Exchange>>,
    in_flight: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one connection task must not hide the others' records.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    /// Listens on a free 127.0.0.1 port and forwards to `upstream`.
    ///
    /// # Errors
    /// When the runtime or the listener cannot be created.
    pub fn start(upstream: SocketAddr) -> io::Result<Self> {
        Self::start_in(upstream, None)
    }

    /// Like [`FaultProxy::start`], but listening on 127.0.0.1 inside `netns` (the client's
    /// namespace) while forwarding to `upstream` on the host's loopback.
    ///
    /// # Errors
    /// When the runtime or the listener cannot be created.
    pub fn start_in(upstream: SocketAddr, netns: Option<&Netns>) -> io::Result<Self> {
        let runtime = runtime("fault-proxy")?;
        let std_listener = loopback_listener(netns)?;
        let addr = std_listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            rules: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
        });
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let accept_shared = Arc::clone(&shared);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = Arc::clone(&accept_shared);
                tokio::spawn(async move {
                    let _ = handle(&shared, client).await;
                });
            }
        });
        Ok(Self {
            addr,
            shared,
            runtime: Some(runtime),
        })
    }

    /// The proxy's address.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/`, for the connector's `url`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Points the proxy at another server.
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = upstream;
    }

    /// Adds a rule; rules are tried in the order added, the first live match applies.
    pub fn add(&self, rule: Rule) {
        lock(&self.shared.rules).push(rule);
    }

    /// Removes every rule.
    pub fn clear_rules(&self) {
        lock(&self.shared.rules).clear();
    }

    /// Every exchange finished so far, in the order they finished.
    ///
    /// A client can read the whole answer a moment before the proxy records the exchange, so
    /// this first waits (up to a second) for requests still in flight to be recorded; answers
    /// a test deliberately holds back stay out of the list.
    #[must_use]
    pub fn exchanges(&self) -> Vec<Exchange> {
        let _ = self.wait_idle(Duration::from_secs(1));
        lock(&self.shared.log).clone()
    }

    /// Finished exchanges with this method and path.
    #[must_use]
    pub fn exchanges_to(&self, method: &str, path: &str) -> Vec<Exchange> {
        let mut list: Vec<Exchange> = self
            .exchanges()
            .into_iter()
            .filter(|e| e.method.eq_ignore_ascii_case(method) && e.path() == path)
            .collect();
        list.sort_by_key(|e| e.started);
        list
    }

    /// Requests received but not yet answered, dropped or failed.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until no request is in flight (held-back answers included), at most `limit`;
    /// returns whether it became idle. Exchanges are recorded when they finish.
    pub fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while self.in_flight() > 0 {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Forgets the recorded exchanges.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn runtime(name: &str) -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
}

/// A non-blocking listener on a free 127.0.0.1 port, in `netns` or in ours.
fn loopback_listener(netns: Option<&Netns>) -> io::Result<std::net::TcpListener> {
    let bind = || {
        let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        l.set_nonblocking(true)?;
        Ok(l)
    };
    match netns {
        Some(ns) => ns.run_inside(bind),
        None => bind(),
    }
}

/// A plain TCP forwarder (for SMTP): listens on 127.0.0.1 inside a namespace and copies bytes
/// both ways to `upstream` on the host's loopback. Stops when dropped.
#[derive(Debug)]
pub struct TcpBridge {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TcpBridge {
    /// Starts the bridge.
    ///
    /// # Errors
    /// When the runtime or the listener cannot be created.
    pub fn start_in(upstream: SocketAddr, netns: Option<&Netns>) -> io::Result<Self> {
        let runtime = runtime("tcp-bridge")?;
        let std_listener = loopback_listener(netns)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        runtime.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    // Upstream down: the client's connection just closes, as through NAT.
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Ok(Self {
            addr,
            runtime: Some(runtime),
        })
    }

    /// The bridge's port (inside the namespace).
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for TcpBridge {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A parsed HTTP message head plus its body.
#[derive(Debug, Default)]
struct Message {
    /// Request: method, target; response: status code, reason.
    start: (String, String),
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(shared: &Shared, client: TcpStream) -> io::Result<()> {
    let (read_half, mut write_half) = client.into_split();
    let mut reader = BufReader::new(read_half);
    let Some((start, headers)) = read_head(&mut reader).await? else {
        return Ok(());
    };
    let started = Instant::now();
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let _in_flight = InFlight(&shared.in_flight);
    let expects_continue =
        find_header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue {
        write_half
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await?;
    }
    let body = read_body(&mut reader, &headers, false).await?;
    let (method, target) = start;
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let fault = {
        let mut rules = lock(&shared.rules);
        rules
            .iter_mut()
            .find(|r| r.matches(&method, &path))
            .map(|r| {
                if let Some(n) = r.remaining.as_mut() {
                    *n -= 1;
                }
                r.fault.clone()
            })
    };
    let mut ex = Exchange {
        started,
        finished: started,
        method: method.clone(),
        target: target.clone(),
        request_headers: headers.clone(),
        request_body: body.clone(),
        fault: fault.clone(),
        forwarded: false,
        upstream_status: None,
        upstream_headers: Vec::new(),
        upstream_body: Vec::new(),
        status: None,
    };
    let request = Message {
        start: (method, target),
        headers,
        body,
    };
    let result = serve(shared, &request, fault.as_ref(), &mut ex, &mut write_half).await;
    let _ = write_half.shutdown().await;
    ex.finished = Instant::now();
    lock(&shared.log).push(ex);
    result
}

/// Applies the fault (if any) and answers the client; fills in the record.
async fn serve(
    shared: &Shared,
    request: &Message,
    fault: Option<&Fault>,
    ex: &mut Exchange,
    client: &mut tokio::net::tcp::OwnedWriteHalf,
) -> io::Result<()> {
    if let Some(Fault::TooManyRequests { retry_after_s }) = fault {
        ex.status = Some(429);
        let body = br#"{"error":"rate limited (injected by the test proxy)"}"#;
        let head = format!(
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {retry_after_s}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        client.write_all(head.as_bytes()).await?;
        return client.write_all(body).await;
    }
    if let Some(Fault::DelayRequest(d)) = fault {
        tokio::time::sleep(*d).await;
    }
    let upstream = *lock(&shared.upstream);
    let answer = tokio::time::timeout(UPSTREAM_TIMEOUT, forward(upstream, request)).await;
    let response = match answer {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            ex.status = Some(502);
            return write_simple(client, 502, "Bad Gateway", &format!("upstream: {e}")).await;
        }
        Err(_) => {
            ex.status = Some(504);
            return write_simple(client, 504, "Gateway Timeout", "upstream timed out").await;
        }
    };
    ex.forwarded = true;
    ex.upstream_status = response.start.0.parse().ok();
    ex.upstream_headers.clone_from(&response.headers);
    ex.upstream_body.clone_from(&response.body);
    match fault {
        Some(Fault::StatusAfterForward(code)) => {
            ex.status = Some(*code);
            write_simple(
                client,
                *code,
                "Injected Error",
                "injected by the test proxy",
            )
            .await
        }
        Some(Fault::DropAfterForward) => Ok(()),
        Some(Fault::DelayResponse(d)) => {
            tokio::time::sleep(*d).await;
            ex.status = ex.upstream_status;
            write_response(client, &response).await
        }
        _ => {
            ex.status = ex.upstream_status;
            write_response(client, &response).await
        }
    }
}

/// Headers that describe one hop's connection or framing; the proxy sets its own.
fn hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "content-length",
        "expect",
        "te",
        "upgrade",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

async fn forward(upstream: SocketAddr, request: &Message) -> io::Result<Message> {
    let mut server = TcpStream::connect(upstream).await?;
    let (method, target) = &request.start;
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (k, v) in request.headers.iter().filter(|(k, _)| !hop_by_hop(k)) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !request.body.is_empty() || matches!(method.as_str(), "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", request.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    server.write_all(head.as_bytes()).await?;
    server.write_all(&request.body).await?;
    let mut reader = BufReader::new(server);
    loop {
        let Some((start, headers)) = read_head(&mut reader).await? else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection without answering",
            ));
        };
        // An interim 1xx answer is followed by the real one.
        if start.0.starts_with('1') {
            continue;
        }
        let status: u16 = start.0.parse().unwrap_or(0);
        let no_body = method == "HEAD" || status == 204 || status == 304;
        let body = if no_body {
            Vec::new()
        } else {
            read_body(&mut reader, &headers, true).await?
        };
        return Ok(Message {
            start,
            headers,
            body,
        });
    }
}

async fn write_response(
    client: &mut tokio::net::tcp::OwnedWriteHalf,
    response: &Message,
) -> io::Result<()> {
    let (code, reason) = &response.start;
    let mut head = format!("HTTP/1.1 {code} {reason}\r\n");
    for (k, v) in response.headers.iter().filter(|(k, _)| !hop_by_hop(k)) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    client.write_all(head.as_bytes()).await?;
    client.write_all(&response.body).await
}

async fn write_simple(
    client: &mut tokio::net::tcp::OwnedWriteHalf,
    code: u16,
    reason: &str,
    text: &str,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        text.len()
    );
    client.write_all(head.as_bytes()).await?;
    client.write_all(text.as_bytes()).await
}

type Head = ((String, String), Vec<(String, String)>);

/// Reads a start line and headers; `None` on a clean end of stream before any byte.
async fn read_head<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> io::Result<Option<Head>> {
    let mut total = 0_usize;
    let mut start_line = String::new();
    loop {
        start_line.clear();
        let n = read_line(reader, &mut start_line).await?;
        if n == 0 {
            return Ok(None);
        }
        total += n;
        // Tolerate empty lines before a message (RFC 9112 §2.2).
        if !start_line.trim().is_empty() {
            break;
        }
        if total > MAX_HEAD {
            return Err(bad("message head too large"));
        }
    }
    let mut parts = start_line.trim_end().splitn(3, ' ');
    let first = parts.next().unwrap_or_default().to_owned();
    let second = parts.next().unwrap_or_default().to_owned();
    let third = parts.next().unwrap_or_default().to_owned();
    // Request: "METHOD TARGET VERSION"; response: "VERSION CODE REASON".
    let start = if first.starts_with("HTTP/") {
        (second, third)
    } else {
        (first, second)
    };
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        let n = read_line(reader, &mut line).await?;
        if n == 0 {
            return Err(bad("end of stream inside the message head"));
        }
        total += n;
        if total > MAX_HEAD {
            return Err(bad("message head too large"));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok(Some((start, headers)));
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

async fn read_line<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    out: &mut String,
) -> io::Result<usize> {
    let mut bytes = Vec::new();
    let n = reader.read_until(b'\n', &mut bytes).await?;
    out.push_str(&String::from_utf8_lossy(&bytes));
    Ok(n)
}

/// Reads a body framed by chunked encoding or Content-Length; a response without either runs
/// to the end of the stream.
async fn read_body<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    headers: &[(String, String)],
    is_response: bool,
) -> io::Result<Vec<u8>> {
    let chunked = find_header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        let mut body = Vec::new();
        loop {
            let mut line = String::new();
            if read_line(reader, &mut line).await? == 0 {
                return Err(bad("end of stream inside a chunked body"));
            }
            let size_text = line.trim().split(';').next().unwrap_or_default().to_owned();
            let size =
                usize::from_str_radix(size_text.trim(), 16).map_err(|_| bad("bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    let mut trailer = String::new();
                    if read_line(reader, &mut trailer).await? == 0 || trailer.trim().is_empty() {
                        return Ok(body);
                    }
                }
            }
            if body.len() + size > MAX_BODY {
                return Err(bad("body too large"));
            }
            let at = body.len();
            body.resize(at + size, 0);
            reader.read_exact(&mut body[at..]).await?;
            let mut crlf = String::new();
            read_line(reader, &mut crlf).await?;
        }
    }
    if let Some(len) = find_header(headers, "content-length") {
        let len: usize = len.trim().parse().map_err(|_| bad("bad Content-Length"))?;
        if len > MAX_BODY {
            return Err(bad("body too large"));
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).await?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if is_response {
        reader.take(MAX_BODY as u64).read_to_end(&mut body).await?;
    }
    Ok(body)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}
