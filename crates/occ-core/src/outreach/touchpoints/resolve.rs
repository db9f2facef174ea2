//! Resolving an interrupted send: a person checked whether it went out.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{ENTITY, Touchpoint, decode, touchpoint_columns};
use crate::access::Principal;
use crate::audit;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, from_row};
use crate::validate::Check;

/// A touch's status and its contact's owner, as [`resolve`] reads them.
#[derive(Deserialize)]
struct Resolving {
    status: String,
    owner_id: Option<String>,
}

/// `POST /api/v1/touchpoints/{id}/resolve`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// sent (it went out: the Sent folder has it) or failed (it did not; the draft may be sent
    /// again).
    pub status: String,
    /// What the person found.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Resolve an interrupted send (`unknown`): a person checked whether it went out. Only an
/// unknown touch is resolved (409 otherwise).
#[utoipa::path(post, path = "/api/v1/touchpoints/{id}/resolve", tag = "touchpoints", request_body = Resolve,
    params(("id" = String, Path)),
    responses((status = 200, body = Touchpoint), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn resolve(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let body: Resolve = http::body_json(&req)?;
    if body.status != "sent" && body.status != "failed" {
        return Err(AppError::invalid("status", "one_of", "must be sent or failed"));
    }
    let mut c = Check::default();
    let notes = c.prose("notes", body.notes, 20000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (outcome, touch) = conn
        .read_then_write(async |conn| {
            let Resolving { status, owner_id: owner } = conn
                .query_one(
                    ENTITY,
                    "SELECT t.status, c.owner_id FROM touchpoints t JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?1",
                    [id.as_str()],
                    from_row,
                )
                .await?;
            principal.require_owner(owner.as_deref())?;
            if status != "unknown" {
                return Err(AppError::refused("status", "transition", format!("the touch is {status}; only an unknown one is resolved")));
            }
            let mut batch = Batch::new();
            let touch = batch.push(
                concat!(
                    "UPDATE touchpoints SET status = ?2, sent_at = CASE WHEN ?2 = 'sent' THEN coalesce(scheduled_at, ?3) END, \
                     notes = coalesce(?4, notes), updated_at = ?3 WHERE id = ?1 RETURNING ",
                    touchpoint_columns!()
                ),
                libsql::params![id.as_str(), body.status.as_str(), at.as_str(), notes],
            )?;
            let view = serde_json::json!({"status": body.status});
            let before = serde_json::json!({"status": "unknown"});
            audit::record_with_in(&mut batch, &actor, "touchpoint.resolve", ENTITY, &id, Some(&before), Some(&view), None)?;
            Ok((batch, touch))
        })
        .await?;
    let touch = outcome.one(ENTITY, touch, decode)?;
    http::ok(&touch)
}
