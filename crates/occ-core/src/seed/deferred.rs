//! Indexes made after a bulk load instead of during it. A row written into a big table puts an
//! entry into each of its indexes where its key falls, so a load into a table with a dozen
//! indexes writes pages all over them, more the bigger they grow; an index made afterwards is
//! sorted once and written in order. The synthetic book drops the indexes of the tables it
//! fills the most, and a few of other tables by name, before its first chunk and makes them
//! again, as the schema has them and in its order, after its last (each in a transaction of
//! its own, so the log holds one index at a time). The order matters: without statistics
//! SQLite's planner settles a tie between two indexes by their place in the schema, so a book
//! whose indexes came back in another order could read its lists through other indexes than
//! the schema the migrations made.

use crate::error::{AppError, AppResult};
use crate::store::Conn;

/// Indexes dropped for a load: the statements that make them again.
#[must_use = "the indexes are made again by `restore`"]
pub(super) struct Deferred(Vec<String>);

/// An index's name and the statement that made it.
#[derive(serde::Deserialize)]
struct Index {
    name: String,
    sql: String,
}

impl Deferred {
    /// Drops the indexes of `tables` that a statement made (not those of a primary key or a
    /// unique column, which the schema owns) and the indexes `named`, in one transaction, and
    /// keeps their statements in the schema's order.
    pub(super) async fn drop_indexes(conn: &Conn, tables: &[&str], named: &[&str]) -> AppResult<Self> {
        let json = |names: &[&str]| serde_json::to_string(names).map_err(|e| AppError::Internal(e.into()));
        let indexes: Vec<Index> = conn
            .query_all(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL \
                 AND (tbl_name IN (SELECT value FROM json_each(?1)) OR name IN (SELECT value FROM json_each(?2))) \
                 ORDER BY rowid",
                [json(tables)?, json(named)?],
                crate::store::from_row,
            )
            .await?;
        conn.immediate(async |conn| {
            for index in &indexes {
                // The name comes from the schema, quoted as an identifier.
                conn.execute(&format!("DROP INDEX \"{}\"", index.name.replace('"', "\"\"")), ()).await?;
            }
            Ok(())
        })
        .await?;
        Ok(Self(indexes.into_iter().map(|index| index.sql).collect()))
    }

    /// Makes the dropped indexes again, one transaction each.
    pub(super) async fn restore(self, conn: &Conn) -> AppResult<()> {
        for sql in &self.0 {
            conn.execute(sql, ()).await?;
        }
        Ok(())
    }
}
