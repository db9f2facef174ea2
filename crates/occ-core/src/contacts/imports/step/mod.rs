//! One step of an import phase: up to [`STEP_ROWS`] rows of one chunk, decided against the
//! database (duplicates, suppression, erased people, companies) and, in the real run, written,
//! all in one transaction together with the job's progress. A step that fails leaves nothing
//! behind and is simply taken again; two callers at once take turns.
//!
//! Here: the phase's types, the step itself and the phase's progress; the step's lookups
//! (`lookup`), its decisions (`plan`) and its writes (`writes`) have files of their own.

mod lookup;
mod plan;
mod writes;

use serde::{Deserialize, Serialize};

use super::parse::read_chunk_up_to;
use super::row::{Columns, Label, Read, candidate};
use crate::audit::Actor;
use crate::error::{AppError, AppResult};
use crate::store::Conn;
use lookup::{look_up, parse_json};
use plan::plan;
use writes::{save_report, write};

/// Rows per step: about a second of work on a large book, well inside a serverless function's
/// time; fewer, larger steps keep an import above 5,000 rows a second (`occ bench`).
pub const STEP_ROWS: usize = 5000;

crate::closed_enum! {
    /// The dry run (decide and report) or the real run (also write).
    pub enum PhaseKind {
        DryRun => "dry_run",
        Run => "run",
    }
}

crate::closed_enum! {
    /// What became of a row.
    pub enum Outcome {
        Created => "created",
        Updated => "updated",
        SkippedDuplicate => "skipped_duplicate",
        Invalid => "invalid",
        Suppressed => "suppressed",
    }
}

/// Rows per outcome, and the companies created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct RowCounts {
    pub created: i64,
    pub updated: i64,
    pub skipped_duplicate: i64,
    pub invalid: i64,
    pub suppressed: i64,
    /// New accounts (companies) the rows bring.
    pub accounts_created: i64,
}

impl RowCounts {
    fn add(&mut self, outcome: Outcome) {
        *match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Updated => &mut self.updated,
            Outcome::SkippedDuplicate => &mut self.skipped_duplicate,
            Outcome::Invalid => &mut self.invalid,
            Outcome::Suppressed => &mut self.suppressed,
        } += 1;
    }
}

/// A phase's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Phase {
    /// Rows done.
    pub processed: i64,
    /// Rows in the file.
    pub total: i64,
    /// Whether every row is done.
    pub done: bool,
    /// What became of them.
    pub counts: RowCounts,
}

/// One line of the report.
struct Report {
    row: i64,
    line: i64,
    outcome: Outcome,
    reason: Option<String>,
    label: Label,
    account_created: bool,
    /// The name (lower-cased) of the company the row created, when it has no domain: a later
    /// step of a dry run finds it by this (the domain's companies by their domain).
    created_name: Option<String>,
    contact_id: Option<String>,
}

/// Who runs the import: the actor, and the user new contacts belong to.
#[derive(Debug)]
pub struct Importer<'a> {
    /// The audit actor.
    pub actor: &'a Actor,
    /// The importing user, the owner of the contacts created.
    pub user_id: &'a str,
    /// A bdr updates only contacts it owns or nobody owns.
    pub owns_only: bool,
}

/// A row read, with its row number and its line in the file.
pub type Numbered = (i64, i64, Read);

/// The rows of a step: up to [`STEP_ROWS`] rows of `chunk` (chunk `n`, whose first row and
/// line follow `before_records` rows and `before_lines` lines of the file), from the phase's
/// next row on.
pub fn rows_of(
    body: &str,
    n: i64,
    before_records: i64,
    before_lines: i64,
    processed: i64,
    columns: &Columns,
) -> AppResult<Vec<Numbered>> {
    let skip = usize::try_from(processed - before_records).unwrap_or(0);
    let chunk = read_chunk_up_to(body, n == 0, skip + STEP_ROWS)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored chunk {n}: {e}")))?;
    Ok(numbered(&chunk.records, before_records, before_lines, skip, columns))
}

/// Up to [`STEP_ROWS`] of `records` from `skip` on, numbered in the file and read as people.
pub fn numbered(
    records: &[super::parse::Record],
    before_records: i64,
    before_lines: i64,
    skip: usize,
    columns: &Columns,
) -> Vec<Numbered> {
    records
        .iter()
        .enumerate()
        .skip(skip)
        .take(STEP_ROWS)
        .map(|(i, record)| {
            (before_records + i as i64 + 1, before_lines + record.line as i64, candidate(&record.fields, columns))
        })
        .collect()
}

/// A step to take: the rows it decides, and the phase's progress before them.
#[derive(Debug)]
pub struct Step<'a> {
    /// The job.
    pub import_id: &'a str,
    /// The phase the step belongs to.
    pub phase: PhaseKind,
    /// Whether people already in OCC are updated.
    pub upsert: bool,
    /// The phase's progress as read before the step.
    pub state: Phase,
    /// The rows, from the phase's next one on.
    pub rows: Vec<Numbered>,
    /// When it is taken.
    pub at: &'a str,
}

/// Takes a step in one transaction of two round trips: `opening` (writes that start the job
/// or the phase, their answers unneeded) and the lookups, then the step's writes and progress
/// with the commit. The rows were read and checked before it, so the lock is held only for the
/// lookups and the writes (a remote database ends a transaction held for more than a few
/// seconds). If another request took this step meanwhile, this one does nothing and answers
/// the progress it made; `starting` a dry run that the real run overtook is refused.
pub async fn take(
    conn: &Conn,
    step: Step<'_>,
    importer: &Importer<'_>,
    opening: &[(&'static str, Vec<libsql::Value>)],
    starting: bool,
) -> AppResult<(Phase, Vec<super::ReportRow>)> {
    let Step { import_id, phase, upsert, mut state, rows, at } = step;
    let taken = rows.len() as i64;
    let results: Vec<Read> = rows.iter().map(|r| r.2.clone()).collect();
    conn.immediate(async |conn| {
        for (sql, params) in opening {
            conn.write(sql, params.clone()).await?;
        }
        let known = look_up(conn, import_id, phase, &results).await?;
        if starting && phase == PhaseKind::DryRun && known.run_started {
            return Err(AppError::refused("status", "transition", "the import is running; it can no longer change"));
        }
        let current: Phase = parse_json(known.state.clone())?;
        if current.processed != state.processed || current.done {
            // Another request took this step first.
            return Ok((current, Vec::new()));
        }
        let before = state.processed;
        let plan = plan(rows, &known, upsert, importer);
        if phase == PhaseKind::Run {
            write(conn, &plan, importer, at).await?;
        }
        save_report(conn, import_id, phase, &plan.reports).await?;
        for report in &plan.reports {
            state.counts.add(report.outcome);
            state.counts.accounts_created += i64::from(report.account_created);
        }
        state.processed += taken;
        // A chunk with fewer rows left than counted has nothing more to give: done, never a
        // step that takes nothing forever.
        state.done = state.processed >= state.total || taken == 0;
        save_state(conn, import_id, phase, before, &state, at).await?;
        let lines = plan.reports.into_iter().map(|r| r.into_line(phase)).collect();
        Ok((state, lines))
    })
    .await
}

impl Report {
    /// The report's line as `GET /api/v1/imports/{id}/rows` reads it back.
    fn into_line(self, phase: PhaseKind) -> super::ReportRow {
        super::ReportRow {
            row: self.row,
            line: self.line,
            outcome: self.outcome.as_str().to_owned(),
            reason: self.reason,
            name: self.label.name,
            email: self.label.email,
            company: self.label.company,
            contact_id: self.contact_id.filter(|_| phase == PhaseKind::Run || self.outcome != Outcome::Created),
        }
    }
}

/// Marks a phase done when no chunk holds a next row, after `opening` (one round trip).
pub async fn finish(
    conn: &Conn,
    import_id: &str,
    phase: PhaseKind,
    mut state: Phase,
    opening: &[(&'static str, Vec<libsql::Value>)],
    at: &str,
) -> AppResult<Phase> {
    let before = state.processed;
    state.done = true;
    conn.immediate(async |conn| {
        for (sql, params) in opening {
            conn.write(sql, params.clone()).await?;
        }
        save_state(conn, import_id, phase, before, &state, at).await
    })
    .await?;
    Ok(state)
}

/// Records a phase's progress, unless another request moved it on from `before`.
async fn save_state(
    conn: &Conn,
    import_id: &str,
    phase: PhaseKind,
    before: i64,
    state: &Phase,
    at: &str,
) -> AppResult<()> {
    let text = serde_json::to_string(state).map_err(|e| AppError::Internal(e.into()))?;
    let finished = phase == PhaseKind::Run && state.done;
    conn.write(
        "UPDATE imports SET dry_run = CASE WHEN ?2 = 'dry_run' THEN ?3 ELSE dry_run END, \
         run = CASE WHEN ?2 = 'run' THEN ?3 ELSE run END, updated_at = ?4 \
         WHERE id = ?1 AND (CASE WHEN ?2 = 'run' THEN run ELSE dry_run END) ->> '$.processed' = ?5",
        libsql::params![import_id, phase.as_str(), text, at, before],
    )
    .await?;
    if finished {
        // The file's text is not kept once it is imported: the report says what became of it.
        conn.write("DELETE FROM import_chunks WHERE import_id = ?1", [import_id]).await?;
    }
    Ok(())
}
