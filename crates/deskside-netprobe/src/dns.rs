//! DNS queries with our own timeouts, server by server.
//!
//! [`query`] asks one server one question over UDP and reports what came back (addresses,
//! the RCODE, or that nothing came back). [`resolve`] walks the OS's server list the way a
//! stub resolver does — next server on timeout/SERVFAIL/REFUSED, stop on an answer or
//! NXDOMAIN — but with a per-server timeout we choose, so a dead server costs
//! `timeout`, not glibc's 20 s.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
pub use hickory_proto::rr::RecordType;
use hickory_proto::rr::{Name, RData};
use serde::Serialize;

/// What one query to one server produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum QueryOutcome {
    /// NOERROR with these addresses (possibly none: the name exists without that record type).
    Answer {
        /// A/AAAA addresses in the answer section.
        addrs: Vec<IpAddr>,
    },
    /// The server says the name does not exist.
    NxDomain,
    /// The server answered with another error RCODE (SERVFAIL, REFUSED, …).
    ErrorCode {
        /// RCODE name, e.g. `SERVFAIL`.
        rcode: String,
    },
    /// The answer was truncated (TC bit) and carried no usable addresses.
    Truncated,
    /// No answer within the timeout.
    TimedOut,
    /// The server's port is closed (ICMP port unreachable → connection refused).
    Refused,
    /// The server is not reachable (no route).
    Unreachable,
    /// The question could not be asked (bad name) or the reply was not valid DNS.
    Invalid {
        /// What was wrong.
        reason: String,
    },
}

impl QueryOutcome {
    /// Whether the server answered at all (any DNS reply, even an error code).
    #[must_use]
    pub const fn server_answered(&self) -> bool {
        matches!(
            self,
            Self::Answer { .. } | Self::NxDomain | Self::ErrorCode { .. } | Self::Truncated
        )
    }

    /// A short plain description, e.g. "timed out", "answered SERVFAIL".
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Answer { addrs } if addrs.is_empty() => "answered with no address".to_owned(),
            Self::Answer { addrs } => format!(
                "answered {}",
                addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::NxDomain => "answered that the name does not exist (NXDOMAIN)".to_owned(),
            Self::ErrorCode { rcode } => format!("answered with an error ({rcode})"),
            Self::Truncated => "sent a truncated answer".to_owned(),
            Self::TimedOut => "did not answer (timed out)".to_owned(),
            Self::Refused => "refused the connection (nothing listening)".to_owned(),
            Self::Unreachable => "is unreachable (no route)".to_owned(),
            Self::Invalid { reason } => format!("could not be asked: {reason}"),
        }
    }
}

/// One query to one server.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    /// The server asked.
    pub server: IpAddr,
    /// The name asked.
    pub name: String,
    /// The record type asked (`A`/`AAAA`).
    pub record_type: String,
    /// What came back.
    #[serde(flatten)]
    pub outcome: QueryOutcome,
    /// Time until the outcome was known, in ms.
    pub ms: f64,
}

/// Why a query could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The name is not a valid DNS name (too long, a bad label).
    #[error("`{name}` is not a valid DNS name: {source}")]
    BadName {
        /// The name as given.
        name: String,
        /// The parser's reason.
        #[source]
        source: hickory_proto::ProtoError,
    },
    /// The message could not be encoded.
    #[error("the query cannot be encoded: {0}")]
    Encode(#[source] hickory_proto::ProtoError),
}

/// Build the wire bytes of a recursive query for `name`/`rtype`.
///
/// # Errors
/// [`QueryError::BadName`] if the name is not a valid DNS name.
pub fn encode_query(id: u16, name: &str, rtype: RecordType) -> Result<Vec<u8>, QueryError> {
    let mut fqdn = Name::from_utf8(name).map_err(|source| QueryError::BadName {
        name: name.to_owned(),
        source,
    })?;
    fqdn.set_fqdn(true);
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(fqdn, rtype));
    msg.to_vec().map_err(QueryError::Encode)
}

/// Interpret reply bytes for a query with `id`. `None` when the bytes are not a reply to it
/// (stray or spoofed datagram: keep waiting).
#[must_use]
pub fn decode_reply(id: u16, bytes: &[u8]) -> Option<QueryOutcome> {
    let msg = match Message::from_vec(bytes) {
        Ok(m) => m,
        Err(e) => {
            return Some(QueryOutcome::Invalid {
                reason: format!("malformed reply: {e}"),
            });
        }
    };
    if msg.metadata.id != id || msg.metadata.message_type != MessageType::Response {
        return None;
    }
    let addrs: Vec<IpAddr> = msg
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect();
    Some(match msg.metadata.response_code {
        ResponseCode::NoError if msg.metadata.truncation && addrs.is_empty() => {
            QueryOutcome::Truncated
        }
        ResponseCode::NoError => QueryOutcome::Answer { addrs },
        ResponseCode::NXDomain => QueryOutcome::NxDomain,
        other => QueryOutcome::ErrorCode {
            rcode: rcode_name(u16::from(other)),
        },
    })
}

/// The conventional mnemonic of an RCODE (RFC 6895), as admins read it in `dig`.
fn rcode_name(code: u16) -> String {
    match code {
        1 => "FORMERR".to_owned(),
        2 => "SERVFAIL".to_owned(),
        4 => "NOTIMP".to_owned(),
        5 => "REFUSED".to_owned(),
        other => format!("RCODE{other}"),
    }
}

/// Ask `server` (port 53) for `name`'s `rtype` records within `timeout`.
pub async fn query(
    server: IpAddr,
    name: &str,
    rtype: RecordType,
    timeout: Duration,
) -> QueryResult {
    query_port(SocketAddr::new(server, 53), name, rtype, timeout).await
}

/// [`query`] with an explicit port (tests use unprivileged ports).
pub async fn query_port(
    server: SocketAddr,
    name: &str,
    rtype: RecordType,
    timeout: Duration,
) -> QueryResult {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, exchange(server, name, rtype)).await {
        Ok(o) => o,
        Err(_) => QueryOutcome::TimedOut,
    };
    QueryResult {
        server: server.ip(),
        name: name.to_owned(),
        record_type: rtype.to_string(),
        outcome,
        ms: crate::millis(started.elapsed()),
    }
}

async fn exchange(server: SocketAddr, name: &str, rtype: RecordType) -> QueryOutcome {
    let id: u16 = rand::random();
    let bytes = match encode_query(id, name, rtype) {
        Ok(b) => b,
        Err(e) => {
            return QueryOutcome::Invalid {
                reason: e.to_string(),
            };
        }
    };
    let bind: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0_u16; 8], 0).into()
    };
    let sock = match tokio::net::UdpSocket::bind(bind).await {
        Ok(s) => s,
        Err(e) => {
            return QueryOutcome::Invalid {
                reason: format!("cannot open a UDP socket: {e}"),
            };
        }
    };
    if let Err(e) = sock.connect(server).await {
        return io_outcome(&e);
    }
    if let Err(e) = sock.send(&bytes).await {
        return io_outcome(&e);
    }
    let mut buf = vec![0_u8; 4096];
    loop {
        match sock.recv(&mut buf).await {
            Ok(n) => {
                if let Some(outcome) = decode_reply(id, buf.get(..n).unwrap_or_default()) {
                    return outcome;
                }
            }
            Err(e) => return io_outcome(&e),
        }
    }
}

fn io_outcome(e: &std::io::Error) -> QueryOutcome {
    match e.kind() {
        // Windows reports the ICMP "port unreachable" of a UDP query as a reset (10054).
        std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset => {
            QueryOutcome::Refused
        }
        std::io::ErrorKind::NetworkUnreachable | std::io::ErrorKind::HostUnreachable => {
            QueryOutcome::Unreachable
        }
        _ if crate::oserr::fault(e) == crate::oserr::Fault::Unreachable => {
            QueryOutcome::Unreachable
        }
        _ => QueryOutcome::Invalid {
            reason: e.to_string(),
        },
    }
}

/// The result of resolving a name through a list of servers.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    /// The name.
    pub name: String,
    /// Addresses found (empty if resolution failed).
    pub addrs: Vec<IpAddr>,
    /// Every query made, in order.
    pub attempts: Vec<QueryResult>,
}

impl Resolution {
    /// Whether at least one address was found.
    #[must_use]
    pub fn resolved(&self) -> bool {
        !self.addrs.is_empty()
    }

    /// The outcome that decided the failure (last attempt), for messages.
    #[must_use]
    pub fn last_outcome(&self) -> Option<&QueryOutcome> {
        self.attempts.last().map(|a| &a.outcome)
    }
}

/// Resolve `name` to addresses through `servers` in order, as a stub resolver would: IPv4
/// first, IPv6 if the name has no IPv4 address; move to the next server when one does not
/// answer or answers SERVFAIL/REFUSED; stop at an answer or NXDOMAIN. An IP literal resolves
/// to itself without a query.
pub async fn resolve(servers: &[IpAddr], name: &str, timeout: Duration) -> Resolution {
    let mut res = Resolution {
        name: name.to_owned(),
        addrs: Vec::new(),
        attempts: Vec::new(),
    };
    if let Ok(ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
        res.addrs.push(ip);
        return res;
    }
    for &server in servers {
        let a = query(server, name, RecordType::A, timeout).await;
        let outcome = a.outcome.clone();
        res.attempts.push(a);
        match outcome {
            QueryOutcome::Answer { addrs } if !addrs.is_empty() => {
                res.addrs = addrs;
                return res;
            }
            QueryOutcome::Answer { .. } => {
                let aaaa = query(server, name, RecordType::AAAA, timeout).await;
                let outcome = aaaa.outcome.clone();
                res.attempts.push(aaaa);
                if let QueryOutcome::Answer { addrs } = outcome {
                    res.addrs = addrs;
                }
                return res;
            }
            QueryOutcome::NxDomain => return res,
            _ => {}
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::Record;
    use hickory_proto::rr::rdata::A;
    use proptest::prelude::*;

    /// A loopback DNS server answering every query with `reply(query) -> Message`, once.
    async fn serve_once(
        reply: impl FnOnce(Message) -> Option<Message> + Send + 'static,
    ) -> SocketAddr {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = vec![0_u8; 4096];
            let (n, peer) = sock.recv_from(&mut buf).await.unwrap();
            let q = Message::from_vec(&buf[..n]).unwrap();
            if let Some(r) = reply(q) {
                sock.send_to(&r.to_vec().unwrap(), peer).await.unwrap();
            }
        });
        addr
    }

    fn answer(q: &Message, rcode: ResponseCode, ip: Option<[u8; 4]>) -> Message {
        let mut r = Message::response(q.metadata.id, OpCode::Query);
        r.metadata.response_code = rcode;
        r.queries.clone_from(&q.queries);
        if let Some(ip) = ip {
            r.answers.push(Record::from_rdata(
                q.queries[0].name().clone(),
                60,
                RData::A(A(std::net::Ipv4Addr::from(ip))),
            ));
        }
        r
    }

    #[tokio::test]
    async fn answer_yields_addresses() {
        let addr =
            serve_once(|q| Some(answer(&q, ResponseCode::NoError, Some([203, 0, 113, 10])))).await;
        let r = query_port(
            addr,
            "probe.lab.test",
            RecordType::A,
            Duration::from_secs(1),
        )
        .await;
        assert_eq!(
            r.outcome,
            QueryOutcome::Answer {
                addrs: vec!["203.0.113.10".parse().unwrap()]
            }
        );
    }

    #[tokio::test]
    async fn servfail_and_nxdomain_are_told_apart() {
        let addr = serve_once(|q| Some(answer(&q, ResponseCode::ServFail, None))).await;
        let r = query_port(addr, "x.lab.test", RecordType::A, Duration::from_secs(1)).await;
        assert_eq!(
            r.outcome,
            QueryOutcome::ErrorCode {
                rcode: "SERVFAIL".into()
            }
        );
        let addr = serve_once(|q| Some(answer(&q, ResponseCode::NXDomain, None))).await;
        let r = query_port(addr, "x.lab.test", RecordType::A, Duration::from_secs(1)).await;
        assert_eq!(r.outcome, QueryOutcome::NxDomain);
        assert!(r.outcome.server_answered());
    }

    #[tokio::test]
    async fn silent_server_times_out_quickly() {
        let addr = serve_once(|_| None).await;
        let started = Instant::now();
        let r = query_port(
            addr,
            "x.lab.test",
            RecordType::A,
            Duration::from_millis(200),
        )
        .await;
        assert_eq!(r.outcome, QueryOutcome::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    #[cfg_attr(
        windows,
        ignore = "Wine does not report ICMP port unreachable on UDP sockets (Windows answers WSAECONNRESET)"
    )]
    async fn closed_port_is_refused() {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        drop(sock);
        let r = query_port(addr, "x.lab.test", RecordType::A, Duration::from_secs(1)).await;
        assert_eq!(r.outcome, QueryOutcome::Refused);
    }

    #[tokio::test]
    async fn reply_with_wrong_id_is_ignored() {
        let addr = serve_once(|q| {
            let mut r = answer(&q, ResponseCode::NoError, Some([1, 2, 3, 4]));
            r.metadata.id = q.metadata.id.wrapping_add(1);
            Some(r)
        })
        .await;
        let r = query_port(
            addr,
            "x.lab.test",
            RecordType::A,
            Duration::from_millis(300),
        )
        .await;
        assert_eq!(r.outcome, QueryOutcome::TimedOut);
    }

    #[tokio::test]
    async fn ip_literal_resolves_without_query() {
        let r = resolve(&[], "198.51.100.7", Duration::from_millis(10)).await;
        assert_eq!(r.addrs, vec!["198.51.100.7".parse::<IpAddr>().unwrap()]);
        assert!(r.attempts.is_empty());
    }

    #[test]
    fn invalid_name_is_reported_not_panicked() {
        assert!(encode_query(1, &"a".repeat(300), RecordType::A).is_err());
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600), id in any::<u16>()) {
            let _ = decode_reply(id, &bytes);
        }

        #[test]
        fn encoding_arbitrary_names_never_panics(name in ".{0,300}") {
            let _ = encode_query(7, &name, RecordType::A);
        }
    }
}
