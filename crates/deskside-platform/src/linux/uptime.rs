//! `/proc/uptime`: seconds since boot (of this time namespace) and idle time.

use std::time::Duration;

/// The first number of `/proc/uptime` as a duration; `None` if it is not a finite,
/// non-negative number.
#[must_use]
pub fn parse_proc_uptime(text: &str) -> Option<Duration> {
    let secs: f64 = text.split_whitespace().next()?.parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}
