//! The delivery lock: an exclusive OS file lock on `outbox.sqlite3.lock`. Only its holder
//! sends tickets, so two processes (the tray app's worker and `desksidectl outbox flush`)
//! never send the same ticket at once, and a `sending` row seen by the holder can only be left
//! over from a process that died. The OS drops the lock when its process exits, even on
//! `kill -9`, so a crash never leaves the outbox locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;
use std::time::Duration;

use crate::OutboxError;

/// Held while delivering; unlocked on drop.
#[derive(Debug)]
pub(crate) struct DeliveryLock {
    file: File,
}

impl DeliveryLock {
    /// Takes the lock, polling until `wait` runs out.
    pub(crate) async fn acquire(path: &Path, wait: Duration) -> Result<Self, OutboxError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(|e| crate::store::io_error(path, &e))?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Self { file }),
                Err(TryLockError::WouldBlock) => {
                    if tokio::time::Instant::now() >= deadline {
                        return Err(OutboxError::Busy);
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(TryLockError::Error(e)) => return Err(crate::store::io_error(path, &e)),
            }
        }
    }
}

impl Drop for DeliveryLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
