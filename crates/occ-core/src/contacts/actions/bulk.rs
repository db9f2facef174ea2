//! Bulk changes of stage, status and owner: each contact succeeds or fails on its own.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::stop::stop_outreach_in;
use crate::access::{Action, Principal};
use crate::audit;
use crate::contacts::repo::ENTITY;
use crate::contacts::scoring::sql::stage_set_sql;
use crate::domain::enums::{ContactStatus, Role, Stage};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, from_row};

/// `POST /api/v1/contacts/bulk`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkUpdate {
    /// The contacts (1-500).
    pub ids: Vec<String>,
    /// A new stage (each contact must be allowed to reach it).
    #[serde(default)]
    pub stage: Option<Stage>,
    /// A new status (lifting bounced or do_not_contact needs a manager or admin).
    #[serde(default)]
    pub status: Option<ContactStatus>,
    /// A new owner (a user id), or `null` for nobody.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner_id: Patch<String>,
}

/// One contact's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResult {
    /// The contact.
    pub id: String,
    /// Whether it changed.
    pub ok: bool,
    /// Why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
}

/// Every contact's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BulkResults {
    /// One per id, in the order given.
    pub results: Vec<BulkResult>,
}

/// A contact as a bulk change finds it.
#[derive(Deserialize)]
struct Standing {
    id: String,
    stage: Stage,
    status: String,
    owner_id: Option<String>,
}

/// A bulk change of status and owner; `$stage` is empty, or sets the stage and the score at it.
macro_rules! bulk_update_sql {
    ($stage:expr) => {
        concat!(
            "UPDATE contacts SET ",
            $stage,
            "status = coalesce(:status, status), owner_id = CASE WHEN :set_owner THEN :owner ELSE owner_id END, \
             updated_at = :now WHERE id IN (SELECT value FROM json_each(:ids))"
        )
    };
}

/// [`bulk_update_sql!`] without a stage.
const BULK_UPDATE: &str = bulk_update_sql!("");

/// [`bulk_update_sql!`] with a stage, rescoring each contact at it.
const BULK_UPDATE_STAGE: &str = bulk_update_sql!(concat!(stage_set_sql!(":stage"), ", "));

/// The most contacts one bulk request may change.
pub const MAX_BULK: usize = 500;

fn failure(code: &str, message: String) -> Option<serde_json::Value> {
    Some(serde_json::json!({"code": code, "message": message}))
}

/// Change the stage, status or owner of many contacts at once; each contact succeeds or fails
/// on its own, under the same rules as one at a time: one read of every contact, then the
/// changes in one batch with the commit.
#[utoipa::path(post, path = "/api/v1/contacts/bulk", tag = "contacts", request_body = BulkUpdate,
    responses((status = 200, body = BulkResults), (status = 422, body = ErrorResponse)))]
pub(crate) async fn bulk_update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: BulkUpdate = http::body_json(&req)?;
    if body.ids.is_empty() || body.ids.len() > MAX_BULK {
        return Err(AppError::invalid("ids", "range", format!("must list 1 to {MAX_BULK} contacts")));
    }
    let mut ids: Vec<String> = Vec::with_capacity(body.ids.len());
    for text in &body.ids {
        let id = uuid::Uuid::try_parse(text.trim())
            .map_err(|_| AppError::invalid("ids", "format", format!("{text:?} is not an id")))?;
        let id = id.to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if body.stage.is_none() && body.status.is_none() && !body.owner_id.is_present() {
        return Err(AppError::invalid("body", "required", "set at least one of stage, status, owner_id"));
    }
    let owner = match &body.owner_id {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(id) => Some(Some(
            uuid::Uuid::try_parse(id)
                .map_err(|_| AppError::invalid("owner_id", "format", "must be a user id"))?
                .to_string(),
        )),
    };
    let is_bdr = principal.role == Role::Bdr;
    if is_bdr && matches!(&owner, Some(Some(id)) if *id != principal.user_id) {
        return Err(AppError::Forbidden(
            "a bdr may own a contact or leave it unowned, not give it to someone else".to_owned(),
        ));
    }
    let may_lift = principal.may(Action::Override);
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let ids_json = serde_json::to_string(&ids).map_err(|e| AppError::Internal(e.into()))?;
    let at = now();
    let conn = ctx.conn().await?;
    let (_, results) = conn
        .read_then_write(async |conn| {
            // Each contact as it stands.
            let found: Vec<Standing> = conn
                .query_all(
                    "SELECT c.id, c.stage, c.status, c.owner_id FROM contacts c \
                     WHERE c.id IN (SELECT value FROM json_each(:ids))",
                    libsql::named_params! { ":ids": ids_json.as_str() },
                    from_row,
                )
                .await?;
            let mut changed: Vec<String> = Vec::new();
            let results: Vec<BulkResult> = ids
                .iter()
                .map(|id| {
                    let Some(c) = found.iter().find(|c| c.id == *id) else {
                        return BulkResult {
                            id: id.clone(),
                            ok: false,
                            error: failure("not_found", "contact not found".to_owned()),
                        };
                    };
                    let error = if is_bdr && c.owner_id.as_ref().is_some_and(|owner| *owner != principal.user_id) {
                        failure("forbidden", "this contact belongs to another user".to_owned())
                    } else if let Some(to) = body.stage.filter(|to| !c.stage.may_move(*to)) {
                        failure("conflict", c.stage.refusal_message(to))
                    } else if !may_lift
                        && body.status.is_some_and(|to| {
                            c.status != to.as_str()
                                && [ContactStatus::Bounced.as_str(), ContactStatus::DoNotContact.as_str()]
                                    .contains(&c.status.as_str())
                        })
                    {
                        failure("forbidden", format!("lifting {} needs a manager or admin", c.status))
                    } else {
                        changed.push(id.clone());
                        None
                    };
                    BulkResult { id: id.clone(), ok: error.is_none(), error }
                })
                .collect();
            let mut batch = Batch::new();
            if changed.is_empty() {
                return Ok((batch, results));
            }
            let changed_json = serde_json::to_string(&changed).map_err(|e| AppError::Internal(e.into()))?;
            audit::record_many_in(&mut batch, &actor, "contact.bulk_update", ENTITY, &changed)?;
            let mut params = vec![
                (":status".to_owned(), libsql::Value::from(body.status.map(|s| s.as_str().to_owned()))),
                (":set_owner".to_owned(), libsql::Value::from(owner.is_some())),
                (":owner".to_owned(), libsql::Value::from(owner.clone().flatten())),
                (":now".to_owned(), libsql::Value::from(at.clone())),
                (":ids".to_owned(), libsql::Value::from(changed_json)),
            ];
            let sql = match body.stage {
                Some(stage) => {
                    params.push((":stage".to_owned(), libsql::Value::from(stage.as_str().to_owned())));
                    BULK_UPDATE_STAGE
                }
                None => BULK_UPDATE,
            };
            batch.push(sql, libsql::params::Params::Named(params))?;
            if let Some(status @ (ContactStatus::Bounced | ContactStatus::DoNotContact)) = body.status {
                stop_outreach_in(&mut batch, &changed, status, &at)?;
            }
            Ok((batch, results))
        })
        .await?;
    http::ok(&BulkResults { results })
}
