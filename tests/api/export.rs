//! CSV export: the list's filters and sorts, every page, streamed; formulas escaped; audited.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

fn records(text: &str) -> Vec<csv::StringRecord> {
    let text = text.strip_prefix('\u{feff}').expect("starts with a byte order mark");
    csv::Reader::from_reader(text.as_bytes()).records().map(|r| r.expect("a CSV record")).collect()
}

fn headers(text: &str) -> Vec<String> {
    let text = text.trim_start_matches('\u{feff}');
    csv::Reader::from_reader(text.as_bytes()).headers().expect("headers").iter().map(str::to_owned).collect()
}

async fn export(app: &TestApp, path: &str) -> crate::helpers::Answer {
    app.get(path).await
}

#[tokio::test]
async fn contacts_export_with_the_list_filters_and_escapes_formulas() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme, Inc.", "domain": "acme.com"})).await;
    for (first, title, notes) in [
        ("Ana", "VP Sales", "Likes \"quotes\",\ncommas and lines"),
        ("=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "-1+2"),
        ("Bo", "Engineer", "+44 20 7946 0000"),
    ] {
        let created = app
            .post(
                "/api/v1/contacts",
                json!({"first_name": first, "title": title, "notes": notes, "account_id": acme["id"]}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let all = export(&app, "/api/v1/export/contacts?sort=created_at").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(all.header("content-disposition"), Some("attachment; filename=\"contacts.csv\""));
    let head = headers(&all.text);
    assert_eq!(&head[..4], ["id", "first_name", "last_name", "title"]);
    let rows = records(&all.text);
    assert_eq!(rows.len(), 3);
    let column = |name: &str| head.iter().position(|h| h == name).expect("column");
    assert_eq!(&rows[0][column("notes")], "Likes \"quotes\",\ncommas and lines", "quoted, not mangled");
    assert_eq!(&rows[0][column("company")], "Acme, Inc.");
    assert_eq!(&rows[1][column("first_name")], "'=HYPERLINK(\"http://evil.example\")");
    assert_eq!(&rows[1][column("title")], "'@SUM(A1)");
    assert_eq!(&rows[1][column("notes")], "'-1+2");
    assert_eq!(&rows[2][column("notes")], "'+44 20 7946 0000");

    // The list's filters apply.
    let senior = export(&app, "/api/v1/export/contacts?seniority=vp").await;
    let rows = records(&senior.text);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][column("first_name")], "Ana");
    let bad = export(&app, "/api/v1/export/contacts?stage=nowhere").await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.field_errors().iter().any(|(f, _)| f == "stage"), "{}", bad.text);
    let unknown = export(&app, "/api/v1/export/contacts?colour=red").await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);

    // Every export is in the audit log, with its filters.
    let log = app.get("/api/v1/audit?entity=export").await;
    let entry = &log.body["items"][0];
    assert_eq!(entry["action"], "contacts.export", "{}", log.text);
    assert!(entry["after"]["query"].as_str().is_some_and(|q| q.contains("seniority=vp")), "{entry}");

    // Reading needs a signed-in user.
    let anonymous = app.send_raw(app.client.get(app.url("/api/v1/export/contacts"))).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn a_large_export_streams_every_page() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::synthetic(&conn, 1_234, |_| {}).await.expect("seed");
    let total: i64 = conn
        .query_one("contacts", "SELECT count(*) FROM contacts", (), |row| occ_core::store::col(row, 0))
        .await
        .expect("count");
    let all = export(&app, "/api/v1/export/contacts").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("transfer-encoding"), Some("chunked"), "streamed, not buffered");
    let rows = records(&all.text);
    assert_eq!(rows.len() as i64, total, "every contact, across pages");
    let mut ids: Vec<&str> = rows.iter().map(|r| r.get(0).expect("id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as i64, total, "no contact twice");
    let scores: Vec<i64> = rows.iter().map(|r| r[13].parse().expect("score")).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "highest priority first, as the list");

    let accounts = export(&app, "/api/v1/export/accounts?sort=name").await;
    assert_eq!(accounts.status, 200, "{}", accounts.text);
    let names: Vec<String> = records(&accounts.text).iter().map(|r| r[1].to_lowercase()).collect();
    assert!(!names.is_empty());
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "sorted by name");
}
