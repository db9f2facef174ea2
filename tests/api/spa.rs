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

#[tokio::test]
async fn the_app_files_are_validated_compressed_and_cached_as_their_names_promise() {
    let app = spawn_app().await;
    let plain = app.client.get(app.url("/js/main.js")).send().await.expect("main.js");
    assert_eq!(plain.status(), 200);
    let header =
        |r: &reqwest::Response, name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let etag = header(&plain, "etag").expect("an ETag");
    let modified = header(&plain, "last-modified").expect("a Last-Modified");
    assert_eq!(header(&plain, "cache-control").as_deref(), Some("no-cache"), "checked again on each use");
    assert_eq!(header(&plain, "content-encoding"), None, "not asked for gzip");
    let source = plain.bytes().await.expect("bytes");

    // The browser's copy is current: 304, no body.
    for (name, value) in [("if-none-match", etag.as_str()), ("if-modified-since", modified.as_str())] {
        let again = app.client.get(app.url("/js/main.js")).header(name, value).send().await.expect("again");
        assert_eq!(again.status(), 304, "{name}");
        assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
        assert!(again.bytes().await.expect("body").is_empty(), "{name}: no body");
    }
    let stale =
        app.client.get(app.url("/js/main.js")).header("if-none-match", "\"other\"").send().await.expect("stale");
    assert_eq!(stale.status(), 200);

    // Gzipped for a browser that takes it, the same file once inflated.
    let gz = app.client.get(app.url("/js/main.js")).header("accept-encoding", "gzip, br").send().await.expect("gzip");
    assert_eq!(header(&gz, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(header(&gz, "vary").as_deref(), Some("accept-encoding"));
    let packed = gz.bytes().await.expect("bytes");
    assert!(packed.len() < source.len(), "{} bytes gzipped from {}", packed.len(), source.len());
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[..]), &mut inflated).expect("gunzip");
    assert_eq!(inflated, source.to_vec());

    // A vendored file carries its version in its name: kept for a year.
    let vendor = app.client.get(app.url("/vendor/htm-preact-standalone-3.1.1.js")).send().await.expect("vendor");
    assert_eq!(vendor.status(), 200);
    assert_eq!(header(&vendor, "cache-control").as_deref(), Some("public, max-age=31536000, immutable"));
    // A client route is the app's page, validated the same way.
    let page = app.client.get(app.url("/contacts")).send().await.expect("page");
    let tag = header(&page, "etag").expect("the page's ETag");
    let again = app.client.get(app.url("/today")).header("if-none-match", tag).send().await.expect("again");
    assert_eq!(again.status(), 304);
}
