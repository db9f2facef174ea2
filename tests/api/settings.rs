//! Versioned settings: the ICP model.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_icp_model_starts_at_the_defaults_and_each_change_is_a_new_version() {
    let app = spawn_app().await;
    let initial = app.get("/api/v1/settings/icp").await;
    assert_eq!(initial.status, 200, "{}", initial.text);
    assert_eq!(initial.body["version"], 0);
    let weights = &initial.body["value"]["weights"];
    let total: i64 = ["industry", "seniority", "department", "company_size", "signals", "engagement"]
        .iter()
        .map(|k| weights[*k].as_i64().expect("points"))
        .sum();
    assert_eq!(total, 100);

    let mut model = initial.body["value"].clone();
    model["target_industries"] = json!(["Fintech", "SaaS"]);
    model["weights"]["industry"] = json!(30);
    model["weights"]["engagement"] = json!(0);
    let saved = app.send(app.client.put(app.url("/api/v1/settings/icp")).json(&model)).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["version"], 1);
    let again = app.send(app.client.put(app.url("/api/v1/settings/icp")).json(&model)).await;
    assert_eq!(again.body["version"], 2);
    let current = app.get("/api/v1/settings/icp").await;
    assert_eq!(current.body["version"], 2);
    assert_eq!(current.body["value"]["target_industries"], json!(["Fintech", "SaaS"]));
    assert!(current.body["created_by"].as_str().expect("by").starts_with("token:"));
    assert_eq!(current.body["created_by_name"], "admin", "the person behind the token");

    let mut bad = model.clone();
    bad["weights"]["signals"] = json!(90);
    bad["company_size"] = json!({"min": 500, "max": 50});
    let refused = app.send(app.client.put(app.url("/api/v1/settings/icp")).json(&bad)).await;
    assert_eq!(refused.status, 422);
    let fields: Vec<String> = refused.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["weights", "company_size"]);
    let mut unknown = model.clone();
    unknown["bonus"] = json!(1);
    assert_eq!(
        app.send(app.client.put(app.url("/api/v1/settings/icp")).json(&unknown)).await.field_errors()[0].0,
        "bonus"
    );
    assert_eq!(app.get("/api/v1/settings/icp").await.body["version"], 2, "refused changes make no version");
    let log = app.get("/api/v1/audit?entity=setting").await;
    assert_eq!(log.body["items"].as_array().map(Vec::len), Some(2));
}
