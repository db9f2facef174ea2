//! Sequences: steps with templates checked on the way in, edits that never rewrite the history of
//! contacts already in a sequence, autopilot for managers and admins only.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

fn three_steps() -> Value {
    json!([
        {"day_offset": 0, "kind": "linkedin_connect", "template": "Hi {{first_name}}, saw {{signal}}."},
        {"day_offset": 2, "kind": "email", "subject": "{{company}} and pipeline", "template": "Hi {{first_name}},\n\nQuick idea for {{company}}."},
        {"day_offset": 7, "kind": "email", "subject": "Closing the loop", "template": "Hi {{first_name}}, I will stop here.", "is_break_up": true}
    ])
}

async fn create(app: &TestApp, name: &str) -> Value {
    let answer = app.post("/api/v1/sequences", json!({"name": name, "steps": three_steps()})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

#[tokio::test]
async fn a_sequence_is_created_listed_and_read_with_its_steps() {
    let app = spawn_app().await;
    let seq = create(&app, "Fintech VPs").await;
    let steps = seq["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 3);
    assert_eq!((steps[0]["position"].as_i64(), steps[0]["channel"].as_str()), (Some(1), Some("linkedin")));
    assert_eq!(steps[1]["subject"], "{{company}} and pipeline");
    assert_eq!((steps[2]["is_break_up"].as_bool(), steps[0]["is_break_up"].as_bool()), (Some(true), Some(false)));
    assert_eq!(seq["enrolled"], json!({"active": 0, "paused": 0, "completed": 0, "exited": 0}));
    assert_eq!((seq["status"].as_str(), seq["autopilot"].as_bool()), (Some("active"), Some(false)));
    let agencies = app.post("/api/v1/sequences", json!({"name": "Agencies", "steps": three_steps()})).await;
    assert_eq!(agencies.status, 201, "{}", agencies.text);
    assert_eq!(agencies.work_round_trips(), 1, "the writes in one batch");
    let list = app.get("/api/v1/sequences").await;
    let names: Vec<&str> =
        list.body["items"].as_array().expect("items").iter().map(|s| s["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["Agencies", "Fintech VPs"]);
    assert_eq!(app.get(&format!("/api/v1/sequences/{}", id(&seq))).await.body["steps"], seq["steps"]);
    let again = app.post("/api/v1/sequences", json!({"name": "Fintech VPs", "steps": three_steps()})).await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.body["error"]["conflicts_with"]["id"], seq["id"]);
}

#[tokio::test]
async fn bad_steps_are_refused_naming_the_step_and_rule() {
    let app = spawn_app().await;
    let long_note = "x".repeat(301);
    let cases = [
        (json!([]), "steps", "range"),
        (json!([{"day_offset": 0, "kind": "email", "template": "Hi"}]), "steps[0].subject", "required"),
        (
            json!([{"day_offset": 0, "kind": "call", "subject": "Hi", "template": "Script"}]),
            "steps[0].subject",
            "not_allowed",
        ),
        (
            json!([{"day_offset": 0, "kind": "linkedin_message", "template": "Hi {{shoe_size}}"}]),
            "steps[0].template",
            "merge_field",
        ),
        (
            json!([{"day_offset": 0, "kind": "linkedin_connect", "template": long_note}]),
            "steps[0].template",
            "max_length",
        ),
        (
            json!([{"day_offset": 3, "kind": "call", "template": "A"}, {"day_offset": 1, "kind": "call", "template": "B"}]),
            "steps[1].day_offset",
            "order",
        ),
        (
            json!([{"day_offset": 0, "kind": "call", "template": "A", "is_break_up": true}, {"day_offset": 1, "kind": "call", "template": "B"}]),
            "steps[0].is_break_up",
            "last",
        ),
        (
            json!([{"day_offset": 0, "kind": "email", "channel": "linkedin", "subject": "S", "template": "T"}]),
            "steps[0].channel",
            "kind",
        ),
        (json!([{"day_offset": 400, "kind": "call", "template": "A"}]), "steps[0].day_offset", "range"),
    ];
    for (steps, field, rule) in cases {
        let answer = app.post("/api/v1/sequences", json!({"name": "Bad", "steps": steps.clone()})).await;
        assert_eq!(answer.status, 422, "{steps}: {}", answer.text);
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{steps}: {:?}",
            answer.field_errors()
        );
    }
}

#[tokio::test]
async fn edits_keep_the_steps_of_contacts_already_in_the_sequence() {
    let app = spawn_app().await;
    let seq = create(&app, "Cadence").await;
    let path = format!("/api/v1/sequences/{}", id(&seq));
    let mut steps: Vec<Value> = seq["steps"].as_array().expect("steps").clone();
    for step in &mut steps {
        let object = step.as_object_mut().expect("step");
        object.remove("position");
        object.remove("channel");
    }

    // Nobody in it yet: anything goes, and edited steps keep their ids.
    steps[0]["template"] = json!("Hello {{first_name}}");
    let edited = app.patch(&path, json!({"steps": [steps[0].clone(), steps[2].clone()]})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(edited.body["steps"][0]["id"], steps[0]["id"]);
    assert_eq!(edited.body["steps"][0]["template"], "Hello {{first_name}}");
    assert_eq!(edited.work_round_trips(), 2, "the read, the writes with the commit");
    let log = app.get(&format!("/api/v1/audit?entity=sequence&entity_id={}", id(&seq))).await;
    assert_eq!(log.body["items"][0]["after"]["steps"], edited.body["steps"], "{}", log.text);
    assert_eq!(
        (edited.body["steps"][1]["id"].as_str(), edited.body["steps"][1]["position"].as_i64()),
        (steps[2]["id"].as_str(), Some(2))
    );

    // A contact is in it: the steps they walk stay; edits in place and new steps at the end are fine.
    let contact = app.post("/api/v1/contacts", json!({"first_name": "Ana"})).await.body;
    app.db
        .conn()
        .await
        .execute(
            "INSERT INTO enrollments (id, contact_id, sequence_id, status, created_at, updated_at) \
             VALUES ('e1', ?1, ?2, 'active', '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
            libsql::params![id(&contact), id(&seq)],
        )
        .await
        .expect("enroll");
    let kept: Vec<Value> = edited.body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            json!({"id": s["id"], "day_offset": s["day_offset"], "kind": s["kind"], "subject": s["subject"],
                        "template": s["template"], "is_break_up": false})
        })
        .collect();
    let removed = app.patch(&path, json!({"steps": [kept[1].clone()]})).await;
    assert_eq!(removed.status, 409, "{}", removed.text);
    assert!(removed.text.contains("1 contact is in this sequence"), "{}", removed.text);
    let mut second = kept[1].clone();
    second["day_offset"] = json!(0);
    let reordered = app.patch(&path, json!({"steps": [second, kept[0].clone()]})).await;
    assert_eq!(reordered.status, 409, "{}", reordered.text);
    let appended = app
        .patch(&path, json!({"steps": [kept[0].clone(), kept[1].clone(), {"day_offset": 14, "kind": "call", "template": "Call {{first_name}}"}]}))
        .await;
    assert_eq!(appended.status, 200, "{}", appended.text);
    assert_eq!(appended.body["steps"].as_array().map(Vec::len), Some(3));
    assert_eq!(appended.body["enrolled"]["active"], 1);
    assert_eq!(app.delete(&path).await.status, 409, "archive instead");
    let archived = app.patch(&path, json!({"status": "archived"})).await;
    assert_eq!(archived.body["status"], "archived");

    let unused = create(&app, "Unused").await;
    assert_eq!(app.delete(&format!("/api/v1/sequences/{}", id(&unused))).await.status, 204);
    let log = app.get("/api/v1/audit?entity=sequence").await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
    assert_eq!(&actions[..2], ["sequence.delete", "sequence.create"]);
    assert!(actions.contains(&"sequence.update"));
}

#[tokio::test]
async fn only_managers_and_admins_manage_sequences_and_autopilot_is_audited() {
    let app = spawn_app().await;
    let seq = create(&app, "Auto").await;
    let path = format!("/api/v1/sequences/{}", id(&seq));
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let refused =
        app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"autopilot": true}))).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let renamed =
        app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"name": "Auto 2"}))).await;
    assert_eq!(renamed.status, 403, "sequences are the managers': {}", renamed.text);
    let read = app.send_raw(app.client.get(app.url(&path)).bearer_auth(&bdr)).await;
    assert_eq!(read.status, 200, "everyone reads them");
    let manager = app.token_for(Role::Manager, &[Scope::Write]).await;
    let managed =
        app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&manager).json(&json!({"name": "Auto 2"}))).await;
    assert_eq!(managed.status, 200, "{}", managed.text);
    let on = app.patch(&path, json!({"autopilot": true})).await;
    assert_eq!(on.body["autopilot"], true, "{}", on.text);
    let log = app.get(&format!("/api/v1/audit?entity=sequence&entity_id={}", id(&seq))).await;
    assert_eq!(log.body["items"][0]["action"], "sequence.autopilot_on");
    assert_eq!(log.body["items"][0]["before"]["autopilot"], false);
    assert_eq!(log.body["items"][0]["after"]["autopilot"], true);
    assert_eq!(log.body["items"][1]["after"]["name"], "Auto 2", "{}", log.text);
}
