//! Starting a job: `POST /api/v1/imports`, and the checks of a new job's fields that the
//! one-request import shares.

use std::collections::BTreeMap;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::parse::check_mapping;
use super::{ENTITY, Import, MAX_CHUNKS, decode, import_columns};
use crate::access::Principal;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx};
use crate::store::Conn;

/// The job's mode: `create` (the default) or `upsert`.
pub(super) fn mode_of(text: Option<&str>) -> AppResult<&'static str> {
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
pub(super) struct NewJob {
    pub(super) filename: String,
    pub(super) mode: &'static str,
    mapping: String,
}

/// Checks a new job's fields.
pub(super) fn new_job(
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
