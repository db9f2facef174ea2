//! A contact's touchpoints.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Touchpoint, decode, touchpoint_columns};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// A contact's touchpoints, newest first (`contact_id` required).
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "touchpoints",
    params(("contact_id" = String, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Touchpoint>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?.ok_or_else(|| AppError::invalid("contact_id", "required", "name the contact"))?;
    let page = Keyset::<(String, String)>::of(&mut q)?;
    q.finish()?;
    let (after_at, after_id) = page.after_pair();
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                touchpoint_columns!(),
                " FROM touchpoints WHERE contact_id = ?1 AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?4"
            ),
            libsql::params![contact, after_at, after_id, page.fetch()],
            decode,
        )
        .await?;
    http::ok(&page.page(rows, |t| (t.created_at.clone(), t.id.clone()))?)
}
