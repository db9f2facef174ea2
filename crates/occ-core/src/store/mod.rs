//! The libSQL store: one `Store` per process (an embedded file or a remote server), a counted
//! connection per request, and the one mapping from database failures to `AppError`.

pub mod backup;
mod batch;
mod calls;
mod checked;
mod checkpoint;
mod column;
mod de;
mod failure;
mod group;
mod hrana;
pub mod migrate;
mod patience;
mod remote;
mod row;
mod search;
mod seen;
pub mod vouch;
mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use libsql::params::{IntoParams, Params};

use crate::config::{Config, DatabaseLocation, JournalMode};
use crate::error::{AppError, AppResult};

pub use batch::{Batch, Outcome, Step};
pub use calls::{Calls, count_authentication, count_calls, current_calls, record_statements};
pub use column::{FromColumn, col};
pub use de::{DecodeError, from_row, json, json_opt, single};
pub use failure::{DbFailure, classify};
pub use libsql::Value;
pub use remote::STREAMS;
pub use row::Row;
pub use search::text_search;
pub use seen::Seen;

pub use patience::BUSY_PATIENCE;
use patience::Patience;

/// How long an embedded connection waits for a lock before giving up with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many idle embedded connections are kept for reuse.
const IDLE_CONNECTIONS: usize = 8;

type Idle = Arc<Mutex<Vec<libsql::Connection>>>;

/// The database, opened once per process.
pub struct Store {
    engine: Engine,
    /// The embedded database's checkpoints, in WAL mode.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

enum Engine {
    /// An embedded file, with its idle connections. Opening one reads and parses the whole
    /// schema (a few milliseconds), so a request takes one from here when it can.
    Local { db: libsql::Database, idle: Idle },
    /// A remote server, through OCC's own client (see remote.rs).
    Remote(Arc<remote::Remote>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("local", &self.is_local()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the configured database. An embedded file (and its folder) is created when
    /// missing and switched to the configured journal mode; a remote one is only located.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        match &config.database {
            DatabaseLocation::Local(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("while creating the database folder {}", dir.display()))?;
                }
                let db = libsql::Builder::new_local(path)
                    .build()
                    .await
                    .with_context(|| format!("while opening the database file {}", path.display()))?;
                let mut store = Self { engine: Engine::Local { db, idle: Idle::default() }, _checkpointer: None };
                let conn = store.raw_connection()?;
                let mode = match config.journal_mode {
                    JournalMode::Wal => "PRAGMA journal_mode = WAL",
                    JournalMode::Delete => "PRAGMA journal_mode = DELETE",
                };
                let mut rows = conn.query(mode, ()).await.context("while setting the journal mode")?;
                while rows.next().await?.is_some() {}
                if config.journal_mode == JournalMode::Wal {
                    store._checkpointer = Some(checkpoint::Checkpointer::start(conn)?);
                }
                Ok(store)
            }
            DatabaseLocation::Remote { url, auth_token } => {
                let remote = remote::Remote::new(url, auth_token.as_ref().map(|t| t.expose()))
                    .context("while locating the remote database")?;
                Ok(Self { engine: Engine::Remote(Arc::new(remote)), _checkpointer: None })
            }
        }
    }

    /// Whether this is the embedded database.
    pub fn is_local(&self) -> bool {
        matches!(self.engine, Engine::Local { .. })
    }

    fn raw_connection(&self) -> anyhow::Result<libsql::Connection> {
        let Engine::Local { db, .. } = &self.engine else { anyhow::bail!("a remote database has no raw connection") };
        let conn = db.connect().context("while connecting to the database")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// A connection for one request (or one command): an idle one when there is one, else a
    /// new one. Dropping it with a transaction left open by an early return closes it, which
    /// rolls the transaction back.
    pub async fn connect(&self) -> AppResult<Conn> {
        let idle = match &self.engine {
            Engine::Remote(remote) => return Ok(Conn(Link::Remote(remote.connect().await?))),
            Engine::Local { idle, .. } => idle,
        };
        if let Some(conn) = idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(Conn(Link::Local { conn, idle: idle.clone() }));
        }
        let conn = self.raw_connection()?;
        // Connection set-up on the embedded file is not a network round trip, so it is not
        // counted.
        conn.execute("PRAGMA foreign_keys = ON", ()).await?;
        // In WAL mode NORMAL never corrupts the database; a power cut may lose the last
        // commits, a fair trade for not syncing on every request's session update.
        conn.execute("PRAGMA synchronous = NORMAL", ()).await?;
        // The store's checkpointer copies the log back (see checkpoint.rs); a commit does so
        // itself only past 192 MiB of log (49,152 pages), so a long job's log is started over as
        // it goes, and a log started over is cut back to 64 MiB.
        let mut rows = conn.query("PRAGMA wal_autocheckpoint = 49152", ()).await?;
        while rows.next().await?.is_some() {}
        let mut rows = conn.query("PRAGMA journal_size_limit = 67108864", ()).await?;
        while rows.next().await?.is_some() {}
        // 32 MiB of page cache, so a bulk write (an import step) is not spilled mid-way.
        let mut rows = conn.query("PRAGMA cache_size = -32768", ()).await?;
        while rows.next().await?.is_some() {}
        // Deleted rows are overwritten, so an erased person does not linger in free pages.
        let mut rows = conn.query("PRAGMA secure_delete = ON", ()).await?;
        while rows.next().await?.is_some() {}
        Ok(Conn(Link::Local { conn, idle: idle.clone() }))
    }
}

/// A connection whose every statement is counted (see ARCHITECTURE.md: on serverless, each
/// round trip is a network call). An embedded one goes back to the store's idle connections
/// when dropped, unless a transaction is still open on it: then it closes, which rolls the
/// transaction back. A remote one keeps its stream for the next request the same way.
pub struct Conn(Link);

enum Link {
    Local { conn: libsql::Connection, idle: Idle },
    Remote(remote::RemoteConn),
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Link::Local { conn, idle } = &self.0
            && conn.is_autocommit()
            && let Ok(mut idle) = idle.lock()
            && idle.len() < IDLE_CONNECTIONS
        {
            idle.push(conn.clone());
        }
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Conn")
    }
}

impl Conn {
    /// Whether no transaction is open.
    fn is_autocommit(&self) -> bool {
        match &self.0 {
            Link::Local { conn, .. } => conn.is_autocommit(),
            Link::Remote(remote) => remote.is_autocommit(),
        }
    }

    /// Runs a statement that returns no rows; answers the number of rows changed. A statement
    /// that finds the database busy may be tried again (see [`Patience`]), one call a try. On a
    /// remote server, outside a transaction, it waits for the instance's turn to write first, as
    /// a transaction does (the worker's and the tick's writes wait with the requests' ones).
    pub async fn execute(&self, sql: &str, params: impl IntoParams) -> AppResult<u64> {
        let params = params.into_params()?;
        let mut patience = Patience::new();
        loop {
            calls::count(sql);
            let done = match &self.0 {
                Link::Local { conn, .. } => {
                    calls::round_trip();
                    conn.execute(sql, params.clone()).await
                }
                Link::Remote(remote) => match remote.write_turn().await {
                    Ok(()) => remote.execute(sql, params.clone(), false).await.map(|r| r.affected_row_count),
                    Err(busy) => Err(busy),
                },
            };
            match done {
                Err(err) if let Some(pause) = patience.again(&err, self.is_autocommit()) => {
                    self.recover(&err, pause).await;
                }
                done => return Ok(done?),
            }
        }
    }

    /// Runs a statement and decodes every row it returns. All rows are read, so a
    /// `RETURNING` statement always runs to the end and its errors surface here.
    pub async fn query_all<T>(
        &self,
        sql: &str,
        params: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
    ) -> AppResult<Vec<T>> {
        let params = params.into_params()?;
        let mut patience = Patience::new();
        loop {
            calls::count(sql);
            match self.read_all(sql, params.clone(), &decode).await {
                Err(err) if let Some(pause) = patience.again(&err, self.is_autocommit()) => {
                    self.recover(&err, pause).await;
                }
                done => return done?,
            }
        }
    }

    /// Waits before trying a statement again. A statement the server interrupted is tried on a
    /// new stream: sqld, now and then, interrupts every statement of a stream for a while
    /// (outside a transaction a new stream loses nothing; embedded, there are no streams).
    async fn recover(&self, err: &libsql::Error, pause: Duration) {
        calls::retry();
        if let Link::Remote(remote) = &self.0
            && classify(err) == DbFailure::Interrupted
        {
            remote.reset();
        }
        tokio::time::sleep(pause).await;
    }

    /// Runs the statement and decodes each row as it is read (an embedded row is only valid
    /// until the next one is read).
    async fn read_all<T>(
        &self,
        sql: &str,
        params: Params,
        decode: &impl Fn(&Row) -> AppResult<T>,
    ) -> Result<AppResult<Vec<T>>, libsql::Error> {
        let mut out = Vec::new();
        match &self.0 {
            Link::Local { conn, .. } => {
                calls::round_trip();
                let mut rows = conn.query(sql, params).await?;
                let names = row::Names::of(&rows);
                while let Some(row) = rows.next().await? {
                    match decode(&Row::local(row, names.clone())) {
                        Ok(value) => out.push(value),
                        Err(err) => return Ok(Err(err)),
                    }
                }
            }
            Link::Remote(remote) => {
                for row in hrana::rows(remote.execute(sql, params, true).await?) {
                    match decode(&row) {
                        Ok(value) => out.push(value),
                        Err(err) => return Ok(Err(err)),
                    }
                }
            }
        }
        Ok(Ok(out))
    }

    /// Runs a statement expected to return at most one row.
    pub async fn query_opt<T>(
        &self,
        sql: &str,
        params: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
    ) -> AppResult<Option<T>> {
        Ok(self.query_all(sql, params, decode).await?.into_iter().next())
    }

    /// Runs a write outside any transaction that returns at most one row (`UPDATE ...
    /// RETURNING`). On a remote server it waits for the instance's turn to write, as a
    /// transaction does, so writes of many requests at once do not all wait for the server's
    /// lock on it (see `Remote::writer`): it goes with the batches waiting for the turn, in
    /// their round trip (see group.rs), or, inside a transaction, in the transaction's turn.
    pub async fn write_returning<T>(
        &self,
        sql: &str,
        params: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
    ) -> AppResult<Option<T>> {
        let Link::Remote(remote) = &self.0 else { return self.query_opt(sql, params, decode).await };
        if remote.is_autocommit() && !remote.begin_waits() {
            calls::count(sql);
            return batch::write_in_group(remote, sql, params.into_params()?, decode).await;
        }
        remote.write_turn().await?;
        let written = self.query_opt(sql, params, decode).await;
        remote.end_turn();
        written
    }

    /// Runs a statement that must return a row; no row is `NotFound(what)`.
    pub async fn query_one<T>(
        &self,
        what: &'static str,
        sql: &str,
        params: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
    ) -> AppResult<T> {
        self.query_opt(sql, params, decode).await?.ok_or(AppError::NotFound(what))
    }

    /// Runs a write whose answer the caller does not need. Inside a transaction on a remote
    /// server it waits and goes with the transaction's next statement or its `COMMIT`, in the
    /// same round trip, so its failure is that statement's (and fails the transaction);
    /// elsewhere it runs now. Use [`Conn::execute`] when the change count or the statement's
    /// own error matters. On the embedded engine a write inside a transaction runs at once but
    /// is counted as the remote server would count it: with the round trip that follows.
    pub async fn write(&self, sql: &str, params: impl IntoParams) -> AppResult<()> {
        let params = params.into_params()?;
        match &self.0 {
            Link::Remote(remote) if remote.defer(sql, params.clone()) => calls::count(sql),
            Link::Local { conn, .. } if !conn.is_autocommit() => {
                calls::count(sql);
                conn.execute(sql, params).await?;
            }
            _ => {
                self.execute(sql, params).await?;
            }
        }
        Ok(())
    }

    /// Runs several statements without parameters (migrations, a restore), stopping at the
    /// first that fails. One call.
    pub async fn execute_script(&self, sql: &str) -> AppResult<()> {
        calls::count(sql);
        match &self.0 {
            Link::Local { conn, .. } => {
                calls::round_trip();
                let mut batch = conn.execute_batch(sql).await?;
                while let Some(rows) = batch.next_stmt_row() {
                    if let Some(mut rows) = rows {
                        while rows.next().await?.is_some() {}
                    }
                }
            }
            Link::Remote(remote) => remote.sequence(sql).await?,
        }
        Ok(())
    }

    /// Runs `work` inside `BEGIN IMMEDIATE` ... `COMMIT` (one more round trip: the `BEGIN` goes
    /// with the first statement), rolling back when it fails. Keep the work short: the write lock is held until it returns, and on a remote
    /// server every statement inside is a round trip; prefer a [`Batch`] where the checks can
    /// be written in SQL.
    pub async fn immediate<T>(&self, work: impl AsyncFnOnce(&Conn) -> AppResult<T>) -> AppResult<T> {
        match self.declinable(async |conn| work(conn).await.map(Ok::<T, std::convert::Infallible>)).await? {
            Ok(value) => Ok(value),
            Err(never) => match never {},
        }
    }

    /// As [`Conn::immediate`], but the work may also decline (`Ok(Err(why))`): then nothing it
    /// wrote is kept either, and the caller learns why.
    pub async fn declinable<T, R>(
        &self,
        work: impl AsyncFnOnce(&Conn) -> AppResult<Result<T, R>>,
    ) -> AppResult<Result<T, R>> {
        self.begin().await?;
        match work(self).await {
            Ok(Ok(value)) => {
                if let Err(err) = self.commit().await {
                    self.rollback().await;
                    return Err(err);
                }
                Ok(Ok(value))
            }
            Ok(Err(declined)) => {
                self.rollback().await;
                Ok(Err(declined))
            }
            Err(err) => {
                self.rollback().await;
                Err(err)
            }
        }
    }

    /// Begins a write transaction. It costs no round trip of its own: on a remote server its
    /// `BEGIN IMMEDIATE` goes with the transaction's first statement; on the embedded file it
    /// waits for the write lock here, with the patience of any statement.
    async fn begin(&self) -> AppResult<()> {
        calls::count("BEGIN IMMEDIATE");
        match &self.0 {
            Link::Remote(remote) => remote.begin().await?,
            Link::Local { conn, .. } => {
                let mut patience = Patience::new();
                loop {
                    match conn.execute("BEGIN IMMEDIATE", ()).await {
                        Err(err) if let Some(pause) = patience.again(&err, true) => tokio::time::sleep(pause).await,
                        done => {
                            done?;
                            break;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Commits the transaction (a transaction that ran no statement has nothing to commit).
    async fn commit(&self) -> AppResult<()> {
        if let Link::Remote(remote) = &self.0
            && remote.end_unsent()
        {
            return Ok(());
        }
        self.execute("COMMIT", ()).await.map(drop)
    }

    async fn rollback(&self) {
        if let Link::Remote(remote) = &self.0
            && remote.abandon_unsent()
        {
            return;
        }
        if !self.is_autocommit()
            && let Err(err) = self.execute("ROLLBACK", ()).await
        {
            tracing::warn!(error = %err, "rollback failed; the connection is dropped");
        }
    }
}
