//! Scores follow the data: a contact is scored when created and rescored when its title, stage,
//! account, signals or its company's facts change, in the same transaction; a new model version
//! rescores everyone in chunks. Each changed score adds a history row.

use occ_core::contacts::scoring::{IcpConfig, Inputs, SignalInput, SizeRange, Weights, score};
use occ_core::domain::enums::{Department, Seniority, Stage};
use occ_core::store::col;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

fn factor(contact: &Value, name: &str) -> i64 {
    contact["priority_factors"][name].as_i64().unwrap_or_else(|| panic!("{name} in {contact}"))
}

/// The factors add up to the score.
fn check_sum(contact: &Value) {
    let factors = contact["priority_factors"].as_object().expect("factors");
    assert_eq!(factors.len(), 6, "every factor: {contact}");
    let sum: i64 = factors.values().map(|v| v.as_i64().expect("points")).sum();
    assert_eq!(sum, contact["priority_score"].as_i64().expect("score"), "{contact}");
}

async fn contact(app: &TestApp, path_id: &str) -> Value {
    app.get(&format!("/api/v1/contacts/{path_id}")).await.body
}

async fn history(app: &TestApp, contact_id: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/contacts/{contact_id}/score-history")).await.body["items"]
        .as_array()
        .expect("items")
        .clone()
}

/// A model that targets fintech; saved as version 1.
async fn save_model(app: &TestApp, weights: Value) -> Value {
    let saved = app
        .send(app.client.put(app.url("/api/v1/settings/icp")).bearer_auth(&app.admin_token).json(&json!({
            "weights": weights,
            "target_industries": ["Fintech"], "target_sub_industries": [],
            "target_departments": ["sales"],
            "seniority_fit": {"c_level": 100, "vp": 90, "director": 75, "manager": 50, "senior": 25, "entry": 10, "unknown": 0},
            "company_size": {"min": 50, "max": 1000}, "signal_half_life_days": 30.0
        })))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    saved.body
}

const WEIGHTS: fn() -> Value =
    || json!({"industry": 20, "seniority": 20, "department": 15, "company_size": 15, "signals": 20, "engagement": 10});

#[tokio::test]
async fn a_contact_is_scored_when_created_and_when_its_title_or_stage_changes() {
    let app = spawn_app().await;
    save_model(&app, WEIGHTS()).await;
    let acme = app.create_account(json!({"name": "Acme", "industry": "Fintech", "employee_count": 300})).await;
    let created = app
        .post("/api/v1/contacts", json!({"first_name": "Ana", "title": "Sales Manager", "account_id": acme["id"]}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.work_round_trips(), 1, "the write, which scores");
    let ana = created.body;
    check_sum(&ana);
    // industry 20 + manager 10 + sales 15 + size 15.
    assert_eq!(ana["priority_score"], 60, "{ana}");
    assert_eq!(history(&app, id(&ana)).await.len(), 1, "the first score is history");

    let promoted = app.patch(&format!("/api/v1/contacts/{}", id(&ana)), json!({"title": "VP Sales"})).await;
    assert_eq!(promoted.status, 200, "{}", promoted.text);
    assert_eq!(promoted.work_round_trips(), 1, "the write, which scores");
    assert_eq!(factor(&promoted.body, "seniority"), 18);
    assert_eq!(promoted.body["priority_score"], 68);
    check_sum(&promoted.body);

    let touched = app.post(&format!("/api/v1/contacts/{}/stage", id(&ana)), json!({"stage": "touched"})).await;
    assert_eq!(touched.status, 200, "{}", touched.text);
    assert_eq!(factor(&touched.body, "engagement"), 3);
    assert_eq!(touched.body["priority_score"], 71);

    // A change that moves no factor adds no history.
    let noted = app.patch(&format!("/api/v1/contacts/{}", id(&ana)), json!({"notes": "Met at a fair"})).await;
    assert_eq!(noted.body["priority_score"], 71);
    let scores: Vec<i64> = history(&app, id(&ana)).await.iter().map(|p| p["score"].as_i64().expect("score")).collect();
    assert_eq!(scores, [60, 68, 71]);
    assert!(history(&app, id(&ana)).await.iter().all(|p| p["config_version"] == 1));

    // Bulk stage changes rescore too.
    let bulk = app.post("/api/v1/contacts/bulk", json!({"ids": [id(&ana)], "stage": "replied"})).await;
    assert_eq!(bulk.body["results"][0]["ok"], true, "{}", bulk.text);
    let replied = contact(&app, id(&ana)).await;
    assert_eq!(factor(&replied, "engagement"), 6);
    check_sum(&replied);
}

#[tokio::test]
async fn signals_and_company_facts_move_the_scores_of_the_people_they_concern() {
    let app = spawn_app().await;
    save_model(&app, WEIGHTS()).await;
    let acme = app.create_account(json!({"name": "Acme", "industry": "Retail", "employee_count": 300})).await;
    let mut people = Vec::new();
    for name in ["Ana", "Bo"] {
        let created =
            app.post("/api/v1/contacts", json!({"first_name": name, "title": "CEO", "account_id": acme["id"]})).await;
        people.push(id(&created.body).to_owned());
    }
    let before = contact(&app, &people[0]).await;
    assert_eq!(factor(&before, "signals"), 0);
    assert_eq!(factor(&before, "industry"), 0);

    // A signal about Ana moves only Ana.
    let own = app
        .post(
            "/api/v1/signals",
            json!({"contact_id": people[0], "kind": "job_change", "strength": 5, "title": "New CEO"}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(factor(&contact(&app, &people[0]).await, "signals"), 20);
    assert_eq!(factor(&contact(&app, &people[1]).await, "signals"), 0);

    // A signal about the company moves everyone there.
    let funding = app
        .post(
            "/api/v1/signals",
            json!({"account_id": acme["id"], "kind": "funding", "strength": 3, "title": "Series A"}),
        )
        .await;
    assert_eq!(funding.status, 201, "{}", funding.text);
    assert_eq!(factor(&contact(&app, &people[1]).await, "signals"), 12);

    // Deleting it takes it back.
    assert_eq!(app.delete(&format!("/api/v1/signals/{}", id(&funding.body))).await.status, 204);
    assert_eq!(factor(&contact(&app, &people[1]).await, "signals"), 0);

    // The company becomes a target: its people follow.
    let retargeted = app.patch(&format!("/api/v1/accounts/{}", id(&acme)), json!({"industry": "Fintech"})).await;
    assert_eq!(retargeted.status, 200, "{}", retargeted.text);
    for person in &people {
        let now = contact(&app, person).await;
        assert_eq!(factor(&now, "industry"), 20, "{now}");
        check_sum(&now);
    }

    // Moving Bo to no company drops the company's facts.
    let moved = app.patch(&format!("/api/v1/contacts/{}", people[1]), json!({"account_id": null})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!((factor(&moved.body, "industry"), factor(&moved.body, "company_size")), (0, 0));

    // Deleting the company rescores Ana without it, keeping her own signal.
    assert_eq!(app.delete(&format!("/api/v1/accounts/{}", id(&acme))).await.status, 204);
    let alone = contact(&app, &people[0]).await;
    assert_eq!((factor(&alone, "industry"), factor(&alone, "signals")), (0, 20), "{alone}");
    check_sum(&alone);
}

#[tokio::test]
async fn expired_signals_do_not_count() {
    let app = spawn_app().await;
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana"})).await.body;
    let old = app
        .post(
            "/api/v1/signals",
            json!({"contact_id": ana["id"], "kind": "news", "strength": 5, "title": "Old news",
                   "occurred_at": "2026-01-01T00:00:00Z", "expires_at": "2026-02-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(old.status, 201, "{}", old.text);
    assert_eq!(factor(&contact(&app, id(&ana)).await, "signals"), 0);
}

#[tokio::test]
async fn a_new_model_rescores_everyone_in_chunks_with_progress() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme", "industry": "Fintech", "employee_count": 300})).await;
    let mut ids = Vec::new();
    for n in 0..7 {
        let body = json!({"first_name": format!("P{n}"), "title": "Head of Sales", "account_id": acme["id"]});
        ids.push(id(&app.post("/api/v1/contacts", body).await.body).to_owned());
    }
    let idle = app.get("/api/v1/settings/icp/rescore").await;
    assert_eq!(idle.body, json!({"version": 0, "scored": 7, "total": 7, "done": true}));

    // All the weight on the industry: everyone at a fintech gets 100.
    save_model(
        &app,
        json!({"industry": 100, "seniority": 0, "department": 0, "company_size": 0, "signals": 0, "engagement": 0}),
    )
    .await;
    let behind = app.get("/api/v1/settings/icp/rescore").await;
    assert_eq!(behind.body, json!({"version": 1, "scored": 0, "total": 7, "done": false}));
    let conn = app.db.conn().await;
    // In chunks: three, one, then the rest.
    let (rescored, after) =
        occ_core::contacts::scoring::recompute::rescore_behind(&conn, 3, false).await.expect("chunk");
    assert_eq!((rescored, after), (3, None), "a full chunk, no progress asked for");
    let (rescored, after) =
        occ_core::contacts::scoring::recompute::rescore_behind(&conn, 1, true).await.expect("chunk");
    let after = after.expect("the progress asked for");
    assert_eq!((rescored, after.scored, after.done), (1, 4, false), "the progress after the chunk");
    let partial = app.get("/api/v1/settings/icp/rescore").await;
    assert_eq!((partial.body["scored"].as_i64(), partial.body["done"].as_bool()), (Some(4), Some(false)));
    let finished = app.post("/api/v1/settings/icp/rescore", json!({})).await;
    assert_eq!(finished.status, 200, "{}", finished.text);
    assert_eq!(finished.body, json!({"version": 1, "scored": 7, "total": 7, "done": true}));
    assert_eq!(finished.work_round_trips(), 1, "the chunk's scores and the progress");
    for person in &ids {
        let now = contact(&app, person).await;
        assert_eq!(now["priority_score"], 100, "{now}");
        let last = history(&app, person).await.pop().expect("history");
        assert_eq!((last["score"].as_i64(), last["config_version"].as_i64()), (Some(100), Some(1)));
    }
    // The history rows of one statement have time-ordered ids (UUIDv7 of the statement's time),
    // so they go to one place in the id index.
    let written = conn
        .query_all("SELECT id FROM icp_scores WHERE config_version = 1", (), occ_core::store::single::<String>)
        .await
        .expect("history ids");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    assert_eq!(written.len(), 7);
    for text in &written {
        let parsed = uuid::Uuid::parse_str(text).expect("a UUID");
        assert_eq!((parsed.get_version_num(), parsed.hyphenated().to_string()), (7, text.clone()), "{text}");
        let (seconds, _) = parsed.get_timestamp().expect("a time").to_unix();
        assert!(seconds.abs_diff(now) < 600, "{text}: made at {seconds}, now {now}");
    }
    // Nothing left: another call changes nothing.
    assert_eq!(app.post("/api/v1/settings/icp/rescore", json!({})).await.body["done"], true);
    assert_eq!(history(&app, &ids[0]).await.len(), 2);
}

#[tokio::test]
async fn a_rescore_takes_the_best_scored_first() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let body = json!({"first_name": format!("P{n}"), "title": "Head of Sales"});
        ids.push(id(&app.post("/api/v1/contacts", body).await.body).to_owned());
    }
    let conn = app.db.conn().await;
    // Scores out of the order the contacts were made in: the walk follows the scores.
    for (person, score) in ids.iter().zip([30, 90, 10, 70, 50]) {
        conn.execute("UPDATE contacts SET priority_score = ?2 WHERE id = ?1", libsql::params![person.as_str(), score])
            .await
            .expect("score");
    }
    save_model(
        &app,
        json!({"industry": 100, "seniority": 0, "department": 0, "company_size": 0, "signals": 0, "engagement": 0}),
    )
    .await;
    let mut chunks = Vec::new();
    let mut rescored_before: Vec<String> = Vec::new();
    loop {
        let (rescored, _) =
            occ_core::contacts::scoring::recompute::rescore_behind(&conn, 2, false).await.expect("chunk");
        if rescored == 0 {
            break;
        }
        let now_rescored = conn
            .query_all("SELECT id FROM contacts WHERE priority_version = 1", (), occ_core::store::single::<String>)
            .await
            .expect("rescored");
        let mut chunk: Vec<usize> = now_rescored
            .iter()
            .filter(|person| !rescored_before.contains(person))
            .map(|person| ids.iter().position(|i| i == person).expect("one of ours"))
            .collect();
        chunk.sort_unstable();
        chunks.push(chunk);
        rescored_before = now_rescored;
    }
    // 90 and 70, then 50 and 30, then 10.
    assert_eq!(chunks, [vec![1, 3], vec![0, 4], vec![2]]);
}

/// A random model: any split of 100 points, targets with stray case and white space, a partial
/// seniority table, any size range and half-life.
fn arb_model() -> impl Strategy<Value = IcpConfig> {
    let names = || proptest::sample::subsequence(vec!["Fintech", " saas", "RETAIL\t", "Health Care"], 0..=3);
    (
        proptest::collection::vec(0u32..=100, 6),
        names(),
        proptest::sample::subsequence(vec!["Payments", "lending ", "Insurance"], 0..=2),
        proptest::sample::subsequence(Department::ALL.to_vec(), 0..=4),
        proptest::collection::btree_map(proptest::sample::select(Seniority::ALL.to_vec()), 0u32..=100, 0..=7),
        (0i64..=500, 0i64..=5_000),
        1.0f64..=200.0,
    )
        .prop_map(|(raw, industries, subs, departments, seniority_fit, (a, b), half_life)| {
            let total = raw.iter().sum::<u32>().max(1);
            let mut points: Vec<u32> = raw.iter().map(|r| r * 100 / total).collect();
            points[0] += 100 - points.iter().sum::<u32>();
            IcpConfig {
                weights: Weights {
                    industry: points[0],
                    seniority: points[1],
                    department: points[2],
                    company_size: points[3],
                    signals: points[4],
                    engagement: points[5],
                },
                target_industries: industries.into_iter().map(str::to_owned).collect(),
                target_sub_industries: subs.into_iter().map(str::to_owned).collect(),
                target_departments: departments,
                seniority_fit,
                company_size: SizeRange { min: a.min(b), max: a.max(b) },
                signal_half_life_days: half_life,
            }
        })
}

/// A contact as scored: id, seniority, department, stage, account, score, factors.
type ScoredRow = (String, String, Option<String>, String, Option<String>, i64, String);
/// A company's facts: id, industry, sub-industry, head count.
type CompanyRow = (String, Option<String>, Option<String>, Option<i64>);
/// A signal: contact, account, strength, when, expiry.
type SignalRow = (Option<String>, Option<String>, i64, String, Option<String>);

fn sample<T: std::fmt::Debug>(runner: &mut TestRunner, strategy: impl Strategy<Value = T>) -> T {
    strategy.new_tree(runner).expect("a value").current()
}

/// The score the database computes as it writes is the reference model's
/// (`occ_core::contacts::scoring::score`), point for point and factor for factor, for random models,
/// companies, people, stages and signals (fresh, old, expired, about a person or a company).
#[tokio::test]
async fn the_database_scores_exactly_as_the_reference_model() {
    let app = spawn_app().await;
    let mut runner = TestRunner::deterministic();
    let now = chrono::Utc::now();
    let mut accounts = Vec::new();
    for n in 0..6 {
        let industry =
            sample(&mut runner, proptest::option::of(proptest::sample::select(vec!["fintech", "SaaS", "Retail"])));
        let sub = sample(&mut runner, proptest::option::of(proptest::sample::select(vec!["payments", "Lending"])));
        let employees = sample(&mut runner, proptest::option::of(0i64..8_000));
        let body = json!({"name": format!("Company {n}"), "industry": industry, "sub_industry": sub, "employee_count": employees});
        accounts.push(id(&app.create_account(body).await).to_owned());
    }
    let mut contacts = Vec::new();
    for n in 0..30 {
        let seniority = sample(&mut runner, proptest::sample::select(Seniority::ALL.to_vec()));
        let department = sample(&mut runner, proptest::option::of(proptest::sample::select(Department::ALL.to_vec())));
        let account = sample(&mut runner, proptest::option::of(proptest::sample::select(accounts.clone())));
        let created = app
            .post(
                "/api/v1/contacts",
                json!({"first_name": format!("Person {n}"), "seniority": seniority, "department": department, "account_id": account}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let contact = id(&created.body).to_owned();
        let stage = sample(&mut runner, proptest::sample::select(Stage::ALL.to_vec()));
        if stage != Stage::New {
            let moved = app
                .post(
                    &format!("/api/v1/contacts/{contact}/stage"),
                    json!({"stage": stage, "override": true, "reason": "set up for the comparison"}),
                )
                .await;
            assert_eq!(moved.status, 200, "{}", moved.text);
        }
        contacts.push(contact);
    }
    for n in 0..40 {
        let about_account = sample(&mut runner, proptest::bool::ANY);
        let subject = if about_account {
            json!({"account_id": sample(&mut runner, proptest::sample::select(accounts.clone()))})
        } else {
            json!({"contact_id": sample(&mut runner, proptest::sample::select(contacts.clone()))})
        };
        let age_ms = sample(&mut runner, 0i64..400 * 86_400_000);
        let occurred = now - chrono::Duration::milliseconds(age_ms);
        let expires = sample(&mut runner, proptest::option::of(-30i64..30))
            .map(|days| (now + chrono::Duration::days(days)).max(occurred + chrono::Duration::seconds(1)));
        let mut body = json!({
            "kind": "news", "strength": sample(&mut runner, 1i64..=5), "title": format!("Signal {n}"),
            "occurred_at": occurred.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "expires_at": expires.map(|e| e.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        });
        body.as_object_mut().expect("object").extend(subject.as_object().expect("object").clone());
        let added = app.post("/api/v1/signals", body).await;
        assert_eq!(added.status, 201, "{}", added.text);
    }

    let conn = app.db.conn().await;
    for round in 0..6 {
        let model = sample(&mut runner, arb_model());
        let saved =
            app.send(app.client.put(app.url("/api/v1/settings/icp")).bearer_auth(&app.admin_token).json(&model)).await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let at = occ_core::domain::now();
        occ_core::contacts::scoring::recompute::rescore_at(&conn, &contacts, &at).await.expect("rescore");
        let rows: Vec<ScoredRow> = conn
            .query_all(
                "SELECT id, seniority, department, stage, account_id, priority_score, priority_factors FROM contacts",
                (),
                |r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 4)?, col(r, 5)?, col(r, 6)?)),
            )
            .await
            .expect("contacts");
        let facts: Vec<CompanyRow> = conn
            .query_all("SELECT id, industry, sub_industry, employee_count FROM accounts", (), |r| {
                Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?))
            })
            .await
            .expect("accounts");
        let signals: Vec<SignalRow> = conn
            .query_all("SELECT contact_id, account_id, strength, occurred_at, expires_at FROM signals", (), |r| {
                Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?, col(r, 4)?))
            })
            .await
            .expect("signals");
        assert_eq!(rows.len(), contacts.len());
        for (contact, seniority, department, stage, account, stored_score, stored_factors) in rows {
            let company = account.as_ref().and_then(|a| facts.iter().find(|f| &f.0 == a));
            let inputs = Inputs {
                industry: company.and_then(|f| f.1.clone()),
                sub_industry: company.and_then(|f| f.2.clone()),
                seniority: seniority.parse().expect("seniority"),
                department: department.map(|d| d.parse().expect("department")),
                employee_count: company.and_then(|f| f.3),
                stage: stage.parse().expect("stage"),
                signals: signals
                    .iter()
                    .filter(|s| s.0.as_ref() == Some(&contact) || (s.1.is_some() && s.1 == account))
                    .filter(|s| s.4.as_ref().is_none_or(|e| e.as_str() > at.as_str()))
                    .map(|s| SignalInput { strength: s.2, age_days: occ_core::contacts::scoring::age_days(&s.3, &at) })
                    .collect(),
            };
            let expected = score(&model, &inputs);
            let factors: Value = serde_json::from_str(&stored_factors).expect("factors");
            let expected_factors: serde_json::Map<String, Value> =
                expected.factors.iter().map(|(f, p)| (f.as_str().to_owned(), json!(p))).collect();
            assert_eq!(
                (stored_score, &factors),
                (i64::from(expected.score), &Value::Object(expected_factors)),
                "round {round}, {inputs:?} under {model:?}"
            );
        }
    }
}

/// Two factors left with the same fraction of a point: the spare point goes to the one that
/// comes first (seniority before company size), in the database as in the reference model.
#[tokio::test]
async fn a_tie_for_the_spare_point_goes_to_the_earlier_factor() {
    let app = spawn_app().await;
    let saved = app
        .send(app.client.put(app.url("/api/v1/settings/icp")).bearer_auth(&app.admin_token).json(&json!({
            "weights": {"industry": 20, "seniority": 15, "department": 15, "company_size": 15, "signals": 20, "engagement": 15},
            "target_industries": [], "target_sub_industries": [], "target_departments": [],
            "seniority_fit": {"manager": 50}, "company_size": {"min": 100, "max": 1000}, "signal_half_life_days": 30.0
        })))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let small = app.create_account(json!({"name": "Small", "employee_count": 50})).await;
    let created = app
        .post("/api/v1/contacts", json!({"first_name": "Ana", "seniority": "manager", "account_id": small["id"]}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    // 7.5 points each: 15 in all, one spare point after the two 7s.
    assert_eq!((factor(&created.body, "seniority"), factor(&created.body, "company_size")), (8, 7));
    assert_eq!(created.body["priority_score"], 15);
}
