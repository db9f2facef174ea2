//! A connection of the store: every statement counted, tried again while the database is
//! busy, and decoded row by row (see `Conn`); writes and batches are in `batch`.

use std::time::Duration;

use libsql::params::{IntoParams, Params};

use super::patience::Patience;
use super::{DbFailure, IDLE_CONNECTIONS, Idle, Row, calls, classify, hrana, remote, row};
use crate::error::{AppError, AppResult};

/// A connection whose every statement is counted (see ARCHITECTURE.md: on serverless, each
/// round trip is a network call). An embedded one goes back to the store's idle connections
/// when dropped, unless a transaction is still open on it: then it closes, which rolls the
/// transaction back. A remote one keeps its stream for the next request the same way.
pub struct Conn(pub(super) Link);

pub(super) enum Link {
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
    /// Whether this is a connection to the embedded file (not to a server).
    pub fn is_local(&self) -> bool {
        matches!(self.0, Link::Local { .. })
    }

    /// Whether no transaction is open.
    pub(super) fn is_autocommit(&self) -> bool {
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
            return super::batch::write_in_group(remote, sql, params.into_params()?, decode).await;
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
    pub(super) async fn begin(&self) -> AppResult<()> {
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

    pub(super) async fn rollback(&self) {
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
