//! Erasure: a person's data goes from every table; only hashes of their addresses stay.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use occ_core::store::backup;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn erasing_a_person_leaves_nothing_of_them_and_refuses_them_again() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let keep = app.post("/api/v1/contacts", json!({"first_name": "Bo", "email": "bo@acme.com"})).await.body;
    let contact = app
        .post(
            "/api/v1/contacts",
            json!({"first_name": "Zebulon", "last_name": "Quixote", "email": "zebulon.quixote@acme.com",
                   "linkedin_url": "linkedin.com/in/zebulon-quixote", "phone": "+1 415 555 0199",
                   "notes": "likes sailing", "account_id": account["id"]}),
        )
        .await
        .body;
    let id = contact["id"].as_str().expect("id").to_owned();
    app.patch(&format!("/api/v1/contacts/{id}"), json!({"title": "Head of Zebulon Quixote Affairs"})).await;
    app.post(
        "/api/v1/signals",
        json!({"contact_id": id, "kind": "news", "strength": 2, "title": "Zebulon Quixote spoke at a summit"}),
    )
    .await;

    let bdr = app.token_for(Role::Bdr, &[Scope::Admin]).await;
    let refused =
        app.send_raw(app.client.post(app.url(&format!("/api/v1/contacts/{id}/erase"))).bearer_auth(&bdr)).await;
    assert_eq!(refused.status, 403, "only admins erase");
    let erased = app.post(&format!("/api/v1/contacts/{id}/erase"), json!({"reason": "request #42"})).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    assert_eq!(app.get(&format!("/api/v1/contacts/{id}")).await.status, 404);

    let mut dump = Vec::new();
    backup::dump(&app.db.conn().await, &mut dump).await.expect("dump");
    let everything = String::from_utf8(dump).expect("utf-8").to_lowercase();
    for trace in ["zebulon", "quixote", "555 0199", "likes sailing"] {
        let line = everything.lines().find(|l| l.contains(trace)).unwrap_or_default();
        assert!(!everything.contains(trace), "{trace:?} is still in the database: {line}");
    }
    assert!(everything.contains("bo@acme.com"), "other people are untouched");
    let log = app.get(&format!("/api/v1/audit?entity=contact&entity_id={id}")).await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
    assert_eq!(actions, ["contact.erase", "contact.update", "contact.create"], "the actions stay");
    assert_eq!(log.body["items"][0]["reason"], "request #42");

    for body in [
        json!({"first_name": "Z", "email": "Zebulon.Quixote@acme.com"}),
        json!({"first_name": "Z", "linkedin_url": "https://www.linkedin.com/in/zebulon-quixote/"}),
    ] {
        let again = app.post("/api/v1/contacts", body.clone()).await;
        assert_eq!(again.status, 422, "{body}: {}", again.text);
        assert_eq!(again.field_errors()[0].1, "erased", "{body}");
    }
    let sneaky = app
        .patch(
            &format!("/api/v1/contacts/{}", keep["id"].as_str().expect("id")),
            json!({"email": "zebulon.quixote@acme.com"}),
        )
        .await;
    assert_eq!(sneaky.status, 422, "{}", sneaky.text);
    assert_eq!(app.get("/api/v1/contacts").await.body["items"].as_array().map(Vec::len), Some(1));
    app.assert_queue_kept().await;
}
