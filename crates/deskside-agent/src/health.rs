//! Health in the background: the light diagnosis (network, VPN, disk) right after start, then
//! every `app.check_interval_s`, and 2 s after the network settles from a change (Linux:
//! netlink notices for links, IPv4 and IPv6 addresses and routes, from
//! `deskside_platform::netwatch`; elsewhere the interval only). It sleeps in between — no
//! polling. Every result, background or manual, goes through [`HealthBook::publish`]: stored,
//! announced to the shell ([`Announce::health_changed`]), and, for a problem found in the
//! background whose root cause was not announced since the machine was last healthy, one
//! notification. The decisions ([`Debounce`], [`Notifier`]) are pure and unit-tested.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use deskside_diagnostics::{Category, Health, Report};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Announce, Notice, text};

/// What the background run checks: the categories that change under the employee's feet
/// (clock and uptime do not need a network trigger).
pub const LIGHT: &[Category] = &[Category::Network, Category::Vpn, Category::Disk];
/// Quiet time after the last network-change notice before re-checking.
const QUIET: Duration = Duration::from_secs(2);
/// Re-check at the latest this long after the first notice of a burst.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// Interval when the config cannot be read (the default of `app.check_interval_s`).
const FALLBACK_INTERVAL: Duration = Duration::from_secs(300);
/// Lower bound on the interval, whatever the config says.
const MIN_INTERVAL: Duration = Duration::from_secs(10);

/// Overall health as the tray shows it; `unknown` until a check has run (or when it could
/// not run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// Not checked yet, or the check could not run.
    Unknown,
    /// Nothing fails or warns.
    Healthy,
    /// Something warns.
    Degraded,
    /// Something fails (or the configuration is broken).
    Broken,
}

impl From<Health> for HealthStatus {
    fn from(h: Health) -> Self {
        match h {
            Health::Healthy => Self::Healthy,
            Health::Degraded => Self::Degraded,
            Health::Broken => Self::Broken,
        }
    }
}

/// The last known health (background or manual run): payload of `get_health` and
/// `HealthChanged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HealthState {
    /// Overall status.
    pub status: HealthStatus,
    /// One sentence: the tray tooltip and the home screen's headline.
    pub headline: String,
    /// Root-cause check id (`net.dns`), or the config error code (`config.syntax`) when the
    /// configuration is broken; null when healthy or unknown.
    pub root_cause: Option<String>,
    /// When this was determined (RFC 3339 UTC); null before the first check.
    pub checked_at: Option<String>,
}

impl HealthState {
    /// Before the first check.
    #[must_use]
    pub fn unknown() -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: text::NOT_CHECKED_YET.to_owned(),
            root_cause: None,
            checked_at: None,
        }
    }

    /// The verdict of a diagnosis.
    #[must_use]
    pub fn from_report(report: &Report) -> Self {
        Self {
            status: report.diagnosis.status.into(),
            headline: report.diagnosis.headline.clone(),
            root_cause: report.diagnosis.root_cause.clone(),
            checked_at: Some(report.started_at.clone()),
        }
    }

    /// The configuration could not be loaded: shown as a problem, named by its code.
    #[must_use]
    pub fn config_problem(code: &str) -> Self {
        Self {
            status: HealthStatus::Broken,
            headline: text::CONFIG_PROBLEM.to_owned(),
            root_cause: Some(code.to_owned()),
            checked_at: Some(now_rfc3339()),
        }
    }

    /// A diagnosis could not run at all (says nothing about the machine).
    #[must_use]
    pub fn cannot_run(message: &str) -> Self {
        Self {
            status: HealthStatus::Unknown,
            headline: message.to_owned(),
            root_cause: None,
            checked_at: Some(now_rfc3339()),
        }
    }
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
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

/// Who produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The background task: a new problem is announced (if `app.notify` allows).
    Background {
        /// `app.notify` from the config (true when the config cannot be read).
        notify: bool,
    },
    /// A run the employee started: they see the result, so no notification, but the cause
    /// counts as announced.
    Manual,
}

/// The agent's memory of health: the last state, the last full report (a ticket attaches it,
/// a fix uses it as its "before"), and which problems were already announced.
#[derive(Debug)]
pub struct HealthBook {
    health: Mutex<HealthState>,
    report: Mutex<Option<(Instant, Report)>>,
    notifier: Mutex<Notifier>,
    /// Known issues from the Deskside server the user was told about.
    pub fleet: crate::fleet::FleetBook,
}

impl Default for HealthBook {
    fn default() -> Self {
        Self {
            health: Mutex::new(HealthState::unknown()),
            report: Mutex::new(None),
            notifier: Mutex::new(Notifier::default()),
            fleet: crate::fleet::FleetBook::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl HealthBook {
    /// The last known health.
    #[must_use]
    pub fn health(&self) -> HealthState {
        lock(&self.health).clone()
    }

    /// Keep the last report.
    pub fn set_report(&self, report: &Report) {
        *lock(&self.report) = Some((Instant::now(), report.clone()));
    }

    /// The last report.
    #[must_use]
    pub fn report(&self) -> Option<Report> {
        lock(&self.report).as_ref().map(|(_, r)| r.clone())
    }

    /// The last report if it is younger than `max_age`.
    #[must_use]
    pub fn report_within(&self, max_age: Duration) -> Option<Report> {
        lock(&self.report)
            .as_ref()
            .filter(|(at, _)| at.elapsed() <= max_age)
            .map(|(_, r)| r.clone())
    }

    /// Store `state`, tell the shell, and notify once per new problem found in the
    /// background. `detail` is the notification body (the diagnosis summary).
    pub fn publish(
        &self,
        announce: &dyn Announce,
        state: HealthState,
        detail: Option<&str>,
        origin: Origin,
    ) {
        *lock(&self.health) = state.clone();
        let is_new = lock(&self.notifier).observe(&state);
        announce.health_changed(&state);
        if is_new && origin == (Origin::Background { notify: true }) {
            tracing::info!(
                root_cause = state.root_cause.as_deref().unwrap_or("?"),
                "new problem: notifying"
            );
            announce.notify(&Notice {
                title: state.headline.clone(),
                body: detail.unwrap_or(text::OPEN_FOR_DETAILS).to_owned(),
            });
        }
    }

    /// Publish a finished diagnosis (the report is kept too).
    pub fn publish_report(&self, announce: &dyn Announce, report: &Report, origin: Origin) {
        self.set_report(report);
        self.publish(
            announce,
            HealthState::from_report(report),
            Some(&report.diagnosis.summary),
            origin,
        );
    }
}

/// The background health task: runs until the process ends. Spawn it on the shell's runtime.
pub async fn run_monitor(book: Arc<HealthBook>, announce: Arc<dyn Announce>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    deskside_platform::netwatch::spawn(move || tx.send(()).is_ok());
    let mut debounce = Debounce::new(QUIET, MAX_WAIT);
    let mut next_check = tokio::time::Instant::now();
    loop {
        let wake = debounce.deadline().map_or(next_check, |d| {
            tokio::time::Instant::from_std(d).min(next_check)
        });
        tokio::select! {
            () = tokio::time::sleep_until(wake) => {}
            Some(()) = rx.recv() => {
                debounce.event(Instant::now());
                continue;
            }
        }
        let network_changed = debounce.take_due(Instant::now());
        if network_changed || tokio::time::Instant::now() >= next_check {
            if network_changed {
                tracing::info!("network changed: checking health");
                // Queued tickets may go out now too.
                announce.network_changed();
            }
            next_check = tokio::time::Instant::now() + check_once(&book, announce.as_ref()).await;
        }
    }
}

/// One light diagnosis, published; returns the interval until the next one.
pub async fn check_once(book: &HealthBook, announce: &dyn Announce) -> Duration {
    let loaded = match crate::load_config() {
        Ok(l) => l,
        Err(err) => {
            tracing::warn!(code = %err.code(), "config problem: {}", err.message());
            book.publish(
                announce,
                HealthState::config_problem(&err.code()),
                Some(&err.message()),
                Origin::Background { notify: true },
            );
            return FALLBACK_INTERVAL;
        }
    };
    let interval = Duration::from_secs(loaded.config.app.check_interval_s).max(MIN_INTERVAL);
    let origin = Origin::Background {
        notify: loaded.config.app.notify,
    };
    let config = loaded.config.clone();
    let notify = loaded.config.app.notify;
    match deskside_diagnostics::diagnose(loaded.config, LIGHT, None).await {
        Ok(report) => {
            book.publish_report(announce, &report, origin);
            // Best effort: report to the Deskside server, tell what IT already knows.
            crate::fleet::after_check(&book.fleet, &config, &report, announce, notify).await;
        }
        Err(err) => {
            let err = crate::AgentError::Diagnose(err);
            tracing::warn!(code = %err.code(), "background check cannot run");
            book.publish(
                announce,
                HealthState::cannot_run(&err.message()),
                None,
                origin,
            );
        }
    }
    interval
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
