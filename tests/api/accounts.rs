//! The accounts API, end to end.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn creating_an_account_answers_201_with_the_resource_and_its_location() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/api/v1/accounts",
            json!({"name": "Acme", "domain": "https://www.Acme.com/", "industry": "Fintech", "employee_count": 120,
                   "tech_stack": ["dbt", "Snowflake"], "timezone": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let id = answer.body["id"].as_str().expect("id");
    assert_eq!(uuid::Uuid::parse_str(id).expect("uuid").get_version_num(), 7);
    assert_eq!(answer.header("location"), Some(format!("/api/v1/accounts/{id}").as_str()));
    assert_eq!(answer.body["domain"], "acme.com");
    assert_eq!(answer.body["tech_stack"], json!(["dbt", "Snowflake"]));
    assert!(answer.body["created_at"].as_str().expect("created_at").ends_with('Z'));

    let fetched = app.get(&format!("/api/v1/accounts/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, answer.body);
}

#[tokio::test]
async fn a_duplicate_domain_is_a_409_naming_the_existing_account() {
    let app = spawn_app().await;
    let first = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let answer =
        app.post("/api/v1/accounts", json!({"name": "Acme again", "website": "http://WWW.ACME.COM/pricing"})).await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    assert_eq!(answer.body["error"]["code"], "conflict");
    assert_eq!(answer.body["error"]["conflicts_with"], json!({"entity": "account", "id": first["id"]}));
    assert_eq!(answer.field_errors(), [("domain".to_owned(), "unique".to_owned())]);

    let other = app.create_account(json!({"name": "Other", "domain": "other.com"})).await;
    let answer = app
        .patch(&format!("/api/v1/accounts/{}", other["id"].as_str().expect("id")), json!({"domain": "acme.com"}))
        .await;
    assert_eq!(answer.status, 409, "{}", answer.text);
}

#[tokio::test]
async fn invalid_accounts_are_refused_with_the_field_and_rule() {
    let app = spawn_app().await;
    let cases = [
        (json!({}), "name", "required"),
        (json!({"name": "  "}), "name", "required"),
        (json!({"name": "x".repeat(201)}), "name", "max_length"),
        (json!({"name": "A", "domain": "not a domain"}), "domain", "format"),
        (json!({"name": "A", "employee_count": -5}), "employee_count", "range"),
        (json!({"name": "A", "employee_count": "many"}), "employee_count", "type"),
        (json!({"name": "A", "timezone": "Moon/Base"}), "timezone", "format"),
        (json!({"name": "A", "website": "ftp://acme.com"}), "website", "format"),
        (json!({"name": "A", "linkedin_url": "https://linkedin.com/in/person"}), "linkedin_url", "format"),
        (json!({"name": "A", "tech_stack": "dbt"}), "tech_stack", "type"),
        (json!({"name": "A", "colour": "blue"}), "colour", "unknown"),
    ];
    for (body, field, rule) in cases {
        let answer = app.post("/api/v1/accounts", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert_eq!(answer.body["error"]["code"], "validation_failed");
        assert!(
            answer.field_errors().contains(&(field.to_owned(), rule.to_owned())),
            "{body}: {:?}",
            answer.field_errors()
        );
        assert!(answer.body["request_id"].is_string());
    }
    let empty = app.get("/api/v1/accounts").await;
    assert_eq!(empty.body["items"], json!([]), "nothing invalid was stored");
}

#[tokio::test]
async fn patch_leaves_absent_fields_clears_nulls_and_refuses_unknown_fields() {
    let app = spawn_app().await;
    let account = app
        .create_account(json!({"name": "Acme", "domain": "acme.com", "industry": "SaaS", "country": "Germany"}))
        .await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));

    let answer = app.patch(&path, json!({"industry": null, "employee_count": 50})).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["industry"], Value::Null);
    assert_eq!(answer.body["employee_count"], 50);
    assert_eq!(answer.body["country"], "Germany", "absent fields are unchanged");
    assert_eq!(answer.body["domain"], "acme.com");
    assert!(
        answer.body["updated_at"].as_str() > account["updated_at"].as_str()
            || answer.body["updated_at"] == account["updated_at"]
    );

    for (body, field, rule) in [
        (json!({"name": null}), "name", "required"),
        (json!({"owner": "me"}), "owner", "unknown"),
        (json!({"domain": "nope"}), "domain", "format"),
    ] {
        let answer = app.patch(&path, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert_eq!(answer.field_errors(), [(field.to_owned(), rule.to_owned())], "{body}");
    }
    let unchanged = app.get(&path).await;
    assert_eq!(unchanged.body["employee_count"], 50);
}

#[tokio::test]
async fn a_missing_account_is_a_404_for_get_patch_and_delete() {
    let app = spawn_app().await;
    let missing = "/api/v1/accounts/01936b2e-0000-7000-8000-000000000000";
    for answer in [
        app.get(missing).await,
        app.patch(missing, json!({"name": "x"})).await,
        app.delete(missing).await,
        app.get("/api/v1/accounts/not-a-uuid").await,
    ] {
        assert_eq!(answer.status, 404, "{}", answer.text);
        assert_eq!(answer.body["error"]["code"], "not_found");
    }
    let audit = count(&app, "SELECT count(*) FROM audit_log WHERE entity = 'account'").await;
    assert_eq!(audit, 0, "failed changes leave no audit entry");
}

#[tokio::test]
async fn deleting_an_account_answers_204_and_it_is_gone() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme"})).await;
    let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));
    let answer = app.delete(&path).await;
    assert_eq!(answer.status, 204);
    assert_eq!(app.get(&path).await.status, 404);
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let conn = app.db.conn().await;
    conn.query_one("count", sql, (), |row| occ_core::store::col::<i64>(row, 0)).await.expect("count")
}

#[tokio::test]
async fn every_change_is_audited_with_before_and_after() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let id = account["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/accounts/{id}");
    app.patch(&path, json!({"name": "Acme Corp"})).await;
    app.send(app.client.delete(app.url(&path)).header("x-request-id", "req-delete-1")).await;

    let conn = app.db.conn().await;
    let rows = conn
        .query_all(
            "SELECT action, actor, before, after, request_id FROM audit_log WHERE entity = 'account' AND entity_id = ?1 ORDER BY rowid",
            [id.as_str()],
            |row| {
                use occ_core::store::col;
                Ok((col::<String>(row, 0)?, col::<String>(row, 1)?, col::<Option<String>>(row, 2)?, col::<Option<String>>(row, 3)?, col::<Option<String>>(row, 4)?))
            },
        )
        .await
        .expect("audit rows");
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["account.create", "account.update", "account.delete"]);
    assert!(rows.iter().all(|r| r.1.starts_with("token:") && r.4.is_some()), "{rows:?}");
    let json = |s: &Option<String>| serde_json::from_str::<Value>(s.as_deref().expect("json")).expect("valid json");
    assert_eq!(rows[0].2, None);
    assert_eq!(json(&rows[0].3)["name"], "Acme");
    assert_eq!(json(&rows[1].2)["name"], "Acme");
    assert_eq!(json(&rows[1].3)["name"], "Acme Corp");
    assert_eq!(json(&rows[2].2)["domain"], "acme.com");
    assert_eq!(rows[2].3, None);
    assert_eq!(rows[2].4.as_deref(), Some("req-delete-1"));
}

#[tokio::test]
async fn an_unaudited_change_is_refused_by_the_database() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let err = conn
        .execute("INSERT INTO accounts (id, name, created_at, updated_at) VALUES ('x', 'Sneaky', 'now', 'now')", ())
        .await
        .expect_err("the guard trigger refuses it");
    assert_eq!(err.status().as_u16(), 500, "{err:?}");
}

async fn names(app: &TestApp, query: &str) -> (Vec<String>, Option<String>) {
    let answer = app.get(&format!("/api/v1/accounts?{query}")).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    let names = answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect();
    (names, answer.body["next_cursor"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn lists_page_through_every_account_once_in_order() {
    let app = spawn_app().await;
    for name in ["delta", "Alpha", "charlie", "Echo", "bravo"] {
        app.create_account(json!({"name": name})).await;
    }
    for (sort, expected) in [
        ("name", ["Alpha", "bravo", "charlie", "delta", "Echo"]),
        ("-name", ["Echo", "delta", "charlie", "bravo", "Alpha"]),
        ("created_at", ["delta", "Alpha", "charlie", "Echo", "bravo"]),
        ("-created_at", ["bravo", "Echo", "charlie", "Alpha", "delta"]),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let query = match &cursor {
                Some(c) => format!("sort={sort}&limit=2&cursor={c}"),
                None => format!("sort={sort}&limit=2"),
            };
            let (page, next) = names(&app, &query).await;
            assert!(page.len() <= 2);
            seen.extend(page);
            pages += 1;
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "sort={sort}");
        assert_eq!(pages, 3, "sort={sort}");
    }
}

#[tokio::test]
async fn lists_filter_by_industry_and_search_name_and_domain() {
    let app = spawn_app().await;
    app.create_account(json!({"name": "Northwind Payments", "domain": "northwind.io", "industry": "Fintech"})).await;
    app.create_account(json!({"name": "Globex", "domain": "globex-health.com", "industry": "Healthcare"})).await;
    app.create_account(json!({"name": "Initech", "domain": "initech.com", "industry": "fintech"})).await;
    app.create_account(json!({"name": "Umbrella", "domain": "umbrella.com", "industry": "Biotech"})).await;

    assert_eq!(names(&app, "industry=Fintech").await.0, ["Initech", "Northwind Payments"]);
    assert_eq!(names(&app, "industry=healthcare&industry=Biotech").await.0, ["Globex", "Umbrella"]);
    assert_eq!(names(&app, "industry=healthcare,biotech").await.0, ["Globex", "Umbrella"]);
    assert_eq!(names(&app, "q=PAYMENT").await.0, ["Northwind Payments"], "substring of the name, any case");
    assert_eq!(names(&app, "q=health").await.0, ["Globex"], "substring of the domain");
    assert_eq!(names(&app, "q=in").await.0, ["Initech"], "short text matches a prefix");
    assert_eq!(names(&app, "q=%22tech").await.0, Vec::<String>::new(), "quotes are searched, not parsed");
    assert_eq!(names(&app, "q=tech&industry=fintech").await.0, ["Initech"]);
}

#[tokio::test]
async fn the_search_follows_edits_of_names_and_only_of_names() {
    let app = spawn_app().await;
    let account = app.create_account(json!({"name": "Northwind", "domain": "northwind.io"})).await;
    let id = account["id"].as_str().expect("id");
    let contact =
        app.post("/api/v1/contacts", json!({"first_name": "Ana", "last_name": "Lopez", "account_id": id})).await;
    assert_eq!(contact.status, 201, "{}", contact.text);
    let contact_id = contact.body["id"].as_str().expect("id");
    let contacts = |q: &'static str| {
        let app = &app;
        async move {
            let answer = app.get(&format!("/api/v1/contacts?q={q}")).await;
            assert_eq!(answer.status, 200, "{}", answer.text);
            answer.body["items"].as_array().expect("items").len()
        }
    };

    // Edits of other fields leave the text indexes as they were, block for block.
    let conn = app.db.conn().await;
    let blocks = || async {
        conn.query_one(
            "fts",
            "SELECT (SELECT group_concat(id || ':' || hex(block)) FROM contacts_fts_data) || '/' || \
             (SELECT group_concat(id || ':' || hex(block)) FROM accounts_fts_data)",
            (),
            |row| occ_core::store::col::<String>(row, 0),
        )
        .await
        .expect("text index blocks")
    };
    let before = blocks().await;
    let edited = app.patch(&format!("/api/v1/accounts/{id}"), json!({"industry": "Fintech"})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let edited = app.patch(&format!("/api/v1/contacts/{contact_id}"), json!({"seniority": "vp"})).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(blocks().await, before);
    assert_eq!(names(&app, "q=northwind").await.0, ["Northwind"], "an edit of other fields keeps the name found");
    assert_eq!(contacts("lopez").await, 1);
    assert_eq!(contacts("northwind").await, 1, "a contact is found by its company's name");

    let renamed =
        app.patch(&format!("/api/v1/accounts/{id}"), json!({"name": "Southwind", "domain": "south.io"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let renamed = app.patch(&format!("/api/v1/contacts/{contact_id}"), json!({"last_name": "Garcia"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(names(&app, "q=northwind").await.0, Vec::<String>::new());
    assert_eq!(names(&app, "q=south.io").await.0, ["Southwind"]);
    assert_eq!((contacts("lopez").await, contacts("garcia").await, contacts("southwind").await), (0, 1, 1));

    // Both text indexes still hold exactly what their tables do.
    for check in [
        "INSERT INTO accounts_fts (accounts_fts, rank) VALUES ('integrity-check', 1)",
        "INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)",
    ] {
        conn.execute(check, ()).await.unwrap_or_else(|e| panic!("{check}: {e}"));
    }
}

#[tokio::test]
async fn list_parameters_outside_the_rules_are_422() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("sort=password", "sort"),
        ("cursor=garbage", "cursor"),
        ("colour=red", "colour"),
    ] {
        let answer = app.get(&format!("/api/v1/accounts?{query}")).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.text);
        assert_eq!(answer.field_errors()[0].0, field, "{query}");
    }
    assert_eq!(app.get("/api/v1/accounts?limit=200").await.status, 200);
}

#[tokio::test]
async fn account_routes_stay_within_their_database_call_budget() {
    // One call authenticates (with the rate limit); then at most 2 for reads. Creating, editing
    // (rescoring its people when its industry or size change) and deleting an account is one
    // round trip after authentication.
    let app = spawn_app().await;
    let created = app.post("/api/v1/accounts", json!({"name": "Acme"})).await;
    assert_eq!(created.work_round_trips(), 1, "create");
    let path = format!("/api/v1/accounts/{}", created.body["id"].as_str().expect("id"));
    let patched = app.patch(&path, json!({"name": "Acme 2"})).await;
    assert_eq!(patched.work_round_trips(), 1, "patch");
    let missing = app.patch("/api/v1/accounts/00000000-0000-7000-8000-000000000000", json!({"name": "X"})).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    let resized = app.patch(&path, json!({"employee_count": 120})).await;
    assert_eq!(resized.work_round_trips(), 1, "a change that rescores the people");
    assert!(app.get(&path).await.db_calls() <= 1 + 2);
    assert!(app.get("/api/v1/accounts?q=acme&industry=x&sort=-name").await.db_calls() <= 1 + 2);
    let deleted = app.delete(&path).await;
    assert_eq!(deleted.work_round_trips(), 1, "the people rescored without it, the delete");
}
