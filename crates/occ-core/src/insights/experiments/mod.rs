//! Experiments: the variants of one sequence step's subject or body, each contact assigned one
//! for good, and the results read from the send roll-ups (`send_rollups`, dimension `variant`):
//! each variant's sends and the sends that led to a reply, a positive reply or a meeting, its
//! rate with a 95% Wilson interval, the difference from the control with its interval and
//! Holm-corrected p-value, and the verdict ([`crate::insights::stats::verdict`]), which declares no winner before
//! every variant has its minimum sample.
//!
//! An experiment is drafted, then started (one running experiment per step: the unique index
//! decides, in the write), paused and started again, and completed, optionally copying the
//! winner's text into the step. While one runs, the tick and the drafter give a contact's
//! message for the step its variant's text ([`assign`]).
//!
//! This file holds the routes, the statements and the lifecycle; the resource and its
//! statistics are in `view`, the handlers by concern in `create`, `read`, `update` and
//! `actions`.

use crate::access::Access::Signed;
use crate::access::Action::{ManageSequences, ReadData};
use crate::access::Principal;
use crate::domain::enums::ExperimentStatus;
use crate::error::{AppError, AppResult, EntityRef, FieldError};
use crate::handler;
use crate::http::{self, Routes};
use crate::lifecycle::{Lifecycle, Record};
use crate::store::{Conn, single};
use ::http::Request;
use bytes::Bytes;

// An experiment's columns, for `FROM experiments e`, with its step, its variants and their
// totals from the roll-ups, and the newest recommendation of the experiment analyst, as JSON
// (`ExperimentRow` decodes them); defined before the submodules, which read them. A variant's
// roll-up rows are read from the day before the experiment was made (a team day may start
// before the UTC one), a range of the roll-ups' key rather than every day's variants.
macro_rules! experiment_columns {
    () => {
        "e.id, e.name, e.hypothesis, e.step_id, t.sequence_id, s.name AS sequence_name, t.position AS step_position, \
         e.field, e.channel, e.metric, e.status, e.baseline_rate, e.min_effect, e.min_sample_size, e.winner_variant_id, \
         e.started_at, e.ended_at, e.created_at, e.updated_at, \
         (SELECT json_group_array(json_object('id', v.id, 'name', v.name, \
            'is_control', json(CASE v.is_control WHEN 1 THEN 'true' ELSE 'false' END), 'weight', v.weight, \
            'content', v.content, 'instructions', v.instructions, 'position', v.position, \
            'totals', json((SELECT json_object('sends', ifnull(sum(r.sends), 0), 'replied', ifnull(sum(r.replied), 0), \
               'positive', ifnull(sum(r.positive), 0), 'meetings', ifnull(sum(r.meetings), 0)) \
               FROM send_rollups r WHERE r.dim = 'variant' AND r.day >= date(e.created_at, '-1 day') AND r.value = v.id)))) \
          FROM (SELECT * FROM experiment_variants WHERE experiment_id = e.id ORDER BY position) v) AS variants, \
         (SELECT g.output ->> '$.recommendation' FROM agent_runs g WHERE g.target_kind = 'experiment' \
            AND g.target_id = e.id AND g.agent = 'experiment_analyst' AND g.status = 'succeeded' AND g.output IS NOT NULL \
            ORDER BY g.created_at DESC, g.id DESC LIMIT 1) AS recommendation"
    };
}

// The tables an experiment's columns read.
macro_rules! experiment_from {
    () => {
        " FROM experiments e LEFT JOIN sequence_steps t ON t.id = e.step_id LEFT JOIN sequences s ON s.id = t.sequence_id"
    };
}

pub(crate) mod actions;
pub mod assign;
pub(crate) mod create;
pub(crate) mod read;
pub(crate) mod update;
mod view;

use view::decode;
pub use view::{Comparison, Experiment, Interval, Variant, Verdict};

const ENTITY: &str = "experiment";

/// The fewest sends every variant needs before a verdict, whatever the experiment's own
/// minimum sample (which is used when larger).
pub const MIN_SENDS: u64 = 100;

/// The most variants an experiment may have.
pub const MAX_VARIANTS: usize = 10;

/// The largest weight of a variant.
pub const MAX_WEIGHT: i64 = 10_000;

/// The sends every variant needs before a verdict, given the experiment's minimum sample: the
/// verdict shown and the experiment analyst's agree on it.
pub fn required_sends(min_sample_size: i64) -> u64 {
    MIN_SENDS.max(u64::try_from(min_sample_size).unwrap_or(0))
}

/// The experiments' routes (in the insights family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/experiments", Signed(ManageSequences), handler!(create::create))
        .get("/api/v1/experiments", Signed(ReadData), handler!(read::list))
        .get("/api/v1/experiments/sample-size", Signed(ReadData), handler!(read::sample_size))
        .get("/api/v1/experiments/{id}", Signed(ReadData), handler!(read::get))
        .patch("/api/v1/experiments/{id}", Signed(ManageSequences), handler!(update::update))
        .delete("/api/v1/experiments/{id}", Signed(ManageSequences), handler!(update::delete))
        .post("/api/v1/experiments/{id}/start", Signed(ManageSequences), handler!(actions::start))
        .post("/api/v1/experiments/{id}/pause", Signed(ManageSequences), handler!(actions::pause))
        .post("/api/v1/experiments/{id}/complete", Signed(ManageSequences), handler!(actions::complete))
}

/// An experiment's lifecycle: a draft starts; a running one pauses or completes; a paused one
/// starts again or completes; a completed one is final.
impl Lifecycle for ExperimentStatus {
    const RECORD: &'static str = "an experiment";
    const STATUSES: &'static [Self] = Self::ALL;

    fn next_statuses(self) -> &'static [Self] {
        use ExperimentStatus::*;
        match self {
            Draft => &[Running],
            Running => &[Paused, Completed],
            Paused => &[Running, Completed],
            Completed => &[],
        }
    }
}

/// The statement that reads one experiment (`?1`), alone or in a batch.
const SELECT_ONE: &str = concat!("SELECT ", experiment_columns!(), experiment_from!(), " WHERE e.id = ?1");

/// One experiment with its results (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Experiment> {
    conn.query_one(ENTITY, SELECT_ONE, [id], decode).await
}

/// Experiments change by managers and admins, whom their routes alone admit.
impl Record for Experiment {
    type Status = ExperimentStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> ExperimentStatus {
        self.status
    }

    fn may_change(&self, _: &Principal) -> AppResult<()> {
        Ok(())
    }

    fn audit_view(&self) -> serde_json::Value {
        let variants: Vec<(&str, i64, bool, &str)> =
            self.variants.iter().map(|v| (v.name.as_str(), v.weight, v.is_control, v.content.as_str())).collect();
        audit_view(&self.name, self.hypothesis.as_deref(), self.status, &variants, self.winner_variant_id.as_deref())
    }
}

/// What the audit log keeps of an experiment: its name, hypothesis, status, variants (name,
/// weight, control, content) and winner.
fn audit_view(
    name: &str,
    hypothesis: Option<&str>,
    status: ExperimentStatus,
    variants: &[(&str, i64, bool, &str)],
    winner: Option<&str>,
) -> serde_json::Value {
    let variants: Vec<serde_json::Value> = variants
        .iter()
        .map(|(name, weight, control, content)| {
            serde_json::json!({"name": name, "weight": weight, "is_control": control, "content": content})
        })
        .collect();
    serde_json::json!({"name": name, "hypothesis": hypothesis, "status": status, "variants": variants,
        "winner_variant_id": winner})
}

/// The 409 for a start refused by the one-running-experiment-per-step index, naming the
/// experiment that runs on the step.
async fn already_running(conn: &Conn, err: AppError, step_id: Option<&str>) -> AppError {
    match (err, step_id) {
        (AppError::Conflict { ref fields, .. }, Some(step)) if fields.iter().any(|f| f.field == "step_id") => {
            let running = conn
                .query_opt(
                    "SELECT id || ' ' || name FROM experiments WHERE step_id = ?1 AND status = 'running'",
                    [step],
                    single::<String>,
                )
                .await
                .ok()
                .flatten();
            let (id, name) = running.as_deref().and_then(|r| r.split_once(' ')).unwrap_or(("", "another experiment"));
            let message = format!("the step already runs the experiment {name:?}; pause or complete it first");
            AppError::Conflict {
                fields: vec![FieldError::new("step_id", "one_running", message.clone())],
                message,
                conflicts_with: (!id.is_empty()).then(|| EntityRef { entity: ENTITY, id: id.to_owned() }),
            }
        }
        (other, _) => other,
    }
}

fn experiment_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}
