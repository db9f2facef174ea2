//! The list of opportunities, latest change first.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Opportunity, decode, opportunity_columns};
use crate::access::Principal;
use crate::domain::enums::OpportunityStatus;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// Opportunities, latest change first; filters `status` (one or more), `contact_id`, `owner`
/// (a user id or `me`).
#[utoipa::path(get, path = "/api/v1/opportunities", tag = "opportunities",
    params(("status" = Option<Vec<crate::domain::enums::OpportunityStatus>>, Query, description = "Several: repeat or comma-separate"), ("contact_id" = Option<String>, Query), ("owner" = Option<String>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Opportunity>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let statuses = q
        .many("status")
        .into_iter()
        .map(|s| s.parse::<OpportunityStatus>().map_err(|e| AppError::invalid("status", "one_of", e.to_string())))
        .collect::<AppResult<Vec<_>>>()?;
    let contact = q.id("contact_id")?;
    let owner = match q.one("owner") {
        Some(o) if o == "me" => Some(principal.user_id.clone()),
        Some(o) => Some(
            uuid::Uuid::try_parse(&o)
                .map_err(|_| AppError::invalid("owner", "format", "must be a user id or me"))?
                .to_string(),
        ),
        None => None,
    };
    let page = Keyset::last_of(q)?;
    let statuses = (!statuses.is_empty())
        .then(|| serde_json::to_string(&statuses))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let sql = concat!(
        "SELECT ",
        opportunity_columns!(),
        " FROM opportunities WHERE (:statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses))) \
         AND (:contact IS NULL OR contact_id = :contact) AND (:owner IS NULL OR owner_id = :owner) AND ",
        crate::keyset!(desc "updated_at", "id")
    );
    let filters = libsql::named_params! {":statuses": statuses, ":contact": contact, ":owner": owner};
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |o| (o.updated_at.clone(), o.id.clone())).await?)
}
