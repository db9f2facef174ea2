//! The health reports of the model: `/api/v1/health` names it without calling it, and
//! `/api/v1/health/llm` (admins only) calls it once.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::llm_gateway::config_for;
use crate::llm_mock::{MockModel, answer};

#[tokio::test]
async fn health_names_the_configured_model_without_calling_it() {
    let mock = MockModel::start(vec![answer(json!({"ok": true}), 10, 3)]).await;
    let config = config_for(&mock);
    let app = spawn_app_with(|c| c.llm = Some(config), true).await;
    let health = app.send_raw(app.client.get(app.url("/api/v1/health"))).await;
    assert_eq!(health.status, 200, "{}", health.text);
    let host = mock.base_url().trim_start_matches("http://").trim_end_matches("/v1").to_owned();
    assert_eq!(health.body["model"], json!({"configured": true, "model": "test-model", "base_host": host}));
    assert!(!health.text.contains("sk-test"), "{}", health.text);
    assert_eq!(mock.calls(), 0, "health does not call the model");
}

#[tokio::test]
async fn health_says_plainly_when_no_model_is_configured() {
    let app = spawn_app().await;
    let health = app.send_raw(app.client.get(app.url("/api/v1/health"))).await;
    assert_eq!(health.body["model"], json!({"configured": false, "model": null, "base_host": null}));
    let check = app.get("/api/v1/health/llm").await;
    assert_eq!(check.status, 200, "{}", check.text);
    assert_eq!(check.body["reachable"], false);
    assert_eq!(check.body["error"], "no model is configured");
}

#[tokio::test]
async fn the_model_check_calls_it_once_and_is_for_admins_only() {
    let mock = MockModel::start(vec![answer(json!({"ok": true}), 10, 3)]).await;
    let config = config_for(&mock);
    let app = spawn_app_with(|c| c.llm = Some(config), true).await;

    let bdr = app.token_for(Role::Bdr, &[Scope::Admin]).await;
    let refused = app.send_raw(app.client.get(app.url("/api/v1/health/llm")).bearer_auth(&bdr)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(mock.calls(), 0);

    let check = app.get("/api/v1/health/llm").await;
    assert_eq!(check.status, 200, "{}", check.text);
    assert_eq!(check.body["reachable"], true, "{}", check.text);
    assert_eq!(check.body["model"], "test-model");
    assert!(check.body["latency_ms"].is_u64(), "{}", check.text);
    assert!(check.body.get("error").is_none(), "{}", check.text);
    assert_eq!(mock.calls(), 1);
    assert_eq!(mock.bodies()[0]["response_format"]["json_schema"]["name"], "health_check");
}
