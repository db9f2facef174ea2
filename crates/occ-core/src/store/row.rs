//! A row a statement returned, from either engine: the embedded one's row as it is read, or
//! the values a remote server sent (also used for a batch's rows, which outlive the statement).

use std::sync::Arc;

use anyhow::Context as _;

use super::Value;
use crate::error::AppResult;

/// One row of a statement's answer. Read its columns with [`super::col`].
pub struct Row(Inner);

enum Inner {
    /// A row of the embedded engine, valid while its statement is on it.
    Local(libsql::Row),
    /// A row held as values, with its columns' names.
    Values { names: Arc<[String]>, values: Vec<Value> },
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for i in 0..self.column_count() {
            list.entry(&self.column_name(i));
        }
        list.finish()
    }
}

impl Row {
    pub(super) fn local(row: libsql::Row) -> Self {
        Self(Inner::Local(row))
    }

    pub(super) fn values(names: Arc<[String]>, values: Vec<Value>) -> Self {
        Self(Inner::Values { names, values })
    }

    /// An embedded row copied out of its statement, so it can be kept.
    pub(super) fn detach(row: &libsql::Row, names: &Arc<[String]>) -> AppResult<Self> {
        let values = (0..row.column_count()).map(|i| row.get_value(i).map_err(Into::into)).collect::<AppResult<_>>()?;
        Ok(Self::values(names.clone(), values))
    }

    /// How many columns the row has.
    pub fn column_count(&self) -> i32 {
        match &self.0 {
            Inner::Local(row) => row.column_count(),
            Inner::Values { values, .. } => i32::try_from(values.len()).unwrap_or(i32::MAX),
        }
    }

    /// The name of column `idx`.
    pub fn column_name(&self, idx: i32) -> Option<&str> {
        match &self.0 {
            Inner::Local(row) => row.column_name(idx),
            Inner::Values { names, .. } => usize::try_from(idx).ok().and_then(|i| names.get(i)).map(String::as_str),
        }
    }

    /// The value of column `idx`.
    pub fn get_value(&self, idx: i32) -> AppResult<Value> {
        match &self.0 {
            Inner::Local(row) => Ok(row.get_value(idx)?),
            Inner::Values { values, .. } => usize::try_from(idx)
                .ok()
                .and_then(|i| values.get(i))
                .cloned()
                .with_context(|| format!("the row has no column {idx}"))
                .map_err(Into::into),
        }
    }
}
