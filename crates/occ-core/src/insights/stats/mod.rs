//! The statistics behind analytics and A/B experiments, written out by hand so they can be read
//! and tested against published values: the normal distribution, the Wilson score interval of a
//! rate, a variant's rate against the control's (Newcombe's interval of the difference and the
//! pooled two-proportion z-test), Holm's correction when several variants are tested against the
//! same control, the sample size an experiment needs, its verdict, and the sticky assignment of a
//! contact to a variant. Every function is pure; a rate is `(successes, trials)`.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The normal quantile of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The significance level, two-sided, of the tests and of the sample size.
pub const ALPHA: f64 = 0.05;

/// The power the sample size is computed for.
pub const POWER: f64 = 0.8;

/// How many terms of the continued fraction of `erfc` are evaluated: from 2 on, 60 reach the
/// precision of an `f64`.
const FRACTION_TERMS: u32 = 60;

/// A 95% interval of a rate, within 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RateInterval)]
pub struct Interval {
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
}

/// A variant's rate against the control's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = RateComparison)]
pub struct Comparison {
    /// The variant's rate minus the control's.
    pub diff: f64,
    /// The lower bound of the 95% interval of `diff`.
    pub low: f64,
    /// The upper bound of the 95% interval of `diff`.
    pub high: f64,
    /// The pooled two-proportion z statistic, positive when the variant's rate is higher.
    pub z: f64,
    /// The two-sided p-value of `z`.
    pub p: f64,
}

/// What an experiment's arms say.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = ExperimentVerdict)]
pub enum Verdict {
    /// Some arm has fewer trials than required: no verdict yet, however large the gap.
    Collecting {
        /// The smallest arm's trials over the required number, from 0 to 1.
        progress: f64,
    },
    /// Every arm has enough trials and none differs significantly from the control.
    NoDifference,
    /// Every arm has enough trials and this one is significantly best.
    Winner {
        /// The winning arm's index (the control's when every other arm is significantly worse).
        variant: usize,
    },
}

/// The complementary error function: below 2 by the series of `erf` whose terms are all positive
/// (Abramowitz and Stegun 7.1.6), from 2 on by its continued fraction (7.1.14); both are good to
/// about 1e-13 relative.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 { 1.0 - erf_series(x) } else { erfc_fraction(x) }
}

/// `erf(x)` for `0 <= x < 2`: 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)).
fn erf_series(x: f64) -> f64 {
    let (mut term, mut sum, mut n) = (x, x, 0.0);
    while term > 1e-17 * sum {
        n += 1.0;
        term *= 2.0 * x * x / (2.0 * n + 1.0);
        sum += term;
    }
    std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp() * sum
}

/// `erfc(x)` for `x >= 2`: e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), from the bottom up.
fn erfc_fraction(x: f64) -> f64 {
    let mut fraction = x;
    for k in (1..=FRACTION_TERMS).rev() {
        fraction = x + f64::from(k) / 2.0 / fraction;
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / fraction
}

/// The standard normal distribution function: the probability of a value below `z`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The two-sided p-value of a standard normal statistic `z`.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// The standard normal quantile, the `z` with `normal_cdf(z) == p`: Acklam's rational
/// approximation (relative error below 1.15e-9) refined by one step of Halley's method. Minus
/// infinity for `p <= 0`, infinity for `p >= 1`.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let x = acklam(p);
    let u = (normal_cdf(x) - p) * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    let refined = x - u / (1.0 + x * u / 2.0);
    // Far in the tails e^(x²/2) overflows; the approximation alone is then the answer.
    if refined.is_finite() { refined } else { x }
}

/// Acklam's approximation of the normal quantile for `0 < p < 1`: one rational function in the
/// middle, another of √(−2 ln p) in each tail.
fn acklam(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    const LOW: f64 = 0.024_25;
    let tail = |q: f64| horner(&C, q) / (horner(&D, q) * q + 1.0);
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        horner(&A, r) * q / (horner(&B, r) * r + 1.0)
    }
}

/// The polynomial with `coefficients` (highest power first) at `x`.
fn horner(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |sum, c| sum * x + c)
}

/// `successes / trials`, 0 with no trials; successes beyond the trials count as the trials.
pub fn rate(successes: u64, trials: u64) -> f64 {
    if trials == 0 { 0.0 } else { successes.min(trials) as f64 / trials as f64 }
}

/// The Wilson score interval at 95% of `successes` out of `trials`; `(0, 1)` with no trials.
pub fn wilson(successes: u64, trials: u64) -> Interval {
    if trials == 0 {
        return Interval { low: 0.0, high: 1.0 };
    }
    let n = trials as f64;
    let p = rate(successes, trials);
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At 0 or every success rounding can leave a bound a hair on the wrong side of the rate.
    Interval { low: (centre - half).clamp(0.0, p), high: (centre + half).clamp(p, 1.0) }
}

/// The `variant`'s rate against the `control`'s, each `(successes, trials)`: the difference,
/// its 95% interval by Newcombe's hybrid score method (method 10 of Newcombe 1998, built from
/// the two Wilson intervals), and the pooled two-proportion z-test. Nothing can be told (diff 0,
/// interval (−1, 1), z 0, p 1) when either side has no trials.
pub fn compare(control: (u64, u64), variant: (u64, u64)) -> Comparison {
    let ((x1, n1), (x2, n2)) = (control, variant);
    if n1 == 0 || n2 == 0 {
        return Comparison { diff: 0.0, low: -1.0, high: 1.0, z: 0.0, p: 1.0 };
    }
    let (p1, p2) = (rate(x1, n1), rate(x2, n2));
    let (w1, w2) = (wilson(x1, n1), wilson(x2, n2));
    let diff = p2 - p1;
    let below = ((p2 - w2.low).powi(2) + (w1.high - p1).powi(2)).sqrt();
    let above = ((w2.high - p2).powi(2) + (p1 - w1.low).powi(2)).sqrt();
    let z = pooled_z(control, variant);
    Comparison { diff, low: diff - below, high: diff + above, z, p: two_sided_p(z) }
}

/// The pooled two-proportion z statistic of the `variant` against the `control`, both with
/// trials; 0 when every trial went the same way, as no difference can then be seen.
fn pooled_z((x1, n1): (u64, u64), (x2, n2): (u64, u64)) -> f64 {
    let (s1, s2) = (x1.min(n1) as f64, x2.min(n2) as f64);
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (s1 + s2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se > 0.0 { (s2 / n2 - s1 / n1) / se } else { 0.0 }
}

/// Holm's step-down adjustment of `p` (one test per entry), in the same order: the k-th smallest
/// is multiplied by the number of tests not yet passed, and an adjusted value never falls below
/// the one before it.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let mut adjusted = vec![1.0; m];
    let mut running: f64 = 0.0;
    for (rank, index) in order.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[index]).min(1.0));
        adjusted[index] = running;
    }
    adjusted
}

/// The trials each arm needs to detect an absolute lift of `min_effect` over a `baseline` rate
/// with [`POWER`] at [`ALPHA`] two-sided, by the normal approximation without continuity
/// correction (Fleiss, Levin and Paik, 2003, 4.14): n = (z₁₋α/₂·√(2p̄(1−p̄)) +
/// z₁₋β·√(p₁(1−p₁) + p₂(1−p₂)))² / (p₂ − p₁)², with p₂ = baseline + min_effect and p̄ their mean,
/// rounded up. None unless 0 < baseline, 0 < min_effect and baseline + min_effect < 1.
pub fn sample_size_per_arm(baseline: f64, min_effect: f64) -> Option<u64> {
    let (p1, p2) = (baseline, baseline + min_effect);
    let sensible = baseline > 0.0 && baseline < 1.0 && min_effect > 0.0 && p2 < 1.0;
    if !sensible {
        return None;
    }
    let mean = (p1 + p2) / 2.0;
    let null = normal_quantile(1.0 - ALPHA / 2.0) * (2.0 * mean * (1.0 - mean)).sqrt();
    let alternative = normal_quantile(POWER) * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    let n = ((null + alternative) / (p2 - p1)).powi(2).ceil();
    n.is_finite().then_some(n as u64)
}

/// The verdict of an experiment's `arms`, each `(successes, trials)`, against the arm at
/// `control`, once every arm has `required` trials. Until then it is [`Verdict::Collecting`], so
/// looking early never declares a winner. Then every other arm is compared with the control, the
/// p-values are corrected with [`holm`] (a no-op for a single comparison), and the arm with the
/// best rate among those significantly above the control at [`ALPHA`] wins (the first on a tie);
/// when every other arm is significantly below the control, the control wins; otherwise there is
/// no difference. With fewer than two arms, or a `control` out of range, it stays collecting.
pub fn verdict(arms: &[(u64, u64)], control: usize, required: u64) -> Verdict {
    let Some(&base) = arms.get(control).filter(|_| arms.len() >= 2) else {
        return Verdict::Collecting { progress: 0.0 };
    };
    let smallest = arms.iter().map(|&(_, trials)| trials).min().unwrap_or(0);
    if smallest < required {
        return Verdict::Collecting { progress: smallest as f64 / required as f64 };
    }
    let tested: Vec<usize> = (0..arms.len()).filter(|&i| i != control).collect();
    let tests: Vec<Comparison> = tested.iter().map(|&i| compare(base, arms[i])).collect();
    let adjusted = holm(&tests.iter().map(|t| t.p).collect::<Vec<_>>());
    let significant = |k: &usize| adjusted[*k] < ALPHA;
    let best = (0..tested.len()).filter(|k| significant(k) && tests[*k].diff > 0.0).map(|k| tested[k]).fold(
        None,
        |best: Option<usize>, i| match best {
            Some(b) if rate(arms[b].0, arms[b].1) >= rate(arms[i].0, arms[i].1) => Some(b),
            _ => Some(i),
        },
    );
    let all_worse = (0..tested.len()).all(|k| significant(&k) && tests[k].diff < 0.0);
    match best {
        Some(variant) => Verdict::Winner { variant },
        None if all_worse => Verdict::Winner { variant: control },
        None => Verdict::NoDifference,
    }
}

/// The variant, by index into `weights`, of the contact `contact_id` in the experiment
/// `experiment_id`, drawn in proportion to the weights; None when every weight is 0.
///
/// The draw is sticky and must never change: a contact keeps its variant across releases, so
/// the hash (SHA-256 of the experiment id, a 0 byte and the contact id, its first 8 bytes as a
/// big-endian integer), its scaling to the total weight (a multiply and shift, which has no
/// modulo bias) and the walk along the cumulative weights are fixed, and a test pins answers.
pub fn assign(experiment_id: &str, contact_id: &str, weights: &[u32]) -> Option<usize> {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total == 0 {
        return None;
    }
    let digest = Sha256::new().chain_update(experiment_id).chain_update([0]).chain_update(contact_id).finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let point = (u128::from(u64::from_be_bytes(head)) * u128::from(total)) >> 64;
    let mut cumulative = 0u128;
    weights.iter().position(|&w| {
        cumulative += u128::from(w);
        point < cumulative
    })
}

#[cfg(test)]
mod tests;
