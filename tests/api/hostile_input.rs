//! What a careless user or an attacker sends: control characters in text and parameters,
//! sloppy JSON, spellings of one address, a spoofed client address, another bdr's signals and
//! a webhook timestamp at the end of the number line. Every one gets a clear 4xx and changes
//! nothing.

use occ_core::access::Scope;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{Answer, PASSWORD, create_user, spawn_app, spawn_app_with};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

fn assert_refused(answer: &Answer, field: &str, rule: &str) {
    assert_eq!(answer.status, 422, "{field}: {}", answer.text);
    assert_eq!(answer.body["error"]["code"], "validation_failed", "{}", answer.text);
    assert!(
        answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
        "expected {field}/{rule}: {}",
        answer.text
    );
}

#[tokio::test]
async fn control_characters_in_a_parameter_are_a_422_naming_it_on_every_list_and_export() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/contacts?q=%00%00%00abc",
        "/api/v1/accounts?q=%00%00%00abc",
        "/api/v1/export/contacts?q=%00%00%00abc",
        "/api/v1/export/accounts?q=abc%00",
        "/api/v1/contacts?stage=new&q=a%0Ab",
    ] {
        let answer = app.get(path).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.text);
        assert_eq!(answer.field_errors()[0].0, "q", "{path}");
    }
    let batch = app.post("/api/v1/batches", json!({"name": "Nul", "query": "q=%00%00%00abc"})).await;
    assert_refused(&batch, "query.q", "control_characters");
    assert_eq!(app.get("/api/v1/contacts?q=abc").await.status, 200, "a plain search still works");
}

#[tokio::test]
async fn control_characters_in_text_are_refused_naming_the_field_and_never_stored() {
    let app = spawn_app().await;
    let cases = [
        ("/api/v1/contacts", json!({"first_name": "Ana\u{0}Evil"}), "first_name"),
        ("/api/v1/contacts", json!({"first_name": "Ana", "notes": "bell\u{7}"}), "notes"),
        (
            "/api/v1/contacts",
            json!({"first_name": "Ana", "linkedin_url": "https://www.linkedin.com/in/ana\u{0}"}),
            "linkedin_url",
        ),
        ("/api/v1/accounts", json!({"name": "Acme", "industry": "Soft\u{1b}ware"}), "industry"),
        ("/api/v1/suppression", json!({"linkedin_url": "https://www.linkedin.com/in/ana\u{0}"}), "linkedin_url"),
        ("/api/v1/suppression", json!({"email": "ana@acme.com\u{0}"}), "email"),
    ];
    for (path, body, field) in cases {
        let answer = app.post(path, body.clone()).await;
        assert_refused(&answer, field, "control_characters");
        assert!(answer.text.contains("control characters"), "{}", answer.text);
    }
    assert_eq!(app.get("/api/v1/contacts").await.body["items"], json!([]), "nothing was stored");
    // A CSV import checks each cell the same way: a row with a control character is refused
    // with the reason, and a NUL, which storage would cut the file at, refuses the file.
    let csv = "first_name,email\nAna\u{7},ana@acme.com\nBo,bo@acme.com\n";
    let imported = app
        .send(app.client.post(app.url("/api/v1/import")).header("content-type", "text/csv").body(csv.to_owned()))
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert!(
        imported.text.contains("first_name: must not contain control characters"),
        "the row's reason: {}",
        imported.text
    );
    let with_nul = "first_name,email\nCy,cy@acme.com\nAna\u{0},ana@acme.com\n";
    let refused = app
        .send(app.client.post(app.url("/api/v1/import")).header("content-type", "text/csv").body(with_nul.to_owned()))
        .await;
    assert_refused(&refused, "body", "control_characters");
    assert!(refused.text.contains("line 3"), "{}", refused.text);
    let names: Vec<Value> = app.get("/api/v1/contacts").await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["first_name"].clone())
        .collect();
    assert_eq!(names, [json!("Bo")]);
}

#[tokio::test]
async fn identifiers_are_compared_in_one_spelling() {
    let app = spawn_app().await;
    // A profile and an address suppressed in one spelling are suppressed in every other.
    let profile =
        app.post("/api/v1/suppression", json!({"linkedin_url": "https://www.linkedin.com/in/ana-lopez"})).await;
    assert!(profile.status < 300, "{}", profile.text);
    let fullwidth =
        app.post("/api/v1/suppression", json!({"linkedin_url": "https://www.linkedin.com/in/ａｎａ-lopez/"})).await;
    assert!(fullwidth.status < 300, "{}", fullwidth.text);
    let list = app.get("/api/v1/suppression?kind=linkedin").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1), "one entry: {}", list.text);
    // An erased person cannot come back under another spelling of their address.
    let ana = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "kk@acme.com"})).await;
    assert_eq!(ana.status, 201, "{}", ana.text);
    let twin = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "\u{212A}k@ACME.com"})).await;
    assert_eq!(twin.status, 409, "the Kelvin sign spells the same address: {}", twin.text);
    let erased = app.post(&format!("/api/v1/contacts/{}/erase", id(&ana.body)), json!({"reason": "request"})).await;
    assert_eq!(erased.status, 204, "{}", erased.text);
    let back = app.post("/api/v1/contacts", json!({"first_name": "Ana", "email": "\u{212A}\u{212A}@acme.com"})).await;
    assert_eq!(back.status, 422, "{}", back.text);
    assert_eq!(back.field_errors()[0].1, "erased");
}

#[tokio::test]
async fn every_spelling_of_an_address_shares_its_login_limit() {
    let app = spawn_app().await;
    create_user(&app.db.conn().await, "kk@t.local", Role::Bdr).await;
    let login = |email: &str, password: &str| {
        app.client.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password}))
    };
    for _ in 0..10 {
        assert_eq!(app.send_raw(login("kk@t.local", "wrong password")).await.status, 401);
    }
    let kelvin = app.send_raw(login("\u{212A}k@t.local", PASSWORD)).await;
    assert_eq!(kelvin.status, 429, "another spelling gets no fresh tries: {}", kelvin.text);
    let fullwidth = app.send_raw(login("ｋｋ@ｔ.local", "wrong password")).await;
    assert_eq!(fullwidth.status, 429, "{}", fullwidth.text);
}

#[tokio::test]
async fn a_new_user_under_another_spelling_of_a_taken_address_is_a_conflict() {
    let app = spawn_app().await;
    let first = app
        .post("/api/v1/users", json!({"email": "kk@t.local", "name": "K", "role": "bdr", "password": PASSWORD}))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let twin = app
        .post("/api/v1/users", json!({"email": "\u{212A}K@T.LOCAL", "name": "K2", "role": "bdr", "password": PASSWORD}))
        .await;
    assert_eq!(twin.status, 409, "{}", twin.text);
}

#[tokio::test]
async fn sloppy_json_is_refused_with_the_envelope() {
    let app = spawn_app().await;
    let raw = |method: reqwest::Method, path: &str, body: &str| {
        app.client.request(method, app.url(path)).header("content-type", "application/json").body(body.to_owned())
    };
    let trailing = app.send(raw(reqwest::Method::POST, "/api/v1/contacts", r#"{"first_name":"Trail"}xyz"#)).await;
    assert_eq!(trailing.status, 400, "{}", trailing.text);
    assert_eq!(trailing.body["error"]["code"], "bad_request");
    let two =
        app.send(raw(reqwest::Method::POST, "/api/v1/contacts", r#"{"first_name":"A"} {"first_name":"B"}"#)).await;
    assert_eq!(two.status, 400, "{}", two.text);
    let array = app.send(raw(reqwest::Method::PUT, "/api/v1/settings/pacing", r#"["America/New_York",7]"#)).await;
    assert_refused(&array, "body", "type");
    assert!(array.text.contains("JSON object"), "{}", array.text);
    let nested = app
        .send(raw(
            reqwest::Method::POST,
            "/api/v1/identities",
            r#"{"from_name":"Bo","from_email":"bo@seller.example","smtp_host":"127.0.0.1","smtp_port":25,
               "smtp_security":"none","daily_cap":10,"timezone":"UTC","send_window":[9,17,[1,2,3]]}"#,
        ))
        .await;
    assert_refused(&nested, "send_window", "type");
    assert_eq!(app.get("/api/v1/contacts").await.body["items"], json!([]), "nothing was stored");
    assert_eq!(app.get("/api/v1/settings/pacing").await.status, 200);
}

#[tokio::test]
async fn signals_follow_the_rules_of_the_contact_they_belong_to() {
    let app = spawn_app().await;
    let (bdr, other) =
        (app.token_for(Role::Bdr, &[Scope::Write]).await, app.token_for(Role::Bdr, &[Scope::Write]).await);
    let as_token = |token: &str, method: reqwest::Method, path: &str, body: Value| {
        app.client.request(method, app.url(path)).bearer_auth(token.to_owned()).json(&body)
    };
    let theirs = app
        .send_raw(as_token(
            &other,
            reqwest::Method::POST,
            "/api/v1/contacts",
            json!({"first_name": "Theirs", "title": "CEO"}),
        ))
        .await
        .body;
    let mine = app
        .send_raw(as_token(&bdr, reqwest::Method::POST, "/api/v1/contacts", json!({"first_name": "Mine"})))
        .await
        .body;
    let nobodys = app.post("/api/v1/contacts", json!({"first_name": "Nobody", "owner_id": null})).await.body;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let signal =
        |contact: &Value| json!({"contact_id": id(contact), "kind": "funding", "strength": 5, "title": "Series B"});

    let refused = app.send_raw(as_token(&bdr, reqwest::Method::POST, "/api/v1/signals", signal(&theirs))).await;
    assert_eq!(refused.status, 403, "another bdr's contact: {}", refused.text);
    for (contact, whose) in [(&mine, "its own"), (&nobodys, "nobody's")] {
        let added = app.send_raw(as_token(&bdr, reqwest::Method::POST, "/api/v1/signals", signal(contact))).await;
        assert_eq!(added.status, 201, "{whose} contact: {}", added.text);
    }
    let about_account = json!({"account_id": id(&account), "kind": "hiring", "strength": 3, "title": "Hiring SDRs"});
    let added = app.send_raw(as_token(&bdr, reqwest::Method::POST, "/api/v1/signals", about_account)).await;
    assert_eq!(added.status, 201, "accounts are nobody's: {}", added.text);

    let owners = app.post("/api/v1/signals", signal(&theirs)).await;
    assert_eq!(owners.status, 201, "{}", owners.text);
    let path = format!("/api/v1/signals/{}", id(&owners.body));
    let contact_path = format!("/api/v1/contacts/{}", id(&theirs));
    let before = app.get(&contact_path).await.body["priority_score"].clone();
    assert_ne!(before, json!(0), "the signal counts in the score");
    let deleted = app.send_raw(as_token(&bdr, reqwest::Method::DELETE, &path, json!({}))).await;
    assert_eq!(deleted.status, 403, "a bdr deletes nothing: {}", deleted.text);
    assert_eq!(app.get(&contact_path).await.body["priority_score"], before, "the refused delete changed no score");
    assert_eq!(app.delete(&path).await.status, 204, "an admin may");
}

#[tokio::test]
async fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
    let app = spawn_app().await;
    let attempt = |n: usize| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", format!("203.0.113.{}", n % 250))
            .json(&json!({"email": format!("nobody{n}@test.example"), "password": "x"}))
    };
    let mut statuses = Vec::new();
    for n in 0..35 {
        statuses.push(app.send_raw(attempt(n)).await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "loopback is limited after 30: {statuses:?}");

    let proxied = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")], true).await;
    let attempt = |n: usize, from: &str| {
        proxied
            .client
            .post(proxied.url("/api/v1/auth/login"))
            .header("x-forwarded-for", from.to_owned())
            .json(&json!({"email": format!("nobody{n}@test.example"), "password": "x"}))
    };
    for n in 0..35 {
        let answer = proxied.send_raw(attempt(n, &format!("203.0.113.{n}"))).await;
        assert_eq!(answer.status, 401, "behind a trusted proxy each client counts alone: {}", answer.text);
    }
    let mut statuses = Vec::new();
    for n in 0..35 {
        statuses.push(proxied.send_raw(attempt(n, "198.51.100.7, 127.0.0.1")).await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "one client behind the proxy: {statuses:?}");
}

#[tokio::test]
async fn a_webhook_timestamp_far_from_now_never_wraps_into_the_window() {
    let app = spawn_app_with(crate::sending::configure, true).await;
    let body =
        json!({"id": "evt-far", "type": "bounce_hard", "email": "ana@acme.com", "occurred_at": "2026-12-01T10:00:00Z"})
            .to_string();
    for ts in [chrono::Utc::now().timestamp().wrapping_add(i64::MIN), i64::MIN, i64::MAX] {
        let ts = ts.to_string();
        let signature = occ_core::channels::webhooks::sign(crate::sending::WEBHOOK_SECRET, &ts, body.as_bytes());
        let answer = app
            .send_raw(
                app.client
                    .post(app.url("/api/v1/webhooks/email"))
                    .header("content-type", "application/json")
                    .header("x-occ-timestamp", ts.clone())
                    .header("x-occ-signature", signature)
                    .body(body.clone()),
            )
            .await;
        assert_eq!(answer.status, 401, "{ts}: {}", answer.text);
        assert_eq!(answer.body["error"]["code"], "bad_signature");
    }
}

#[tokio::test]
async fn an_event_id_with_a_control_character_is_refused_and_spaces_do_not_make_it_new() {
    let app = spawn_app_with(crate::sending::configure, true).await;
    let post = |event_id: &str| {
        let body =
            json!({"id": event_id, "type": "open", "email": "ana@acme.com", "occurred_at": "2026-12-01T10:00:00Z"})
                .to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let signature = occ_core::channels::webhooks::sign(crate::sending::WEBHOOK_SECRET, &ts, body.as_bytes());
        app.client
            .post(app.url("/api/v1/webhooks/email"))
            .header("content-type", "application/json")
            .header("x-occ-timestamp", ts)
            .header("x-occ-signature", signature)
            .body(body)
    };
    let first = app.send_raw(post("evt-1")).await;
    assert_eq!((first.status, &first.body["duplicate"]), (200, &json!(false)), "{}", first.text);
    let nul = app.send_raw(post("evt-1\u{0}")).await;
    assert_refused(&nul, "id", "control_characters");
    let spaced = app.send_raw(post(" evt-1 ")).await;
    assert_eq!(spaced.body["duplicate"], true, "{}", spaced.text);
}
