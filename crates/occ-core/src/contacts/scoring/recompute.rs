//! Keeping scores current. A change that moves a contact's score (its title, stage or account,
//! a signal, the company's industry or size) stores the new score in the statement that makes
//! the change ([`super::sql`]); a new model version rescores everyone in chunks
//! (`rescore_behind`), each one set-based statement. The database keeps the history: a trigger
//! writes an icp_scores row whenever a score or its factors change
//! (migrations/0002_scores_imports.up.sql).

use crate::error::{AppError, AppResult};
use crate::store::{Batch, Conn, from_row};

/// Recomputes and stores the scores of these contacts with the model in use (one statement;
/// inside a transaction, part of it).
pub async fn rescore(conn: &Conn, ids: &[String]) -> AppResult<()> {
    rescore_at(conn, ids, &crate::domain::now()).await
}

/// As [`rescore`], with signals aged as of `now` (RFC 3339).
pub async fn rescore_at(conn: &Conn, ids: &[String], now: &str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    conn.write(
        crate::contacts::scoring::sql::rescore_sql!("contacts.id IN (SELECT value FROM json_each(:ids))"),
        libsql::named_params! {":ids": ids_json, ":now": now},
    )
    .await
}

/// How far rescoring after a model change has come.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Progress {
    /// The model version everyone is being scored with.
    pub version: i64,
    /// Contacts scored with it.
    pub scored: i64,
    /// All contacts.
    pub total: i64,
    /// Whether every contact is scored with it.
    pub done: bool,
}

/// Rescoring progress (one call).
pub async fn progress(conn: &Conn) -> AppResult<Progress> {
    conn.query_one("setting", PROGRESS, (), decode_progress).await
}

/// The statement of [`progress`], read with [`decode_progress`]: those behind are a range of
/// the index on versions, and everyone the sum of the counts per owner and stage that triggers
/// keep (migration 0004), not a count of the book.
macro_rules! progress_sql {
    () => {
        "SELECT v.version, (SELECT count(*) FROM contacts WHERE priority_version < v.version) AS behind, \
         (SELECT coalesce(sum(n), 0) FROM contact_stage_counts) AS total FROM (SELECT coalesce((SELECT \
         max(version) FROM settings WHERE key = 'icp'), 0) AS version) v"
    };
}
const PROGRESS: &str = progress_sql!();

/// The row of [`PROGRESS`]: the model version, the contacts scored with an older one, and all.
#[derive(serde::Deserialize)]
struct ProgressRow {
    version: i64,
    behind: i64,
    total: i64,
}

fn decode_progress(row: &crate::store::Row) -> AppResult<Progress> {
    let ProgressRow { version, behind, total } = from_row(row)?;
    Ok(Progress { version, scored: total - behind, total, done: behind == 0 })
}

/// Rescores up to `limit` contacts still scored with an older model, the best first (one call:
/// the scores, and the progress after them when `report` is set or the chunk came back short,
/// the progress counting those still behind), and answers how many it did and that progress.
/// Safe to run from several places at once.
///
/// The contacts go in the order of their old scores (`idx_contacts_priority_version`): a new
/// score lies close to the old one, so the entries a chunk moves in each score index lie
/// together and a chunk writes a few pages of each, not one per contact.
pub async fn rescore_behind(conn: &Conn, limit: u32, report: bool) -> AppResult<(usize, Option<Progress>)> {
    let now = crate::domain::now();
    let mut batch = Batch::new();
    let rescored = batch.push(
        crate::contacts::scoring::sql::rescore_sql!(
            "contacts.rowid IN (SELECT c.rowid FROM contacts c WHERE c.priority_version < \
             (SELECT coalesce(max(version), 0) FROM settings WHERE key = 'icp') \
             ORDER BY c.priority_version, c.priority_score DESC, c.id LIMIT :limit) RETURNING 1"
        ),
        libsql::named_params! {":now": now.as_str(), ":limit": i64::from(limit)},
    )?;
    // `changes()`: the rows the statement before updated (its triggers' rows aside).
    let after = batch.push(
        concat!("SELECT * FROM (", progress_sql!(), ") WHERE :report OR changes() < :limit"),
        libsql::named_params! {":report": report, ":limit": i64::from(limit)},
    )?;
    let outcome = conn.batch(batch).await?;
    let rescored = outcome.rows(rescored, |_| Ok(()))?.len();
    let progress = outcome.rows(after, decode_progress)?.pop();
    Ok((rescored, progress))
}
