//! Reading a column into a Rust value, with an error that names the column instead of
//! libsql's panic on a type mismatch.

use super::{Row, Value};
use crate::error::{AppError, AppResult};

/// A Rust value a column can be read as. (libsql's own conversion panics on a type mismatch;
/// this one answers an error that names the column.)
pub trait FromColumn: Sized {
    /// Converts the value, or says what was expected.
    fn from_column(value: Value) -> Result<Self, &'static str>;
}

impl FromColumn for String {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Text(s) => Ok(s),
            _ => Err("text"),
        }
    }
}

impl FromColumn for i64 {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Integer(n) => Ok(n),
            _ => Err("an integer"),
        }
    }
}

impl FromColumn for f64 {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Real(n) => Ok(n),
            Value::Integer(n) => Ok(n as f64),
            _ => Err("a number"),
        }
    }
}

impl FromColumn for bool {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Integer(n) => Ok(n != 0),
            _ => Err("a boolean (0 or 1)"),
        }
    }
}

impl FromColumn for Vec<u8> {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Blob(b) => Ok(b),
            _ => Err("a blob"),
        }
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    fn from_column(value: Value) -> Result<Self, &'static str> {
        match value {
            Value::Null => Ok(None),
            other => T::from_column(other).map(Some),
        }
    }
}

/// Reads column `idx` of a row; a type mismatch is an internal error naming the column.
pub fn col<T: FromColumn>(row: &Row, idx: i32) -> AppResult<T> {
    let value = row.get_value(idx)?;
    T::from_column(value).map_err(|expected| {
        AppError::Internal(anyhow::anyhow!("column {idx} ({:?}) is not {expected}", row.column_name(idx)))
    })
}
