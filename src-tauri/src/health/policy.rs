//! The decisions of background health, kept pure (no clock, no I/O) so they are unit-tested
//! on every OS: when a burst of network-change notices has settled enough to re-check
//! ([`Debounce`]), and whether a result deserves a notification ([`Notifier`]).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::ipc::{HealthState, HealthStatus};

/// Collapses a burst of events into one action: due `quiet` after the last event, but no
/// later than `max_wait` after the first (a link that flaps forever still gets checked).
#[derive(Debug, Clone)]
pub struct Debounce {
    quiet: Duration,
    max_wait: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Debounce {
    /// A debounce with these windows.
    #[must_use]
    pub const fn new(quiet: Duration, max_wait: Duration) -> Self {
        Self {
            quiet,
            max_wait,
            first: None,
            last: None,
        }
    }

    /// An event happened at `now`.
    pub fn event(&mut self, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// When the pending burst is due; `None` when nothing is pending.
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        match (self.first, self.last) {
            (Some(first), Some(last)) => Some((last + self.quiet).min(first + self.max_wait)),
            _ => None,
        }
    }

    /// Whether the pending burst is due at `now`; if so it is consumed.
    pub fn take_due(&mut self, now: Instant) -> bool {
        match self.deadline() {
            Some(d) if d <= now => {
                self.first = None;
                self.last = None;
                true
            }
            _ => false,
        }
    }
}

/// Decides which results deserve a notification: a problem whose root cause has not been
/// announced since the machine was last healthy. The same cause again, or a cause that comes
/// back while another is flapping, stays quiet; a healthy result starts afresh; an `unknown`
/// result (the check could not run) says nothing about the machine and changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    announced: BTreeSet<String>,
}

impl Notifier {
    /// Record `state`; `true` when it is a new problem to announce.
    pub fn observe(&mut self, state: &HealthState) -> bool {
        match state.status {
            HealthStatus::Healthy => {
                self.announced.clear();
                false
            }
            HealthStatus::Unknown => false,
            HealthStatus::Degraded | HealthStatus::Broken => {
                let cause = state
                    .root_cause
                    .clone()
                    .unwrap_or_else(|| state.headline.clone());
                self.announced.insert(cause)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUIET: Duration = Duration::from_secs(2);
    const MAX: Duration = Duration::from_secs(10);

    fn secs(base: Instant, s: u64) -> Instant {
        base + Duration::from_secs(s)
    }

    #[test]
    fn a_burst_fires_once_after_it_settles() {
        let t0 = Instant::now();
        let mut d = Debounce::new(QUIET, MAX);
        assert_eq!(d.deadline(), None);
        assert!(!d.take_due(t0));
        d.event(t0);
        d.event(secs(t0, 1));
        assert_eq!(d.deadline(), Some(secs(t0, 3)));
        assert!(!d.take_due(secs(t0, 2)));
        assert!(d.take_due(secs(t0, 3)));
        assert!(!d.take_due(secs(t0, 4)), "consumed");
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn endless_flapping_still_fires_after_max_wait() {
        let t0 = Instant::now();
        let mut d = Debounce::new(QUIET, MAX);
        for s in 0..=12 {
            d.event(secs(t0, s));
        }
        assert_eq!(d.deadline(), Some(secs(t0, 10)));
        assert!(d.take_due(secs(t0, 12)));
    }

    fn state(status: HealthStatus, cause: Option<&str>) -> HealthState {
        HealthState {
            status,
            headline: "h".into(),
            root_cause: cause.map(str::to_owned),
            checked_at: None,
        }
    }

    #[test]
    fn same_root_cause_is_announced_once_until_healthy_again() {
        let mut n = Notifier::default();
        let dns = state(HealthStatus::Broken, Some("net.dns"));
        assert!(n.observe(&dns));
        assert!(!n.observe(&dns), "same cause again: no storm");
        assert!(!n.observe(&state(HealthStatus::Unknown, None)));
        assert!(!n.observe(&dns), "a failed run in between does not reset");
        assert!(!n.observe(&state(HealthStatus::Healthy, None)));
        assert!(n.observe(&dns), "healthy resets");
    }

    #[test]
    fn a_new_cause_is_announced_but_flapping_between_two_is_not() {
        let mut n = Notifier::default();
        assert!(n.observe(&state(HealthStatus::Broken, Some("net.dns"))));
        assert!(n.observe(&state(HealthStatus::Degraded, Some("disk.space"))));
        assert!(!n.observe(&state(HealthStatus::Broken, Some("net.dns"))));
        assert!(!n.observe(&state(HealthStatus::Degraded, Some("disk.space"))));
    }
}
