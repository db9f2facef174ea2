//! Access control across every route: credentials, roles, scopes, CSRF, sessions, tokens,
//! rate limits, and the audit trail of who did what.

use occ_core::access::{Access, Scope};
use occ_core::domain::enums::Role;
use occ_core::routes::Family;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Answer, PASSWORD, TestApp, create_user, remote_mode, spawn_app};

const SOME_ID: &str = "01936b2e-0000-7000-8000-000000000000";

fn concrete(pattern: &str) -> String {
    pattern.replace("{id}", SOME_ID)
}

fn every_route() -> Vec<(Method, &'static str, Access)> {
    Family::ALL.iter().flat_map(|f| f.routes().operations().collect::<Vec<_>>()).collect()
}

async fn call(app: &TestApp, method: &Method, path: &str, token: Option<&str>) -> Answer {
    let mut request = app.client.request(method.clone(), app.url(path)).json(&json!({}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    app.send_raw(request).await
}

#[tokio::test]
async fn every_route_but_the_public_ones_needs_credentials() {
    let app = spawn_app().await;
    let mut public = Vec::new();
    for (method, pattern, access) in every_route() {
        let answer = call(&app, &method, &concrete(pattern), None).await;
        match access {
            Access::Public => public.push(pattern),
            Access::Signed(_) => {
                assert_eq!(answer.status, 401, "{method} {pattern}: {}", answer.text);
                assert_eq!(answer.body["error"]["code"], "unauthorized");
            }
        }
        let forged = call(&app, &method, &concrete(pattern), Some("occ_not-a-real-token")).await;
        if matches!(access, Access::Signed(_)) {
            assert_eq!(forged.status, 401, "{method} {pattern} with a made-up token");
        }
    }
    public.sort_unstable();
    public.dedup();
    // The cron tick has no session: its secret is checked by the route (tests/api/worker.rs); an
    // unsubscribe link's and an email event's signatures are their authority (tests/api/sending.rs);
    // asking who is signed in tells a caller only about its own credential (below).
    assert_eq!(
        public,
        [
            "/api/cron/tick",
            "/api/v1/auth/login",
            "/api/v1/auth/session",
            "/api/v1/health",
            "/api/v1/openapi.json",
            "/api/v1/unsubscribe/{token}",
            "/api/v1/webhooks/email"
        ]
    );
}

#[tokio::test]
async fn each_role_gets_403_exactly_where_the_permission_table_says() {
    let app = spawn_app().await;
    for role in Role::ALL {
        let token = app.token_for(*role, &[Scope::Admin]).await;
        for (method, pattern, access) in every_route() {
            let Access::Signed(action) = access else { continue };
            let answer = call(&app, &method, &concrete(pattern), Some(&token)).await;
            if action.allows(*role) {
                assert_ne!(answer.status, 403, "{role} {method} {pattern}: {}", answer.text);
                assert_ne!(answer.status, 401, "{role} {method} {pattern}");
            } else {
                assert_eq!(answer.status, 403, "{role} {method} {pattern}: {}", answer.text);
                assert!(answer.body["error"]["message"].as_str().expect("message").contains(role.as_str()));
            }
        }
    }
}

#[tokio::test]
async fn a_viewer_reads_but_never_writes_and_a_bdr_cannot_delete() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));
    let viewer = app.token_for(Role::Viewer, &[Scope::Admin]).await;
    let as_viewer =
        |m: Method, p: &str, body: Value| app.client.request(m, app.url(p)).bearer_auth(&viewer).json(&body);
    assert_eq!(app.send_raw(as_viewer(Method::GET, &path, json!({}))).await.status, 200);
    assert_eq!(app.send_raw(as_viewer(Method::POST, "/api/v1/accounts", json!({"name": "B"}))).await.status, 403);
    assert_eq!(app.send_raw(as_viewer(Method::PATCH, &path, json!({"name": "B"}))).await.status, 403);
    assert_eq!(app.send_raw(as_viewer(Method::DELETE, &path, json!({}))).await.status, 403);

    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let patched =
        app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"name": "Acme 2"}))).await;
    assert_eq!(patched.status, 200, "a bdr edits accounts nobody owns");
    assert_eq!(app.send_raw(app.client.delete(app.url(&path)).bearer_auth(&bdr)).await.status, 403);
    assert_eq!(app.get(&path).await.body["name"], "Acme 2", "the refused delete changed nothing");
}

#[tokio::test]
async fn token_scopes_narrow_what_an_admin_token_may_do() {
    let app = spawn_app().await;
    let read_only = app.token_for(Role::Admin, &[Scope::Read]).await;
    let list = app.send_raw(app.client.get(app.url("/api/v1/accounts")).bearer_auth(&read_only)).await;
    assert_eq!(list.status, 200);
    let write = app
        .send_raw(app.client.post(app.url("/api/v1/accounts")).bearer_auth(&read_only).json(&json!({"name": "A"})))
        .await;
    assert_eq!(write.status, 403);
    assert!(write.body["error"]["message"].as_str().expect("message").contains("scope"));
    let users = app.send_raw(app.client.get(app.url("/api/v1/users")).bearer_auth(&read_only)).await;
    assert_eq!(users.status, 403);
    let wider = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/tokens"))
                .bearer_auth(&read_only)
                .json(&json!({"name": "x", "scopes": ["admin"]})),
        )
        .await;
    assert_eq!(wider.status, 403, "creating tokens needs the admin scope: {}", wider.text);
}

/// Signs in through the API; answers the session cookie and the CSRF token.
async fn login(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let answer = app
        .send_raw(app.client.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password})))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.round_trips(), 2, "the attempt counted with the lookup, the session with the count's reset");
    let cookie = answer.header("set-cookie").expect("a session cookie").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-http localhost gets no Secure flag: {cookie}");
    let secret = cookie.split(';').next().expect("pair").to_owned();
    (secret, answer.body["csrf_token"].as_str().expect("csrf token").to_owned())
}

#[tokio::test]
async fn a_session_signs_in_needs_the_csrf_token_to_change_things_and_signs_out() {
    let app = spawn_app().await;
    let (cookie, csrf) = login(&app, "admin@test.example", PASSWORD).await;
    let me = app.send_raw(app.client.get(app.url("/api/v1/auth/me")).header("cookie", &cookie)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["email"], "admin@test.example");
    assert_eq!(me.body["csrf_token"], csrf.as_str());
    assert!(me.body["user"].get("password_hash").is_none());

    let create = |token: Option<&str>| {
        let mut request =
            app.client.post(app.url("/api/v1/accounts")).header("cookie", &cookie).json(&json!({"name": "Acme"}));
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        request
    };
    let refused = app.send_raw(create(None)).await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert!(refused.body["error"]["message"].as_str().expect("message").contains("CSRF"));
    assert_eq!(app.send_raw(create(Some("0000"))).await.status, 403);
    let created = app.send_raw(create(Some(&csrf))).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let accounts = app.get("/api/v1/accounts").await;
    assert_eq!(accounts.body["items"].as_array().map(Vec::len), Some(1), "only the request with the token wrote");

    let out = app
        .send_raw(
            app.client.post(app.url("/api/v1/auth/logout")).header("cookie", &cookie).header("x-csrf-token", &csrf),
        )
        .await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").expect("cleared").contains("Max-Age=0"));
    let after = app.send_raw(app.client.get(app.url("/api/v1/auth/me")).header("cookie", &cookie)).await;
    assert_eq!(after.status, 401, "the session ended");
}

#[tokio::test]
async fn asking_who_is_signed_in_answers_200_whether_anyone_is_or_not() {
    let app = spawn_app().await;
    let ask = |cookie: Option<&str>| {
        let request = app.client.get(app.url("/api/v1/auth/session"));
        match cookie {
            Some(cookie) => request.header("cookie", cookie.to_owned()),
            None => request,
        }
    };
    let nobody = app.send_raw(ask(None)).await;
    assert_eq!(nobody.status, 200, "{}", nobody.text);
    assert_eq!(nobody.body, json!({"user": null, "csrf_token": null, "via": null}));

    let (cookie, csrf) = login(&app, "admin@test.example", PASSWORD).await;
    let someone = app.send_raw(ask(Some(&cookie))).await;
    assert_eq!(someone.status, 200, "{}", someone.text);
    assert_eq!(
        (someone.body["user"]["email"].as_str(), someone.body["csrf_token"].as_str(), someone.body["via"].as_str()),
        (Some("admin@test.example"), Some(csrf.as_str()), Some("session"))
    );
    assert!(someone.body["user"].get("password_hash").is_none());
    let by_token = app.get("/api/v1/auth/session").await;
    assert_eq!((by_token.status, by_token.body["via"].as_str()), (200, Some("token")));

    // A session that ended is nobody, not an error.
    app.send_raw(
        app.client.post(app.url("/api/v1/auth/logout")).header("cookie", &cookie).header("x-csrf-token", &csrf),
    )
    .await;
    let ended = app.send_raw(ask(Some(&cookie))).await;
    assert_eq!((ended.status, ended.body["user"].clone()), (200, Value::Null), "{}", ended.text);
}

#[tokio::test]
async fn a_login_from_another_site_is_refused() {
    let app = spawn_app().await;
    let answer = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .header("origin", "https://evil.example.com")
                .json(&json!({"email": "admin@test.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(answer.header("set-cookie").is_none());
}

#[tokio::test]
async fn wrong_passwords_are_401_and_too_many_lock_the_email_with_429() {
    let app = spawn_app().await;
    let attempt = |password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "admin@test.example", "password": password}))
    };
    let unknown = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "nobody@test.example", "password": "x"})),
        )
        .await;
    assert_eq!(unknown.status, 401);
    let wrong = app.send_raw(attempt("wrong password")).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(
        wrong.body["error"]["message"], unknown.body["error"]["message"],
        "the answer does not tell which emails exist"
    );
    for _ in 0..9 {
        app.send_raw(attempt("wrong password")).await;
    }
    let locked = app.send_raw(attempt(PASSWORD)).await;
    assert_eq!(locked.status, 429, "{}", locked.text);
    let retry: u64 = locked.header("retry-after").expect("retry-after").parse().expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    // Other addresses are not locked out by one address's failures, and successful sign-ins
    // do not use up the client address's allowance.
    let conn = app.db.conn().await;
    create_user(&conn, "other@test.example", Role::Bdr).await;
    for _ in 0..25 {
        login(&app, "other@test.example", PASSWORD).await;
    }
}

#[tokio::test]
async fn a_spent_request_budget_is_429_until_the_next_minute() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let before = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        let conn = app.db.conn().await;
        conn.execute(
            "UPDATE api_tokens SET rate_window = ?1, rate_count = ?2",
            libsql::params![before.as_str(), occ_core::access::API_BUDGET_PER_MINUTE],
        )
        .await
        .expect("spend the budget");
        let answer = app.get("/api/v1/accounts").await;
        let after = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        if before != after {
            continue; // the minute turned over between the two steps; try again
        }
        assert_eq!(answer.status, 429, "{}", answer.text);
        assert!(answer.header("retry-after").is_some());
        return;
    }
    panic!("the minute kept turning over");
}

/// The token's count of requests this minute, as the database has it.
async fn counted(app: &TestApp) -> i64 {
    let conn = app.db.conn().await;
    conn.query_one("token", "SELECT rate_count FROM api_tokens", (), |row| occ_core::store::col(row, 0))
        .await
        .expect("count")
}

#[tokio::test]
async fn requests_are_authenticated_by_reads_and_counted_in_leases() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let before = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        for _ in 0..4 {
            assert_eq!(app.get("/api/v1/accounts").await.status, 200);
        }
        let after_four = counted(&app).await;
        let fifth = app.get("/api/v1/accounts").await;
        let after = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        if before != after {
            continue; // a new minute starts a new lease; try again
        }
        assert_eq!(fifth.status, 200);
        assert_eq!(after_four, 4, "the first lease covers four requests, written once");
        assert!(counted(&app).await > 4, "the fifth request takes a new lease");
        return;
    }
    panic!("the minute kept turning over");
}

#[tokio::test]
async fn a_leased_request_checks_its_credential_in_its_first_round_trip_and_sees_changes_at_once() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let read = || app.client.get(app.url(&path)).bearer_auth(&bdr);
    let trips = |answer: &Answer| answer.header("x-db-round-trips").expect("trips").to_owned();
    let leased = app.send_raw(read()).await;
    let served = app.send_raw(read()).await;
    assert_eq!((leased.status, served.status), (200, 200));
    if remote_mode() {
        let (leased, served) = (trips(&leased).parse::<u32>().expect("n"), trips(&served).parse::<u32>().expect("n"));
        assert_eq!(served + 1, leased, "the check goes with the request's own first round trip");
    }

    let users = app.get("/api/v1/users").await;
    let user = users.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["role"] == "bdr")
        .and_then(|u| u["id"].as_str())
        .map(|id| format!("/api/v1/users/{id}"))
        .expect("the bdr");
    assert_eq!(app.patch(&user, json!({"role": "viewer"})).await.status, 200);
    let edit = || app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"name": "Acme 2"}));
    assert_eq!(app.send_raw(edit()).await.status, 403, "a viewer now, at once");
    assert_eq!(app.get(&path).await.body["name"], "Acme", "the refused edit changed nothing");
    assert_eq!(app.patch(&user, json!({"role": "bdr"})).await.status, 200);
    let edited = app.send_raw(edit()).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(app.get(&path).await.body["name"], "Acme 2");

    let conn = app.db.conn().await;
    conn.execute(
        "UPDATE api_tokens SET revoked_at = '2026-01-01T00:00:00.000Z' \
         WHERE user_id IN (SELECT id FROM users WHERE email LIKE 'bdr-%')",
        (),
    )
    .await
    .expect("revoke");
    let refused =
        app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"name": "Acme 3"}))).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(app.send_raw(read()).await.status, 401);
    assert_eq!(app.get(&path).await.body["name"], "Acme 2", "the refused edit changed nothing");
}

#[tokio::test]
async fn requests_at_once_share_one_renewal_of_their_lease() {
    let app = spawn_app().await;
    for _ in 0..3 {
        let before = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        let token = app.token_for(Role::Bdr, &[Scope::Read]).await;
        let answers = futures_util::future::join_all(
            (0..24).map(|_| app.send_raw(app.client.get(app.url("/api/v1/accounts")).bearer_auth(&token))),
        )
        .await;
        let after = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        if before != after {
            continue; // a new minute starts new leases; try again
        }
        assert!(answers.iter().all(|a| a.status == 200), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
        let conn = app.db.conn().await;
        let count: i64 = conn
            .query_one("token", "SELECT max(rate_count) FROM api_tokens WHERE scopes = '[\"read\"]'", (), |row| {
                occ_core::store::col(row, 0)
            })
            .await
            .expect("count");
        // The first lease (4), then one of 32 for the rest: not a lease for each request.
        assert!(count <= 4 + 32, "24 requests at once counted {count} of the budget");
        return;
    }
    panic!("the minute kept turning over");
}

#[tokio::test]
async fn the_request_budget_holds_across_instances() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let left = 40;
    for _ in 0..3 {
        let before = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        let conn = app.db.conn().await;
        conn.execute(
            "UPDATE api_tokens SET rate_window = ?1, rate_count = ?2",
            libsql::params![before.as_str(), occ_core::access::API_BUDGET_PER_MINUTE - left],
        )
        .await
        .expect("spend most of the budget");
        let mut served = 0;
        for i in 0..2 * left {
            let url = if i % 2 == 0 { app.url("/api/v1/accounts") } else { other.url("/api/v1/accounts") };
            let answer = app.send(app.client.get(url)).await;
            match answer.status {
                200 => served += 1,
                429 => assert!(answer.header("retry-after").is_some()),
                other => panic!("{other}: {}", answer.text),
            }
        }
        let after = chrono::Utc::now().format("%Y-%m-%dT%H:%M").to_string();
        if before != after {
            continue; // the minute turned over; try again
        }
        assert!(served <= left, "never more than the budget: {served} of {left}");
        assert!(served >= left - 4, "leases left unused refuse only a few early: {served} of {left}");
        return;
    }
    panic!("the minute kept turning over");
}

#[tokio::test]
async fn a_revoked_or_expired_token_stops_working_at_once() {
    let app = spawn_app().await;
    let created = app.post("/api/v1/tokens", json!({"name": "script", "scopes": ["read"]})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("occ_"));
    let id = created.body["token"]["id"].as_str().expect("id").to_owned();
    let with_token = || app.client.get(app.url("/api/v1/accounts")).bearer_auth(&secret);
    assert_eq!(app.send_raw(with_token()).await.status, 200);
    let listed = app.get("/api/v1/tokens").await;
    assert!(listed.text.contains(&id) && !listed.text.contains(&secret), "listed without the secret");
    assert!(
        listed.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|t| t["id"] == id.as_str() && t["last_used_at"].is_string())
    );

    assert_eq!(app.delete(&format!("/api/v1/tokens/{id}")).await.status, 204);
    assert_eq!(app.send_raw(with_token()).await.status, 401);

    let conn = app.db.conn().await;
    let expiring = app
        .post("/api/v1/tokens", json!({"name": "soon", "scopes": ["read"], "expires_at": "2099-01-01T00:00:00Z"}))
        .await;
    let soon = expiring.body["secret"].as_str().expect("secret").to_owned();
    conn.execute("UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000Z' WHERE name = 'soon'", ())
        .await
        .expect("expire");
    assert_eq!(app.send_raw(app.client.get(app.url("/api/v1/accounts")).bearer_auth(&soon)).await.status, 401);
    let past = app
        .post("/api/v1/tokens", json!({"name": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}))
        .await;
    assert_eq!(past.field_errors(), [("expires_at".to_owned(), "future".to_owned())]);
}

#[tokio::test]
async fn admins_manage_users_and_disabling_one_ends_their_sessions_and_tokens() {
    let app = spawn_app().await;
    let created = app
        .post("/api/v1/users", json!({"email": "Bea@Test.example", "name": "Bea", "role": "bdr", "password": PASSWORD}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["email"], "bea@test.example");
    let id = created.body["id"].as_str().expect("id").to_owned();
    let dup = app
        .post("/api/v1/users", json!({"email": "bea@test.example", "name": "B", "role": "bdr", "password": PASSWORD}))
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.body["error"]["conflicts_with"]["id"], id.as_str());
    for (body, field, rule) in [
        (json!({"email": "nope", "name": "B", "role": "bdr", "password": PASSWORD}), "email", "format"),
        (json!({"email": "c@test.example", "name": "B", "role": "owner", "password": PASSWORD}), "role", "type"),
        (json!({"email": "c@test.example", "name": "B", "role": "bdr", "password": "short"}), "password", "min_length"),
    ] {
        let answer = app.post("/api/v1/users", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}");
        assert_eq!(answer.field_errors(), [(field.to_owned(), rule.to_owned())], "{body}");
    }

    let (cookie, _) = login(&app, "bea@test.example", PASSWORD).await;
    let bea_token = crate::helpers::create_token(&app.db.conn().await, &id, &[Scope::Write]).await;
    let promoted = app.patch(&format!("/api/v1/users/{id}"), json!({"role": "manager", "name": "Bea Ortiz"})).await;
    assert_eq!((promoted.body["role"].as_str(), promoted.body["name"].as_str()), (Some("manager"), Some("Bea Ortiz")));
    let disabled = app.patch(&format!("/api/v1/users/{id}"), json!({"disabled": true})).await;
    assert_eq!(disabled.body["disabled"], true);
    let me = app.send_raw(app.client.get(app.url("/api/v1/auth/me")).header("cookie", &cookie)).await;
    assert_eq!(me.status, 401, "the session ended");
    assert_eq!(app.send_raw(app.client.get(app.url("/api/v1/accounts")).bearer_auth(&bea_token)).await.status, 401);
    let again = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "bea@test.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, 403, "a disabled user cannot sign in");

    let users = app.get("/api/v1/users").await;
    assert_eq!(users.body["items"].as_array().map(Vec::len), Some(2));
    let audit = app.get(&format!("/api/v1/audit?entity=user&entity_id={id}")).await;
    let disabling = &audit.body["items"][0];
    assert_eq!((&disabling["before"]["disabled"], &disabling["after"]["disabled"]), (&json!(false), &json!(true)));
    assert!(disabling["after"].get("password_changed").is_none(), "only a changed password is noted");
    assert!(!audit.text.contains("argon2"), "no password hash in the audit log");
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let me = app.get("/api/v1/auth/me").await;
    let path = format!("/api/v1/users/{}", me.body["user"]["id"].as_str().expect("id"));
    for body in [json!({"role": "viewer"}), json!({"disabled": true})] {
        let answer = app.patch(&path, body.clone()).await;
        assert_eq!(answer.status, 409, "{body}: {}", answer.text);
        assert!(answer.body["error"]["message"].as_str().expect("message").contains("last active admin"));
    }
    assert_eq!(app.get(&path).await.body["role"], "admin");
}

#[tokio::test]
async fn changing_ones_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let (first, csrf) = login(&app, "admin@test.example", PASSWORD).await;
    let (second, _) = login(&app, "admin@test.example", PASSWORD).await;
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/v1/auth/password"))
            .header("cookie", &first)
            .header("x-csrf-token", &csrf)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    let wrong = app.send_raw(change("not it", "a brand new password")).await;
    assert_eq!(wrong.field_errors(), [("current_password".to_owned(), "mismatch".to_owned())]);
    let short = app.send_raw(change(PASSWORD, "short")).await;
    assert_eq!(short.field_errors(), [("new_password".to_owned(), "min_length".to_owned())]);
    let changed = app.send_raw(change(PASSWORD, "a brand new password")).await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert_eq!(changed.work_round_trips(), 2, "the current hash, the change with the ended sessions");

    let me = |cookie: &str| app.client.get(app.url("/api/v1/auth/me")).header("cookie", cookie.to_owned());
    assert_eq!(app.send_raw(me(&first)).await.status, 200, "this session goes on");
    assert_eq!(app.send_raw(me(&second)).await.status, 401, "the other one ended");
    let old = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({"email": "admin@test.example", "password": PASSWORD})),
        )
        .await;
    assert_eq!(old.status, 401);
    login(&app, "admin@test.example", "a brand new password").await;
    let sessions = app.send_raw(me(&first).try_clone().expect("clone")).await;
    assert_eq!(sessions.status, 200);
    let listed = app.send_raw(app.client.get(app.url("/api/v1/auth/sessions")).header("cookie", &first)).await;
    let items = listed.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let ended = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/auth/sessions/end-others"))
                .header("cookie", &first)
                .header("x-csrf-token", &csrf),
        )
        .await;
    assert_eq!(ended.body["ended"], 1);
}

#[tokio::test]
async fn sql_injection_through_keys_sort_and_filters_changes_nothing() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));
    let keys = app.patch(&path, json!({"name = 'pwned', domain": "x", "name": "ok"})).await;
    assert_eq!(keys.status, 422, "an unknown JSON key is refused: {}", keys.text);
    let keys = app.post("/api/v1/accounts", json!({"name": "B", "notes); DROP TABLE accounts; --": 1})).await;
    assert_eq!(keys.status, 422);
    for query in ["sort=name;DROP TABLE accounts", "sort=name%20DESC,%20(SELECT%201)", "sort=-(id)"] {
        assert_eq!(app.get(&format!("/api/v1/accounts?{query}")).await.status, 422, "{query}");
    }
    for query in ["industry=%27%20OR%201=1%20--", "q=%27)%20OR%201=1%20--", "q=%22%20OR%20%22", "industry=x%22,%22y"] {
        let answer = app.get(&format!("/api/v1/accounts?{query}")).await;
        assert_eq!(answer.status, 200, "{query}");
        assert_eq!(answer.body["items"], json!([]), "{query} matched as plain text");
    }
    let after = app.get(&path).await;
    assert_eq!(after.body["name"], "Acme");
    assert_eq!(app.get("/api/v1/accounts").await.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_audit_log_names_the_actor_and_only_managers_and_admins_read_it() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let id = account["id"].as_str().expect("id");
    let (cookie, csrf) = login(&app, "admin@test.example", PASSWORD).await;
    app.send_raw(
        app.client
            .patch(app.url(&format!("/api/v1/accounts/{id}")))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "Acme 2"})),
    )
    .await;

    let log = app.get(&format!("/api/v1/audit?entity=account&entity_id={id}")).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let items = log.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "account.update", "newest first");
    assert!(items[0]["actor"].as_str().expect("actor").starts_with("user:"), "a session acts as its user");
    assert!(items[1]["actor"].as_str().expect("actor").starts_with("token:"), "a token acts as itself");
    assert!(items.iter().all(|e| e["actor_name"] == "admin" && e["request_id"].is_string()));
    assert_eq!(items[0]["before"]["name"], "Acme");
    assert_eq!(items[0]["after"]["name"], "Acme 2");

    let user_id = items[0]["user_id"].as_str().expect("user id");
    let by_actor = app.get(&format!("/api/v1/audit?actor={user_id}&limit=1")).await;
    assert_eq!(by_actor.body["items"].as_array().map(Vec::len), Some(1));
    let next = by_actor.body["next_cursor"].as_str().expect("more pages");
    let page_two = app.get(&format!("/api/v1/audit?actor={user_id}&limit=1&cursor={next}")).await;
    assert_ne!(page_two.body["items"][0]["id"], by_actor.body["items"][0]["id"]);
    assert_eq!(app.get("/api/v1/audit?since=yesterday").await.status, 422);

    let manager = app.token_for(Role::Manager, &[Scope::Read]).await;
    assert_eq!(app.send_raw(app.client.get(app.url("/api/v1/audit")).bearer_auth(&manager)).await.status, 200);
    let bdr = app.token_for(Role::Bdr, &[Scope::Admin]).await;
    assert_eq!(app.send_raw(app.client.get(app.url("/api/v1/audit")).bearer_auth(&bdr)).await.status, 403);
}
