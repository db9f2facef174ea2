use proptest::prelude::*;

use super::*;

fn close(a: f64, b: f64, within: f64) -> bool {
    (a - b).abs() <= within
}

fn assert_interval(i: Interval, low: f64, high: f64) {
    assert!(close(i.low, low, 5e-5) && close(i.high, high, 5e-5), "{i:?}, not ({low}, {high})");
}

#[test]
fn wilson_matches_the_published_intervals() {
    // Newcombe (1998), Statistics in Medicine 17, table I, method 3 (Wilson's score).
    assert_interval(wilson(0, 10), 0.0, 0.2775);
    assert_interval(wilson(10, 100), 0.0552, 0.1744);
    assert_interval(wilson(50, 100), 0.4038, 0.5962);
    assert_eq!(wilson(0, 0), Interval { low: 0.0, high: 1.0 });
    assert_eq!(wilson(12, 10), wilson(10, 10), "more successes than trials count as all");
}

#[test]
fn the_difference_matches_newcombes_worked_example() {
    // Newcombe (1998), example (a): 56/70 against 48/80, method 10 gives 0.0524 to 0.3339.
    let c = compare((48, 80), (56, 70));
    assert!(close(c.diff, 0.2, 1e-12), "{c:?}");
    assert!(close(c.low, 0.0524, 5e-5) && close(c.high, 0.3339, 5e-5), "{c:?}");
    let mirrored = compare((56, 70), (48, 80));
    assert!(close(mirrored.low, -0.3339, 5e-5) && close(mirrored.high, -0.0524, 5e-5), "{mirrored:?}");
}

#[test]
fn the_z_test_matches_the_pooled_formula_by_hand() {
    // 150 of 1000 against 120 of 1000: pooled 270 / 2000 = 0.135, standard error
    // sqrt(0.135 x 0.865 x (1/1000 + 1/1000)) = sqrt(0.00023355) = 0.0152823, and
    // z = (0.12 - 0.15) / 0.0152823 = -1.96305 with the 120 as the variant, two-sided p
    // 2 x (1 - Φ(1.96305)) = 0.04964.
    let c = compare((150, 1000), (120, 1000));
    assert!(close(c.z, -1.96305, 1e-4), "{c:?}");
    assert!(close(c.p, 0.04964, 1e-5), "{c:?}");
    assert!(close(c.diff, -0.03, 1e-12), "{c:?}");
    assert!(close(compare((120, 1000), (150, 1000)).z, 1.96305, 1e-4), "the sign is variant minus control");
}

#[test]
fn no_trials_or_no_spread_tells_nothing() {
    let nothing = Comparison { diff: 0.0, low: -1.0, high: 1.0, z: 0.0, p: 1.0 };
    assert_eq!(compare((0, 0), (5, 10)), nothing);
    assert_eq!(compare((5, 10), (0, 0)), nothing);
    let flat = compare((0, 100), (0, 100));
    assert_eq!((flat.diff, flat.z, flat.p), (0.0, 0.0, 1.0));
}

#[test]
fn the_normal_functions_match_the_tables() {
    // Abramowitz and Stegun table 26.5 (quantiles) and 26.1 (Φ(1.96) = 0.9750021).
    assert!(close(normal_quantile(0.975), 1.959964, 5e-7));
    assert!(close(normal_quantile(0.8), 0.841621, 5e-7));
    assert!(close(normal_quantile(0.5), 0.0, 1e-12));
    assert!(close(normal_quantile(0.001), -3.090232, 5e-7), "the lower tail");
    assert!(close(normal_quantile(0.999), 3.090232, 5e-7), "the upper tail");
    assert_eq!((normal_quantile(0.0), normal_quantile(1.0)), (f64::NEG_INFINITY, f64::INFINITY));
    assert!(close(normal_cdf(1.96), 0.975_002_104_851_780, 1e-12));
    assert!(close(normal_cdf(-3.0), 0.001_349_898_031_630_095, 1e-15));
    assert!(close(two_sided_p(1.959_964), 0.05, 1e-6));
    assert!(close(two_sided_p(-2.575_829), 0.01, 1e-6));
    // erfc(1) = 0.157299207050285 (A&S table 7.1), on the series side.
    assert!(close(erfc(1.0), 0.157_299_207_050_285, 1e-13));
}

#[test]
fn the_quantile_inverts_the_distribution_function() {
    for p in [1e-12, 1e-6, 0.01, 0.024, 0.025, 0.3, 0.5, 0.7, 0.975, 0.976, 0.99, 1.0 - 1e-9] {
        let back = normal_cdf(normal_quantile(p));
        assert!(close(back, p, 1e-9 * p.min(1.0 - p) + 1e-15), "{p}: {back}");
    }
}

#[test]
fn holm_multiplies_by_the_tests_left_and_keeps_the_input_order() {
    // Holm (1979): sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 is 0.02, 0.03, 0.06, 0.04,
    // and the last may not fall below 0.06.
    let adjusted = holm(&[0.01, 0.04, 0.03, 0.005]);
    for (a, e) in adjusted.iter().zip([0.03, 0.06, 0.06, 0.02]) {
        assert!(close(*a, e, 1e-12), "{adjusted:?}");
    }
    assert_eq!(holm(&[0.02]), [0.02], "one test is not adjusted");
    assert_eq!(holm(&[0.9, 0.8]), [1.0, 1.0], "capped at 1");
    assert!(holm(&[]).is_empty());
}

#[test]
fn the_sample_size_is_the_standard_formula() {
    // Fleiss, Levin and Paik 4.14 without continuity correction. 0.10 to 0.15: p̄ 0.125,
    // (1.959964 x √0.21875 + 0.841621 x √0.2175)² / 0.05² = (0.916690 + 0.392506)² / 0.0025
    // = 685.6, so 686 (the online calculators give 683 to 686: 683 comes from the unpooled
    // (z₁₋α/₂ + z₁₋β)²(p₁q₁ + p₂q₂)/δ²). 0.05 to 0.06: p̄ 0.055,
    // (1.959964 x √0.10395 + 0.841621 x √0.1039)² / 0.01² = (0.631918 + 0.271284)² / 0.0001
    // = 8157.7, so 8158 (the unpooled formula gives 8155).
    assert_eq!(sample_size_per_arm(0.10, 0.05), Some(686));
    assert_eq!(sample_size_per_arm(0.05, 0.01), Some(8158));
}

#[test]
fn a_sample_size_needs_a_sensible_baseline_and_effect() {
    let cases = [
        (0.0, 0.05, "a baseline of 0"),
        (1.0, 0.05, "a baseline of 1"),
        (-0.1, 0.05, "a negative baseline"),
        (0.1, 0.0, "no effect"),
        (0.1, -0.05, "a negative effect"),
        (0.6, 0.4, "a lift to 1"),
        (0.6, 0.5, "a lift past 1"),
        (f64::NAN, 0.05, "no baseline"),
        (0.1, f64::NAN, "no effect at all"),
    ];
    for (baseline, effect, case) in cases {
        assert_eq!(sample_size_per_arm(baseline, effect), None, "{case}");
    }
}

#[test]
fn the_verdict_is_collecting_until_every_arm_has_the_required_trials() {
    let huge_gap = [(5, 100), (90, 100)];
    assert_eq!(verdict(&huge_gap, 0, 200), Verdict::Collecting { progress: 0.5 });
    let one_short = [(50, 1000), (300, 400)];
    assert_eq!(verdict(&one_short, 0, 500), Verdict::Collecting { progress: 0.8 });
    assert_eq!(verdict(&[(5, 1000)], 0, 100), Verdict::Collecting { progress: 0.0 }, "one arm");
    assert_eq!(verdict(&huge_gap, 2, 10), Verdict::Collecting { progress: 0.0 }, "no such control");
}

#[test]
fn equal_rates_make_no_difference() {
    assert_eq!(verdict(&[(20, 200), (20, 200)], 0, 100), Verdict::NoDifference);
    // 20 of 200 against 25 of 200: z 0.79, p 0.43.
    assert_eq!(verdict(&[(20, 200), (25, 200)], 0, 100), Verdict::NoDifference);
}

#[test]
fn a_large_real_gap_names_the_winner_and_a_significant_loser_the_control() {
    // 45 of 200 against 20 of 200: z 3.39, p 0.0007.
    assert_eq!(verdict(&[(20, 200), (45, 200)], 0, 100), Verdict::Winner { variant: 1 });
    assert_eq!(verdict(&[(45, 200), (20, 200)], 0, 100), Verdict::Winner { variant: 0 });
    assert_eq!(verdict(&[(20, 200), (45, 200)], 1, 100), Verdict::Winner { variant: 1 }, "the control last");
}

#[test]
fn three_arms_are_corrected_with_holm() {
    // 60 of 400 against 40 of 400: pooled 0.125, standard error sqrt(0.125 x 0.875 x 2/400)
    // = 0.023385, z 2.1381, p 0.0325 on its own; with 41 of 400 tested too (p 0.91) Holm
    // doubles it to 0.065.
    assert!(compare((40, 400), (60, 400)).p < ALPHA);
    assert_eq!(verdict(&[(40, 400), (60, 400)], 0, 100), Verdict::Winner { variant: 1 });
    assert_eq!(verdict(&[(40, 400), (60, 400), (41, 400)], 0, 100), Verdict::NoDifference);
    // Both significantly better: the higher rate wins.
    assert_eq!(verdict(&[(20, 400), (80, 400), (90, 400)], 0, 100), Verdict::Winner { variant: 2 });
}

#[test]
fn the_verdict_serializes_with_its_kind() {
    let json = |v: Verdict| serde_json::to_value(v).unwrap_or_default();
    assert_eq!(json(Verdict::Collecting { progress: 0.4 }), serde_json::json!({"kind": "collecting", "progress": 0.4}));
    assert_eq!(json(Verdict::NoDifference), serde_json::json!({"kind": "no_difference"}));
    assert_eq!(json(Verdict::Winner { variant: 2 }), serde_json::json!({"kind": "winner", "variant": 2}));
}

#[test]
fn the_assignment_never_changes() {
    // SHA-256("exp_subject_lines\0contact_1") starts ff104a5f1d9e4257 and
    // SHA-256("exp-42\0c-8") starts 4e9c48a820ba8233 (Python's hashlib): the first is in the
    // top half of 2⁶⁴ and the top third, the second in the bottom half and bottom third.
    assert_eq!(assign("exp_subject_lines", "contact_1", &[50, 50]), Some(1));
    assert_eq!(assign("exp_subject_lines", "contact_1", &[1, 1, 1]), Some(2));
    assert_eq!(assign("exp-42", "c-8", &[50, 50]), Some(0));
    assert_eq!(assign("exp-42", "c-8", &[1, 1, 1]), Some(0));
}

#[test]
fn the_same_contact_always_gets_the_same_variant() {
    for contact in ["a", "b", "contact_99", ""] {
        let first = assign("exp", contact, &[3, 5, 2]);
        assert!(first.is_some());
        assert!((0..5).all(|_| assign("exp", contact, &[3, 5, 2]) == first), "{contact}");
    }
}

#[test]
fn even_weights_split_contacts_evenly() {
    let first = (0..10_000).filter(|i| assign("exp-even", &format!("contact-{i}"), &[50, 50]) == Some(0)).count();
    assert!(first.abs_diff(5_000) <= 200, "{first} of 10000 in the first arm");
}

#[test]
fn a_zero_weight_is_never_drawn_and_all_zero_draws_nothing() {
    for i in 0..2_000 {
        assert_ne!(assign("exp-zero", &format!("contact-{i}"), &[1, 0, 1]), Some(1));
    }
    assert_eq!(assign("exp", "contact", &[0, 0]), None);
    assert_eq!(assign("exp", "contact", &[]), None);
}

fn a_rate() -> impl Strategy<Value = (u64, u64)> {
    (1u64..5_000).prop_flat_map(|n| (0..=n, Just(n)))
}

proptest! {
    #[test]
    fn the_wilson_interval_holds_the_rate_within_0_and_1((x, n) in a_rate()) {
        let i = wilson(x, n);
        let p = rate(x, n);
        prop_assert!(0.0 <= i.low && i.low <= p && p <= i.high && i.high <= 1.0, "{:?} {}", i, p);
    }

    #[test]
    fn swapping_the_arms_mirrors_the_comparison(control in a_rate(), variant in a_rate()) {
        let (a, b) = (compare(control, variant), compare(variant, control));
        prop_assert!(close(a.diff, -b.diff, 1e-12) && close(a.z, -b.z, 1e-9), "{:?} {:?}", a, b);
        prop_assert!(close(a.low, -b.high, 1e-12) && close(a.high, -b.low, 1e-12), "{:?} {:?}", a, b);
        prop_assert!(close(a.p, b.p, 1e-12));
    }

    #[test]
    fn the_interval_of_the_difference_holds_the_difference(control in a_rate(), variant in a_rate()) {
        let c = compare(control, variant);
        prop_assert!(-1.0 <= c.low && c.low <= c.diff && c.diff <= c.high && c.high <= 1.0, "{:?}", c);
        prop_assert!((0.0..=1.0).contains(&c.p));
    }
}
