//! Schema migrations: numbered SQL files in `migrations/`, embedded here, applied in order,
//! each in its own transaction, and recorded with a checksum so a changed file is refused.

use std::collections::BTreeSet;

use anyhow::{anyhow, bail};
use sha2::{Digest, Sha256};

use super::{Conn, col};
use crate::error::{AppError, AppResult};

/// One migration: its number, name and the SQL that applies and reverts it.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The number in the file name (`0001` is 1).
    pub version: i64,
    /// The name in the file name (`init`).
    pub name: &'static str,
    /// The `.up.sql` text.
    pub up: &'static str,
    /// The `.down.sql` text.
    pub down: &'static str,
}

macro_rules! migration {
    ($version:literal, $file:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            up: include_str!(concat!("../../../../migrations/", $file, ".up.sql")),
            down: include_str!(concat!("../../../../migrations/", $file, ".down.sql")),
        }
    };
}

/// Every migration, in order. Append-only: a landed entry is never edited.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_init", "init"),
    migration!(2, "0002_scores_imports", "scores_imports"),
    migration!(3, "0003_outreach_day", "outreach_day"),
    migration!(4, "0004_board_counts", "board_counts"),
    migration!(5, "0005_batch_checks", "batch_checks"),
    migration!(6, "0006_today_queue", "today_queue"),
    migration!(7, "0007_counts_and_text_triggers", "counts_and_text_triggers"),
    migration!(8, "0008_cached_reads", "cached_reads"),
    migration!(9, "0009_queue_counts", "queue_counts"),
    migration!(10, "0010_mailbox_sync", "mailbox_sync"),
    migration!(11, "0011_answers", "answers"),
    migration!(12, "0012_llm_budget", "llm_budget"),
    migration!(13, "0013_agent_runs", "agent_runs"),
    migration!(14, "0014_swarms", "swarms"),
    migration!(15, "0015_zone_offsets", "zone_offsets"),
    migration!(16, "0016_insights", "insights"),
    migration!(17, "0017_search_and_today", "search_and_today"),
    migration!(18, "0018_linkedin_daily", "linkedin_daily"),
    migration!(19, "0019_bulk_writes", "bulk_writes"),
    migration!(20, "0020_text_index_merges", "text_index_merges"),
    migration!(21, "0021_owner_keys", "owner_keys"),
    migration!(22, "0022_contact_text_merges", "contact_text_merges"),
    migration!(23, "0023_import_company_names", "import_company_names"),
    migration!(24, "0024_linkedin_event_ids", "linkedin_event_ids"),
    migration!(25, "0025_account_industry_lookup", "account_industry_lookup"),
    migration!(26, "0026_account_industry_sorts", "account_industry_sorts"),
];

impl Migration {
    /// SHA-256 of the up script, hex.
    pub fn checksum(&self) -> String {
        let digest = Sha256::digest(self.up.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The schema version this build expects.
pub fn expected_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// A migration as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// The checksum recorded when it was applied.
    pub checksum: String,
    /// When it was applied.
    pub applied_at: String,
}

/// One line of `occ migrate status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The migration's version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// When it was applied, if it was.
    pub applied_at: Option<String>,
    /// Whether the applied file differs from the embedded one.
    pub checksum_changed: bool,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT";

/// Creates the bookkeeping table if needed and reads what has been applied.
pub async fn applied(conn: &Conn) -> AppResult<Vec<Applied>> {
    conn.execute(CREATE_TABLE, ()).await?;
    conn.query_all("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version", (), |row| {
        Ok(Applied { version: col(row, 0)?, name: col(row, 1)?, checksum: col(row, 2)?, applied_at: col(row, 3)? })
    })
    .await
}

/// The highest applied version, in one call, without creating anything (0 for an empty
/// database). Used by the health check and the cold-start check.
pub async fn applied_version(conn: &Conn) -> AppResult<i64> {
    let version = conn
        .query_one("schema version", "SELECT coalesce((SELECT max(version) FROM schema_migrations), 0)", (), |row| {
            col::<i64>(row, 0)
        })
        .await;
    match version {
        Ok(v) => Ok(v),
        Err(AppError::Internal(e)) if format!("{e:#}").contains("no such table") => Ok(0),
        Err(e) => Err(e),
    }
}

/// Every known migration with its state.
pub async fn status(conn: &Conn) -> AppResult<Vec<Status>> {
    let applied = applied(conn).await?;
    let mut out: Vec<Status> = MIGRATIONS
        .iter()
        .map(|m| {
            let found = applied.iter().find(|a| a.version == m.version);
            Status {
                version: m.version,
                name: m.name.to_owned(),
                applied_at: found.map(|a| a.applied_at.clone()),
                checksum_changed: found.is_some_and(|a| a.checksum != m.checksum()),
            }
        })
        .collect();
    for a in applied.iter().filter(|a| MIGRATIONS.iter().all(|m| m.version != a.version)) {
        out.push(Status {
            version: a.version,
            name: a.name.clone(),
            applied_at: Some(a.applied_at.clone()),
            checksum_changed: false,
        });
    }
    Ok(out)
}

fn refuse_changed(applied: &[Applied]) -> anyhow::Result<()> {
    for a in applied {
        match MIGRATIONS.iter().find(|m| m.version == a.version) {
            Some(m) if m.checksum() != a.checksum => bail!(
                "migration {:04}_{} was changed after it was applied (checksum {} in the database, {} in this build); \
                 migrations are append-only: restore the file and add a new migration instead",
                a.version,
                a.name,
                a.checksum,
                m.checksum()
            ),
            None => bail!(
                "the database has migration {:04}_{} which this build does not know; it is newer than this build",
                a.version,
                a.name
            ),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Applies pending migrations up to `to` (all when `None`); answers the versions applied.
pub async fn up(conn: &Conn, to: Option<i64>) -> anyhow::Result<Vec<i64>> {
    let applied = applied(conn).await?;
    refuse_changed(&applied)?;
    let target = to.unwrap_or_else(expected_version);
    let mut done = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| m.version <= target) {
        if applied.iter().any(|a| a.version == m.version) {
            continue;
        }
        apply(conn, m).await?;
        done.push(m.version);
    }
    Ok(done)
}

/// Applies one migration and records it, in one transaction: on either engine a migration
/// that fails part-way leaves nothing of itself (SQLite's schema changes are transactional).
pub async fn apply(conn: &Conn, m: &Migration) -> anyhow::Result<()> {
    let now = crate::domain::now();
    conn.immediate(async |conn| {
        conn.execute_script(m.up).await?;
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            libsql::params![m.version, m.name, m.checksum(), now],
        )
        .await?;
        Ok(())
    })
    .await
    .map_err(|e| anyhow!("migration {:04}_{} failed and was rolled back: {e:#}", m.version, m.name))
}

/// Reverts applied migrations above `to`, newest first; answers the versions reverted.
pub async fn down(conn: &Conn, to: i64) -> anyhow::Result<Vec<i64>> {
    let applied = applied(conn).await?;
    refuse_changed(&applied)?;
    let mut done = Vec::new();
    for a in applied.iter().rev().filter(|a| a.version > to) {
        let m = MIGRATIONS
            .iter()
            .find(|m| m.version == a.version)
            .ok_or_else(|| anyhow!("no down script for migration {}", a.version))?;
        conn.immediate(async |conn| {
            conn.execute_script(m.down).await?;
            conn.execute("DELETE FROM schema_migrations WHERE version = ?1", [m.version]).await?;
            Ok(())
        })
        .await
        .map_err(|e| anyhow!("reverting migration {:04}_{} failed and was rolled back: {e:#}", m.version, m.name))?;
        done.push(m.version);
    }
    Ok(done)
}

/// The tables, virtual tables, views, indexes and triggers the applied migrations should have made.
pub fn expected_objects(up_to: i64) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for m in MIGRATIONS.iter().filter(|m| m.version <= up_to) {
        for statement in strip_comments(m.up).split(';') {
            let words: Vec<&str> = statement.split_whitespace().collect();
            let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
            let at = |i: usize| upper.get(i).map(String::as_str);
            let name_after = |i: usize| {
                let i = if at(i) == Some("IF") { i + 3 } else { i };
                words.get(i).map(|w| w.trim_matches(['"', '(']).to_owned())
            };
            let created = match (at(0), at(1), at(2)) {
                (Some("CREATE"), Some("TABLE" | "INDEX" | "TRIGGER" | "VIEW"), _) => name_after(2),
                (Some("CREATE"), Some("UNIQUE" | "VIRTUAL"), Some("INDEX" | "TABLE")) => name_after(3),
                _ => None,
            };
            let dropped = match (at(0), at(1)) {
                (Some("DROP"), Some("TABLE" | "INDEX" | "TRIGGER" | "VIEW")) => name_after(2),
                _ => None,
            };
            if let Some(name) = created {
                names.insert(name);
            }
            if let Some(name) = dropped {
                names.remove(&name);
            }
        }
    }
    names
}

fn strip_comments(sql: &str) -> String {
    sql.lines().map(|l| l.split("--").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// Checks that the database is at the expected version, that no applied file changed, and
/// that every table, view, index and trigger the migrations create exists. Answers the problems.
pub async fn verify(conn: &Conn) -> AppResult<Vec<String>> {
    let applied = applied(conn).await?;
    let mut problems = Vec::new();
    if let Err(e) = refuse_changed(&applied) {
        problems.push(e.to_string());
    }
    let version = applied.last().map_or(0, |a| a.version);
    if version != expected_version() {
        problems.push(format!("schema version is {version}, this build expects {}", expected_version()));
    }
    let present: BTreeSet<String> = conn
        .query_all("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index', 'trigger', 'view')", (), |row| {
            col(row, 0)
        })
        .await?
        .into_iter()
        .collect();
    for missing in expected_objects(version).difference(&present) {
        problems.push(format!("missing from the database: {missing}"));
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".up.sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| format!("{:04}_{}.up.sql", m.version, m.name)).collect();
        assert_eq!(files, listed, "add every migrations/NNNN_name.up.sql to MIGRATIONS");
        for pair in MIGRATIONS.windows(2) {
            assert_eq!(pair[1].version, pair[0].version + 1, "versions are consecutive");
        }
    }

    #[test]
    fn expected_objects_include_tables_indexes_and_triggers() {
        let names = expected_objects(expected_version());
        for name in ["accounts", "audit_log", "accounts_fts", "accounts_name", "accounts_after_insert"] {
            assert!(names.contains(name), "{name} in {names:?}");
        }
    }
}
