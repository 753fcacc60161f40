//! Path-MTU black-hole detection.
//!
//! A black hole is a path where a router cannot forward full-size packets and its
//! "fragmentation needed" answer never reaches us (filtered ICMP): small packets pass,
//! full-size don't-fragment packets silently vanish, and web pages hang half-loaded. We send
//! a few small and a few full-size DF echoes to the same host and compare; if the OS learns a
//! smaller path MTU (our full-size send is refused locally with `EMSGSIZE`), discovery works
//! and there is no black hole.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use crate::echo::{self, EchoError, EchoStats, Series};

/// Verdict of an MTU probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Full-size packets pass.
    FullSizePasses,
    /// Full-size packets are refused locally: the OS learned a smaller path MTU, so
    /// discovery works.
    SmallerPathMtuSignalled,
    /// Small packets pass, full-size ones vanish: a black hole.
    BlackHole,
    /// Small packets do not pass either: nothing to judge.
    Unreachable,
}

/// Outcome with the raw series.
#[derive(Debug, Clone, Serialize)]
pub struct MtuProbe {
    /// Target host.
    pub target: IpAddr,
    /// Link MTU tested (full-size packet = this many bytes of IP).
    pub link_mtu: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Small DF echoes.
    pub small: EchoStats,
    /// Full-size DF echoes (two rounds, so a learned PMTU shows as `too_big`).
    pub full: EchoStats,
}

/// Decide from the two series (pure, for tests).
#[must_use]
pub fn judge(small: &EchoStats, full: &EchoStats) -> Verdict {
    if small.received == 0 {
        Verdict::Unreachable
    } else if full.received > 0 {
        Verdict::FullSizePasses
    } else if full.too_big > 0 {
        Verdict::SmallerPathMtuSignalled
    } else {
        Verdict::BlackHole
    }
}

/// Probe the path to `target` for a link whose MTU is `link_mtu`.
///
/// # Errors
/// When ICMP echo cannot be sent ([`EchoError::NotPermitted`]).
pub async fn probe(target: IpAddr, link_mtu: u32, wait: Duration) -> Result<MtuProbe, EchoError> {
    let header = if target.is_ipv6() { 48 } else { 28 };
    let full_payload = usize::try_from(link_mtu.saturating_sub(header)).unwrap_or(0);
    let small = Series {
        count: 3,
        interval: Duration::from_millis(10),
        wait,
        payload: 56,
        dont_fragment: true,
    };
    let full = Series {
        payload: full_payload,
        ..small
    };
    let (small_stats, full_stats) = tokio::join!(
        echo::icmp_series(target, small),
        echo::icmp_series(target, full)
    );
    let small_stats = small_stats?;
    let mut full_stats = full_stats?;
    if full_stats.received == 0 && small_stats.received > 0 && full_stats.too_big == 0 {
        // A "fragmentation needed" may have arrived during the first round; a second round
        // then fails locally with EMSGSIZE, which tells discovery works.
        let again = echo::icmp_series(target, Series { count: 1, ..full }).await?;
        full_stats.sent += again.sent;
        full_stats.received += again.received;
        full_stats.too_big += again.too_big;
        full_stats.rtts_ms.extend(again.rtts_ms);
    }
    let verdict = judge(&small_stats, &full_stats);
    Ok(MtuProbe {
        target,
        link_mtu,
        verdict,
        small: small_stats,
        full: full_stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(sent: u32, received: u32, too_big: u32) -> EchoStats {
        let mut s = EchoStats::new("203.0.113.10".parse().unwrap(), echo::Method::Icmp);
        s.sent = sent;
        s.received = received;
        s.too_big = too_big;
        s
    }

    #[test]
    fn verdicts() {
        assert_eq!(
            judge(&stats(3, 3, 0), &stats(3, 3, 0)),
            Verdict::FullSizePasses
        );
        assert_eq!(judge(&stats(3, 3, 0), &stats(3, 0, 0)), Verdict::BlackHole);
        assert_eq!(
            judge(&stats(3, 3, 0), &stats(2, 0, 1)),
            Verdict::SmallerPathMtuSignalled
        );
        assert_eq!(
            judge(&stats(3, 0, 0), &stats(3, 0, 0)),
            Verdict::Unreachable
        );
    }

    #[tokio::test]
    async fn loopback_passes_full_size() {
        match probe(
            "127.0.0.1".parse().unwrap(),
            1500,
            Duration::from_millis(300),
        )
        .await
        {
            Ok(p) => assert_eq!(p.verdict, Verdict::FullSizePasses, "{p:?}"),
            Err(EchoError::NotPermitted) => {}
            Err(e) => panic!("{e}"),
        }
    }
}
