//! Touchpoints listed by contact, or by account (its people's, with their names).

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Touchpoint, decode, touchpoint_columns};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// A contact's touchpoints, or those of an account's people (`account_id`, each with the
/// person's name), newest first; one of `contact_id` and `account_id` is required.
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "touchpoints",
    params(("contact_id" = Option<String>, Query), ("account_id" = Option<String>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Touchpoint>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let account = q.id("account_id")?;
    let page = Keyset::last_of(q)?;
    // An account's people are read from `idx_contacts_account`, their touches from
    // `idx_touchpoints_contact`, and sorted (an account's touches are few next to the table).
    let (sql, filters) = match (contact, account) {
        (Some(contact), None) => (
            concat!(
                "SELECT ",
                touchpoint_columns!(),
                " FROM touchpoints WHERE contact_id = :contact AND ",
                crate::keyset!(desc "created_at", "id")
            ),
            libsql::named_params! {":contact": contact},
        ),
        (None, Some(account)) => (
            concat!(
                "SELECT ",
                touchpoint_columns!(),
                ", (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c \
                 WHERE c.id = touchpoints.contact_id) AS contact_name FROM touchpoints \
                 WHERE touchpoints.contact_id IN (SELECT p.id FROM contacts p WHERE p.account_id = :account) AND ",
                crate::keyset!(desc "touchpoints.created_at", "touchpoints.id")
            ),
            libsql::named_params! {":account": account},
        ),
        (Some(_), Some(_)) => {
            return Err(AppError::invalid("account_id", "with", "give contact_id or account_id, not both"));
        }
        (None, None) => return Err(AppError::invalid("contact_id", "required", "name the contact or the account")),
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |t| (t.created_at.clone(), t.id.clone())).await?)
}
