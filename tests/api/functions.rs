//! The Vercel function binaries, started as real processes: each serves its own family and
//! answers 404 for another family's path.

use std::process::{Child, Command, Stdio};

use occ_core::store::migrate;

use occ_core::access::Scope;
use occ_core::domain::enums::Role;

use crate::helpers::{TestDb, create_token, create_user, free_port, wait_for_port};

struct Function {
    child: Child,
    port: u16,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &str, db: &TestDb) -> Function {
    let port = free_port();
    let child = Command::new(binary)
        .env("VERCEL_DEV_PORT", port.to_string())
        .env("OCC_DATABASE_URL", db.url())
        .env("OCC_DATABASE_AUTH_TOKEN", db.auth_token().unwrap_or_default())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the function");
    wait_for_port(port, binary);
    Function { child, port }
}

async fn status(port: u16, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn each_function_serves_its_own_family_only() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let admin = create_user(&conn, "admin@test.example", Role::Admin).await;
    let token = create_token(&conn, &admin, &[Scope::Admin]).await;
    let token = token.as_str();

    let health = start(env!("CARGO_BIN_EXE_health"), &db);
    let (code, body) = status(health.port, "/api/v1/health", token).await;
    assert_eq!((code, body["status"].as_str()), (200, Some("ok")));
    let (code, body) = status(health.port, "/api/v1/accounts", token).await;
    assert_eq!(code, 404, "the health function does not serve accounts");
    assert_eq!(body["error"]["code"], "not_found");

    let accounts = start(env!("CARGO_BIN_EXE_accounts"), &db);
    let client = reqwest::Client::new();
    let created = client
        .post(format!("http://127.0.0.1:{}/api/v1/accounts", accounts.port))
        .json(&serde_json::json!({"name": "Acme", "domain": "acme.com"}))
        .bearer_auth(token)
        .send()
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let (code, body) = status(accounts.port, "/api/v1/accounts", token).await;
    assert_eq!(code, 200);
    assert_eq!(body["items"][0]["domain"], "acme.com");
    assert_eq!(
        status(accounts.port, "/api/v1/health", token).await.0,
        404,
        "the accounts function does not serve health"
    );
    let (code, body) = status(accounts.port, "/api/v1/accounts/not-an-id", token).await;
    assert_eq!((code, body["error"]["code"].as_str()), (404, Some("not_found")));

    let auth = start(env!("CARGO_BIN_EXE_auth"), &db);
    let (code, body) = status(auth.port, "/api/v1/auth/me", token).await;
    assert_eq!((code, body["user"]["email"].as_str()), (200, Some("admin@test.example")));
    assert_eq!(status(auth.port, "/api/v1/auth/me", "occ_wrong").await.0, 401);
    assert_eq!(status(auth.port, "/api/v1/accounts", token).await.0, 404);

    let insights = start(env!("CARGO_BIN_EXE_insights"), &db);
    let (code, body) = status(insights.port, "/api/v1/audit?entity=account", token).await;
    assert_eq!((code, body["items"][0]["action"].as_str()), (200, Some("account.create")));
    assert_eq!(status(insights.port, "/api/v1/users", token).await.0, 404);
}

#[tokio::test]
async fn a_function_refuses_to_start_with_an_invalid_configuration() {
    let output = Command::new(env!("CARGO_BIN_EXE_accounts"))
        .env("OCC_DATABASE_URL", "postgres://nope")
        .env("VERCEL_DEV_PORT", free_port().to_string())
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OCC_DATABASE_URL"), "{stderr}");
}
