//! CSV import of contacts with their companies, as a job: create it, upload the file in chunks,
//! check the guessed column mapping, take a dry run (a row-by-row report, nothing written),
//! then the real run, each in bounded steps a client drives and can resume. `POST /api/v1/import`
//! does it all in one request for a file within the body limit.

pub mod parse;
pub mod row;
pub mod step;

use std::collections::BTreeMap;

use ::http::{Method, Request, Response, header};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::domain::enums::Role;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::store::{Batch, Conn, Row, from_row};
use parse::{Chunk, FIELDS, check_mapping, guess, read_chunk};
use row::Columns;
use step::{Importer, Phase, PhaseKind, Step};

const ENTITY: &str = "import";

/// The most chunks a file may come in (4 GiB at 4 MiB each: far beyond any real list).
pub const MAX_CHUNKS: i64 = 1000;

/// The import routes (in the contacts family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/imports", Signed(WriteData), handler!(create))
        .get("/api/v1/imports", Signed(ReadData), handler!(list))
        .get("/api/v1/imports/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/imports/{id}", Signed(WriteData), handler!(update))
        .route(Method::PUT, "/api/v1/imports/{id}/chunks/{n}", Signed(WriteData), handler!(put_chunk))
        .post("/api/v1/imports/{id}/run", Signed(WriteData), handler!(run))
        .get("/api/v1/imports/{id}/rows", Signed(ReadData), handler!(rows))
        .post("/api/v1/import", Signed(WriteData), handler!(import_now))
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Chunks are missing.
    Uploading,
    /// Every chunk is in; the real run has not started.
    Ready,
    /// The real run is under way.
    Running,
    /// The real run is finished; the job is read-only.
    Done,
}

/// An import job.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Import {
    /// Its id.
    pub id: String,
    /// The file's name.
    pub filename: String,
    /// Where it is.
    pub status: Status,
    /// `create` skips people already in OCC as duplicates; `upsert` updates them.
    pub mode: String,
    /// The chunks the file comes in.
    pub total_chunks: i64,
    /// The chunks received.
    pub received_chunks: i64,
    /// Data rows received (header excluded).
    pub rows: i64,
    /// The header row.
    pub headers: Vec<String>,
    /// Header to field, or null for a column that is ignored.
    #[schema(value_type = Object)]
    pub mapping: BTreeMap<String, Option<String>>,
    /// The fields a column can be mapped to.
    pub fields: &'static [&'static str],
    /// The dry run's progress and counts.
    pub dry_run: Option<Phase>,
    /// The real run's progress and counts.
    pub run: Option<Phase>,
    /// Who created it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// The columns every query of a job returns.
macro_rules! import_columns {
    () => {
        "imports.id, imports.filename, imports.mode, imports.total_chunks, imports.headers, imports.mapping, imports.dry_run, \
         imports.run, imports.created_by, imports.created_at, imports.updated_at, \
         (SELECT count(*) FROM import_chunks c WHERE c.import_id = imports.id) AS received_chunks, \
         (SELECT coalesce(sum(records), 0) FROM import_chunks c WHERE c.import_id = imports.id) AS received_rows"
    };
}

/// A job's row: the columns of [`import_columns!`], with the chunks and rows received so far.
#[derive(Deserialize)]
struct ImportRow {
    id: String,
    filename: String,
    mode: String,
    total_chunks: i64,
    #[serde(deserialize_with = "crate::store::json")]
    headers: Vec<String>,
    #[serde(deserialize_with = "crate::store::json")]
    mapping: BTreeMap<String, Option<String>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    dry_run: Option<Phase>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    run: Option<Phase>,
    created_by: Option<String>,
    created_at: String,
    updated_at: String,
    received_chunks: i64,
    received_rows: i64,
}

impl From<ImportRow> for Import {
    fn from(row: ImportRow) -> Self {
        let status = match &row.run {
            Some(run) if run.done => Status::Done,
            Some(_) => Status::Running,
            None if row.received_chunks == row.total_chunks => Status::Ready,
            None => Status::Uploading,
        };
        // The chunks are dropped once the run is done: they were all received.
        let received_chunks = if status == Status::Done { row.total_chunks } else { row.received_chunks };
        Import {
            id: row.id,
            filename: row.filename,
            status,
            mode: row.mode,
            total_chunks: row.total_chunks,
            received_chunks,
            rows: row.run.as_ref().map_or(row.received_rows, |r| r.total.max(row.received_rows)),
            headers: row.headers,
            mapping: row.mapping,
            fields: FIELDS,
            dry_run: row.dry_run,
            run: row.run,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Import> {
    from_row::<ImportRow>(row).map(Import::from)
}

/// One job (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Import> {
    conn.query_one(ENTITY, concat!("SELECT ", import_columns!(), " FROM imports WHERE id = ?1"), [id], decode).await
}

fn import_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

fn mode_of(text: Option<&str>) -> AppResult<&'static str> {
    match text {
        None | Some("create") => Ok("create"),
        Some("upsert") => Ok("upsert"),
        Some(_) => Err(AppError::invalid("mode", "one_of", "must be create or upsert")),
    }
}

/// `POST /api/v1/imports`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateImport {
    /// The file's name, for people to recognise it.
    pub filename: String,
    /// How many chunks the file comes in (1-1000).
    pub total_chunks: i64,
    /// `create` (the default) or `upsert`.
    #[serde(default)]
    pub mode: Option<String>,
    /// Header to field (or null to ignore); guessed from the header row when absent.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<BTreeMap<String, Option<String>>>,
}

/// Start an import job.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", request_body = CreateImport,
    responses((status = 201, body = Import), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateImport = http::body_json(&req)?;
    let import = create_job(&ctx.conn().await?, principal, body).await?;
    http::created(&format!("/api/v1/imports/{}", import.id), &import)
}

/// A job's fields as checked: its file's name, its mode and its mapping (as stored).
struct NewJob {
    filename: String,
    mode: &'static str,
    mapping: String,
}

fn new_job(
    filename: &str,
    total_chunks: i64,
    mode: Option<&str>,
    mapping: Option<BTreeMap<String, Option<String>>>,
) -> AppResult<NewJob> {
    let filename = filename.rsplit(['/', '\\']).next().unwrap_or_default().trim().to_owned();
    if filename.is_empty() || filename.chars().count() > 255 {
        return Err(AppError::invalid("filename", "length", "must be 1 to 255 characters"));
    }
    if !(1..=MAX_CHUNKS).contains(&total_chunks) {
        return Err(AppError::invalid("total_chunks", "range", format!("must be from 1 to {MAX_CHUNKS}")));
    }
    let mode = mode_of(mode)?;
    let mapping = mapping.unwrap_or_default();
    check_mapping(&[], &mapping)?;
    let mapping = serde_json::to_string(&mapping).map_err(|e| AppError::Internal(e.into()))?;
    Ok(NewJob { filename, mode, mapping })
}

async fn create_job(conn: &Conn, principal: &Principal, body: CreateImport) -> AppResult<Import> {
    let job = new_job(&body.filename, body.total_chunks, body.mode.as_deref(), body.mapping)?;
    let at = now();
    conn.query_one(
        ENTITY,
        concat!(
            "INSERT INTO imports (id, filename, mode, total_chunks, mapping, created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING ",
            import_columns!()
        ),
        libsql::params![
            new_id(),
            job.filename,
            job.mode,
            body.total_chunks,
            job.mapping,
            principal.user_id.as_str(),
            at
        ],
        decode,
    )
    .await
}

/// Recent import jobs, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    responses((status = 200, body = Page<Import>)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    Query::of(&req).finish()?;
    let items = ctx
        .conn()
        .await?
        .query_all(
            concat!("SELECT ", import_columns!(), " FROM imports ORDER BY created_at DESC, id DESC LIMIT 50"),
            (),
            decode,
        )
        .await?;
    http::ok(&Page { items, next_cursor: None })
}

/// An import job: its mapping, progress and counts.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = Import), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &import_id(&req)?).await?)
}

/// `PATCH /api/v1/imports/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchImport {
    /// Header to field, or null to ignore the column.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<BTreeMap<String, Option<String>>>,
    /// `create` or `upsert`.
    #[serde(default)]
    pub mode: Option<String>,
}

/// The refusal of a change to a job whose real run started after it was read.
fn running() -> AppError {
    AppError::refused("status", "transition", "the import is running; it can no longer change")
}

fn started(import: &Import) -> AppError {
    AppError::refused(
        "status",
        "transition",
        format!("the import is {:?}; it can no longer change", import.status).to_lowercase(),
    )
}

/// Change the mapping or the mode before the real run; the dry run's report is then stale and
/// is dropped.
#[utoipa::path(patch, path = "/api/v1/imports/{id}", tag = "imports", request_body = PatchImport, params(("id" = String, Path)),
    responses((status = 200, body = Import), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = import_id(&req)?;
    let body: PatchImport = http::body_json(&req)?;
    let mode = body.mode.as_deref().map(|m| mode_of(Some(m))).transpose()?;
    let conn = ctx.conn().await?;
    let import = load(&conn, &id).await?;
    if import.run.is_some() {
        return Err(started(&import));
    }
    if let Some(mapping) = &body.mapping {
        check_mapping(&import.headers, mapping)?;
    }
    let mapping =
        body.mapping.map(|m| serde_json::to_string(&m)).transpose().map_err(|e| AppError::Internal(e.into()))?;
    let mut batch = Batch::new();
    batch.require("EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND run IS NULL)", [id.as_str()], running())?;
    batch.push("DELETE FROM import_rows WHERE import_id = ?1 AND phase = 'dry_run'", [id.as_str()])?;
    let updated = batch.push(
        concat!(
            "UPDATE imports SET mapping = coalesce(?2, mapping), mode = coalesce(?3, mode), dry_run = NULL, \
             updated_at = ?4 WHERE id = ?1 AND run IS NULL RETURNING ",
            import_columns!()
        ),
        libsql::params![id.as_str(), mapping, mode, now()],
    )?;
    http::ok(&conn.batch(batch).await?.one(ENTITY, updated, decode)?)
}

/// Upload chunk `n` (from 0) of the file: CSV text of at most 4 MiB, split at a line end;
/// chunk 0 starts with the header row. Sending the same chunk again replaces it.
#[utoipa::path(put, path = "/api/v1/imports/{id}/chunks/{n}", tag = "imports",
    params(("id" = String, Path), ("n" = i64, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Import), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn put_chunk(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = import_id(&req)?;
    let n: i64 = http::path_id(&req, "n", "chunk", |t| t.parse::<i64>().ok().filter(|n| *n >= 0))?;
    let import = put(&ctx.conn().await?, &id, n, req.body()).await?;
    http::ok(&import)
}

/// Reads chunk `n` of a file as sent: UTF-8 CSV text.
fn read_body(body: &[u8], n: i64) -> AppResult<(&str, Chunk)> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::invalid("body", "utf8", "the file is not UTF-8 text; save it as CSV UTF-8"))?;
    // A NUL would cut the stored text short; other control characters make only their row
    // invalid (each cell is checked as the API's fields are).
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        let message = format!("chunk {n}, line {line} holds a NUL character (U+0000): remove it and upload again");
        return Err(AppError::invalid("body", "control_characters", message));
    }
    let chunk = read_chunk(text, n == 0).map_err(|e| AppError::invalid("body", "csv", format!("chunk {n}: {e}")))?;
    Ok((text, chunk))
}

/// Stores a chunk (two round trips: the job, then the chunk with the commit).
async fn put(conn: &Conn, id: &str, n: i64, body: &[u8]) -> AppResult<Import> {
    let (text, chunk) = read_body(body, n)?;
    let import = load(conn, id).await?;
    if import.run.is_some() {
        return Err(started(&import));
    }
    if n >= import.total_chunks {
        return Err(AppError::invalid(
            "n",
            "range",
            format!("this import has chunks 0 to {}", import.total_chunks - 1),
        ));
    }
    // The header row sets the columns; a mapping that no longer fits them is guessed again.
    let (headers, mapping) = match &chunk.headers {
        Some(headers) => {
            let fits = !import.mapping.is_empty() && check_mapping(headers, &import.mapping).is_ok();
            let mapping = if fits { import.mapping.clone() } else { guess(headers) };
            (Some(headers.clone()), Some(mapping))
        }
        None => (None, None),
    };
    let headers = headers.map(|h| serde_json::to_string(&h)).transpose().map_err(|e| AppError::Internal(e.into()))?;
    let mapping = mapping.map(|m| serde_json::to_string(&m)).transpose().map_err(|e| AppError::Internal(e.into()))?;
    let mut batch = Batch::new();
    batch.require("EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND run IS NULL)", [id], running())?;
    batch.push("DELETE FROM import_rows WHERE import_id = ?1 AND phase = 'dry_run'", [id])?;
    batch.push(
        "INSERT INTO import_chunks (import_id, n, body, records, lines) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (import_id, n) DO UPDATE SET body = excluded.body, records = excluded.records, lines = excluded.lines",
        libsql::params![id, n, text, chunk.records.len() as i64, chunk.lines as i64],
    )?;
    let updated = batch.push(
        concat!(
            "UPDATE imports SET headers = coalesce(?2, headers), mapping = coalesce(?3, mapping), dry_run = NULL, \
             updated_at = ?4 WHERE id = ?1 AND run IS NULL RETURNING ",
            import_columns!()
        ),
        libsql::params![id, headers, mapping, now()],
    )?;
    conn.batch(batch).await?.one(ENTITY, updated, decode)
}

/// `POST /api/v1/imports/{id}/run`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunImport {
    /// Decide and report every row without writing anything.
    #[serde(default)]
    pub dry_run: bool,
}

fn importer<'a>(principal: &'a Principal, actor: &'a crate::audit::Actor) -> Importer<'a> {
    Importer { actor, user_id: &principal.user_id, owns_only: principal.role == Role::Bdr }
}

/// Statements that start a phase, their answers unneeded: the transaction of the phase's first
/// step begins with them.
type Opening = Vec<(&'static str, Vec<libsql::Value>)>;

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
    fn with_phase(mut self, kind: PhaseKind, state: Phase, at: &str) -> Self {
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

/// One line of an import's report.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// The data row (1: the first after the header).
    pub row: i64,
    /// Its line in the file.
    pub line: i64,
    /// created, updated, skipped_duplicate, invalid or suppressed.
    pub outcome: String,
    /// Why, for anything but created and updated.
    pub reason: Option<String>,
    /// The person's name.
    pub name: Option<String>,
    /// Their address.
    pub email: Option<String>,
    /// Their company.
    pub company: Option<String>,
    /// The contact it created or updated (or the existing one it duplicates).
    pub contact_id: Option<String>,
}

async fn report(
    conn: &Conn,
    id: &str,
    phase: PhaseKind,
    outcome: Option<&str>,
    limit: u32,
    after: i64,
) -> AppResult<Page<ReportRow>> {
    let rows = conn
        .query_all(
            "SELECT row, line, outcome, reason, name, email, company, contact_id FROM import_rows \
             WHERE import_id = ?1 AND phase = ?2 AND (?3 IS NULL OR outcome = ?3) AND row > ?4 ORDER BY row LIMIT ?5",
            libsql::params![id, phase.as_str(), outcome, after, i64::from(limit) + 1],
            from_row::<ReportRow>,
        )
        .await?;
    Page::from_rows(rows, limit, |r| r.row)
}

/// An import's row-by-row report for one phase (the real run's once it started, else the dry
/// run's), optionally only one outcome.
#[utoipa::path(get, path = "/api/v1/imports/{id}/rows", tag = "imports",
    params(("id" = String, Path), ("phase" = Option<PhaseKind>, Query),
        ("outcome" = Option<step::Outcome>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<ReportRow>), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn rows(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = import_id(&req)?;
    let mut q = Query::of(&req);
    let phase = q
        .one("phase")
        .map(|p| p.parse::<PhaseKind>().map_err(|e| AppError::invalid("phase", "one_of", e.to_string())))
        .transpose()?;
    let outcome = q
        .one("outcome")
        .map(|o| o.parse::<step::Outcome>().map_err(|e| AppError::invalid("outcome", "one_of", e.to_string())))
        .transpose()?;
    let limit = http::limit(&mut q)?;
    let after: Option<i64> = http::cursor(&mut q)?;
    q.finish()?;
    let conn = ctx.conn().await?;
    let import = load(&conn, &id).await?;
    let phase = phase.unwrap_or(if import.run.is_some() { PhaseKind::Run } else { PhaseKind::DryRun });
    http::ok(&report(&conn, &id, phase, outcome.map(step::Outcome::as_str), limit, after.unwrap_or(0)).await?)
}

/// What `POST /api/v1/import` answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// The job, finished.
    pub import: Import,
    /// Every row's outcome.
    pub rows: Vec<ReportRow>,
}

/// Import a CSV file within the body limit (1 MiB) in one request: sent as the body with
/// `content-type: text/csv`, columns mapped by their headers. `?dry_run=true` only reports;
/// `?mode=upsert` updates people already in OCC.
#[utoipa::path(post, path = "/api/v1/import", tag = "imports",
    params(("dry_run" = Option<bool>, Query), ("mode" = Option<String>, Query), ("filename" = Option<String>, Query)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportResult), (status = 422, body = ErrorResponse)))]
pub(crate) async fn import_now(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(essence.as_deref(), Some("text/csv" | "text/plain")) {
        return Err(AppError::BadRequest("send the file as the body, with content-type: text/csv".to_owned()));
    }
    let mut q = Query::of(&req);
    let dry_run = match q.one("dry_run").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(AppError::invalid("dry_run", "format", "must be true or false")),
    };
    let mode = q.one("mode");
    let filename = q.one("filename").unwrap_or_else(|| "import.csv".to_owned());
    q.finish()?;
    let job = new_job(&filename, 1, mode.as_deref(), None)?;
    let (text, chunk) = read_body(req.body(), 0)?;
    let headers = chunk.headers.clone().unwrap_or_default();
    let mapping = guess(&headers);
    let columns = Columns::new(&headers, &mapping);
    if !columns.has_name() {
        return Err(AppError::invalid("mapping", "required", "map a column to first_name or full_name"));
    }
    let phase = if dry_run { PhaseKind::DryRun } else { PhaseKind::Run };
    let total = chunk.records.len() as i64;
    let (id, at) = (new_id(), now());
    let import = Import {
        id: id.clone(),
        filename: job.filename,
        status: Status::Ready,
        mode: job.mode.to_owned(),
        total_chunks: 1,
        received_chunks: 1,
        rows: total,
        headers,
        mapping,
        fields: FIELDS,
        dry_run: None,
        run: None,
        created_by: Some(principal.user_id.clone()),
        created_at: at.clone(),
        updated_at: at.clone(),
    };
    let fresh = Phase { total, ..Phase::default() };
    let started = serde_json::to_string(&fresh).map_err(|e| AppError::Internal(e.into()))?;
    let headers_json = serde_json::to_string(&import.headers).map_err(|e| AppError::Internal(e.into()))?;
    let mapping_json = serde_json::to_string(&import.mapping).map_err(|e| AppError::Internal(e.into()))?;
    // The job is created, its file stored and its phase started by the first step's
    // transaction; the file stays until the real run is done, so a run cut short can go on.
    let mut opening: Opening = vec![
        (
            "INSERT INTO imports (id, filename, mode, total_chunks, headers, mapping, dry_run, run, created_by, \
             created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, CASE WHEN ?6 = 'dry_run' THEN ?7 END, \
             CASE WHEN ?6 = 'run' THEN ?7 END, ?8, ?9, ?9)",
            vec![
                id.clone().into(),
                import.filename.clone().into(),
                job.mode.into(),
                headers_json.into(),
                mapping_json.into(),
                phase.as_str().into(),
                started.into(),
                principal.user_id.clone().into(),
                at.clone().into(),
            ],
        ),
        (
            "INSERT INTO import_chunks (import_id, n, body, records, lines) VALUES (?1, 0, ?2, ?3, ?4)",
            vec![id.clone().into(), text.into(), total.into(), (chunk.lines as i64).into()],
        ),
    ];
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let importer = importer(principal, &actor);
    let conn = ctx.conn().await?;
    let mut state = fresh;
    let mut rows = Vec::new();
    // A file of more rows than a step takes is imported step by step, two round trips each.
    loop {
        let skip = usize::try_from(state.processed).unwrap_or(0);
        let taken = step::numbered(&chunk.records, 0, 0, skip, &columns);
        let step = Step { import_id: &id, phase, upsert: job.mode == "upsert", state, rows: taken, at: &at };
        let (next, lines) = step::take(&conn, step, &importer, &std::mem::take(&mut opening), false).await?;
        rows.extend(lines);
        state = next;
        if state.done {
            break;
        }
    }
    http::ok(&ImportResult { import: import.with_phase(phase, state, &at), rows })
}
