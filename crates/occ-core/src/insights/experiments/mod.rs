//! Experiments: the variants of one sequence step's subject or body, each contact assigned one
//! for good, and the results read from the send roll-ups (`send_rollups`, dimension `variant`):
//! each variant's sends and the sends that led to a reply, a positive reply or a meeting, its
//! rate with a 95% Wilson interval, the difference from the control with its interval and
//! Holm-corrected p-value, and the verdict ([`stats::verdict`]), which declares no winner before
//! every variant has its minimum sample.
//!
//! An experiment is drafted, then started (one running experiment per step: the unique index
//! decides, in the write), paused and started again, and completed, optionally copying the
//! winner's text into the step. While one runs, the tick and the drafter give a contact's
//! message for the step its variant's text ([`assign`]).
//!
//! This file holds the routes, the resource and its decoder; the handlers live by concern in
//! `create`, `read`, `update` and `actions`.

use ::http::Request;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageSequences, ReadData};
use crate::access::Principal;
use crate::domain::enums::{Channel, ExperimentField, ExperimentMetric, ExperimentStatus};
use crate::error::{AppError, AppResult, EntityRef, FieldError};
use crate::handler;
use crate::http::{self, Routes};
use crate::insights::stats;
use crate::lifecycle::{Lifecycle, Record};
use crate::store::{Conn, Row, from_row, single};

// An experiment's columns, for `FROM experiments e`, with its step, its variants and their
// totals from the roll-ups, and the newest recommendation of the experiment analyst, as JSON
// (`ExperimentRow` decodes them); defined before the submodules, which read them.
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
               FROM send_rollups r WHERE r.dim = 'variant' AND r.value = v.id)))) \
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

/// One variant's difference from the control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ExperimentComparison)]
pub struct Comparison {
    /// The variant's rate minus the control's.
    pub diff: f64,
    /// The lower bound of the 95% interval of `diff`.
    pub low: f64,
    /// The upper bound of the 95% interval of `diff`.
    pub high: f64,
    /// The pooled two-proportion z statistic, positive when the variant's rate is higher.
    pub z: f64,
    /// The two-sided p-value.
    pub p: f64,
    /// The p-value after Holm's correction across the variants tested against the control.
    pub p_adjusted: f64,
}

/// A 95% interval of a rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ExperimentInterval)]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

/// One variant with its results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ExperimentVariant)]
pub struct Variant {
    /// Its id.
    pub id: String,
    /// Unique within the experiment.
    pub name: String,
    /// The variant the others are measured against.
    pub is_control: bool,
    /// Its relative weight in the assignment (0 takes no new contacts).
    pub weight: i64,
    /// The step's subject or body template for this variant.
    pub content: String,
    /// What the drafter is told to do differently.
    pub instructions: Option<String>,
    /// 0, 1, 2 ...
    pub position: i64,
    /// Its messages sent.
    pub sends: u64,
    /// Sends that led to a reply.
    pub replies: u64,
    /// Sends that led to a positive reply.
    pub positive_replies: u64,
    /// Sends that led to a meeting.
    pub meetings: u64,
    /// The trials: its sends.
    pub n: u64,
    /// The successes on the experiment's metric.
    pub conversions: u64,
    /// conversions / n (0 without sends).
    pub rate: f64,
    /// The 95% Wilson interval of the rate.
    pub interval: Interval,
    /// Against the control; null for the control.
    pub comparison: Option<Comparison>,
}

/// What the results say.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = ExperimentResultVerdict)]
pub enum Verdict {
    /// Some variant has fewer sends than required: no verdict yet.
    Collecting {
        /// The smallest variant's sends over the required number, from 0 to 1.
        progress: f64,
    },
    /// Every variant has enough sends and none differs significantly from the control.
    NoDifference,
    /// Every variant has enough sends and this one is significantly best.
    Winner {
        /// The winner's id.
        variant_id: String,
        /// The winner's name.
        variant_name: String,
    },
}

/// An experiment with its variants' results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Experiment {
    /// Its id.
    pub id: String,
    /// 1-200 characters.
    pub name: String,
    /// What it sets out to show.
    pub hypothesis: Option<String>,
    /// The step whose subject or body the variants replace (null once the step is deleted).
    pub step_id: Option<String>,
    /// The step's sequence.
    pub sequence_id: Option<String>,
    /// The sequence's name.
    pub sequence_name: Option<String>,
    /// The step's position in its sequence.
    pub step_position: Option<i64>,
    /// subject or body.
    pub field: ExperimentField,
    /// The step's channel.
    pub channel: Channel,
    /// reply_rate, positive_reply_rate or meeting_rate.
    pub metric: ExperimentMetric,
    /// draft, running, paused or completed.
    pub status: ExperimentStatus,
    /// The rate the control is expected to have.
    pub baseline_rate: f64,
    /// The smallest absolute lift worth detecting.
    pub min_effect: f64,
    /// Sends per variant for 80% power at 5% (two-sided), from the two above.
    pub min_sample_size: i64,
    /// The winner declared when it completed, if the results named one.
    pub winner_variant_id: Option<String>,
    /// When it first started.
    pub started_at: Option<String>,
    /// When it completed.
    pub ended_at: Option<String>,
    /// When it was made.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
    /// The variants, in order.
    pub variants: Vec<Variant>,
    /// What the results say now.
    pub verdict: Verdict,
    /// The newest recommendation of the experiment analyst, if it ran.
    pub recommendation: Option<String>,
}

/// A variant's totals from the roll-ups.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
struct Totals {
    sends: i64,
    replied: i64,
    positive: i64,
    meetings: i64,
}

/// A variant as `experiment_columns` reads it.
#[derive(Deserialize)]
struct VariantRow {
    id: String,
    name: String,
    is_control: bool,
    weight: i64,
    content: String,
    instructions: Option<String>,
    position: i64,
    #[serde(default)]
    totals: Option<Totals>,
}

/// A row of `experiment_columns`.
#[derive(Deserialize)]
struct ExperimentRow {
    id: String,
    name: String,
    hypothesis: Option<String>,
    step_id: Option<String>,
    sequence_id: Option<String>,
    sequence_name: Option<String>,
    step_position: Option<i64>,
    field: ExperimentField,
    channel: Channel,
    metric: ExperimentMetric,
    status: ExperimentStatus,
    baseline_rate: f64,
    min_effect: f64,
    min_sample_size: i64,
    winner_variant_id: Option<String>,
    started_at: Option<String>,
    ended_at: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(deserialize_with = "crate::store::json")]
    variants: Vec<VariantRow>,
    recommendation: Option<String>,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The successes of a variant's totals on `metric`.
fn conversions(metric: ExperimentMetric, totals: &Totals) -> u64 {
    count(match metric {
        ExperimentMetric::ReplyRate => totals.replied,
        ExperimentMetric::PositiveReplyRate => totals.positive,
        ExperimentMetric::MeetingRate => totals.meetings,
    })
}

impl From<ExperimentRow> for Experiment {
    fn from(row: ExperimentRow) -> Self {
        let metric = row.metric;
        let arms: Vec<(u64, u64)> = row
            .variants
            .iter()
            .map(|v| {
                let totals = v.totals.unwrap_or_default();
                (conversions(metric, &totals), count(totals.sends))
            })
            .collect();
        let control = row.variants.iter().position(|v| v.is_control).unwrap_or(0);
        let tested: Vec<usize> = (0..arms.len()).filter(|&i| i != control).collect();
        let compared: Vec<stats::Comparison> =
            tested.iter().map(|&i| stats::compare(arms.get(control).copied().unwrap_or((0, 0)), arms[i])).collect();
        let adjusted = stats::holm(&compared.iter().map(|c| c.p).collect::<Vec<_>>());
        let verdict = match stats::verdict(&arms, control, required_sends(row.min_sample_size)) {
            stats::Verdict::Collecting { progress } => Verdict::Collecting { progress },
            stats::Verdict::NoDifference => Verdict::NoDifference,
            stats::Verdict::Winner { variant } => match row.variants.get(variant) {
                Some(v) => Verdict::Winner { variant_id: v.id.clone(), variant_name: v.name.clone() },
                None => Verdict::NoDifference,
            },
        };
        let variants = row
            .variants
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let totals = v.totals.unwrap_or_default();
                let (successes, trials) = arms[i];
                let interval = stats::wilson(successes, trials);
                let comparison = tested.iter().position(|&t| t == i).map(|k| {
                    let c = compared[k];
                    Comparison { diff: c.diff, low: c.low, high: c.high, z: c.z, p: c.p, p_adjusted: adjusted[k] }
                });
                Variant {
                    id: v.id,
                    name: v.name,
                    is_control: v.is_control,
                    weight: v.weight,
                    content: v.content,
                    instructions: v.instructions,
                    position: v.position,
                    sends: count(totals.sends),
                    replies: count(totals.replied),
                    positive_replies: count(totals.positive),
                    meetings: count(totals.meetings),
                    n: trials,
                    conversions: successes,
                    rate: stats::rate(successes, trials),
                    interval: Interval { low: interval.low, high: interval.high },
                    comparison,
                }
            })
            .collect();
        Self {
            id: row.id,
            name: row.name,
            hypothesis: row.hypothesis,
            step_id: row.step_id,
            sequence_id: row.sequence_id,
            sequence_name: row.sequence_name,
            step_position: row.step_position,
            field: row.field,
            channel: row.channel,
            metric,
            status: row.status,
            baseline_rate: row.baseline_rate,
            min_effect: row.min_effect,
            min_sample_size: row.min_sample_size,
            winner_variant_id: row.winner_variant_id,
            started_at: row.started_at,
            ended_at: row.ended_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            variants,
            verdict,
            recommendation: row.recommendation,
        }
    }
}

fn decode(row: &Row) -> AppResult<Experiment> {
    from_row::<ExperimentRow>(row).map(Experiment::from)
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
