//! The list of a contact's or a sequence's enrollments, newest first.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Enrollment, enrollment_columns};
use crate::domain::enums::EnrollmentStatus;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::from_row;

/// A contact's or a sequence's enrollments, newest first.
#[utoipa::path(get, path = "/api/v1/enrollments", tag = "enrollments",
    params(("contact_id" = Option<String>, Query), ("sequence_id" = Option<String>, Query),
        ("status" = Option<crate::domain::enums::EnrollmentStatus>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Enrollment>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let sequence = q.id("sequence_id")?;
    if contact.is_none() && sequence.is_none() {
        return Err(AppError::invalid("contact_id", "required", "give contact_id or sequence_id"));
    }
    let status = q.closed::<EnrollmentStatus>("status")?;
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        enrollment_columns!(),
        " FROM enrollments e WHERE (:contact IS NULL OR e.contact_id = :contact) \
         AND (:sequence IS NULL OR e.sequence_id = :sequence) AND (:status IS NULL OR e.status = :status) AND ",
        crate::keyset!(desc "e.created_at", "e.id")
    );
    let filters = libsql::named_params! {
        ":contact": contact, ":sequence": sequence, ":status": status.map(EnrollmentStatus::as_str),
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, from_row::<Enrollment>, |e| (e.created_at.clone(), e.id.clone())).await?)
}
