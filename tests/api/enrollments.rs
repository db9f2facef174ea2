//! Enrollments: one live sequence per contact, due times in the contact's time zone, the stage
//! moving to sequencing, pause, resume and exit, lists and batches with an outcome per contact.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

async fn sequence(app: &TestApp, name: &str, first_day: i64) -> Value {
    let steps = json!([
        {"day_offset": first_day, "kind": "email", "subject": "Hello {{first_name}}", "template": "Hi {{first_name}}, about {{company}}."},
        {"day_offset": first_day + 3, "kind": "call", "template": "Call {{first_name}}"}
    ]);
    let answer = app.post("/api/v1/sequences", json!({"name": name, "steps": steps})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn contact(app: &TestApp, body: Value) -> Value {
    let answer = app.post("/api/v1/contacts", body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

#[tokio::test]
async fn a_contact_is_enrolled_once_moves_to_sequencing_and_can_be_paused_resumed_and_exited() {
    let app = spawn_app().await;
    let now_seq = sequence(&app, "Now", 0).await;
    let later = sequence(&app, "Later", 2).await;
    let ana = contact(&app, json!({"first_name": "Ana", "email": "ana@acme.com", "timezone": "Asia/Tokyo"})).await;
    let before = chrono::Utc::now();
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&later), "contact_id": id(&ana)})).await;
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);
    assert_eq!(enrolled.work_round_trips(), 2, "the read, the writes with the commit");
    let e = &enrolled.body;
    assert_eq!(
        (e["status"].as_str(), e["current_step"].as_i64(), e["steps_total"].as_i64()),
        (Some("active"), Some(1), Some(2))
    );
    // Day 2 at 09:00 in Tokyo.
    let due = chrono::DateTime::parse_from_rfc3339(e["next_due_at"].as_str().expect("due")).expect("time");
    let local = due.with_timezone(&chrono_tz::Asia::Tokyo);
    assert_eq!(local.format("%H:%M").to_string(), "09:00");
    let days = (local.date_naive() - before.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()).num_days();
    assert_eq!(days, 2, "{due}");

    let now = app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body;
    assert_eq!(now["stage"], "sequencing");
    assert!(now["priority_factors"]["engagement"].as_i64() > Some(0), "rescored for its stage: {now}");

    let twice = app.post("/api/v1/enrollments", json!({"sequence_id": id(&now_seq), "contact_id": id(&ana)})).await;
    assert_eq!(twice.status, 409, "{}", twice.text);
    assert!(twice.text.contains("already in the sequence \\\"Later\\\""), "{}", twice.text);

    let path = format!("/api/v1/enrollments/{}", id(e));
    let paused = app.post(&format!("{path}/pause"), json!({"until": "2026-12-01T09:00:00Z"})).await;
    assert_eq!((paused.status, paused.body["status"].as_str()), (200, Some("paused")), "{}", paused.text);
    assert_eq!(paused.body["paused_until"], "2026-12-01T09:00:00.000Z");
    assert_eq!(paused.work_round_trips(), 2, "the read, the change with the commit");
    assert_eq!(app.post(&format!("{path}/pause"), json!({})).await.status, 409, "already paused");
    let resumed = app.post(&format!("{path}/resume"), json!({})).await;
    assert_eq!((resumed.body["status"].as_str(), resumed.body["paused_until"].as_str()), (Some("active"), None));
    let exited = app.post(&format!("{path}/exit"), json!({"reason": "Asked to wait until Q2"})).await;
    assert_eq!((exited.body["status"].as_str(), exited.body["exit_reason"].as_str()), (Some("exited"), Some("manual")));
    assert_eq!(exited.work_round_trips(), 2, "the read, the change with the commit");
    assert_eq!(app.post(&format!("{path}/resume"), json!({})).await.status, 409);
    let log = app.get(&format!("/api/v1/audit?entity=enrollment&entity_id={}", id(e))).await;
    assert_eq!(log.body["items"][0]["action"], "enrollment.exit");
    assert_eq!(log.body["items"][0]["reason"], "Asked to wait until Q2");
    assert_eq!(log.body["items"][0]["after"]["status"], "exited", "{}", log.text);
    assert_eq!(log.body["items"][0]["before"]["status"], "active", "{}", log.text);
    let moved = app.get(&format!("/api/v1/audit?entity=contact&entity_id={}", id(&ana))).await;
    assert_eq!(moved.body["items"][0]["action"], "contact.enrolled", "{}", moved.text);
    assert_eq!(moved.body["items"][0]["after"]["stage"], "sequencing", "{}", moved.text);

    // Out of it, the contact can join another sequence.
    let again = app.post("/api/v1/enrollments", json!({"sequence_id": id(&now_seq), "contact_id": id(&ana)})).await;
    assert_eq!(again.status, 201, "{}", again.text);
    let listed = app.get(&format!("/api/v1/enrollments?contact_id={}", id(&ana))).await;
    let statuses: Vec<&str> =
        listed.body["items"].as_array().expect("items").iter().map(|e| e["status"].as_str().expect("status")).collect();
    assert_eq!(statuses, ["active", "exited"]);
    assert!(again.body["next_due_at"].as_str() <= Some(chrono::Utc::now().to_rfc3339().as_str()), "day 0 is due now");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_list_or_a_batch_gives_an_outcome_per_contact() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Batch", 0).await;
    let ok = contact(&app, json!({"first_name": "Ok"})).await;
    let blocked = contact(&app, json!({"first_name": "Blocked"})).await;
    let busy = contact(&app, json!({"first_name": "Busy"})).await;
    let bulk = app.post("/api/v1/contacts/bulk", json!({"ids": [id(&blocked)], "status": "do_not_contact"})).await;
    assert_eq!(bulk.body["results"][0]["ok"], true, "{}", bulk.text);
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&busy)})).await;
    let missing = "01936b2e-0000-7000-8000-000000000000";
    let answer = app
        .post(
            "/api/v1/enrollments",
            json!({"sequence_id": id(&seq), "contact_ids": [id(&ok), id(&blocked), id(&busy), missing]}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.work_round_trips(), 2, "the read, the writes with the commit");
    let outcomes: Vec<(bool, &str)> = answer.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["ok"].as_bool().expect("ok"), r["error"]["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes, [(true, ""), (false, "do_not_contact"), (false, "already_enrolled"), (false, "not_found")]);

    // A batch: every member.
    let conn = app.db.conn().await;
    let members = [contact(&app, json!({"first_name": "M1"})).await, contact(&app, json!({"first_name": "M2"})).await];
    conn.execute(
        "INSERT INTO batches (id, name, status, created_at, updated_at) VALUES ('01936b2e-0000-7000-8000-0000000000b1', 'Top 2', 'active', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
        (),
    )
    .await
    .expect("batch");
    for m in &members {
        conn.execute(
            "INSERT INTO batch_prospects (id, batch_id, contact_id, position, created_at) \
             VALUES (?1, '01936b2e-0000-7000-8000-0000000000b1', ?2, 0, '2026-11-01T00:00:00.000Z')",
            libsql::params![uuid::Uuid::now_v7().to_string(), id(m)],
        )
        .await
        .expect("member");
    }
    let batch = app
        .post(
            "/api/v1/enrollments",
            json!({"sequence_id": id(&seq), "batch_id": "01936b2e-0000-7000-8000-0000000000b1"}),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    assert_eq!(batch.body["results"].as_array().map(|r| r.iter().filter(|x| x["ok"] == true).count()), Some(2));
    let by_sequence = app.get(&format!("/api/v1/enrollments?sequence_id={}&status=active", id(&seq))).await;
    assert_eq!(by_sequence.body["items"].as_array().map(Vec::len), Some(4));
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn enrolling_is_refused_for_paused_sequences_others_contacts_and_racing_twice() {
    let app = spawn_app().await;
    let seq = sequence(&app, "One", 0).await;
    let other = sequence(&app, "Two", 0).await;
    let ana = contact(&app, json!({"first_name": "Ana"})).await;
    let paused = app.patch(&format!("/api/v1/sequences/{}", id(&other)), json!({"status": "paused"})).await;
    assert_eq!(paused.status, 200);
    let refused = app.post("/api/v1/enrollments", json!({"sequence_id": id(&other), "contact_id": id(&ana)})).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    app.patch(&format!("/api/v1/sequences/{}", id(&other)), json!({"status": "active"})).await;

    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let theirs = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/enrollments"))
                .bearer_auth(&bdr)
                .json(&json!({"sequence_id": id(&seq), "contact_id": id(&ana)})),
        )
        .await;
    assert_eq!(theirs.status, 403, "{}", theirs.text);

    // Two requests enrolling the same person in two sequences at once: one wins.
    let (a, b) = tokio::join!(
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&ana)})),
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&other), "contact_id": id(&ana)})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} {}", a.text, b.text);
    let bad = app
        .post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&ana), "batch_id": id(&seq)}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn the_prep_card_names_the_step_that_fires_next() {
    let app = spawn_app().await;
    let later = sequence(&app, "Later", 2).await;
    let ana = contact(&app, json!({"first_name": "Ana", "email": "ana@acme.com"})).await;
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&later), "contact_id": id(&ana)})).await;
    assert_eq!(enrolled.status, 201, "{}", enrolled.text);

    let prep = app.get(&format!("/api/v1/prep/{}", id(&ana))).await;
    assert_eq!(prep.status, 200, "{}", prep.text);
    assert_eq!(
        (prep.body["enrollment"]["current_step"].as_i64(), prep.body["enrollment"]["steps"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(prep.body["next_step"]["action"], "wait");
    assert_eq!(prep.body["next_step"]["reason"], "Step 1 of 2 in Later is next", "{}", prep.text);

    // The first step fired: the second is next, and it is the last.
    let conn = app.db.conn().await;
    conn.execute("UPDATE enrollments SET current_step = 2 WHERE id = ?1", [id(&enrolled.body)]).await.expect("step on");
    let prep = app.get(&format!("/api/v1/prep/{}", id(&ana))).await;
    assert_eq!(prep.body["next_step"]["reason"], "Step 2 of 2 in Later is next", "{}", prep.text);
}
