//! `GET /api/v1/audit`: the audit log, newest first, by entity, user and time.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::http::{self, Ctx, Page, Query};
use crate::store::{Row, col};

/// One audited change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// The entry's id.
    pub id: String,
    /// When the change happened.
    pub at: String,
    /// `user:<id>`, `token:<id>`, `system` or `seed`.
    pub actor: String,
    /// The name of the user behind the actor.
    pub actor_name: Option<String>,
    /// The user behind the actor.
    pub user_id: Option<String>,
    /// What was done (`account.update`).
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's id.
    pub entity_id: String,
    /// The record before the change.
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The record after the change.
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The request that made it.
    pub request_id: Option<String>,
    /// Why, when the actor said.
    pub reason: Option<String>,
}

fn json(text: Option<String>) -> AppResult<Option<serde_json::Value>> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| AppError::Internal(e.into()))).transpose()
}

fn decode(row: &Row) -> AppResult<AuditEntry> {
    Ok(AuditEntry {
        id: col(row, 0)?,
        at: col(row, 1)?,
        actor: col(row, 2)?,
        actor_name: col(row, 3)?,
        user_id: col(row, 4)?,
        action: col(row, 5)?,
        entity: col(row, 6)?,
        entity_id: col(row, 7)?,
        before: json(col(row, 8)?)?,
        after: json(col(row, 9)?)?,
        request_id: col(row, 10)?,
        reason: col(row, 11)?,
    })
}

/// The keyset position: the last entry's time and id.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor(String, String);

/// One statement per index the filters can use; every filter applies in each.
macro_rules! audit_sql {
    ($index:literal) => {
        concat!(
            "SELECT a.id, a.at, a.actor, u.name, a.user_id, a.action, a.entity, a.entity_id, a.before, a.after, a.request_id, a.reason \
             FROM audit_log a INDEXED BY ", $index, " LEFT JOIN users u ON u.id = a.user_id \
             WHERE (:entity IS NULL OR a.entity = :entity) AND (:entity_id IS NULL OR a.entity_id = :entity_id) \
             AND (:user_id IS NULL OR a.user_id = :user_id) \
             AND (:since IS NULL OR a.at >= :since) AND (:until IS NULL OR a.at < :until) \
             AND (:after_at IS NULL OR (a.at, a.id) < (:after_at, :after_id)) \
             ORDER BY a.at DESC, a.id DESC LIMIT :limit"
        )
    };
}

/// The audit log (managers and admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(
        ("entity" = Option<String>, Query, description = "account, user, api_token, ..."),
        ("entity_id" = Option<String>, Query),
        ("actor" = Option<String>, Query, description = "A user's id: their changes, directly or through their tokens"),
        ("since" = Option<String>, Query, description = "RFC 3339, inclusive"),
        ("until" = Option<String>, Query, description = "RFC 3339, exclusive"),
        crate::http::PageLimit, crate::http::PageCursor,
    ),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = crate::error::ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let entity = q.one("entity");
    let entity_id = q.one("entity_id");
    let user_id = q.one("actor");
    let since = q.time("since")?;
    let until = q.time("until")?;
    let limit = http::limit(&mut q)?;
    let after: Option<Cursor> = http::cursor(&mut q)?;
    q.finish()?;
    let sql = if user_id.is_some() {
        audit_sql!("audit_log_user_at")
    } else if entity.is_some() {
        audit_sql!("audit_log_entity")
    } else {
        audit_sql!("audit_log_at")
    };
    let (after_at, after_id) = after.map_or((None, None), |Cursor(at, id)| (Some(at), Some(id)));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            sql,
            libsql::named_params! {
                ":entity": entity, ":entity_id": entity_id, ":user_id": user_id, ":since": since, ":until": until,
                ":after_at": after_at, ":after_id": after_id, ":limit": i64::from(limit) + 1,
            },
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |e| Cursor(e.at.clone(), e.id.clone()))?)
}
