//! The shell's own state, managed by Tauri: the last known health and the last full report,
//! which problems were already announced, the last password status (and the directory's
//! policy the live checklist uses), the ticket previews waiting to be sent, and whether the
//! user chose Quit (the only way the app exits; closing the window leaves it in the tray).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use deskside_diagnostics::Report;

use crate::health::policy::Notifier;
use crate::ipc::{HealthState, PasswordStatus};

/// At most this many previews are kept (a user previewing again and again without sending).
const MAX_PREVIEWS: usize = 8;

/// Shell state shared by commands, the tray and the background task.
#[derive(Debug)]
pub struct Shell {
    health: Mutex<HealthState>,
    report: Mutex<Option<(Instant, Report)>>,
    notifier: Mutex<Notifier>,
    password: Mutex<Option<(PasswordStatus, Option<deskside_password::Policy>)>>,
    previews: Mutex<BTreeMap<u64, crate::commands::ticket::Prepared>>,
    next_preview: AtomicU64,
    quitting: AtomicBool,
}

impl Default for Shell {
    fn default() -> Self {
        Self {
            health: Mutex::new(HealthState::unknown()),
            report: Mutex::new(None),
            notifier: Mutex::new(Notifier::default()),
            password: Mutex::new(None),
            previews: Mutex::new(BTreeMap::new()),
            next_preview: AtomicU64::new(1),
            quitting: AtomicBool::new(false),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shell {
    /// The last known health.
    #[must_use]
    pub fn health(&self) -> HealthState {
        self.health
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Store `state`; `true` when it is a new problem to announce.
    pub fn record(&self, state: &HealthState) -> bool {
        *self.health.lock().unwrap_or_else(PoisonError::into_inner) = state.clone();
        self.notifier
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .observe(state)
    }

    /// Keep the last report (a ticket attaches it when the window has none; a fix uses it
    /// as its "before").
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

    /// Keep the last password status and the policy it was read with.
    pub fn set_password(&self, status: PasswordStatus, policy: Option<deskside_password::Policy>) {
        *lock(&self.password) = Some((status, policy));
    }

    /// The last password status.
    #[must_use]
    pub fn password(&self) -> Option<PasswordStatus> {
        lock(&self.password).as_ref().map(|(s, _)| s.clone())
    }

    /// The directory's policy from the last status, for the live checklist.
    #[must_use]
    pub fn password_policy(&self) -> Option<deskside_password::Policy> {
        lock(&self.password).as_ref().and_then(|(_, p)| p.clone())
    }

    /// Keep a built ticket until it is sent; returns its handle. The oldest is dropped past
    /// [`MAX_PREVIEWS`].
    pub fn add_preview(&self, prepared: crate::commands::ticket::Prepared) -> u64 {
        let id = self.next_preview.fetch_add(1, Ordering::SeqCst);
        let mut previews = lock(&self.previews);
        previews.insert(id, prepared);
        while previews.len() > MAX_PREVIEWS {
            previews.pop_first();
        }
        id
    }

    /// Take a built ticket out (a preview is sent once).
    pub fn take_preview(&self, id: u64) -> Option<crate::commands::ticket::Prepared> {
        lock(&self.previews).remove(&id)
    }

    /// The user chose Quit.
    pub fn set_quitting(&self) {
        self.quitting.store(true, Ordering::SeqCst);
    }

    /// Whether the user chose Quit.
    #[must_use]
    pub fn quitting(&self) -> bool {
        self.quitting.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(subject: &str) -> crate::commands::ticket::Prepared {
        crate::commands::ticket::Prepared {
            request: deskside_evidence::TicketRequest {
                subject: subject.into(),
                ..Default::default()
            },
            rendered: deskside_evidence::Rendered {
                subject: subject.into(),
                body: String::new(),
                attachments: Vec::new(),
            },
        }
    }

    #[test]
    fn a_preview_is_sent_once_and_old_ones_expire() {
        let shell = Shell::default();
        let first = shell.add_preview(prepared("first"));
        assert_eq!(
            shell.take_preview(first).map(|p| p.request.subject),
            Some("first".to_owned())
        );
        assert!(
            shell.take_preview(first).is_none(),
            "a second submit finds nothing"
        );
        let ids: Vec<u64> = (0..=MAX_PREVIEWS)
            .map(|i| shell.add_preview(prepared(&i.to_string())))
            .collect();
        assert!(
            shell.take_preview(ids[0]).is_none(),
            "the oldest was dropped"
        );
        assert!(shell.take_preview(ids[MAX_PREVIEWS]).is_some());
    }
}
