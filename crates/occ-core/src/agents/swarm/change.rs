//! Changing a swarm under way: cancel it (no task starts after; those running finish), or try
//! its failed tasks again. Each is one round trip whose checks are in SQL.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{decode, swarm_columns};
use crate::access::Principal;
use crate::audit;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::Batch;

fn conflict(message: &str) -> AppError {
    AppError::Conflict { message: message.to_owned(), fields: Vec::new(), conflicts_with: None }
}

/// Adds the check that swarm `id` exists (404).
fn require_swarm(batch: &mut Batch, id: &str) -> AppResult<()> {
    batch.require(
        "EXISTS (SELECT 1 FROM swarm_runs WHERE id = :id)",
        libsql::named_params! {":id": id},
        AppError::NotFound("swarm"),
    )
}

/// Cancel a swarm: every task that has not started is cancelled and none starts after; tasks
/// under way finish and keep what they wrote. A swarm that has finished cannot be cancelled.
#[utoipa::path(post, path = "/api/v1/swarms/{id}/cancel", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = super::Swarm), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn cancel_swarm(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", "swarm")?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let mut batch = Batch::new();
    require_swarm(&mut batch, &id)?;
    batch.require(
        "EXISTS (SELECT 1 FROM swarm_runs WHERE id = :id AND status IN ('queued', 'running'))",
        libsql::named_params! {":id": id.as_str()},
        conflict("the swarm has finished"),
    )?;
    batch.push(
        "UPDATE swarm_runs SET status = 'cancelled', cancelled_at = :now, finished_at = :now, updated_at = :now \
         WHERE id = :id",
        libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
    )?;
    // A task whose worker died mid-lease is not under way: it is cancelled too.
    batch.push(
        "UPDATE swarm_tasks SET status = 'cancelled', leased_by = NULL, updated_at = :now WHERE swarm_run_id = :id \
         AND (status IN ('waiting', 'queued') OR (status = 'running' AND lease_until <= :now))",
        libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
    )?;
    audit::record_in(&mut batch, &actor, "swarm.cancel", "swarm_run", &id, None)?;
    let read = batch.push(
        concat!("SELECT ", swarm_columns!(), " FROM swarm_runs r WHERE r.id = :id"),
        libsql::named_params! {":id": id.as_str()},
    )?;
    let outcome = ctx.conn().await?.batch(batch).await?;
    http::ok(&outcome.one("swarm", read, decode)?)
}

/// Try a swarm's failed tasks again: each is queued with its attempts reset, the tasks after it
/// (cancelled when it failed) wait for it again, and the swarm runs again. A cancelled swarm is
/// not tried again.
#[utoipa::path(post, path = "/api/v1/swarms/{id}/retry-failed", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = super::Swarm), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn retry_failed_tasks(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", "swarm")?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let mut batch = Batch::new();
    require_swarm(&mut batch, &id)?;
    batch.require(
        "EXISTS (SELECT 1 FROM swarm_runs WHERE id = :id AND status <> 'cancelled')",
        libsql::named_params! {":id": id.as_str()},
        conflict("the swarm was cancelled"),
    )?;
    // In a swarm that was not cancelled, a cancelled task is one after a failed task.
    batch.push(
        "UPDATE swarm_tasks SET status = CASE status WHEN 'failed' THEN 'queued' ELSE 'waiting' END, \
         attempts = 0, lease_until = :now, leased_by = NULL, updated_at = :now \
         WHERE swarm_run_id = :id AND status IN ('failed', 'cancelled')",
        libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
    )?;
    batch.push(
        "UPDATE swarm_runs SET status = 'running', finished_at = NULL, updated_at = :now WHERE id = :id \
         AND status <> 'running' AND EXISTS (SELECT 1 FROM swarm_tasks WHERE swarm_run_id = :id AND status = 'queued')",
        libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
    )?;
    audit::record_in(&mut batch, &actor, "swarm.retry_failed", "swarm_run", &id, None)?;
    let read = batch.push(
        concat!("SELECT ", swarm_columns!(), " FROM swarm_runs r WHERE r.id = :id"),
        libsql::named_params! {":id": id.as_str()},
    )?;
    let outcome = ctx.conn().await?.batch(batch).await?;
    http::ok(&outcome.one("swarm", read, decode)?)
}
