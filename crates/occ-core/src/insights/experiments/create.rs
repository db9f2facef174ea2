//! Creating an experiment with its variants, and the rules its numbers and variants follow.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use super::{ENTITY, Experiment, MAX_VARIANTS, MAX_WEIGHT, SELECT_ONE, audit_view, decode};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{ExperimentField, ExperimentMetric, ExperimentStatus};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::insights::stats;
use crate::outreach::sequences::{CONNECT_NOTE_MAX, template};
use crate::store::Batch;
use crate::validate::Check;

/// The largest sample per variant an experiment may ask for: a smaller effect could never be
/// measured.
const MAX_SAMPLE: u64 = 10_000_000;

/// `POST /api/v1/experiments`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExperiment {
    /// 1-200 characters.
    pub name: String,
    /// What it sets out to show.
    #[serde(default)]
    pub hypothesis: Option<String>,
    /// The sequence step whose subject or body the variants replace.
    pub step_id: String,
    /// subject (an email step only) or body.
    pub field: ExperimentField,
    /// reply_rate, positive_reply_rate or meeting_rate.
    pub metric: ExperimentMetric,
    /// The rate the control is expected to have, above 0 and below 1.
    pub baseline_rate: f64,
    /// The smallest absolute lift worth detecting, above 0, with baseline_rate + min_effect below 1.
    pub min_effect: f64,
    /// 2-10 variants; exactly one control (the first when none is marked).
    pub variants: Vec<VariantInput>,
}

/// A variant of a new experiment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExperimentVariantInput)]
pub struct VariantInput {
    /// Unique within the experiment, 1-100 characters.
    pub name: String,
    /// The step's subject or body template for this variant (the step's merge fields).
    pub content: String,
    /// Relative weight of the assignment, 0-10000 (0 takes no new contacts).
    pub weight: i64,
    /// The variant the others are measured against.
    #[serde(default)]
    pub is_control: Option<bool>,
    /// What the drafter is told to do differently.
    #[serde(default)]
    pub instructions: Option<String>,
}

/// A variant that passed its rules.
struct Checked {
    name: String,
    content: String,
    weight: i64,
    is_control: bool,
    instructions: Option<String>,
}

impl Check {
    /// The sample each variant needs for `baseline_rate` and `min_effect`, naming the field at
    /// fault when they are out of range.
    pub(crate) fn sample_size(&mut self, baseline_rate: f64, min_effect: f64) -> Option<u64> {
        let baseline_ok = baseline_rate > 0.0 && baseline_rate < 1.0;
        if !baseline_ok {
            self.fail("baseline_rate", "range", "must be above 0 and below 1");
        }
        if !(min_effect > 0.0 && min_effect < 1.0) {
            self.fail("min_effect", "range", "must be above 0 and below 1");
            return None;
        }
        if baseline_ok && baseline_rate + min_effect >= 1.0 {
            self.fail("min_effect", "range", "baseline_rate + min_effect must be below 1");
            return None;
        }
        if !baseline_ok {
            return None;
        }
        match stats::sample_size_per_arm(baseline_rate, min_effect).filter(|n| *n <= MAX_SAMPLE) {
            Some(n) => Some(n),
            None => {
                self.fail("min_effect", "range", "too small an effect to measure: no sample size reaches it");
                None
            }
        }
    }

    /// A new experiment's variants for `field`: 2-10, unique names, weights 0-10000 not all 0,
    /// at most one control (the first when none is marked), content with known merge fields.
    fn variants(&mut self, variants: Vec<VariantInput>, field: ExperimentField) -> Vec<Checked> {
        if variants.len() < 2 || variants.len() > MAX_VARIANTS {
            self.fail("variants", "range", format!("an experiment has 2 to {MAX_VARIANTS} variants"));
        }
        let mut out: Vec<Checked> = Vec::with_capacity(variants.len());
        for (i, v) in variants.into_iter().enumerate() {
            let at = |f: &str| format!("variants[{i}].{f}");
            let name = self.required(&at("name"), v.name, 100);
            if !name.is_empty() && out.iter().any(|o| o.name.eq_ignore_ascii_case(&name)) {
                self.fail(&at("name"), "unique", "another variant has this name");
            }
            let content = match field {
                ExperimentField::Subject => self.required(&at("content"), v.content, 500),
                ExperimentField::Body => self.required_prose(&at("content"), v.content, 20_000),
            };
            for unknown in template::unknown_fields(&content) {
                let message =
                    format!("{{{{{unknown}}}}} is not a merge field; use {}", template::MERGE_FIELDS.join(", "));
                self.fail(&at("content"), "merge_field", message);
            }
            if !(0..=MAX_WEIGHT).contains(&v.weight) {
                self.fail(&at("weight"), "range", format!("must be from 0 to {MAX_WEIGHT}"));
            }
            let instructions = self.prose(&at("instructions"), v.instructions, 20_000);
            out.push(Checked { name, content, weight: v.weight, is_control: v.is_control == Some(true), instructions });
        }
        if !out.is_empty() && out.iter().all(|v| v.weight == 0) && !self.failed("variants") {
            self.fail("variants", "weights", "at least one variant needs a weight above 0");
        }
        match out.iter().filter(|v| v.is_control).count() {
            0 => {
                if let Some(first) = out.first_mut() {
                    first.is_control = true;
                }
            }
            1 => {}
            _ => self.fail("variants", "control", "exactly one variant is the control"),
        }
        out
    }
}

/// Create an experiment on a sequence step, as a draft (managers and admins). The step must
/// exist (and be an email step to vary its subject); the experiment takes the step's channel,
/// and its minimum sample per variant is computed from `baseline_rate` and `min_effect`.
#[utoipa::path(post, path = "/api/v1/experiments", tag = "experiments", request_body = CreateExperiment,
    responses((status = 201, body = Experiment), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateExperiment = http::body_json(&req)?;
    let mut c = Check::default();
    let name = c.required("name", body.name, 200);
    let hypothesis = c.prose("hypothesis", body.hypothesis, 5000);
    let step_id = match uuid::Uuid::try_parse(body.step_id.trim()) {
        Ok(id) => id.to_string(),
        Err(_) => {
            c.fail("step_id", "format", "must be a sequence step's id");
            String::new()
        }
    };
    let min_sample_size = c.sample_size(body.baseline_rate, body.min_effect);
    let variants = c.variants(body.variants, body.field);
    c.finish(())?;
    let min_sample_size = i64::try_from(min_sample_size.unwrap_or(1)).unwrap_or(i64::MAX);
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let id = new_id();
    let at = now();
    let mut batch = Batch::new();
    batch.require(
        "EXISTS (SELECT 1 FROM sequence_steps WHERE id = ?1)",
        [step_id.as_str()],
        AppError::invalid("step_id", "exists", "no sequence step has this id"),
    )?;
    if body.field == ExperimentField::Subject {
        batch.require(
            "EXISTS (SELECT 1 FROM sequence_steps WHERE id = ?1 AND kind = 'email')",
            [step_id.as_str()],
            AppError::invalid("field", "email_only", "only an email step has a subject; vary its body instead"),
        )?;
    }
    // A connection request's note is short on LinkedIn: every variant of its body too.
    let longest = variants.iter().map(|v| v.content.chars().count()).max().unwrap_or(0);
    batch.require(
        "NOT EXISTS (SELECT 1 FROM sequence_steps WHERE id = ?1 AND kind = 'linkedin_connect') OR ?2 <= ?3",
        libsql::params![
            step_id.as_str(),
            i64::try_from(longest).unwrap_or(i64::MAX),
            i64::try_from(CONNECT_NOTE_MAX).unwrap_or(i64::MAX)
        ],
        AppError::invalid(
            "variants",
            "max_length",
            format!("a connection note is at most {CONNECT_NOTE_MAX} characters on LinkedIn, in every variant"),
        ),
    )?;
    batch.push(
        "INSERT INTO experiments (id, name, hypothesis, step_id, field, channel, metric, status, baseline_rate, min_effect, \
         min_sample_size, created_by, created_at, updated_at) \
         SELECT :id, :name, :hypothesis, t.id, :field, t.channel, :metric, 'draft', :baseline, :effect, :sample, :by, :at, :at \
         FROM sequence_steps t WHERE t.id = :step",
        libsql::named_params! {
            ":id": id.as_str(), ":name": name.as_str(), ":hypothesis": hypothesis.as_deref(), ":field": body.field.as_str(),
            ":metric": body.metric.as_str(), ":baseline": body.baseline_rate, ":effect": body.min_effect,
            ":sample": min_sample_size, ":by": principal.user_id.as_str(), ":at": at.as_str(), ":step": step_id.as_str(),
        },
    )?;
    let rows: Vec<serde_json::Value> = variants
        .iter()
        .enumerate()
        .map(|(position, v)| {
            json!({"id": new_id(), "name": v.name, "is_control": i64::from(v.is_control), "weight": v.weight,
                "content": v.content, "instructions": v.instructions, "position": position})
        })
        .collect();
    batch.push(
        "INSERT INTO experiment_variants (id, experiment_id, name, is_control, weight, content, instructions, position, \
         created_at, updated_at) \
         SELECT value ->> 'id', ?1, value ->> 'name', value ->> 'is_control', value ->> 'weight', value ->> 'content', \
         value ->> 'instructions', value ->> 'position', ?2, ?2 FROM json_each(?3)",
        libsql::params![id.as_str(), at.as_str(), serde_json::Value::Array(rows).to_string()],
    )?;
    let created = batch.push(SELECT_ONE, [id.as_str()])?;
    let shown: Vec<(&str, i64, bool, &str)> =
        variants.iter().map(|v| (v.name.as_str(), v.weight, v.is_control, v.content.as_str())).collect();
    let view = audit_view(&name, hypothesis.as_deref(), ExperimentStatus::Draft, &shown, None);
    audit::record_with_in(&mut batch, &actor, "experiment.create", ENTITY, &id, None, Some(&view), None)?;
    let experiment = ctx.conn().await?.batch(batch).await?.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/experiments/{id}"), &experiment)
}
