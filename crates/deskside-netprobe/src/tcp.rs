//! TCP connect probes: the fallback when ICMP is not allowed, and the reachability test for
//! proxies. A refused connection still proves the host is alive (it answered with a reset).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How a TCP connection attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectOutcome {
    /// The handshake completed.
    Connected,
    /// The host answered with a reset: it is alive, nothing listens on the port.
    Refused,
    /// No answer within the timeout.
    TimedOut,
    /// No route / network unreachable / host unreachable.
    Unreachable,
    /// Another error.
    Error,
}

impl ConnectOutcome {
    /// Whether the remote host answered at all.
    #[must_use]
    pub const fn host_answered(self) -> bool {
        matches!(self, Self::Connected | Self::Refused)
    }
}

/// Result of one connection attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Connect {
    /// How it ended.
    pub outcome: ConnectOutcome,
    /// Time until the outcome was known.
    pub elapsed: Duration,
}

/// Try to connect to `addr` within `timeout`.
pub async fn connect(addr: SocketAddr, timeout: Duration) -> Connect {
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => ConnectOutcome::TimedOut,
        Ok(Ok(_)) => ConnectOutcome::Connected,
        Ok(Err(e)) => classify(&e),
    };
    Connect {
        outcome,
        elapsed: started.elapsed(),
    }
}

fn classify(e: &std::io::Error) -> ConnectOutcome {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => ConnectOutcome::Refused,
        K::TimedOut => ConnectOutcome::TimedOut,
        K::NetworkUnreachable | K::HostUnreachable | K::AddrNotAvailable => {
            ConnectOutcome::Unreachable
        }
        _ if crate::oserr::fault(e) == crate::oserr::Fault::Unreachable => {
            ConnectOutcome::Unreachable
        }
        _ => ConnectOutcome::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listening_port_connects_and_closed_port_is_refused() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let c = connect(addr, Duration::from_secs(1)).await;
        assert_eq!(c.outcome, ConnectOutcome::Connected);
        drop(listener);
        let c = connect(addr, Duration::from_secs(1)).await;
        assert_eq!(c.outcome, ConnectOutcome::Refused);
        assert!(c.outcome.host_answered());
    }
}
