//! The single-page app's files, served by the local server.

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_app_is_served_with_its_policy_and_client_routes_fall_back_to_index() {
    let app = spawn_app().await;
    for path in ["/", "/accounts", "/accounts/01936b2e-0000-7000-8000-000000000000/edit"] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.header("content-type").expect("type").starts_with("text/html"), "{path}");
        assert!(answer.text.contains("<script type=\"module\""), "{path}: the app's entry point");
        let csp = answer.header("content-security-policy").expect("csp");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    }
    let js = app.get("/js/main.js").await;
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").expect("type").contains("javascript"));
}

#[tokio::test]
async fn missing_files_and_escapes_from_the_app_folder_are_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/js/nope.js").await.status, 404);
    assert_eq!(app.get("/../Cargo.toml").await.status, 404);
    assert_eq!(app.get("/%2e%2e/Cargo.toml").await.status, 404);
}
