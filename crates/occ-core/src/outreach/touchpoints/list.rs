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
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        touchpoint_columns!(),
        " FROM touchpoints WHERE contact_id = :contact AND ",
        crate::keyset!(desc "created_at", "id")
    );
    let conn = ctx.conn().await?;
    let filters = libsql::named_params! {":contact": contact};
    http::ok(&page.load(&conn, sql, filters, decode, |t| (t.created_at.clone(), t.id.clone())).await?)
}
