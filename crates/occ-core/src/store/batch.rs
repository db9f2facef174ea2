//! Writes in one round trip: the statements of a request go to the database together, inside
//! `BEGIN IMMEDIATE` ... `COMMIT`, and commit or roll back together. The checks a write needs
//! are written in SQL ([`Batch::require`]) rather than asked in a conversation with the server,
//! so the write lock is held for the time the server takes to run them, never for a network
//! round trip.
//!
//! On a remote server the batch is one Hrana batch, each step run only if the one before it
//! succeeded, a `ROLLBACK` step when the `COMMIT` did not happen; on the embedded engine the
//! same steps run one by one on the connection. Either way a batch counts as one round trip.
//!
//! This file is longer than 400 lines because it is one concern whose parts share the batch's
//! private plan: building a batch, reading its outcome, and running it on either engine with the
//! same commit-or-nothing rule and the same patience with a busy database.

use std::borrow::Cow;

use libsql::params::{IntoParams, Params};
use libsql_hrana::proto::{BatchCond, BatchStep, Stmt};

use super::patience::Patience;
use super::{Conn, DbFailure, Link, Row, calls, classify, hrana, remote};
use crate::error::{AppError, AppResult};

/// The statement a check becomes: it writes a row the `batch_checks` table refuses (so the
/// step fails and the batch rolls back) exactly when the condition does not hold.
const CHECK: &str = "INSERT INTO batch_checks (failed) SELECT 1 WHERE NOT ";

/// Statements that run together, all or nothing.
#[derive(Default)]
pub struct Batch {
    steps: Vec<Planned>,
}

struct Planned {
    sql: Cow<'static, str>,
    params: Params,
    /// For a check: what the caller is told when it fails.
    refusal: Option<AppError>,
}

/// A statement's place in a batch, to read its rows from the [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step(usize);

/// What each statement of a batch answered.
pub struct Outcome {
    steps: Vec<Answered>,
}

struct Answered {
    rows: Vec<Row>,
    changes: u64,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.steps.iter().map(|s| &s.sql)).finish()
    }
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.steps.iter().map(|s| (s.rows.len(), s.changes))).finish()
    }
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement; its rows are read from the outcome with the answered [`Step`].
    pub fn push(&mut self, sql: impl Into<Cow<'static, str>>, params: impl IntoParams) -> AppResult<Step> {
        self.steps.push(Planned { sql: sql.into(), params: params.into_params()?, refusal: None });
        Ok(Step(self.steps.len() - 1))
    }

    /// Adds a check: when `condition` (an SQL expression over the parameters, such as
    /// `EXISTS (SELECT 1 FROM contacts WHERE id = ?1)`) is not true at this point of the
    /// batch, nothing of the batch is kept and it answers `refusal`.
    ///
    /// The condition is SQL text of the code's own (`'static`), never built from a request:
    /// what a request brings goes in `params`.
    pub fn require(&mut self, condition: &'static str, params: impl IntoParams, refusal: AppError) -> AppResult<()> {
        let sql = [CHECK, "(", condition, ")"].concat();
        self.steps.push(Planned { sql: sql.into(), params: params.into_params()?, refusal: Some(refusal) });
        Ok(())
    }

    /// Adds the check that what the batch was made from, read before it outside the
    /// transaction, is still so: when `condition` does not hold, another write changed it in
    /// between, nothing of the batch is kept, and [`Conn::read_then_batch`] reads and makes
    /// the batch again.
    pub fn require_unchanged(&mut self, condition: &'static str, params: impl IntoParams) -> AppResult<()> {
        self.require(condition, params, stale())
    }

    /// Adds a check whose failure the batch cannot explain by itself (several facts are checked
    /// at once, and only a read tells which one failed): in [`Conn::explained_batch`], a failure
    /// has the read answer why.
    pub fn require_or_explain(&mut self, condition: &'static str, params: impl IntoParams) -> AppResult<()> {
        self.require(condition, params, unexplained())
    }

    /// How many statements the batch has.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the batch has no statement.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The error a failed step stands for: its refusal when it is a check, else the database's.
    fn failure(&mut self, step: usize, err: libsql::Error) -> AppError {
        let is_check = matches!(classify(&err), DbFailure::Check(ref name) if name.contains("batch_check"));
        match self.steps.get_mut(step).and_then(|s| s.refusal.take()) {
            Some(refusal) if is_check => refusal,
            _ => err.into(),
        }
    }
}

/// What a write is answered when what it read kept changing under it.
const STALE: &str = "the record changed while this change was being made; send it again";

/// How many times a write whose read went stale is made again before it is answered 409.
const STALE_TRIES: u32 = 4;

fn stale() -> AppError {
    AppError::Conflict { message: STALE.to_owned(), fields: Vec::new(), conflicts_with: None }
}

fn is_stale(err: &AppError) -> bool {
    matches!(err, AppError::Conflict { message, .. } if message == STALE)
}

/// What a check of [`Batch::require_or_explain`] answers outside [`Conn::explained_batch`].
const UNEXPLAINED: &str = "this change cannot be made now; send it again to learn why";

fn unexplained() -> AppError {
    AppError::Conflict { message: UNEXPLAINED.to_owned(), fields: Vec::new(), conflicts_with: None }
}

fn is_unexplained(err: &AppError) -> bool {
    matches!(err, AppError::Conflict { message, .. } if message == UNEXPLAINED)
}

impl Outcome {
    /// The rows changed by a step.
    pub fn changes(&self, step: Step) -> u64 {
        self.steps.get(step.0).map_or(0, |s| s.changes)
    }

    /// Decodes every row a step returned.
    pub fn rows<T>(&self, step: Step, decode: impl Fn(&Row) -> AppResult<T>) -> AppResult<Vec<T>> {
        self.steps.get(step.0).map_or(&[][..], |s| &s.rows[..]).iter().map(decode).collect()
    }

    /// Decodes the first row a step returned, if any.
    pub fn opt<T>(&self, step: Step, decode: impl Fn(&Row) -> AppResult<T>) -> AppResult<Option<T>> {
        self.steps.get(step.0).and_then(|s| s.rows.first()).map(decode).transpose()
    }

    /// Decodes the row a step must have returned; no row is `NotFound(what)`.
    pub fn one<T>(&self, what: &'static str, step: Step, decode: impl Fn(&Row) -> AppResult<T>) -> AppResult<T> {
        self.opt(step, decode)?.ok_or(AppError::NotFound(what))
    }
}

impl Conn {
    /// A write transaction in two round trips: `work` reads what the writes depend on (its
    /// first statement carries the `BEGIN IMMEDIATE`, so what it reads cannot change before the
    /// writes) and answers the writes as a [`Batch`], which goes to the database with the
    /// `COMMIT`. A failed check or write, or an error of `work`, keeps nothing.
    pub async fn read_then_write<T>(
        &self,
        work: impl AsyncFnOnce(&Conn) -> AppResult<(Batch, T)>,
    ) -> AppResult<(Outcome, T)> {
        self.begin().await?;
        let (mut batch, value) = match work(self).await {
            Ok(done) => done,
            Err(err) => {
                self.rollback().await;
                return Err(err);
            }
        };
        for step in &batch.steps {
            calls::count(&step.sql);
        }
        calls::count("COMMIT");
        let finished = match &self.0 {
            Link::Local { conn, .. } => {
                calls::round_trip();
                finish_local(conn, &mut batch).await
            }
            Link::Remote(remote) if remote.end_unsent() => {
                // `work` read nothing: the writes are a batch of their own.
                remote.write_turn().await?;
                let done = remote_batch(remote, &mut batch, Turn::Held).await;
                remote.end_unsent();
                done
            }
            Link::Remote(remote) => {
                // Writes `work` deferred go first, on their own (a batch's writes belong in it).
                match remote.flush().await {
                    Ok(()) => finish_remote(remote, &mut batch).await,
                    Err(err) => Err(err.into()),
                }
            }
        };
        match finished {
            Ok(outcome) => Ok((outcome, value)),
            Err(err) => {
                match &self.0 {
                    // The batch's `ROLLBACK`: a step of the same round trip on a remote server
                    // (where it already ran), so not a round trip of its own here either.
                    Link::Local { conn, .. } if !conn.is_autocommit() => {
                        calls::count("ROLLBACK");
                        if let Err(err) = conn.execute("ROLLBACK", ()).await {
                            tracing::warn!(error = %err, "rollback failed; the connection is dropped");
                        }
                    }
                    _ => self.rollback().await,
                }
                Err(err)
            }
        }
    }

    /// A write that holds the write lock for no network round trip: `work` reads what the
    /// writes depend on (on this connection, outside any transaction) and answers the writes as
    /// a [`Batch`] whose checks ([`Batch::require_unchanged`]) confirm that what it read is
    /// still so; the batch then goes in one round trip, all of it or none of it. When another
    /// write changed what `work` read in between, `work` runs again (those round trips count as
    /// tries again), at most [`STALE_TRIES`] times more.
    pub async fn read_then_batch<T, F>(&self, work: impl Fn() -> F) -> AppResult<(Outcome, T)>
    where
        F: Future<Output = AppResult<(Batch, T)>>,
    {
        let mut tries = 0;
        loop {
            let attempt = async {
                let (batch, value) = work().await?;
                Ok((self.batch(batch).await?, value))
            };
            let done = if tries == 0 { attempt.await } else { calls::as_retries(attempt).await };
            match done {
                Err(err) if is_stale(&err) && tries < STALE_TRIES => tries += 1,
                done => return done,
            }
        }
    }

    /// A write in one round trip whose checks ([`Batch::require_or_explain`]) hold the rules in
    /// SQL: `make` makes the batch, which goes at once. When a check fails, `explain` reads
    /// what the write depends on and answers why it cannot be made (an error); when it finds
    /// nothing wrong (what it read changed in between), the batch is made and sent again, at
    /// most [`STALE_TRIES`] times more. The explaining read and the tries after it count as
    /// tries again: the write's own cost is its one round trip.
    pub async fn explained_batch<T, F>(
        &self,
        make: impl Fn() -> AppResult<(Batch, T)>,
        explain: impl Fn() -> F,
    ) -> AppResult<(Outcome, T)>
    where
        F: Future<Output = AppResult<()>>,
    {
        let (batch, value) = make()?;
        match self.batch(batch).await {
            Err(err) if is_unexplained(&err) => {}
            done => return done.map(|outcome| (outcome, value)),
        }
        calls::as_retries(async {
            for _ in 0..STALE_TRIES {
                explain().await?;
                let (batch, value) = make()?;
                match self.batch(batch).await {
                    Err(err) if is_unexplained(&err) => {}
                    done => return done.map(|outcome| (outcome, value)),
                }
            }
            Err(stale())
        })
        .await
    }

    /// A write in one round trip whose checks ([`Batch::require_or_explain`]) hold in SQL the
    /// rules of its common case: `read` answers from the outcome. When a check fails, nothing
    /// is kept and `otherwise` makes the write the reading way, which says why or takes the case
    /// the batch does not; its round trips count as tries again.
    pub async fn batch_or_else<T, F>(
        &self,
        batch: Batch,
        read: impl FnOnce(Outcome) -> AppResult<T>,
        otherwise: impl FnOnce() -> F,
    ) -> AppResult<T>
    where
        F: Future<Output = AppResult<T>>,
    {
        match self.batch(batch).await {
            Err(err) if is_unexplained(&err) => calls::as_retries(otherwise()).await,
            done => read(done?),
        }
    }

    /// Runs a batch: one round trip, all of it or none of it. A database busy with another
    /// writer is waited for as a single statement is (see [`Patience`]). On a remote server,
    /// outside a transaction, it goes with the other batches waiting for this instance's turn
    /// to write (see group.rs).
    pub async fn batch(&self, mut batch: Batch) -> AppResult<Outcome> {
        match &self.0 {
            Link::Remote(remote) if remote.is_autocommit() && !remote.begin_waits() => {
                calls::count("BEGIN IMMEDIATE");
                for step in &batch.steps {
                    calls::count(&step.sql);
                }
                calls::count("COMMIT");
                remote_batch(remote, &mut batch, Turn::InGroup).await
            }
            _ => self.read_then_write(async |_| Ok((batch, ()))).await.map(|(outcome, ())| outcome),
        }
    }
}

/// The writes of [`Conn::read_then_write`] on the embedded engine, then the `COMMIT`; on an
/// error the caller rolls back.
async fn finish_local(conn: &libsql::Connection, batch: &mut Batch) -> AppResult<Outcome> {
    let mut steps = Vec::with_capacity(batch.steps.len());
    for i in 0..batch.steps.len() {
        let planned = &batch.steps[i];
        match run_local(conn, &planned.sql, planned.params.clone()).await {
            Ok(answered) => steps.push(answered),
            Err(err) => return Err(batch.failure(i, err)),
        }
    }
    conn.execute("COMMIT", ()).await?;
    Ok(Outcome { steps })
}

async fn run_local(conn: &libsql::Connection, sql: &str, params: Params) -> Result<Answered, libsql::Error> {
    let before = conn.total_changes();
    let mut rows = conn.query(sql, params).await?;
    let names = super::row::Names::of(&rows);
    let mut out = Vec::new();
    while let Some(row) = rows.next().await? {
        out.push(Row::detach(&row, &names).map_err(|e| libsql::Error::Misuse(e.to_string()))?);
    }
    Ok(Answered { rows: out, changes: conn.total_changes() - before })
}

/// The writes of [`Conn::read_then_write`] on a remote server, inside the open transaction:
/// each step if the one before it succeeded, `COMMIT` if they all did, `ROLLBACK` if the commit
/// did not happen; one request.
async fn finish_remote(conn: &remote::RemoteConn, batch: &mut Batch) -> AppResult<Outcome> {
    let n = batch.steps.len();
    let ok = |step: usize| BatchCond::Ok { step: u32::try_from(step).unwrap_or(u32::MAX) };
    let mut steps = Vec::with_capacity(n + 2);
    for (i, planned) in batch.steps.iter().enumerate() {
        let stmt = hrana::statement(&planned.sql, planned.params.clone(), true);
        steps.push(BatchStep { condition: i.checked_sub(1).map(ok), stmt });
    }
    steps.push(BatchStep { condition: n.checked_sub(1).map(ok), stmt: Stmt::new("COMMIT", false) });
    steps.push(BatchStep {
        condition: Some(BatchCond::Not { cond: Box::new(ok(n)) }),
        stmt: Stmt::new("ROLLBACK", false),
    });
    let result = conn.batch(steps).await?;
    let error = |step: usize| result.step_errors.get(step).and_then(Option::as_ref).map(hrana::step_error);
    if let Some((i, err)) = (0..n).find_map(|i| error(i).map(|e| (i, e))) {
        return Err(batch.failure(i, err));
    }
    if let Some(err) = error(n) {
        return Err(err.into());
    }
    let mut results = result.step_results.into_iter();
    let steps = (0..n)
        .map(|_| {
            let answered = results.next().flatten().unwrap_or_default();
            Answered { changes: answered.affected_row_count, rows: hrana::rows(answered) }
        })
        .collect();
    Ok(Outcome { steps })
}

/// One write outside any transaction on a remote server, answering its first row: in its own
/// transaction, with the other batches waiting for this instance's turn to write (see
/// group.rs), so it does not hold the turn for a round trip of its own.
pub(super) async fn write_in_group<T>(
    conn: &remote::RemoteConn,
    sql: &str,
    params: Params,
    decode: impl Fn(&Row) -> AppResult<T>,
) -> AppResult<Option<T>> {
    let mut batch = Batch::new();
    let step = batch.push(sql.to_owned(), params)?;
    remote_batch(conn, &mut batch, Turn::InGroup).await?.opt(step, decode)
}

/// Whether a batch's connection holds the turn to write, or waits for it with other batches.
#[derive(Clone, Copy)]
enum Turn {
    Held,
    InGroup,
}

/// The batch on a remote server, in one request: in a transaction of its own when the turn to
/// write is held ([`transaction`]), else in a savepoint of the transaction of the batches sent
/// with it (see group.rs), answered alike.
async fn remote_batch(conn: &remote::RemoteConn, batch: &mut Batch, turn: Turn) -> AppResult<Outcome> {
    let n = batch.steps.len();
    let body: Vec<Stmt> =
        batch.steps.iter().map(|planned| hrana::statement(&planned.sql, planned.params.clone(), true)).collect();
    let alone = match turn {
        Turn::Held => Some(transaction(&body)),
        Turn::InGroup => None,
    };
    let mut patience = Patience::new();
    loop {
        let result = match &alone {
            Some(steps) => conn.batch(steps.clone()).await?,
            None => conn.batch_in_group(body.clone()).await?,
        };
        let error = |step: usize| result.step_errors.get(step).and_then(Option::as_ref).map(hrana::step_error);
        // The transaction never began, or its commit failed and it was rolled back: nothing
        // was kept, so a busy database is waited for and the batch sent again.
        let unkept = error(0)
            .map(|e| (0, e))
            .or_else(|| (1..=n).all(|i| error(i).is_none()).then(|| error(n + 1).map(|e| (n + 1, e))).flatten());
        if let Some((_, err)) = &unkept
            && let Some(pause) = patience.again(err, conn.is_autocommit())
        {
            if classify(err) == DbFailure::Interrupted {
                conn.reset();
            }
            calls::retry();
            tokio::time::sleep(pause).await;
            continue;
        }
        if let Some((_, err)) = unkept {
            return Err(err.into());
        }
        if let Some((i, err)) = (1..=n).find_map(|i| error(i).map(|e| (i, e))) {
            return Err(batch.failure(i - 1, err));
        }
        let mut results = result.step_results.into_iter().skip(1);
        let steps = (0..n)
            .map(|_| {
                let answered = results.next().flatten().unwrap_or_default();
                Answered { changes: answered.affected_row_count, rows: hrana::rows(answered) }
            })
            .collect();
        return Ok(Outcome { steps });
    }
}

/// A batch in a transaction of its own: `BEGIN IMMEDIATE`, each statement if the one before it
/// succeeded, `COMMIT` if they all did, `ROLLBACK` if the commit did not happen.
fn transaction(body: &[Stmt]) -> Vec<BatchStep> {
    let n = body.len();
    let ok = |step: usize| BatchCond::Ok { step: u32::try_from(step).unwrap_or(u32::MAX) };
    let mut steps = vec![BatchStep { condition: None, stmt: Stmt::new("BEGIN IMMEDIATE", false) }];
    for (i, stmt) in body.iter().enumerate() {
        steps.push(BatchStep { condition: Some(ok(i)), stmt: stmt.clone() });
    }
    steps.push(BatchStep { condition: Some(ok(n)), stmt: Stmt::new("COMMIT", false) });
    steps.push(BatchStep {
        condition: Some(BatchCond::Not { cond: Box::new(ok(n + 1)) }),
        stmt: Stmt::new("ROLLBACK", false),
    });
    steps
}
