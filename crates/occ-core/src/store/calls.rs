//! Counting database calls per request, in a task-local, so the count needs no plumbing and
//! cannot be forgotten: every statement goes through `Conn`, which counts. The benchmark also
//! records the statements themselves, to check their query plans.

use std::cell::{Cell, RefCell};
use std::future::Future;

tokio::task_local! {
    static CALLS: Cell<u32>;
    static STATEMENTS: RefCell<Vec<String>>;
}

/// Counts one call, if a count is running on this task, and records its statement if a
/// recording is.
pub(super) fn count(sql: &str) {
    let _ = CALLS.try_with(|c| c.set(c.get().saturating_add(1)));
    let _ = STATEMENTS.try_with(|s| s.borrow_mut().push(sql.to_owned()));
}

/// The calls counted so far in the current scope (0 outside one).
pub fn current_calls() -> u32 {
    CALLS.try_with(Cell::get).unwrap_or(0)
}

/// Runs `work` with a fresh count; answers its output and the number of calls it made.
pub async fn count_calls<T>(work: impl Future<Output = T>) -> (T, u32) {
    CALLS
        .scope(Cell::new(0), async move {
            let out = work.await;
            (out, current_calls())
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
