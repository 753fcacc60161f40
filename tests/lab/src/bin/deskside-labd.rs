//! `deskside-labd`: the small servers and clients the network lab runs inside its namespaces.
//!
//! One std-only binary (threads, no async runtime) so the lab needs nothing beyond what the
//! workspace already builds:
//!
//! - `http` — the internet probe host, the captive portal and the corporate intranet server;
//! - `dns` — a responder that answers every query with one fixed RCODE (SERVFAIL, NXDOMAIN…),
//!   which dnsmasq cannot be made to do;
//! - `delay` — a userspace delay line on a tun device, because the lab kernel has no netem;
//! - `fetch` and `query` — tiny HTTP and DNS clients with hard timeouts, used by the lab's own
//!   sanity tests to prove that a fault really took effect without needing `desksidectl`.
//!
//! Every subcommand prints its errors on stderr and exits non-zero; servers log one line per
//! request on stderr (the lab redirects it to a log file in its state directory).

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage:
  deskside-labd http --listen IP:PORT --mode probe|portal|intranet [--date-skew-s N]
  deskside-labd dns --listen IP:PORT --rcode servfail|nxdomain|refused
  deskside-labd delay --tun NAME --ms N
  deskside-labd fetch URL [--timeout-ms N]
  deskside-labd query NAME --server IP[:PORT] [--timeout-ms N]

fetch prints the raw HTTP response (status line first). query prints `RCODE [A-addresses]` and
exits 0, or prints TIMEOUT (exit 2) / CONNREFUSED or ERROR … (exit 3).";

/// How long a server waits for a client's request before giving up on it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest request head the HTTP server reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// Largest response the `fetch` client keeps.
const MAX_RESPONSE: usize = 256 * 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) => match cmd.as_str() {
            "http" => cmd_http(rest),
            "dns" => cmd_dns(rest),
            "delay" => cmd_delay(rest),
            "fetch" => cmd_fetch(rest),
            "query" => cmd_query(rest),
            "-h" | "--help" | "help" => Err(USAGE.to_owned()),
            other => Err(format!("unknown subcommand `{other}`\n{USAGE}")),
        },
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            log(&format!("deskside-labd: {msg}"));
            ExitCode::from(1)
        }
    }
}

#[expect(
    clippy::print_stderr,
    reason = "a lab daemon reports on stderr, redirected to its log"
)]
fn log(msg: &str) {
    eprintln!("{msg}");
}

#[expect(
    clippy::print_stdout,
    reason = "the client subcommands print their result for the tests"
)]
fn out(msg: &str) {
    println!("{msg}");
}

/// Parsed `--flag value` pairs plus positional arguments.
struct Args {
    flags: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut flags = Vec::new();
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = iter
                    .next()
                    .ok_or_else(|| format!("--{name} needs a value"))?;
                flags.push((name.to_owned(), value.clone()));
            } else {
                positional.push(arg.clone());
            }
        }
        Ok(Self { flags, positional })
    }

    fn opt(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn req(&self, name: &str) -> Result<&str, String> {
        self.opt(name)
            .ok_or_else(|| format!("missing --{name}\n{USAGE}"))
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.opt(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: `{v}` is not a number")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP server

#[derive(Clone, Copy)]
enum HttpMode {
    Probe,
    Portal,
    Intranet,
}

fn cmd_http(args: &[String]) -> Result<ExitCode, String> {
    let args = Args::parse(args)?;
    let listen = args.req("listen")?;
    let mode = match args.req("mode")? {
        "probe" => HttpMode::Probe,
        "portal" => HttpMode::Portal,
        "intranet" => HttpMode::Intranet,
        other => return Err(format!("unknown --mode `{other}`")),
    };
    let skew: i64 = args.num("date-skew-s", 0)?;
    let listener = TcpListener::bind(listen).map_err(|e| format!("bind {listen}: {e}"))?;
    log(&format!("http: listening on {listen}"));
    for conn in listener.incoming() {
        match conn {
            Ok(stream) => {
                thread::spawn(move || {
                    if let Err(e) = serve_http(stream, mode, skew) {
                        log(&format!("http: connection error: {e}"));
                    }
                });
            }
            Err(e) => log(&format!("http: accept: {e}")),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn serve_http(mut stream: TcpStream, mode: HttpMode, skew: i64) -> io::Result<()> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let peer = stream.peer_addr()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST_HEAD {
            return Err(io::Error::other("request head too large"));
        }
    }
    let text = String::from_utf8_lossy(&head);
    let request_line = text.lines().next().unwrap_or("");
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let host = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("host")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    let path = path_of(target);

    let (status, extra, body): (&str, String, String) = if method.is_empty() {
        ("400 Bad Request", String::new(), "bad request\n".to_owned())
    } else {
        match mode {
            HttpMode::Probe if path == "/generate_204" => {
                ("204 No Content", String::new(), String::new())
            }
            HttpMode::Probe => ("200 OK", String::new(), "ok".to_owned()),
            HttpMode::Intranet => ("200 OK", String::new(), "intranet".to_owned()),
            HttpMode::Portal => (
                "302 Found",
                "Location: http://portal.lab.test/login\r\n".to_owned(),
                "<html><head><title>Guest Wi-Fi</title></head><body>\
                 <a href=\"http://portal.lab.test/login\">Log in to the guest network</a>\
                 </body></html>\n"
                    .to_owned(),
            ),
        }
    };
    let content_type = if matches!(mode, HttpMode::Portal) {
        "text/html"
    } else {
        "text/plain"
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nDate: {}\r\nServer: deskside-labd\r\nConnection: close\r\n{extra}",
        http_date(skew)
    );
    if !status.starts_with("204") {
        response.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    response.push_str("\r\n");
    if method != "HEAD" {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes())?;
    stream.flush()?;
    log(&format!(
        "http: {peer} {method} host={host} {target} -> {status}"
    ));
    Ok(())
}

/// The path of a request target, which may be absolute-form (`http://host/path`, as sent to a
/// proxy) or origin-form (`/path?query`).
fn path_of(target: &str) -> &str {
    let rest = target
        .strip_prefix("http://")
        .map(|r| r.find('/').map_or("/", |i| &r[i..]))
        .unwrap_or(target);
    rest.split(['?', '#']).next().unwrap_or(rest)
}

/// `Date` header value (RFC 9110 IMF-fixdate) for now + `skew` seconds.
fn http_date(skew: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    format_http_date(now.saturating_add(skew))
}

fn format_http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1–12, day 1–31), after Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

// ---------------------------------------------------------------------------------------------
// Fixed-RCODE DNS responder

fn cmd_dns(args: &[String]) -> Result<ExitCode, String> {
    let args = Args::parse(args)?;
    let listen = args.req("listen")?;
    let rcode: u8 = match args.req("rcode")? {
        "servfail" => 2,
        "nxdomain" => 3,
        "refused" => 5,
        other => return Err(format!("unknown --rcode `{other}`")),
    };
    let udp = UdpSocket::bind(listen).map_err(|e| format!("bind udp {listen}: {e}"))?;
    let tcp = TcpListener::bind(listen).map_err(|e| format!("bind tcp {listen}: {e}"))?;
    log(&format!("dns: answering rcode {rcode} on {listen}"));
    thread::spawn(move || {
        for conn in tcp.incoming() {
            match conn {
                Ok(stream) => {
                    thread::spawn(move || {
                        if let Err(e) = serve_dns_tcp(stream, rcode) {
                            log(&format!("dns: tcp error: {e}"));
                        }
                    });
                }
                Err(e) => log(&format!("dns: accept: {e}")),
            }
        }
    });
    let mut buf = [0u8; 4096];
    loop {
        let (n, peer) = match udp.recv_from(&mut buf) {
            Ok(r) => r,
            Err(e) => {
                log(&format!("dns: recv: {e}"));
                continue;
            }
        };
        if let Some(reply) = fixed_reply(&buf[..n], rcode)
            && let Err(e) = udp.send_to(&reply, peer)
        {
            log(&format!("dns: send to {peer}: {e}"));
        }
    }
}

fn serve_dns_tcp(mut stream: TcpStream, rcode: u8) -> io::Result<()> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return Ok(());
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut msg)?;
        if let Some(reply) = fixed_reply(&msg, rcode) {
            let rlen = u16::try_from(reply.len()).unwrap_or(u16::MAX);
            stream.write_all(&rlen.to_be_bytes())?;
            stream.write_all(&reply)?;
        }
    }
}

/// The query's header and question echoed back with QR=1, RA=1 and `rcode`; `None` for
/// something too short to be a DNS query (or a response, which must never be answered).
fn fixed_reply(query: &[u8], rcode: u8) -> Option<Vec<u8>> {
    if query.len() < 12 || query[2] & 0x80 != 0 {
        return None;
    }
    let qdcount = u16::from_be_bytes([query[4], query[5]]);
    let question_end = if qdcount >= 1 {
        skip_name(query, 12)
            .map(|end| end + 4)
            .filter(|&e| e <= query.len())
    } else {
        None
    };
    let mut reply = Vec::with_capacity(question_end.unwrap_or(12));
    reply.extend_from_slice(&query[0..2]);
    reply.push(0x80 | (query[2] & 0x79)); // QR, opcode and RD from the query
    reply.push(0x80 | (rcode & 0x0f)); // RA + rcode
    let qd: u16 = if question_end.is_some() { 1 } else { 0 };
    reply.extend_from_slice(&qd.to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    if let Some(end) = question_end {
        reply.extend_from_slice(&query[12..end]);
    }
    Some(reply)
}

/// Offset just past the (possibly compressed) domain name starting at `pos`.
fn skip_name(msg: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = *msg.get(pos)?;
        match len {
            0 => return Some(pos + 1),
            l if l & 0xc0 == 0xc0 => return Some(pos + 2),
            l => pos += 1 + usize::from(l),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Delay line

fn cmd_delay(args: &[String]) -> Result<ExitCode, String> {
    let args = Args::parse(args)?;
    let name = args.req("tun")?;
    let ms: u64 = args.num("ms", 300)?;
    let delay = Duration::from_millis(ms);
    let tun = Arc::new(open_tun(name).map_err(|e| format!("tun {name}: {e}"))?);
    log(&format!("delay: {name} delaying every packet by {ms} ms"));

    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer_tun = Arc::clone(&tun);
    let writer = thread::spawn(move || {
        // The delay is constant, so packets leave in arrival order: one FIFO writer suffices.
        for (due, packet) in rx {
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            if let Err(e) = (&*writer_tun).write(&packet) {
                log(&format!("delay: write: {e}"));
            }
        }
    });
    let mut buf = vec![0u8; 65_536];
    loop {
        let n = (&*tun)
            .read(&mut buf)
            .map_err(|e| format!("read from tun {name}: {e}"))?;
        if n == 0 {
            break;
        }
        if tx
            .send((Instant::now() + delay, buf[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(tx);
    let _ = writer.join();
    Ok(ExitCode::SUCCESS)
}

/// Create (or attach to) the layer-3 tun device `name`, without packet-information headers.
fn open_tun(name: &str) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")?;
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "interface name must be 1–15 bytes",
        ));
    }
    // SAFETY: ifreq is plain old data for which all-zero bytes is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *dst = src as libc::c_char;
    }
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: TUNSETIFF reads and writes a `struct ifreq`, which `req` is, and the fd is open.
    let rc = unsafe { libc::ioctl(file.as_raw_fd(), libc::TUNSETIFF, &mut req) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

// ---------------------------------------------------------------------------------------------
// Clients for the lab's own tests

fn cmd_fetch(args: &[String]) -> Result<ExitCode, String> {
    let args = Args::parse(args)?;
    let url = args
        .positional
        .first()
        .ok_or_else(|| format!("fetch needs a URL\n{USAGE}"))?;
    let timeout = Duration::from_millis(args.num("timeout-ms", 5000)?);
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("only http:// URLs are supported, got `{url}`"))?;
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port in `{url}`"))?,
        ),
        None => (authority, 80),
    };
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("resolve {host}: {e}"))?
        .filter(SocketAddr::is_ipv4)
        .collect();
    let addr = addrs
        .first()
        .ok_or_else(|| format!("resolve {host}: no IPv4 address"))?;
    let mut stream =
        TcpStream::connect_timeout(addr, timeout).map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("socket options: {e}"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: deskside-labd\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buf[..n]);
                if response.len() > MAX_RESPONSE {
                    break;
                }
            }
            Err(e) if response.is_empty() => return Err(format!("read from {addr}: {e}")),
            Err(_) => break,
        }
    }
    if response.is_empty() {
        return Err(format!("{addr} closed the connection without answering"));
    }
    out(String::from_utf8_lossy(&response).trim_end());
    Ok(ExitCode::SUCCESS)
}

fn cmd_query(args: &[String]) -> Result<ExitCode, String> {
    let args = Args::parse(args)?;
    let name = args
        .positional
        .first()
        .ok_or_else(|| format!("query needs a NAME\n{USAGE}"))?;
    let server_arg = args.req("server")?;
    let server: SocketAddr = match server_arg.parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, 53),
        Err(_) => server_arg
            .parse()
            .map_err(|_| format!("--server `{server_arg}` is not IP or IP:PORT"))?,
    };
    let timeout = Duration::from_millis(args.num("timeout-ms", 3000)?);
    let id = u16::try_from(std::process::id() & 0xffff).unwrap_or(0x4242);
    let mut query = Vec::new();
    query.extend_from_slice(&id.to_be_bytes());
    query.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD, one question
    for label in name.trim_end_matches('.').split('.') {
        let len = u8::try_from(label.len())
            .ok()
            .filter(|l| (1..64).contains(l))
            .ok_or_else(|| format!("bad label in `{name}`"))?;
        query.push(len);
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]); // root, type A, class IN
    let bind = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = UdpSocket::bind(bind).map_err(|e| format!("bind: {e}"))?;
    // Connected, so an ICMP port unreachable (nothing listening) comes back as ECONNREFUSED.
    sock.connect(server)
        .and_then(|()| sock.set_read_timeout(Some(timeout)))
        .map_err(|e| format!("socket to {server}: {e}"))?;
    if let Err(e) = sock.send(&query) {
        out(&format!("ERROR {e}"));
        return Ok(ExitCode::from(3));
    }
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 4096];
    loop {
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                out("TIMEOUT");
                return Ok(ExitCode::from(2));
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                out("CONNREFUSED");
                return Ok(ExitCode::from(3));
            }
            Err(e) => {
                out(&format!("ERROR {e}"));
                return Ok(ExitCode::from(3));
            }
        };
        if n < 12 || buf[0..2] != id.to_be_bytes() {
            if Instant::now() >= deadline {
                out("TIMEOUT");
                return Ok(ExitCode::from(2));
            }
            continue;
        }
        out(&describe_reply(&buf[..n]));
        return Ok(ExitCode::SUCCESS);
    }
}

/// `RCODE addr addr…` for a DNS reply (A records only).
fn describe_reply(msg: &[u8]) -> String {
    let rcode = match msg[3] & 0x0f {
        0 => "NOERROR".to_owned(),
        1 => "FORMERR".to_owned(),
        2 => "SERVFAIL".to_owned(),
        3 => "NXDOMAIN".to_owned(),
        4 => "NOTIMP".to_owned(),
        5 => "REFUSED".to_owned(),
        other => format!("RCODE{other}"),
    };
    let mut words = vec![rcode];
    let qd = u16::from_be_bytes([msg[4], msg[5]]);
    let an = u16::from_be_bytes([msg[6], msg[7]]);
    let mut pos = 12;
    for _ in 0..qd {
        match skip_name(msg, pos) {
            Some(p) => pos = p + 4,
            None => return words.join(" "),
        }
    }
    for _ in 0..an {
        let Some(p) = skip_name(msg, pos) else { break };
        let Some(fixed) = msg.get(p..p + 10) else {
            break;
        };
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let rdlen = usize::from(u16::from_be_bytes([fixed[8], fixed[9]]));
        let Some(rdata) = msg.get(p + 10..p + 10 + rdlen) else {
            break;
        };
        if rtype == 1 && rdlen == 4 {
            words.push(format!(
                "{}.{}.{}.{}",
                rdata[0], rdata[1], rdata[2], rdata[3]
            ));
        }
        pos = p + 10 + rdlen;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_formats_known_instants() {
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_http_date(784_111_777),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            format_http_date(1_709_164_800),
            "Thu, 29 Feb 2024 00:00:00 GMT"
        );
    }

    #[test]
    fn path_of_handles_origin_and_absolute_form() {
        assert_eq!(path_of("/generate_204?x=1"), "/generate_204");
        assert_eq!(
            path_of("http://probe.lab.test/generate_204"),
            "/generate_204"
        );
        assert_eq!(path_of("http://probe.lab.test"), "/");
    }

    #[test]
    fn fixed_reply_echoes_question_with_rcode() {
        let query = [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, b'w', b'w', b'w', 0, 0, 1, 0, 1,
        ];
        let reply = fixed_reply(&query, 2).unwrap();
        assert_eq!(&reply[0..2], &[0x12, 0x34]);
        assert_eq!(reply[2], 0x81);
        assert_eq!(reply[3] & 0x0f, 2);
        assert_eq!(&reply[12..], &query[12..]);
        assert_eq!(describe_reply(&reply), "SERVFAIL");
        assert!(
            fixed_reply(&reply, 2).is_none(),
            "responses are never answered"
        );
    }
}
