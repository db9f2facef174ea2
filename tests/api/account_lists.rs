//! The lists by account (its signals with its people's, its people's touches and replies, its
//! opportunities), each naming the person and holding nobody else's; and the lists' totals,
//! given where they are exact and cheap (in the page's own statement) and left out elsewhere.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

async fn contact(app: &TestApp, first: &str, last: &str, account: &Value) -> Value {
    let answer = app
        .post("/api/v1/contacts", json!({"first_name": first, "last_name": last, "account_id": account["id"]}))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let answer = app.post(path, body).await;
    assert_eq!(answer.status, 201, "POST {path}: {}", answer.text);
    answer.body
}

fn field(items: &Value, name: &str) -> Vec<String> {
    items["items"].as_array().expect("items").iter().map(|i| i[name].as_str().unwrap_or("-").to_owned()).collect()
}

#[tokio::test]
async fn an_accounts_lists_hold_its_people_and_name_them_and_nobody_elses() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme"})).await;
    let other = app.create_account(json!({"name": "Other"})).await;
    let (ana, bo) = (contact(&app, "Ana", "Lee", &acme).await, contact(&app, "Bo", "Ng", &acme).await);
    let cy = contact(&app, "Cy", "Ro", &other).await;

    let signal = |subject: Value, title: &str, at: &str| {
        let mut body = json!({"kind": "news", "strength": 3, "title": title, "occurred_at": at});
        for (k, v) in subject.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    for body in [
        signal(json!({"account_id": acme["id"]}), "Acme raised", "2026-11-01T09:00:00Z"),
        signal(json!({"contact_id": ana["id"]}), "Ana promoted", "2026-11-03T09:00:00Z"),
        signal(json!({"contact_id": cy["id"]}), "Cy moved", "2026-11-04T09:00:00Z"),
        signal(json!({"account_id": other["id"]}), "Other hiring", "2026-11-05T09:00:00Z"),
    ] {
        created(&app, "/api/v1/signals", body).await;
    }
    let with_people = app.get(&format!("/api/v1/signals?account_id={}&people=true", id(&acme))).await;
    assert_eq!(with_people.status, 200, "{}", with_people.text);
    assert_eq!(
        field(&with_people.body, "title"),
        ["Ana promoted", "Acme raised"],
        "the account's and its people's, newest first"
    );
    assert_eq!(field(&with_people.body, "contact_name"), ["Ana Lee", "-"], "a person's signal names them");
    let alone = app.get(&format!("/api/v1/signals?account_id={}", id(&acme))).await;
    assert_eq!(field(&alone.body, "title"), ["Acme raised"], "without people=true, the account's own alone");
    for (query, rule) in [
        (format!("contact_id={}&account_id={}&people=true", id(&ana), id(&acme)), "with"),
        (format!("contact_id={}&people=true", id(&ana)), "with"),
        (format!("account_id={}&people=yes", id(&acme)), "format"),
    ] {
        let refused = app.get(&format!("/api/v1/signals?{query}")).await;
        assert_eq!(refused.status, 422, "{query}");
        assert_eq!(refused.field_errors(), [("people".to_owned(), rule.to_owned())], "{query}");
    }

    for who in [&bo, &bo, &cy] {
        created(
            &app,
            "/api/v1/touchpoints",
            json!({"contact_id": who["id"], "kind": "call", "call_outcome": "connected"}),
        )
        .await;
    }
    let touches = app.get(&format!("/api/v1/touchpoints?account_id={}", id(&acme))).await;
    assert_eq!(touches.status, 200, "{}", touches.text);
    assert_eq!(field(&touches.body, "contact_name"), ["Bo Ng", "Bo Ng"], "the account's people's touches alone");
    let first = app.get(&format!("/api/v1/touchpoints?account_id={}&limit=1", id(&acme))).await;
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = app.get(&format!("/api/v1/touchpoints?account_id={}&limit=1&cursor={cursor}", id(&acme))).await;
    assert_eq!(field(&second.body, "id").len(), 1);
    assert_ne!(field(&first.body, "id"), field(&second.body, "id"), "the next page goes on");
    assert_eq!(second.body["next_cursor"], Value::Null);
    let by_contact = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(&cy))).await;
    assert_eq!(by_contact.body["items"][0]["contact_name"], Value::Null, "by contact, no name is repeated");
    let both = app.get(&format!("/api/v1/touchpoints?contact_id={}&account_id={}", id(&cy), id(&acme))).await;
    assert_eq!(both.field_errors(), [("account_id".to_owned(), "with".to_owned())]);
    assert_eq!(app.get("/api/v1/touchpoints").await.field_errors(), [("contact_id".to_owned(), "required".to_owned())]);

    for who in [&ana, &cy] {
        created(
            &app,
            "/api/v1/replies",
            json!({"contact_id": who["id"], "channel": "email", "body": "Send me more details please."}),
        )
        .await;
    }
    let replies = app.get(&format!("/api/v1/replies?account_id={}", id(&acme))).await;
    assert_eq!(replies.status, 200, "{}", replies.text);
    assert_eq!(field(&replies.body, "contact_name"), ["Ana Lee"]);

    for who in [&ana, &cy] {
        created(&app, "/api/v1/opportunities", json!({"contact_id": who["id"], "meeting_at": "2026-12-01T10:00:00Z"}))
            .await;
    }
    let opportunities = app.get(&format!("/api/v1/opportunities?account_id={}", id(&acme))).await;
    assert_eq!(opportunities.status, 200, "{}", opportunities.text);
    assert_eq!(field(&opportunities.body, "contact_name"), ["Ana Lee"]);
    assert_eq!(opportunities.body["total"], 1, "the account's count");
    let bad = app.get("/api/v1/opportunities?account_id=acme").await;
    assert_eq!(bad.field_errors(), [("account_id".to_owned(), "format".to_owned())]);
}

#[tokio::test]
async fn lists_give_their_total_where_it_is_exact_and_cheap_and_leave_it_out_elsewhere() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme"})).await;
    let mut people = Vec::new();
    for (first, last) in [("Ana", "Lee"), ("Bo", "Ng"), ("Cy", "Ro")] {
        people.push(contact(&app, first, last, &acme).await);
    }
    let moved = app.post(&format!("/api/v1/contacts/{}/stage", id(&people[0])), json!({"stage": "researched"})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    // Contacts: from the counts per owner and stage, in the page's own statement.
    let all = app.get("/api/v1/contacts?limit=2").await;
    assert_eq!((all.body["total"].as_i64(), field(&all.body, "id").len()), (Some(3), 2), "{}", all.text);
    assert_eq!(all.work_round_trips(), 1, "the total costs no round trip of its own");
    let cursor = all.body["next_cursor"].as_str().expect("a next page");
    let next = app.get(&format!("/api/v1/contacts?limit=2&cursor={cursor}")).await;
    assert_eq!(next.body["total"], 3, "every page says it");
    assert_eq!(app.get("/api/v1/contacts?stage=new").await.body["total"], 2);
    assert_eq!(app.get("/api/v1/contacts?stage=new,researched").await.body["total"], 3);
    for owner in ["none", "me"] {
        let mine = app.get(&format!("/api/v1/contacts?owner={owner}&stage=researched,new")).await;
        let listed = field(&mine.body, "id").len() as i64;
        let expected = if listed == 0 { Value::Null } else { json!(listed) };
        assert_eq!(mine.body["total"], expected, "owner={owner}: the owner's count (an empty page says none)");
    }
    for query in [
        "q=Ana".to_owned(),
        "status=active".to_owned(),
        "min_priority=0".to_owned(),
        format!("account_id={}", id(&acme)),
    ] {
        let answer = app.get(&format!("/api/v1/contacts?{query}")).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.text);
        if !answer.body["items"].as_array().expect("items").is_empty() {
            assert!(answer.body.get("total").is_none(), "{query}: an exact count would read every matching contact");
        }
    }

    // Small tables: counted in the page's statement.
    let opportunity = |who: &Value| json!({"contact_id": who["id"], "meeting_at": "2026-12-01T10:00:00Z"});
    created(&app, "/api/v1/opportunities", opportunity(&people[1])).await;
    created(&app, "/api/v1/opportunities", opportunity(&people[2])).await;
    let opportunities = app.get("/api/v1/opportunities?limit=1").await;
    assert_eq!((opportunities.body["total"].as_i64(), field(&opportunities.body, "id").len()), (Some(2), 1));
    assert_eq!(
        app.get("/api/v1/opportunities?status=lost").await.body["total"],
        Value::Null,
        "an empty list says no total"
    );
    created(&app, "/api/v1/batches", json!({"name": "Top", "contact_ids": [people[0]["id"]]})).await;
    assert_eq!(app.get("/api/v1/batches").await.body["total"], 1);
    for address in ["a@one.example", "b@one.example", "c@two.example"] {
        created(&app, "/api/v1/suppression", json!({"email": address})).await;
    }
    assert_eq!(app.get("/api/v1/suppression?limit=1").await.body["total"], 3);
    assert_eq!(app.get("/api/v1/suppression?q=b").await.body["total"], 1, "counted with the search");
    let users = app.get("/api/v1/users").await;
    assert_eq!(users.body["total"].as_i64(), Some(field(&users.body, "id").len() as i64));

    // Accounts may be many: no total.
    let accounts = app.get("/api/v1/accounts").await;
    assert!(accounts.body.get("total").is_none(), "{}", accounts.text);
}
