//! The statistics an experiment's verdict rests on, written out by hand so they can be read and
//! tested against published values: the Wilson score interval of a rate, the pooled
//! two-proportion z-test of a variant against the control, and Holm's correction when several
//! variants are tested against the same control.

/// The normal quantile of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`),
/// whose fractional error is below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The two-sided p-value of a standard normal statistic `z`.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// The Wilson score interval at 95% of `successes` out of `trials`; `(0, 1)` with no trials.
pub fn wilson(successes: u64, trials: u64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes.min(trials) as f64 / n;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The pooled two-proportion z-test of `x1` of `n1` against `x2` of `n2`: the statistic (positive
/// when the first rate is higher) and its two-sided p-value. No difference can be seen (z 0, p 1)
/// when either has no trials or every trial went the same way.
pub fn two_proportion(x1: u64, n1: u64, x2: u64, n2: u64) -> (f64, f64) {
    if n1 == 0 || n2 == 0 {
        return (0.0, 1.0);
    }
    let (x1, x2) = (x1.min(n1) as f64, x2.min(n2) as f64);
    let (n1, n2) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se == 0.0 {
        return (0.0, 1.0);
    }
    let z = (x1 / n1 - x2 / n2) / se;
    (z, two_sided_p(z))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, within: f64) -> bool {
        (a - b).abs() <= within
    }

    #[test]
    fn wilson_matches_the_published_intervals() {
        // Wilson (1927); Newcombe (1998) table I: 10 of 100 and 0 of 10.
        let (low, high) = wilson(10, 100);
        assert!(close(low, 0.0552, 1e-4) && close(high, 0.1744, 1e-4), "{low} {high}");
        let (low, high) = wilson(0, 10);
        assert!(close(low, 0.0, 1e-9) && close(high, 0.2775, 1e-4), "{low} {high}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn the_z_test_matches_the_pooled_formula_by_hand() {
        // 20 of 100 against 35 of 100: pooled 0.275, standard error sqrt(0.275 x 0.725 x 0.02)
        // = 0.06315, z = -0.15 / 0.06315 = -2.3754, two-sided p = 0.01753.
        let (z, p) = two_proportion(20, 100, 35, 100);
        assert!(close(z, -2.3754, 1e-4), "{z}");
        assert!(close(p, 0.01753, 1e-4), "{p}");
        // The normal table: |z| 1.96 is p 0.05, 2.576 is p 0.01.
        assert!(close(two_sided_p(1.959_964), 0.05, 1e-6));
        assert!(close(two_sided_p(-2.575_829), 0.01, 1e-6));
        assert_eq!(two_proportion(0, 100, 0, 100), (0.0, 1.0));
        assert_eq!(two_proportion(5, 0, 1, 10), (0.0, 1.0));
    }

    #[test]
    fn holm_multiplies_by_the_tests_left_and_never_goes_down() {
        // Holm (1979): p 0.01, 0.04, 0.03 over three tests is 0.03, 0.06, 0.06.
        let adjusted = holm(&[0.01, 0.04, 0.03]);
        let expected = [0.03, 0.06, 0.06];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-12), "{adjusted:?}");
        }
        assert_eq!(holm(&[0.02]), [0.02], "one test is not adjusted");
        assert_eq!(holm(&[0.9, 0.8]), [1.0, 1.0], "capped at 1");
    }
}
