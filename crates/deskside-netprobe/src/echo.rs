//! Echo series: loss, latency and jitter to a host.
//!
//! ICMP echo through an unprivileged "ping socket" (`SOCK_DGRAM`/`IPPROTO_ICMP`, allowed by
//! `net.ipv4.ping_group_range`), falling back to a raw socket when we have `CAP_NET_RAW`.
//! When neither is allowed the caller falls back to [`tcp_series`], which times TCP
//! handshakes (a refusal is an answer too). Packets can carry the don't-fragment bit, which
//! is what [`crate::mtu`] builds on.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};

use crate::oserr::{Fault, fault};
use crate::tcp;

/// How the echoes were sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Unprivileged ICMP ping socket.
    Icmp,
    /// Raw ICMP socket.
    IcmpRaw,
    /// TCP handshakes.
    Tcp,
}

/// Why ICMP echo could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EchoError {
    /// The OS does not let this process send ICMP echo.
    #[error("not permitted to send ICMP echo requests")]
    NotPermitted,
    /// This OS has no support here.
    #[error("ICMP echo is not supported on this platform")]
    Unsupported,
    /// Another socket error.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
}

/// Statistics of one series.
#[derive(Debug, Clone, Serialize)]
pub struct EchoStats {
    /// Target host.
    pub target: IpAddr,
    /// How the probes were sent.
    pub method: Method,
    /// Probes sent.
    pub sent: u32,
    /// Replies received.
    pub received: u32,
    /// Sends refused locally because the packet exceeds the known path MTU (`EMSGSIZE`).
    pub too_big: u32,
    /// Round-trip times of the replies, ms, in send order.
    pub rtts_ms: Vec<f64>,
    /// Local send errors other than `too_big` (e.g. "network unreachable").
    pub errors: Vec<String>,
}

impl EchoStats {
    /// No probes yet.
    #[must_use]
    pub fn new(target: IpAddr, method: Method) -> Self {
        Self {
            target,
            method,
            sent: 0,
            received: 0,
            too_big: 0,
            rtts_ms: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Lost share of what was actually sent, 0–100.
    #[must_use]
    pub fn loss_percent(&self) -> f64 {
        if self.sent == 0 {
            return 100.0;
        }
        100.0 * f64::from(self.sent.saturating_sub(self.received)) / f64::from(self.sent)
    }

    /// Mean round-trip time, ms.
    #[must_use]
    pub fn avg_ms(&self) -> Option<f64> {
        if self.rtts_ms.is_empty() {
            return None;
        }
        #[expect(clippy::cast_precision_loss, reason = "a few hundred samples at most")]
        let n = self.rtts_ms.len() as f64;
        Some(self.rtts_ms.iter().sum::<f64>() / n)
    }

    /// Jitter: mean absolute difference between consecutive round-trip times, ms.
    #[must_use]
    pub fn jitter_ms(&self) -> Option<f64> {
        if self.rtts_ms.len() < 2 {
            return None;
        }
        let diffs: Vec<f64> = self
            .rtts_ms
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .collect();
        #[expect(clippy::cast_precision_loss, reason = "a few hundred samples at most")]
        let n = diffs.len() as f64;
        Some(diffs.iter().sum::<f64>() / n)
    }
}

/// Parameters of an echo series.
#[derive(Debug, Clone, Copy)]
pub struct Series {
    /// Number of probes.
    pub count: u32,
    /// Gap between probes.
    pub interval: Duration,
    /// How long to wait for replies after the last probe.
    pub wait: Duration,
    /// ICMP payload bytes (after the 8-byte ICMP header).
    pub payload: usize,
    /// Set don't-fragment.
    pub dont_fragment: bool,
}

impl Default for Series {
    fn default() -> Self {
        Self {
            count: 10,
            interval: Duration::from_millis(20),
            wait: Duration::from_millis(500),
            payload: 56,
            dont_fragment: false,
        }
    }
}

/// The ICMP checksum (RFC 1071).
#[must_use]
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for chunk in data.chunks(2) {
        let word = match chunk {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        sum = sum.wrapping_add(u32::from(word));
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    #[expect(clippy::cast_possible_truncation, reason = "folded to 16 bits above")]
    let folded = sum as u16;
    !folded
}

/// Build an echo request: type, code, checksum, id, seq, payload.
#[must_use]
pub fn echo_request(v6: bool, id: u16, seq: u16, payload: usize) -> Vec<u8> {
    let mut pkt = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    pkt.extend_from_slice(&id.to_be_bytes());
    pkt.extend_from_slice(&seq.to_be_bytes());
    pkt.extend((0..payload).map(|i| (i % 251) as u8));
    if !v6 {
        let sum = checksum(&pkt).to_be_bytes();
        pkt[2] = sum[0];
        pkt[3] = sum[1];
    }
    pkt
}

/// Parse a reply; returns `(id, seq)` of an echo reply. `raw_v4` replies start with the IP
/// header.
#[must_use]
pub fn parse_reply(v6: bool, raw_v4: bool, bytes: &[u8]) -> Option<(u16, u16)> {
    let icmp = if raw_v4 {
        let ihl = usize::from(bytes.first()? & 0x0f) * 4;
        bytes.get(ihl..)?
    } else {
        bytes
    };
    let want = if v6 { 129 } else { 0 };
    if *icmp.first()? != want {
        return None;
    }
    let id = u16::from_be_bytes([*icmp.get(4)?, *icmp.get(5)?]);
    let seq = u16::from_be_bytes([*icmp.get(6)?, *icmp.get(7)?]);
    Some((id, seq))
}

fn open(v6: bool) -> Result<(Socket, Method), EchoError> {
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    // A ping socket first (Linux with ping_group_range, macOS); Windows has none and answers
    // "no such socket type", so the raw socket is tried next; a non-admin is refused that.
    match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => Ok((s, Method::Icmp)),
        Err(e) if matches!(fault(&e), Fault::NotPermitted | Fault::NoSuchSocket) => {
            match Socket::new(domain, Type::RAW, Some(proto)) {
                Ok(s) => Ok((s, Method::IcmpRaw)),
                Err(e) if fault(&e) == Fault::NotPermitted => Err(EchoError::NotPermitted),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(target_os = "linux")]
fn set_dont_fragment(sock: &Socket, v6: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let (level, opt, val) = if v6 {
        (
            libc::IPPROTO_IPV6,
            libc::IPV6_MTU_DISCOVER,
            libc::IPV6_PMTUDISC_DO,
        )
    } else {
        (
            libc::IPPROTO_IP,
            libc::IP_MTU_DISCOVER,
            libc::IP_PMTUDISC_DO,
        )
    };
    // SAFETY: valid fd, pointer to a live c_int of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            opt,
            std::ptr::from_ref(&val).cast(),
            #[expect(clippy::cast_possible_truncation, reason = "size_of c_int")]
            {
                size_of::<libc::c_int>() as libc::socklen_t
            },
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_dont_fragment(_sock: &Socket, _v6: bool) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "don't-fragment echo is Linux-only for now",
    ))
}

/// Send an ICMP echo series to `target`.
///
/// # Errors
/// [`EchoError::NotPermitted`] when neither a ping socket nor a raw socket is allowed (use
/// [`tcp_series`] then); [`EchoError::Unsupported`] for don't-fragment echoes off Linux;
/// other socket errors.
pub async fn icmp_series(target: IpAddr, series: Series) -> Result<EchoStats, EchoError> {
    let v6 = target.is_ipv6();
    let (sock, method) = open(v6)?;
    if series.dont_fragment {
        set_dont_fragment(&sock, v6).map_err(|e| {
            if e.kind() == std::io::ErrorKind::Unsupported {
                EchoError::Unsupported
            } else {
                e.into()
            }
        })?;
    }
    sock.set_nonblocking(true)?;
    let std_sock: std::net::UdpSocket = sock.into();
    let sock = tokio::net::UdpSocket::from_std(std_sock)?;
    let dest = SocketAddr::new(target, 0);
    let id: u16 = rand::random();
    let raw_v4 = method == Method::IcmpRaw && !v6;
    let mut stats = EchoStats::new(target, method);
    let count = usize::try_from(series.count).unwrap_or(0);
    let mut sent_at: Vec<Option<Instant>> = vec![None; count];
    let mut rtts: Vec<Option<f64>> = vec![None; count];
    let mut next_send = Instant::now();
    let mut seq = 0_usize;
    let mut deadline = None;
    let mut buf = vec![0_u8; 65_536];
    loop {
        if seq < count && Instant::now() >= next_send {
            let s = u16::try_from(seq).unwrap_or(u16::MAX);
            let pkt = echo_request(v6, id, s, series.payload);
            match sock.send_to(&pkt, dest).await {
                Ok(_) => {
                    stats.sent += 1;
                    if let Some(slot) = sent_at.get_mut(seq) {
                        *slot = Some(Instant::now());
                    }
                }
                Err(e) if fault(&e) == Fault::MessageTooBig => stats.too_big += 1,
                Err(e) => stats.errors.push(e.to_string()),
            }
            seq += 1;
            next_send += series.interval;
            if seq == count {
                deadline = Some(Instant::now() + series.wait);
            }
        }
        let wake = if seq < count {
            next_send
        } else {
            deadline.unwrap_or_else(Instant::now)
        };
        if seq >= count && Instant::now() >= wake {
            break;
        }
        if seq >= count
            && stats.sent > 0
            && rtts.iter().filter(|r| r.is_some()).count() == stats.sent as usize
        {
            break;
        }
        match tokio::time::timeout_at(wake.into(), sock.recv_from(&mut buf)).await {
            Err(_) => {}
            Ok(Ok((n, from))) => {
                if from.ip() != target {
                    continue;
                }
                let Some((rid, rseq)) = parse_reply(v6, raw_v4, buf.get(..n).unwrap_or_default())
                else {
                    continue;
                };
                if method == Method::IcmpRaw && rid != id {
                    continue;
                }
                let i = usize::from(rseq);
                if let (Some(Some(t)), Some(slot @ None)) = (sent_at.get(i), rtts.get_mut(i)) {
                    *slot = Some(crate::millis(t.elapsed()));
                }
            }
            Ok(Err(e)) if fault(&e) == Fault::MessageTooBig => stats.too_big += 1,
            Ok(Err(e)) => {
                stats.errors.push(e.to_string());
                if seq >= count {
                    break;
                }
            }
        }
    }
    stats.rtts_ms = rtts.into_iter().flatten().collect();
    stats.received = u32::try_from(stats.rtts_ms.len()).unwrap_or(u32::MAX);
    stats.errors.dedup();
    Ok(stats)
}

/// Time `count` TCP handshakes to `addr` (a reset counts as a reply).
pub async fn tcp_series(
    addr: SocketAddr,
    count: u32,
    interval: Duration,
    timeout: Duration,
) -> EchoStats {
    let mut stats = EchoStats::new(addr.ip(), Method::Tcp);
    let attempts = (0..count).map(|i| async move {
        tokio::time::sleep(interval * i).await;
        tcp::connect(addr, timeout).await
    });
    for c in futures::future::join_all(attempts).await {
        stats.sent += 1;
        if c.outcome.host_answered() {
            stats.rtts_ms.push(crate::millis(c.elapsed));
        }
    }
    stats.received = u32::try_from(stats.rtts_ms.len()).unwrap_or(u32::MAX);
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checksum_of_known_packet() {
        // Echo request id=1 seq=1 without payload: 08 00 f7 fd 00 01 00 01
        let pkt = echo_request(false, 1, 1, 0);
        assert_eq!(pkt, vec![8, 0, 0xf7, 0xfd, 0, 1, 0, 1]);
        assert_eq!(checksum(&pkt), 0);
    }

    #[test]
    fn reply_parsing() {
        assert_eq!(
            parse_reply(false, false, &[0, 0, 0, 0, 0, 7, 0, 3]),
            Some((7, 3))
        );
        assert_eq!(parse_reply(false, false, &[8, 0, 0, 0, 0, 7, 0, 3]), None);
        let mut raw = vec![0x45; 1];
        raw.extend_from_slice(&[0; 19]);
        raw.extend_from_slice(&[0, 0, 0, 0, 0, 9, 0, 2]);
        assert_eq!(parse_reply(false, true, &raw), Some((9, 2)));
    }

    #[test]
    fn stats_math() {
        let mut s = EchoStats::new("127.0.0.1".parse().unwrap(), Method::Icmp);
        s.sent = 4;
        s.received = 3;
        s.rtts_ms = vec![10.0, 20.0, 10.0];
        assert!((s.loss_percent() - 25.0).abs() < 1e-9);
        assert!((s.avg_ms().unwrap() - 13.333).abs() < 0.01);
        assert!((s.jitter_ms().unwrap() - 10.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn loopback_icmp_or_not_permitted() {
        let series = Series {
            count: 3,
            ..Series::default()
        };
        match icmp_series("127.0.0.1".parse().unwrap(), series).await {
            Ok(s) => {
                assert_eq!(s.sent, 3);
                assert_eq!(s.received, 3, "{s:?}");
            }
            Err(EchoError::NotPermitted) => {}
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn tcp_series_counts_refusals_as_replies() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        drop(l);
        let s = tcp_series(
            addr,
            3,
            Duration::from_millis(5),
            Duration::from_millis(500),
        )
        .await;
        assert_eq!((s.sent, s.received), (3, 3));
    }

    proptest! {
        #[test]
        fn parse_reply_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100), v6 in any::<bool>(), raw in any::<bool>()) {
            let _ = parse_reply(v6, raw, &bytes);
        }
    }
}
