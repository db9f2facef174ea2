//! `GET /api/v1/audit`: the audit log, newest first, by entity, user and time.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::{Row, from_row};

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

/// An audit row as stored: the record before and after are JSON text.
#[derive(Deserialize)]
struct AuditRow {
    id: String,
    at: String,
    actor: String,
    actor_name: Option<String>,
    user_id: Option<String>,
    action: String,
    entity: String,
    entity_id: String,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    before: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    after: Option<serde_json::Value>,
    request_id: Option<String>,
    reason: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            actor: row.actor,
            actor_name: row.actor_name,
            user_id: row.user_id,
            action: row.action,
            entity: row.entity,
            entity_id: row.entity_id,
            before: row.before,
            after: row.after,
            request_id: row.request_id,
            reason: row.reason,
        }
    }
}

fn decode(row: &Row) -> AppResult<AuditEntry> {
    from_row::<AuditRow>(row).map(AuditEntry::from)
}

/// One statement per index the filters can use; every filter applies in each.
macro_rules! audit_sql {
    ($index:literal) => {
        concat!(
            "SELECT a.id, a.at, a.actor, u.name AS actor_name, a.user_id, a.action, a.entity, a.entity_id, a.before, a.after, \
             a.request_id, a.reason \
             FROM audit_log a INDEXED BY ", $index, " LEFT JOIN users u ON u.id = a.user_id \
             WHERE (:entity IS NULL OR a.entity = :entity) AND (:entity_id IS NULL OR a.entity_id = :entity_id) \
             AND (:user_id IS NULL OR a.user_id = :user_id) \
             AND (:since IS NULL OR a.at >= :since) AND (:until IS NULL OR a.at < :until) \
             AND ",
            $crate::keyset!(desc "a.at", "a.id")
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
    // The keyset position: the last entry's time and id.
    let page = Keyset::last_of(q)?;
    let sql = if user_id.is_some() {
        audit_sql!("audit_log_user_at")
    } else if entity.is_some() {
        audit_sql!("audit_log_entity")
    } else {
        audit_sql!("audit_log_at")
    };
    let filters = libsql::named_params! {
        ":entity": entity, ":entity_id": entity_id, ":user_id": user_id, ":since": since, ":until": until,
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |e| (e.at.clone(), e.id.clone())).await?)
}
