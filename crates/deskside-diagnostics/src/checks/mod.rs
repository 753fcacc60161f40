//! The checks, one module per category. Each check is an `async fn(&Context) -> Outcome`
//! registered with its id, dependencies and timeout in [`crate::catalog`].
//!
//! Summaries are written for the employee (no jargon without an explanation, always a next
//! step in `advice`); evidence is written for the helpdesk (addresses, codes, timings).

pub mod disk;
pub mod net;
pub mod system;
pub mod vpn;

/// Human-readable byte count (`1.5 GB`), decimal units as file managers show them.
#[must_use]
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    #[expect(clippy::cast_precision_loss, reason = "display only")]
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS.get(unit).unwrap_or(&""))
    }
}

/// Round to one decimal for evidence.
#[must_use]
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_humane() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
        assert_eq!(human_bytes(256_000_000_000), "256.0 GB");
    }
}
