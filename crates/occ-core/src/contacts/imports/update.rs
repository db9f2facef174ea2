//! Changing a job's mapping or mode before its real run.

use std::collections::BTreeMap;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::create::mode_of;
use super::parse::check_mapping;
use super::{ENTITY, Import, decode, import_columns, import_id, load, running, started};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx};
use crate::store::Batch;

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
