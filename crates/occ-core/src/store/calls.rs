//! Counting database calls per request, in a task-local, so the count needs no plumbing and
//! cannot be forgotten: every statement goes through `Conn`, which counts. Two numbers are
//! kept: statements, and round trips (what a request costs on serverless, where each is a
//! network call: a batch of statements is one). The benchmark also records the statements
//! themselves, to check their query plans.

use std::cell::{Cell, RefCell};
use std::future::Future;

tokio::task_local! {
    static CALLS: Cell<Calls>;
    static STATEMENTS: RefCell<Vec<String>>;
}

/// What a piece of work asked of the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// Statements run.
    pub statements: u32,
    /// Round trips to the database: one per statement on its own, one per batch.
    pub round_trips: u32,
    /// Of those, the ones that were tries again (a busy database, a stream the server forgot).
    pub retries: u32,
    /// Of those, the ones spent authenticating the request on their own (none when its
    /// credential check went with its first statement, see vouch.rs).
    pub authentication: u32,
}

/// Counts one statement, if a count is running on this task, and records it if a recording is.
pub(super) fn count(sql: &str) {
    let _ = CALLS.try_with(|c| {
        let mut calls = c.get();
        calls.statements = calls.statements.saturating_add(1);
        c.set(calls);
    });
    let _ = STATEMENTS.try_with(|s| s.borrow_mut().push(sql.to_owned()));
}

/// Counts one round trip to the database.
pub(super) fn round_trip() {
    let _ = CALLS.try_with(|c| {
        let mut calls = c.get();
        calls.round_trips = calls.round_trips.saturating_add(1);
        c.set(calls);
    });
}

/// Counts one round trip that tries again what a busy or forgetful server did not run.
pub(super) fn retry() {
    let _ = CALLS.try_with(|c| {
        let mut calls = c.get();
        calls.retries = calls.retries.saturating_add(1);
        c.set(calls);
    });
}

/// Runs `work`, counting the round trips it makes as authentication's.
pub async fn count_authentication<T>(work: impl Future<Output = T>) -> T {
    counting_as(work, |calls| &mut calls.authentication).await
}

/// Runs `work`, counting the round trips it makes as tries again.
pub(super) async fn as_retries<T>(work: impl Future<Output = T>) -> T {
    counting_as(work, |calls| &mut calls.retries).await
}

/// Runs `work` and adds the round trips it made to the count `of` picks as well.
async fn counting_as<T>(work: impl Future<Output = T>, of: fn(&mut Calls) -> &mut u32) -> T {
    let before = CALLS.try_with(|c| c.get().round_trips).unwrap_or(0);
    let out = work.await;
    let _ = CALLS.try_with(|c| {
        let mut calls = c.get();
        let made = calls.round_trips.saturating_sub(before);
        let count = of(&mut calls);
        *count = count.saturating_add(made);
        c.set(calls);
    });
    out
}

/// The statements counted so far in the current scope (0 outside one).
pub fn current_calls() -> u32 {
    CALLS.try_with(|c| c.get().statements).unwrap_or(0)
}

/// Runs `work` with a fresh count; answers its output and what it asked of the database.
pub async fn count_calls<T>(work: impl Future<Output = T>) -> (T, Calls) {
    CALLS
        .scope(Cell::new(Calls::default()), async move {
            let out = work.await;
            (out, CALLS.with(Cell::get))
        })
        .await
}

/// Runs `work` and answers its output with every statement it ran, in order.
pub async fn record_statements<T>(work: impl Future<Output = T>) -> (T, Vec<String>) {
    STATEMENTS
        .scope(RefCell::new(Vec::new()), async move {
            let out = work.await;
            (out, STATEMENTS.with(RefCell::take))
        })
        .await
}
