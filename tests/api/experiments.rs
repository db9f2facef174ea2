//! Experiments: created on a sequence step with their rules checked, read by everyone and
//! changed by managers and admins, started one per step, paused and completed; each contact
//! the tick drafts the step for gets one variant for good and its text; the results come from
//! the send roll-ups with a verdict that waits for the minimum sample; completing with the
//! winner copies its text into the step.

use chrono::{Duration, Utc};
use occ_core::access::Scope;
use occ_core::cron::worker::tick;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

const BODY_A: &str = "Hi {{first_name}}, version A: teams at {{company|your company}} often double outbound after a \
                      round. Worth a short call next week? If you would rather not hear from me, just reply stop.";
const BODY_B: &str = "Hi {{first_name}}, version B: one question about outbound at {{company|your company}}. Worth a \
                      short call next week? If you would rather not hear from me, just reply stop.";

/// A sequence with an email step, a LinkedIn message and a connection request.
async fn sequence(app: &TestApp, name: &str) -> Value {
    let steps = json!([
        {"day_offset": 0, "kind": "email", "subject": "Outbound at {{company|your company}}", "template": BODY_A},
        {"day_offset": 3, "kind": "linkedin_message", "template": "Hi {{first_name}}, following up."},
        {"day_offset": 5, "kind": "linkedin_connect", "template": "Hi {{first_name}}, glad to connect."}
    ]);
    let answer = app.post("/api/v1/sequences", json!({"name": name, "steps": steps})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

fn step(seq: &Value, i: usize) -> String {
    seq["steps"][i]["id"].as_str().expect("step id").to_owned()
}

fn body(step_id: &str) -> Value {
    json!({
        "name": "Short or long", "hypothesis": "A shorter opener gets more replies", "step_id": step_id,
        "field": "body", "metric": "reply_rate", "baseline_rate": 0.1, "min_effect": 0.1,
        "variants": [
            {"name": "A", "content": BODY_A, "weight": 1},
            {"name": "B", "content": BODY_B, "weight": 1, "instructions": "Keep it to one question."}
        ]
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let answer = app.post("/api/v1/experiments", body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn act(app: &TestApp, experiment: &Value, verb: &str) -> crate::helpers::Answer {
    app.post(&format!("/api/v1/experiments/{}/{verb}", id(experiment)), json!({})).await
}

#[tokio::test]
async fn an_experiment_is_created_as_a_draft_on_its_step_and_each_rule_is_named() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Rules").await;
    let email = step(&seq, 0);
    let linkedin = step(&seq, 1);
    let connect = step(&seq, 2);
    let created = app.post("/api/v1/experiments", body(&email)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.work_round_trips(), 1, "the checks and the writes in one batch");
    let e = &created.body;
    assert_eq!(created.header("location"), Some(format!("/api/v1/experiments/{}", id(e)).as_str()));
    assert_eq!(
        (e["status"].as_str(), e["channel"].as_str(), e["field"].as_str()),
        (Some("draft"), Some("email"), Some("body"))
    );
    assert_eq!((e["sequence_id"].as_str(), e["sequence_name"].as_str()), (seq["id"].as_str(), Some("Rules")));
    assert_eq!(e["step_position"], 1);
    assert_eq!(e["min_sample_size"], 199, "Fleiss: 10% against 20%, 80% power at 5%");
    assert_eq!(e["verdict"], json!({"kind": "collecting", "progress": 0.0}));
    assert_eq!(e["recommendation"], Value::Null);
    let variants = e["variants"].as_array().expect("variants");
    assert_eq!((variants[0]["is_control"].as_bool(), variants[1]["is_control"].as_bool()), (Some(true), Some(false)));
    assert_eq!((variants[0]["position"].as_i64(), variants[1]["position"].as_i64()), (Some(0), Some(1)));
    assert_eq!(variants[1]["instructions"], "Keep it to one question.");
    assert_eq!((variants[0]["sends"].as_u64(), variants[0]["rate"].as_f64()), (Some(0), Some(0.0)));
    assert_eq!(variants[0]["comparison"], Value::Null);
    assert_eq!(variants[1]["comparison"]["p_adjusted"], 1.0);
    // A marked control is kept.
    let mut marked = body(&email);
    marked["variants"][1]["is_control"] = json!(true);
    let marked = create(&app, marked).await;
    assert_eq!(marked["variants"][1]["is_control"], true);
    assert_eq!(marked["variants"][0]["is_control"], false);

    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = body(&email);
        f(&mut b);
        b
    };
    let eleven: Vec<Value> =
        (0..11).map(|i| json!({"name": format!("V{i}"), "content": BODY_A, "weight": 1})).collect();
    let cases: Vec<(Value, &str, &str)> = vec![
        (with(&|b| b["name"] = json!(" ")), "name", "required"),
        (with(&|b| b["step_id"] = json!("nope")), "step_id", "format"),
        (with(&|b| b["step_id"] = json!(uuid::Uuid::now_v7().to_string())), "step_id", "exists"),
        (
            {
                let mut b = with(&|b| b["field"] = json!("subject"));
                b["step_id"] = json!(linkedin);
                b["variants"] =
                    json!([{"name": "A", "content": "Hi", "weight": 1}, {"name": "B", "content": "Yo", "weight": 1}]);
                b
            },
            "field",
            "email_only",
        ),
        (with(&|b| b["baseline_rate"] = json!(0)), "baseline_rate", "range"),
        (with(&|b| b["baseline_rate"] = json!(1.2)), "baseline_rate", "range"),
        (with(&|b| b["min_effect"] = json!(0.95)), "min_effect", "range"),
        (with(&|b| b["min_effect"] = json!(-0.1)), "min_effect", "range"),
        (with(&|b| b["min_effect"] = json!(1e-9)), "min_effect", "range"),
        (with(&|b| b["variants"] = json!([{"name": "A", "content": BODY_A, "weight": 1}])), "variants", "range"),
        (with(&|b| b["variants"] = json!(eleven.clone())), "variants", "range"),
        (with(&|b| b["variants"][1]["name"] = json!("a")), "variants[1].name", "unique"),
        (with(&|b| b["variants"][0]["name"] = json!("")), "variants[0].name", "required"),
        (with(&|b| b["variants"][0]["weight"] = json!(10_001)), "variants[0].weight", "range"),
        (with(&|b| b["variants"][1]["weight"] = json!(-1)), "variants[1].weight", "range"),
        (
            with(&|b| {
                b["variants"][0]["weight"] = json!(0);
                b["variants"][1]["weight"] = json!(0);
            }),
            "variants",
            "weights",
        ),
        (
            with(&|b| {
                b["variants"][0]["is_control"] = json!(true);
                b["variants"][1]["is_control"] = json!(true);
            }),
            "variants",
            "control",
        ),
        (with(&|b| b["variants"][0]["content"] = json!("Hi {{shoe_size}}")), "variants[0].content", "merge_field"),
        (with(&|b| b["variants"][1]["content"] = json!("  ")), "variants[1].content", "required"),
        (with(&|b| b["colour"] = json!("blue")), "colour", "unknown"),
        (
            {
                let mut b = body(&connect);
                b["variants"][1]["content"] = json!("x".repeat(301));
                b
            },
            "variants",
            "max_length",
        ),
    ];
    for (bad, field, rule) in cases {
        let answer = app.post("/api/v1/experiments", bad).await;
        assert_eq!(answer.status, 422, "{field} {rule}: {}", answer.text);
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{field} {rule}: {:?}",
            answer.field_errors()
        );
    }
    let metric = app.post("/api/v1/experiments", with(&|b| b["metric"] = json!("open_rate"))).await;
    assert_eq!(metric.status, 422, "{}", metric.text);
    assert_eq!(metric.field_errors()[0].0, "metric");
    // A subject is one line, on an email step.
    let mut subject = body(&email);
    subject["field"] = json!("subject");
    subject["variants"] = json!([{"name": "A", "content": "Outbound at {{company}}", "weight": 1}, {"name": "B", "content": "A question", "weight": 3}]);
    assert_eq!(create(&app, subject).await["field"], "subject");
}

#[tokio::test]
async fn everyone_reads_experiments_and_only_managers_and_admins_change_them() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Access").await;
    let e = create(&app, body(&step(&seq, 0))).await;
    for role in [Role::Bdr, Role::Viewer] {
        let token = app.token_for(role, &[Scope::Write]).await;
        let refused = app
            .send_raw(app.client.post(app.url("/api/v1/experiments")).bearer_auth(&token).json(&body(&step(&seq, 0))))
            .await;
        assert_eq!(refused.status, 403, "{role}: {}", refused.text);
        let start = app
            .send_raw(app.client.post(app.url(&format!("/api/v1/experiments/{}/start", id(&e)))).bearer_auth(&token))
            .await;
        assert_eq!(start.status, 403, "{role}: {}", start.text);
        let one =
            app.send_raw(app.client.get(app.url(&format!("/api/v1/experiments/{}", id(&e)))).bearer_auth(&token)).await;
        assert_eq!(one.status, 200, "{role}: {}", one.text);
        assert_eq!(one.work_round_trips(), 1, "a read is one call");
        let list = app.send_raw(app.client.get(app.url("/api/v1/experiments")).bearer_auth(&token)).await;
        assert_eq!(list.status, 200, "{role}: {}", list.text);
        assert_eq!(list.body["items"][0]["id"], e["id"]);
        let size = app
            .send_raw(
                app.client
                    .get(app.url("/api/v1/experiments/sample-size?baseline_rate=0.1&min_effect=0.05"))
                    .bearer_auth(&token),
            )
            .await;
        assert_eq!(size.status, 200, "{role}: {}", size.text);
    }
    let manager = app.token_for(Role::Manager, &[Scope::Write]).await;
    let made = app
        .send_raw(app.client.post(app.url("/api/v1/experiments")).bearer_auth(&manager).json(&body(&step(&seq, 0))))
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
}

#[tokio::test]
async fn the_sample_size_is_the_published_one_and_bad_rates_are_named() {
    let app = spawn_app().await;
    let size = app.get("/api/v1/experiments/sample-size?baseline_rate=0.1&min_effect=0.05").await;
    assert_eq!(size.status, 200, "{}", size.text);
    assert_eq!(size.body, json!({"per_variant": 686}), "10% against 15%, 80% power, 5% two-sided");
    let cases = [
        ("baseline_rate=abc&min_effect=0.05", "baseline_rate", "format"),
        ("baseline_rate=0.1", "min_effect", "required"),
        ("baseline_rate=0&min_effect=0.05", "baseline_rate", "range"),
        ("baseline_rate=0.1&min_effect=0.95", "min_effect", "range"),
        ("baseline_rate=0.1&min_effect=0.05&colour=blue", "colour", "unknown"),
    ];
    for (query, field, rule) in cases {
        let answer = app.get(&format!("/api/v1/experiments/sample-size?{query}")).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.text);
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{query}: {:?}",
            answer.field_errors()
        );
    }
}

#[tokio::test]
async fn experiments_start_pause_and_complete_and_a_step_runs_one_at_a_time() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Moves").await;
    let email = step(&seq, 0);
    let first = create(&app, body(&email)).await;
    let paused_draft = act(&app, &first, "pause").await;
    assert_eq!(paused_draft.status, 409, "a draft does not pause: {}", paused_draft.text);
    assert_eq!(paused_draft.field_errors(), [("status".to_owned(), "transition".to_owned())]);
    let started = act(&app, &first, "start").await;
    assert_eq!(started.status, 200, "{}", started.text);
    assert_eq!(started.body["status"], "running");
    assert!(started.body["started_at"].is_string());
    assert!(started.work_round_trips() <= 2);
    assert_eq!(act(&app, &first, "start").await.status, 409, "already running");

    let second = create(&app, body(&email)).await;
    let refused = act(&app, &second, "start").await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.field_errors(), [("step_id".to_owned(), "one_running".to_owned())]);
    assert_eq!(refused.body["error"]["conflicts_with"]["id"], first["id"], "{}", refused.text);
    assert_eq!(app.get(&format!("/api/v1/experiments/{}", id(&second))).await.body["status"], "draft");

    // Another step runs its own.
    let other = create(&app, {
        let mut b = body(&step(&seq, 1));
        b["variants"] = json!([{"name": "A", "content": "Hi {{first_name}}", "weight": 1}, {"name": "B", "content": "Hey {{first_name}}", "weight": 1}]);
        b
    })
    .await;
    assert_eq!(other["channel"], "linkedin");
    assert_eq!(act(&app, &other, "start").await.status, 200);

    let paused = act(&app, &first, "pause").await;
    assert_eq!((paused.status, paused.body["status"].as_str()), (200, Some("paused")), "{}", paused.text);
    assert_eq!(act(&app, &second, "start").await.status, 200, "the step is free again");
    let back = act(&app, &first, "start").await;
    assert_eq!(back.status, 409, "{}", back.text);
    assert_eq!(back.body["error"]["conflicts_with"]["id"], second["id"]);

    let running = app.get("/api/v1/experiments?status=running").await;
    let ids: Vec<&str> = running.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(ids, [id(&other), id(&second)], "newest first");
    assert_eq!(app.get("/api/v1/experiments?status=stopped").await.status, 422);
    let paged = app.get("/api/v1/experiments?limit=2").await;
    assert_eq!(paged.body["items"].as_array().map(Vec::len), Some(2));
    let rest = app
        .get(&format!("/api/v1/experiments?limit=2&cursor={}", paged.body["next_cursor"].as_str().expect("cursor")))
        .await;
    assert_eq!(rest.body["items"][0]["id"], first["id"]);

    // Changes: name and hypothesis always, weights in a draft only.
    let path = format!("/api/v1/experiments/{}", id(&first));
    let renamed = app.patch(&path, json!({"name": "Renamed", "hypothesis": null})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!((renamed.body["name"].as_str(), renamed.body["hypothesis"].as_str()), (Some("Renamed"), None));
    let v0 = first["variants"][0]["id"].as_str().expect("variant");
    let weights = app.patch(&path, json!({"variants": [{"id": v0, "weight": 5}]})).await;
    assert_eq!(weights.status, 409, "{}", weights.text);
    assert_eq!(app.patch(&path, json!({"status": "running"})).await.status, 422, "moves are actions");
    let draft = create(&app, body(&email)).await;
    let draft_path = format!("/api/v1/experiments/{}", id(&draft));
    let dv = draft["variants"][1]["id"].as_str().expect("variant");
    let reweighted = app.patch(&draft_path, json!({"variants": [{"id": dv, "weight": 9}]})).await;
    assert_eq!(reweighted.status, 200, "{}", reweighted.text);
    assert_eq!(reweighted.body["variants"][1]["weight"], 9);
    let zero = app
        .patch(
            &draft_path,
            json!({"variants": [{"id": draft["variants"][0]["id"], "weight": 0}, {"id": dv, "weight": 0}]}),
        )
        .await;
    assert_eq!(zero.field_errors(), [("variants".to_owned(), "weights".to_owned())], "{}", zero.text);
    let stranger = app.patch(&draft_path, json!({"variants": [{"id": v0, "weight": 1}]})).await;
    assert_eq!(stranger.field_errors(), [("variants[0].id".to_owned(), "exists".to_owned())]);

    // Deleting: a draft or a completed one only.
    assert_eq!(app.delete(&format!("/api/v1/experiments/{}", id(&second))).await.status, 409, "running");
    assert_eq!(app.delete(&path).await.status, 409, "paused");
    let completed =
        app.post(&format!("/api/v1/experiments/{}/complete", id(&second)), json!({"apply_winner": true})).await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(completed.body["status"], "completed");
    assert!(completed.body["ended_at"].is_string());
    assert_eq!(completed.body["winner_variant_id"], Value::Null, "no sends, no winner");
    assert_eq!(act(&app, &second, "complete").await.status, 409, "completed is final");
    assert_eq!(act(&app, &second, "start").await.status, 409, "completed is final");
    assert_eq!(app.delete(&format!("/api/v1/experiments/{}", id(&second))).await.status, 204);
    assert_eq!(app.delete(&draft_path).await.status, 204);
    assert_eq!(app.get(&draft_path).await.status, 404);
    let log = app.get(&format!("/api/v1/audit?entity=experiment&entity_id={}", id(&first))).await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().filter_map(|i| i["action"].as_str()).collect();
    assert_eq!(
        actions,
        ["experiment.update", "experiment.pause", "experiment.start", "experiment.create"],
        "{}",
        log.text
    );
}

/// Variant ids by name.
fn variant(experiment: &Value, name: &str) -> String {
    experiment["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .find(|v| v["name"] == name)
        .and_then(|v| v["id"].as_str())
        .expect("variant")
        .to_owned()
}

/// Each contact's draft of the step: (contact, variant, body).
async fn step_drafts(app: &TestApp, step_id: &str) -> Vec<(String, Option<String>, String)> {
    let conn = app.db.conn().await;
    conn.query_all(
        "SELECT contact_id || char(9) || ifnull(variant_id, '') || char(9) || body FROM message_drafts WHERE step_id = ?1 \
         ORDER BY contact_id",
        [step_id],
        |row| {
            let text = occ_core::store::col::<String>(row, 0)?;
            let mut parts = text.splitn(3, '\t');
            let contact = parts.next().unwrap_or_default().to_owned();
            let variant = parts.next().filter(|v| !v.is_empty()).map(str::to_owned);
            Ok((contact, variant, parts.next().unwrap_or_default().to_owned()))
        },
    )
    .await
    .expect("drafts")
}

async fn assignments(app: &TestApp, experiment: &str) -> Vec<(String, String)> {
    let conn = app.db.conn().await;
    conn.query_all(
        "SELECT contact_id || ' ' || variant_id FROM experiment_assignments WHERE experiment_id = ?1 ORDER BY contact_id",
        [experiment],
        |row| {
            let text = occ_core::store::col::<String>(row, 0)?;
            let (c, v) = text.split_once(' ').unwrap_or_default();
            Ok((c.to_owned(), v.to_owned()))
        },
    )
    .await
    .expect("assignments")
}

#[tokio::test]
async fn each_contact_keeps_one_variant_and_its_drafts_carry_the_variant_and_its_text() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Sticky").await;
    let email = step(&seq, 0);
    let experiment = create(&app, body(&email)).await;
    assert_eq!(act(&app, &experiment, "start").await.status, 200);
    let (a, b) = (variant(&experiment, "A"), variant(&experiment, "B"));
    let mut ids = Vec::new();
    for n in 0..40 {
        let person = json!({"first_name": format!("P{n}"), "email": format!("p{n}@acme.com")});
        ids.push(id(&app.post("/api/v1/contacts", person).await.body).to_owned());
    }
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": ids})).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let conn = app.db.conn().await;
    let now = Utc::now() + Duration::seconds(1);
    let report = tick(&conn, now).await.expect("tick");
    assert_eq!(report.drafted, 40, "{report:?}");

    let drafts = step_drafts(&app, &email).await;
    let assigned = assignments(&app, id(&experiment)).await;
    assert_eq!((drafts.len(), assigned.len()), (40, 40));
    for ((contact, got, text), (assigned_contact, assigned_variant)) in drafts.iter().zip(&assigned) {
        assert_eq!(contact, assigned_contact);
        assert_eq!(got.as_deref(), Some(assigned_variant.as_str()), "the draft carries the contact's variant");
        let marker = if *assigned_variant == a { "version A" } else { "version B" };
        assert!(text.contains(marker), "{assigned_variant}: {text}");
        assert!(!text.contains("{{"), "merged: {text}");
    }
    let on_b = assigned.iter().filter(|(_, v)| *v == b).count();
    assert!((8..=32).contains(&on_b), "both variants drawn, about evenly: {on_b} of 40 on B");

    // Drafted again (after B stops taking new contacts), each keeps its variant.
    conn.execute("UPDATE experiment_variants SET weight = 0 WHERE id = ?1", [b.as_str()]).await.expect("weight");
    conn.execute("DELETE FROM message_drafts WHERE step_id = ?1", [email.as_str()]).await.expect("drafts");
    conn.execute(
        "UPDATE enrollments SET current_step = 1, status = 'active', next_due_at = ?1, ended_at = NULL",
        [occ_core::domain::stored(now)],
    )
    .await
    .expect("back to the step");
    assert_eq!(tick(&conn, now + Duration::seconds(1)).await.expect("tick").drafted, 40);
    let again = step_drafts(&app, &email).await;
    let kept: Vec<(String, Option<String>)> = again.iter().map(|(c, v, _)| (c.clone(), v.clone())).collect();
    let before: Vec<(String, Option<String>)> = drafts.iter().map(|(c, v, _)| (c.clone(), v.clone())).collect();
    assert_eq!(kept, before, "re-drafting keeps each contact's variant");
    assert_eq!(assignments(&app, id(&experiment)).await, assigned);

    // A contact enrolled now draws among the variants with weight: A only.
    let late = id(&app.post("/api/v1/contacts", json!({"first_name": "Late", "email": "late@acme.com"})).await.body)
        .to_owned();
    assert_eq!(
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [late]})).await.status,
        200
    );
    tick(&conn, Utc::now() + Duration::seconds(1)).await.expect("tick");
    let late_draft = step_drafts(&app, &email).await.into_iter().find(|(c, _, _)| *c == late).expect("late draft");
    assert_eq!(late_draft.1.as_deref(), Some(a.as_str()));

    // Paused, the step's own text is used and no variant is given.
    assert_eq!(act(&app, &experiment, "pause").await.status, 200);
    let paused =
        id(&app.post("/api/v1/contacts", json!({"first_name": "Pia", "email": "pia@acme.com"})).await.body).to_owned();
    assert_eq!(
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [paused]})).await.status,
        200
    );
    tick(&conn, Utc::now() + Duration::seconds(1)).await.expect("tick");
    let pia = step_drafts(&app, &email).await.into_iter().find(|(c, _, _)| *c == paused).expect("draft");
    assert_eq!(pia.1, None);
    assert!(pia.2.contains("version A"), "the step's own template: {}", pia.2);
}

#[tokio::test]
async fn the_drafter_gives_a_step_draft_the_contacts_variant() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Drafter").await;
    let email = step(&seq, 0);
    let mut only_b = body(&email);
    only_b["variants"][0]["weight"] = json!(0);
    let experiment = create(&app, only_b).await;
    assert_eq!(act(&app, &experiment, "start").await.status, 200);
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com"})).await.body;
    assert_eq!(
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [id(&ana)]})).await.status,
        200
    );
    let run = app.post("/api/v1/agents/drafter/run", json!({"contact_id": id(&ana)})).await;
    assert_eq!(run.status, 201, "{}", run.text);
    assert_eq!(run.body["input"]["step"]["instructions"], "Keep it to one question.", "{}", run.text);
    let drafts = step_drafts(&app, &email).await;
    let b = variant(&experiment, "B");
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    assert_eq!(drafts[0].1.as_deref(), Some(b.as_str()));
    assert!(drafts[0].2.contains("version B"), "{}", drafts[0].2);
    assert_eq!(assignments(&app, id(&experiment)).await, [(id(&ana).to_owned(), b)]);
}

/// Records `sends` sends of `variant` to `contact`, `replies` of them answered (positively).
async fn sends(app: &TestApp, contact: &str, variant: &str, from: i64, sends: i64, replies: i64) {
    let conn = app.db.conn().await;
    let at = occ_core::domain::now();
    conn.write(
        "WITH RECURSIVE n(i) AS (SELECT :from UNION ALL SELECT i + 1 FROM n WHERE i < :from + :sends - 1) \
         INSERT INTO touchpoints (id, contact_id, channel, kind, status, variant_id, idempotency_key, sent_at, created_at, updated_at) \
         SELECT :variant || '-' || i, :contact, 'email', 'email', 'sent', :variant, :variant || '-' || i, :at, :at, :at FROM n",
        libsql::named_params! {":from": from, ":sends": sends, ":variant": variant, ":contact": contact, ":at": at.as_str()},
    )
    .await
    .expect("sends");
    conn.write(
        "WITH RECURSIVE n(i) AS (SELECT :from UNION ALL SELECT i + 1 FROM n WHERE i < :from + :replies - 1) \
         INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, confidence, body, replied_at, created_at, updated_at) \
         SELECT 'r-' || :variant || '-' || i, :contact, :variant || '-' || i, 'email', 'positive', 0.9, 'Sounds good', :at, :at, :at \
         FROM n WHERE :replies > 0",
        libsql::named_params! {":from": from, ":replies": replies, ":variant": variant, ":contact": contact, ":at": at.as_str()},
    )
    .await
    .expect("replies");
}

#[tokio::test]
async fn results_wait_for_the_minimum_sample_and_completing_applies_the_winner() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Results").await;
    let email = step(&seq, 0);
    let experiment = create(&app, body(&email)).await;
    assert_eq!(act(&app, &experiment, "start").await.status, 200);
    let (a, b) = (variant(&experiment, "A"), variant(&experiment, "B"));
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com"})).await.body;
    // 150 sends each (the minimum is 199): 15 replies against 40, not a verdict yet.
    sends(&app, id(&ana), &a, 1, 150, 15).await;
    sends(&app, id(&ana), &b, 1, 150, 40).await;
    let path = format!("/api/v1/experiments/{}", id(&experiment));
    let early = app.get(&path).await;
    assert_eq!(early.work_round_trips(), 1, "the experiment, its variants and results in one call");
    let progress = early.body["verdict"]["progress"].as_f64().expect("progress");
    assert_eq!(early.body["verdict"]["kind"], "collecting", "{}", early.text);
    assert!((progress - 150.0 / 199.0).abs() < 1e-9, "{progress}");
    let vb = &early.body["variants"][1];
    assert_eq!(
        (vb["sends"].as_u64(), vb["replies"].as_u64(), vb["positive_replies"].as_u64(), vb["meetings"].as_u64()),
        (Some(150), Some(40), Some(40), Some(0))
    );
    assert_eq!((vb["n"].as_u64(), vb["conversions"].as_u64()), (Some(150), Some(40)));
    let rate = vb["rate"].as_f64().expect("rate");
    assert!((rate - 40.0 / 150.0).abs() < 1e-12);
    let (low, high) = (vb["interval"]["low"].as_f64().expect("low"), vb["interval"]["high"].as_f64().expect("high"));
    assert!(low < rate && rate < high && low > 0.19 && high < 0.35, "{low} {high}");
    assert_eq!(early.body["variants"][0]["comparison"], Value::Null);
    let diff = vb["comparison"]["diff"].as_f64().expect("diff");
    assert!((diff - (40.0 - 15.0) / 150.0).abs() < 1e-12, "{diff}");
    assert!(vb["comparison"]["p"].as_f64().expect("p") < 0.01, "large but not yet declared");

    // 200 each: B wins.
    sends(&app, id(&ana), &a, 151, 50, 5).await;
    sends(&app, id(&ana), &b, 151, 50, 10).await;
    let done = app.get(&path).await.body;
    assert_eq!(done["verdict"], json!({"kind": "winner", "variant_id": b, "variant_name": "B"}), "{done}");
    assert_eq!((done["variants"][0]["n"].as_u64(), done["variants"][0]["conversions"].as_u64()), (Some(200), Some(20)));
    let listed = app.get("/api/v1/experiments").await;
    assert_eq!(listed.work_round_trips(), 1, "a page of experiments in one call");
    assert_eq!(listed.body["items"][0]["verdict"], done["verdict"]);

    // The analyst reads the same numbers and says the same.
    let analysed = app.post("/api/v1/agents/experiment_analyst/run", json!({"experiment_id": id(&experiment)})).await;
    assert_eq!(analysed.status, 201, "{}", analysed.text);
    assert_eq!(analysed.body["output"]["verdict"], "winner");
    assert_eq!(analysed.body["output"]["winner_variant"], "B");
    assert_eq!(
        analysed.body["input"]["variants"][1],
        json!({"name": "B", "is_control": false, "sends": 200, "conversions": 50})
    );
    let recommended = app.get(&path).await.body;
    assert_eq!(recommended["recommendation"], analysed.body["output"]["recommendation"]);
    assert!(recommended["recommendation"].as_str().is_some_and(|r| r.starts_with("B wins")), "{recommended}");

    // Completing with the winner writes its text into the step.
    let completed = app.post(&format!("{path}/complete"), json!({"apply_winner": true})).await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    assert!(completed.work_round_trips() <= 2);
    assert_eq!(completed.body["winner_variant_id"], json!(b));
    let steps = app.get(&format!("/api/v1/sequences/{}", id(&seq))).await.body["steps"].clone();
    assert_eq!(steps[0]["template"], BODY_B);
    assert_eq!(steps[0]["subject"], "Outbound at {{company|your company}}", "the subject is not the experiment's");
    let log = app.get(&format!("/api/v1/audit?entity=sequence&entity_id={}", id(&seq))).await;
    assert_eq!(log.body["items"][0]["action"], "sequence.step_body_from_experiment", "{}", log.text);
    assert_eq!(log.body["items"][0]["after"]["template"], BODY_B);
}

#[tokio::test]
async fn completing_without_applying_leaves_the_step_as_it_is() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Keep").await;
    let email = step(&seq, 0);
    let experiment = create(&app, body(&email)).await;
    assert_eq!(act(&app, &experiment, "start").await.status, 200);
    let (a, b) = (variant(&experiment, "A"), variant(&experiment, "B"));
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com"})).await.body;
    sends(&app, id(&ana), &a, 1, 200, 20).await;
    sends(&app, id(&ana), &b, 1, 200, 50).await;
    let completed = act(&app, &experiment, "complete").await;
    assert_eq!(completed.status, 200, "{}", completed.text);
    assert_eq!(completed.body["winner_variant_id"], json!(b), "the winner is declared");
    let steps = app.get(&format!("/api/v1/sequences/{}", id(&seq))).await.body["steps"].clone();
    assert_eq!(steps[0]["template"], BODY_A, "not applied");
}
