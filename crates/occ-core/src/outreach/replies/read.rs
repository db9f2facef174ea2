//! Reading replies: the list and one.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Reply, load, reply_id};
use crate::domain::enums::ReplyIntent;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::from_row;

/// Replies, newest first: a contact's, or those waiting for a person (`unhandled=true`).
#[utoipa::path(get, path = "/api/v1/replies", tag = "replies",
    params(("contact_id" = Option<String>, Query), ("intent" = Option<crate::domain::enums::ReplyIntent>, Query), crate::http::PageLimit,
        crate::http::PageCursor),
    responses((status = 200, body = Page<Reply>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let intent = q.closed::<ReplyIntent>("intent")?;
    let page = Keyset::<(String, String)>::of(&mut q)?;
    q.finish()?;
    // One statement per way in, each walking its own index from the cursor (or from the top:
    // every stored time sorts before "~").
    macro_rules! newest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                reply_columns!(),
                " FROM replies WHERE ",
                $filter,
                " AND (replied_at, id) < (?3, ?4) ORDER BY replied_at DESC, id DESC LIMIT ?5"
            )
        };
    }
    let sql = match (&contact, intent) {
        (Some(_), _) => newest_first!("contact_id = ?1 AND (?2 IS NULL OR intent = ?2)"),
        (None, Some(_)) => newest_first!("intent = ?2 AND ?1 IS NULL"),
        (None, None) => newest_first!("?1 IS NULL AND ?2 IS NULL"),
    };
    let (after_at, after_id) = page.after().map_or(("~", ""), |(at, id)| (at.as_str(), id.as_str()));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            sql,
            libsql::params![contact, intent.map(ReplyIntent::as_str), after_at, after_id, page.fetch()],
            from_row::<Reply>,
        )
        .await?;
    http::ok(&page.page(rows, |r| (r.replied_at.clone(), r.id.clone()))?)
}

/// One reply.
#[utoipa::path(get, path = "/api/v1/replies/{id}", tag = "replies", params(("id" = String, Path)),
    responses((status = 200, body = Reply), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &reply_id(&req)?).await?)
}
