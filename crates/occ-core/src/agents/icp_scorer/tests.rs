use super::*;

fn input(seniority: Seniority, signals: Vec<Signal>) -> Input {
    let icp_model = IcpConfig { target_industries: vec!["Fintech".to_owned()], ..IcpConfig::default() };
    let mut i = Input {
        title: Some("VP Sales".to_owned()),
        industry: Some("Fintech".to_owned()),
        sub_industry: None,
        seniority,
        department: Some(Department::Sales),
        employee_count: Some(300),
        stage: Stage::New,
        signals,
        icp_model,
        icp_score: 0,
        factor_points: BTreeMap::new(),
        stored_score: 0,
        stored_factors: serde_json::Value::Null,
    };
    let scored = scoring::score(&i.icp_model, &inputs(&i));
    (i.icp_score, i.factor_points) = (scored.score, scored.factors);
    i
}

fn funding() -> Signal {
    Signal { kind: "funding".to_owned(), title: "Series B".to_owned(), strength: 5, age_days: 5.0 }
}

#[test]
fn the_fallback_keeps_the_icp_score_and_explains_it() {
    let i = input(Seniority::Vp, vec![funding()]);
    let out = IcpScorer::fallback(&i);
    assert_eq!(out.score, i.icp_score);
    assert!(out.rationale.starts_with(&format!("Strong fit ({}/100): a VP", i.icp_score)), "{}", out.rationale);
    for part in ["in a target industry (Fintech)", "a funding signal 5 days old: Series B"] {
        assert!(out.rationale.contains(part), "{part} in {}", out.rationale);
    }
    assert_eq!(out.factors.len(), 6);
    assert!(IcpScorer::check(&i, &out).is_ok(), "{:?}", IcpScorer::check(&i, &out));
    assert_eq!(IcpScorer::fallback(&i), out, "deterministic");
    let weak = input(Seniority::Unknown, vec![]);
    let out = IcpScorer::fallback(&weak);
    assert!(out.rationale.contains("No points for seniority, signals"), "{}", out.rationale);
}

#[test]
fn a_score_out_of_range_or_far_from_the_model_is_refused() {
    let i = input(Seniority::Vp, vec![funding()]);
    let ok = IcpScorer::fallback(&i);
    let far = i.icp_score.saturating_sub(MAX_DRIFT + 1);
    assert!(IcpScorer::check(&i, &Output { score: far, ..ok.clone() }).is_err());
    assert!(IcpScorer::check(&i, &Output { score: i.icp_score.saturating_sub(MAX_DRIFT), ..ok.clone() }).is_ok());
    assert!(IcpScorer::check(&i, &Output { score: 101, ..ok.clone() }).is_err());
    assert!(IcpScorer::check(&i, &Output { rationale: String::new(), ..ok.clone() }).is_err());
    let unknown = vec![FactorNote { factor: "shoe_size".to_owned(), note: "big".to_owned() }];
    assert!(IcpScorer::check(&i, &Output { factors: unknown, ..ok }).is_err());
}

#[test]
fn the_answer_schema_is_written_inline() {
    assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
}
