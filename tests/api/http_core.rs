//! The cross-cutting parts of every request: envelope, request ids, limits, headers, CORS, health.

use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_reports_the_database_and_schema_version() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/health").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["status"], "ok");
    assert_eq!(answer.body["database"], "ok");
    assert_eq!(answer.body["version"], env!("CARGO_PKG_VERSION"));
    let expected = occ_core::store::migrate::expected_version();
    assert_eq!(answer.body["schema_version"], json!({"applied": expected, "expected": expected}));
}

#[tokio::test]
async fn a_database_behind_the_code_answers_503_with_a_clear_message() {
    let app = spawn_app_with(|_| {}, false).await;
    for path in ["/api/v1/health", "/api/v1/accounts"] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, 503, "{path}: {}", answer.text);
        assert_eq!(answer.body["error"]["code"], "unavailable");
        assert!(
            answer.body["error"]["message"].as_str().expect("message").contains("occ migrate up"),
            "{}",
            answer.text
        );
    }
    // Once the deploy step migrates it, the same process recovers without a restart.
    let conn = app.db.conn().await;
    occ_core::store::migrate::up(&conn, None).await.expect("migrate");
    let user = crate::helpers::create_user(&conn, "late@test.example", occ_core::domain::enums::Role::Viewer).await;
    let token = crate::helpers::create_token(&conn, &user, &[occ_core::access::Scope::Read]).await;
    let answer = app.send_raw(app.client.get(app.url("/api/v1/accounts")).bearer_auth(token)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_error_envelope() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/nothing-here").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["error"]["code"], "not_found");
    let answer = app.send(app.client.put(app.url("/api/v1/accounts"))).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("POST, GET"));
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_400() {
    let app = spawn_app().await;
    let answer = app
        .send(
            app.client.post(app.url("/api/v1/accounts")).header("content-type", "application/json").body("{\"name\": "),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.body["error"]["code"], "bad_request");
    let answer = app
        .send(
            app.client.post(app.url("/api/v1/accounts")).header("content-type", "text/plain").body("{\"name\": \"A\"}"),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let big = json!({"name": "A", "notes": "x".repeat(1_100_000)});
    let answer = app.post("/api/v1/accounts", big).await;
    assert_eq!(answer.status, 413, "{}", &answer.text[..answer.text.len().min(200)]);
    assert_eq!(answer.body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn request_ids_are_kept_when_sane_and_replaced_otherwise() {
    let app = spawn_app().await;
    let kept = app.send(app.client.get(app.url("/api/v1/health")).header("x-request-id", "abc-123")).await;
    assert_eq!(kept.header("x-request-id"), Some("abc-123"));
    let replaced = app.send(app.client.get(app.url("/api/v1/nothing")).header("x-request-id", "<script>")).await;
    let id = replaced.header("x-request-id").expect("request id").to_owned();
    assert_ne!(id, "<script>");
    assert_eq!(replaced.body["request_id"], id.as_str(), "the envelope carries the same id");
}

#[tokio::test]
async fn api_responses_carry_the_security_headers() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/accounts").await;
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
    assert!(answer.header("content-security-policy").expect("csp").contains("frame-ancestors 'none'"));
    assert!(answer.header("referrer-policy").is_some());
    assert_eq!(answer.header("strict-transport-security"), None, "plain http gets no HSTS");
    let https = app.send(app.client.get(app.url("/api/v1/accounts")).header("x-forwarded-proto", "https")).await;
    assert!(https.header("strict-transport-security").expect("hsts").contains("max-age="));
}

#[tokio::test]
async fn cors_headers_go_only_to_allowed_origins() {
    let app = spawn_app_with(|c| c.allowed_origins = vec!["https://app.example.com".into()], true).await;
    let allowed =
        app.send(app.client.get(app.url("/api/v1/accounts")).header("origin", "https://app.example.com")).await;
    assert_eq!(allowed.header("access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(allowed.header("access-control-allow-credentials"), Some("true"));
    let other =
        app.send(app.client.get(app.url("/api/v1/accounts")).header("origin", "https://evil.example.com")).await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/accounts"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
    };
    let ok = app.send(preflight("https://app.example.com")).await;
    assert_eq!(ok.status, 204);
    assert!(ok.header("access-control-allow-methods").expect("methods").contains("POST"));
    let refused = app.send(preflight("https://evil.example.com")).await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(refused.header("access-control-allow-methods"), None);

    let default = spawn_app().await;
    let none = default
        .send(default.client.get(default.url("/api/v1/accounts")).header("origin", "https://app.example.com"))
        .await;
    assert_eq!(none.header("access-control-allow-origin"), None, "no origins are allowed by default");
}

#[tokio::test]
async fn the_openapi_document_is_served_without_a_database_call() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/openapi.json").await;
    assert_eq!(answer.status, 200);
    assert!(answer.body["openapi"].as_str().expect("version").starts_with("3."));
    assert!(answer.body["paths"]["/api/v1/accounts/{id}"]["patch"].is_object());
    assert!(answer.body["components"]["schemas"]["ErrorResponse"].is_object());
    assert_eq!(answer.db_calls(), 0);
}
