//! The shell's side of the durable ticket outbox (`deskside-outbox`): queueing a previewed
//! ticket, listing, retrying, the "copy as email" fallback, and the background delivery
//! worker.
//!
//! The worker delivers due tickets with the configured connector (`deskside-helpdesk`):
//! right after start, when a ticket is queued or retried, when the next queued ticket's
//! backoff runs out (the outbox's own exponential backoff with jitter and `Retry-After`), and
//! when the network comes back (the health task forwards its netlink notices). While it
//! delivers it polls the outbox's change counter so the window sees `sending` live
//! (`outbox-changed`); each delivery shows a notification. Every 15 minutes it asks the
//! helpdesk about delivered tickets, and a new reply is announced ("Your ticket #123 was
//! answered"). Exactly-once delivery, locking across processes and crash recovery are the
//! outbox crate's; the shell only decides when.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deskside_helpdesk::Helpdesk;
use deskside_outbox::{DeliverOptions, Entry, Event, NewTicket, Outbox, OutboxError, State};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;
use tauri_specta::Event as _;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Notify;

use crate::commands::ticket::Prepared;
use crate::config;
use crate::ipc::{
    IpcError, OutboxChanged, OutboxState, OutboxTicket, RemoteTicket, TicketReply, sentence,
};

/// Longest sleep between two looks at the outbox (a ticket queued by the CLI is noticed).
const MAX_SLEEP: Duration = Duration::from_secs(15 * 60);
/// Shortest sleep, so a ticket whose backoff is over is not hammered.
const MIN_SLEEP: Duration = Duration::from_secs(1);
/// After "another process is delivering": look again this soon.
const BUSY_RETRY: Duration = Duration::from_secs(30);
/// How often delivered tickets' status is asked for.
const STATUS_EVERY: Duration = Duration::from_secs(15 * 60);
/// While delivering, how often the window is told about state changes.
const LIVE_POLL: Duration = Duration::from_millis(300);
/// A reply longer than this is cut in the UI's one-line summary.
const REPLY_CHARS: usize = 160;

/// Wakes the worker; `urgent` delivers even tickets still in backoff (a user's retry).
#[derive(Debug, Default)]
struct Wake {
    notify: Notify,
    urgent: AtomicBool,
}

#[derive(Debug, Clone, Default)]
struct Worker(Arc<Wake>);

fn outbox_error(err: &OutboxError) -> IpcError {
    IpcError::new(err.code(), sentence(&err.to_string()))
}

fn open() -> Result<Outbox, IpcError> {
    Outbox::open_default().map_err(|e| outbox_error(&e))
}

/// An outbox entry as the UI shows it.
#[must_use]
pub fn ticket_dto(e: &Entry) -> OutboxTicket {
    OutboxTicket {
        id: e.id,
        key: e.key.clone(),
        subject: e.subject.clone(),
        state: match e.state {
            State::Queued => OutboxState::Queued,
            State::Sending => OutboxState::Sending,
            State::Delivered => OutboxState::Delivered,
            State::Failed => OutboxState::Failed,
        },
        remote: e.remote.as_ref().map(|r| RemoteTicket {
            id: r.id.clone(),
            url: r.url.clone(),
        }),
        attempts: e.attempts,
        next_attempt_at: e.next_attempt_at.clone(),
        error: e.error.clone(),
        created_at: e.created_at.clone(),
        helpdesk: e.helpdesk.clone(),
        reply: e.status.as_ref().map(|s| TicketReply {
            status: s.status.clone(),
            answered: s.last_reply.is_some(),
            updated_at: s.last_reply_at.clone(),
            summary: s.last_reply.as_deref().map(|r| {
                let line = r
                    .lines()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim();
                if line.chars().count() > REPLY_CHARS {
                    format!(
                        "{}…",
                        line.chars().take(REPLY_CHARS - 1).collect::<String>()
                    )
                } else {
                    line.to_owned()
                }
            }),
        }),
    }
}

/// Tell the window the outbox changed.
fn publish(app: &AppHandle, outbox: &Outbox) {
    match outbox.list() {
        Ok(entries) => {
            let tickets = entries.iter().map(ticket_dto).collect();
            if let Err(err) = (OutboxChanged { tickets }).emit(app) {
                log::warn!("cannot emit OutboxChanged: {err}");
            }
        }
        Err(err) => log::warn!("cannot list the outbox: {}", err.code()),
    }
}

fn wake(app: &AppHandle, urgent: bool) {
    if let Some(w) = app.try_state::<Worker>() {
        if urgent {
            w.0.urgent.store(true, Ordering::SeqCst);
        }
        w.0.notify.notify_one();
    }
}

/// The network came back (a netlink notice, debounced by the health task): try now.
pub fn network_changed(app: &AppHandle) {
    wake(app, false);
}

/// Queue `prepared` durably and start delivering it. When this returns the ticket is on disk.
///
/// # Errors
/// No helpdesk configured, the outbox cannot be opened, or the disk is full
/// (`outbox.disk_full`: nothing queued before is lost).
pub async fn enqueue(app: &AppHandle, prepared: Prepared) -> Result<OutboxTicket, IpcError> {
    let loaded = config::load()?;
    let kind = loaded.config.helpdesk.kind.clone().ok_or_else(|| {
        IpcError::new(
            "helpdesk.not_configured",
            "Requests cannot be sent from this computer: no helpdesk is set up. Copy the summary and send it to IT.",
        )
    })?;
    let outbox = open()?;
    let entry = outbox
        .enqueue(
            NewTicket::from_rendered(prepared.rendered, &prepared.request),
            &kind,
        )
        .map_err(|e| outbox_error(&e))?;
    log::info!("ticket {} queued for {kind}", entry.id);
    publish(app, &outbox);
    wake(app, false);
    Ok(ticket_dto(&entry))
}

/// Every ticket, newest first.
///
/// # Errors
/// The outbox cannot be opened or read.
pub async fn list() -> Result<Vec<OutboxTicket>, IpcError> {
    let outbox = open()?;
    Ok(outbox
        .list()
        .map_err(|e| outbox_error(&e))?
        .iter()
        .map(ticket_dto)
        .collect())
}

/// Put ticket `id` back in the queue and try it now, backoff or not.
///
/// # Errors
/// `outbox.not_found` or a database error.
pub async fn retry(app: &AppHandle, id: i64) -> Result<OutboxTicket, IpcError> {
    let outbox = open()?;
    let entry = outbox.retry(id).map_err(|e| outbox_error(&e))?;
    publish(app, &outbox);
    wake(app, true);
    Ok(ticket_dto(&entry))
}

/// Ticket `id` as the text of an email to IT (`helpdesk.to` when the helpdesk is email).
///
/// # Errors
/// `outbox.not_found` or a database error.
pub async fn as_email(id: i64) -> Result<String, IpcError> {
    let to = config::load().ok().and_then(|l| l.config.helpdesk.to);
    open()?
        .copy_as_email(id, to.as_deref())
        .map_err(|e| outbox_error(&e))
}

/// Start the delivery worker on Tauri's runtime.
pub fn spawn(app: AppHandle) {
    let worker = Worker::default();
    app.manage(worker.clone());
    tauri::async_runtime::spawn(async move {
        let mut last_status = tokio::time::Instant::now();
        // The first status check comes with the first round.
        let mut status_due = true;
        loop {
            let urgent = worker.0.urgent.swap(false, Ordering::SeqCst);
            let sleep = round(&app, urgent, status_due).await;
            if status_due {
                last_status = tokio::time::Instant::now();
            }
            let until_status = STATUS_EVERY.saturating_sub(last_status.elapsed());
            let sleep = sleep.min(until_status).max(MIN_SLEEP);
            tokio::select! {
                () = worker.0.notify.notified() => {}
                () = tokio::time::sleep(sleep) => {}
            }
            status_due = last_status.elapsed() >= STATUS_EVERY;
        }
    });
}

/// One round: deliver what is due (and check statuses when due); returns how long to sleep.
async fn round(app: &AppHandle, urgent: bool, status_due: bool) -> Duration {
    let Ok(loaded) = config::load() else {
        return MAX_SLEEP;
    };
    let config = loaded.config;
    if config.helpdesk.kind.is_none() {
        return MAX_SLEEP;
    }
    let outbox = match Outbox::open_default() {
        Ok(o) => o,
        Err(err) => {
            log::warn!("ticket outbox unavailable: {err}");
            return MAX_SLEEP;
        }
    };
    let pending = outbox
        .list()
        .map(|l| {
            l.iter()
                .any(|e| matches!(e.state, State::Queued | State::Sending))
        })
        .unwrap_or(false);
    let delivered = outbox
        .list()
        .map(|l| l.iter().any(|e| e.state == State::Delivered))
        .unwrap_or(false);
    let check_status = status_due && delivered;
    if !(pending || check_status) {
        return MAX_SLEEP;
    }
    let connector = match deskside_helpdesk::Settings::from_config(&config.helpdesk)
        .and_then(|s| deskside_helpdesk::from_config(&s))
    {
        Ok(c) => c,
        Err(err) => {
            log::warn!("helpdesk not usable ({}): {err}", err.code());
            return MAX_SLEEP;
        }
    };
    let notify = config.app.notify;
    let mut sleep = MAX_SLEEP;
    if pending {
        let options = DeliverOptions {
            ignore_backoff: urgent,
            max_attempts: u32::try_from(config.tickets.max_attempts).unwrap_or(u32::MAX),
            ..DeliverOptions::default()
        };
        match deliver_live(app, &outbox, &connector, &options).await {
            Ok(events) => {
                for event in &events {
                    announce(app, notify, event);
                }
            }
            Err(OutboxError::Busy) => sleep = BUSY_RETRY,
            Err(err) => log::warn!("ticket delivery: {err}"),
        }
        publish(app, &outbox);
        sleep = sleep.min(until_next_due(&outbox));
    }
    if check_status {
        match outbox.refresh_status(&connector).await {
            Ok(changed) if !changed.is_empty() => {
                for e in &changed {
                    if notify && e.status.as_ref().is_some_and(|s| s.last_reply.is_some()) {
                        let number = e
                            .remote
                            .as_ref()
                            .map_or(String::new(), |r| format!(" #{}", r.id));
                        show(
                            app,
                            &format!("Your ticket{number} was answered"),
                            "Open Deskside to see the reply.",
                        );
                    }
                }
                publish(app, &outbox);
            }
            Ok(_) => {}
            Err(err) => log::warn!("ticket status check: {err}"),
        }
    }
    sleep
}

/// `deliver_due`, telling the window about each state change while it runs.
async fn deliver_live(
    app: &AppHandle,
    outbox: &Outbox,
    connector: &Helpdesk,
    options: &DeliverOptions,
) -> Result<Vec<Event>, OutboxError> {
    let mut seen = outbox
        .list()
        .map(|l| l.iter().map(|e| e.seq).max().unwrap_or(0))
        .unwrap_or(0);
    let delivery = outbox.deliver_due(connector, options);
    tokio::pin!(delivery);
    loop {
        tokio::select! {
            result = &mut delivery => return result,
            () = tokio::time::sleep(LIVE_POLL) => {
                if let Ok(changed) = outbox.changes_since(seen)
                    && let Some(max) = changed.iter().map(|e| e.seq).max()
                {
                    seen = max;
                    publish(app, outbox);
                }
            }
        }
    }
}

/// Time until the earliest queued ticket is due.
fn until_next_due(outbox: &Outbox) -> Duration {
    let now = OffsetDateTime::now_utc();
    outbox
        .list()
        .unwrap_or_default()
        .iter()
        .filter(|e| e.state == State::Queued)
        .map(|e| {
            e.next_attempt_at
                .as_deref()
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .map_or(MIN_SLEEP, |t| {
                    Duration::try_from(t - now).unwrap_or(MIN_SLEEP)
                })
        })
        .min()
        .unwrap_or(MAX_SLEEP)
}

fn announce(app: &AppHandle, notify: bool, event: &Event) {
    match event {
        Event::Delivered { id, remote } => {
            log::info!("ticket {id} delivered as {}", remote.id);
            if notify {
                show(
                    app,
                    &format!("Your request was sent to IT as ticket #{}", remote.id),
                    "IT will get back to you. Open Deskside to see it.",
                );
            }
        }
        Event::Failed { id, reason } => {
            log::warn!("ticket {id} failed: {reason}");
            if notify {
                show(
                    app,
                    "Your request could not be sent to IT",
                    "Open Deskside: you can copy it as an email instead.",
                );
            }
        }
        Event::Retrying { id, reason } => log::info!("ticket {id} will be retried: {reason}"),
    }
}

fn show(app: &AppHandle, title: &str, body: &str) {
    if let Err(err) = app.notification().builder().title(title).body(body).show() {
        log::warn!("cannot show a notification: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivered_ticket_with_a_reply_reads_as_answered() {
        let e = Entry {
            id: 4,
            key: "8c1f".into(),
            subject: "VPN".into(),
            state: State::Delivered,
            remote: Some(deskside_helpdesk::Remote {
                id: "123".into(),
                url: Some("http://127.0.0.1:8080/Ticket/Display.html?id=123".into()),
            }),
            attempts: 1,
            next_attempt_at: None,
            error: None,
            created_at: "2026-11-23T09:00:00Z".into(),
            delivered_at: Some("2026-11-23T09:00:02Z".into()),
            status: Some(deskside_helpdesk::RemoteStatus {
                status: "open".into(),
                last_reply: Some(
                    "\n  We reset your VPN profile, please try again.\nBest, IT".into(),
                ),
                last_reply_at: Some("2026-11-23T10:00:00Z".into()),
            }),
            helpdesk: "rt".into(),
            seq: 9,
        };
        let t = ticket_dto(&e);
        assert_eq!(t.state, OutboxState::Delivered);
        assert_eq!(t.remote.as_ref().map(|r| r.id.as_str()), Some("123"));
        let reply = t.reply.unwrap();
        assert!(reply.answered);
        assert_eq!(
            reply.summary.as_deref(),
            Some("We reset your VPN profile, please try again.")
        );
    }

    #[test]
    fn outbox_errors_keep_their_code() {
        let e = outbox_error(&OutboxError::NotFound(7));
        assert_eq!(e.code, "outbox.not_found");
        assert_eq!(e.message, "There is no ticket 7 in the outbox.");
    }
}
