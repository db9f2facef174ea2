//! The rows the demo's outreach writes, gathered per table in memory and written set-wise, one
//! statement per table, parents before children.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::values::{Insert, ROWS_PER_STATEMENT, fields};
use crate::domain::new_id;
use crate::error::AppResult;
use crate::store::Conn;

/// Rows for every table the demo's outreach fills, in the order they must be written.
pub(super) struct Outreach {
    tables: BTreeMap<usize, (&'static str, Vec<Value>)>,
    sends: usize,
    /// The seeded source of every random choice.
    pub(super) rng: fastrand::Rng,
}

/// The tables in the order they are written (parents before children).
#[rustfmt::skip]
const ORDER: &[&str] = &[
    "audit_log", "signals", "sequences", "sequence_steps", "enrollments", "message_drafts", "touchpoints",
    "send_facts", "replies", "followups", "opportunities", "batches", "batch_prospects", "linkedin_events",
];

impl Outreach {
    /// No rows yet; sends are numbered on from `sends`.
    pub(super) fn new(sends: usize, rng: fastrand::Rng) -> Self {
        Self { tables: BTreeMap::new(), sends, rng }
    }

    /// How many sends were numbered so far.
    pub(super) fn sends(&self) -> usize {
        self.sends
    }

    /// The number of the next send (its idempotency key is `demo:<n>`).
    pub(super) fn next_send(&mut self) -> usize {
        self.sends += 1;
        self.sends
    }

    pub(super) fn push(&mut self, table: &'static str, row: Value) {
        let at = ORDER.iter().position(|t| *t == table).unwrap_or(ORDER.len());
        self.tables.entry(at).or_insert((table, Vec::new())).1.push(row);
    }

    /// A row with its audit entry (`<entity>.create` by the seed).
    pub(super) fn audited(&mut self, table: &'static str, entity: &str, row: Value) {
        let audit = json!({"id": new_id(), "at": row["created_at"], "actor": "seed",
            "action": format!("{entity}.create"), "entity": entity, "entity_id": row["id"]});
        self.push("audit_log", audit);
        self.push(table, row);
    }

    /// How many rows went into `table`.
    pub(super) fn count(&self, table: &str) -> usize {
        self.tables.values().find(|(t, _)| *t == table).map_or(0, |(_, rows)| rows.len())
    }

    /// The rows of `table`.
    pub(super) fn rows(&self, table: &str) -> impl Iterator<Item = &Value> {
        self.tables.values().filter(move |(t, _)| *t == table).flat_map(|(_, rows)| rows)
    }

    /// The contacts the rows of `table` name.
    pub(super) fn contacts_in(&self, table: &str) -> BTreeSet<String> {
        self.rows(table).filter_map(|row| row["contact_id"].as_str().map(str::to_owned)).collect()
    }

    /// Writes every table set-wise: one `INSERT … SELECT` from a `VALUES` list each (more for
    /// over [`ROWS_PER_STATEMENT`] rows), the columns those of its first row; table and column
    /// names come from this module, never from data.
    pub(super) async fn insert(&self, conn: &Conn) -> AppResult<()> {
        for (table, rows) in self.tables.values() {
            let Some(first) = rows.first().and_then(Value::as_object) else { continue };
            let columns: Vec<&str> = first.keys().map(String::as_str).collect();
            let head = format!("INSERT INTO {table} ({}) SELECT *", columns.join(", "));
            let insert = Insert { head: &head, tail: "", width: columns.len(), rows: ROWS_PER_STATEMENT };
            insert.run(conn, &[], fields(rows, &columns)).await?;
        }
        Ok(())
    }
}
