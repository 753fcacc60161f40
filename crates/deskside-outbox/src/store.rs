//! The SQLite side of the outbox: schema, pragmas and every state change as one short
//! transaction. WAL with `synchronous = FULL` makes each commit durable before the call
//! returns; a full disk surfaces as [`OutboxError::DiskFull`] with the file unchanged.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use deskside_helpdesk::{Attachment, Outgoing, Remote, RemoteStatus};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

use crate::{Entry, OutboxError, State, now_ms, rfc3339};

/// The outbox file name inside the data directory.
pub const FILE_NAME: &str = "outbox.sqlite3";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL,
    helpdesk        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    hold_until      INTEGER NOT NULL DEFAULT 0,
    maybe_created   INTEGER NOT NULL DEFAULT 0,
    create_started_at INTEGER NOT NULL DEFAULT 0,
    attached        INTEGER NOT NULL DEFAULT 0,
    rounds          INTEGER NOT NULL DEFAULT 0,
    unreachable     INTEGER NOT NULL DEFAULT 0,
    remote_id       TEXT,
    remote_url      TEXT,
    error           TEXT,
    status          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    seq             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tickets_due ON tickets (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS attachments (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    PRIMARY KEY (ticket_id, idx)
);
";

/// Columns added after the first release, with their definitions: an outbox file written by
/// an older Deskside gets them when opened (the defaults are what those rows meant).
const ADDED_COLUMNS: &[(&str, &str)] = &[
    // When the last create request started (0 = never).
    ("create_started_at", "INTEGER NOT NULL DEFAULT 0"),
    // Failed delivery rounds (the backoff exponent), not counting quick retries.
    ("rounds", "INTEGER NOT NULL DEFAULT 0"),
    // The last failure got no answer from the helpdesk (refused, reset, timed out).
    ("unreachable", "INTEGER NOT NULL DEFAULT 0"),
];

/// The schema version written by this code.
const USER_VERSION: i64 = 2;

/// The row fields an attempt needs.
#[derive(Debug)]
pub(crate) struct AttemptRow {
    /// Failed rounds so far (the backoff exponent).
    pub(crate) rounds: u32,
    pub(crate) maybe_created: bool,
    /// When the last create request started (ms since the epoch; 0 = never).
    pub(crate) create_started_at: i64,
    pub(crate) attached: bool,
    pub(crate) remote: Option<Remote>,
}

/// A transient failure as stored.
#[derive(Debug)]
pub(crate) struct Retry<'a> {
    pub(crate) reason: &'a str,
    /// When the next attempt is due (ms since the epoch).
    pub(crate) next: i64,
    /// `Retry-After`: no attempt before this, even when backoff is ignored.
    pub(crate) hold: i64,
    pub(crate) unreachable: bool,
    /// Failed rounds, including this one if it counts.
    pub(crate) rounds: u32,
}

/// The fields that decide when a failed round is tried again.
#[derive(Debug)]
pub(crate) struct RoundRow {
    pub(crate) rounds: u32,
    pub(crate) unreachable: bool,
    pub(crate) hold_until: i64,
    pub(crate) next_attempt_at: i64,
}

/// The ticket fields stored as JSON (attachments live in their own table).
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    body: String,
    urgency: deskside_helpdesk::Urgency,
    category: Option<String>,
    contact: Option<String>,
    /// Absent in tickets queued before requesters existed.
    #[serde(default)]
    requester: Option<deskside_helpdesk::Requester>,
}

#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> OutboxError {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        return OutboxError::DiskFull {
            path: path.display().to_string(),
        };
    }
    OutboxError::Open {
        path: path.display().to_string(),
        problem: e.to_string(),
    }
}

impl Store {
    pub(crate) fn open(path: &Path) -> Result<Self, OutboxError> {
        let fail = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => OutboxError::DiskFull {
                path: path.display().to_string(),
            },
            _ => OutboxError::Open {
                path: path.display().to_string(),
                problem: e.to_string(),
            },
        };
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        for (column, definition) in ADDED_COLUMNS {
            let has_column = conn
                .prepare(&format!("SELECT {column} FROM tickets LIMIT 0"))
                .is_ok();
            if !has_column {
                conn.execute_batch(&format!(
                    "ALTER TABLE tickets ADD COLUMN {column} {definition}"
                ))
                .map_err(fail)?;
            }
        }
        conn.pragma_update(None, "user_version", USER_VERSION)
            .map_err(fail)?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn db_error(&self, e: &rusqlite::Error) -> OutboxError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => OutboxError::DiskFull {
                path: self.path.display().to_string(),
            },
            _ => OutboxError::Database {
                path: self.path.display().to_string(),
                problem: e.to_string(),
            },
        }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, OutboxError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn).map_err(|e| self.db_error(&e))
    }

    /// Runs one UPDATE on ticket `id`, bumping `seq` and `updated_at`.
    fn update(
        &self,
        id: i64,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<(), OutboxError> {
        let sql = format!(
            "UPDATE tickets SET {set}, updated_at = ?, seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets) WHERE id = ?"
        );
        let now = now_ms();
        let changed = self.with(|c| {
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&now);
            all.push(&id);
            c.execute(&sql, all.as_slice())
        })?;
        if changed == 0 {
            return Err(OutboxError::NotFound(id));
        }
        Ok(())
    }

    pub(crate) fn insert(&self, t: &Outgoing, helpdesk: &str) -> Result<Entry, OutboxError> {
        let payload = serde_json::to_string(&Payload {
            body: t.body.clone(),
            urgency: t.urgency,
            category: t.category.clone(),
            contact: t.contact.clone(),
            requester: t.requester.clone(),
        })
        .map_err(|e| OutboxError::Database {
            path: self.path.display().to_string(),
            problem: e.to_string(),
        })?;
        let now = now_ms();
        let id = self.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "INSERT INTO tickets (key, subject, helpdesk, payload, state, next_attempt_at, created_at, updated_at, seq)
                 VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets))",
                params![t.key, t.subject, helpdesk, payload, now, now, now],
            )?;
            let id = tx.last_insert_rowid();
            for (i, a) in t.attachments.iter().enumerate() {
                tx.execute(
                    "INSERT INTO attachments (ticket_id, idx, name, content_type, data) VALUES (?, ?, ?, ?, ?)",
                    params![id, i64::try_from(i).unwrap_or(i64::MAX), a.name, a.content_type, a.data],
                )?;
            }
            tx.commit()?;
            Ok(id)
        })?;
        self.entry(id)
    }

    const COLUMNS: &'static str = "id, key, subject, state, remote_id, remote_url, attempts, next_attempt_at, error, created_at, delivered_at, status, helpdesk, seq";

    fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
        let state: String = row.get(3)?;
        let state = State::parse(&state).unwrap_or(State::Queued);
        let remote_id: Option<String> = row.get(4)?;
        let next: i64 = row.get(7)?;
        let status: Option<String> = row.get(11)?;
        Ok(Entry {
            id: row.get(0)?,
            key: row.get(1)?,
            subject: row.get(2)?,
            state,
            remote: remote_id.map(|id| Remote {
                id,
                url: row.get(5).ok().flatten(),
            }),
            attempts: row.get(6)?,
            next_attempt_at: (state == State::Queued).then(|| rfc3339(next)),
            error: row.get(8)?,
            created_at: rfc3339(row.get(9)?),
            delivered_at: row.get::<_, Option<i64>>(10)?.map(rfc3339),
            status: status.and_then(|s| serde_json::from_str(&s).ok()),
            helpdesk: row.get(12)?,
            seq: row.get(13)?,
        })
    }

    pub(crate) fn entry(&self, id: i64) -> Result<Entry, OutboxError> {
        let sql = format!("SELECT {} FROM tickets WHERE id = ?", Self::COLUMNS);
        self.with(|c| c.query_row(&sql, [id], Self::row_to_entry).optional())?
            .ok_or(OutboxError::NotFound(id))
    }

    pub(crate) fn list(&self, since: Option<i64>) -> Result<Vec<Entry>, OutboxError> {
        let sql = format!(
            "SELECT {} FROM tickets WHERE seq > ? ORDER BY id DESC",
            Self::COLUMNS
        );
        self.with(|c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([since.unwrap_or(-1)], Self::row_to_entry)?;
            rows.collect()
        })
    }

    pub(crate) fn outgoing(&self, id: i64) -> Result<Outgoing, OutboxError> {
        let (key, subject, payload): (String, String, String) = self
            .with(|c| {
                c.query_row(
                    "SELECT key, subject, payload FROM tickets WHERE id = ?",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
            })?
            .ok_or(OutboxError::NotFound(id))?;
        let p: Payload = serde_json::from_str(&payload).map_err(|e| OutboxError::Corrupt {
            id,
            problem: e.to_string(),
        })?;
        let attachments = self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT name, content_type, data FROM attachments WHERE ticket_id = ? ORDER BY idx",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok(Attachment {
                    name: r.get(0)?,
                    content_type: r.get(1)?,
                    data: r.get(2)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok(Outgoing {
            key,
            subject,
            body: p.body,
            urgency: p.urgency,
            category: p.category,
            contact: p.contact,
            requester: p.requester,
            attachments,
        })
    }

    /// Rows left `sending` by a process that died: back to the queue, marked uncertain so the
    /// next attempt searches before creating. Only the delivery-lock holder calls this.
    pub(crate) fn recover_sending(&self) -> Result<usize, OutboxError> {
        self.with(|c| {
            c.execute(
                "UPDATE tickets SET state = 'queued', maybe_created = 1, next_attempt_at = 0,
                 error = 'interrupted while sending; will check the helpdesk before sending again',
                 seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets)
                 WHERE state = 'sending'",
                [],
            )
        })
    }

    /// Queued tickets to try now: due by their backoff, or any (`ignore_backoff`), or those
    /// that waited only for an unreachable helpdesk (`reachable`); never before `hold_until`.
    pub(crate) fn due(
        &self,
        now: i64,
        ignore_backoff: bool,
        reachable: bool,
    ) -> Result<Vec<i64>, OutboxError> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id FROM tickets WHERE state = 'queued' AND hold_until <= ?1
                 AND (?2 OR next_attempt_at <= ?1 OR (?3 AND unreachable = 1)) ORDER BY id",
            )?;
            let rows = stmt.query_map(params![now, ignore_backoff, reachable], |r| r.get(0))?;
            rows.collect()
        })
    }

    pub(crate) fn hold_until(&self, id: i64) -> Result<i64, OutboxError> {
        self.with(|c| {
            c.query_row("SELECT hold_until FROM tickets WHERE id = ?", [id], |r| {
                r.get(0)
            })
        })
    }

    /// Marks the attempt started (durably) and returns what it needs to know.
    pub(crate) fn begin_attempt(&self, id: i64) -> Result<AttemptRow, OutboxError> {
        self.update(id, "state = 'sending', attempts = attempts + 1", &[])?;
        self.with(|c| {
            c.query_row(
                "SELECT rounds, maybe_created, attached, remote_id, remote_url, create_started_at
                 FROM tickets WHERE id = ?",
                [id],
                |r| {
                    let remote_id: Option<String> = r.get(3)?;
                    Ok(AttemptRow {
                        rounds: r.get(0)?,
                        maybe_created: r.get(1)?,
                        create_started_at: r.get(5)?,
                        attached: r.get(2)?,
                        remote: remote_id.map(|id| Remote {
                            id,
                            url: r.get(4).ok().flatten(),
                        }),
                    })
                },
            )
        })
    }

    pub(crate) fn mark_maybe_created(&self, id: i64, yes: bool) -> Result<(), OutboxError> {
        self.update(id, "maybe_created = ?", &[&yes])
    }

    /// A create request is about to go out: from now on the helpdesk may hold the ticket.
    pub(crate) fn mark_create_started(&self, id: i64) -> Result<(), OutboxError> {
        let now = now_ms();
        self.update(id, "maybe_created = 1, create_started_at = ?", &[&now])
    }

    /// Whether an uncertain create of ticket `id` started less than `settle` ago (the
    /// helpdesk may still be working on it).
    pub(crate) fn settling(
        &self,
        id: i64,
        settle: std::time::Duration,
    ) -> Result<bool, OutboxError> {
        let (maybe, started): (bool, i64) = self.with(|c| {
            c.query_row(
                "SELECT maybe_created, create_started_at FROM tickets WHERE id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        let settle_ms = i64::try_from(settle.as_millis()).unwrap_or(i64::MAX / 2);
        Ok(maybe && started > 0 && now_ms() < started.saturating_add(settle_ms))
    }

    /// The helpdesk answered the create (even with an error): no request is in flight.
    pub(crate) fn clear_create_started(&self, id: i64) -> Result<(), OutboxError> {
        self.update(id, "create_started_at = 0", &[])
    }

    /// Not this attempt after all (an earlier create may still be in progress at the
    /// helpdesk): back to the queue until `until`, without counting the attempt.
    pub(crate) fn postpone(&self, id: i64, until: i64, reason: &str) -> Result<(), OutboxError> {
        self.update(
            id,
            "state = 'queued', attempts = MAX(attempts - 1, 0), next_attempt_at = ?, error = ?",
            &[&until, &reason],
        )
    }

    pub(crate) fn set_remote(&self, id: i64, r: &Remote) -> Result<(), OutboxError> {
        self.update(id, "remote_id = ?, remote_url = ?", &[&r.id, &r.url])
    }

    pub(crate) fn mark_attached(&self, id: i64) -> Result<(), OutboxError> {
        self.update(id, "attached = 1", &[])
    }

    pub(crate) fn mark_delivered(&self, id: i64) -> Result<(), OutboxError> {
        let now = now_ms();
        self.update(
            id,
            "state = 'delivered', error = NULL, delivered_at = ?, hold_until = 0, rounds = 0, unreachable = 0",
            &[&now],
        )
    }

    pub(crate) fn mark_failed(&self, id: i64, reason: &str) -> Result<(), OutboxError> {
        self.update(id, "state = 'failed', error = ?", &[&reason])
    }

    /// A transient failure: back to the queue until `next` (never before `hold`, the
    /// helpdesk's `Retry-After`). `rounds` is the new count of failed rounds.
    pub(crate) fn mark_retry(&self, id: i64, retry: &Retry<'_>) -> Result<(), OutboxError> {
        self.update(
            id,
            "state = 'queued', error = ?, next_attempt_at = ?, hold_until = ?, unreachable = ?, rounds = ?",
            &[
                &retry.reason,
                &retry.next,
                &retry.hold,
                &retry.unreachable,
                &retry.rounds,
            ],
        )
    }

    /// What the end of a round needs: failed rounds, whether the helpdesk was unreachable,
    /// `Retry-After` and the current next attempt.
    pub(crate) fn round_row(&self, id: i64) -> Result<RoundRow, OutboxError> {
        self.with(|c| {
            c.query_row(
                "SELECT rounds, unreachable, hold_until, next_attempt_at FROM tickets WHERE id = ?",
                [id],
                |r| {
                    Ok(RoundRow {
                        rounds: r.get(0)?,
                        unreachable: r.get(1)?,
                        hold_until: r.get(2)?,
                        next_attempt_at: r.get(3)?,
                    })
                },
            )
        })
    }

    /// A failed round ends: the count goes up and the next attempt is set.
    pub(crate) fn end_round(&self, id: i64, rounds: u32, next: i64) -> Result<(), OutboxError> {
        self.update(id, "rounds = ?, next_attempt_at = ?", &[&rounds, &next])
    }

    /// An attempt cut short by its caller (no answer in time): back to the queue, to be
    /// checked by key first.
    pub(crate) fn abandon(&self, id: i64) -> Result<(), OutboxError> {
        self.update(
            id,
            "state = 'queued', maybe_created = 1, unreachable = 1, error = 'the helpdesk did not answer in time; it will be retried'",
            &[],
        )
    }

    /// Whether a queued ticket waits because the helpdesk could not be reached.
    pub(crate) fn waiting_for_helpdesk(&self) -> Result<bool, OutboxError> {
        self.with(|c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM tickets WHERE state IN ('queued', 'sending') AND unreachable = 1)",
                [],
                |r| r.get(0),
            )
        })
    }

    /// The highest change counter.
    pub(crate) fn last_seq(&self) -> Result<i64, OutboxError> {
        self.with(|c| {
            c.query_row("SELECT COALESCE(MAX(seq), 0) FROM tickets", [], |r| {
                r.get(0)
            })
        })
    }

    pub(crate) fn requeue(&self, id: i64) -> Result<(), OutboxError> {
        self.update(
            id,
            "state = CASE WHEN state = 'failed' THEN 'queued' ELSE state END, attempts = 0, rounds = 0, unreachable = 0, next_attempt_at = 0, hold_until = 0",
            &[],
        )
    }

    pub(crate) fn set_status(&self, id: i64, s: &RemoteStatus) -> Result<(), OutboxError> {
        let text = serde_json::to_string(s).unwrap_or_default();
        self.update(id, "status = ?", &[&text])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(key: &str, bytes: usize) -> Outgoing {
        Outgoing {
            key: key.into(),
            subject: "s".into(),
            body: "b".into(),
            urgency: deskside_helpdesk::Urgency::Normal,
            category: None,
            contact: None,
            requester: None,
            attachments: vec![Attachment {
                name: "a.bin".into(),
                content_type: "application/octet-stream".into(),
                data: vec![7; bytes],
            }],
        }
    }

    /// SQLite's page limit stands in for a full disk: the insert fails as `DiskFull`, nothing of
    /// it remains, and the earlier ticket is intact.
    #[test]
    fn a_full_database_refuses_the_insert_and_keeps_earlier_rows() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let first = store.insert(&outgoing("k1", 1000), "rt").unwrap();
        store
            .with(|c| {
                let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                c.pragma_update(None, "max_page_count", pages + 2)
            })
            .unwrap();
        let err = store.insert(&outgoing("k2", 200_000), "rt").unwrap_err();
        assert_eq!(err.code(), "outbox.disk_full", "{err}");
        assert!(err.to_string().contains("free some space"));
        let all = store.list(None).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].key, first.key);
        assert_eq!(
            store.outgoing(first.id).unwrap().attachments[0].data.len(),
            1000
        );
    }

    #[test]
    fn the_database_is_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(FILE_NAME)).unwrap();
        let (mode, sync): (String, i64) = store
            .with(|c| {
                Ok((
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
                ))
            })
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "FULL");
    }
}
