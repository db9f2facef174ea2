//! The audit log's write side. The application records who did what (this module); the
//! audited tables' triggers record the row before and after (migrations/0001_init.up.sql).
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

use crate::error::AppResult;
use crate::store::{Batch, Conn};

/// Who is acting, and in which request.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `user:<id>`, `token:<id>`, `system` (the CLI, the worker) or `seed`.
    pub name: String,
    /// The user behind the actor, if any.
    pub user_id: Option<String>,
    /// The request id, when the change comes from a request.
    pub request_id: Option<String>,
}

impl Actor {
    /// The actor for changes made without a signed-in user (the CLI, the worker).
    pub fn system(request_id: Option<String>) -> Self {
        Self { name: "system".to_owned(), user_id: None, request_id }
    }
}

/// Opens the audit entry of one change to one row; the change must follow in the same
/// transaction (the table's guard trigger refuses a change without one).
pub async fn record(conn: &Conn, actor: &Actor, action: &str, entity: &str, entity_id: &str) -> AppResult<()> {
    insert(conn, actor, action, entity, entity_id, None, None, None).await
}

/// As [`record`], as the first statement of a batch: the change follows in the same batch.
pub fn record_in(
    batch: &mut Batch,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    batch.push(INSERT_ENTRY, entry(actor, action, entity, entity_id, None, None, reason))?;
    Ok(())
}

/// As [`record_with`], with the reason the actor gave, as a statement of a batch.
#[allow(clippy::too_many_arguments)]
pub fn record_with_in(
    batch: &mut Batch,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    reason: Option<&str>,
) -> AppResult<()> {
    batch.push(INSERT_ENTRY, entry(actor, action, entity, entity_id, before, after, reason))?;
    Ok(())
}

/// As [`record_with_in`] with no before, the entry's `after` being the value of the SQL
/// expression `after` when the batch gets there, so it may count what the batch wrote before it.
/// The expression may use the entry's `:entity_id` and the named parameters of `extra`.
pub fn record_after_in(
    batch: &mut Batch,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    after: &'static str,
    extra: Vec<(String, libsql::Value)>,
) -> AppResult<()> {
    let mut params = named_entry(actor, action, entity, entity_id);
    params.extend(extra);
    let sql = format!(
        "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id, after) \
         VALUES (:id, :now, :actor, :user_id, :action, :entity, :entity_id, :request_id, ({after}))"
    );
    batch.push(sql, libsql::params::Params::Named(params))?;
    Ok(())
}

/// As [`record`], with the reason the actor gave.
pub async fn record_because(
    conn: &Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    insert(conn, actor, action, entity, entity_id, None, None, reason).await
}

/// Records a change to a table without audit triggers, with the before and after given.
pub async fn record_with(
    conn: &Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> AppResult<()> {
    insert(conn, actor, action, entity, entity_id, before, after, None).await
}

/// Opens the audit entries of one action on many rows (one call); the changes must follow in
/// the same transaction.
pub async fn record_many(conn: &Conn, actor: &Actor, action: &str, entity: &str, ids: &[String]) -> AppResult<()> {
    conn.write(RECORD_MANY, many(actor, action, entity, ids)?).await?;
    Ok(())
}

/// As [`record_many`], as a statement of a batch.
pub fn record_many_in(batch: &mut Batch, actor: &Actor, action: &str, entity: &str, ids: &[String]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    batch.push(RECORD_MANY, many(actor, action, entity, ids)?)?;
    Ok(())
}

/// The entries of [`record_many`]: `?1` is a JSON array of `[entry id, entity id]`.
const RECORD_MANY: &str = "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
     SELECT value ->> 0, ?2, ?3, ?4, ?5, ?6, value ->> 1, ?7 FROM json_each(?1)";

/// The parameters of [`RECORD_MANY`].
fn many(actor: &Actor, action: &str, entity: &str, ids: &[String]) -> AppResult<libsql::params::Params> {
    let pairs: Vec<(String, &String)> = ids.iter().map(|id| (crate::domain::new_id(), id)).collect();
    let json = serde_json::to_string(&pairs).map_err(|e| crate::error::AppError::Internal(e.into()))?;
    Ok(libsql::params::Params::Positional(vec![
        json.into(),
        crate::domain::now().into(),
        actor.name.clone().into(),
        actor.user_id.clone().into(),
        action.into(),
        entity.into(),
        actor.request_id.clone().into(),
    ]))
}

/// The named parameters of one entry: `:id`, `:now`, `:actor`, `:user_id`, `:action`,
/// `:entity`, `:entity_id`, `:request_id`.
fn named_entry(actor: &Actor, action: &str, entity: &str, entity_id: &str) -> Vec<(String, libsql::Value)> {
    vec![
        (":id".into(), crate::domain::new_id().into()),
        (":now".into(), crate::domain::now().into()),
        (":actor".into(), actor.name.clone().into()),
        (":user_id".into(), actor.user_id.clone().into()),
        (":action".into(), action.into()),
        (":entity".into(), entity.into()),
        (":entity_id".into(), entity_id.into()),
        (":request_id".into(), actor.request_id.clone().into()),
    ]
}

/// An audit entry, as [`insert`] and [`record_in`] write it.
const INSERT_ENTRY: &str = "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id, \
     before, after, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// The parameters of [`INSERT_ENTRY`].
fn entry(
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    reason: Option<&str>,
) -> libsql::params::Params {
    libsql::params::Params::Positional(vec![
        crate::domain::new_id().into(),
        crate::domain::now().into(),
        actor.name.clone().into(),
        actor.user_id.clone().into(),
        action.into(),
        entity.into(),
        entity_id.into(),
        actor.request_id.clone().into(),
        before.map(serde_json::Value::to_string).into(),
        after.map(serde_json::Value::to_string).into(),
        reason.map(str::to_owned).into(),
    ])
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
    reason: Option<&str>,
) -> AppResult<()> {
    conn.write(INSERT_ENTRY, entry(actor, action, entity, entity_id, before, after, reason)).await?;
    Ok(())
}
