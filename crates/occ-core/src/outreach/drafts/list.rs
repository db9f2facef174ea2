//! The drafts list: the Review queue by default.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Draft, decode, draft_columns, internal};
use crate::domain::enums::{ApprovalStatus, Channel};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};

/// Drafts: the Review queue by default (pending, oldest first); filter by contact, status or
/// channel.
#[utoipa::path(get, path = "/api/v1/drafts", tag = "drafts",
    params(("contact_id" = Option<String>, Query), ("approval_status" = Option<Vec<crate::domain::enums::ApprovalStatus>>, Query, description = "Several: repeat or comma-separate"),
        ("channel" = Option<crate::domain::enums::Channel>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Draft>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let mut statuses = Vec::new();
    for text in q.many("approval_status") {
        statuses.push(
            text.parse::<ApprovalStatus>()
                .map_err(|e| AppError::invalid("approval_status", "one_of", e.to_string()))?,
        );
    }
    if statuses.is_empty() && contact.is_none() {
        statuses.push(ApprovalStatus::Pending);
    }
    let channel = q.closed::<Channel>("channel")?;
    let page = Keyset::last_of(q)?;
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    // A contact's drafts through its index; otherwise the statuses' (there is always one).
    macro_rules! oldest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                draft_columns!(),
                " FROM message_drafts WHERE ",
                $filter,
                " AND (:channel IS NULL OR channel = :channel) AND ",
                crate::keyset!(asc "created_at", "id")
            )
        };
    }
    let sql = if contact.is_some() {
        oldest_first!(
            "contact_id = :contact AND (:statuses = '[]' OR approval_status IN (SELECT value FROM json_each(:statuses)))"
        )
    } else {
        oldest_first!("approval_status IN (SELECT value FROM json_each(:statuses)) AND :contact IS NULL")
    };
    let filters = libsql::named_params! {
        ":contact": contact, ":statuses": serde_json::to_string(&statuses).map_err(internal)?,
        ":channel": channel.map(Channel::as_str),
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |d| (d.created_at.clone(), d.id.clone())).await?)
}
