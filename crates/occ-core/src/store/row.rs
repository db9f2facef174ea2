//! A row a statement returned, from either engine: the embedded one's row as it is read, or
//! the values a remote server sent (also used for a batch's rows, which outlive the statement).
//! Every row of one statement shares its [`Names`].

use std::sync::{Arc, OnceLock};

use anyhow::Context as _;

use super::Value;
use crate::error::AppResult;

/// One row of a statement's answer. Decode it by name with [`super::from_row`].
pub struct Row(Inner);

enum Inner {
    /// A row of the embedded engine, valid while its statement is on it.
    Local(libsql::Row, Arc<Names>),
    /// A row held as values.
    Values { names: Arc<Names>, values: Vec<Value> },
}

/// The names of a statement's columns, shared by its rows, and how they map onto the fields of
/// the struct its rows are decoded into: found once per statement, not once per row (see `de`).
pub(super) struct Names {
    names: Box<[String]>,
    /// For the first two structs decoded (known by the address of their list of fields; a row
    /// may be read as a record and as the statement's own extra columns): each column's field
    /// index, or the number of fields for a column no field takes.
    plans: [OnceLock<(usize, Arc<[u64]>)>; 2],
}

impl Names {
    pub(super) fn new(names: impl IntoIterator<Item = String>) -> Arc<Self> {
        Arc::new(Self { names: names.into_iter().collect(), plans: [OnceLock::new(), OnceLock::new()] })
    }

    /// The names of the columns of an embedded statement's rows.
    pub(super) fn of(rows: &libsql::Rows) -> Arc<Self> {
        Self::new((0..rows.column_count()).map(|i| rows.column_name(i).unwrap_or_default().to_owned()))
    }

    /// Each column's index among `fields` (the struct's field names, in order), or
    /// `fields.len()` for a column none of them names.
    pub(super) fn plan(&self, fields: &'static [&'static str]) -> Arc<[u64]> {
        let key = fields.as_ptr() as usize;
        let make = || -> Arc<[u64]> {
            self.names.iter().map(|name| fields.iter().position(|f| f == name).unwrap_or(fields.len()) as u64).collect()
        };
        for slot in &self.plans {
            match slot.get() {
                Some((k, plan)) if *k == key => return plan.clone(),
                Some(_) => {}
                None => return slot.get_or_init(|| (key, make())).1.clone(),
            }
        }
        make()
    }
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
    pub(super) fn local(row: libsql::Row, names: Arc<Names>) -> Self {
        Self(Inner::Local(row, names))
    }

    pub(super) fn values(names: Arc<Names>, values: Vec<Value>) -> Self {
        Self(Inner::Values { names, values })
    }

    /// The names of the columns, shared with the statement's other rows.
    pub(super) fn names(&self) -> &Names {
        match &self.0 {
            Inner::Local(_, names) | Inner::Values { names, .. } => names,
        }
    }

    /// An embedded row copied out of its statement, so it can be kept.
    pub(super) fn detach(row: &libsql::Row, names: &Arc<Names>) -> AppResult<Self> {
        let values = (0..row.column_count()).map(|i| row.get_value(i).map_err(Into::into)).collect::<AppResult<_>>()?;
        Ok(Self::values(names.clone(), values))
    }

    /// How many columns the row has.
    pub fn column_count(&self) -> i32 {
        match &self.0 {
            Inner::Local(row, _) => row.column_count(),
            Inner::Values { values, .. } => i32::try_from(values.len()).unwrap_or(i32::MAX),
        }
    }

    /// The name of column `idx`.
    pub fn column_name(&self, idx: i32) -> Option<&str> {
        usize::try_from(idx).ok().and_then(|i| self.names().names.get(i)).map(String::as_str)
    }

    /// The value of column `idx`.
    pub fn get_value(&self, idx: i32) -> AppResult<Value> {
        match &self.0 {
            Inner::Local(row, _) => Ok(row.get_value(idx)?),
            Inner::Values { values, .. } => usize::try_from(idx)
                .ok()
                .and_then(|i| values.get(i))
                .cloned()
                .with_context(|| format!("the row has no column {idx}"))
                .map_err(Into::into),
        }
    }
}
