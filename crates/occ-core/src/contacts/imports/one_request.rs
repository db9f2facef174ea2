//! Importing a small file in one request: `POST /api/v1/import`.

use ::http::{Request, Response, header};
use bytes::Bytes;
use serde::Serialize;

use super::chunks::read_body;
use super::create::new_job;
use super::parse::{FIELDS, guess};
use super::row::Columns;
use super::run::{Opening, importer};
use super::step::{self, Phase, PhaseKind, Step};
use super::{Import, ReportRow, Status};
use crate::access::Principal;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Query, RequestMeta};

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
