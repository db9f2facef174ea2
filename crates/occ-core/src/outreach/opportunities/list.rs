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
    let page = Keyset::<(String, String)>::of(&mut q)?;
    q.finish()?;
    let statuses = (!statuses.is_empty())
        .then(|| serde_json::to_string(&statuses))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let (after_at, after_id) = page.after_pair();
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                opportunity_columns!(),
                " FROM opportunities WHERE (?1 IS NULL OR status IN (SELECT value FROM json_each(?1))) \
                 AND (?2 IS NULL OR contact_id = ?2) AND (?3 IS NULL OR owner_id = ?3) \
                 AND (?4 IS NULL OR (updated_at, id) < (?4, ?5)) ORDER BY updated_at DESC, id DESC LIMIT ?6"
            ),
            libsql::params![statuses, contact, owner, after_at, after_id, page.fetch()],
            decode,
        )
        .await?;
    http::ok(&page.page(rows, |o| (o.updated_at.clone(), o.id.clone()))?)
}
