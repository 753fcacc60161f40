//! One storage interface over two databases: SQLite (one file, WAL, `synchronous = FULL`, the
//! default) and PostgreSQL (several stateless server instances share it). Every query is
//! written once with `$1`-style parameters; for SQLite they become `?1`, and the few places
//! where the dialects differ are markers replaced per backend (`{ID}`, `{BLOB}`,
//! `{SKIP_LOCKED}`). Values cross as [`P`] (parameters) and [`Row`] (results), so the domain
//! code never sees a driver type.
//!
//! SQLite runs on tokio's blocking pool behind one connection (SQLite has one writer anyway);
//! PostgreSQL uses a small fixed pool of `tokio-postgres` connections, re-opened when one
//! closes.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::CoreError;

/// A query parameter.
#[derive(Debug, Clone)]
pub(crate) enum P {
    /// An integer (all integers and times are `BIGINT`).
    I(i64),
    /// Text, or NULL.
    T(Option<String>),
    /// Bytes.
    B(Vec<u8>),
}

impl From<i64> for P {
    fn from(v: i64) -> Self {
        Self::I(v)
    }
}

impl From<&str> for P {
    fn from(v: &str) -> Self {
        Self::T(Some(v.to_owned()))
    }
}

impl From<String> for P {
    fn from(v: String) -> Self {
        Self::T(Some(v))
    }
}

impl From<Option<String>> for P {
    fn from(v: Option<String>) -> Self {
        Self::T(v)
    }
}

/// One value of a result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum V {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Null,
}

/// A result row.
#[derive(Debug, Clone)]
pub(crate) struct Row(pub(crate) Vec<V>);

impl Row {
    pub(crate) fn int(&self, i: usize) -> i64 {
        match self.0.get(i) {
            Some(V::Int(v)) => *v,
            _ => 0,
        }
    }

    pub(crate) fn opt_int(&self, i: usize) -> Option<i64> {
        match self.0.get(i) {
            Some(V::Int(v)) => Some(*v),
            _ => None,
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Option<String> {
        match self.0.get(i) {
            Some(V::Text(v)) => Some(v.clone()),
            _ => None,
        }
    }

    pub(crate) fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }

    pub(crate) fn bytes(&self, i: usize) -> Vec<u8> {
        match self.0.get(i) {
            Some(V::Bytes(v)) => v.clone(),
            Some(V::Text(v)) => v.clone().into_bytes(),
            _ => Vec::new(),
        }
    }
}

/// Which database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    Sqlite {
        conn: Mutex<rusqlite::Connection>,
        path: String,
    },
    Postgres {
        config: tokio_postgres::Config,
        pool: Vec<tokio::sync::Mutex<Option<tokio_postgres::Client>>>,
        next: AtomicUsize,
    },
}

/// The schema, one migration per entry; applied in order, each once (`schema_version`).
const MIGRATIONS: &[&str] = &[
    // 1: enrolment, devices, nonces, rate counters, the relay queue.
    "CREATE TABLE enroll_secrets (
        id {ID},
        secret_hash TEXT NOT NULL UNIQUE,
        uses_total BIGINT NOT NULL,
        uses_left BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        note TEXT
    );
    CREATE TABLE devices (
        id {ID},
        key_id TEXT NOT NULL UNIQUE,
        public_key {BLOB} NOT NULL,
        device_name TEXT NOT NULL,
        os_user TEXT NOT NULL,
        secret_id BIGINT NOT NULL,
        enrolled_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        revoked_at BIGINT
    );
    CREATE TABLE nonces (
        key_id TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (key_id, nonce)
    );
    CREATE INDEX nonces_expiry ON nonces (expires_at);
    CREATE TABLE rate_counters (
        device_id BIGINT NOT NULL,
        bucket TEXT NOT NULL,
        window_start BIGINT NOT NULL,
        hits BIGINT NOT NULL,
        PRIMARY KEY (device_id, bucket, window_start)
    );
    CREATE TABLE relay_tickets (
        id {ID},
        device_id BIGINT NOT NULL,
        ticket_key TEXT NOT NULL UNIQUE,
        body_digest TEXT NOT NULL,
        payload {BLOB} NOT NULL,
        bytes BIGINT NOT NULL,
        state TEXT NOT NULL,
        rounds BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        hold_until BIGINT NOT NULL DEFAULT 0,
        maybe_created BIGINT NOT NULL DEFAULT 0,
        create_started_at BIGINT NOT NULL DEFAULT 0,
        attached BIGINT NOT NULL DEFAULT 0,
        unreachable BIGINT NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        remote_id TEXT,
        remote_url TEXT,
        error TEXT,
        created_at BIGINT NOT NULL,
        delivered_at BIGINT
    );
    CREATE INDEX relay_due ON relay_tickets (state, next_attempt_at);
    CREATE INDEX relay_device ON relay_tickets (device_id, created_at);",
    // 2: self-service password reset and unlock (reset.rs).
    "CREATE TABLE reset_flows (
        id {ID},
        token_hash TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        account TEXT NOT NULL,
        device_id BIGINT,
        source_ip TEXT,
        factors TEXT NOT NULL DEFAULT '',
        code_hash TEXT,
        code_salt TEXT,
        code_expires_at BIGINT NOT NULL DEFAULT 0,
        tries BIGINT NOT NULL DEFAULT 0,
        claim_until BIGINT NOT NULL DEFAULT 0,
        used_at BIGINT,
        revoked_at BIGINT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX reset_flows_account ON reset_flows (account, created_at);
    CREATE TABLE reset_throttle (
        bucket TEXT NOT NULL,
        subject TEXT NOT NULL,
        window_start BIGINT NOT NULL,
        hits BIGINT NOT NULL,
        PRIMARY KEY (bucket, subject, window_start)
    );
    CREATE TABLE reset_mail (
        id {ID},
        flow_id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        to_addr TEXT,
        state TEXT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        sent_at BIGINT
    );
    CREATE INDEX reset_mail_due ON reset_mail (state, next_at);
    CREATE TABLE reset_audit (
        id {ID},
        at BIGINT NOT NULL,
        flow_id BIGINT,
        kind TEXT NOT NULL,
        account TEXT NOT NULL,
        source_ip TEXT,
        device_id BIGINT,
        factors TEXT NOT NULL,
        step TEXT NOT NULL,
        result TEXT NOT NULL
    );",
    // 3: the helpdesk's status and last reply of delivered tickets, for their devices
    // (followup.rs).
    "CREATE TABLE relay_followup (
        ticket_key TEXT PRIMARY KEY,
        status TEXT,
        last_reply TEXT,
        last_reply_at TEXT,
        checked_at BIGINT NOT NULL DEFAULT 0,
        wanted_at BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX relay_followup_wanted ON relay_followup (wanted_at);",
    // 4: the fleet view (fleet.rs): the fingerprint salt, reports, incidents (one open per
    // root cause and scope), tickets linked to them, announcements.
    "CREATE TABLE fleet_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE fleet_reports (
        id {ID},
        device_id BIGINT NOT NULL,
        root_cause TEXT,
        status TEXT NOT NULL,
        network TEXT,
        vpn_up BIGINT NOT NULL,
        incident_id BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX fleet_reports_cause ON fleet_reports (root_cause, created_at);
    CREATE INDEX fleet_reports_time ON fleet_reports (created_at);
    CREATE INDEX fleet_reports_incident ON fleet_reports (incident_id, device_id);
    CREATE INDEX fleet_reports_device ON fleet_reports (device_id, id);
    CREATE TABLE incidents (
        id {ID},
        root_cause TEXT NOT NULL,
        scope TEXT NOT NULL,
        devices BIGINT NOT NULL,
        first_seen_at BIGINT NOT NULL,
        opened_at BIGINT NOT NULL,
        last_report_at BIGINT NOT NULL,
        ticket_key TEXT NOT NULL UNIQUE,
        ticket_queued BIGINT NOT NULL DEFAULT 0,
        resolved_at BIGINT,
        resolved_by TEXT
    );
    CREATE UNIQUE INDEX incidents_open ON incidents (root_cause, scope) WHERE resolved_at IS NULL;
    CREATE TABLE incident_tickets (
        ticket_key TEXT PRIMARY KEY,
        incident_id BIGINT NOT NULL,
        device_id BIGINT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX incident_tickets_incident ON incident_tickets (incident_id);
    CREATE TABLE announcements (
        id {ID},
        message TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        closed_at BIGINT
    );",
    // 5: TOTP authenticators and recovery codes for the reset flows (totp.rs).
    "CREATE TABLE reset_totp (
        account TEXT NOT NULL PRIMARY KEY,
        nonce TEXT NOT NULL,
        last_step BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE reset_recovery_codes (
        id {ID},
        account TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        salt TEXT NOT NULL,
        used_at BIGINT
    );
    CREATE INDEX reset_recovery_account ON reset_recovery_codes (account);",
];

impl Db {
    /// Opens (creating if needed) the SQLite file at `path` and migrates it.
    ///
    /// # Errors
    /// [`CoreError::Database`] naming the file.
    pub async fn sqlite(path: &Path) -> Result<Self, CoreError> {
        let shown = path.display().to_string();
        let p = path.to_owned();
        let conn = tokio::task::spawn_blocking(move || {
            let conn = rusqlite::Connection::open(&p)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            Ok::<_, rusqlite::Error>(conn)
        })
        .await
        .map_err(|e| CoreError::database(&shown, e))?
        .map_err(|e| CoreError::database(&shown, e))?;
        let db = Self {
            inner: Arc::new(Inner::Sqlite {
                conn: Mutex::new(conn),
                path: shown,
            }),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Connects to PostgreSQL (`postgres://user@host:port/db`; a password, if any, from
    /// `password`) with `pool` connections and migrates the schema (under an advisory lock,
    /// so instances starting together migrate once).
    ///
    /// # Errors
    /// [`CoreError::Database`] when the URL is invalid or the server cannot be reached.
    pub async fn postgres(
        url: &str,
        password: Option<&str>,
        pool: usize,
    ) -> Result<Self, CoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| CoreError::database("the PostgreSQL URL", e))?;
        if let Some(pw) = password {
            config.password(pw);
        }
        let pool = (0..pool.clamp(1, 64))
            .map(|_| tokio::sync::Mutex::new(None))
            .collect();
        let db = Self {
            inner: Arc::new(Inner::Postgres {
                config,
                pool,
                next: AtomicUsize::new(0),
            }),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite { .. } => Backend::Sqlite,
            Inner::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The query text for this backend.
    fn dialect(&self, sql: &str) -> String {
        match self.backend() {
            Backend::Sqlite => {
                let mut out = String::with_capacity(sql.len());
                let mut chars = sql.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                        out.push('?');
                    } else {
                        out.push(c);
                    }
                }
                out.replace("{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT")
                    .replace("{BLOB}", "BLOB")
                    .replace("{SKIP_LOCKED}", "")
            }
            Backend::Postgres => sql
                .replace("{ID}", "BIGSERIAL PRIMARY KEY")
                .replace("{BLOB}", "BYTEA")
                .replace("{SKIP_LOCKED}", "FOR UPDATE SKIP LOCKED"),
        }
    }

    /// Runs a query and returns its rows.
    pub(crate) async fn query(&self, sql: &str, params: Vec<P>) -> Result<Vec<Row>, CoreError> {
        let sql = self.dialect(sql);
        match &*self.inner {
            Inner::Sqlite { .. } => {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.sqlite_query(&sql, &params))
                    .await
                    .map_err(|e| CoreError::database("the SQLite database", e))?
            }
            Inner::Postgres { .. } => self.pg_query(&sql, &params).await,
        }
    }

    /// Runs a statement; returns the rows changed.
    pub(crate) async fn execute(&self, sql: &str, params: Vec<P>) -> Result<u64, CoreError> {
        let sql = self.dialect(sql);
        match &*self.inner {
            Inner::Sqlite { .. } => {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.sqlite_execute(&sql, &params))
                    .await
                    .map_err(|e| CoreError::database("the SQLite database", e))?
            }
            Inner::Postgres { .. } => self.pg_execute(&sql, &params).await,
        }
    }

    /// The first row, if any.
    pub(crate) async fn query_opt(
        &self,
        sql: &str,
        params: Vec<P>,
    ) -> Result<Option<Row>, CoreError> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    async fn migrate(&self) -> Result<(), CoreError> {
        match &*self.inner {
            Inner::Sqlite { .. } => {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.sqlite_migrate())
                    .await
                    .map_err(|e| CoreError::database("the SQLite database", e))?
            }
            Inner::Postgres { .. } => self.pg_migrate().await,
        }
    }

    // --- SQLite ---

    fn sqlite_conn(
        &self,
    ) -> Result<(std::sync::MutexGuard<'_, rusqlite::Connection>, &str), CoreError> {
        match &*self.inner {
            Inner::Sqlite { conn, path } => Ok((
                conn.lock()
                    .map_err(|_| CoreError::database(path, "lock poisoned"))?,
                path.as_str(),
            )),
            Inner::Postgres { .. } => Err(CoreError::database("PostgreSQL", "not SQLite")),
        }
    }

    fn sqlite_params(params: &[P]) -> Vec<rusqlite::types::Value> {
        params
            .iter()
            .map(|p| match p {
                P::I(v) => rusqlite::types::Value::Integer(*v),
                P::T(Some(v)) => rusqlite::types::Value::Text(v.clone()),
                P::T(None) => rusqlite::types::Value::Null,
                P::B(v) => rusqlite::types::Value::Blob(v.clone()),
            })
            .collect()
    }

    fn sqlite_query(&self, sql: &str, params: &[P]) -> Result<Vec<Row>, CoreError> {
        let (conn, path) = self.sqlite_conn()?;
        let err = |e: rusqlite::Error| CoreError::database(path, e);
        let mut stmt = conn.prepare_cached(sql).map_err(err)?;
        let n = stmt.column_count();
        let values = Self::sqlite_params(params);
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values.iter()))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                use rusqlite::types::ValueRef;
                row.push(match r.get_ref(i).map_err(err)? {
                    ValueRef::Integer(v) => V::Int(v),
                    #[expect(clippy::cast_possible_truncation, reason = "no REAL columns")]
                    ValueRef::Real(v) => V::Int(v as i64),
                    ValueRef::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => V::Bytes(b.to_vec()),
                    ValueRef::Null => V::Null,
                });
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    fn sqlite_execute(&self, sql: &str, params: &[P]) -> Result<u64, CoreError> {
        let (conn, path) = self.sqlite_conn()?;
        let values = Self::sqlite_params(params);
        let n = conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(values.iter())))
            .map_err(|e| CoreError::database(path, e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn sqlite_migrate(&self) -> Result<(), CoreError> {
        let (mut conn, path) = self.sqlite_conn()?;
        let err = |e: rusqlite::Error| CoreError::database(path, e);
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .map_err(err)?;
        let current: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i).unwrap_or(i64::MAX) + 1;
            if version > current {
                let sql = self.dialect(m);
                tx.execute_batch(&sql).map_err(err)?;
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [version],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    // --- PostgreSQL ---

    async fn pg_client(
        &self,
    ) -> Result<tokio::sync::MutexGuard<'_, Option<tokio_postgres::Client>>, CoreError> {
        let Inner::Postgres { config, pool, next } = &*self.inner else {
            return Err(CoreError::database("SQLite", "not PostgreSQL"));
        };
        let start = next.fetch_add(1, Ordering::Relaxed);
        // A free connection if there is one, else wait for the next in turn.
        let mut guard = None;
        for k in 0..pool.len() {
            if let Some(slot) = pool.get((start + k) % pool.len())
                && let Ok(g) = slot.try_lock()
            {
                guard = Some(g);
                break;
            }
        }
        let mut guard = match guard {
            Some(g) => g,
            None => match pool.get(start % pool.len()) {
                Some(slot) => slot.lock().await,
                None => return Err(CoreError::database("PostgreSQL", "empty pool")),
            },
        };
        if guard.as_ref().is_none_or(tokio_postgres::Client::is_closed) {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| CoreError::database("PostgreSQL", e))?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::warn!(error = %e, "PostgreSQL connection ended");
                }
            });
            *guard = Some(client);
        }
        Ok(guard)
    }

    fn pg_params(params: &[P]) -> Vec<Box<dyn tokio_postgres::types::ToSql + Sync + Send>> {
        params
            .iter()
            .map(|p| -> Box<dyn tokio_postgres::types::ToSql + Sync + Send> {
                match p {
                    P::I(v) => Box::new(*v),
                    P::T(v) => Box::new(v.clone()),
                    P::B(v) => Box::new(v.clone()),
                }
            })
            .collect()
    }

    async fn pg_query(&self, sql: &str, params: &[P]) -> Result<Vec<Row>, CoreError> {
        use tokio_postgres::types::Type;
        let guard = self.pg_client().await?;
        let client = guard
            .as_ref()
            .ok_or_else(|| CoreError::database("PostgreSQL", "not connected"))?;
        let boxed = Self::pg_params(params);
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = boxed
            .iter()
            .map(|b| &**b as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let rows = client
            .query(sql, &refs)
            .await
            .map_err(|e| CoreError::database("PostgreSQL", pg_text(&e)))?;
        let err = |e: tokio_postgres::Error| CoreError::database("PostgreSQL", e);
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut row = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let t = col.type_();
                let v = if *t == Type::INT8 {
                    r.try_get::<_, Option<i64>>(i).map_err(err)?.map(V::Int)
                } else if *t == Type::INT4 {
                    r.try_get::<_, Option<i32>>(i)
                        .map_err(err)?
                        .map(|v| V::Int(i64::from(v)))
                } else if *t == Type::BYTEA {
                    r.try_get::<_, Option<Vec<u8>>>(i)
                        .map_err(err)?
                        .map(V::Bytes)
                } else if *t == Type::BOOL {
                    r.try_get::<_, Option<bool>>(i)
                        .map_err(err)?
                        .map(|b| V::Int(i64::from(b)))
                } else {
                    r.try_get::<_, Option<String>>(i).map_err(err)?.map(V::Text)
                };
                row.push(v.unwrap_or(V::Null));
            }
            out.push(Row(row));
        }
        Ok(out)
    }

    async fn pg_execute(&self, sql: &str, params: &[P]) -> Result<u64, CoreError> {
        let guard = self.pg_client().await?;
        let client = guard
            .as_ref()
            .ok_or_else(|| CoreError::database("PostgreSQL", "not connected"))?;
        let boxed = Self::pg_params(params);
        let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = boxed
            .iter()
            .map(|b| &**b as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        client
            .execute(sql, &refs)
            .await
            .map_err(|e| CoreError::database("PostgreSQL", pg_text(&e)))
    }

    async fn pg_migrate(&self) -> Result<(), CoreError> {
        let mut guard = self.pg_client().await?;
        let client = guard
            .as_mut()
            .ok_or_else(|| CoreError::database("PostgreSQL", "not connected"))?;
        let err = |e: tokio_postgres::Error| CoreError::database("PostgreSQL", pg_text(&e));
        let tx = client.transaction().await.map_err(err)?;
        // One migrator at a time across instances; released at commit.
        tx.execute("SELECT pg_advisory_xact_lock(7464735)", &[])
            .await
            .map_err(err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .await
            .map_err(err)?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_version",
                &[],
            )
            .await
            .map_err(err)?
            .try_get(0)
            .map_err(err)?;
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i).unwrap_or(i64::MAX) + 1;
            if version > current {
                tx.batch_execute(&self.dialect(m)).await.map_err(err)?;
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    &[&version],
                )
                .await
                .map_err(err)?;
            }
        }
        tx.commit().await.map_err(err)
    }
}

/// A PostgreSQL error with the server's own message when there is one.
fn pg_text(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map_or_else(
        || e.to_string(),
        |d| format!("{}: {}", d.code().code(), d.message()),
    )
}

/// Whether a database error is a unique-constraint violation (SQLite or PostgreSQL).
pub(crate) fn is_unique_violation(e: &CoreError) -> bool {
    let CoreError::Database { problem, .. } = e else {
        return false;
    };
    problem.contains("UNIQUE constraint failed") || problem.starts_with("23505")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_placeholders_and_markers_are_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::sqlite(&dir.path().join("s.sqlite3")).await.unwrap();
        assert_eq!(
            db.dialect("SELECT $1, $12 FROM t {SKIP_LOCKED}"),
            "SELECT ?1, ?12 FROM t "
        );
        // Migrating twice is a no-op.
        db.migrate().await.unwrap();
        let v = db
            .query_opt("SELECT MAX(version) FROM schema_version", vec![])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.int(0), i64::try_from(MIGRATIONS.len()).unwrap());
    }
}
