//! An experiment as the API shows it: its variants' totals from the roll-ups, and the
//! statistics computed from them after the one read ([`stats`]): each variant's rate and Wilson
//! interval, its difference from the control with the Holm-corrected p-value, and the verdict.

use serde::{Deserialize, Serialize};

use super::required_sends;
use crate::domain::enums::{Channel, ExperimentField, ExperimentMetric, ExperimentStatus};
use crate::error::AppResult;
use crate::insights::stats;
use crate::store::{Row, from_row};

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

pub(super) fn decode(row: &Row) -> AppResult<Experiment> {
    from_row::<ExperimentRow>(row).map(Experiment::from)
}
