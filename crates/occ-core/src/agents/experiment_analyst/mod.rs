//! The experiment analyst: an experiment's results read, and a recommendation. The numbers
//! decide and the model only words them: the verdict (still collecting, no difference, or a
//! winner) comes from [`crate::insights::stats`] — at least 100 sends (or the experiment's own
//! minimum, when larger) per variant, each variant against the control by a two-proportion z-test, Holm's
//! correction across them, a winner only when significant at 5% — and a model's answer whose
//! verdict or winner differs is refused for the fallback's. Its answer changes nothing: the run
//! is the record, and declaring a winner stays a person's decision.

use serde::{Deserialize, Serialize};

use super::{Agent, Gathered, Options, Target, TargetKind};
use crate::domain::enums::{AgentKind, ExperimentMetric};
use crate::error::{AppError, AppResult};
use crate::insights::stats;
use crate::store::{Row, from_row};

/// The fewest sends a variant needs before any verdict.
pub const MIN_SENDS: u64 = 100;

/// The significance level a winner must reach after Holm's correction.
pub const ALPHA: f64 = 0.05;

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
    /// Each variant's results, the control first.
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
        // The sends made until now; a send converts when a reply answers it (a positive one for positive_reply_rate), or,
        // for meeting_rate, when its contact has a meeting on an opportunity made after it.
        (kind == TargetKind::Experiment).then_some(
            "SELECT e.name, e.metric, e.min_sample_size, \
             (SELECT json_group_array(json_object('name', v.name, 'is_control', json(CASE WHEN v.is_control THEN 'true' ELSE 'false' END), \
               'sends', v.sends, 'conversions', v.conversions)) FROM ( \
               SELECT ev.name, ev.is_control, \
               (SELECT count(*) FROM touchpoints t WHERE t.variant_id = ev.id AND t.status = 'sent' AND t.sent_at <= :now) AS sends, \
               (SELECT count(*) FROM touchpoints t WHERE t.variant_id = ev.id AND t.status = 'sent' AND t.sent_at <= :now AND CASE e.metric \
                 WHEN 'reply_rate' THEN EXISTS (SELECT 1 FROM replies r WHERE r.touchpoint_id = t.id) \
                 WHEN 'positive_reply_rate' THEN EXISTS (SELECT 1 FROM replies r WHERE r.touchpoint_id = t.id AND r.intent = 'positive') \
                 ELSE EXISTS (SELECT 1 FROM opportunities o WHERE o.contact_id = t.contact_id AND o.meeting_at IS NOT NULL \
                   AND o.created_at >= t.sent_at) END) AS conversions \
               FROM experiment_variants ev WHERE ev.experiment_id = e.id ORDER BY ev.is_control DESC, ev.name) v) AS variants \
             FROM experiments e WHERE e.id = :id",
        )
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        let variants: Vec<Variant> = serde_json::from_str(&f.variants)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored experiment results: {e}")))?;
        let min_sends = MIN_SENDS.max(u64::try_from(f.min_sample_size).unwrap_or(0));
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

/// The verdict of `variants` with at least `min_sends` sends each.
pub fn analyse(variants: &[Variant], min_sends: u64) -> Analysis {
    let control = variants.iter().find(|v| v.is_control).or_else(|| variants.iter().min_by(|a, b| a.name.cmp(&b.name)));
    let rate = |v: &Variant| if v.sends == 0 { 0.0 } else { v.conversions.min(v.sends) as f64 / v.sends as f64 };
    let tested: Vec<&Variant> =
        variants.iter().filter(|v| Some(v.name.as_str()) != control.map(|c| c.name.as_str())).collect();
    let tests: Vec<(f64, f64)> = match control {
        Some(c) => tested
            .iter()
            .map(|v| stats::compare((c.conversions, c.sends), (v.conversions, v.sends)))
            .map(|t| (t.z, t.p))
            .collect(),
        None => Vec::new(),
    };
    let adjusted = stats::holm(&tests.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    let mut measured: Vec<Measured> = Vec::with_capacity(variants.len());
    for v in variants {
        let at = tested.iter().position(|t| t.name == v.name);
        let interval = stats::wilson(v.conversions, v.sends);
        measured.push(Measured {
            name: v.name.clone(),
            rate: rate(v),
            interval: (interval.low, interval.high),
            z: at.map(|i| tests[i].0),
            p: at.map(|i| tests[i].1),
            p_adjusted: at.map(|i| adjusted[i]),
        });
    }
    let enough = variants.len() >= 2 && variants.iter().all(|v| v.sends >= min_sends);
    let control_name = control.map(|c| c.name.clone());
    if !enough {
        return Analysis { verdict: Verdict::Collecting, winner: None, control: control_name, measured };
    }
    let significant: Vec<(&Variant, f64)> =
        tested.iter().enumerate().filter(|(i, _)| adjusted[*i] < ALPHA).map(|(i, v)| (*v, tests[i].0)).collect();
    // A variant significantly better than the control wins (the best of them); when every
    // significant difference is worse than the control, the control wins.
    let better = significant
        .iter()
        .filter(|(_, z)| *z > 0.0)
        .map(|(v, _)| *v)
        .max_by(|a, b| rate(a).total_cmp(&rate(b)).then_with(|| b.name.cmp(&a.name)));
    let winner = match better {
        Some(v) => Some(v.name.clone()),
        None if !significant.is_empty() && significant.len() == tested.len() => control_name.clone(),
        None => None,
    };
    let verdict = if winner.is_some() { Verdict::Winner } else { Verdict::NoDifference };
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
