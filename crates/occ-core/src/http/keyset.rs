//! The one way a list pages: its `limit` and `cursor` parameters read together (after its
//! filters, refusing any parameter the list does not take), one statement that reads a page and
//! one more row, and the page made of them with the cursor of the next.
//!
//! A list keeps its rows in a total order on a key that ends with the id (`(due_at, id)`,
//! `(name, id)`, or a row number); a cursor holds the key of a page's last row, and the next page
//! starts after it. The statement names the key it starts after `:after` (and `:after_id`), both
//! NULL for the first page, and the rows it reads `:fetch`; [`keyset!`](crate::keyset) writes that
//! end of it:
//!
//! ```text
//! SELECT … FROM followups WHERE status = :status
//!   AND (due_at, id) > (coalesce(:after, ''), coalesce(:after_id, '')) ORDER BY due_at, id LIMIT :fetch
//! ```

use libsql::params::{IntoParams, Params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::extract::Query;
use super::respond::{Page, cursor, limit};
use crate::error::{AppError, AppResult};
use crate::store::{Conn, Row, from_row};

/// The end of a list's statement for a [`Keyset`]: rows after the cursor's key in the list's
/// order, one more than a page. `keyset!(desc "created_at", "id")` for newest first on a time
/// and an id, `keyset!(asc "due_at", "id")` for oldest first, `keyset!(asc "row")` for a key
/// that is a whole number from 0 alone (a row, a position).
///
/// The first page (`:after` NULL) starts before every row: after `('', '')` going up, before
/// `x'ff'` going down (SQLite sorts every text before every blob), so the statement is one range
/// of the index on the key, on every page.
#[macro_export]
macro_rules! keyset {
    (asc $key:literal, $id:literal) => {
        concat!(
            "(",
            $key,
            ", ",
            $id,
            ") > (coalesce(:after, ''), coalesce(:after_id, '')) ORDER BY ",
            $key,
            ", ",
            $id,
            " LIMIT :fetch"
        )
    };
    (desc $key:literal, $id:literal) => {
        concat!(
            "(",
            $key,
            ", ",
            $id,
            ") < (coalesce(:after, x'ff'), coalesce(:after_id, x'ff')) ORDER BY ",
            $key,
            " DESC, ",
            $id,
            " DESC LIMIT :fetch"
        )
    };
    (asc $key:literal) => {
        concat!($key, " > coalesce(:after, -1) ORDER BY ", $key, " LIMIT :fetch")
    };
}

/// A list's page: its size and the key it starts after.
#[derive(Debug, Clone)]
pub struct Keyset<K> {
    limit: u32,
    after: Option<K>,
}

impl<K: DeserializeOwned> Keyset<K> {
    /// Reads `limit` and `cursor` (a 422 naming either when it is not one this list made).
    pub fn of(query: &mut Query) -> AppResult<Self> {
        Ok(Self { limit: limit(query)?, after: cursor(query)? })
    }

    /// Reads `limit` and `cursor`, a list's last parameters, and refuses every parameter the
    /// list did not read ([`Query::finish`]).
    pub fn last_of(mut query: Query) -> AppResult<Self> {
        let page = Self::of(&mut query)?;
        query.finish()?;
        Ok(page)
    }
}

impl<K> Keyset<K> {
    /// A page of a size the code chooses, for a walk through a whole list (an export).
    pub fn new(limit: u32, after: Option<K>) -> Self {
        Self { limit, after }
    }

    /// The key the page starts after; none for the first page.
    pub fn after(&self) -> Option<&K> {
        self.after.as_ref()
    }

    /// How many rows to ask for: one more than the page holds, which says whether another follows.
    pub fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }

    /// The page of up to [`Keyset::fetch`] rows, its cursor made from `key` of the last row kept.
    pub fn page<T, C: Serialize>(&self, rows: Vec<T>, key: impl Fn(&T) -> C) -> AppResult<Page<T>> {
        Page::from_rows(rows, self.limit, key)
    }
}

impl<K: Key> Keyset<K> {
    /// Reads one page in one call: `sql` selects the rows that pass the list's filters (named
    /// parameters, `filters`) and ends with [`keyset!`](crate::keyset); `key` is a row's key in
    /// the list's order, which the next page's cursor holds.
    pub async fn load<T>(
        &self,
        conn: &Conn,
        sql: &str,
        filters: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
        key: impl Fn(&T) -> K,
    ) -> AppResult<Page<T>> {
        let mut params = match filters.into_params()? {
            Params::None => Vec::new(),
            Params::Named(named) => named,
            Params::Positional(_) => {
                return Err(AppError::Internal(anyhow::anyhow!("a list's filters are named parameters")));
            }
        };
        K::bind(self.after.as_ref(), &mut params);
        params.push((":fetch".to_owned(), self.fetch().into()));
        let rows = conn.query_all(sql, Params::Named(params), decode).await?;
        self.page(rows, key)
    }
}

/// The list's total as a page's statement reads it: a `total` column, the same in every row (a
/// count folded into the statement, so it costs no round trip), NULL where the list cannot say.
#[derive(Deserialize)]
struct Total {
    total: Option<i64>,
}

impl<K: Key> Keyset<K> {
    /// As [`Keyset::load`], for a statement whose rows also carry the list's `total`: the page
    /// says it. A page without rows (an empty list, past the end) says no total.
    pub async fn load_counted<T>(
        &self,
        conn: &Conn,
        sql: &str,
        filters: impl IntoParams,
        decode: impl Fn(&Row) -> AppResult<T>,
        key: impl Fn(&T) -> K,
    ) -> AppResult<Page<T>> {
        let decode = |row: &Row| Ok((decode(row)?, from_row::<Total>(row)?.total));
        let page = self.load(conn, sql, filters, decode, |(item, _)| key(item)).await?;
        let total = page.items.first().and_then(|(_, total)| *total);
        Ok(Page {
            items: page.items.into_iter().map(|(item, _)| item).collect(),
            next_cursor: page.next_cursor,
            total,
            capped_at: None,
            stopped_after: None,
        })
    }
}

/// A key a list pages on, as the statement's `:after` (and `:after_id`) take it.
pub trait Key: Serialize + DeserializeOwned {
    /// Adds the key a page starts after (NULLs for the first page) to a statement's parameters.
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>);
}

/// A value and the id (a time, a name): `:after` and `:after_id`.
impl Key for (String, String) {
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>) {
        let (key, id) = after
            .map_or((libsql::Value::Null, libsql::Value::Null), |(key, id)| (key.clone().into(), id.clone().into()));
        params.push((":after".to_owned(), key));
        params.push((":after_id".to_owned(), id));
    }
}

/// A text alone (an id): `:after`.
impl Key for String {
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>) {
        params.push((":after".to_owned(), after.map_or(libsql::Value::Null, |key| key.clone().into())));
    }
}

/// A whole number (a row, a position): `:after`.
impl Key for i64 {
    fn bind(after: Option<&Self>, params: &mut Vec<(String, libsql::Value)>) {
        params.push((":after".to_owned(), after.map_or(libsql::Value::Null, |n| (*n).into())));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_statement_ends_on_the_key_in_the_list_order() {
        assert_eq!(
            crate::keyset!(desc "created_at", "id"),
            "(created_at, id) < (coalesce(:after, x'ff'), coalesce(:after_id, x'ff')) \
             ORDER BY created_at DESC, id DESC LIMIT :fetch"
        );
        assert_eq!(
            crate::keyset!(asc "s.name", "s.id"),
            "(s.name, s.id) > (coalesce(:after, ''), coalesce(:after_id, '')) ORDER BY s.name, s.id LIMIT :fetch"
        );
        assert_eq!(crate::keyset!(asc "row"), "row > coalesce(:after, -1) ORDER BY row LIMIT :fetch");
    }
}
