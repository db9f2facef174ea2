//! Moving one contact's stage: by the stage table, or overridden with a reason.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use crate::access::{Action, Principal};
use crate::audit;
use crate::contacts::repo::{self, Contact, ENTITY, contact_columns, decode};
use crate::contacts::scoring::sql::stage_set_sql;
use crate::domain::enums::{Role, Stage};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::Lifecycle;
use crate::store::Batch;

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
            ":from": Stage::sources(body.stage), ":any_owner": any_owner, ":me": principal.user_id.as_str(),
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
            return Err(current.stage.refusal(body.stage));
        }
        Err(err) => return Err(err),
    };
    http::ok(&contact)
}
