//! WireGuard liveness from the UAPI socket (`/var/run/wireguard/<iface>.sock`).
//!
//! A WireGuard interface is "up" as soon as it exists, whether or not the server answers;
//! the only sign of life is the peer's latest handshake. Userspace implementations
//! (wireguard-go, boringtun) expose it on a UNIX socket with the cross-platform UAPI text
//! protocol: send `get=1\n\n`, read `key=value` lines.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// One peer as reported by UAPI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Peer {
    /// Endpoint `ip:port`, if known.
    pub endpoint: Option<String>,
    /// Last handshake, seconds since the epoch; `None` if never.
    pub last_handshake_unix: Option<u64>,
    /// Bytes received from the peer.
    pub rx_bytes: u64,
    /// Bytes sent to the peer.
    pub tx_bytes: u64,
}

impl Peer {
    /// Age of the last handshake at `now`; zero for a time in the future. (A time past what
    /// `SystemTime` holds panicked here; found by fuzzing.)
    #[must_use]
    pub fn handshake_age(&self, now: SystemTime) -> Option<Duration> {
        let at = UNIX_EPOCH.checked_add(Duration::from_secs(self.last_handshake_unix?));
        Some(at.map_or(Duration::ZERO, |at| {
            now.duration_since(at).unwrap_or_default()
        }))
    }
}

/// Parse a UAPI `get` reply into peers (public keys are deliberately not kept).
#[must_use]
pub fn parse_uapi(text: &str) -> Vec<Peer> {
    let mut peers = Vec::new();
    let mut current: Option<Peer> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "public_key" => {
                if let Some(p) = current.take() {
                    peers.push(p);
                }
                current = Some(Peer::default());
            }
            "endpoint" => {
                if let Some(p) = current.as_mut() {
                    p.endpoint = Some(value.to_owned());
                }
            }
            "last_handshake_time_sec" => {
                if let Some(p) = current.as_mut() {
                    p.last_handshake_unix = value.parse().ok().filter(|&s: &u64| s > 0);
                }
            }
            "rx_bytes" => {
                if let Some(p) = current.as_mut() {
                    p.rx_bytes = value.parse().unwrap_or(0);
                }
            }
            "tx_bytes" => {
                if let Some(p) = current.as_mut() {
                    p.tx_bytes = value.parse().unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    peers.extend(current);
    peers
}

/// Read the peers of `iface` from its UAPI socket. `Ok(None)` when the interface has no
/// readable socket (kernel WireGuard, not WireGuard at all, or no permission).
///
/// # Errors
/// I/O errors talking to an existing socket.
#[cfg(unix)]
pub async fn peers(iface: &str) -> std::io::Result<Option<Vec<Peer>>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if iface.contains('/') || iface.contains("..") {
        return Ok(None);
    }
    let path = format!("/var/run/wireguard/{iface}.sock");
    let mut stream = match tokio::net::UnixStream::connect(&path).await {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    stream.write_all(b"get=1\n\n").await?;
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if buf.ends_with(b"\n\n") || buf.len() > 1 << 20 {
            break;
        }
    }
    Ok(Some(parse_uapi(&String::from_utf8_lossy(&buf))))
}

/// Non-Unix: no UAPI socket support yet.
///
/// # Errors
/// Never.
#[cfg(not(unix))]
pub async fn peers(_iface: &str) -> std::io::Result<Option<Vec<Peer>>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\nlisten_port=12912\npublic_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\npreshared_key=0000000000000000000000000000000000000000000000000000000000000000\nallowed_ip=192.168.4.4/32\nendpoint=198.18.0.2:51820\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=0\ntx_bytes=38333\nrx_bytes=2224\npersistent_keepalive_interval=0\npublic_key=58402e695ba1772b1cc9309755f043251ea77fdcf10fbe63989ceb7e19321376\nendpoint=[2001:db8::2]:51820\nlast_handshake_time_sec=0\nerrno=0\n\n";

    #[test]
    fn parses_peers_and_never_handshaked() {
        let peers = parse_uapi(SAMPLE);
        assert_eq!(peers.len(), 2);
        assert_eq!(peers[0].endpoint.as_deref(), Some("198.18.0.2:51820"));
        assert_eq!(peers[0].last_handshake_unix, Some(1_700_000_000));
        assert_eq!(peers[0].rx_bytes, 2224);
        assert_eq!(peers[1].last_handshake_unix, None);
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        assert_eq!(peers[0].handshake_age(now), Some(Duration::from_secs(100)));
    }

    #[tokio::test]
    async fn missing_socket_is_none() {
        assert!(peers("deskside-no-such-if").await.unwrap().is_none());
        assert!(peers("../../etc/passwd").await.unwrap().is_none());
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in ".{0,500}") {
            let _ = parse_uapi(&text);
        }
    }
}
