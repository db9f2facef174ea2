//! Reading sequences: the list and one.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Sequence, decode, load, sequence_id};
use crate::domain::enums::SequenceStatus;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// Sequences by name, with their steps and how many contacts are in each.
#[utoipa::path(get, path = "/api/v1/sequences", tag = "sequences",
    params(("status" = Option<crate::domain::enums::SequenceStatus>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Sequence>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let status = q.closed::<SequenceStatus>("status")?;
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        sequence_columns!(),
        " FROM sequences s WHERE (:status IS NULL OR s.status = :status) AND ",
        crate::keyset!(asc "s.name", "s.id")
    );
    let filters = libsql::named_params! {":status": status.map(SequenceStatus::as_str)};
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |s| (s.name.clone(), s.id.clone())).await?)
}

/// One sequence.
#[utoipa::path(get, path = "/api/v1/sequences/{id}", tag = "sequences", params(("id" = String, Path)),
    responses((status = 200, body = Sequence), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &sequence_id(&req)?).await?)
}
