//! The durable ticket outbox: every ticket is written to a SQLite file before anything is sent,
//! and leaves it only as `delivered` or `failed`. It survives `kill -9`, a full disk and a
//! reboot, and it never creates a duplicate ticket.
//!
//! * **Durability.** `<data dir>/outbox.sqlite3`, WAL journal with `synchronous = FULL`: a
//!   committed state change is on disk before the next step starts. A full disk fails the
//!   write with [`OutboxError::DiskFull`] and leaves every earlier ticket as it was.
//! * **States.** `queued` → `sending` → `delivered` (the helpdesk's id and URL) or back to
//!   `queued` (a transient error: exponential backoff with jitter, and never earlier than the
//!   helpdesk's `Retry-After`) or `failed` (refused, or out of rounds; with the reason and a
//!   "copy as e-mail" text).
//! * **Rounds, not attempts, set the backoff.** One [`Outbox::deliver_due`] run, or one whole
//!   [`Outbox::deliver_now`] call with its quick retries, is one round; the backoff exponent
//!   and [`DeliverOptions::max_attempts`] count failed rounds. While the helpdesk is merely
//!   unreachable (refused, reset, timed out, name not resolved) the backoff is capped at
//!   [`DeliverOptions::unreachable_cap`] (a minute): a ticket must not wait an hour after a
//!   short outage. Answered errors (5xx, 429) back off up to [`DeliverOptions::backoff_cap`].
//!   [`probe`] is the cheap reachability check the worker and `outbox flush` use first.
//! * **Exactly once.** Each ticket gets an idempotency key (UUID v4) when queued. Before a
//!   create request is sent, the row is marked `maybe_created` (durably). Any attempt that
//!   starts with that mark set — after a timeout, a 5xx, a reset connection, or a process
//!   killed while `sending` — first asks the helpdesk for the key ([`Connector::find_by_key`])
//!   and creates only if it is absent — but not before [`DeliverOptions::settle`] has passed
//!   since that create started: a helpdesk may still be processing a request whose client gave
//!   up (RT under load took seconds), and a search during that window finds nothing.
//!   Connectors that cannot search rely on the receiver's
//!   de-duplication by key ([`Lookup::ReceiverDeduplicates`]).
//! * **One deliverer at a time.** Delivery holds an exclusive lock on
//!   `outbox.sqlite3.lock` (released by the OS when the process dies), so a `sending` row seen
//!   by the lock holder is always a leftover of a crash.

mod lock;
mod probe;
mod store;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deskside_helpdesk::{
    Attachment, Connector, Lookup, Outgoing, Remote, RemoteStatus, SendError, Urgency,
};
use serde::{Deserialize, Serialize};

pub use probe::{Endpoint, probe};
pub use store::FILE_NAME;

/// Errors of the outbox itself (not of a delivery attempt, which is recorded on the ticket).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// No per-user data directory could be found.
    #[error("cannot find a folder for the ticket outbox: set DESKSIDE_DATA_DIR (or HOME)")]
    NoDataDir,
    /// The disk is full: the change was not written, earlier tickets are intact.
    #[error(
        "the disk holding {path} is full, so the ticket could not be saved; free some space and try again (nothing already queued was lost)"
    )]
    DiskFull {
        /// The outbox file.
        path: String,
    },
    /// The outbox file cannot be opened or created.
    #[error("cannot open the ticket outbox {path}: {problem}")]
    Open {
        /// The outbox file.
        path: String,
        /// What went wrong.
        problem: String,
    },
    /// A database operation failed.
    #[error("the ticket outbox {path} could not be updated: {problem}")]
    Database {
        /// The outbox file.
        path: String,
        /// What went wrong.
        problem: String,
    },
    /// Another Deskside process is delivering tickets right now.
    #[error(
        "another Deskside process is sending tickets right now; yours stays queued and is sent next"
    )]
    Busy,
    /// No ticket with this id.
    #[error("there is no ticket {0} in the outbox")]
    NotFound(i64),
    /// A stored ticket cannot be read back.
    #[error("ticket {id} in the outbox cannot be read: {problem}")]
    Corrupt {
        /// Local id.
        id: i64,
        /// What is wrong.
        problem: String,
    },
}

impl OutboxError {
    /// Stable code for the CLI and IPC.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NoDataDir => "outbox.no_data_dir",
            Self::DiskFull { .. } => "outbox.disk_full",
            Self::Open { .. } => "outbox.open",
            Self::Database { .. } => "outbox.database",
            Self::Busy => "outbox.busy",
            Self::NotFound(_) => "outbox.not_found",
            Self::Corrupt { .. } => "outbox.corrupt",
        }
    }
}

/// Where a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for its next attempt.
    Queued,
    /// An attempt is under way (or was, when the process died).
    Sending,
    /// The helpdesk has it.
    Delivered,
    /// Given up: refused by the helpdesk or out of attempts.
    Failed,
}

impl State {
    /// The stored and printed name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::Queued, Self::Sending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// A ticket to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// Title.
    pub subject: String,
    /// Body (the reference line with the key is appended when queued).
    pub body: String,
    /// Urgency.
    pub urgency: Urgency,
    /// Category.
    pub category: Option<String>,
    /// Contact.
    pub contact: Option<String>,
    /// Who the ticket is filed for.
    pub requester: Option<deskside_helpdesk::Requester>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
}

impl NewTicket {
    /// From a rendered bundle: its category (the user's, else the root cause's) and requester.
    #[must_use]
    pub fn from_rendered(
        rendered: deskside_evidence::Rendered,
        request: &deskside_evidence::TicketRequest,
    ) -> Self {
        Self {
            subject: rendered.subject,
            body: rendered.body,
            urgency: request.urgency,
            category: rendered.category.or_else(|| request.category.clone()),
            contact: request.contact.clone(),
            requester: rendered.requester,
            attachments: rendered.attachments,
        }
    }
}

/// One ticket as the user sees it in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Local id.
    pub id: i64,
    /// Idempotency key.
    pub key: String,
    /// Title.
    pub subject: String,
    /// State.
    pub state: State,
    /// The helpdesk's ticket, once known.
    pub remote: Option<Remote>,
    /// Attempts made.
    pub attempts: u32,
    /// When the next attempt is due (RFC 3339), for queued tickets.
    pub next_attempt_at: Option<String>,
    /// The last error, in words.
    pub error: Option<String>,
    /// When it was queued (RFC 3339).
    pub created_at: String,
    /// When it was delivered (RFC 3339).
    pub delivered_at: Option<String>,
    /// The helpdesk's status, from the last status check.
    pub status: Option<RemoteStatus>,
    /// The connector it was queued for.
    pub helpdesk: String,
    /// Change counter: higher means changed later (for polling UIs).
    pub seq: i64,
}

/// What happened to a ticket during a delivery run: for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The helpdesk has it ("Your ticket #123 was filed").
    Delivered {
        /// Local id.
        id: i64,
        /// The helpdesk's ticket.
        remote: Remote,
    },
    /// Will be retried.
    Retrying {
        /// Local id.
        id: i64,
        /// Why the attempt failed.
        reason: String,
    },
    /// Given up.
    Failed {
        /// Local id.
        id: i64,
        /// Why.
        reason: String,
    },
}

/// Knobs of a delivery run.
#[derive(Debug, Clone)]
pub struct DeliverOptions {
    /// Try queued tickets now even if their backoff has not expired (`Retry-After` still holds).
    pub ignore_backoff: bool,
    /// The helpdesk just answered a [`probe`]: tickets that waited only because it was
    /// unreachable are tried now (answered errors keep their backoff; `Retry-After` holds).
    pub helpdesk_reachable: bool,
    /// Failed rounds before a ticket is failed (quick retries inside one
    /// [`Outbox::deliver_now`] call count once).
    pub max_attempts: u32,
    /// How long to wait for another process's delivery lock.
    pub lock_wait: Duration,
    /// First backoff step.
    pub backoff_base: Duration,
    /// Longest backoff after the helpdesk answered with an error (5xx, 429).
    pub backoff_cap: Duration,
    /// Longest backoff while the helpdesk cannot be reached at all (refused, reset, timed
    /// out): it may be back in seconds, and a probe is cheap.
    pub unreachable_cap: Duration,
    /// [`Outbox::deliver_now`]: the first pause between its quick retries (doubling, jittered).
    pub quick_pause: Duration,
    /// [`Outbox::deliver_now`]: the longest pause between its quick retries.
    pub quick_pause_cap: Duration,
    /// After an uncertain create (timeout, 5xx, crash), how long the helpdesk may still be
    /// working on that request: the search by key waits until then, because a search that
    /// runs while the first create is still being processed finds nothing and would lead to a
    /// second ticket. Set it above the request timeout.
    pub settle: Duration,
}

impl Default for DeliverOptions {
    fn default() -> Self {
        Self {
            ignore_backoff: false,
            helpdesk_reachable: false,
            max_attempts: 50,
            lock_wait: Duration::from_secs(10),
            backoff_base: Duration::from_secs(30),
            backoff_cap: Duration::from_secs(3600),
            unreachable_cap: Duration::from_secs(60),
            quick_pause: Duration::from_millis(500),
            quick_pause_cap: Duration::from_secs(8),
            settle: Duration::from_secs(30),
        }
    }
}

impl DeliverOptions {
    /// The options every caller uses (tray worker, `desksidectl agent run`, `ticket submit`,
    /// `outbox flush`): attempts from `tickets.max_attempts`, and a settle window longer than
    /// `helpdesk.timeout_s`, so no caller searches by key while its own (or another's) create
    /// may still be running.
    #[must_use]
    pub fn from_config(config: &deskside_config::Config) -> Self {
        Self {
            max_attempts: u32::try_from(config.tickets.max_attempts).unwrap_or(u32::MAX),
            settle: Duration::from_secs(config.helpdesk.timeout_s.saturating_add(5)),
            ..Self::default()
        }
    }

    /// The longest backoff for a failure of this kind.
    const fn cap(&self, unreachable: bool) -> Duration {
        if unreachable {
            self.unreachable_cap
        } else {
            self.backoff_cap
        }
    }
}

/// Milliseconds as stored (saturating).
fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

/// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)`, capped, then scaled by a
/// random factor in [0.5, 1.0] so many clients coming back after an outage do not retry in
/// step.
#[must_use]
pub fn backoff(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let exp = attempts.saturating_sub(1).min(20);
    let raw = base.saturating_mul(1_u32 << exp).min(cap);
    raw.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Unix milliseconds as RFC 3339 (UTC, seconds).
pub(crate) fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Whether a failed attempt ends the ticket's round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// A `deliver_due` run: one attempt per ticket, the round ends with it.
    Ends,
    /// Inside `deliver_now`: quick retries follow; the call ends the round.
    Continues,
}

/// The durable outbox.
#[derive(Debug)]
pub struct Outbox {
    store: store::Store,
    lock_path: PathBuf,
}

impl Outbox {
    /// Opens (creating if needed) the outbox at `path`.
    ///
    /// # Errors
    /// [`OutboxError::Open`] or [`OutboxError::DiskFull`].
    pub fn open(path: &Path) -> Result<Self, OutboxError> {
        let store = store::Store::open(path)?;
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        Ok(Self {
            store,
            lock_path: PathBuf::from(lock_path),
        })
    }

    /// Opens `<data dir>/outbox.sqlite3` (`DESKSIDE_DATA_DIR` overrides the data dir).
    ///
    /// # Errors
    /// As [`Outbox::open`], or [`OutboxError::NoDataDir`].
    pub fn open_default() -> Result<Self, OutboxError> {
        let dir = deskside_config::current_data_dir().ok_or(OutboxError::NoDataDir)?;
        std::fs::create_dir_all(&dir).map_err(|e| store::io_error(&dir, &e))?;
        Self::open(&dir.join(FILE_NAME))
    }

    /// The outbox file.
    #[must_use]
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Queues a ticket durably and gives it its idempotency key. When this returns, the ticket
    /// is on disk.
    ///
    /// # Errors
    /// [`OutboxError::DiskFull`] or another database error; nothing is half-written.
    pub fn enqueue(&self, ticket: NewTicket, helpdesk: &str) -> Result<Entry, OutboxError> {
        let key = uuid::Uuid::new_v4().to_string();
        let outgoing = Outgoing {
            body: format!(
                "{}\n{}{key}\n",
                ticket.body.trim_end(),
                deskside_helpdesk::REFERENCE_PREFIX
            ),
            key,
            subject: ticket.subject,
            urgency: ticket.urgency,
            category: ticket.category,
            contact: ticket.contact,
            requester: ticket.requester,
            attachments: ticket.attachments,
        };
        self.store.insert(&outgoing, helpdesk)
    }

    /// Marks every queued ticket failed with `reason`, for a helpdesk this configuration cannot
    /// use at all (a required key missing): waiting would be forever. The user then sees the
    /// reason and the copy-as-email fallback; [`Outbox::retry`] queues a ticket again once IT
    /// has fixed the configuration. Returns the ids marked.
    ///
    /// # Errors
    /// The database cannot be read or written.
    pub fn fail_queued(&self, reason: &str) -> Result<Vec<i64>, OutboxError> {
        let ids: Vec<i64> = self
            .store
            .list(None)?
            .into_iter()
            .filter(|e| e.state == State::Queued)
            .map(|e| e.id)
            .collect();
        for id in &ids {
            self.store.mark_failed(*id, reason)?;
        }
        Ok(ids)
    }

    /// Every ticket, newest first.
    ///
    /// # Errors
    /// A database error.
    pub fn list(&self) -> Result<Vec<Entry>, OutboxError> {
        self.store.list(None)
    }

    /// Tickets changed after `seq` (poll with the highest `seq` seen).
    ///
    /// # Errors
    /// A database error.
    pub fn changes_since(&self, seq: i64) -> Result<Vec<Entry>, OutboxError> {
        self.store.list(Some(seq))
    }

    /// One ticket.
    ///
    /// # Errors
    /// [`OutboxError::NotFound`] or a database error.
    pub fn get(&self, id: i64) -> Result<Entry, OutboxError> {
        self.store.entry(id)
    }

    /// The ticket as it will be sent.
    ///
    /// # Errors
    /// [`OutboxError::NotFound`] or a database error.
    pub fn outgoing(&self, id: i64) -> Result<Outgoing, OutboxError> {
        self.store.outgoing(id)
    }

    /// Puts a failed ticket back in the queue with fresh attempts.
    ///
    /// # Errors
    /// [`OutboxError::NotFound`] or a database error.
    pub fn retry(&self, id: i64) -> Result<Entry, OutboxError> {
        self.store.requeue(id)?;
        self.get(id)
    }

    /// The "copy as e-mail" text of a ticket: what to paste into a mail to the helpdesk when
    /// delivery failed.
    ///
    /// # Errors
    /// [`OutboxError::NotFound`] or a database error.
    pub fn copy_as_email(&self, id: i64, to: Option<&str>) -> Result<String, OutboxError> {
        let t = self.outgoing(id)?;
        let mut text = String::new();
        if let Some(to) = to {
            text.push_str(&format!("To: {to}\n"));
        }
        text.push_str(&format!("Subject: {}\n\n{}", t.subject, t.body));
        if !t.attachments.is_empty() {
            let names: Vec<&str> = t.attachments.iter().map(|a| a.name.as_str()).collect();
            text.push_str(&format!(
                "\n(Deskside could not attach these files to this text: {}. Save them with `desksidectl outbox export {id} DIR`.)\n",
                names.join(", ")
            ));
        }
        Ok(text)
    }

    /// Delivers every due ticket (one deliverer at a time across processes).
    ///
    /// # Errors
    /// [`OutboxError::Busy`] when another process holds the delivery lock past
    /// `options.lock_wait`; database errors. Delivery failures are recorded on the tickets and
    /// reported as [`Event`]s, not errors.
    pub async fn deliver_due<C: Connector>(
        &self,
        connector: &C,
        options: &DeliverOptions,
    ) -> Result<Vec<Event>, OutboxError> {
        let _lock = lock::DeliveryLock::acquire(&self.lock_path, options.lock_wait).await?;
        self.store.recover_sending()?;
        let due = self
            .store
            .due(now_ms(), options.ignore_backoff, options.helpdesk_reachable)?;
        let mut events = Vec::new();
        for id in due {
            events.push(self.attempt(connector, id, options, Round::Ends).await?);
        }
        Ok(events)
    }

    /// Tries to deliver one ticket now, retrying transient failures while `budget` lasts (the
    /// `ticket submit` path: "send it now if you can"). Returns the ticket's final entry. The
    /// whole call is one round: if the ticket is still queued after its quick retries, its
    /// backoff grows by one step, not by one per retry.
    ///
    /// # Errors
    /// As [`Outbox::deliver_due`].
    pub async fn deliver_now<C: Connector>(
        &self,
        connector: &C,
        id: i64,
        options: &DeliverOptions,
        budget: Duration,
    ) -> Result<Entry, OutboxError> {
        let deadline = tokio::time::Instant::now() + budget;
        let lock_wait = options.lock_wait.min(budget);
        let _lock = match lock::DeliveryLock::acquire(&self.lock_path, lock_wait).await {
            Ok(l) => l,
            // Someone else is delivering; they will take this ticket too.
            Err(OutboxError::Busy) => return self.get(id),
            Err(e) => return Err(e),
        };
        self.store.recover_sending()?;
        let mut failed = false;
        let mut retries = 0_u32;
        let entry = loop {
            let entry = self.get(id)?;
            if entry.state != State::Queued {
                break entry;
            }
            let hold = self.store.hold_until(id)?;
            let now = now_ms();
            if hold > now {
                let wait = Duration::from_millis(u64::try_from(hold - now).unwrap_or(0));
                if tokio::time::Instant::now() + wait > deadline {
                    break entry;
                }
                tokio::time::sleep(wait).await;
            }
            // The budget bounds the whole call: an attempt still running when it ends is
            // abandoned (the ticket goes back to the queue, to be checked by key first).
            let left = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .max(Duration::from_secs(1));
            let attempt = self.attempt(connector, id, options, Round::Continues);
            match tokio::time::timeout(left, attempt).await {
                Err(_) => {
                    self.store.abandon(id)?;
                    failed = true;
                    break self.get(id)?;
                }
                Ok(outcome) => {
                    if matches!(outcome?, Event::Retrying { .. }) {
                        failed = true;
                    }
                }
            }
            retries += 1;
            let entry = self.get(id)?;
            if entry.state != State::Queued {
                break entry;
            }
            // An earlier create may still be in progress at the helpdesk: the user is told it
            // is queued now rather than kept waiting out the settle window.
            if self.store.settling(id, options.settle)? {
                break entry;
            }
            // Short pauses between the quick retries of this round.
            let pause = backoff(retries, options.quick_pause, options.quick_pause_cap);
            let hold = self.store.hold_until(id)?;
            let hold_wait = Duration::from_millis(u64::try_from(hold - now_ms()).unwrap_or(0));
            let wait = pause.max(hold_wait);
            if tokio::time::Instant::now() + wait >= deadline {
                break entry;
            }
            tokio::time::sleep(wait).await;
        };
        if failed && entry.state == State::Queued {
            self.end_round(id, options)?;
            return self.get(id);
        }
        Ok(entry)
    }

    /// Whether a queued ticket waits because the helpdesk could not be reached (the worker
    /// then probes it every few seconds).
    ///
    /// # Errors
    /// A database error.
    pub fn waiting_for_helpdesk(&self) -> Result<bool, OutboxError> {
        self.store.waiting_for_helpdesk()
    }

    /// The highest change counter (compare with [`Entry::seq`] to notice changes made by
    /// another process).
    ///
    /// # Errors
    /// A database error.
    pub fn last_seq(&self) -> Result<i64, OutboxError> {
        self.store.last_seq()
    }

    /// A failed round of ticket `id` is over: one more round counted, the next attempt set
    /// by the backoff for the kind of failure (never before `Retry-After` or a settle time
    /// already set), or the ticket fails when out of rounds.
    fn end_round(&self, id: i64, options: &DeliverOptions) -> Result<(), OutboxError> {
        let row = self.store.round_row(id)?;
        let rounds = row.rounds.saturating_add(1);
        if rounds >= options.max_attempts {
            let entry = self.get(id)?;
            let reason = format!(
                "gave up after {rounds} attempts; last error: {}",
                entry.error.as_deref().unwrap_or("unknown")
            );
            return self.store.mark_failed(id, &reason);
        }
        let wait = backoff(rounds, options.backoff_base, options.cap(row.unreachable));
        let next = (now_ms() + ms(wait))
            .max(row.hold_until)
            .max(row.next_attempt_at);
        self.store.end_round(id, rounds, next)
    }

    /// Asks the helpdesk for the status of delivered tickets not yet closed, and stores it.
    /// Returns the tickets whose status or last reply changed ("Your ticket #123 was
    /// answered").
    ///
    /// # Errors
    /// Database errors; a ticket whose status cannot be read is skipped.
    pub async fn refresh_status<C: Connector>(
        &self,
        connector: &C,
    ) -> Result<Vec<Entry>, OutboxError> {
        let mut changed = Vec::new();
        for entry in self.store.list(None)? {
            let (State::Delivered, Some(remote)) = (entry.state, &entry.remote) else {
                continue;
            };
            match connector.status(remote).await {
                Ok(Some(status)) if entry.status.as_ref() != Some(&status) => {
                    self.store.set_status(entry.id, &status)?;
                    changed.push(self.get(entry.id)?);
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(id = entry.id, error = %e, "status check failed"),
            }
        }
        Ok(changed)
    }

    /// One attempt on ticket `id`; the caller holds the delivery lock. With
    /// [`Round::Ends`] a transient failure ends the ticket's round (backoff grows); with
    /// [`Round::Continues`] the caller retries soon and ends the round itself.
    async fn attempt<C: Connector>(
        &self,
        connector: &C,
        id: i64,
        options: &DeliverOptions,
        round: Round,
    ) -> Result<Event, OutboxError> {
        let row = self.store.begin_attempt(id)?;
        let outgoing = self.store.outgoing(id)?;
        let mut remote = row.remote;
        if remote.is_none() && row.maybe_created && connector.lookup() == Lookup::Search {
            let settled_at = row
                .create_started_at
                .saturating_add(i64::try_from(options.settle.as_millis()).unwrap_or(i64::MAX / 2));
            if row.create_started_at > 0 && now_ms() < settled_at {
                let reason = "waiting for the helpdesk to finish an earlier attempt before checking whether it created the ticket";
                self.store.postpone(id, settled_at, reason)?;
                return Ok(Event::Retrying {
                    id,
                    reason: reason.to_owned(),
                });
            }
            match connector.find_by_key(&outgoing).await {
                Ok(Some(found)) => {
                    tracing::info!(id, key = %outgoing.key, remote = %found.id, "found after an uncertain attempt");
                    self.store.set_remote(id, &found)?;
                    remote = Some(found);
                }
                Ok(None) => {}
                Err(e) => return self.fail(id, &e, row.rounds, options, round),
            }
        }
        let remote = match remote {
            Some(r) => r,
            None => {
                self.store.mark_create_started(id)?;
                match connector.create(&outgoing).await {
                    Ok(r) => {
                        self.store.set_remote(id, &r)?;
                        r
                    }
                    Err(e) => {
                        if !e.maybe_created() && !row.maybe_created {
                            self.store.mark_maybe_created(id, false)?;
                        } else if !e.in_flight() {
                            // The helpdesk answered: nothing of this request is still in
                            // progress there, so the next attempt may search at once.
                            self.store.clear_create_started(id)?;
                        }
                        return self.fail(id, &e, row.rounds, options, round);
                    }
                }
            }
        };
        if connector.attaches_separately() && !row.attached && !outgoing.attachments.is_empty() {
            if let Err(e) = connector.attach(&remote, &outgoing).await {
                return self.fail(id, &e, row.rounds, options, round);
            }
            self.store.mark_attached(id)?;
        }
        self.store.mark_delivered(id)?;
        Ok(Event::Delivered { id, remote })
    }

    fn fail(
        &self,
        id: i64,
        e: &SendError,
        rounds: u32,
        options: &DeliverOptions,
        round: Round,
    ) -> Result<Event, OutboxError> {
        match e {
            SendError::Permanent { reason } => {
                self.store.mark_failed(id, reason)?;
                Ok(Event::Failed {
                    id,
                    reason: reason.clone(),
                })
            }
            SendError::Transient {
                reason,
                retry_after,
                ..
            } => {
                let unreachable = e.is_unreachable();
                let now = now_ms();
                let hold = retry_after.map_or(0, |d| now + ms(d));
                let (rounds, next) = match round {
                    Round::Ends => {
                        let rounds = rounds.saturating_add(1);
                        if rounds >= options.max_attempts {
                            let reason =
                                format!("gave up after {rounds} attempts; last error: {reason}");
                            self.store.mark_failed(id, &reason)?;
                            return Ok(Event::Failed { id, reason });
                        }
                        let wait = backoff(rounds, options.backoff_base, options.cap(unreachable));
                        (rounds, now + ms(wait))
                    }
                    // The caller retries within its round and sets the backoff at its end.
                    Round::Continues => (rounds, now),
                };
                self.store.mark_retry(
                    id,
                    &store::Retry {
                        reason,
                        next: next.max(hold),
                        hold,
                        unreachable,
                        rounds,
                    },
                )?;
                Ok(Event::Retrying {
                    id,
                    reason: reason.clone(),
                })
            }
            _ => {
                let reason = e.to_string();
                self.store.mark_failed(id, &reason)?;
                Ok(Event::Failed { id, reason })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(3600);
        for attempts in 1..=30 {
            let full = base.saturating_mul(1 << (attempts - 1).min(20)).min(cap);
            let d = backoff(attempts, base, cap);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempts}: {d:?} vs {full:?}"
            );
        }
        let samples: std::collections::BTreeSet<u128> =
            (0..20).map(|_| backoff(3, base, cap).as_millis()).collect();
        assert!(samples.len() > 5, "jitter varies the delay");
    }

    #[test]
    fn states_round_trip() {
        for s in [
            State::Queued,
            State::Sending,
            State::Delivered,
            State::Failed,
        ] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
