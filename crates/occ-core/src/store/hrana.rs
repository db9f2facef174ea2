//! Statements, values, rows and failures in the Hrana protocol's form, for the remote client.

use libsql::params::Params;
use libsql_hrana::proto::{Stmt, StmtResult};

use super::Value;

/// A statement with its parameters, in Hrana's form.
pub(super) fn statement(sql: &str, params: Params, want_rows: bool) -> Stmt {
    let mut stmt = Stmt::new(sql, want_rows);
    match params {
        Params::None => {}
        Params::Positional(values) => stmt.args = values.into_iter().map(to_hrana).collect(),
        Params::Named(values) => {
            for (name, value) in values {
                stmt.bind_named(name, to_hrana(value));
            }
        }
    }
    stmt
}

fn to_hrana(value: Value) -> libsql_hrana::proto::Value {
    use libsql_hrana::proto::Value as H;
    match value {
        Value::Null => H::Null,
        Value::Integer(value) => H::Integer { value },
        Value::Real(value) => H::Float { value },
        Value::Text(value) => H::Text { value: value.into() },
        Value::Blob(value) => H::Blob { value: value.into() },
    }
}

/// A value the server sent, as libsql's.
pub(super) fn from_hrana(value: libsql_hrana::proto::Value) -> Value {
    use libsql_hrana::proto::Value as H;
    match value {
        H::None | H::Null => Value::Null,
        H::Integer { value } => Value::Integer(value),
        H::Float { value } => Value::Real(value),
        H::Text { value } => Value::Text(value.to_string()),
        H::Blob { value } => Value::Blob(value.to_vec()),
    }
}

/// The rows of a statement's result, as [`super::Row`]s.
pub(super) fn rows(result: StmtResult) -> Vec<super::Row> {
    let names = super::row::Names::new(result.cols.into_iter().map(|c| c.name.unwrap_or_default()));
    result
        .rows
        .into_iter()
        .map(|row| super::Row::values(names.clone(), row.values.into_iter().map(from_hrana).collect()))
        .collect()
}

/// The error code OCC gives a call the server did not answer (in time, or at all). Nothing is
/// known of what it did, so it is never tried again; the request is answered 503.
pub const UNREACHABLE: &str = "OCC_DATABASE_UNREACHABLE";

/// A failure of one call, as libsql reports remote failures, so [`super::classify`] reads both
/// engines alike.
#[derive(Debug)]
pub(super) struct CallFailure {
    pub(super) code: String,
    pub(super) message: String,
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CallFailure {}

pub(super) fn failure(code: &str, message: impl Into<String>) -> libsql::Error {
    libsql::Error::Hrana(Box::new(CallFailure { code: code.to_owned(), message: message.into() }))
}

/// A batch step's error, as a statement's.
pub(super) fn step_error(error: &libsql_hrana::proto::Error) -> libsql::Error {
    failure(&error.code, error.message.clone())
}
