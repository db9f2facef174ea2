//! When a statement that failed is tried again: a database busy with other writers, or a
//! statement the server interrupted, outside a transaction.

use std::time::Duration;

use super::failure::{DbFailure, classify};

/// How long a statement outside a transaction keeps trying while other writers hold the
/// database (an embedded connection's each try also waits up to five seconds by itself).
pub const BUSY_PATIENCE: Duration = Duration::from_secs(10);

/// Whether a statement that failed is tried again. A statement outside a transaction that
/// found the database locked by another writer, or that the server interrupted, changed
/// nothing, so it is tried again, with
/// growing, jittered pauses, for up to [`BUSY_PATIENCE`] in all (`BEGIN IMMEDIATE` included:
/// two ticks, or a cron and a worker, may well write at once). Inside a transaction the
/// caller's work decides; past the patience the answer is [`AppError::Busy`].
pub(super) struct Patience {
    started: std::time::Instant,
    pause: Duration,
}

impl Patience {
    pub(super) fn new() -> Self {
        Self { started: std::time::Instant::now(), pause: Duration::from_millis(10) }
    }

    /// How long to wait before the next try, or none when `err` is final.
    pub(super) fn again(&mut self, err: &libsql::Error, outside_transaction: bool) -> Option<Duration> {
        let pause = self.pause + Duration::from_millis(fastrand::u64(0..=self.pause.as_millis() as u64));
        let transient = matches!(classify(err), DbFailure::Busy | DbFailure::Interrupted);
        if !transient || !outside_transaction || self.started.elapsed() + pause > BUSY_PATIENCE {
            return None;
        }
        self.pause = (self.pause * 2).min(Duration::from_millis(500));
        Some(pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_transient_failure_outside_a_transaction_is_tried_again() {
        let busy = libsql::Error::SqliteFailure(5, "database is locked".to_owned());
        let interrupted = libsql::Error::SqliteFailure(9, "interrupted".to_owned());
        let unique = libsql::Error::SqliteFailure(19, "UNIQUE constraint failed: accounts.domain".to_owned());
        let mut patience = Patience::new();
        assert!(patience.again(&busy, true).is_some());
        assert!(patience.again(&interrupted, true).is_some());
        assert!(patience.again(&busy, false).is_none(), "inside a transaction the work decides");
        assert!(patience.again(&unique, true).is_none());
        let pauses: Vec<Duration> = (0..20).filter_map(|_| patience.again(&busy, true)).collect();
        assert!(pauses.iter().all(|p| *p <= Duration::from_secs(1)), "{pauses:?}");
    }
}
