//! Ticket delivery in the background: the one worker both shells run (the tray app spawns it,
//! `desksidectl agent run` runs it in the foreground). It decides *when* to deliver; the
//! outbox (`deskside-outbox`) decides how, exactly once, with locking and crash recovery.
//!
//! A round delivers what is due (and, every [`Timing::status_every`], asks the helpdesk about
//! delivered tickets). Rounds happen right after start, when the shell wakes the worker (a
//! ticket queued or retried in the window, the network came back), when the earliest queued
//! ticket's backoff runs out, when another process changed the outbox (a ticket queued by
//! `desksidectl ticket submit`), and — while tickets wait because the helpdesk could not be
//! reached — as soon as a cheap TCP probe of the helpdesk answers (every
//! [`Timing::probe_every`]). Such tickets are then tried at once, backoff or not; before
//! that, a round whose only work is those tickets probes first, so an outage costs no
//! attempts. While delivering it polls the outbox's change counter so the shell can show
//! `sending` live. What it tells the person (delivered, could not be sent, answered) goes
//! through [`Announce`], with the texts in [`crate::text::notices`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deskside_config::{Config, LoadOptions, Os};
use deskside_helpdesk::Helpdesk;
use deskside_outbox::{DeliverOptions, Endpoint, Entry, Event, Outbox, OutboxError, State};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::{Announce, text};

/// How often the worker looks, waits and probes.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Longest sleep between two rounds.
    pub max_sleep: Duration,
    /// Shortest sleep, so a ticket whose backoff is over is not hammered.
    pub min_sleep: Duration,
    /// After "another process is delivering": try again this soon.
    pub busy_retry: Duration,
    /// How often delivered tickets' status is asked for.
    pub status_every: Duration,
    /// While delivering, how often the shell is told about state changes.
    pub live_poll: Duration,
    /// While idle, how often the outbox's change counter is read (another process queued a
    /// ticket).
    pub look_every: Duration,
    /// While tickets wait for an unreachable helpdesk, how often it is probed.
    pub probe_every: Duration,
    /// How long one probe may take.
    pub probe_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            max_sleep: Duration::from_secs(15 * 60),
            min_sleep: Duration::from_secs(1),
            busy_retry: Duration::from_secs(10),
            status_every: Duration::from_secs(15 * 60),
            live_poll: Duration::from_millis(300),
            look_every: Duration::from_secs(5),
            probe_every: Duration::from_secs(3),
            probe_timeout: Duration::from_secs(2),
        }
    }
}

/// Where the worker finds its config and outbox, and its timing.
#[derive(Debug, Clone, Default)]
pub struct WorkerOptions {
    /// An explicit config file on top of the usual layers (`desksidectl --config`).
    pub config: Option<PathBuf>,
    /// The outbox file; `None` means `<data dir>/outbox.sqlite3`.
    pub outbox: Option<PathBuf>,
    /// Timing.
    pub timing: Timing,
}

#[derive(Debug, Default)]
struct WakeState {
    notify: Notify,
    urgent: AtomicBool,
}

/// The shell's handle to wake the worker (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Waker(Arc<WakeState>);

impl Waker {
    /// Look at the outbox now (a ticket was queued, the network came back).
    pub fn wake(&self) {
        self.0.notify.notify_one();
    }

    /// Deliver now even tickets still in backoff (the user pressed "retry").
    pub fn wake_urgent(&self) {
        self.0.urgent.store(true, Ordering::SeqCst);
        self.0.notify.notify_one();
    }

    fn take_urgent(&self) -> bool {
        self.0.urgent.swap(false, Ordering::SeqCst)
    }
}

/// What a round leaves for the wait that follows it.
#[derive(Debug)]
struct Plan {
    /// Sleep at most this long.
    sleep: Duration,
    /// Tickets wait for this unreachable helpdesk: probe it while sleeping.
    probe: Option<Endpoint>,
    /// The outbox's change counter after the round.
    seq: i64,
}

impl Plan {
    const fn idle(sleep: Duration) -> Self {
        Self {
            sleep,
            probe: None,
            seq: -1,
        }
    }
}

/// The delivery worker: runs until its future is dropped.
#[derive(Debug)]
pub struct Worker<A: Announce> {
    announce: Arc<A>,
    options: WorkerOptions,
    waker: Waker,
}

impl<A: Announce> Worker<A> {
    /// A worker speaking through `announce`, woken through `waker`.
    #[must_use]
    pub const fn new(announce: Arc<A>, options: WorkerOptions, waker: Waker) -> Self {
        Self {
            announce,
            options,
            waker,
        }
    }

    /// Rounds and waits, forever.
    pub async fn run(self) {
        let timing = self.options.timing.clone();
        let mut last_status: Option<Instant> = None;
        loop {
            let urgent = self.waker.take_urgent();
            let status_due = last_status.is_none_or(|t| t.elapsed() >= timing.status_every);
            let plan = self.round(urgent, status_due).await;
            if status_due {
                last_status = Some(Instant::now());
            }
            let until_status = last_status.map_or(Duration::ZERO, |t| {
                timing.status_every.saturating_sub(t.elapsed())
            });
            let sleep = plan.sleep.min(until_status).max(timing.min_sleep);
            self.wait(Instant::now() + sleep, &plan).await;
        }
    }

    /// Sleeps until `deadline`, a wake-up, a change by another process, or — when tickets
    /// wait for an unreachable helpdesk — until it answers a probe.
    async fn wait(&self, deadline: Instant, plan: &Plan) {
        let timing = &self.options.timing;
        let outbox = self.open().ok();
        let tick = if plan.probe.is_some() {
            timing.probe_every.min(timing.look_every)
        } else {
            timing.look_every
        };
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            tokio::select! {
                () = self.waker.0.notify.notified() => return,
                () = tokio::time::sleep(tick.min(left)) => {}
            }
            if let Some(endpoint) = &plan.probe
                && deskside_outbox::probe(endpoint, timing.probe_timeout).await
            {
                tracing::info!(%endpoint, "the helpdesk answers again");
                return;
            }
            if plan.seq >= 0
                && let Some(outbox) = &outbox
                && outbox.last_seq().is_ok_and(|seq| seq != plan.seq)
            {
                return;
            }
        }
    }

    fn open(&self) -> Result<Outbox, OutboxError> {
        match &self.options.outbox {
            Some(path) => Outbox::open(path),
            None => Outbox::open_default(),
        }
    }

    fn load_config(&self) -> Option<Config> {
        let options = LoadOptions::from_env(Os::current(), self.options.config.clone());
        match deskside_config::load(&options) {
            Ok(loaded) => Some(loaded.config),
            Err(err) => {
                tracing::warn!(
                    code = err.code(),
                    "ticket delivery: configuration error: {err}"
                );
                None
            }
        }
    }

    /// One round: deliver what is due (and check statuses when due).
    async fn round(&self, urgent: bool, status_due: bool) -> Plan {
        let timing = &self.options.timing;
        let Some(config) = self.load_config() else {
            return Plan::idle(timing.max_sleep);
        };
        if config.helpdesk.kind.is_none() {
            return Plan::idle(timing.max_sleep);
        }
        let outbox = match self.open() {
            Ok(o) => o,
            Err(err) => {
                tracing::warn!(code = err.code(), "ticket outbox unavailable: {err}");
                return Plan::idle(timing.max_sleep);
            }
        };
        let entries = outbox.list().unwrap_or_default();
        let pending = entries
            .iter()
            .any(|e| matches!(e.state, State::Queued | State::Sending));
        let check_status = status_due && entries.iter().any(|e| e.state == State::Delivered);
        let mut plan = Plan {
            sleep: timing.max_sleep,
            probe: None,
            seq: outbox.last_seq().unwrap_or(-1),
        };
        if !(pending || check_status) {
            return plan;
        }
        match crate::ticket::fail_if_misconfigured(&config, &outbox) {
            Ok(failed) if !failed.is_empty() => return plan,
            Ok(_) => {}
            Err(err) => tracing::warn!(code = err.code(), "ticket outbox: {err}"),
        }
        // The Deskside server's relay when `server.url` is set, else the `[helpdesk]` one.
        let connector = match deskside_helpdesk::for_device(&config) {
            Ok(c) => c,
            Err(err) => {
                tracing::warn!(code = err.code(), "helpdesk not usable: {err}");
                return plan;
            }
        };
        let endpoint = Endpoint::for_device(&config);
        if pending {
            self.deliver(
                &config,
                &outbox,
                &connector,
                endpoint.as_ref(),
                urgent,
                &mut plan,
            )
            .await;
        }
        if check_status {
            match outbox.refresh_status(&connector).await {
                Ok(changed) if !changed.is_empty() => {
                    for e in &changed {
                        if e.status.as_ref().is_some_and(|s| s.last_reply.is_some()) {
                            let id = e.remote.as_ref().map(|r| r.id.as_str());
                            self.announce.notify(&text::notices::answered(id));
                        }
                    }
                    self.publish(&outbox);
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(code = err.code(), "ticket status check: {err}"),
            }
        }
        plan.seq = outbox.last_seq().unwrap_or(plan.seq);
        plan
    }

    /// The delivery half of a round.
    async fn deliver(
        &self,
        config: &Config,
        outbox: &Outbox,
        connector: &Helpdesk,
        endpoint: Option<&Endpoint>,
        urgent: bool,
        plan: &mut Plan,
    ) {
        let timing = &self.options.timing;
        let waiting = outbox.waiting_for_helpdesk().unwrap_or(false);
        let mut reachable = false;
        if waiting && let Some(endpoint) = endpoint {
            reachable = deskside_outbox::probe(endpoint, timing.probe_timeout).await;
            // The helpdesk still does not answer: any attempt would only fail again (and count
            // against the ticket). Keep probing instead; a user's "retry" still tries.
            if !reachable && !urgent {
                // The probe while waiting ends the sleep as soon as it answers.
                plan.sleep = timing.max_sleep;
                plan.probe = Some(endpoint.clone());
                return;
            }
        }
        let options = DeliverOptions {
            ignore_backoff: urgent,
            helpdesk_reachable: reachable,
            ..DeliverOptions::from_config(config)
        };
        match self.deliver_live(outbox, connector, &options).await {
            Ok(events) => {
                for event in &events {
                    self.announce_event(event);
                }
            }
            Err(OutboxError::Busy) => plan.sleep = timing.busy_retry,
            Err(err) => tracing::warn!(code = err.code(), "ticket delivery: {err}"),
        }
        self.publish(outbox);
        plan.sleep = plan.sleep.min(until_next_due(outbox, timing));
        if outbox.waiting_for_helpdesk().unwrap_or(false) {
            plan.probe = endpoint.cloned();
        }
    }

    /// `deliver_due`, telling the shell about each state change while it runs.
    async fn deliver_live(
        &self,
        outbox: &Outbox,
        connector: &Helpdesk,
        options: &DeliverOptions,
    ) -> Result<Vec<Event>, OutboxError> {
        let mut seen = outbox.last_seq().unwrap_or(0);
        let delivery = outbox.deliver_due(connector, options);
        tokio::pin!(delivery);
        loop {
            tokio::select! {
                result = &mut delivery => return result,
                () = tokio::time::sleep(self.options.timing.live_poll) => {
                    if let Ok(seq) = outbox.last_seq() && seq != seen {
                        seen = seq;
                        self.publish(outbox);
                    }
                }
            }
        }
    }

    fn announce_event(&self, event: &Event) {
        self.announce.delivery(event);
        match event {
            Event::Delivered { id, remote } => {
                tracing::info!(id, remote = %remote.id, "ticket delivered");
                self.announce.notify(&text::notices::delivered(&remote.id));
            }
            Event::Failed { id, reason } => {
                tracing::warn!(id, "ticket failed: {reason}");
                self.announce.notify(&text::notices::failed());
            }
            Event::Retrying { id, reason } => {
                tracing::info!(id, "ticket will be retried: {reason}");
            }
        }
    }

    /// Tell the shell the outbox changed.
    fn publish(&self, outbox: &Outbox) {
        match outbox.list() {
            Ok(entries) => self.announce.outbox_changed(&entries),
            Err(err) => tracing::warn!(code = err.code(), "cannot list the outbox: {err}"),
        }
    }
}

fn next_at(e: &Entry) -> Option<OffsetDateTime> {
    e.next_attempt_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// Time until the earliest queued ticket is due.
fn until_next_due(outbox: &Outbox, timing: &Timing) -> Duration {
    let now = OffsetDateTime::now_utc();
    outbox
        .list()
        .unwrap_or_default()
        .iter()
        .filter(|e| e.state == State::Queued)
        .map(|e| {
            next_at(e).map_or(timing.min_sleep, |t| {
                Duration::try_from(t - now).unwrap_or(timing.min_sleep)
            })
        })
        .min()
        .unwrap_or(timing.max_sleep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_the_ticket() {
        let n = text::notices::delivered("123");
        assert_eq!(n.title, "Your request was sent to IT as ticket #123");
        assert_eq!(
            text::notices::answered(Some("9")).title,
            "Your ticket #9 was answered"
        );
        assert_eq!(
            text::notices::failed().title,
            "Your request could not be sent to IT"
        );
    }
}
