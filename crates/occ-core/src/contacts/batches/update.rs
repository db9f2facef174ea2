//! Renaming a batch or moving its status along the lifecycle.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{Batch, audit_view, batch_columns, batch_id, decode, load};
use crate::access::Principal;
use crate::domain::enums::BatchStatus;
use crate::domain::now;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::{Change, Move, Written};
use crate::store::Batch as Writes;
use crate::validate::Check;

/// `PATCH /api/v1/batches/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBatch {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// One of the batch's `next_statuses`.
    #[serde(default)]
    pub status: Option<BatchStatus>,
}

/// Rename a batch or move its status along the lifecycle (409 outside `next_statuses`).
#[utoipa::path(patch, path = "/api/v1/batches/{id}", tag = "batches", request_body = PatchBatch, params(("id" = String, Path)),
    responses((status = 200, body = Batch), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let body: PatchBatch = http::body_json(&req)?;
    let mut c = Check::default();
    let name = body.name.map(|n| c.required("name", n, 200));
    let description = c.prose("description", body.description, 5000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let write = |before: &Batch, moved: Option<BatchStatus>, writes: &mut Writes| {
        let returns = writes.push(
            concat!(
                "UPDATE batches SET name = coalesce(?2, name), description = coalesce(?3, description), \
                 status = coalesce(?4, status), updated_at = ?5 WHERE id = ?1 RETURNING ",
                batch_columns!()
            ),
            libsql::params![id.as_str(), name.as_deref(), description, moved.map(BatchStatus::as_str), at.as_str()],
        )?;
        let audit_after = audit_view(name.as_deref().unwrap_or(&before.name), moved.unwrap_or(before.status));
        Ok(Written { action: "batch.update", returns, audit_after })
    };
    let batch = change.run(&conn, Move::Maybe(body.status), async |conn| load(conn, &id).await, write, decode).await?;
    http::ok(&batch)
}
