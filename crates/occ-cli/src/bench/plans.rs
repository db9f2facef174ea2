//! The query plans of the statements the measured requests ran: none may read the whole of a
//! table that grows with the book. SQLite's `EXPLAIN QUERY PLAN` says `SCAN t` for a table read
//! row by row without an index, and `SCAN t USING COVERING INDEX i` for one read whole from an
//! index that holds every column it needs (as cheap per row, as long in all); `SCAN t USING
//! INDEX i` walks an index in its order (a sorted list stops at its page) and `SEARCH t USING
//! INDEX i (...)` looks rows up.

use std::collections::BTreeSet;

use occ_core::store::{Conn, from_row};
use serde::Deserialize;

/// The tables that grow with the book, and the roll-ups that grow with its activity.
pub const WATCHED: [&str; 13] = [
    "accounts",
    "contacts",
    "touchpoints",
    "replies",
    "signals",
    "message_drafts",
    "audit_log",
    "send_facts",
    "reply_facts",
    "meeting_facts",
    "send_rollups",
    "activity_daily",
    "import_rows",
];

/// A statement that reads a watched table without an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullScan {
    pub table: &'static str,
    pub plan_line: String,
    pub sql: String,
}

/// A line of `EXPLAIN QUERY PLAN`: what the step does.
#[derive(Deserialize)]
struct PlanLine {
    detail: String,
}

/// Explains every statement and answers those that scan a watched table.
pub async fn full_scans(conn: &Conn, statements: &BTreeSet<String>) -> anyhow::Result<Vec<FullScan>> {
    let mut found = Vec::new();
    for sql in statements.iter().filter(|sql| explainable(sql)) {
        let lines = conn
            .query_all(&format!("EXPLAIN QUERY PLAN {sql}"), (), |row| Ok(from_row::<PlanLine>(row)?.detail))
            .await
            .map_err(|e| anyhow::anyhow!("explaining {sql}: {e}"))?;
        for line in lines {
            if let Some(table) = scanned(sql, &line) {
                found.push(FullScan { table, plan_line: line, sql: sql.clone() });
            }
        }
    }
    Ok(found)
}

/// Whether a statement has a plan (transaction control has none).
fn explainable(sql: &str) -> bool {
    let first = sql.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
    !matches!(first.as_str(), "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "PRAGMA" | "")
}

/// The watched table a plan line reads whole, if any: `SCAN name`, or `SCAN name USING
/// COVERING INDEX i` (not `SCAN name USING INDEX i`, a walk in order), where name is the table
/// or one of its aliases in the statement.
fn scanned(sql: &str, line: &str) -> Option<&'static str> {
    let rest = line.trim().strip_prefix("SCAN ")?;
    let mut words = rest.split_whitespace();
    let name = words.next()?;
    if words.next() == Some("USING") && words.next() != Some("COVERING") {
        return None;
    }
    WATCHED.into_iter().find(|table| *table == name || aliases(sql, table).contains(name))
}

/// The names a table goes by in a statement: `table alias` and `table AS alias`.
fn aliases(sql: &str, table: &str) -> BTreeSet<String> {
    let words: Vec<&str> =
        sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let mut out = BTreeSet::new();
    for (i, word) in words.iter().enumerate() {
        if word.eq_ignore_ascii_case(table) {
            match words.get(i + 1) {
                Some(next) if next.eq_ignore_ascii_case("AS") => {
                    out.extend(words.get(i + 2).map(|w| (*w).to_owned()));
                }
                Some(next) => {
                    out.insert((*next).to_owned());
                }
                None => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_without_an_index_is_found_under_its_alias() {
        let sql = "SELECT c.id FROM contacts c JOIN touchpoints AS t ON t.contact_id = c.id";
        assert_eq!(scanned(sql, "SCAN c"), Some("contacts"));
        assert_eq!(scanned(sql, "SCAN t"), Some("touchpoints"));
        assert_eq!(scanned(sql, "SCAN contacts"), Some("contacts"));
        assert_eq!(scanned(sql, "SCAN c USING INDEX idx_contacts_priority"), None);
        assert_eq!(scanned(sql, "SEARCH t USING INDEX idx_touchpoints_contact (contact_id=?)"), None);
        assert_eq!(scanned(sql, "SCAN c USING COVERING INDEX idx_contacts_owner"), Some("contacts"), "read whole");
        assert_eq!(scanned(sql, "SCAN sequences"), None, "not a watched table");
        assert_eq!(scanned(sql, "SCAN json_each VIRTUAL TABLE INDEX 0:"), None);
    }

    #[test]
    fn transaction_control_is_not_explained() {
        assert!(!explainable("BEGIN IMMEDIATE"));
        assert!(!explainable("COMMIT"));
        assert!(explainable("SELECT 1"));
    }

    #[tokio::test]
    async fn plans_come_from_the_real_engine() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = occ_core::Config::from_env().expect("config");
        config.database = occ_core::config::DatabaseLocation::Local(dir.path().join("plans.db"));
        let store = occ_core::store::Store::open(&config).await.expect("db");
        let conn = store.connect().await.expect("conn");
        conn.execute_script(
            "CREATE TABLE signals (id TEXT PRIMARY KEY, kind TEXT, title TEXT); CREATE INDEX s_kind ON signals (kind);",
        )
        .await
        .expect("schema");
        let statements: BTreeSet<String> =
            ["SELECT title FROM signals s WHERE kind = ?1", "SELECT title FROM signals WHERE title LIKE '%x'"]
                .map(str::to_owned)
                .into();
        let found = full_scans(&conn, &statements).await.expect("plans");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].table, found[0].plan_line.as_str()), ("signals", "SCAN signals"));
    }
}
