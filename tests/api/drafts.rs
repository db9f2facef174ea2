//! Drafts: written and reviewed, moved only as the approval guard allows, approved only when
//! nothing is unresolved and the person may be contacted on the draft's channel now.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

const BODY: &str = "Hi Ana, congratulations on the Series B at Acme. Teams like yours usually double outbound after a \
                    round; we help keep reply rates up. Worth a short call? If you would rather not hear from me, reply stop.";

async fn ana(app: &TestApp) -> Value {
    let acme = app.post("/api/v1/accounts", json!({"name": "Acme"})).await.body;
    app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com", "account_id": acme["id"]}))
        .await
        .body
}

async fn draft(app: &TestApp, contact: &Value, body: Value) -> Value {
    let mut full =
        json!({"contact_id": contact["id"], "channel": "email", "subject": "Acme after the Series B", "body": BODY});
    for (k, v) in body.as_object().expect("object") {
        full[k] = v.clone();
    }
    let answer = app.post("/api/v1/drafts", full).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

#[tokio::test]
async fn a_draft_moves_only_as_the_guard_allows() {
    let app = spawn_app().await;
    let ana = ana(&app).await;
    let created = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": ana["id"], "channel": "email", "subject": "Acme after the Series B", "body": BODY}),
        )
        .await;
    assert_eq!(created.work_round_trips(), 2, "the read of the recipient, the writes with the commit");
    let d = created.body;
    assert_eq!((d["approval_status"].as_str(), d["author_kind"].as_str()), (Some("draft"), Some("human")));
    assert_eq!(d["quality_report"]["passed"], true, "{d}");
    assert_eq!(d["next_statuses"], json!(["pending", "archived"]));
    let path = format!("/api/v1/drafts/{}", id(&d));

    let early = app.post(&format!("{path}/approve"), json!({})).await;
    assert_eq!(early.status, 409, "{}", early.text);
    assert!(early.text.contains("allowed: pending, archived"), "{}", early.text);
    let pending = app.post(&format!("{path}/submit"), json!({})).await;
    assert_eq!(pending.body["approval_status"], "pending", "{}", pending.text);
    // Today ranks the draft by its person's score, which follows her rescoring.
    let rescored = app.patch(&format!("/api/v1/contacts/{}", id(&ana)), json!({"seniority": "c_level"})).await;
    assert_ne!(rescored.body["priority_score"], ana["priority_score"], "{}", rescored.text);
    app.assert_queue_kept().await;
    let approved = app.post(&format!("{path}/approve"), json!({})).await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(approved.work_round_trips(), 1, "the checks, the move and its audit entry: one batch");
    assert_eq!(approved.body["approval_status"], "approved");
    assert!(approved.body["reviewer_id"].is_string() && approved.body["reviewed_at"].is_string());

    // Editing an approved draft sends it back for approval, reviewed again.
    let edited = app.patch(&path, json!({"body": "Hi Ana, buy now!!!"})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["approval_status"], "pending");
    assert_eq!(edited.body["quality_report"]["passed"], false);
    assert_eq!(edited.work_round_trips(), 2, "the read, the change with the commit");
    let rejected = app.post(&format!("{path}/reject"), json!({"notes": "Too pushy"})).await;
    assert_eq!(
        (rejected.body["approval_status"].as_str(), rejected.body["notes"].as_str()),
        (Some("rejected"), Some("Too pushy"))
    );
    let archived = app.post(&format!("{path}/archive"), json!({})).await;
    assert_eq!(archived.body["approval_status"], "archived");
    assert_eq!(app.patch(&path, json!({"body": "again"})).await.status, 409, "archived is final");
    let log = app.get(&format!("/api/v1/audit?entity=draft&entity_id={}", id(&d))).await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
    assert_eq!(
        actions,
        ["draft.archive", "draft.reject", "draft.update", "draft.approve", "draft.submit", "draft.create"]
    );
    assert_eq!(log.body["items"][2]["after"]["approval_status"], "pending", "{}", log.text);
    assert_eq!(log.body["items"][2]["after"]["body"], "Hi Ana, buy now!!!");
    assert_eq!(log.body["items"][5]["after"]["approval_status"], "draft", "{}", log.text);
    assert_eq!(log.body["items"][1]["reason"], "Too pushy");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn approval_is_refused_while_unresolved_or_when_the_person_may_not_be_contacted() {
    let app = spawn_app().await;
    let ana = ana(&app).await;
    let open = draft(&app, &ana, json!({"body": "Hi {{first_name}}, about {{company}}.", "submit": true})).await;
    assert_eq!(open["quality_report"]["unresolved"], json!(["first_name", "company"]));
    let refused = app.post(&format!("/api/v1/drafts/{}/approve", id(&open)), json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.field_errors().contains(&("body".to_owned(), "unresolved".to_owned())));

    // Do-not-contact archives what was waiting; a draft written afterwards cannot be approved.
    let waiting = draft(&app, &ana, json!({"submit": true})).await;
    app.post("/api/v1/contacts/bulk", json!({"ids": [ana["id"]], "status": "do_not_contact"})).await;
    let archived = app.get(&format!("/api/v1/drafts/{}", id(&waiting))).await;
    assert_eq!(archived.body["approval_status"], "archived", "{}", archived.text);
    let late = draft(&app, &ana, json!({"submit": true})).await;
    let blocked = app.post(&format!("/api/v1/drafts/{}/approve", id(&late)), json!({})).await;
    assert_eq!(blocked.status, 409, "{}", blocked.text);
    assert!(blocked.text.contains("asked not to be contacted"), "{}", blocked.text);

    let nobody = app
        .post("/api/v1/contacts", json!({"first_name": "Bo", "linkedin_url": "https://linkedin.com/in/bo"}))
        .await
        .body;
    let no_email = draft(&app, &nobody, json!({"submit": true})).await;
    let missing = app.post(&format!("/api/v1/drafts/{}/approve", id(&no_email)), json!({})).await;
    assert_eq!(missing.status, 409, "{}", missing.text);
    assert!(missing.text.contains("no email address"), "{}", missing.text);
    let linkedin = app
        .post("/api/v1/drafts", json!({"contact_id": nobody["id"], "channel": "linkedin", "body": "Hi Bo, saw your post on pipeline reviews.", "submit": true}))
        .await;
    assert_eq!(app.post(&format!("/api/v1/drafts/{}/approve", id(&linkedin.body)), json!({})).await.status, 200);
    let subject = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": nobody["id"], "channel": "call", "subject": "x", "body": "Script"}),
        )
        .await;
    assert_eq!(subject.status, 422, "{}", subject.text);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn the_review_queue_lists_pending_drafts_oldest_first_and_bulk_decides_each() {
    let app = spawn_app().await;
    let ana = ana(&app).await;
    let first = draft(&app, &ana, json!({"submit": true})).await;
    let second = draft(&app, &ana, json!({"submit": true, "body": "Hi {{first_name}}"})).await;
    draft(&app, &ana, json!({})).await;
    let queue = app.get("/api/v1/drafts").await;
    let ids: Vec<&str> = queue.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(ids, [id(&first), id(&second)]);
    let all = app.get(&format!("/api/v1/drafts?contact_id={}", id(&ana))).await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        app.get("/api/v1/drafts?approval_status=draft&channel=email").await.body["items"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(app.get("/api/v1/drafts?approval_status=maybe").await.status, 422);

    let bulk =
        app.post("/api/v1/drafts/bulk", json!({"ids": [id(&first), id(&second), "nope"], "action": "approve"})).await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    let outcomes: Vec<(bool, &str)> = bulk.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["ok"].as_bool().expect("ok"), r["error"]["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes, [(true, ""), (false, "validation_failed"), (false, "not_found")]);
    assert_eq!(bulk.work_round_trips(), 2, "the read of every draft, the changes with the commit");
    let again = app.post("/api/v1/drafts/bulk", json!({"ids": [id(&second), id(&second)], "action": "archive"})).await;
    let outcomes: Vec<(bool, &str)> = again.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| (r["ok"].as_bool().expect("ok"), r["error"]["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(outcomes, [(true, ""), (false, "conflict")], "{}", again.text);
    let log = app.get(&format!("/api/v1/audit?entity=draft&entity_id={}", id(&first))).await;
    assert_eq!(log.body["items"][0]["action"], "draft.approve", "{}", log.text);

    // A bdr decides only drafts of contacts it owns or nobody owns.
    let third = draft(&app, &ana, json!({"submit": true})).await;
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let theirs = app
        .send_raw(
            app.client
                .post(app.url(&format!("/api/v1/drafts/{}/approve", id(&third))))
                .bearer_auth(&bdr)
                .json(&json!({})),
        )
        .await;
    assert_eq!(theirs.status, 403, "{}", theirs.text);
    app.assert_queue_kept().await;
}
