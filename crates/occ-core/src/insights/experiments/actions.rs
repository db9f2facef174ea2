//! An experiment's moves: start (a draft or a paused one), pause, and complete, declaring the
//! verdict's winner and, when asked, copying its text into the step.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{Experiment, SELECT_ONE, Verdict, already_running, decode, experiment_id, load};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{ExperimentField, ExperimentStatus};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::{Change, Move, Record, Written};
use crate::store::Batch;

/// Runs a move of experiment `id` to `to`, with what `more` adds to the write.
async fn moved(
    ctx: &Ctx,
    req: &Request<Bytes>,
    to: ExperimentStatus,
    action: &'static str,
    more: impl FnOnce(&Experiment, &mut Batch, &str) -> AppResult<Option<String>>,
) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(req)?;
    let id = experiment_id(req)?;
    let actor = principal.actor(&RequestMeta::of(req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let mut step = None;
    let write = |before: &Experiment, _: Option<ExperimentStatus>, batch: &mut Batch| {
        step.clone_from(&before.step_id);
        let winner = more(before, batch, &at)?;
        batch.push(
            "UPDATE experiments SET status = ?2, updated_at = ?3, \
             started_at = CASE WHEN ?2 = 'running' THEN coalesce(started_at, ?3) ELSE started_at END, \
             ended_at = CASE WHEN ?2 = 'completed' THEN ?3 ELSE ended_at END, \
             winner_variant_id = CASE WHEN ?2 = 'completed' THEN ?4 ELSE winner_variant_id END WHERE id = ?1",
            libsql::params![id.as_str(), to.as_str(), at.as_str(), winner.as_deref()],
        )?;
        let returns = batch.push(SELECT_ONE, [id.as_str()])?;
        let mut audit_after = before.audit_view();
        audit_after["status"] = serde_json::json!(to);
        if to == ExperimentStatus::Completed {
            audit_after["winner_variant_id"] = serde_json::json!(winner);
        }
        Ok(Written { action, returns, audit_after })
    };
    let result = change.run(&conn, Move::To(to), async |conn| load(conn, &id).await, write, decode).await;
    match result {
        Ok(experiment) => http::ok(&experiment),
        Err(err) => Err(already_running(&conn, err, step.as_deref()).await),
    }
}

/// Start an experiment (a draft, or a paused one): from now on the tick and the drafter give its
/// step's messages its variants. A step runs one experiment at a time: starting a second is a
/// 409 naming the one that runs.
#[utoipa::path(post, path = "/api/v1/experiments/{id}/start", tag = "experiments", params(("id" = String, Path)),
    responses((status = 200, body = Experiment), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn start(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    moved(ctx, &req, ExperimentStatus::Running, "experiment.start", |before, _, _| {
        if before.step_id.is_none() {
            return Err(AppError::refused("step_id", "deleted", "the experiment's step was deleted; it cannot run"));
        }
        Ok(None)
    })
    .await
}

/// Pause a running experiment: its step's messages take the step's own text again, and the
/// contacts keep their variants for when it starts again.
#[utoipa::path(post, path = "/api/v1/experiments/{id}/pause", tag = "experiments", params(("id" = String, Path)),
    responses((status = 200, body = Experiment), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn pause(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    moved(ctx, &req, ExperimentStatus::Paused, "experiment.pause", |_, _, _| Ok(None)).await
}

/// `POST /api/v1/experiments/{id}/complete`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteExperiment {
    /// Copy the winner's text into the step's subject or body (when the winner is not the
    /// control).
    #[serde(default)]
    pub apply_winner: bool,
}

/// Complete a running or paused experiment: the verdict's winner, if the results name one, is
/// declared; with `apply_winner`, a winner that is not the control has its text copied into
/// the step's subject or body template in the same write (audited on the sequence).
#[utoipa::path(post, path = "/api/v1/experiments/{id}/complete", tag = "experiments", params(("id" = String, Path)),
    request_body = CompleteExperiment,
    responses((status = 200, body = Experiment), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn complete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let body: CompleteExperiment =
        if req.body().is_empty() { CompleteExperiment::default() } else { http::body_json(&req)? };
    let principal = Principal::of(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    moved(ctx, &req, ExperimentStatus::Completed, "experiment.complete", |before, batch, at| {
        let Verdict::Winner { variant_id, .. } = &before.verdict else { return Ok(None) };
        let winner = before.variants.iter().find(|v| &v.id == variant_id);
        if let (true, Some(v), Some(step), Some(sequence)) =
            (body.apply_winner, winner.filter(|v| !v.is_control), &before.step_id, &before.sequence_id)
        {
            batch.push(
                "UPDATE sequence_steps SET subject_template = CASE WHEN ?2 = 'subject' THEN ?3 ELSE subject_template END, \
                 body_template = CASE WHEN ?2 = 'body' THEN ?3 ELSE body_template END, updated_at = ?4 WHERE id = ?1",
                libsql::params![step.as_str(), before.field.as_str(), v.content.as_str(), at],
            )?;
            let after = serde_json::json!({"step_id": step, "field": before.field, "template": v.content,
                "from_experiment": before.id, "variant": v.name});
            let action = match before.field {
                ExperimentField::Subject => "sequence.step_subject_from_experiment",
                ExperimentField::Body => "sequence.step_body_from_experiment",
            };
            audit::record_with_in(batch, &actor, action, "sequence", sequence, None, Some(&after), None)?;
        }
        Ok(Some(variant_id.clone()))
    })
    .await
}
