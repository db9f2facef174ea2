//! Indexes and triggers set aside for a bulk load, their work done after it instead. A row
//! written into a big table puts an entry into each of its indexes where its key falls, so a
//! load into a table with a dozen indexes writes pages all over them, more the bigger they
//! grow; an index made afterwards is sorted once and written in order. The synthetic book drops
//! the indexes of the tables it fills the most, and a few of other tables by name, before its
//! first chunk and makes them again, as the schema has them and in its order, after its last
//! (each in a transaction of its own, so the log holds one index at a time). The order matters:
//! without statistics SQLite's planner settles a tie between two indexes by their place in the
//! schema, so a book whose indexes came back in another order could read its lists through
//! other indexes than the schema the migrations made. An index of such a table that the load
//! reads as it goes (through a trigger or a view) is made again at once, and once more in its
//! place at the end. Triggers that keep a roll-up row by row are dropped likewise and made
//! again at the end, and the load derives what they would have written in bulk.

use crate::error::{AppError, AppResult};
use crate::store::Conn;

/// What a load sets aside.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Tables whose indexes are made after the load (those a statement made: not those of a
    /// primary key or a unique column, which the schema owns).
    pub(super) tables: &'static [&'static str],
    /// Indexes of other tables made after the load.
    pub(super) indexes: &'static [&'static str],
    /// Indexes of `tables` that the load reads: made again at once too.
    pub(super) read: &'static [&'static str],
    /// Triggers dropped for the load and made again after it (lists of names).
    pub(super) triggers: &'static [&'static [&'static str]],
}

/// What a load set aside: the statements that make it again, in the schema's order.
#[must_use = "the indexes and triggers are made again by `restore`"]
pub(super) struct Deferred {
    made: Vec<Made>,
    read: Vec<String>,
}

/// An index's or trigger's name, kind and the statement that made it.
#[derive(serde::Deserialize)]
struct Made {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    sql: String,
}

impl Made {
    /// The statement that drops it (the name comes from the schema, quoted as an identifier).
    fn drop_sql(&self) -> String {
        let kind = if self.kind == "trigger" { "TRIGGER" } else { "INDEX" };
        format!("DROP {kind} \"{}\"", self.name.replace('"', "\"\""))
    }
}

impl Deferred {
    /// Drops what `plan` sets aside, in one transaction, keeping the statements that make it in
    /// the schema's order, and makes the indexes the load reads again at once.
    pub(super) async fn set_aside(conn: &Conn, plan: Plan) -> AppResult<Self> {
        let json = |names: &[&str]| serde_json::to_string(names).map_err(|e| AppError::Internal(e.into()));
        let made: Vec<Made> = conn
            .query_all(
                "SELECT name, type, sql FROM sqlite_schema WHERE sql IS NOT NULL AND ((type = 'index' \
                 AND (tbl_name IN (SELECT value FROM json_each(?1)) OR name IN (SELECT value FROM json_each(?2)))) \
                 OR (type = 'trigger' AND name IN (SELECT value FROM json_each(?3)))) ORDER BY rowid",
                [json(plan.tables)?, json(plan.indexes)?, json(&plan.triggers.concat())?],
                crate::store::from_row,
            )
            .await?;
        let read: Vec<String> =
            made.iter().filter(|m| plan.read.contains(&m.name.as_str())).map(|m| m.name.clone()).collect();
        conn.immediate(async |conn| {
            for m in &made {
                conn.execute(&m.drop_sql(), ()).await?;
            }
            for m in made.iter().filter(|m| read.contains(&m.name)) {
                conn.execute(&m.sql, ()).await?;
            }
            Ok(())
        })
        .await?;
        Ok(Self { made, read })
    }

    /// Makes what was set aside again, one transaction each, in the schema's order: an index
    /// the load read is dropped and made again, so that it too is back in its place.
    pub(super) async fn restore(self, conn: &Conn) -> AppResult<()> {
        for m in &self.made {
            if self.read.contains(&m.name) {
                conn.immediate(async |conn| {
                    conn.execute(&m.drop_sql(), ()).await?;
                    conn.execute(&m.sql, ()).await
                })
                .await?;
            } else {
                conn.execute(&m.sql, ()).await?;
            }
        }
        Ok(())
    }
}
