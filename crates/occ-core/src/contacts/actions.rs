//! Contact actions beyond editing: moving the stage (with the stage machine, or an audited
//! override) and bulk changes of stage, status and owner.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::repo::{self, Contact, ENTITY, contact_columns, decode};
use super::stage::{allowed_next, may_move};
use crate::access::{Action, Principal};
use crate::audit::{self, Actor};
use crate::contacts::scoring::sql::stage_set_sql;
use crate::domain::enums::{ContactStatus, Role, Stage};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse, FieldError};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::store::{Batch, Conn, Step, from_row, single};

/// `POST /api/v1/contacts/{id}/stage`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveStage {
    /// The new stage.
    pub stage: Stage,
    /// Why (required for an override).
    #[serde(default)]
    pub reason: Option<String>,
    /// Move outside the stage table (managers and admins).
    #[serde(default)]
    pub r#override: bool,
}

fn list(stages: &[Stage]) -> String {
    if stages.is_empty() { "none".to_owned() } else { stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") }
}

/// The stages from which `to` may be reached, as JSON for `json_each`.
fn reachable_from(to: Stage) -> String {
    let from: Vec<&str> = Stage::ALL.iter().filter(|s| may_move(**s, to)).map(|s| s.as_str()).collect();
    serde_json::to_string(&from).unwrap_or_else(|_| "[]".to_owned())
}

fn refused_move(from: Stage, to: Stage) -> AppError {
    let message = format!("a contact in {from} cannot move to {to}; allowed: {}", list(allowed_next(from)));
    AppError::Conflict {
        fields: vec![FieldError::new("stage", "transition", message.clone())],
        message,
        conflicts_with: None,
    }
}

/// Move a contact's stage. A move outside the stage table is refused (409, naming the allowed
/// ones) unless a manager or admin overrides it with a reason, which the audit log keeps.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/stage", tag = "contacts", request_body = MoveStage, params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "Not allowed from the current stage", body = ErrorResponse)))]
pub(crate) async fn move_stage(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let body: MoveStage = http::body_json(&req)?;
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid("reason", "max_length", "must be at most 2000 characters"));
    }
    if body.r#override {
        principal.require(Action::Override)?;
        if reason.is_none() {
            return Err(AppError::invalid("reason", "required", "an override needs a reason"));
        }
    }
    let any_owner = principal.role != Role::Bdr;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let action = if body.r#override { "contact.stage_override" } else { "contact.stage" };
    let (at, id) = (now(), id.as_str());
    let at = at.as_str();
    let conn = ctx.conn().await?;
    let mut batch = Batch::new();
    audit::record_in(&mut batch, &actor, action, ENTITY, id, reason)?;
    let moved = batch.push(
        concat!(
            "UPDATE contacts SET ",
            stage_set_sql!(":to"),
            ", updated_at = :now WHERE id = :id \
             AND (:override OR stage IN (SELECT value FROM json_each(:from))) \
             AND (:any_owner OR owner_id IS NULL OR owner_id = :me) RETURNING ",
            contact_columns!()
        ),
        libsql::named_params! {
            ":to": body.stage.as_str(), ":now": at, ":id": id, ":override": body.r#override,
            ":from": reachable_from(body.stage), ":any_owner": any_owner, ":me": principal.user_id.as_str(),
        },
    )?;
    // Not moved: missing, another user's, or not allowed from its stage; which one is found out
    // after the rollback.
    batch.require("changes() = 1", (), AppError::NotFound(ENTITY))?;
    let written = conn.batch(batch).await.map(|outcome| (outcome, moved));
    let conn = &conn;
    let contact = match written {
        Ok((outcome, moved)) => outcome.one(ENTITY, moved, decode)?,
        Err(AppError::NotFound(_)) => {
            let current = repo::get(conn, id).await?;
            if !any_owner && current.owner_id.as_deref().is_some_and(|o| o != principal.user_id) {
                return Err(AppError::Forbidden("this contact belongs to another user".to_owned()));
            }
            return Err(refused_move(current.stage, body.stage));
        }
        Err(err) => return Err(err),
    };
    http::ok(&contact)
}

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

/// Moves each of `ids` to `to` where the stage machine allows it from its current stage (an
/// event moving contacts on: enrolled, first touch, break-up), rescored, each with an audit
/// entry; the others stay as they are. Three calls; run it inside the caller's transaction.
/// Answers the contacts moved.
pub(crate) async fn advance(
    conn: &crate::store::Conn,
    actor: &crate::audit::Actor,
    ids: &[String],
    to: Stage,
    action: &str,
) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let audit_ids: Vec<(String, &String)> = ids.iter().map(|id| (new_id(), id)).collect();
    let audit_json = serde_json::to_string(&audit_ids).map_err(|e| AppError::Internal(e.into()))?;
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    conn.write(
        "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
         SELECT value ->> 0, :now, :actor, :user_id, :action, 'contact', value ->> 1, :request_id \
         FROM json_each(:audit)",
        libsql::named_params! {
            ":audit": audit_json.as_str(), ":now": at.as_str(), ":actor": actor.name.as_str(),
            ":user_id": actor.user_id.as_deref(), ":request_id": actor.request_id.as_deref(), ":action": action,
        },
    )
    .await?;
    let moved: Vec<String> = conn
        .query_all(
            concat!(
                "UPDATE contacts SET ",
                stage_set_sql!(":stage"),
                ", updated_at = :now \
                 WHERE id IN (SELECT value FROM json_each(:ids)) AND stage IN (SELECT value FROM json_each(:from)) \
                 RETURNING id"
            ),
            libsql::named_params! {
                ":stage": to.as_str(), ":now": at.as_str(), ":ids": ids_json.as_str(), ":from": reachable_from(to),
            },
            single::<String>,
        )
        .await?;
    // Entries opened for contacts that did not move are removed, never left pending.
    conn.write(
        "DELETE FROM audit_log WHERE id IN (SELECT value ->> 0 FROM json_each(?1)) AND before IS NULL AND after IS NULL",
        [audit_json.as_str()],
    )
    .await?;
    Ok(moved)
}

/// What a [`Mover`] reads about the contacts row `c`: its stage, as one column.
macro_rules! mover_sql {
    () => {
        "c.stage"
    };
}
pub(crate) use mover_sql;

/// A contact's owner and stage, as [`Mover::read_for`] reads them.
#[derive(Deserialize)]
struct OwnerAndStage {
    owner_id: Option<String>,
    stage: String,
}

/// A contact whose stage moves inside a batch, read ([`mover_sql!`]) in the transaction that
/// makes the moves, or before it with [`Mover::read_for`], whose batch confirms what was read:
/// the stage the moves start from is the one read, and each move is audited and stores the
/// score at the new stage (computed by the statement that moves it), as [`advance`] does,
/// without a call of its own.
///
/// A contact not read ([`Mover::unread`]) moves by the database's stage table instead: each
/// move is a statement that moves it only from a stage the table allows, and the batch's
/// outcome says whether it did ([`Moved::IfRows`]).
#[derive(Debug)]
pub(crate) struct Mover {
    id: String,
    /// Where it stands (None: it does not exist); `None` of the outer option: not read.
    stage: Option<Option<Stage>>,
    at: String,
}

/// Whether a planned move moves the contact.
#[derive(Debug)]
pub(crate) enum Moved {
    /// It does.
    Yes,
    /// It does not (not allowed from where it stands, or no such contact).
    No,
    /// The database decides: it moved if the step returned a row.
    IfRows(Step),
}

impl Mover {
    /// The contact `id` from [`mover_sql!`]'s column (None: it does not exist), moved at `at`.
    pub(crate) fn new(id: &str, stage: Option<&str>, at: &str) -> AppResult<Self> {
        let stage = stage.map(str::parse).transpose().map_err(|e| AppError::Internal(anyhow::anyhow!("stage: {e}")))?;
        Ok(Self { id: id.to_owned(), stage: Some(stage), at: at.to_owned() })
    }

    /// The contact `id`, not read: its moves are decided by the database as the batch runs.
    pub(crate) fn unread(id: &str, at: &str) -> Self {
        Self { id: id.to_owned(), stage: None, at: at.to_owned() }
    }

    /// Reads the contact `id` outside any transaction, to move it in `batch`: its owner and its
    /// [`Mover`] at `at`; `batch` gets the check that the owner and the stage are unchanged when
    /// it runs. `None` when there is no such contact.
    pub(crate) async fn read_for(
        conn: &Conn,
        batch: &mut Batch,
        id: &str,
        at: &str,
    ) -> AppResult<Option<(Option<String>, Self)>> {
        let Some(OwnerAndStage { owner_id: owner, stage }) = conn
            .query_opt(
                concat!("SELECT c.owner_id, ", mover_sql!(), " FROM contacts c WHERE c.id = :id"),
                libsql::named_params! {":id": id},
                from_row,
            )
            .await?
        else {
            return Ok(None);
        };
        batch.require_unchanged(
            concat!("(SELECT json_array(c.owner_id, ", mover_sql!(), ") FROM contacts c WHERE c.id = :id) IS :seen"),
            libsql::named_params! {":id": id, ":seen": serde_json::json!([owner, stage]).to_string()},
        )?;
        Ok(Some((owner, Self::new(id, Some(&stage), at)?)))
    }

    /// The contact's id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Where the contact stands after the moves planned so far (None: it does not exist, or
    /// it was not read).
    pub(crate) fn stage(&self) -> Option<Stage> {
        self.stage.flatten()
    }

    /// Plans the move to `to` when the stage machine allows it from where the contact stands
    /// (an event moving it on); answers whether it moves.
    pub(crate) fn advance(&mut self, batch: &mut Batch, actor: &Actor, to: Stage, action: &str) -> AppResult<Moved> {
        let Some(stage) = self.stage else {
            let ids = [self.id.clone()];
            return crate::outreach::enrollments::advance::advance_in(batch, actor, to, action, &ids, &self.at)
                .map(Moved::IfRows);
        };
        if !stage.is_some_and(|from| may_move(from, to)) {
            return Ok(Moved::No);
        }
        self.push(batch, actor, to, action, None)?;
        Ok(Moved::Yes)
    }

    /// Plans setting the stage to `to` whatever the stage machine says (a person corrected
    /// what moved it), with the reason; answers whether it moves (never for a contact not
    /// read).
    pub(crate) fn set(
        &mut self,
        batch: &mut Batch,
        actor: &Actor,
        to: Stage,
        action: &str,
        reason: &str,
    ) -> AppResult<Moved> {
        if self.stage().is_none_or(|from| from == to) {
            return Ok(Moved::No);
        }
        self.push(batch, actor, to, action, Some(reason))?;
        Ok(Moved::Yes)
    }

    fn push(
        &mut self,
        batch: &mut Batch,
        actor: &Actor,
        to: Stage,
        action: &str,
        reason: Option<&str>,
    ) -> AppResult<()> {
        audit::record_in(batch, actor, action, ENTITY, &self.id, reason)?;
        batch.push(
            concat!("UPDATE contacts SET ", stage_set_sql!(":to"), ", updated_at = :now WHERE id = :id"),
            libsql::named_params! {":id": self.id.as_str(), ":to": to.as_str(), ":now": self.at.as_str()},
        )?;
        self.stage = Some(Some(to));
        Ok(())
    }
}

/// The two writes of [`stop_outreach_in`], for the contacts of the JSON array `?1`.
const STOP_ENROLLMENTS: &str = "UPDATE enrollments SET status = 'exited', exit_reason = ?2, paused_until = NULL, \
     next_due_at = NULL, ended_at = ?3, updated_at = ?3 WHERE contact_id IN (SELECT value FROM json_each(?1)) \
     AND status IN ('active', 'paused')";
const STOP_DRAFTS: &str = "UPDATE message_drafts SET approval_status = 'archived', updated_at = ?3, \
     notes = coalesce(notes, 'archived: the contact is ' || ?2) \
     WHERE contact_id IN (SELECT value FROM json_each(?1)) AND approval_status IN ('draft', 'pending', 'approved')";

/// People who bounced or asked not to be contacted leave every sequence at once, and nothing
/// written for them is sent: two statements of a batch.
pub(crate) fn stop_outreach_in(batch: &mut Batch, ids: &[String], status: ContactStatus, at: &str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    batch.push(STOP_ENROLLMENTS, libsql::params![ids_json.as_str(), status.as_str(), at])?;
    batch.push(STOP_DRAFTS, libsql::params![ids_json.as_str(), status.as_str(), at])?;
    Ok(())
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
                    } else if let Some(to) = body.stage.filter(|to| !may_move(c.stage, *to)) {
                        let from = c.stage;
                        failure(
                            "conflict",
                            format!("a contact in {from} cannot move to {to}; allowed: {}", list(allowed_next(from))),
                        )
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
