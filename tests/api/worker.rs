//! The tick: due steps become reviewed drafts once each, enrollments move on in the contact's
//! time zone and complete, autopilot approves clean drafts, paused enrollments resume, people
//! who may no longer be contacted leave, and two ticks at once draft nothing twice.

use chrono::{Duration, Utc};
use occ_core::cron::worker::tick;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

const GOOD_EMAIL: &str = "Hi {{first_name}}, congratulations on {{signal}}. Teams at {{company}} usually double outbound \
                          after a round and we help keep reply rates up. Worth a short call next week? If you would \
                          rather not hear from me, just reply stop. {{sender_name}}";

async fn sequence(app: &TestApp, name: &str) -> Value {
    let steps = json!([
        {"day_offset": 0, "kind": "email", "subject": "{{company}} after {{signal}}", "template": GOOD_EMAIL},
        {"day_offset": 2, "kind": "linkedin_message", "template": "Hi {{first_name}}, following up on my note about {{company}}."},
        {"day_offset": 5, "kind": "call", "template": "Call {{first_name}} at {{company}}", "is_break_up": true}
    ]);
    let answer = app.post("/api/v1/sequences", json!({"name": name, "steps": steps})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn person(app: &TestApp, name: &str, with_company: bool) -> Value {
    // Reachable on every channel of the sequence: an address, a profile and a number.
    let mut body = json!({
        "first_name": name, "email": format!("{}@acme.com", name.to_lowercase()), "timezone": "Europe/Madrid",
        "linkedin_url": format!("https://www.linkedin.com/in/{}-test", name.to_lowercase()), "phone": "+34 600 000 000",
    });
    if with_company {
        let acme = app.post("/api/v1/accounts", json!({"name": format!("Acme {name}")})).await.body;
        body["account_id"] = acme["id"].clone();
    }
    let contact = app.post("/api/v1/contacts", body).await.body;
    if with_company {
        let signal = json!({"contact_id": contact["id"], "kind": "funding", "strength": 4, "title": "the Series B"});
        assert_eq!(app.post("/api/v1/signals", signal).await.status, 201);
    }
    contact
}

async fn drafts(app: &TestApp, contact: &str) -> Vec<Value> {
    let conn = app.db.conn().await;
    conn.query_all(
        "SELECT json_object('channel', channel, 'subject', subject, 'body', body, 'status', approval_status, \
         'report', json(quality_report), 'author', author_kind) FROM message_drafts WHERE contact_id = ?1 ORDER BY created_at, rowid",
        [contact],
        |row| Ok(serde_json::from_str::<Value>(&occ_core::store::col::<String>(row, 0)?).expect("json")),
    )
    .await
    .expect("drafts")
}

async fn enrollment(app: &TestApp, contact: &str) -> Value {
    app.get(&format!("/api/v1/enrollments?contact_id={contact}")).await.body["items"][0].clone()
}

#[tokio::test]
async fn due_steps_become_reviewed_drafts_once_and_the_enrollment_walks_to_the_end() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Walk").await;
    let ana = person(&app, "Ana", true).await;
    let bo = person(&app, "Bo", false).await;
    let enrolled =
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [id(&ana), id(&bo)]})).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let conn = app.db.conn().await;
    let now = Utc::now() + Duration::seconds(1);

    let first = tick(&conn, now).await.expect("tick");
    assert_eq!((first.drafted, first.completed), (2, 0), "{first:?}");
    let ana_drafts = drafts(&app, id(&ana)).await;
    assert_eq!(ana_drafts.len(), 1);
    let d = &ana_drafts[0];
    assert_eq!(
        (d["channel"].as_str(), d["status"].as_str(), d["author"].as_str()),
        (Some("email"), Some("pending"), Some("agent"))
    );
    assert_eq!(d["subject"], "Acme Ana after the Series B");
    assert!(d["body"].as_str().is_some_and(|b| b.starts_with("Hi Ana, congratulations on the Series B.")), "{d}");
    assert_eq!(d["report"]["passed"], true, "{d}");
    // Bo has no company and no signal: the placeholders stay and are flagged.
    let bo_draft = &drafts(&app, id(&bo)).await[0];
    assert!(bo_draft["body"].as_str().is_some_and(|b| b.contains("{{company}}")), "{bo_draft}");
    assert_eq!(bo_draft["report"]["unresolved"], json!(["signal", "company"]));
    assert_eq!(bo_draft["report"]["passed"], false);

    // The next step is due on day 2 at 09:00 in Madrid.
    let e = enrollment(&app, id(&ana)).await;
    assert_eq!(e["current_step"], 2);
    let due = chrono::DateTime::parse_from_rfc3339(e["next_due_at"].as_str().expect("due")).expect("time");
    assert_eq!(due.with_timezone(&chrono_tz::Europe::Madrid).format("%H:%M").to_string(), "09:00");

    // Nothing new until then.
    assert_eq!(tick(&conn, now).await.expect("tick").drafted, 0);
    assert_eq!(drafts(&app, id(&ana)).await.len(), 1);

    let day3 = tick(&conn, now + Duration::days(3)).await.expect("tick");
    assert_eq!(day3.drafted, 2);
    assert_eq!(drafts(&app, id(&ana)).await[1]["channel"], "linkedin");
    // Step 2 fired a day late (day 3), so step 3 keeps its three-day gap: day 6 at 09:00.
    let day6 = tick(&conn, now + Duration::days(7)).await.expect("tick");
    assert_eq!((day6.drafted, day6.completed), (2, 2), "{day6:?}");
    let done = enrollment(&app, id(&ana)).await;
    assert_eq!((done["status"].as_str(), done["next_due_at"].as_str()), (Some("completed"), None));
    assert!(done["ended_at"].is_string());
    assert_eq!(
        tick(&conn, now + Duration::days(30)).await.expect("tick"),
        occ_core::cron::worker::TickReport::default()
    );
}

#[tokio::test]
async fn autopilot_approves_clean_drafts_only() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Auto").await;
    app.patch(&format!("/api/v1/sequences/{}", id(&seq)), json!({"autopilot": true})).await;
    let ana = person(&app, "Ana", true).await;
    let bo = person(&app, "Bo", false).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [id(&ana), id(&bo)]})).await;
    let report = tick(&app.db.conn().await, Utc::now() + Duration::seconds(1)).await.expect("tick");
    assert_eq!((report.drafted, report.auto_approved), (2, 1));
    assert_eq!(drafts(&app, id(&ana)).await[0]["status"], "approved");
    assert_eq!(drafts(&app, id(&bo)).await[0]["status"], "pending", "flagged drafts wait for a person");
}

#[tokio::test]
async fn a_field_with_a_fallback_leaves_nothing_unresolved_for_a_contact_without_a_value() {
    let app = spawn_app().await;
    let body = GOOD_EMAIL
        .replace("{{signal}}", "{{signal|your recent growth}}")
        .replace("{{company}}", "{{company|your team}}");
    let steps = json!([{"day_offset": 0, "kind": "email", "subject": "Quick idea for {{company|your team}}", "template": body}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Fallbacks", "steps": steps})).await;
    assert_eq!(seq.status, 201, "{}", seq.text);
    let bo = person(&app, "Bo", false).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq.body), "contact_id": id(&bo)})).await;
    tick(&app.db.conn().await, Utc::now() + Duration::seconds(1)).await.expect("tick");
    let draft = &drafts(&app, id(&bo)).await[0];
    assert_eq!(draft["subject"], "Quick idea for your team");
    assert!(
        draft["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Hi Bo, congratulations on your recent growth. Teams at your team")),
        "{draft}"
    );
    assert_eq!(draft["report"]["unresolved"], json!([]), "{draft}");

    // Nothing stops a person approving it.
    let conn = app.db.conn().await;
    let draft_id: String = conn
        .query_one("draft", "SELECT id FROM message_drafts WHERE contact_id = ?1", [id(&bo)], occ_core::store::single)
        .await
        .expect("draft");
    let approved = app.post(&format!("/api/v1/drafts/{draft_id}/approve"), json!({})).await;
    assert_eq!(
        (approved.status, approved.body["approval_status"].as_str()),
        (200, Some("approved")),
        "{}",
        approved.text
    );
}

#[tokio::test]
async fn two_ticks_at_once_draft_each_step_once() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Race").await;
    let mut ids = Vec::new();
    for n in 0..30 {
        let person = json!({"first_name": format!("P{n}"), "email": format!("p{n}@acme.com")});
        ids.push(id(&app.post("/api/v1/contacts", person).await.body).to_owned());
    }
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": ids})).await;
    assert_eq!(enrolled.status, 200);
    let (a, b) = (app.db.conn().await, app.db.conn().await);
    let now = Utc::now() + Duration::seconds(1);
    let (x, y) = tokio::join!(tick(&a, now), tick(&b, now));
    let (x, y) = (x.expect("tick"), y.expect("tick"));
    assert_eq!(x.drafted + y.drafted, 30, "{x:?} {y:?}");
    let conn = app.db.conn().await;
    let count: i64 = conn
        .query_one("drafts", "SELECT count(*) FROM message_drafts", (), |row| occ_core::store::col(row, 0))
        .await
        .expect("count");
    assert_eq!(count, 30);
}

#[tokio::test]
async fn pauses_end_and_people_who_may_not_be_contacted_leave() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Leave").await;
    let ana = person(&app, "Ana", true).await;
    let bo = person(&app, "Bo", true).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": [id(&ana), id(&bo)]})).await;
    let e = enrollment(&app, id(&ana)).await;
    let until = (Utc::now() + Duration::days(1)).to_rfc3339();
    let paused = app.post(&format!("/api/v1/enrollments/{}/pause", id(&e)), json!({"until": until})).await;
    assert_eq!(paused.status, 200, "{}", paused.text);
    app.post("/api/v1/contacts/bulk", json!({"ids": [id(&bo)], "status": "bounced"})).await;

    // Bo leaves at once, not at his next step.
    let left = enrollment(&app, id(&bo)).await;
    assert_eq!((left["status"].as_str(), left["exit_reason"].as_str()), (Some("exited"), Some("bounced")));
    let conn = app.db.conn().await;
    let now = Utc::now() + Duration::seconds(1);
    let first = tick(&conn, now).await.expect("tick");
    assert_eq!((first.drafted, first.exited, first.resumed), (0, 0, 0), "{first:?}");
    // A status set behind the API's back is still caught at the next step.
    conn.execute("UPDATE enrollments SET status = 'active', exit_reason = NULL, ended_at = NULL, next_due_at = ?2 WHERE contact_id = ?1",
        libsql::params![id(&bo), occ_core::domain::stored(now)])
        .await
        .expect("back in");
    assert_eq!(tick(&conn, now).await.expect("tick").exited, 1);
    let later = tick(&conn, now + Duration::days(2)).await.expect("tick");
    assert_eq!((later.resumed, later.drafted), (1, 1), "{later:?}");
    assert_eq!(enrollment(&app, id(&ana)).await["status"], "active");
}

#[tokio::test]
async fn a_step_on_a_channel_the_person_cannot_be_reached_on_is_passed_over() {
    let app = spawn_app().await;
    let steps = json!([
        {"day_offset": 0, "kind": "call", "template": "Call {{first_name}} about {{company|the team}}"},
        {"day_offset": 3, "kind": "email", "subject": "Following up", "template": GOOD_EMAIL}
    ]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Call first", "steps": steps})).await;
    assert_eq!(seq.status, 201, "{}", seq.text);
    let bo = app.post("/api/v1/contacts", json!({"first_name": "Bo", "email": "bo@acme.com"})).await.body;
    let cy = app
        .post("/api/v1/contacts", json!({"first_name": "Cy", "email": "cy@acme.com", "phone": "+1 415 555 0100"}))
        .await
        .body;
    let enrolled =
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq.body), "contact_ids": [id(&bo), id(&cy)]})).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);

    let report = tick(&app.db.conn().await, Utc::now() + Duration::seconds(1)).await.expect("tick");
    assert_eq!((report.drafted, report.skipped_unreachable), (1, 1), "{report:?}");
    assert!(drafts(&app, id(&bo)).await.is_empty(), "no call task for a contact without a phone");
    assert_eq!(drafts(&app, id(&cy)).await[0]["channel"], "call");
    let e = enrollment(&app, id(&bo)).await;
    assert_eq!(
        (e["status"].as_str(), e["current_step"].as_i64()),
        (Some("active"), Some(2)),
        "the sequence goes on: {e}"
    );
}

#[tokio::test]
async fn a_late_tick_keeps_the_gap_between_steps() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Late").await;
    let ana = person(&app, "Ana", true).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&ana)})).await;
    // The worker was down for ten days: step 1 fires, step 2 (two days later in the sequence)
    // waits two days from now instead of firing at once.
    let late = Utc::now() + Duration::days(10);
    let report = tick(&app.db.conn().await, late).await.expect("tick");
    assert_eq!(report.drafted, 1, "{report:?}");
    let e = enrollment(&app, id(&ana)).await;
    let due = chrono::DateTime::parse_from_rfc3339(e["next_due_at"].as_str().expect("due")).expect("time");
    assert!(due > late + Duration::days(1), "{due} should be about two days after {late}");
}

#[tokio::test]
async fn a_tick_out_of_time_starts_no_new_batch_and_the_next_tick_takes_the_rest() {
    let app = spawn_app().await;
    let seq = sequence(&app, "Backlog").await;
    let mut people = Vec::new();
    for n in 0..=occ_core::cron::worker::STEPS_PER_BATCH {
        let body = json!({"first_name": format!("P{n}"), "email": format!("p{n}@backlog.example")});
        let contact = app.post("/api/v1/contacts", body).await;
        assert_eq!(contact.status, 201, "{}", contact.text);
        people.push(contact.body["id"].clone());
    }
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": people})).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let conn = app.db.conn().await;
    let now = Utc::now() + Duration::seconds(1);
    let config = app.db.config();

    let late = occ_core::cron::worker::run_until(&conn, &config, now, std::time::Instant::now()).await;
    let batch = occ_core::cron::worker::STEPS_PER_BATCH as usize;
    assert_eq!(late.drafted, batch, "the first batch is always taken: {late:?}");
    assert_eq!(late.out_of_time_steps, ["sequence steps", "sending"], "{late:?}");
    assert!(late.send.out_of_time && late.failed_steps.is_empty(), "{late:?}");

    let next = occ_core::cron::worker::run(&conn, &config, now).await;
    assert_eq!(next.drafted, 1, "the next tick takes the rest: {next:?}");
    assert!(next.out_of_time_steps.is_empty() && !next.send.out_of_time, "{next:?}");
}

#[tokio::test]
async fn the_cron_tick_runs_for_the_holder_of_the_secret_only() {
    let secret = "cron-secret-for-tests-0123456789";
    let app =
        crate::helpers::spawn_app_with(|c| c.cron_secret = Some(occ_core::config::Secret::new(secret)), true).await;
    let seq = sequence(&app, "Cron").await;
    let ana = person(&app, "Ana", true).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&ana)})).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let url = app.url("/api/cron/tick");
    assert_eq!(app.send_raw(app.client.get(&url)).await.status, 401);
    assert_eq!(app.send_raw(app.client.get(&url).bearer_auth("cron-secret-for-tests-0123456780")).await.status, 401);
    let ran = app.send_raw(app.client.get(&url).bearer_auth(secret)).await;
    assert_eq!(ran.status, 200, "{}", ran.text);
    assert_eq!(ran.body["drafted"], 1, "{}", ran.text);

    let off = spawn_app().await;
    let answer = off.send_raw(off.client.get(off.url("/api/cron/tick")).bearer_auth(secret)).await;
    assert_eq!(answer.status, 503, "{}", answer.text);
}
