//! Reading batches: the list, newest first, and one by id.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Batch, batch_columns, batch_id, decode, load};
use crate::domain::enums::BatchStatus;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// Batches, newest first; `status` filters.
#[utoipa::path(get, path = "/api/v1/batches", tag = "batches",
    params(("status" = Option<crate::domain::enums::BatchStatus>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Batch>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let status = q.closed::<BatchStatus>("status")?;
    let page = Keyset::last_of(q)?;
    // The team's batches are few: the page's rows carry their count.
    let sql = concat!(
        "SELECT ",
        batch_columns!(),
        ", (SELECT count(*) FROM batches WHERE :status IS NULL OR status = :status) AS total \
         FROM batches WHERE (:status IS NULL OR status = :status) AND ",
        crate::keyset!(desc "created_at", "id")
    );
    let filters = libsql::named_params! {":status": status.map(BatchStatus::as_str)};
    let conn = ctx.conn().await?;
    http::ok(&page.load_counted(&conn, sql, filters, decode, |b| (b.created_at.clone(), b.id.clone())).await?)
}

/// One batch.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "batches", params(("id" = String, Path)),
    responses((status = 200, body = Batch), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = batch_id(&req)?;
    http::ok(&load(&ctx.conn().await?, &id).await?)
}
