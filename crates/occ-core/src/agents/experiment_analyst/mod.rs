//! The experiment analyst: an experiment's results read from the send roll-ups, and a
//! recommendation. The numbers decide and the model only words them: the verdict (still
//! collecting, no difference, or a winner) is [`crate::insights::stats::verdict`], the one the
//! experiment's page shows — at least 100 sends (or the experiment's own minimum, when larger)
//! per variant, each variant against the control by a two-proportion z-test, Holm's correction
//! across them, a winner only when significant at 5% — and a model's answer whose verdict or
//! winner differs is refused for the fallback's. Its answer changes nothing: the run
//! is the record, and declaring a winner stays a person's decision.

use serde::{Deserialize, Serialize};

use super::{Agent, Gathered, Options, Target, TargetKind};
use crate::domain::enums::{AgentKind, ExperimentMetric};
use crate::error::{AppError, AppResult};
use crate::insights::stats;
use crate::store::{Row, from_row};

/// The fewest sends a variant needs before any verdict.
pub use crate::insights::experiments::MIN_SENDS;

/// The longest recommendation.
const RECOMMENDATION_MAX: usize = 2000;

/// One variant's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Its name.
    pub name: String,
    /// Whether it is the control the others are measured against.
    pub is_control: bool,
    /// Messages of this variant sent.
    pub sends: u64,
    /// Sends that converted on the experiment's metric.
    pub conversions: u64,
}

/// What the analyst reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The experiment's name.
    pub name: String,
    /// What it compares: reply_rate, positive_reply_rate or meeting_rate.
    pub metric: ExperimentMetric,
    /// Sends per variant before a verdict.
    pub min_sends: u64,
    /// Each variant's results, in the experiment's order.
    pub variants: Vec<Variant>,
    /// The statistics, for the model to word (the verdict it must keep).
    pub analysis: Analysis,
}

/// One variant's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    /// The variant's name.
    pub name: String,
    /// conversions / sends.
    pub rate: f64,
    /// The Wilson 95% interval of the rate.
    pub interval: (f64, f64),
    /// Against the control (none for the control): the z statistic.
    pub z: Option<f64>,
    /// The two-sided p-value against the control.
    pub p: Option<f64>,
    /// The p-value after Holm's correction.
    pub p_adjusted: Option<f64>,
}

/// What the statistics say.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// The verdict the numbers give.
    pub verdict: Verdict,
    /// The winner's name, with a winner.
    pub winner: Option<String>,
    /// The control's name (the variant marked control, else the first by name).
    pub control: Option<String>,
    /// Each variant's numbers.
    pub measured: Vec<Measured>,
}

crate::closed_enum! {
    /// What an experiment's results say.
    pub enum Verdict {
        /// Too few sends to say anything yet.
        Collecting => "collecting",
        /// Enough sends, and no variant differs significantly from the control.
        NoDifference => "no_difference",
        /// One variant is significantly best.
        Winner => "winner",
    }
}

/// The analyst's reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExperimentAnalystOutput)]
pub struct Output {
    /// collecting, no_difference or winner: as the statistics say.
    #[schema(inline)]
    pub verdict: Verdict,
    /// With a winner, its name.
    pub winner_variant: Option<String>,
    /// What to do now, in plain words, from the numbers.
    pub recommendation: String,
}

#[derive(Deserialize)]
struct Facts {
    name: String,
    metric: ExperimentMetric,
    min_sample_size: i64,
    variants: String,
}

/// The experiment analyst.
#[derive(Debug)]
pub struct ExperimentAnalyst;

impl Agent for ExperimentAnalyst {
    const KIND: AgentKind = AgentKind::ExperimentAnalyst;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 400;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        // Each variant's sends and the sends that led to a reply (a positive one for
        // positive_reply_rate, a meeting for meeting_rate), from the roll-ups the experiment's
        // page reads, in the same order (from the day before the experiment was made, as there).
        (kind == TargetKind::Experiment).then_some(
            "SELECT e.name, e.metric, e.min_sample_size, \
             (SELECT json_group_array(json_object('name', v.name, 'is_control', json(CASE WHEN v.is_control THEN 'true' ELSE 'false' END), \
               'sends', v.sends, 'conversions', v.conversions)) FROM ( \
               SELECT ev.name, ev.is_control, \
               (SELECT ifnull(sum(r.sends), 0) FROM send_rollups r WHERE r.dim = 'variant' AND r.day >= date(e.created_at, '-1 day') AND r.value = ev.id) AS sends, \
               (SELECT ifnull(sum(CASE e.metric WHEN 'reply_rate' THEN r.replied WHEN 'positive_reply_rate' THEN r.positive \
                  ELSE r.meetings END), 0) FROM send_rollups r WHERE r.dim = 'variant' AND r.day >= date(e.created_at, '-1 day') AND r.value = ev.id) AS conversions \
               FROM experiment_variants ev WHERE ev.experiment_id = e.id ORDER BY ev.position) v) AS variants \
             FROM experiments e WHERE e.id = :id",
        )
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        let variants: Vec<Variant> = serde_json::from_str(&f.variants)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored experiment results: {e}")))?;
        let min_sends = crate::insights::experiments::required_sends(f.min_sample_size);
        let analysis = analyse(&variants, min_sends);
        Ok(Gathered {
            input: Input { name: f.name, metric: f.metric, min_sends, variants, analysis },
            owner_id: None,
            contact_id: None,
            account_id: None,
        })
    }

    fn fallback(input: &Input) -> Output {
        Output {
            verdict: input.analysis.verdict,
            winner_variant: input.analysis.winner.clone(),
            recommendation: recommend(input),
        }
    }

    fn check(input: &Input, output: &Output) -> Result<(), String> {
        if output.verdict != input.analysis.verdict {
            let verdicts = Verdict::names().join(", ");
            return Err(format!("the results say {}, not {} (of {verdicts})", input.analysis.verdict, output.verdict));
        }
        if let Some(name) = &output.winner_variant
            && !input.variants.iter().any(|v| &v.name == name)
        {
            return Err("winner_variant must name one of the experiment's variants".to_owned());
        }
        if output.winner_variant != input.analysis.winner {
            return Err("winner_variant must be the variant the results single out, and only with a winner".to_owned());
        }
        let words = output.recommendation.trim();
        if words.is_empty() || words.chars().count() > RECOMMENDATION_MAX {
            return Err(format!("recommendation must be 1 to {RECOMMENDATION_MAX} characters"));
        }
        Ok(())
    }
}

/// The verdict of `variants` with at least `min_sends` sends each: [`stats::verdict`], the one
/// the experiment's page shows, with each variant's numbers.
pub fn analyse(variants: &[Variant], min_sends: u64) -> Analysis {
    let control = variants
        .iter()
        .position(|v| v.is_control)
        .or_else(|| (0..variants.len()).min_by(|a, b| variants[*a].name.cmp(&variants[*b].name)));
    let arms: Vec<(u64, u64)> = variants.iter().map(|v| (v.conversions, v.sends)).collect();
    let tested: Vec<usize> = (0..variants.len()).filter(|i| Some(*i) != control).collect();
    let tests: Vec<stats::Comparison> = match control {
        Some(c) => tested.iter().map(|&i| stats::compare(arms[c], arms[i])).collect(),
        None => Vec::new(),
    };
    let adjusted = stats::holm(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
    let measured = variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let at = tested.iter().position(|t| *t == i);
            let interval = stats::wilson(v.conversions, v.sends);
            Measured {
                name: v.name.clone(),
                rate: stats::rate(v.conversions, v.sends),
                interval: (interval.low, interval.high),
                z: at.map(|k| tests[k].z),
                p: at.map(|k| tests[k].p),
                p_adjusted: at.map(|k| adjusted[k]),
            }
        })
        .collect();
    let control_name = control.map(|c| variants[c].name.clone());
    let found = control.map_or(stats::Verdict::Collecting { progress: 0.0 }, |c| stats::verdict(&arms, c, min_sends));
    let (verdict, winner) = match found {
        stats::Verdict::Collecting { .. } => (Verdict::Collecting, None),
        stats::Verdict::NoDifference => (Verdict::NoDifference, None),
        stats::Verdict::Winner { variant } => (Verdict::Winner, variants.get(variant).map(|v| v.name.clone())),
    };
    Analysis { verdict, winner, control: control_name, measured }
}

/// A percentage with one decimal.
fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The recommendation in plain words, from the numbers only.
fn recommend(input: &Input) -> String {
    let a = &input.analysis;
    let figures: Vec<String> = a
        .measured
        .iter()
        .zip(&input.variants)
        .map(|(m, v)| {
            format!(
                "{}: {} of {} ({}, 95% interval {} to {})",
                m.name,
                v.conversions,
                v.sends,
                percent(m.rate),
                percent(m.interval.0),
                percent(m.interval.1)
            )
        })
        .collect();
    let figures = if figures.is_empty() { "no variants yet".to_owned() } else { figures.join("; ") };
    let metric = input.metric.as_str().replace('_', " ");
    match a.verdict {
        Verdict::Collecting => {
            let short: Vec<String> = input
                .variants
                .iter()
                .filter(|v| v.sends < input.min_sends)
                .map(|v| format!("{} needs {} more", v.name, input.min_sends - v.sends))
                .collect();
            let needs = if input.variants.len() < 2 {
                "An experiment needs at least two variants".to_owned()
            } else {
                format!(
                    "Keep sending: each variant needs {} sends before a verdict ({})",
                    input.min_sends,
                    short.join(", ")
                )
            };
            format!("{needs}. So far, {metric}: {figures}.")
        }
        Verdict::NoDifference => format!(
            "No variant differs significantly from the control on {metric} at 5% (Holm-corrected): {figures}. \
             Keep the control, or stop the experiment and test a bolder change."
        ),
        Verdict::Winner => {
            let winner = a.winner.as_deref().unwrap_or_default();
            let p = a
                .measured
                .iter()
                .filter_map(|m| m.p_adjusted)
                .fold(f64::NAN, |low, p| if low.is_nan() || p < low { p } else { low });
            let against = if a.winner == a.control {
                "the control beats every other variant".to_owned()
            } else {
                format!("it beats the control {}", a.control.as_deref().unwrap_or_default())
            };
            format!(
                "{winner} wins on {metric}: {against} (adjusted p {p:.4}). {figures}. \
                 Consider ending the experiment and using {winner} for everyone."
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variant(name: &str, is_control: bool, sends: u64, conversions: u64) -> Variant {
        Variant { name: name.to_owned(), is_control, sends, conversions }
    }

    fn input(variants: Vec<Variant>) -> Input {
        let analysis = analyse(&variants, MIN_SENDS);
        Input {
            name: "Subject lines".to_owned(),
            metric: ExperimentMetric::ReplyRate,
            min_sends: MIN_SENDS,
            variants,
            analysis,
        }
    }

    #[test]
    fn fewer_than_the_minimum_sends_is_still_collecting() {
        let i = input(vec![variant("A", true, 99, 5), variant("B", false, 300, 90)]);
        let out = ExperimentAnalyst::fallback(&i);
        assert_eq!(out.verdict, Verdict::Collecting);
        assert_eq!(out.winner_variant, None);
        assert!(out.recommendation.contains("A needs 1 more"), "{}", out.recommendation);
        assert_eq!(input(vec![variant("A", true, 500, 5)]).analysis.verdict, Verdict::Collecting);
    }

    #[test]
    fn a_significant_difference_names_the_winner_and_a_small_one_does_not() {
        let clear = input(vec![variant("control", true, 200, 20), variant("short", false, 200, 45)]);
        let out = ExperimentAnalyst::fallback(&clear);
        assert_eq!((out.verdict, out.winner_variant.as_deref()), (Verdict::Winner, Some("short")));
        assert!(out.recommendation.starts_with("short wins"), "{}", out.recommendation);
        assert!(ExperimentAnalyst::check(&clear, &out).is_ok());
        let close = input(vec![variant("control", true, 200, 20), variant("short", false, 200, 25)]);
        assert_eq!(ExperimentAnalyst::fallback(&close).verdict, Verdict::NoDifference);
        let worse = input(vec![variant("control", true, 200, 45), variant("long", false, 200, 20)]);
        assert_eq!(worse.analysis.winner.as_deref(), Some("control"));
    }

    #[test]
    fn holm_can_take_a_winner_away_with_more_variants() {
        // B against A alone: p 0.033 wins; with two more variants tested, 3 x 0.033 does not.
        let two = input(vec![variant("A", true, 400, 40), variant("B", false, 400, 60)]);
        assert_eq!(two.analysis.verdict, Verdict::Winner, "{:?}", two.analysis);
        let four = input(vec![
            variant("A", true, 400, 40),
            variant("B", false, 400, 60),
            variant("C", false, 400, 41),
            variant("D", false, 400, 39),
        ]);
        assert_eq!(four.analysis.verdict, Verdict::NoDifference, "{:?}", four.analysis);
    }

    #[test]
    fn a_model_may_word_the_verdict_but_not_change_it() {
        let i = input(vec![variant("control", true, 200, 20), variant("short", false, 200, 45)]);
        let ok = Output {
            verdict: Verdict::Winner,
            winner_variant: Some("short".to_owned()),
            recommendation: "Use the short version.".to_owned(),
        };
        assert!(ExperimentAnalyst::check(&i, &ok).is_ok());
        let other = Output { verdict: Verdict::NoDifference, winner_variant: None, ..ok.clone() };
        assert!(ExperimentAnalyst::check(&i, &other).is_err());
        let unknown = Output { winner_variant: Some("long".to_owned()), ..ok.clone() };
        assert!(ExperimentAnalyst::check(&i, &unknown).is_err());
        let empty = Output { recommendation: " ".to_owned(), ..ok };
        assert!(ExperimentAnalyst::check(&i, &empty).is_err());
    }

    #[test]
    fn the_answer_schema_is_written_inline() {
        assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
    }
}
