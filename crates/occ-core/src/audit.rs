//! The audit log's write side. The application records who did what (this module); the
//! audited tables' triggers record the row before and after (migrations/0001_init.up.sql).

use crate::error::AppResult;
use crate::store::Conn;

/// Who is acting, and in which request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `system`, `seed`, or later `user:<id>` / `token:<id>`.
    pub name: String,
    /// The request id, when the change comes from a request.
    pub request_id: Option<String>,
}

impl Actor {
    /// The actor for changes made without a signed-in user.
    pub fn system(request_id: Option<String>) -> Self {
        Self { name: "system".to_owned(), request_id }
    }
}

/// Opens the audit entry of one change to one row; the change must follow in the same
/// transaction (the table's guard trigger refuses a change without one).
pub async fn record(conn: &Conn, actor: &Actor, action: &str, entity: &str, entity_id: &str) -> AppResult<()> {
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        libsql::params![
            crate::domain::new_id(),
            crate::domain::now(),
            actor.name.as_str(),
            action,
            entity,
            entity_id,
            actor.request_id.as_deref()
        ],
    )
    .await?;
    Ok(())
}
