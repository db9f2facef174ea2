//! The list of opportunities, latest change first.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Opportunity, decode, opportunity_columns};
use crate::access::Principal;
use crate::domain::enums::OpportunityStatus;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// The list's filters but the account (unqualified: in a count's subquery they name its rows).
macro_rules! opportunity_filters {
    () => {
        "(:statuses IS NULL OR status IN (SELECT value FROM json_each(:statuses))) \
         AND (:contact IS NULL OR contact_id = :contact) AND (:owner IS NULL OR owner_id = :owner)"
    };
}

/// Opportunities, latest change first; filters `status` (one or more), `contact_id`,
/// `account_id`, `owner` (a user id or `me`).
#[utoipa::path(get, path = "/api/v1/opportunities", tag = "opportunities",
    params(("status" = Option<Vec<crate::domain::enums::OpportunityStatus>>, Query, description = "Several: repeat or comma-separate"), ("contact_id" = Option<String>, Query),
        ("account_id" = Option<String>, Query), ("owner" = Option<String>, Query),
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
    let account = q.id("account_id")?;
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
    // An account's opportunities are read from its index (and sorted: they are few); the others
    // walk the list's order. The team's opportunities are few: the page's rows carry their count.
    macro_rules! latest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                opportunity_columns!(),
                ", (SELECT count(*) FROM opportunities WHERE ",
                $filter,
                " AND ",
                opportunity_filters!(),
                ") AS total FROM opportunities WHERE ",
                $filter,
                " AND ",
                opportunity_filters!(),
                " AND ",
                crate::keyset!(desc "updated_at", "id")
            )
        };
    }
    let sql = match account {
        Some(_) => latest_first!("account_id = :account"),
        None => latest_first!(":account IS NULL"),
    };
    let filters =
        libsql::named_params! {":statuses": statuses, ":contact": contact, ":account": account, ":owner": owner};
    let conn = ctx.conn().await?;
    http::ok(&page.load_counted(&conn, sql, filters, decode, |o| (o.updated_at.clone(), o.id.clone())).await?)
}
