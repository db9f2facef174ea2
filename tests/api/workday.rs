//! A BDR's day through the API: a batch built from a filter is enrolled, the tick drafts, drafts
//! are approved and recorded as sent, a positive reply tops Today and ends the sequences at its
//! company, a meeting follows and becomes an opportunity, and the contact's stage moves at
//! every step. Then the Today queue, the prep card, tasks, batches and the Pipeline board alone.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

const EMAIL: &str = "Hi {{first_name}}, teams like yours usually double outbound after a round; we help keep reply rates \
                     up without more headcount. Worth a short call next week? If you would rather not hear from me, reply stop.";

async fn contact(app: &TestApp, name: &str, account: &Value) -> Value {
    let email = format!("{}@{}", name.to_lowercase(), account["domain"].as_str().unwrap_or("example.com"));
    let linkedin = format!("https://www.linkedin.com/in/{}-{}", name.to_lowercase(), uuid::Uuid::now_v7().simple());
    let body = json!({"first_name": name, "email": email, "account_id": account["id"], "linkedin_url": linkedin, "phone": "+1 415 555 0100"});
    let answer = app.post("/api/v1/contacts", body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn stage(app: &TestApp, contact: &Value) -> String {
    app.get(&format!("/api/v1/contacts/{}", id(contact))).await.body["stage"].as_str().expect("stage").to_owned()
}

async fn tick(app: &TestApp) {
    let at = chrono::Utc::now() + chrono::Duration::seconds(1);
    occ_core::cron::worker::tick(&app.db.conn().await, at).await.expect("tick");
}

async fn queue(app: &TestApp) -> Value {
    let answer = app.get("/api/v1/queue?scope=team").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.db_calls() <= 1 + 1, "authentication and one call: {}", answer.db_calls());
    app.assert_queue_kept().await;
    answer.body
}

fn items_of<'a>(queue: &'a Value, kind: &str) -> Vec<&'a Value> {
    queue["items"].as_array().expect("items").iter().filter(|i| i["kind"] == kind).collect()
}

async fn drafts_of(app: &TestApp, contact: &Value) -> Vec<Value> {
    app.get(&format!("/api/v1/drafts?contact_id={}", id(contact))).await.body["items"]
        .as_array()
        .expect("items")
        .clone()
}

#[tokio::test]
async fn the_whole_loop_from_a_batch_to_an_opportunity() {
    let app = spawn_app().await;
    let steps = json!([
        {"day_offset": 0, "kind": "email", "subject": "Outbound after the round", "template": EMAIL},
        {"day_offset": 3, "kind": "email", "subject": "Closing the loop", "template": EMAIL, "is_break_up": true}
    ]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Series B", "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let other = app.create_account(json!({"name": "Other", "domain": "other.com"})).await;
    let ana = contact(&app, "Ana", &acme).await;
    let bo = contact(&app, "Bo", &acme).await;
    let cy = contact(&app, "Cy", &other).await;

    // A batch from a saved filter (Acme's people by priority), and Cy by hand.
    let query = format!("account_id={}&sort=priority", id(&acme));
    let made = app.post("/api/v1/batches", json!({"name": "Acme first", "query": query, "limit": 50})).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let batch = made.body;
    assert_eq!((batch["member_count"].as_i64(), batch["status"].as_str()), (Some(2), Some("draft")));
    let members = format!("/api/v1/batches/{}/members", id(&batch));
    let unknown = uuid::Uuid::now_v7().to_string();
    let added = app.post(&members, json!({"contact_ids": [id(&cy), id(&ana), unknown]})).await;
    assert_eq!(added.status, 200, "{}", added.text);
    let outcomes: Vec<&str> =
        added.body["results"].as_array().expect("array").iter().map(|r| r["outcome"].as_str().expect("text")).collect();
    assert_eq!(outcomes, ["added", "already_member", "not_found"]);
    assert_eq!(added.body["member_count"], 3);
    let active = app.patch(&format!("/api/v1/batches/{}", id(&batch)), json!({"status": "active"})).await;
    assert_eq!(active.body["status"], "active", "{}", active.text);

    // Enroll the batch: everyone is sequencing.
    let enrolled = app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "batch_id": id(&batch)})).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    for person in [&ana, &bo, &cy] {
        assert_eq!(stage(&app, person).await, "sequencing");
    }

    // The tick drafts the first step; the drafts wait for review in Today.
    tick(&app).await;
    let today = queue(&app).await;
    assert_eq!(items_of(&today, "review").len(), 3, "{today}");
    assert_eq!(today["counts"]["drafts_pending"], 3);
    let ana_draft = drafts_of(&app, &ana).await[0].clone();
    let bo_draft = drafts_of(&app, &bo).await[0].clone();
    let done_review = app.post(&format!("/api/v1/queue/draft:{}/done", id(&ana_draft)), json!({})).await;
    assert_eq!(done_review.status, 409, "a draft awaiting review is decided in Review: {}", done_review.text);
    for d in [&ana_draft, &bo_draft] {
        let approved = app.post(&format!("/api/v1/drafts/{}/approve", id(d)), json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text);
    }
    let today = queue(&app).await;
    assert_eq!(items_of(&today, "email").len(), 2, "approved emails are ready to send: {today}");

    // Marked sent: from Today, and by hand (twice: recorded once).
    let sent = app.post(&format!("/api/v1/queue/draft:{}/done", id(&ana_draft)), json!({})).await;
    assert_eq!((sent.status, sent.body["outcome"].as_str()), (200, Some("recorded")), "{}", sent.text);
    assert_eq!(sent.work_round_trips(), 2, "the read of the draft and its contact, the writes");
    let by_hand = app.post("/api/v1/touchpoints", json!({"draft_id": id(&bo_draft)})).await;
    assert_eq!(by_hand.status, 201, "{}", by_hand.text);
    assert_eq!(by_hand.work_round_trips(), 2, "the read, the touch with its consequences");
    let again = app.post("/api/v1/touchpoints", json!({"draft_id": id(&bo_draft)})).await;
    assert_eq!((again.status, again.body["id"].clone()), (200, by_hand.body["id"].clone()));
    let touches = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(&ana))).await.body;
    assert_eq!(touches["items"].as_array().expect("array").len(), 1);
    assert_eq!(
        (touches["items"][0]["kind"].as_str(), touches["items"][0]["status"].as_str()),
        (Some("email"), Some("sent"))
    );
    assert_eq!(drafts_of(&app, &ana).await[0]["approval_status"], "sent");
    assert!(app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body["last_touch_at"].is_string());

    // Ana says yes: her sequence and Bo's end, Cy's goes on, and her reply tops Today.
    let reply = app
        .post(
            "/api/v1/replies",
            json!({"contact_id": id(&ana), "channel": "email", "body": "Sounds great, let's talk Tuesday."}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(stage(&app, &ana).await, "replied_positive");
    let exits: Vec<(String, String)> = {
        let mut out = Vec::new();
        for person in [&ana, &bo, &cy] {
            let e = app.get(&format!("/api/v1/enrollments?contact_id={}", id(person))).await.body["items"][0].clone();
            out.push((
                e["status"].as_str().expect("text").to_owned(),
                e["exit_reason"].as_str().unwrap_or("").to_owned(),
            ));
        }
        out
    };
    assert_eq!(
        exits,
        [
            ("exited".into(), "replied".into()),
            ("exited".into(), "colleague_replied".into()),
            ("active".into(), String::new())
        ]
    );
    let today = queue(&app).await;
    let top = &today["items"][0];
    assert_eq!((top["kind"].as_str(), top["contact_id"].as_str()), (Some("reply_positive"), Some(id(&ana))), "{today}");
    assert!(top["reason"].as_str().expect("text").contains("Positive reply"), "{top}");

    // The prep card has the history and says what to do.
    let prep = app.get(&format!("/api/v1/prep/{}", id(&ana))).await;
    assert_eq!(prep.status, 200, "{}", prep.text);
    assert!(prep.db_calls() <= 1 + 2, "{}", prep.db_calls());
    let kinds: Vec<&str> =
        prep.body["timeline"].as_array().expect("array").iter().map(|e| e["kind"].as_str().expect("text")).collect();
    for kind in ["touch", "reply", "draft", "stage"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(prep.body["next_step"]["action"], "answer_reply");
    assert_eq!(prep.body["account"]["name"], "Acme");

    // A meeting from the reply: the reply is handled, the stage follows.
    let meeting_at = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let booked = app
        .post(
            "/api/v1/opportunities",
            json!({"contact_id": id(&ana), "reply_id": top["reply_id"], "meeting_at": meeting_at}),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.text);
    assert_eq!(booked.work_round_trips(), 2, "the read, the writes with the commit");
    let opp = booked.body;
    assert_eq!((opp["status"].as_str(), opp["account_name"].as_str()), (Some("meeting_booked"), Some("Acme")));
    assert_eq!(stage(&app, &ana).await, "meeting_booked");
    let twice = app.post("/api/v1/opportunities", json!({"contact_id": id(&ana)})).await;
    assert_eq!(twice.status, 409, "one open opportunity per contact: {}", twice.text);
    let today = queue(&app).await;
    assert!(items_of(&today, "reply_positive").is_empty(), "handled: {today}");
    assert_eq!(items_of(&today, "meeting")[0]["opportunity_id"], opp["id"]);
    assert_eq!(app.get(&format!("/api/v1/prep/{}", id(&ana))).await.body["next_step"]["action"], "prepare_meeting");

    // Held, then an opportunity with an amount; a move backwards is refused.
    let path = format!("/api/v1/opportunities/{}", id(&opp));
    assert!(
        !opp["next_statuses"].as_array().expect("moves").contains(&json!("meeting_held")),
        "the meeting is ahead: {opp}"
    );
    let early = app.patch(&path, json!({"status": "meeting_held"})).await;
    assert_eq!(early.status, 409, "not held before it begins: {}", early.text);
    assert_eq!(early.field_errors(), [("status".to_owned(), "meeting_ahead".to_owned())]);
    // It happened earlier than planned: held, at the time it was.
    let began = (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339();
    let held = app.patch(&path, json!({"status": "meeting_held", "meeting_at": began})).await;
    assert_eq!(held.status, 200, "{}", held.text);
    assert_eq!(stage(&app, &ana).await, "meeting_held");
    let created =
        app.patch(&path, json!({"status": "opportunity_created", "amount_minor": 1_200_000, "currency": "usd"})).await;
    assert_eq!(
        (created.body["currency"].as_str(), created.body["amount_minor"].as_i64()),
        (Some("USD"), Some(1_200_000))
    );
    assert_eq!(stage(&app, &ana).await, "opportunity");
    assert_eq!(created.work_round_trips(), 2, "the read, the writes with the commit");
    let log = app.get(&format!("/api/v1/audit?entity=opportunity&entity_id={}", id(&opp))).await;
    assert_eq!(log.body["items"][0]["action"], "opportunity.update", "{}", log.text);
    assert_eq!(
        (log.body["items"][0]["before"]["status"].as_str(), log.body["items"][0]["after"]["status"].as_str()),
        (Some("meeting_held"), Some("opportunity_created"))
    );
    assert_eq!(log.body["items"][0]["after"]["amount_minor"], 1_200_000, "{}", log.text);
    let back = app.patch(&path, json!({"status": "meeting_booked"})).await;
    assert_eq!(back.status, 409, "{}", back.text);
    assert_eq!(back.field_errors(), [("status".to_owned(), "transition".to_owned())]);
    let listed = app.get("/api/v1/opportunities?status=opportunity_created").await.body;
    assert_eq!(listed["items"][0]["id"], opp["id"]);

    // The board agrees.
    let board = app.get("/api/v1/pipeline").await;
    assert!(board.db_calls() <= 1 + 2);
    let column = |name: &str| {
        board.body["stages"].as_array().expect("array").iter().find(|c| c["stage"] == name).expect("present").clone()
    };
    assert_eq!(column("opportunity")["count"], 1);
    assert_eq!(column("sequencing")["count"], 2, "Bo (exited, still sequencing) and Cy");
    assert_eq!(board.body["transitions"]["new"][0], "researched");
}

#[tokio::test]
async fn tasks_done_record_touches_and_move_stages() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let dee = contact(&app, "Dee", &acme).await;
    let linkedin = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&dee), "channel": "linkedin", "body": "Hi Dee, saw the Acme news. Would love to connect.", "submit": true}),
        )
        .await
        .body;
    app.post(&format!("/api/v1/drafts/{}/approve", id(&linkedin)), json!({})).await;
    let today = queue(&app).await;
    let task = items_of(&today, "linkedin")[0].clone();
    assert!(task["reason"].as_str().expect("text").contains("LinkedIn message"), "{task}");
    assert_eq!(task["linkedin_url"], dee["linkedin_url"], "the profile to open");
    let done = app.post(&format!("/api/v1/queue/{}/done", task["id"].as_str().expect("text")), json!({})).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(stage(&app, &dee).await, "touched", "the first touch");
    let events: i64 = app
        .db
        .conn()
        .await
        .query_one("linkedin_events", "SELECT count(*) FROM linkedin_events WHERE kind = 'message_sent'", (), |r| {
            occ_core::store::col(r, 0)
        })
        .await
        .expect("count");
    assert_eq!(events, 1);

    // A call that booked a meeting books it.
    let call = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&dee), "channel": "call", "body": "Ask about the new team.", "submit": true}),
        )
        .await
        .body;
    app.post(&format!("/api/v1/drafts/{}/approve", id(&call)), json!({})).await;
    let wrong = app.post("/api/v1/touchpoints", json!({"draft_id": id(&linkedin), "call_outcome": "connected"})).await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    let called = app
        .post(
            &format!("/api/v1/queue/draft:{}/done", id(&call)),
            json!({"call_outcome": "meeting_booked", "duration_seconds": 300}),
        )
        .await;
    assert_eq!(called.status, 200, "{}", called.text);
    assert_eq!(called.work_round_trips(), 2, "the call, the meeting it booked and the stage in one batch");
    assert_eq!(stage(&app, &dee).await, "meeting_booked");
    let opps = app.get(&format!("/api/v1/opportunities?contact_id={}", id(&dee))).await.body;
    assert_eq!(opps["items"][0]["status"], "meeting_booked");

    // An ad-hoc touch with its own key records once.
    let eve = contact(&app, "Eve", &acme).await;
    let body =
        json!({"contact_id": id(&eve), "kind": "call", "call_outcome": "voicemail", "idempotency_key": "call-1"});
    assert_eq!(app.post("/api/v1/touchpoints", body.clone()).await.status, 201);
    assert_eq!(app.post("/api/v1/touchpoints", body).await.status, 200);
    assert_eq!(stage(&app, &eve).await, "touched");
    let missing = app.post("/api/v1/touchpoints", json!({"contact_id": id(&eve)})).await;
    assert_eq!(missing.field_errors(), [("draft_id".to_owned(), "required".to_owned())]);
}

#[tokio::test]
async fn the_break_up_step_moves_the_stage() {
    let app = spawn_app().await;
    let steps =
        json!([{"day_offset": 0, "kind": "email", "subject": "Last note", "template": EMAIL, "is_break_up": true}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "One", "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let fay = contact(&app, "Fay", &acme).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&fay)})).await;
    tick(&app).await;
    let d = drafts_of(&app, &fay).await[0].clone();
    app.post(&format!("/api/v1/drafts/{}/approve", id(&d)), json!({})).await;
    let sent = app.post("/api/v1/touchpoints", json!({"draft_id": id(&d)})).await;
    assert_eq!(sent.status, 201, "{}", sent.text);
    assert_eq!(stage(&app, &fay).await, "break_up_sent");
    // The sequence ended without an answer: the engine plans the next try.
    let planned = app.get(&format!("/api/v1/followups?contact_id={}", id(&fay))).await.body["items"][0].clone();
    let due = chrono::DateTime::parse_from_rfc3339(planned["due_at"].as_str().expect("due_at")).expect("time");
    let days = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{planned}");
}

#[tokio::test]
async fn the_queue_snoozes_keeps_linkedin_within_its_limit_and_offers_research() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    conn.execute(
        "INSERT INTO settings (key, version, value, created_at) VALUES ('pacing', 1, '{\"linkedin_connections_daily\": 1}', '2026-01-01T00:00:00.000Z')",
        (),
    )
    .await
    .expect("settings");
    let steps =
        json!([{"day_offset": 0, "kind": "linkedin_connect", "template": "Hi {{first_name}}, would love to connect."}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Connect", "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let gus = contact(&app, "Gus", &acme).await;
    let hal = contact(&app, "Hal", &acme).await;
    let ids = json!([id(&gus), id(&hal)]);
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_ids": ids})).await;
    tick(&app).await;
    for person in [&gus, &hal] {
        let d = drafts_of(&app, person).await[0].clone();
        let approved = app.post(&format!("/api/v1/drafts/{}/approve", id(&d)), json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text);
    }
    let today = queue(&app).await;
    let tasks = items_of(&today, "linkedin");
    assert_eq!(tasks.len(), 1, "one connection request left today: {today}");
    assert_eq!(
        (today["counts"]["linkedin_ready"].as_i64(), today["counts"]["connections_daily_limit"].as_i64()),
        (Some(2), Some(1))
    );
    let first = tasks[0]["id"].as_str().expect("text").to_owned();
    app.post(&format!("/api/v1/queue/{first}/done"), json!({})).await;
    let today = queue(&app).await;
    assert!(items_of(&today, "linkedin").is_empty(), "the limit is reached: {today}");
    assert_eq!(today["counts"]["connections_today"], 1);

    // Snoozed items leave the caller's queue until the snooze ends.
    let ivy = app.post("/api/v1/contacts", json!({"first_name": "Ivy", "account_id": acme["id"]})).await.body;
    let followup = app
        .post(
            "/api/v1/followups",
            json!({"contact_id": id(&ivy), "channel": "call", "due_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await
        .body;
    let item = format!("followup:{}", id(&followup));
    assert!(queue(&app).await["items"].as_array().expect("array").iter().any(|i| i["id"] == item.as_str()));
    let encoded = item.replace(':', "%3A");
    let snoozed = app.post(&format!("/api/v1/queue/{encoded}/snooze"), json!({"hours": 2})).await;
    assert_eq!(snoozed.status, 200, "{}", snoozed.text);
    assert!(!queue(&app).await["items"].as_array().expect("array").iter().any(|i| i["id"] == item.as_str()));
    let bad = app.post(&format!("/api/v1/queue/{item}/snooze"), json!({"hours": 0})).await;
    assert_eq!(bad.field_errors(), [("hours".to_owned(), "range".to_owned())]);
    assert_eq!(app.post("/api/v1/queue/nonsense/snooze", json!({})).await.status, 404);
    let done = app.post(&format!("/api/v1/queue/{item}/done"), json!({})).await;
    assert_eq!(done.body["outcome"], "done", "{}", done.text);

    // A strong new contact nobody works yet is offered for research.
    conn.execute("INSERT INTO audit_log (id, at, actor, action, entity, entity_id) VALUES ('a1', '2026-01-01T00:00:00.000Z', 'test', 'contact.update', 'contact', ?1)", [id(&ivy)])
        .await
        .expect("audit context");
    conn.execute("UPDATE contacts SET priority_score = 90 WHERE id = ?1", [id(&ivy)]).await.expect("score");
    let today = queue(&app).await;
    let research = items_of(&today, "research");
    assert_eq!(research[0]["contact_id"], ivy["id"], "{today}");
    let researched =
        app.post(&format!("/api/v1/queue/{}/done", research[0]["id"].as_str().expect("text")), json!({})).await;
    assert_eq!(researched.body["outcome"], "researched", "{}", researched.text);
    assert_eq!(stage(&app, &ivy).await, "researched");
}

#[tokio::test]
async fn batches_follow_their_lifecycle_and_their_owners() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let jo = contact(&app, "Jo", &acme).await;
    let bad = app.post("/api/v1/batches", json!({"name": "x", "query": "stage=nowhere"})).await;
    assert_eq!(bad.field_errors(), [("query.stage".to_owned(), "allowed".to_owned())]);
    let limit = app.post("/api/v1/batches", json!({"name": "x", "limit": 0})).await;
    assert_eq!(limit.field_errors(), [("limit".to_owned(), "range".to_owned())]);
    let missing = uuid::Uuid::now_v7().to_string();
    let picked = app.post("/api/v1/batches", json!({"name": "Hand-picked", "contact_ids": [id(&jo), missing]})).await;
    assert_eq!(picked.work_round_trips(), 1, "the writes in one batch");
    let batch = picked.body;
    let path = format!("/api/v1/batches/{}", id(&batch));
    assert_eq!(batch["member_count"], 1);
    let log = app.get(&format!("/api/v1/audit?entity=batch&entity_id={}", id(&batch))).await;
    assert_eq!(log.body["items"][0]["after"]["members"], 1, "{}", log.text);
    let built = app.post("/api/v1/batches", json!({"name": "Acme people", "query": "sort=priority", "limit": 5})).await;
    assert_eq!(built.work_round_trips(), 2, "the filter's read, the writes with the commit");
    assert_eq!(built.body["member_count"], 1, "{}", built.text);
    let page = app.get(&format!("{path}/members")).await.body;
    assert_eq!(
        (page["items"][0]["contact_id"].as_str(), page["items"][0]["first_name"].as_str()),
        (Some(id(&jo)), Some("Jo"))
    );

    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let theirs = app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"name": "Mine"}))).await;
    assert_eq!(theirs.status, 403, "{}", theirs.text);

    let skip = app.patch(&path, json!({"status": "completed"})).await;
    assert_eq!(skip.status, 409, "draft cannot complete: {}", skip.text);
    for status in ["active", "completed"] {
        let moved = app.patch(&path, json!({"status": status})).await;
        assert_eq!(moved.body["status"], status);
        assert_eq!(moved.work_round_trips(), 2, "the read, the change with the commit");
    }
    let log = app.get(&format!("/api/v1/audit?entity=batch&entity_id={}", id(&batch))).await;
    assert_eq!(log.body["items"][0]["after"], json!({"name": "Hand-picked", "status": "completed"}), "{}", log.text);
    let closed = app.post(&format!("{path}/members"), json!({"contact_ids": [id(&jo)]})).await;
    assert_eq!(closed.status, 409, "{}", closed.text);
    let removed =
        app.send(app.client.delete(app.url(&format!("{path}/members"))).json(&json!({"contact_ids": [id(&jo)]}))).await;
    assert_eq!(removed.status, 409, "a completed batch keeps its members: {}", removed.text);

    let open = app.post("/api/v1/batches", json!({"name": "Open", "contact_ids": [id(&jo)]})).await.body;
    let members = format!("/api/v1/batches/{}/members", id(&open));
    let ben = contact(&app, "Ben", &acme).await;
    let nobody = uuid::Uuid::now_v7().to_string();
    let added = app.post(&members, json!({"contact_ids": [id(&jo), id(&ben), nobody]})).await;
    let outcomes: Vec<&str> = added.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["already_member", "added", "not_found"], "{}", added.text);
    assert_eq!(added.body["member_count"], 2);
    assert_eq!(added.work_round_trips(), 2, "the read, the writes with the commit");
    let page = app.get(&members).await.body;
    let positions: Vec<i64> =
        page["items"].as_array().expect("items").iter().map(|m| m["position"].as_i64().expect("position")).collect();
    assert_eq!(positions, [0, 1], "{page}");
    let log = app.get(&format!("/api/v1/audit?entity=batch&entity_id={}", id(&open))).await;
    assert_eq!(log.body["items"][0]["after"], json!({"added": [id(&ben)]}), "{}", log.text);
    let gone = app.send(app.client.delete(app.url(&members)).json(&json!({"contact_ids": [id(&ben)]}))).await;
    assert_eq!(gone.body["member_count"], 1, "{}", gone.text);
    assert_eq!(gone.work_round_trips(), 2, "the read, the writes with the commit");
    let removed =
        app.send(app.client.delete(app.url(&members)).json(&json!({"contact_ids": [id(&jo), id(&jo)]}))).await;
    assert_eq!(removed.body["results"], json!([{"contact_id": id(&jo), "outcome": "removed"}]), "{}", removed.text);
    assert_eq!(removed.body["member_count"], 0);
    assert_eq!(app.get(&format!("/api/v1/batches/{}/members", uuid::Uuid::now_v7())).await.status, 404);
    let listed = app.get("/api/v1/batches?status=draft").await.body;
    assert_eq!(listed["items"][0]["id"], open["id"]);
}

#[tokio::test]
async fn today_and_the_prep_card_read_through_indexes() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    // Scans of the statements' own CTEs and subqueries are fine; a table scan is not.
    let derived = [
        "SCAN CONSTANT ROW",
        "SCAN pacing",
        "SCAN limits",
        "SCAN done",
        "SCAN used",
        "SCAN room",
        "SCAN i",
        "SCAN g",
        "SCAN counts",
        "SCAN ranked",
        "SCAN top",
        "SCAN ranked LEFT-JOIN",
    ];
    for (name, sql) in [
        ("team's queue", occ_core::insights::queue::QUEUE_TEAM_SQL),
        ("rep's queue", occ_core::insights::queue::QUEUE_MINE_SQL),
        ("prep card", occ_core::insights::prep::CARD_SQL),
    ] {
        let plan = conn
            .query_all(&format!("EXPLAIN QUERY PLAN {sql}"), (), |row| occ_core::store::col::<String>(row, 3))
            .await
            .expect("plan");
        let scans: Vec<&String> = plan
            .iter()
            .filter(|line| {
                line.starts_with("SCAN ") && !line.starts_with("SCAN (subquery") && !derived.contains(&line.as_str())
            })
            .collect();
        assert!(scans.is_empty(), "{name} scans a table: {scans:?}\n{}", plan.join("\n"));
    }
}

#[tokio::test]
async fn a_booked_meeting_ends_the_sequence_and_archives_what_waited() {
    let app = spawn_app().await;
    let steps = json!([{"day_offset": 0, "kind": "email", "subject": "Hello", "template": EMAIL},
                       {"day_offset": 4, "kind": "call", "template": "Call {{first_name}}"}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "Two", "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let kim = contact(&app, "Kim", &acme).await;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&kim)})).await;
    tick(&app).await;
    let booked = app.post("/api/v1/opportunities", json!({"contact_id": id(&kim), "currency": "USD"})).await;
    assert_eq!(booked.field_errors(), [("amount_minor".to_owned(), "required".to_owned())]);
    let booked = app.post("/api/v1/opportunities", json!({"contact_id": id(&kim)})).await;
    assert_eq!(booked.status, 201, "{}", booked.text);
    let e = app.get(&format!("/api/v1/enrollments?contact_id={}", id(&kim))).await.body["items"][0].clone();
    assert_eq!((e["status"].as_str(), e["exit_reason"].as_str()), (Some("exited"), Some("meeting_booked")));
    assert_eq!(drafts_of(&app, &kim).await[0]["approval_status"], "archived");
    assert_eq!(stage(&app, &kim).await, "meeting_booked");
    let lost = app.patch(&format!("/api/v1/opportunities/{}", id(&booked.body)), json!({"status": "lost"})).await;
    assert_eq!(lost.body["next_statuses"], json!([]), "{}", lost.text);
    assert_eq!(stage(&app, &kim).await, "dormant");
}

#[tokio::test]
async fn the_board_counts_stay_exact_and_filter_by_owner() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let people = [
        contact(&app, "Ana", &acme).await,
        contact(&app, "Bo", &acme).await,
        contact(&app, "Cy", &acme).await,
        contact(&app, "Di", &acme).await,
    ];
    let me = app.get("/api/v1/auth/me").await.body["user"]["id"].as_str().expect("id").to_owned();
    // Ana and Bo are mine (as what I create is); Cy is nobody's and moves on; Di leaves.
    assert_eq!(people[0]["owner_id"], me.as_str());
    let given = app.patch(&format!("/api/v1/contacts/{}", id(&people[2])), json!({"owner_id": null})).await;
    assert_eq!(given.status, 200, "{}", given.text);
    let moved = app.post(&format!("/api/v1/contacts/{}/stage", id(&people[2])), json!({"stage": "researched"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(app.delete(&format!("/api/v1/contacts/{}", id(&people[3]))).await.status, 204);

    let board = |query: &'static str| {
        let app = &app;
        async move {
            let answer = app.get(&format!("/api/v1/pipeline{query}")).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            assert!(answer.db_calls() <= 1 + 2, "{} calls", answer.db_calls());
            let mut columns = std::collections::BTreeMap::new();
            for column in answer.body["stages"].as_array().expect("stages") {
                let names: Vec<&str> = column["contacts"]
                    .as_array()
                    .expect("cards")
                    .iter()
                    .map(|c| c["first_name"].as_str().expect("name"))
                    .collect();
                let count = column["count"].as_i64().expect("count");
                if count > 0 || !names.is_empty() {
                    columns.insert(column["stage"].as_str().expect("stage").to_owned(), (count, names.join(" ")));
                }
            }
            columns
        }
    };
    let everyone = board("").await;
    assert_eq!(everyone["new"].0, 2);
    assert_eq!(everyone["researched"], (1, "Cy".to_owned()));
    assert_eq!(everyone.len(), 2, "{everyone:?}");
    let mine = board("?owner=me").await;
    assert_eq!(mine.into_iter().collect::<Vec<_>>(), [("new".to_owned(), (2, "Ana Bo".to_owned()))]);
    let nobodys = board("?owner=none").await;
    assert_eq!(nobodys.into_iter().collect::<Vec<_>>(), [("researched".to_owned(), (1, "Cy".to_owned()))]);
    // A card carries what the board shows of its person, its company's name among it.
    let answer = app.get("/api/v1/pipeline?owner=none").await;
    let column = answer.body["stages"].as_array().expect("stages").iter().find(|c| c["stage"] == "researched").cloned();
    let card = &column.expect("researched")["contacts"][0];
    let cy = &people[2];
    assert_eq!(
        [&card["id"], &card["account_id"], &card["account_name"], &card["stage"], &card["status"], &card["owner_id"]],
        [&cy["id"], &acme["id"], &json!("Acme"), &json!("researched"), &json!("active"), &json!(null)],
        "{card}"
    );
    assert_eq!(
        (&card["last_name"], &card["title"], card["priority_score"].is_i64()),
        (&cy["last_name"], &cy["title"], true)
    );

    // The kept counts agree with the contacts table.
    let conn = app.db.conn().await;
    let differences: i64 = conn
        .query_one(
            "counts",
            "SELECT count(*) FROM (SELECT ifnull(owner_id, '') AS o, stage, count(*) AS n FROM contacts GROUP BY 1, 2) c \
             FULL JOIN (SELECT owner_key AS o, stage, n FROM contact_stage_counts WHERE n > 0) k USING (o, stage) \
             WHERE c.n IS NOT k.n",
            (),
            |row| occ_core::store::col(row, 0),
        )
        .await
        .expect("compare");
    assert_eq!(differences, 0);
}

/// A task or an email marked done from its draft is one round trip once the instance has seen
/// the pacing settings: the batch derives the touch's kind from the draft and its step, takes
/// the LinkedIn slot that kind counts against (and refuses the one past the limit), and moves
/// the stage, to break_up_sent for a break-up step.
#[tokio::test]
async fn a_task_done_from_its_draft_is_one_round_trip_under_every_rule() {
    let app = spawn_app().await;
    let saved = app
        .send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"linkedin_connections_daily": 1})))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    // Any touch shows this instance the pacing settings.
    let ivy = contact(&app, "Ivy", &acme).await;
    let warm = app.post("/api/v1/touchpoints", json!({"contact_id": id(&ivy), "kind": "call"})).await;
    assert_eq!((warm.status, warm.work_round_trips()), (201, 1), "{}", warm.text);

    let connect =
        json!([{"day_offset": 0, "kind": "linkedin_connect", "template": "Hi {{first_name}}, would love to connect."}]);
    let connect = app.post("/api/v1/sequences", json!({"name": "Connect", "steps": connect})).await.body;
    let last =
        json!([{"day_offset": 0, "kind": "email", "subject": "Last note", "template": EMAIL, "is_break_up": true}]);
    let last = app.post("/api/v1/sequences", json!({"name": "Last", "steps": last})).await.body;
    let (gus, hal, fay) =
        (contact(&app, "Gus", &acme).await, contact(&app, "Hal", &acme).await, contact(&app, "Fay", &acme).await);
    let enrolled = app
        .post("/api/v1/enrollments", json!({"sequence_id": id(&connect), "contact_ids": [id(&gus), id(&hal)]}))
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&last), "contact_id": id(&fay)})).await;
    tick(&app).await;
    let mut drafts = Vec::new();
    for person in [&gus, &hal, &fay] {
        let d = drafts_of(&app, person).await[0].clone();
        let approved = app.post(&format!("/api/v1/drafts/{}/approve", id(&d)), json!({})).await;
        assert_eq!(approved.status, 200, "{}", approved.text);
        drafts.push(d);
    }

    let app = &app;
    let done = |d: &Value| {
        let path = format!("/api/v1/queue/draft:{}/done", id(d));
        async move { app.post(&path, json!({})).await }
    };
    let gus_done = done(&drafts[0]).await;
    assert_eq!(gus_done.status, 200, "{}", gus_done.text);
    assert_eq!(gus_done.work_round_trips(), 1, "the checks, the touch, its slot and its stage move");
    assert_eq!(stage(app, &gus).await, "sequencing", "a touch within a sequence leaves it there");
    let touch = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(&gus))).await.body["items"][0].clone();
    assert_eq!(
        (touch["kind"].as_str(), touch["channel"].as_str()),
        (Some("linkedin_connect"), Some("linkedin")),
        "{touch}"
    );
    let pacing = app.get("/api/v1/pacing").await.body;
    assert_eq!(pacing["linkedin"][0]["today"].as_i64(), Some(1), "the connection request counted: {pacing}");

    let over = done(&drafts[1]).await;
    assert_eq!(over.status, 409, "{}", over.text);
    assert_eq!(over.field_errors(), [("kind".to_owned(), "daily_limit".to_owned())]);
    assert_eq!(over.work_round_trips(), 1, "refused by the slot's own check");
    assert_eq!(stage(app, &hal).await, "sequencing", "nothing kept");

    let last_done = done(&drafts[2]).await;
    assert_eq!((last_done.status, last_done.work_round_trips()), (200, 1), "{}", last_done.text);
    assert_eq!(stage(app, &fay).await, "break_up_sent");
    let again = done(&drafts[2]).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["touchpoint_id"], last_done.body["touchpoint_id"], "recorded once");
    app.assert_queue_kept().await;
}
