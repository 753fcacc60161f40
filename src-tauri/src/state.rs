//! The shell's own state, managed by Tauri: the agent's memory (last health and report, the
//! last password status, ticket previews — `deskside_agent::Memory`) and whether the user chose
//! Quit (the only way the app exits; closing the window leaves it in the tray).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use deskside_agent::Memory;
use deskside_agent::health::HealthState;
use deskside_diagnostics::Report;

/// Shell state shared by commands, the tray and the background tasks.
#[derive(Debug, Default)]
pub struct Shell {
    /// What the agent remembers between tasks.
    pub memory: Memory,
    quitting: AtomicBool,
}

impl Shell {
    /// The last known health.
    #[must_use]
    pub fn health(&self) -> HealthState {
        self.memory.health.health()
    }

    /// The last report if it is younger than `max_age` (a fix's "before").
    #[must_use]
    pub fn report_within(&self, max_age: Duration) -> Option<Report> {
        self.memory.health.report_within(max_age)
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
