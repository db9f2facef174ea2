//! A batch's members, in order, one page at a time.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{ENTITY, batch_id};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::{Row, from_row};

/// A member of a batch.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Member {
    pub contact_id: String,
    /// Its place in the batch (the filter's order when it was built).
    pub position: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub account_name: Option<String>,
    pub stage: String,
    pub status: String,
    pub priority_score: i64,
}

/// What a row of the members statement says besides its member: whether the batch exists, and
/// whether the row has a member at all (none when the batch has none past the cursor).
#[derive(Deserialize)]
struct MembersRow {
    batch_exists: Option<i64>,
    contact_id: Option<String>,
}

/// A batch's members in order.
#[utoipa::path(get, path = "/api/v1/batches/{id}/members", tag = "batches",
    params(("id" = String, Path), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Member>), (status = 404, body = ErrorResponse)))]
pub(crate) async fn members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = batch_id(&req)?;
    let page = Keyset::<i64>::last_of(Query::of(&req))?;
    // One row when the batch has no member past the cursor: whether the batch exists.
    let sql = "SELECT c.id AS contact_id, p.position, c.first_name, c.last_name, c.title, a.name AS account_name, \
                 c.stage, c.status, c.priority_score, (SELECT 1 FROM batches WHERE id = :id) AS batch_exists \
               FROM (SELECT 1) LEFT JOIN batch_prospects p ON p.batch_id = :id AND p.position > coalesce(:after, -1) \
               LEFT JOIN contacts c ON c.id = p.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
               ORDER BY p.position LIMIT :fetch";
    let decode = |row: &Row| {
        let head: MembersRow = from_row(row)?;
        let member = head.contact_id.map(|_| from_row::<Member>(row)).transpose()?;
        Ok((head.batch_exists.is_some(), member))
    };
    let conn = ctx.conn().await?;
    let rows = page.load(&conn, sql, libsql::named_params! {":id": id.as_str()}, decode, |(_, m)| {
        m.as_ref().map_or(-1, |m| m.position)
    });
    let rows = rows.await?;
    if !rows.items.first().is_some_and(|(exists, _)| *exists) {
        return Err(AppError::NotFound(ENTITY));
    }
    let items = rows.items.into_iter().filter_map(|(_, m)| m).collect();
    http::ok(&Page { items, next_cursor: rows.next_cursor, total: rows.total, capped_at: None, stopped_after: None })
}
