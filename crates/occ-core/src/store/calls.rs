//! Counting database calls per request, in a task-local, so the count needs no plumbing and
//! cannot be forgotten: every statement goes through `Conn`, which counts.

use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static CALLS: Cell<u32>;
}

/// Counts one call, if a count is running on this task.
pub(super) fn count() {
    let _ = CALLS.try_with(|c| c.set(c.get().saturating_add(1)));
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
