//! Changing an experiment (its name, hypothesis and, while a draft, its variants' weights) and
//! deleting one that is not under way.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::{ENTITY, Experiment, MAX_WEIGHT, SELECT_ONE, audit_view, decode, experiment_id, load};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::ExperimentStatus;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::lifecycle::{Change, Move, Record, Written};
use crate::store::Batch;
use crate::validate::Check;

/// `PATCH /api/v1/experiments/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchExperiment {
    /// 1-200 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// What it sets out to show; null clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub hypothesis: Patch<String>,
    /// New weights of some variants (a draft only).
    #[serde(default)]
    pub variants: Option<Vec<WeightInput>>,
}

/// A variant's new weight.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExperimentWeightInput)]
pub struct WeightInput {
    /// The variant's id.
    pub id: String,
    /// 0-10000.
    pub weight: i64,
}

/// Change an experiment (managers and admins): its name and hypothesis at any time, its
/// variants' weights while it is a draft.
#[utoipa::path(patch, path = "/api/v1/experiments/{id}", tag = "experiments", request_body = PatchExperiment,
    params(("id" = String, Path)),
    responses((status = 200, body = Experiment), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = experiment_id(&req)?;
    let body: PatchExperiment = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let write = |before: &Experiment, _: Option<ExperimentStatus>, batch: &mut Batch| {
        let mut c = Check::default();
        let name = match body.name {
            Patch::Absent => None,
            Patch::Null => {
                c.fail("name", "required", "an experiment needs a name");
                None
            }
            Patch::Value(name) => Some(c.required("name", name, 200)),
        };
        let hypothesis = crate::validate::patched(body.hypothesis, |h| c.prose("hypothesis", h, 5000));
        let mut weights: Vec<(String, i64)> = before.variants.iter().map(|v| (v.id.clone(), v.weight)).collect();
        let changed = body.variants.is_some();
        for (i, w) in body.variants.unwrap_or_default().into_iter().enumerate() {
            if !(0..=MAX_WEIGHT).contains(&w.weight) {
                c.fail(&format!("variants[{i}].weight"), "range", format!("must be from 0 to {MAX_WEIGHT}"));
            }
            match weights.iter_mut().find(|(v, _)| *v == w.id) {
                Some(found) => found.1 = w.weight,
                None => c.fail(&format!("variants[{i}].id"), "exists", "not a variant of this experiment"),
            }
        }
        if changed && weights.iter().all(|(_, w)| *w == 0) && !c.failed("variants") {
            c.fail("variants", "weights", "at least one variant needs a weight above 0");
        }
        c.finish(())?;
        if changed && before.status != ExperimentStatus::Draft {
            let message = format!("the weights are fixed once an experiment has started; it is {}", before.status);
            return Err(AppError::refused("variants", "status", message));
        }
        batch.push(
            "UPDATE experiments SET name = coalesce(?2, name), hypothesis = CASE WHEN ?3 THEN ?4 ELSE hypothesis END, \
             updated_at = ?5 WHERE id = ?1",
            libsql::params![
                id.as_str(),
                name.as_deref(),
                hypothesis.is_some(),
                hypothesis.clone().flatten(),
                at.as_str()
            ],
        )?;
        if changed {
            let list: Vec<serde_json::Value> = weights.iter().map(|(v, w)| json!([v, w])).collect();
            batch.push(
                "UPDATE experiment_variants SET weight = j.value ->> 1, updated_at = ?3 FROM json_each(?2) AS j \
                 WHERE experiment_variants.experiment_id = ?1 AND experiment_variants.id = j.value ->> 0 \
                 AND experiment_variants.weight IS NOT j.value ->> 1",
                libsql::params![id.as_str(), serde_json::Value::Array(list).to_string(), at.as_str()],
            )?;
        }
        let returns = batch.push(SELECT_ONE, [id.as_str()])?;
        let shown: Vec<(&str, i64, bool, &str)> = before
            .variants
            .iter()
            .zip(&weights)
            .map(|(v, (_, w))| (v.name.as_str(), *w, v.is_control, v.content.as_str()))
            .collect();
        let audit_after = audit_view(
            name.as_deref().unwrap_or(&before.name),
            hypothesis.as_ref().map_or(before.hypothesis.as_deref(), Option::as_deref),
            before.status,
            &shown,
            before.winner_variant_id.as_deref(),
        );
        Ok(Written { action: "experiment.update", returns, audit_after })
    };
    let experiment = change.run(&conn, Move::Maybe(None), async |conn| load(conn, &id).await, write, decode).await?;
    http::ok(&experiment)
}

/// Delete an experiment that is a draft or completed (managers and admins); a running or paused
/// one is completed first. Its variants and assignments go with it; drafts and touches keep
/// their text.
#[utoipa::path(delete, path = "/api/v1/experiments/{id}", tag = "experiments", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = experiment_id(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    ctx.conn()
        .await?
        .read_then_write(async |conn| {
            let before = load(conn, &id).await?;
            if !matches!(before.status, ExperimentStatus::Draft | ExperimentStatus::Completed) {
                let message = format!("an experiment that is {} cannot be deleted; complete it first", before.status);
                return Err(AppError::refused("status", "in_use", message));
            }
            let mut batch = Batch::new();
            batch.push("DELETE FROM experiments WHERE id = ?1", [id.as_str()])?;
            audit::record_with_in(
                &mut batch,
                &actor,
                "experiment.delete",
                ENTITY,
                &id,
                Some(&before.audit_view()),
                None,
                None,
            )?;
            Ok((batch, ()))
        })
        .await?;
    Ok(http::no_content())
}
