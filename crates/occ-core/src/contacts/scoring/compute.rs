//! The ICP model's arithmetic: how well each factor fits a contact, and the score those fits
//! earn under a model's weights.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Factor, IcpConfig, SizeRange};
use crate::domain::enums::{Department, Seniority, Stage};

/// One signal as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignalInput {
    /// 1-5.
    pub strength: i64,
    /// How long ago it happened, in days (negative counts as now).
    pub age_days: f64,
}

/// What the model reads about a contact.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Inputs {
    pub industry: Option<String>,
    pub sub_industry: Option<String>,
    pub seniority: Seniority,
    pub department: Option<Department>,
    pub employee_count: Option<i64>,
    pub stage: Stage,
    /// Fresh (not expired) signals of the contact and its account.
    pub signals: Vec<SignalInput>,
}

/// A score and what made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scored {
    /// 0-100.
    pub score: u32,
    /// Each factor's points; they add up to `score`.
    pub factors: BTreeMap<Factor, u32>,
}

fn contains(list: &[String], value: Option<&str>) -> bool {
    let trim = |t: &str| t.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned();
    value.is_some_and(|v| list.iter().any(|t| trim(t).eq_ignore_ascii_case(&trim(v))))
}

/// Days from `at` to `now` (both RFC 3339), from their whole seconds as SQL's `unixepoch`
/// counts them; an unreadable time counts as now.
pub fn age_days(at: &str, now: &str) -> f64 {
    let seconds = |t: &str| chrono::DateTime::parse_from_rfc3339(t).map(|t| t.timestamp()).ok();
    match (seconds(at), seconds(now)) {
        (Some(at), Some(now)) => (now - at) as f64 / 86_400.0,
        _ => 0.0,
    }
}

/// `0.5^x` for `x >= 0` (how much a signal `x` half-lives old still counts), computed as the SQL
/// model computes it ([`super::sql`]): `2^-n x e^(-f ln 2)` for `x = n + f`, the exponential by its
/// Taylor series to the 11th power, term by term (off by less than 1e-9); nothing after 60
/// half-lives.
pub fn half_life_decay(x: f64) -> f64 {
    let n = x as i64;
    if n >= 60 {
        return 0.0;
    }
    let y = (x - n as f64) * std::f64::consts::LN_2;
    let (mut e, mut term) = (1.0, 1.0);
    for k in 1..=11 {
        term = term * y / f64::from(k);
        e = if k % 2 == 1 { e - term } else { e + term };
    }
    (1.0 / (1u64 << n) as f64) * e
}

/// How well each factor fits, from 0 to 1.
pub fn fits(config: &IcpConfig, inputs: &Inputs) -> BTreeMap<Factor, f64> {
    let industry = {
        let industry = contains(&config.target_industries, inputs.industry.as_deref());
        let sub = contains(&config.target_sub_industries, inputs.sub_industry.as_deref());
        match (config.target_sub_industries.is_empty(), industry, sub) {
            (true, true, _) => 1.0,
            (_, true, true) => 1.0,
            (_, true, false) => 0.7,
            (_, false, true) => 0.5,
            _ => 0.0,
        }
    };
    let seniority = f64::from(config.seniority_fit.get(&inputs.seniority).copied().unwrap_or(0).min(100)) / 100.0;
    let department = match inputs.department {
        Some(d) if config.target_departments.contains(&d) => 1.0,
        _ => 0.0,
    };
    let SizeRange { min, max } = config.company_size;
    let company_size = match inputs.employee_count {
        None => 0.0,
        Some(n) if n >= min && n <= max => 1.0,
        Some(n) if n < min => n.max(0) as f64 / min.max(1) as f64,
        Some(n) => max as f64 / n as f64,
    };
    let signals = inputs
        .signals
        .iter()
        .map(|s| {
            (s.strength.clamp(0, 5) as f64 / 5.0) * half_life_decay(s.age_days.max(0.0) / config.signal_half_life_days)
        })
        .sum::<f64>()
        .min(1.0);
    use Stage::*;
    let engagement = match inputs.stage {
        RepliedPositive | MeetingBooked | MeetingHeld | Opportunity => 1.0,
        Replied | Referred | ReEngaged => 0.6,
        Touched | Sequencing | BreakUpSent => 0.3,
        New | Researched | Drafted | RepliedNegative | NotInterested | Dormant => 0.0,
    };
    [
        (Factor::Industry, industry),
        (Factor::Seniority, seniority),
        (Factor::Department, department),
        (Factor::CompanySize, company_size),
        (Factor::Signals, signals),
        (Factor::Engagement, engagement),
    ]
    .into_iter()
    .map(|(f, v)| (f, v.clamp(0.0, 1.0)))
    .collect()
}

/// Scores a contact: each factor earns `weight x fit` points, rounded so that the factors add
/// up exactly to the rounded total (largest remainders get the spare points).
pub fn score(config: &IcpConfig, inputs: &Inputs) -> Scored {
    let raw: Vec<(Factor, f64)> =
        fits(config, inputs).into_iter().map(|(f, fit)| (f, f64::from(config.weights.of(f)) * fit)).collect();
    let total = raw.iter().map(|(_, r)| r).sum::<f64>().round().clamp(0.0, 100.0) as u32;
    let mut factors: BTreeMap<Factor, u32> = raw.iter().map(|(f, r)| (*f, r.floor() as u32)).collect();
    let mut spare = total.saturating_sub(factors.values().sum());
    let mut by_remainder: Vec<(Factor, f64)> = raw.iter().map(|(f, r)| (*f, r - r.floor())).collect();
    by_remainder.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (factor, _) in by_remainder {
        if spare == 0 {
            break;
        }
        if let Some(points) = factors.get_mut(&factor) {
            *points += 1;
            spare -= 1;
        }
    }
    Scored { score: factors.values().sum(), factors }
}

#[cfg(test)]
mod tests {
    use super::super::Weights;
    use super::*;
    use proptest::prelude::*;

    fn inputs() -> Inputs {
        Inputs {
            industry: Some("Fintech".into()),
            sub_industry: Some("Payments".into()),
            seniority: Seniority::Vp,
            department: Some(Department::Sales),
            employee_count: Some(300),
            stage: Stage::Touched,
            signals: vec![SignalInput { strength: 5, age_days: 0.0 }],
        }
    }

    fn config() -> IcpConfig {
        IcpConfig {
            target_industries: vec!["fintech".into()],
            target_sub_industries: vec!["payments".into()],
            ..IcpConfig::default()
        }
    }

    #[test]
    fn a_perfect_fit_scores_high_and_explains_itself() {
        let scored = score(&config(), &inputs());
        // industry 20 + seniority 18 + department 15 + size 15 + signals 20 + engagement 3
        assert_eq!(scored.score, 91);
        assert_eq!(scored.factors[&Factor::Seniority], 18);
        assert_eq!(scored.factors[&Factor::Engagement], 3);
        assert_eq!(scored.factors.values().sum::<u32>(), scored.score);
    }

    #[test]
    fn nothing_known_scores_zero() {
        let empty = Inputs {
            industry: None,
            sub_industry: None,
            seniority: Seniority::Unknown,
            department: None,
            employee_count: None,
            stage: Stage::New,
            signals: vec![],
        };
        assert_eq!(score(&config(), &empty).score, 0);
    }

    #[test]
    fn a_signal_halves_every_half_life() {
        for x in [0.0, 0.25, 0.5, 0.999, 1.0, 1.5, 2.75, 7.1, 20.0, 59.9] {
            let exact = 0.5f64.powf(x);
            assert!((half_life_decay(x) - exact).abs() <= 1e-9 * exact, "{x}: {} vs {exact}", half_life_decay(x));
        }
        assert_eq!(half_life_decay(60.0), 0.0);
        assert_eq!(half_life_decay(1.0), 0.5);
    }

    #[test]
    fn old_signals_count_less_than_fresh_ones() {
        let mut fresh = inputs();
        fresh.signals = vec![SignalInput { strength: 3, age_days: 1.0 }];
        let mut old = fresh.clone();
        old.signals = vec![SignalInput { strength: 3, age_days: 90.0 }];
        assert!(score(&config(), &fresh).factors[&Factor::Signals] > score(&config(), &old).factors[&Factor::Signals]);
    }

    fn arb_inputs() -> impl Strategy<Value = Inputs> {
        (
            proptest::option::of(proptest::sample::select(vec!["Fintech", "SaaS", "Retail"])),
            proptest::sample::select(Seniority::ALL.to_vec()),
            proptest::option::of(proptest::sample::select(Department::ALL.to_vec())),
            proptest::option::of(-10i64..100_000),
            proptest::sample::select(Stage::ALL.to_vec()),
            proptest::collection::vec((0i64..=5, -5.0f64..400.0), 0..8),
        )
            .prop_map(|(industry, seniority, department, employee_count, stage, signals)| Inputs {
                industry: industry.map(str::to_owned),
                sub_industry: None,
                seniority,
                department,
                employee_count,
                stage,
                signals: signals.into_iter().map(|(strength, age_days)| SignalInput { strength, age_days }).collect(),
            })
    }

    fn arb_config() -> impl Strategy<Value = IcpConfig> {
        proptest::collection::vec(0u32..=100, 6).prop_map(|raw| {
            // Any split of 100 points over the six factors.
            let mut points: Vec<u32> = raw.iter().map(|r| r * 100 / raw.iter().sum::<u32>().max(1)).collect();
            let short = 100 - points.iter().sum::<u32>();
            points[0] += short;
            IcpConfig {
                weights: Weights {
                    industry: points[0],
                    seniority: points[1],
                    department: points[2],
                    company_size: points[3],
                    signals: points[4],
                    engagement: points[5],
                },
                target_industries: vec!["Fintech".into()],
                ..IcpConfig::default()
            }
        })
    }

    proptest! {
        #[test]
        fn scores_stay_within_0_to_100_and_factors_add_up(config in arb_config(), inputs in arb_inputs()) {
            let scored = score(&config, &inputs);
            prop_assert!(scored.score <= 100);
            prop_assert_eq!(scored.factors.values().sum::<u32>(), scored.score);
            for (factor, points) in &scored.factors {
                prop_assert!(*points <= config.weights.of(*factor), "{} over its weight", factor);
            }
        }

        #[test]
        fn a_stronger_signal_never_lowers_the_score(config in arb_config(), inputs in arb_inputs(), extra in 1i64..=5) {
            let before = score(&config, &inputs);
            let mut stronger = inputs.clone();
            stronger.signals.push(SignalInput { strength: extra, age_days: 0.0 });
            prop_assert!(score(&config, &stronger).score >= before.score);
            if let Some(first) = stronger.signals.first_mut() {
                first.strength = (first.strength + 1).min(5);
            }
            prop_assert!(score(&config, &stronger).score >= before.score);
        }
    }
}
