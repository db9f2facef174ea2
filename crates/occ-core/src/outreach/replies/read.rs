//! Reading replies: the list and one.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Reply, load, reply_id};
use crate::domain::enums::ReplyIntent;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::from_row;

/// Replies, newest first: a contact's, an account's people's (`account_id`, each with the
/// person's name), or those waiting for a person (`unhandled=true`).
#[utoipa::path(get, path = "/api/v1/replies", tag = "replies",
    params(("contact_id" = Option<String>, Query), ("account_id" = Option<String>, Query),
        ("intent" = Option<crate::domain::enums::ReplyIntent>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Reply>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let account = q.id("account_id")?;
    let intent = q.closed::<ReplyIntent>("intent")?;
    let page = Keyset::last_of(q)?;
    if let Some(account) = account {
        if contact.is_some() {
            return Err(AppError::invalid("account_id", "with", "give contact_id or account_id, not both"));
        }
        return by_account(ctx, &account, intent, &page).await;
    }
    // One statement per way in, each walking its own index from the cursor.
    macro_rules! newest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                reply_columns!(),
                " FROM replies WHERE ",
                $filter,
                " AND ",
                crate::keyset!(desc "replied_at", "id")
            )
        };
    }
    let sql = match (&contact, intent) {
        (Some(_), _) => newest_first!("contact_id = :contact AND (:intent IS NULL OR intent = :intent)"),
        (None, Some(_)) => newest_first!("intent = :intent AND :contact IS NULL"),
        (None, None) => newest_first!(":contact IS NULL AND :intent IS NULL"),
    };
    let filters = libsql::named_params! {":contact": contact, ":intent": intent.map(ReplyIntent::as_str)};
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, from_row::<Reply>, |r| (r.replied_at.clone(), r.id.clone())).await?)
}

/// The replies of an account's people, newest first, each with the person's name: its people
/// from `idx_contacts_account`, their replies from `idx_replies_contact`, sorted (they are few).
async fn by_account(
    ctx: &Ctx,
    account: &str,
    intent: Option<ReplyIntent>,
    page: &Keyset<(String, String)>,
) -> AppResult<Response<Bytes>> {
    let sql = concat!(
        "SELECT ",
        reply_columns!(),
        ", (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = replies.contact_id) \
         AS contact_name FROM replies WHERE contact_id IN (SELECT p.id FROM contacts p WHERE p.account_id = :account) \
         AND (:intent IS NULL OR intent = :intent) AND ",
        crate::keyset!(desc "replied_at", "id")
    );
    let filters = libsql::named_params! {":account": account, ":intent": intent.map(ReplyIntent::as_str)};
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, from_row::<Reply>, |r| (r.replied_at.clone(), r.id.clone())).await?)
}

/// One reply.
#[utoipa::path(get, path = "/api/v1/replies/{id}", tag = "replies", params(("id" = String, Path)),
    responses((status = 200, body = Reply), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &reply_id(&req)?).await?)
}
