//! Every list pages the one way: walked a row at a time (or a few, for a long list), it answers
//! exactly the rows of its largest pages, in the same order, with no row twice and none left
//! out, whichever way it is sorted.

use serde_json::{Value, json};

use occ_core::domain::enums::Role;

use crate::helpers::{TestApp, create_user, spawn_app};

/// A list's rows, `key` of each, walked in pages of `limit` from the first.
async fn walk(app: &TestApp, list: &str, limit: u32, key: &str) -> Vec<Value> {
    let join = if list.contains('?') { '&' } else { '?' };
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..2000 {
        let after = cursor.as_deref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = app.get(&format!("{list}{join}limit={limit}{after}")).await;
        assert_eq!(page.status, 200, "{list}: {}", page.text);
        let items = page.body["items"].as_array().expect("items");
        assert!(items.len() <= limit as usize, "{list}: a page of {limit} holds {}", items.len());
        keys.extend(items.iter().map(|item| item[key].clone()));
        match page.body["next_cursor"].as_str() {
            Some(next) => {
                assert!(!items.is_empty(), "{list}: an empty page with a cursor");
                cursor = Some(next.to_owned());
            }
            None => return keys,
        }
    }
    panic!("{list}: the walk never ended")
}

async fn first_id(app: &TestApp, sql: &str) -> String {
    let conn = app.db.conn().await;
    conn.query_one("row", sql, (), occ_core::store::single).await.expect(sql)
}

#[tokio::test]
async fn every_list_walked_a_row_at_a_time_answers_its_whole_list_in_order() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::demo(&conn).await.expect("seed");
    create_user(&conn, "one@test.example", Role::Bdr).await;
    create_user(&conn, "two@test.example", Role::Manager).await;
    for value in ["a@gone.example", "b@gone.example", "c@gone.example"] {
        let added = app.post("/api/v1/suppression", json!({"email": value})).await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    let import = app.post("/api/v1/imports", json!({"filename": "few.csv", "total_chunks": 1})).await;
    assert_eq!(import.status, 201, "{}", import.text);
    let import = import.body["id"].as_str().expect("id").to_owned();
    let csv = "Name,Email\nAna One,ana@one.example\nBo Two,bo@two.example\nCy Three,cy@three.example\n";
    let url = app.url(&format!("/api/v1/imports/{import}/chunks/0"));
    let uploaded = app.send(app.client.put(url).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    let dry_run = app.post(&format!("/api/v1/imports/{import}/run"), json!({"dry_run": true})).await;
    assert_eq!(dry_run.status, 200, "{}", dry_run.text);

    let most = |table: &str, column: &str| {
        format!(
            "SELECT {column} FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT 1"
        )
    };
    let touched = first_id(&app, &most("touchpoints", "contact_id")).await;
    let replied = first_id(&app, &most("replies", "contact_id")).await;
    for (at, body) in
        [("2026-11-02T09:00:00.000Z", "Thanks, tell me more."), ("2026-11-02T09:00:00.000Z", "And the price?")]
    {
        let reply = json!({"contact_id": replied, "channel": "email", "body": body, "replied_at": at});
        let logged = app.post("/api/v1/replies", reply).await;
        assert_eq!(logged.status, 201, "{}", logged.text);
    }
    let signalled = first_id(&app, &most("signals", "account_id")).await;
    for title in ["Raised a series B", "Hiring ten SDRs"] {
        let signal = json!({"account_id": signalled, "kind": "news", "strength": 3, "title": title,
            "occurred_at": "2026-11-03T10:00:00.000Z"});
        let added = app.post("/api/v1/signals", signal).await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    let sequence = first_id(&app, &most("enrollments", "sequence_id")).await;
    let batch = first_id(&app, &most("batch_prospects", "batch_id")).await;

    let lists: Vec<(String, &str)> = vec![
        ("/api/v1/accounts".into(), "id"),
        ("/api/v1/accounts?sort=-name".into(), "id"),
        ("/api/v1/accounts?sort=domain".into(), "id"),
        ("/api/v1/accounts?sort=-created_at".into(), "id"),
        ("/api/v1/contacts".into(), "id"),
        ("/api/v1/contacts?sort=-priority".into(), "id"),
        ("/api/v1/contacts?sort=created_at".into(), "id"),
        ("/api/v1/contacts?sort=-updated_at".into(), "id"),
        ("/api/v1/batches".into(), "id"),
        (format!("/api/v1/batches/{batch}/members"), "contact_id"),
        ("/api/v1/sequences".into(), "id"),
        (format!("/api/v1/enrollments?sequence_id={sequence}"), "id"),
        ("/api/v1/followups".into(), "id"),
        (format!("/api/v1/touchpoints?contact_id={touched}"), "id"),
        ("/api/v1/opportunities".into(), "id"),
        ("/api/v1/drafts".into(), "id"),
        ("/api/v1/drafts?approval_status=approved,sent".into(), "id"),
        ("/api/v1/replies".into(), "id"),
        (format!("/api/v1/replies?contact_id={replied}"), "id"),
        (format!("/api/v1/signals?account_id={signalled}"), "id"),
        ("/api/v1/suppression".into(), "id"),
        ("/api/v1/users".into(), "id"),
        ("/api/v1/audit".into(), "id"),
        (format!("/api/v1/imports/{import}/rows"), "row"),
    ];
    for (list, key) in &lists {
        let whole = walk(&app, list, 200, key).await;
        assert!(whole.len() >= 2, "{list}: the demo holds {} rows, too few to page", whole.len());
        // Long lists (the audit log holds every seeded row) in at most about 40 pages, within
        // the rate limit.
        let step = if whole.len() <= 60 { 1 } else { whole.len().div_ceil(40).max(7) as u32 };
        let walked = walk(&app, list, step, key).await;
        assert_eq!(walked, whole, "{list}: walked {step} at a time");
        let mut seen = whole.clone();
        seen.sort_by_key(ToString::to_string);
        seen.dedup();
        assert_eq!(seen.len(), whole.len(), "{list}: a row twice");
    }
}
