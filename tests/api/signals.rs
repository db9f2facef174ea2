//! Buying signals: created about a contact or an account, listed newest first, expired ones marked.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn signals_are_recorded_listed_newest_first_and_deleted() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let contact = app.post("/api/v1/contacts", json!({"first_name": "Ana", "account_id": account["id"]})).await.body;
    let funding = app
        .post(
            "/api/v1/signals",
            json!({"account_id": account["id"], "kind": "funding", "strength": 5, "title": "Series B, $40M",
                   "occurred_at": "2026-11-01T09:00:00Z", "source_url": "https://news.example.com/acme"}),
        )
        .await;
    assert_eq!(funding.status, 201, "{}", funding.text);
    let job = app
        .post(
            "/api/v1/signals",
            json!({"contact_id": contact["id"], "kind": "job_change", "strength": 3, "title": "New VP Sales",
                   "occurred_at": "2026-11-10T09:00:00Z", "expires_at": "2026-11-11T09:00:00Z"}),
        )
        .await;
    assert_eq!(job.status, 201, "{}", job.text);
    assert_eq!(job.body["expired"], true, "past its expiry");
    assert_eq!(funding.body["expired"], false);

    let by_contact = app.get(&format!("/api/v1/signals?contact_id={}", contact["id"].as_str().expect("id"))).await;
    assert_eq!(by_contact.body["items"].as_array().map(Vec::len), Some(1));
    let by_account = app.get(&format!("/api/v1/signals?account_id={}", account["id"].as_str().expect("id"))).await;
    assert_eq!(by_account.body["items"][0]["title"], "Series B, $40M");

    let path = format!("/api/v1/signals/{}", job.body["id"].as_str().expect("id"));
    assert_eq!(app.delete(&path).await.status, 204);
    assert_eq!(app.delete(&path).await.status, 404);
    let log = app.get("/api/v1/audit?entity=signal").await;
    let actions: Vec<&str> =
        log.body["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
    assert_eq!(actions, ["signal.delete", "signal.create", "signal.create"]);
}

#[tokio::test]
async fn invalid_signals_are_refused_with_the_field_and_rule() {
    let app = spawn_app().await;
    let missing = "01936b2e-0000-7000-8000-000000000000";
    let account = app.create_account(json!({"name": "Acme"})).await;
    let ok = |extra: serde_json::Value| {
        let mut body = json!({"account_id": account["id"], "kind": "news", "strength": 2, "title": "In the news"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({"kind": "news", "strength": 2, "title": "x"}), "contact_id", "required"),
        (ok(json!({"strength": 6})), "strength", "range"),
        (ok(json!({"strength": 0})), "strength", "range"),
        (ok(json!({"kind": "rumour"})), "kind", "type"),
        (ok(json!({"title": " "})), "title", "required"),
        (ok(json!({"occurred_at": "last week"})), "occurred_at", "format"),
        (
            ok(json!({"occurred_at": "2026-11-02T00:00:00Z", "expires_at": "2026-11-01T00:00:00Z"})),
            "expires_at",
            "after",
        ),
        (ok(json!({"source_url": "javascript:alert(1)"})), "source_url", "format"),
        (ok(json!({"account_id": missing})), "account_id", "exists"),
    ];
    for (body, field, rule) in cases {
        let answer = app.post("/api/v1/signals", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{body}: {:?}",
            answer.field_errors()
        );
    }
    assert_eq!(app.get("/api/v1/signals").await.status, 422, "a contact or an account is required");
}
