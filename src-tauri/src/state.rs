//! The shell's own state, managed by Tauri: the last known health, which problems were
//! already announced, and whether the user chose Quit (the only way the app exits; closing
//! the window leaves it in the tray).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::health::policy::Notifier;
use crate::ipc::HealthState;

/// Shell state shared by commands, the tray and the background task.
#[derive(Debug)]
pub struct Shell {
    health: Mutex<HealthState>,
    notifier: Mutex<Notifier>,
    quitting: AtomicBool,
}

impl Default for Shell {
    fn default() -> Self {
        Self {
            health: Mutex::new(HealthState::unknown()),
            notifier: Mutex::new(Notifier::default()),
            quitting: AtomicBool::new(false),
        }
    }
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
