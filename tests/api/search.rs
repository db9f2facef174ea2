//! Text search on a book bigger than a search sorts: a page sorts the first matches alone and
//! says when there were more; a walk through the whole list (an export) has every match.

use occ_core::store::{SEARCH_CANDIDATES, col};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// A book of 3,000 people, most of them at `.com` domains.
async fn book() -> TestApp {
    let app = spawn_app().await;
    occ_core::seed::synthetic(&app.db.conn().await, 3_000, |_| {}).await.expect("seed").expect("an empty database");
    app
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

/// Every page of `path` (which has no cursor yet), its items in order.
async fn every_page(app: &TestApp, path: &str) -> Vec<Value> {
    app.every_page(&format!("{path}&limit=200")).await
}

/// Whether `items` are in the list's order: best score first, then by id.
fn by_priority(items: &[Value]) -> bool {
    items.windows(2).all(|w| {
        let key = |c: &Value| (-c["priority_score"].as_i64().expect("score"), c["id"].as_str().expect("id").to_owned());
        key(&w[0]) < key(&w[1])
    })
}

#[tokio::test]
async fn a_common_word_sorts_the_first_matches_and_says_so_while_a_narrow_one_finds_its_person() {
    let app = book().await;
    let conn = app.db.conn().await;
    let matching: i64 = conn
        .query_one(
            "count",
            "SELECT count(*) FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id \
             WHERE c.email LIKE '%.com%' OR c.first_name LIKE '%.com%' OR a.domain LIKE '%.com%'",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("count");
    assert!(matching > SEARCH_CANDIDATES + 500, "the book has more matches than a search sorts: {matching}");

    let page = app.get("/api/v1/contacts?q=.com").await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["capped_at"], SEARCH_CANDIDATES, "the page says it sorted the first matches only");
    assert!(page.db_calls() <= 1 + 1, "one statement besides authentication: {}", page.db_calls());
    let all = every_page(&app, "/api/v1/contacts?q=.com").await;
    assert_eq!(all.len() as i64, SEARCH_CANDIDATES, "every page of the search holds the first matches, once each");
    assert!(by_priority(&all), "in the list's order");
    let ids: std::collections::BTreeSet<&str> = all.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no contact twice (its own text and its company's both match)");

    // The export walks the whole list: every match.
    let export = app.get("/api/v1/export/contacts?q=.com").await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert_eq!(export.text.lines().count() as i64 - 1, matching, "a header, then every match");

    // One person's address: that person, and nothing said about more.
    let (id, email): (String, String) = conn
        .query_one("one", "SELECT id, email FROM contacts ORDER BY rowid DESC LIMIT 1", (), |row| {
            Ok((col(row, 0)?, col(row, 1)?))
        })
        .await
        .expect("a contact");
    let one = app.get(&format!("/api/v1/contacts?q={}", email.replace('+', "%2B"))).await;
    assert_eq!(
        items(&one.body).iter().map(|c| c["id"].as_str()).collect::<Vec<_>>(),
        [Some(id.as_str())],
        "{}",
        one.text
    );
    assert!(one.body.get("capped_at").is_none(), "{}", one.text);
}

#[tokio::test]
async fn the_start_of_a_name_or_an_address_finds_every_match_from_the_indexes() {
    let app = book().await;
    let conn = app.db.conn().await;
    let expected: Vec<String> = conn
        .query_all(
            "SELECT id FROM contacts WHERE first_name LIKE 'av%' OR last_name LIKE 'av%' OR email LIKE 'av%' \
             ORDER BY priority_score DESC, id",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("matches");
    assert!(expected.len() > 50, "{} people named Ava", expected.len());
    for q in ["av", "Av", "AV"] {
        let found = every_page(&app, &format!("/api/v1/contacts?q={q}")).await;
        let ids: Vec<&str> = found.iter().filter_map(|c| c["id"].as_str()).collect();
        assert_eq!(ids, expected, "{q}: every match, case aside, in the list's order");
    }
    // A filter narrows the matches it starts from.
    let senior = every_page(&app, "/api/v1/contacts?q=av&seniority=vp").await;
    assert!(!senior.is_empty() && senior.len() < expected.len());
    assert!(senior.iter().all(|c| c["seniority"] == "vp"));

    // Nothing starts so: nothing found, quickly said.
    let none = app.get("/api/v1/contacts?q=zq").await;
    assert_eq!((none.status, items(&none.body).len()), (200, 0), "{}", none.text);
    // A wildcard is text, not a pattern.
    let percent = app.get("/api/v1/contacts?q=%25").await;
    assert_eq!((percent.status, items(&percent.body).len()), (200, 0), "{}", percent.text);
}

#[tokio::test]
async fn accounts_are_searched_the_same_way() {
    let app = book().await;
    let conn = app.db.conn().await;
    let starts: Vec<String> = conn
        .query_all(
            "SELECT id FROM accounts WHERE name LIKE 'n1%' OR domain LIKE 'n1%' ORDER BY name COLLATE NOCASE, id",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("matches");
    assert!(starts.len() > 10, "{}", starts.len());
    let found = every_page(&app, "/api/v1/accounts?q=N1").await;
    assert_eq!(found.iter().filter_map(|a| a["id"].as_str()).collect::<Vec<_>>(), starts);
    let words = app.get("/api/v1/accounts?q=n12-").await;
    assert!(
        items(&words.body).iter().all(|a| a["domain"].as_str().is_some_and(|d| d.contains("n12-"))),
        "{}",
        words.text
    );
    assert!(!items(&words.body).is_empty());
    assert!(words.body.get("capped_at").is_none());
}
