//! Replies: classified on the way in, and their consequences follow: stage, sequences (and a
//! positive reply's colleagues), drafts that must not go out, suppression for an unsubscribe,
//! a 90-day follow-up for not now, an out-of-office pause; a corrected intent follows again.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

struct World {
    seq: Value,
    acme: Value,
}

async fn world(app: &TestApp) -> World {
    let steps = json!([{"day_offset": 0, "kind": "email", "subject": "Hi", "template": "Hi {{first_name}}"},
                       {"day_offset": 3, "kind": "call", "template": "Call"}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Replies", "steps": steps})).await.body;
    let acme = app.post("/api/v1/accounts", json!({"name": "Acme", "domain": "acme.com"})).await.body;
    World { seq, acme }
}

async fn enrolled(app: &TestApp, w: &World, name: &str) -> Value {
    let c = app
        .post("/api/v1/contacts", json!({"first_name": name, "email": format!("{}@acme.com", name.to_lowercase()), "account_id": w.acme["id"]}))
        .await
        .body;
    let e = app.post("/api/v1/enrollments", json!({"sequence_id": id(&w.seq), "contact_id": id(&c)})).await;
    assert_eq!(e.status, 201, "{}", e.text);
    c
}

async fn reply(app: &TestApp, contact: &Value, body: &str) -> Value {
    let answer =
        app.post("/api/v1/replies", json!({"contact_id": contact["id"], "channel": "email", "body": body})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.work_round_trips(), 1, "the checks, the reply and its consequences with the commit");
    answer.body
}

async fn enrollment(app: &TestApp, contact: &Value) -> Value {
    app.get(&format!("/api/v1/enrollments?contact_id={}", id(contact))).await.body["items"][0].clone()
}

async fn stage(app: &TestApp, contact: &Value) -> String {
    app.get(&format!("/api/v1/contacts/{}", id(contact))).await.body["stage"].as_str().expect("stage").to_owned()
}

#[tokio::test]
async fn a_positive_reply_exits_the_sequence_and_the_colleagues_and_stops_pending_drafts() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let ana = enrolled(&app, &w, "Ana").await;
    let bo = enrolled(&app, &w, "Bo").await;
    occ_core::cron::worker::tick(&app.db.conn().await, chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("tick");
    let r = reply(&app, &ana, "Sounds interesting, can you send me some times for next week?").await;
    assert_eq!((r["reply"]["intent"].as_str(), r["reply"]["confidence"].as_f64()), (Some("positive"), Some(0.8)));
    assert_eq!(r["effects"]["stage"], "replied_positive");
    assert_eq!(r["effects"]["enrollments_exited"], 2, "hers and her colleague's: {r}");
    assert_eq!(r["effects"]["drafts_archived"], 1);
    assert_eq!(stage(&app, &ana).await, "replied_positive");
    let hers = enrollment(&app, &ana).await;
    assert_eq!((hers["status"].as_str(), hers["exit_reason"].as_str()), (Some("exited"), Some("replied")));
    let his = enrollment(&app, &bo).await;
    assert_eq!(his["exit_reason"], "colleague_replied");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn each_intent_has_its_consequences() {
    let app = spawn_app().await;
    let w = world(&app).await;

    let cy = enrolled(&app, &w, "Cy").await;
    let r = reply(&app, &cy, "Please remove me from your list.").await;
    assert_eq!(
        (r["reply"]["intent"].as_str(), r["effects"]["suppressed"].as_bool()),
        (Some("unsubscribe"), Some(true))
    );
    let now = app.get(&format!("/api/v1/contacts/{}", id(&cy))).await.body;
    assert_eq!(now["status"], "do_not_contact");
    assert_eq!(enrollment(&app, &cy).await["exit_reason"], "unsubscribed");
    let suppressed: i64 = app
        .db
        .conn()
        .await
        .query_one(
            "count",
            "SELECT count(*) FROM email_suppression WHERE value = 'cy@acme.com' AND reason = 'unsubscribe'",
            (),
            |row| occ_core::store::col(row, 0),
        )
        .await
        .expect("count");
    assert_eq!(suppressed, 1);

    let dee = enrolled(&app, &w, "Dee").await;
    let r = reply(&app, &dee, "Out of office: I am away until 2026-12-14 with limited access to email.").await;
    assert_eq!(
        (r["reply"]["intent"].as_str(), r["reply"]["return_date"].as_str()),
        (Some("out_of_office"), Some("2026-12-14"))
    );
    let paused = enrollment(&app, &dee).await;
    assert_eq!(
        (paused["status"].as_str(), paused["paused_until"].as_str()),
        (Some("paused"), Some("2026-12-14T09:00:00.000Z"))
    );
    assert_eq!(stage(&app, &dee).await, "sequencing", "an auto-reply moves no stage");

    let eve = enrolled(&app, &w, "Eve").await;
    let r = reply(&app, &eve, "Not right now, we might look at this next year.").await;
    assert_eq!((r["reply"]["intent"].as_str(), r["effects"]["stage"].as_str()), (Some("not_now"), Some("dormant")));
    assert!(r["effects"]["followup_id"].is_string(), "{r}");

    let fay = enrolled(&app, &w, "Fay").await;
    let r = reply(&app, &fay, "I'm not the right person, please reach out to Maria Gomez (maria@acme.com).").await;
    assert_eq!((r["reply"]["intent"].as_str(), r["effects"]["stage"].as_str()), (Some("referral"), Some("referred")));
    assert_eq!(
        (r["reply"]["referral_name"].as_str(), r["reply"]["referral_email"].as_str()),
        (Some("Maria Gomez"), Some("maria@acme.com"))
    );

    // A reply logged for someone never touched: touched first, then replied.
    let gus = app.post("/api/v1/contacts", json!({"first_name": "Gus"})).await.body;
    let r = reply(&app, &gus, "What does it cost?").await;
    assert_eq!((r["reply"]["intent"].as_str(), r["effects"]["stage"].as_str()), (Some("question"), Some("replied")));
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_corrected_intent_brings_its_own_consequences() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let ana = enrolled(&app, &w, "Ana").await;
    let r = reply(&app, &ana, "Thanks, noted.").await;
    assert_eq!(r["reply"]["intent"], "neutral");
    assert_eq!(stage(&app, &ana).await, "replied");
    let path = format!("/api/v1/replies/{}", id(&r["reply"]));
    let fixed = app.patch(&path, json!({"intent": "positive"})).await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    assert_eq!(fixed.work_round_trips(), 2, "the read of the reply and its contact, the writes");
    assert_eq!(
        (fixed.body["reply"]["intent"].as_str(), fixed.body["reply"]["confidence"].as_f64()),
        (Some("positive"), Some(1.0))
    );
    assert_eq!(stage(&app, &ana).await, "replied_positive");
    // The stage table has no way from replied_positive back to replied; a correction sets it.
    app.patch(&path, json!({"intent": "neutral"})).await;
    assert_eq!(stage(&app, &ana).await, "replied");
    let log = app.get(&format!("/api/v1/audit?entity=contact&entity_id={}", id(&ana))).await;
    assert_eq!(log.body["items"][0]["action"], "contact.stage_correction");
    let bad = app.patch(&path, json!({"intent": "delighted"})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let listed = app.get(&format!("/api/v1/replies?contact_id={}", id(&ana))).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn follow_ups_are_scheduled_listed_by_due_time_and_finished_once() {
    let app = spawn_app().await;
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana"})).await.body;
    let later = app
        .post("/api/v1/followups", json!({"contact_id": ana["id"], "channel": "call", "due_at": "2026-12-10T09:00:00Z", "reason": "After the board meeting"}))
        .await;
    assert_eq!(later.status, 201, "{}", later.text);
    let sooner = app
        .post(
            "/api/v1/followups",
            json!({"contact_id": ana["id"], "channel": "email", "due_at": "2026-12-01T09:00:00Z"}),
        )
        .await;
    assert_eq!(sooner.work_round_trips(), 2, "the read, the writes with the commit");
    let listed = app.get("/api/v1/followups?owner=me").await;
    let ids: Vec<&str> = listed.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(ids, [id(&sooner.body), id(&later.body)], "soonest first");
    assert_eq!(listed.body["items"][0]["contact_name"], "Ana");
    let due = app.get("/api/v1/followups?due_before=2026-12-05T00:00:00Z").await;
    assert_eq!(due.body["items"].as_array().map(Vec::len), Some(1));
    let path = format!("/api/v1/followups/{}", id(&sooner.body));
    let done = app.patch(&path, json!({"status": "done"})).await;
    assert_eq!(
        (done.body["status"].as_str(), done.body["completed_at"].is_string()),
        (Some("done"), true),
        "{}",
        done.text
    );
    assert_eq!(done.work_round_trips(), 2, "the read, the change with the commit");
    let log = app.get(&format!("/api/v1/audit?entity=followup&entity_id={}", id(&sooner.body))).await;
    assert_eq!(
        log.body["items"][0]["after"],
        json!({"status": "done", "due_at": "2026-12-01T09:00:00.000Z"}),
        "{}",
        log.text
    );
    assert_eq!(app.patch(&path, json!({"status": "skipped"})).await.status, 409, "finished once");
    assert_eq!(app.patch(&path, json!({"status": "pending"})).await.status, 422);
    let bad = app.post("/api/v1/followups", json!({"contact_id": ana["id"], "channel": "fax", "due_at": "soon"})).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    app.assert_queue_kept().await;
}

/// A reply about nobody is refused naming the field; a bdr logs replies only for the people it
/// owns or nobody owns; a refused reply writes nothing, and one that is logged moves the stage.
#[tokio::test]
async fn a_reply_needs_a_contact_the_logger_may_work_and_refused_ones_write_nothing() {
    let app = spawn_app().await;
    let missing = app
        .post(
            "/api/v1/replies",
            json!({"contact_id": "00000000-0000-7000-8000-000000000000", "channel": "email", "body": "Hi"}),
        )
        .await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    assert_eq!(missing.field_errors(), [("contact_id".to_owned(), "exists".to_owned())]);

    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let admins = app.post("/api/v1/contacts", json!({"first_name": "Theirs"})).await.body;
    let nobodys = app.post("/api/v1/contacts", json!({"first_name": "Free", "owner_id": null})).await.body;
    let log = |contact: &Value| {
        app.client
            .post(app.url("/api/v1/replies"))
            .bearer_auth(&bdr)
            .json(&json!({"contact_id": contact["id"], "channel": "email", "body": "Sounds good, let's talk", "intent": "positive"}))
    };
    let refused = app.send_raw(log(&admins)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let theirs = app.get(&format!("/api/v1/replies?contact_id={}", id(&admins))).await;
    assert_eq!(theirs.body["items"], json!([]), "nothing recorded");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(&admins))).await.body["stage"], "new");

    let logged = app.send_raw(log(&nobodys)).await;
    assert_eq!(logged.status, 201, "{}", logged.text);
    assert_eq!(logged.work_round_trips(), 1);
    assert_eq!(logged.body["effects"]["stage"], "replied_positive", "{}", logged.text);
    let moved = app.get(&format!("/api/v1/contacts/{}", id(&nobodys))).await.body;
    assert_eq!(
        (moved["stage"].as_str(), moved["priority_factors"]["engagement"].as_i64()),
        (Some("replied_positive"), Some(10))
    );
}
