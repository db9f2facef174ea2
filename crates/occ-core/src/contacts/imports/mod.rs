//! CSV import of contacts with their companies, as a job: create it, upload the file in chunks,
//! check the guessed column mapping, take a dry run (a row-by-row report, nothing written),
//! then the real run, each in bounded steps a client drives and can resume. `POST /api/v1/import`
//! does it all in one request for a file within the body limit.
//!
//! Here: the routes, the job and its decoder, the report's line, and the refusals shared by the
//! handlers; each handler lives in the file of its concern.

pub(crate) mod chunks;
pub(crate) mod create;
pub(crate) mod one_request;
pub mod parse;
pub(crate) mod read;
pub(crate) mod report;
pub mod row;
pub(crate) mod run;
pub mod step;
pub(crate) mod update;

use std::collections::BTreeMap;

use ::http::{Method, Request};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{self, Routes};
use crate::store::{Conn, Row, from_row};
use parse::FIELDS;
use step::Phase;

const ENTITY: &str = "import";

/// The most chunks a file may come in (4 GiB at 4 MiB each: far beyond any real list).
pub const MAX_CHUNKS: i64 = 1000;

/// The import routes (in the contacts family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/imports", Signed(WriteData), handler!(create::create))
        .get("/api/v1/imports", Signed(ReadData), handler!(read::list))
        .get("/api/v1/imports/{id}", Signed(ReadData), handler!(read::get))
        .patch("/api/v1/imports/{id}", Signed(WriteData), handler!(update::update))
        .route(Method::PUT, "/api/v1/imports/{id}/chunks/{n}", Signed(WriteData), handler!(chunks::put_chunk))
        .post("/api/v1/imports/{id}/run", Signed(WriteData), handler!(run::run))
        .get("/api/v1/imports/{id}/rows", Signed(ReadData), handler!(report::rows))
        .post("/api/v1/import", Signed(WriteData), handler!(one_request::import_now))
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
use import_columns;

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

/// A job from its row.
fn decode(row: &Row) -> AppResult<Import> {
    from_row::<ImportRow>(row).map(Import::from)
}

/// One job (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Import> {
    conn.query_one(ENTITY, concat!("SELECT ", import_columns!(), " FROM imports WHERE id = ?1"), [id], decode).await
}

/// The job a request's path names.
fn import_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// The refusal of a change to a job whose real run started after it was read.
fn running() -> AppError {
    AppError::refused("status", "transition", "the import is running; it can no longer change")
}

/// The refusal of a change to a job whose real run has started.
fn started(import: &Import) -> AppError {
    AppError::refused(
        "status",
        "transition",
        format!("the import is {:?}; it can no longer change", import.status).to_lowercase(),
    )
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
