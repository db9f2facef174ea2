//! A request's credential check, sent with its first round trip to a remote database.
//!
//! An instance that has seen a session or token recently knows who it belongs to (see
//! `access::authenticate`), but must still check on every request that it is valid and
//! unchanged (not revoked, expired or disabled, the same role). On a remote server that check
//! would be a round trip of its own before the request's first statement; instead it is the
//! first step of the request's first round trip, and every other step of that round trip runs
//! only if it passed. A check that fails stops the request's statements at once, so nothing
//! the request asked for ran or was kept; the request is then authenticated again in full and
//! answered as that says (see `http::signed`).
//!
//! The check is a `SELECT` that fails, rather than answering no row, when the credential does
//! not hold: a batch step can be made to depend on another step's success, not on its rows.

use std::cell::RefCell;
use std::future::Future;

use libsql::params::Params;
use libsql_hrana::proto::Stmt;

use super::hrana::statement;

/// The error code of a step that is a failed credential check.
pub const REFUSED: &str = "OCC_CREDENTIAL_REFUSED";

tokio::task_local! {
    static VOUCH: RefCell<State>;
}

/// Where a request's credential check is.
#[derive(Debug, Default)]
enum State {
    /// No check waits (the request was authenticated by a statement of its own, or is public).
    #[default]
    None,
    /// The check waits for the request's first round trip.
    Pending(Stmt),
    /// The check went to the server and its answer is awaited.
    Sent(Stmt),
    /// The check passed.
    Passed,
    /// The check failed: the credential is no longer valid as the instance knew it.
    Failed,
}

/// What became of a request's credential check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No check was asked for, or it passed.
    Passed,
    /// The check was asked for and has not gone to the server yet.
    Pending,
    /// The check failed.
    Failed,
}

/// Runs `work` with room for one credential check (see [`vouch_with`]).
pub async fn vouching<T>(work: impl Future<Output = T>) -> T {
    VOUCH.scope(RefCell::new(State::None), work).await
}

/// Asks for a credential check with the current request's first round trip: `sql` must run
/// without error exactly when the credential holds. Outside [`vouching`] it is not kept, and
/// answers false.
pub fn vouch_with(sql: &str, params: Params) -> bool {
    VOUCH.try_with(|v| *v.borrow_mut() = State::Pending(statement(sql, params, false))).is_ok()
}

/// What became of the current request's check.
pub fn verdict() -> Verdict {
    VOUCH
        .try_with(|v| match &*v.borrow() {
            State::None | State::Passed => Verdict::Passed,
            State::Pending(_) | State::Sent(_) => Verdict::Pending,
            State::Failed => Verdict::Failed,
        })
        .unwrap_or(Verdict::Passed)
}

/// Forgets the current request's check, so the request can be answered again from the start.
pub fn clear() {
    let _ = VOUCH.try_with(|v| *v.borrow_mut() = State::None);
}

/// The check to send with this round trip, if one waits; it is then awaited.
pub(super) fn take() -> Option<Stmt> {
    VOUCH
        .try_with(|v| {
            let mut state = v.borrow_mut();
            match std::mem::take(&mut *state) {
                State::Pending(stmt) => {
                    *state = State::Sent(stmt.clone());
                    Some(stmt)
                }
                other => {
                    *state = other;
                    None
                }
            }
        })
        .ok()
        .flatten()
}

/// Records the server's answer to the check that was sent: `None` when the round trip got no
/// answer (the check waits for the next one), else whether it passed.
pub(super) fn answered(passed: Option<bool>) {
    let _ = VOUCH.try_with(|v| {
        let mut state = v.borrow_mut();
        *state = match (std::mem::take(&mut *state), passed) {
            (State::Sent(stmt), None) => State::Pending(stmt),
            (_, Some(true)) => State::Passed,
            (_, Some(false)) => State::Failed,
            (other, None) => other,
        };
    });
}

/// Whether a check waits to go to the server.
pub(super) fn waiting() -> bool {
    VOUCH.try_with(|v| matches!(*v.borrow(), State::Pending(_))).unwrap_or(false)
}

/// Whether the current request's check failed: then nothing more of it may reach the server.
pub(super) fn failed() -> bool {
    VOUCH.try_with(|v| matches!(*v.borrow(), State::Failed)).unwrap_or(false)
}
