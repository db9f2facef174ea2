//! Pages of accounts at any depth and of any industries: a page after a cursor starts at its
//! place in its sort's index, and a page of industries reads each industry's companies from an
//! index of its own in the page's order, so neither walks the companies before it or outside it.

use std::collections::BTreeSet;

use occ_core::accounts::list::{self, Cursor, ListQuery, Sort};
use occ_core::http::Keyset;
use occ_core::store::{Reach, record_statements};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const SORTS: [&str; 8] =
    ["name", "-name", "domain", "-domain", "created_at", "-created_at", "updated_at", "-updated_at"];

/// Every page of `query`, two accounts a page, as (name, industry) in the order given.
async fn every_page(app: &TestApp, query: &str) -> Vec<(String, Option<String>)> {
    let items = app.every_page(&format!("/api/v1/accounts?{query}&limit=2")).await;
    items
        .iter()
        .map(|a| (a["name"].as_str().expect("name").to_owned(), a["industry"].as_str().map(str::to_owned)))
        .collect()
}

#[tokio::test]
async fn a_page_of_industries_holds_theirs_once_in_the_lists_own_order_in_every_sort() {
    let app = spawn_app().await;
    let industries = [Some("Fintech"), Some("fintech"), Some("FINTECH"), Some("Healthcare"), Some("Biotech"), None];
    let mut created: Vec<Value> = Vec::new();
    for i in 0..18 {
        let mut body = json!({"name": format!("{} {i}", ["delta", "Alpha", "charlie"][i % 3])});
        if i % 4 != 0 {
            body["domain"] = json!(format!("d{}.example", (i * 7) % 18));
        }
        if let Some(industry) = industries[i % industries.len()] {
            body["industry"] = json!(industry);
        }
        created.push(app.create_account(body).await);
    }
    // Changed later, so that the order of last change is not the order of creation.
    for account in [&created[2], &created[9], &created[0]] {
        let path = format!("/api/v1/accounts/{}", account["id"].as_str().expect("id"));
        let patched = app.patch(&path, json!({"notes": "called back"})).await;
        assert_eq!(patched.status, 200, "{}", patched.text);
    }

    for sort in SORTS {
        let all = every_page(&app, &format!("sort={sort}")).await;
        assert_eq!(all.len(), 18, "sort={sort}: every account once");
        for (filter, wanted) in [
            ("industry=fintech", &["fintech"][..]),
            ("industry=FinTech&industry=healthcare", &["fintech", "healthcare"]),
            ("industry=biotech,FINTECH,fintech", &["biotech", "fintech"]),
            ("industry=nobody", &[]),
        ] {
            let expected: Vec<_> = all
                .iter()
                .filter(|(_, industry)| {
                    industry.as_ref().is_some_and(|i| wanted.contains(&i.to_ascii_lowercase().as_str()))
                })
                .cloned()
                .collect();
            let got = every_page(&app, &format!("sort={sort}&{filter}")).await;
            assert_eq!(got, expected, "sort={sort}&{filter}: the industries' accounts in the list's order, each once");
        }
    }
    let fintech = every_page(&app, "industry=fintech").await;
    assert_eq!(fintech.len(), 9, "three spellings of one industry, nine companies");
    assert_eq!(fintech[0].0, "Alpha 1", "by name, whatever the case");
}

/// The plan of each statement `query` runs, its lines joined.
async fn plans(app: &TestApp, query: &ListQuery) -> Vec<(String, String)> {
    let conn = app.db.conn().await;
    let (page, statements) = record_statements(list::list(&conn, query)).await;
    page.expect("the page");
    let mut out = Vec::new();
    for sql in statements.into_iter().collect::<BTreeSet<_>>() {
        let plan = conn
            .query_all(&format!("EXPLAIN QUERY PLAN {sql}"), (), |row| occ_core::store::col::<String>(row, 3))
            .await
            .expect("plan")
            .join(" | ");
        out.push((sql, plan));
    }
    out
}

/// Whether a plan seeks `index` from a bound (`key>?`, `(key,id)<(?,?)` and the like), rather
/// than walking it from its start.
fn seeks_from_a_bound(plan: &str, index: &str) -> bool {
    plan.split(" | ").any(|line| {
        line.starts_with("SEARCH accounts USING")
            && line.contains(&format!("INDEX {index} ("))
            && ["<?", ">?", ")<(", ")>("].iter().any(|bound| line.contains(bound))
    })
}

#[tokio::test]
async fn a_deep_page_starts_at_its_place_in_the_index_with_or_without_industries() {
    let app = spawn_app().await;
    app.create_account(json!({"name": "Acme", "domain": "acme.example", "industry": "Fintech"})).await;
    for (sort, index) in Sort::ALLOWED.iter().zip(["name", "domain_sort", "created", "updated"]) {
        for descending in [false, true] {
            for industries in [vec![], vec!["Fintech".to_owned(), "saas".to_owned()]] {
                let of_industries = !industries.is_empty();
                let query = ListQuery {
                    industries,
                    q: None,
                    sort: sort.1,
                    descending,
                    page: Keyset::new(50, Some(Cursor("m".to_owned(), "x".to_owned()))),
                    reach: Reach::Page,
                };
                let what = format!("sort {} descending {descending}, industries {of_industries}", sort.0);
                let plans = plans(&app, &query).await;
                assert_eq!(plans.len(), 1, "{what}: one statement");
                let (sql, plan) = &plans[0];
                assert!(!plan.contains("SCAN accounts"), "{what}: {sql}\n{plan}");
                if of_industries {
                    let index = format!("accounts_industry_{}", index.trim_end_matches("_sort"));
                    assert!(seeks_from_a_bound(plan, &index), "{what}: each industry from {index}: {plan}");
                    assert!(plan.contains("(industry=? AND"), "{what}: one industry at a time: {plan}");
                } else {
                    let index = format!("accounts_{index}");
                    assert!(seeks_from_a_bound(plan, &index), "{what}: from the cursor in {index}: {plan}");
                    assert!(!plan.contains("TEMP B-TREE"), "{what}: in the index's order: {plan}");
                }
            }
        }
    }
}
