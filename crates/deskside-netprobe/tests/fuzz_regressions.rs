//! Inputs the `netprobe_replies` fuzz target in `fuzz/` found, replayed under plain
//! `cargo test`. See `fuzz/README.md`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deskside_netprobe::wireguard::parse_uapi;

/// A UAPI answer with `last_handshake_time_sec=15917281345136141820` made `handshake_age`
/// panic ("overflow when adding duration to instant"); such a time now reads as age zero, like
/// any handshake in the future.
#[test]
fn handshake_time_past_systemtime_is_age_zero_not_a_panic() {
    let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/netprobe_replies");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        for peer in parse_uapi(&String::from_utf8_lossy(&data)) {
            let _ = peer.handshake_age(now);
        }
        seen += 1;
    }
    assert!(seen > 0, "no inputs in {}", dir.display());

    let peers = parse_uapi("public_key=ab\nlast_handshake_time_sec=15917281345136141820\n");
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].handshake_age(now), Some(Duration::ZERO));
    let peers = parse_uapi("public_key=ab\nlast_handshake_time_sec=1799999990\n");
    assert_eq!(peers[0].handshake_age(now), Some(Duration::from_secs(10)));
    assert_eq!(
        peers[0].handshake_age(SystemTime::UNIX_EPOCH),
        Some(Duration::ZERO)
    );
}
