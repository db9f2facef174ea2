//! Running a job: the next step of its dry run or its real run, started when needed.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::row::Columns;
use super::step::{self, Importer, Phase, PhaseKind, Step};
use super::{ENTITY, Import, ImportRow, Status, import_columns, import_id, started};
use crate::access::Principal;
use crate::domain::enums::Role;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Conn, from_row};

/// `POST /api/v1/imports/{id}/run`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunImport {
    /// Decide and report every row without writing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// Who runs the import, as a step needs it.
pub(super) fn importer<'a>(principal: &'a Principal, actor: &'a crate::audit::Actor) -> Importer<'a> {
    Importer { actor, user_id: &principal.user_id, owns_only: principal.role == Role::Bdr }
}

/// Statements that start a phase, their answers unneeded: the transaction of the phase's first
/// step begins with them.
pub(super) type Opening = Vec<(&'static str, Vec<libsql::Value>)>;

/// The phase's progress before the next step, and the statements that start it if it has not
/// started (or, for a finished dry run, start it again).
fn opening(import: &Import, phase: PhaseKind) -> AppResult<(Phase, Opening)> {
    let current = match phase {
        PhaseKind::DryRun => &import.dry_run,
        PhaseKind::Run => &import.run,
    };
    let restart = phase == PhaseKind::DryRun && current.as_ref().is_some_and(|p| p.done);
    if let Some(state) = current.as_ref().filter(|_| !restart) {
        return Ok((state.clone(), Vec::new()));
    }
    if import.run.is_some() {
        return Err(started(import));
    }
    if import.received_chunks < import.total_chunks {
        let message = format!("{} of {} chunks are uploaded", import.received_chunks, import.total_chunks);
        return Err(AppError::refused("chunks", "missing", message));
    }
    if !Columns::new(&import.headers, &import.mapping).has_name() {
        return Err(AppError::invalid("mapping", "required", "map a column to first_name or full_name"));
    }
    let fresh = Phase { total: import.rows, ..Phase::default() };
    let text = serde_json::to_string(&fresh).map_err(|e| AppError::Internal(e.into()))?;
    let (id, kind) = (import.id.as_str(), phase.as_str());
    // Both only while the real run has not started: a run another request started a moment
    // ago is carried on with, never started again.
    let opening = vec![
        (
            "DELETE FROM import_rows WHERE import_id = ?1 AND phase = ?2 \
             AND EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND run IS NULL)",
            vec![id.into(), kind.into()],
        ),
        (
            "UPDATE imports SET dry_run = CASE WHEN ?2 = 'dry_run' THEN ?3 ELSE dry_run END, \
             run = CASE WHEN ?2 = 'run' THEN ?3 ELSE run END, updated_at = ?4 WHERE id = ?1 AND run IS NULL",
            vec![id.into(), kind.into(), text.into(), now().into()],
        ),
    ];
    Ok((fresh, opening))
}

/// The chunk that holds a phase's next row, and the rows and lines of the file before it.
struct ChunkAt {
    n: i64,
    before_records: i64,
    before_lines: i64,
    body: String,
}

/// A job's row with the chunk that holds its phase's next row (NULLs when none does).
#[derive(Deserialize)]
struct NextChunkRow {
    #[serde(flatten)]
    import: ImportRow,
    n: Option<i64>,
    before_records: Option<i64>,
    before_lines: Option<i64>,
    body: Option<String>,
}

/// A job and the chunk that holds its phase's next row (one call); a finished dry run's next
/// row is its first, as it starts again.
async fn with_next_chunk(conn: &Conn, id: &str, phase: PhaseKind) -> AppResult<(Import, Option<ChunkAt>)> {
    conn.query_one(
        ENTITY,
        concat!(
            "SELECT ",
            import_columns!(),
            ", p.n, p.before_records, p.before_lines, \
             (SELECT body FROM import_chunks WHERE import_id = imports.id AND n = p.n) AS body \
             FROM imports LEFT JOIN ( \
               SELECT n, records, sum(records) OVER w - records AS before_records, sum(lines) OVER w - lines AS before_lines \
               FROM import_chunks WHERE import_id = :id WINDOW w AS (ORDER BY n) \
             ) p ON p.before_records + p.records > CASE WHEN :phase = 'dry_run' AND (imports.dry_run ->> '$.done') THEN 0 \
               ELSE coalesce(CASE WHEN :phase = 'run' THEN imports.run ELSE imports.dry_run END ->> '$.processed', 0) END \
             WHERE imports.id = :id ORDER BY p.n LIMIT 1"
        ),
        libsql::named_params! {":id": id, ":phase": phase.as_str()},
        |row| {
            let NextChunkRow { import, n, before_records, before_lines, body } = from_row(row)?;
            let chunk = match (n, before_records, before_lines, body) {
                (Some(n), Some(before_records), Some(before_lines), Some(body)) => {
                    Some(ChunkAt { n, before_records, before_lines, body })
                }
                _ => None,
            };
            Ok((Import::from(import), chunk))
        },
    )
    .await
}

/// Take the next step of the dry run or the real run (starting it when needed) and answer the
/// job: call again while the phase is not `done`, showing its progress. A finished dry run
/// called again starts over; the real run runs once.
#[utoipa::path(post, path = "/api/v1/imports/{id}/run", tag = "imports", request_body = RunImport, params(("id" = String, Path)),
    responses((status = 200, body = Import), (status = 409, description = "Chunks missing, or already run", body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn run(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = import_id(&req)?;
    let body: RunImport = if req.body().is_empty() { RunImport::default() } else { http::body_json(&req)? };
    let phase = if body.dry_run { PhaseKind::DryRun } else { PhaseKind::Run };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let (import, next) = with_next_chunk(&conn, &id, phase).await?;
    let (state, opening) = opening(&import, phase)?;
    if state.done {
        return http::ok(&import);
    }
    let at = now();
    let state = match next {
        // No chunk holds the next row: every row is done.
        None => step::finish(&conn, &id, phase, state, &opening, &at).await?,
        Some(chunk) => {
            let columns = Columns::new(&import.headers, &import.mapping);
            let rows = step::rows_of(
                &chunk.body,
                chunk.n,
                chunk.before_records,
                chunk.before_lines,
                state.processed,
                &columns,
            )?;
            let upsert = import.mode == "upsert";
            let step = Step { import_id: &id, phase, upsert, state, rows, at: &at };
            step::take(&conn, step, &importer(principal, &actor), &opening, !opening.is_empty()).await?.0
        }
    };
    http::ok(&import.with_phase(phase, state, &at))
}

impl Import {
    /// The job once a step of `kind` brought that phase to `state` at `at`.
    pub(super) fn with_phase(mut self, kind: PhaseKind, state: Phase, at: &str) -> Self {
        match kind {
            PhaseKind::DryRun => self.dry_run = Some(state),
            PhaseKind::Run => {
                self.rows = state.total.max(self.rows);
                if state.done {
                    // The chunks are dropped once the run is done: they were all received.
                    self.status = Status::Done;
                    self.received_chunks = self.total_chunks;
                } else {
                    self.status = Status::Running;
                }
                self.run = Some(state);
            }
        }
        self.updated_at = at.to_owned();
        self
    }
}
