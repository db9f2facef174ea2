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
    let page = Keyset::<(String, String)>::of(&mut q)?;
    q.finish()?;
    let (after_at, after_id) = page.after_pair();
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                enrollment_columns!(),
                " FROM enrollments e WHERE (?1 IS NULL OR e.contact_id = ?1) AND (?2 IS NULL OR e.sequence_id = ?2) \
                 AND (?3 IS NULL OR e.status = ?3) AND (?4 IS NULL OR (e.created_at, e.id) < (?4, ?5)) \
                 ORDER BY e.created_at DESC, e.id DESC LIMIT ?6"
            ),
            libsql::params![contact, sequence, status.map(EnrollmentStatus::as_str), after_at, after_id, page.fetch()],
            from_row::<Enrollment>,
        )
        .await?;
    http::ok(&page.page(rows, |e| (e.created_at.clone(), e.id.clone()))?)
}
