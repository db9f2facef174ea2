//! Changing a sequence: its fields, its status, autopilot and its steps.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::steps::{StepInput, check_live_edit, planned, write_steps};
use super::{SELECT_ONE, Sequence, audit_view, decode, load, name_taken, sequence_id};
use crate::access::Principal;
use crate::domain::enums::SequenceStatus;
use crate::domain::now;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::lifecycle::{Change, Move, Written};
use crate::store::Batch;
use crate::validate::Check;

/// `PATCH /api/v1/sequences/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSequence {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    #[allow(missing_docs)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    #[allow(missing_docs)]
    pub description: Patch<String>,
    /// active, paused or archived.
    #[serde(default)]
    pub status: Option<SequenceStatus>,
    /// Drafts that pass the reviewer are approved without a person; audited.
    #[serde(default)]
    pub autopilot: Option<bool>,
    /// The whole list of steps: keep an existing step's `id` to edit it in place.
    #[serde(default)]
    pub steps: Option<Vec<StepInput>>,
}

/// Change a sequence (managers and admins, like every change to sequences). `steps` replaces
/// the list (keep a step's `id` to edit it in place); while contacts are in the sequence, steps
/// can be edited and added at the end only. Switching autopilot is audited as such.
#[utoipa::path(patch, path = "/api/v1/sequences/{id}", tag = "sequences", request_body = PatchSequence, params(("id" = String, Path)),
    responses((status = 200, body = Sequence), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = sequence_id(&req)?;
    let body: PatchSequence = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let mut name_sent = None;
    let write = |before: &Sequence, moved: Option<SequenceStatus>, batch: &mut Batch| {
        let mut c = Check::default();
        let name = match body.name {
            Patch::Absent => None,
            Patch::Null => {
                c.fail("name", "required", "a sequence needs a name");
                None
            }
            Patch::Value(name) => Some(c.required("name", name, 200)),
        };
        name_sent.clone_from(&name);
        let description = crate::validate::patched(body.description, |d| c.prose("description", d, 5000));
        let steps = body.steps.map(|steps| c.steps(steps, &before.steps));
        c.finish(())?;
        if let Some(steps) = &steps {
            let live = before.enrolled.active + before.enrolled.paused;
            check_live_edit(live, &before.steps, steps)?;
            write_steps(batch, &id, steps, &at)?;
        }
        batch.push(
            "UPDATE sequences SET name = coalesce(?2, name), \
             description = CASE WHEN ?3 THEN ?4 ELSE description END, status = coalesce(?5, status), \
             autopilot = coalesce(?6, autopilot), updated_at = ?7 WHERE id = ?1",
            libsql::params![
                id.as_str(),
                name.as_deref(),
                description.is_some(),
                description.clone().flatten(),
                moved.map(SequenceStatus::as_str),
                body.autopilot,
                at.as_str()
            ],
        )?;
        let returns = batch.push(SELECT_ONE, [id.as_str()])?;
        let action = match body.autopilot {
            Some(true) if !before.autopilot => "sequence.autopilot_on",
            Some(false) if before.autopilot => "sequence.autopilot_off",
            _ => "sequence.update",
        };
        let audit_after = audit_view(
            name.as_deref().unwrap_or(&before.name),
            description.as_ref().map_or(before.description.as_deref(), Option::as_deref),
            moved.unwrap_or(before.status),
            body.autopilot.unwrap_or(before.autopilot),
            &steps.as_deref().map_or_else(|| before.steps.clone(), planned),
        );
        Ok(Written { action, returns, audit_after })
    };
    let result = change.run(&conn, Move::Maybe(body.status), async |conn| load(conn, &id).await, write, decode).await;
    match result {
        Ok(sequence) => http::ok(&sequence),
        Err(err) => Err(name_taken(&conn, err, name_sent.as_deref().unwrap_or_default()).await),
    }
}
