//! The one place where database failures become `AppError`s. The embedded engine and a remote
//! server word their errors differently (a SQLite error code locally, a Hrana error whose text
//! holds the SQLite message remotely), so both are read through the message SQLite writes.

use crate::error::{AppError, FieldError};

/// What kind of database failure an error is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbFailure {
    /// A UNIQUE or PRIMARY KEY constraint on `table.column`.
    Unique {
        /// The table.
        table: String,
        /// The (first) column.
        column: String,
    },
    /// A foreign key points at nothing, or a delete would orphan children.
    ForeignKey,
    /// A CHECK constraint (or a trigger's `RAISE(ABORT, ...)`) refused the row.
    Check(String),
    /// A NOT NULL column got NULL.
    NotNull {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A trigger refused a change that breaks a business rule (`RAISE(ABORT, ...)`); the text
    /// is the public explanation.
    Refused(&'static str),
    /// The database is locked by another writer for longer than the busy timeout.
    Busy,
    /// The server interrupted the statement (sqld does, now and then, on a reused stream);
    /// nothing of it was kept, and a retry succeeds.
    Interrupted,
    /// The server did not answer (in time, or at all): nothing is known of what it did, so the
    /// statement is not tried again.
    Unreachable,
    /// The request's credential check, sent with its first statement, failed (see vouch.rs):
    /// nothing of the request ran.
    CredentialRefused,
    /// Anything else.
    Other,
}

/// The business rules that triggers enforce: the trigger's message, and what the client is told.
const REFUSALS: &[(&str, &str)] =
    &[("last active admin", "this is the last active admin; make another user admin first")];

/// Classifies a libSQL error.
pub fn classify(err: &libsql::Error) -> DbFailure {
    let text = match err {
        libsql::Error::SqliteFailure(_, msg) => msg.clone(),
        libsql::Error::RemoteSqliteFailure(_, _, msg) => msg.clone(),
        other => other.to_string(),
    };
    classify_message(&text)
}

fn classify_message(text: &str) -> DbFailure {
    let table_column = |rest: &str| {
        let first = rest.split([',', '`', '\'', '"', '\n']).next().unwrap_or_default().trim();
        let (table, column) = first.split_once('.').unwrap_or(("", first));
        (table.to_owned(), column.to_owned())
    };
    if text.contains(super::hrana::UNREACHABLE) {
        DbFailure::Unreachable
    } else if text.contains(super::vouch::REFUSED) {
        DbFailure::CredentialRefused
    } else if text.contains("audit context missing") {
        // A change without its audit entry is a bug, not the client's fault.
        DbFailure::Other
    } else if let Some((_, public)) = REFUSALS.iter().find(|(phrase, _)| text.contains(phrase)) {
        DbFailure::Refused(public)
    } else if let Some((_, rest)) = text.split_once("UNIQUE constraint failed: ") {
        let (table, column) = table_column(rest);
        DbFailure::Unique { table, column }
    } else if let Some((_, rest)) = text.split_once("NOT NULL constraint failed: ") {
        let (table, column) = table_column(rest);
        DbFailure::NotNull { table, column }
    } else if text.contains("FOREIGN KEY constraint failed") {
        DbFailure::ForeignKey
    } else if let Some((_, rest)) = text.split_once("CHECK constraint failed: ") {
        DbFailure::Check(rest.split(['`', '\n']).next().unwrap_or_default().trim().to_owned())
    } else if text.contains("SQLITE_CONSTRAINT") {
        DbFailure::Check(String::new())
    } else if text.contains("database is locked")
        || text.contains("SQLITE_BUSY")
        || text.contains("TRANSACTION_TIMEOUT")
    {
        // A remote server ends a transaction that waited or ran too long (sqld: five seconds)
        // and rolls it back: nothing of it was kept, and a retry a moment later succeeds.
        DbFailure::Busy
    } else if text.contains("SQLITE_INTERRUPT") || text.contains("interrupted") {
        DbFailure::Interrupted
    } else {
        DbFailure::Other
    }
}

/// The default mapping: duplicates are 409, other constraint failures 422, a busy database
/// 503 (with Retry-After), anything else a 500 (logged where it is answered, never shown).
impl From<libsql::Error> for AppError {
    fn from(err: libsql::Error) -> Self {
        map_db_error(err)
    }
}

fn map_db_error(err: libsql::Error) -> AppError {
    match classify(&err) {
        DbFailure::Unique { column, .. } => AppError::Conflict {
            message: format!("{column} is already in use"),
            fields: vec![FieldError::new(column, "unique", "is already in use")],
            conflicts_with: None,
        },
        DbFailure::ForeignKey => AppError::Conflict {
            message:
                "the change refers to a record that does not exist, or would orphan records that refer to this one"
                    .to_owned(),
            fields: Vec::new(),
            conflicts_with: None,
        },
        DbFailure::Check(_) => AppError::Validation(vec![FieldError::new(
            "body",
            "constraint",
            "a value is outside what the database accepts",
        )]),
        DbFailure::NotNull { column, .. } => AppError::invalid(column, "required", "is required"),
        DbFailure::Refused(message) => {
            AppError::Conflict { message: message.to_owned(), fields: Vec::new(), conflicts_with: None }
        }
        DbFailure::Busy | DbFailure::Interrupted | DbFailure::Unreachable => AppError::Busy,
        DbFailure::CredentialRefused => AppError::Unauthorized,
        DbFailure::Other => AppError::Internal(anyhow::Error::new(err).context("database call failed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_remote_wordings_classify_alike() {
        let cases = [
            (
                "UNIQUE constraint failed: accounts.domain",
                DbFailure::Unique { table: "accounts".into(), column: "domain".into() },
            ),
            (
                "SQLite error: SQLITE_CONSTRAINT: UNIQUE constraint failed: accounts.domain",
                DbFailure::Unique { table: "accounts".into(), column: "domain".into() },
            ),
            ("FOREIGN KEY constraint failed", DbFailure::ForeignKey),
            (
                "NOT NULL constraint failed: accounts.name",
                DbFailure::NotNull { table: "accounts".into(), column: "name".into() },
            ),
            (
                "CHECK constraint failed: length(name) BETWEEN 1 AND 200",
                DbFailure::Check("length(name) BETWEEN 1 AND 200".into()),
            ),
            ("database is locked", DbFailure::Busy),
            (
                "Hrana: `stream error: `Error { message: \"Transaction timed out\", code: \"TRANSACTION_TIMEOUT\" }``",
                DbFailure::Busy,
            ),
            ("SQLITE_CONSTRAINT: last active admin", DbFailure::Refused(REFUSALS[0].1)),
            (
                "Hrana: `stream error: `Error { message: \"SQLite error: interrupted\", code: \"SQLITE_INTERRUPT\" }``",
                DbFailure::Interrupted,
            ),
            ("Hrana: `OCC_DATABASE_UNREACHABLE: the database did not answer in time`", DbFailure::Unreachable),
            ("Hrana: `OCC_CREDENTIAL_REFUSED: the session or token no longer holds`", DbFailure::CredentialRefused),
            ("no such table: nope", DbFailure::Other),
        ];
        for (text, expected) in cases {
            assert_eq!(classify_message(text), expected, "{text}");
        }
    }
}
