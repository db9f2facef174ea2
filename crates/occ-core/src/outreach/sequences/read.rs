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
    let page = Keyset::<(String, String)>::of(&mut q)?;
    q.finish()?;
    let (after_name, after_id) = page.after_pair();
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                sequence_columns!(),
                " FROM sequences s WHERE (?1 IS NULL OR s.status = ?1) \
                 AND (?2 IS NULL OR (s.name, s.id) > (?2, ?3)) ORDER BY s.name, s.id LIMIT ?4"
            ),
            libsql::params![status.map(SequenceStatus::as_str), after_name, after_id, page.fetch()],
            decode,
        )
        .await?;
    http::ok(&page.page(rows, |s| (s.name.clone(), s.id.clone()))?)
}

/// One sequence.
#[utoipa::path(get, path = "/api/v1/sequences/{id}", tag = "sequences", params(("id" = String, Path)),
    responses((status = 200, body = Sequence), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &sequence_id(&req)?).await?)
}
