//! The shell's side of the durable ticket outbox: the IPC adapters (queue a previewed ticket,
//! list, retry, "copy as email"), each one call into `deskside-outbox`, and the start of the
//! background delivery worker, which lives in the agent (`deskside_agent::delivery`, the same
//! code `desksidectl agent run` runs). The worker speaks through [`TicketVoice`]: the tray's
//! `Announce` with notifications only when `app.notify` is on, and every outbox change sent
//! to the window as `outbox-changed`. When and how tickets are delivered is the agent's and
//! the outbox crate's; nothing here decides it.

use std::sync::Arc;

use deskside_agent::delivery::{Waker, Worker, WorkerOptions};
use deskside_agent::ticket::{Prepared, outbox_ticket};
use deskside_agent::{Announce, Notice};
use deskside_outbox::{Entry, Outbox, OutboxError};
use tauri::{AppHandle, Manager};

use crate::announce::Tray;
use crate::config;
use crate::ipc::{IpcError, OutboxTicket};

/// The delivery worker's voice in the tray: the tray's notifications, gated by `app.notify`
/// (read when a notice is due, so a changed setting applies at once).
#[derive(Debug, Clone)]
pub struct TicketVoice(pub Tray);

impl Announce for TicketVoice {
    fn notify(&self, notice: &Notice) {
        let wanted = config::load().map_or(true, |l| l.config.app.notify);
        if wanted {
            self.0.notify(notice);
        }
    }

    fn outbox_changed(&self, entries: &[Entry]) {
        self.0.outbox_changed(entries);
    }

    fn delivery(&self, event: &deskside_outbox::Event) {
        log::info!("ticket delivery: {event:?}");
    }
}

fn outbox_error(err: OutboxError) -> IpcError {
    // The agent's error already carries the outbox's code and sentence.
    deskside_agent::AgentError::Outbox(err).into()
}

fn open() -> Result<Outbox, IpcError> {
    Outbox::open_default().map_err(outbox_error)
}

fn publish(app: &AppHandle, outbox: &Outbox) {
    match outbox.list() {
        Ok(entries) => Tray(app.clone()).outbox_changed(&entries),
        Err(err) => log::warn!("cannot list the outbox: {}", err.code()),
    }
}

fn wake(app: &AppHandle, urgent: bool) {
    if let Some(waker) = app.try_state::<Waker>() {
        if urgent {
            waker.wake_urgent();
        } else {
            waker.wake();
        }
    }
}

/// Queue `prepared` durably and start delivering it. When this returns the ticket is on disk.
///
/// # Errors
/// No helpdesk configured, the outbox cannot be opened, or the disk is full
/// (`outbox.disk_full`: nothing queued before is lost).
pub async fn enqueue(app: &AppHandle, prepared: Prepared) -> Result<OutboxTicket, IpcError> {
    let loaded = config::load()?;
    let (outbox, entry) = deskside_agent::ticket::enqueue(&loaded.config, prepared)?;
    log::info!("ticket {} queued for {}", entry.id, entry.helpdesk);
    publish(app, &outbox);
    wake(app, false);
    Ok(outbox_ticket(&entry))
}

/// Every ticket, newest first.
///
/// # Errors
/// The outbox cannot be opened or read.
pub async fn list() -> Result<Vec<OutboxTicket>, IpcError> {
    let outbox = open()?;
    Ok(outbox
        .list()
        .map_err(outbox_error)?
        .iter()
        .map(outbox_ticket)
        .collect())
}

/// Put ticket `id` back in the queue and try it now, backoff or not.
///
/// # Errors
/// `outbox.not_found` or a database error.
pub async fn retry(app: &AppHandle, id: i64) -> Result<OutboxTicket, IpcError> {
    let outbox = open()?;
    let entry = outbox.retry(id).map_err(outbox_error)?;
    publish(app, &outbox);
    wake(app, true);
    Ok(outbox_ticket(&entry))
}

/// Ticket `id` as the text of an email to IT (`helpdesk.to` when the helpdesk is email).
///
/// # Errors
/// `outbox.not_found` or a database error.
pub async fn as_email(id: i64) -> Result<String, IpcError> {
    let to = config::load().ok().and_then(|l| l.config.helpdesk.to);
    open()?
        .copy_as_email(id, to.as_deref())
        .map_err(outbox_error)
}

/// Start the agent's delivery worker on Tauri's runtime.
pub fn spawn(app: AppHandle) {
    let waker = Waker::default();
    app.manage(waker.clone());
    let voice = Arc::new(TicketVoice(Tray(app)));
    let worker = Worker::new(voice, WorkerOptions::default(), waker);
    tauri::async_runtime::spawn(worker.run());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbox_errors_keep_their_code() {
        let e = outbox_error(OutboxError::NotFound(7));
        assert_eq!(e.code, "outbox.not_found");
        assert_eq!(e.message, "There is no ticket 7 in the outbox.");
    }
}
