//! Creating a sequence with its steps.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::steps::{StepInput, planned, write_steps};
use super::{ENTITY, SELECT_ONE, Sequence, audit_view, decode, name_taken};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::SequenceStatus;
use crate::domain::{new_id, now};
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

/// `POST /api/v1/sequences`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSequence {
    /// Unique, 1-200 characters.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// active (the default) or paused.
    #[serde(default)]
    pub status: Option<SequenceStatus>,
    /// 1-20 steps, in order.
    pub steps: Vec<StepInput>,
}

/// Create a sequence with its steps (managers and admins).
#[utoipa::path(post, path = "/api/v1/sequences", tag = "sequences", request_body = CreateSequence,
    responses((status = 201, body = Sequence), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateSequence = http::body_json(&req)?;
    let mut c = Check::default();
    let name = c.required("name", body.name, 200);
    let description = c.prose("description", body.description, 5000);
    let status = body.status.unwrap_or(SequenceStatus::Active);
    if status == SequenceStatus::Archived {
        c.fail("status", "one_of", "a new sequence is active or paused");
    }
    let steps = c.steps(body.steps, &[]);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let id = new_id();
    let at = now();
    let mut batch = Batch::new();
    batch.push(
        "INSERT INTO sequences (id, name, description, status, autopilot, owner_id, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        libsql::params![
            id.as_str(),
            name.as_str(),
            description.as_deref(),
            status.as_str(),
            principal.user_id.as_str(),
            at.as_str()
        ],
    )?;
    write_steps(&mut batch, &id, &steps, &at)?;
    let created = batch.push(SELECT_ONE, [id.as_str()])?;
    let view = audit_view(&name, description.as_deref(), status, false, &planned(&steps));
    audit::record_with_in(&mut batch, &actor, "sequence.create", ENTITY, &id, None, Some(&view), None)?;
    let result = conn.batch(batch).await.and_then(|outcome| outcome.one(ENTITY, created, decode));
    let sequence = match result {
        Ok(sequence) => sequence,
        Err(err) => return Err(name_taken(&conn, err, &name).await),
    };
    http::created(&format!("/api/v1/sequences/{id}"), &sequence)
}
