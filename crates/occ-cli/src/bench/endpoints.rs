//! What the bench asks: a sample of the book to ask about, and one measure per endpoint.

use anyhow::{Context as _, bail};
use occ_core::store::col;
use serde_json::{Value, json};

use super::client::Bench;
use super::{Measure, summarize};

/// What the endpoints are asked about: the best contact, its company, an industry, a name to
/// search, and the cursor of a page far down the default list.
pub(super) struct Sample {
    pub(super) contact: String,
    pub(super) account: String,
    pub(super) industry: String,
    pub(super) search: String,
    pub(super) deep_cursor: String,
}

impl Bench {
    /// Picks the sample from the book, and the deep page's cursor by paging ten pages down.
    pub(super) async fn sample(&self) -> anyhow::Result<Sample> {
        let conn = self.ctx.store.connect().await?;
        let (contact, account, industry, last_name): (String, String, String, String) = conn
            .query_one(
                "sample",
                "SELECT c.id, a.id, coalesce(a.industry, ''), coalesce(c.last_name, c.first_name) \
                 FROM contacts c JOIN accounts a ON a.id = c.account_id ORDER BY c.priority_score DESC, c.id LIMIT 1",
                (),
                |r| Ok((col(r, 0)?, col(r, 1)?, col(r, 2)?, col(r, 3)?)),
            )
            .await?;
        // Ten pages of 200 down the default list.
        let mut cursor = String::new();
        for _ in 0..10 {
            let path = if cursor.is_empty() {
                "/api/v1/contacts?limit=200".to_owned()
            } else {
                format!("/api/v1/contacts?limit=200&cursor={cursor}")
            };
            let page = self.ok("GET", &path, None).await?;
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = next.to_owned(),
                None => break,
            }
        }
        let encode = |text: &str| text.replace(' ', "%20").replace('&', "%26");
        Ok(Sample {
            contact,
            account,
            industry: encode(&industry),
            search: encode(&last_name.chars().take(4).collect::<String>()),
            deep_cursor: cursor,
        })
    }

    /// Measures a read.
    pub(super) async fn read(&self, name: &str, path: &str) -> anyhow::Result<Measure> {
        for _ in 0..(self.reps / 10).max(1) {
            self.ok("GET", path, None).await?;
        }
        let mut times = Vec::with_capacity(self.reps);
        let (mut calls, mut rows) = (0, 0);
        for _ in 0..self.reps {
            let answer = self.ok("GET", path, None).await?;
            times.push(answer.millis);
            calls = calls.max(answer.calls);
            rows = rows_of(&answer.body);
        }
        Ok(summarize(&self.name(name), times, calls, rows, false))
    }

    /// Measures approving a draft: each repetition approves a fresh one, written beforehand.
    pub(super) async fn approve(&self, contact: &str) -> anyhow::Result<Measure> {
        let mut drafts = Vec::with_capacity(self.reps);
        for n in 0..self.reps {
            let body = json!({"contact_id": contact, "channel": "linkedin",
                              "body": format!("Hi, a short note from the benchmark, number {n}.")});
            let made = self.ok("POST", "/api/v1/drafts", Some(&body)).await?;
            let id = made.body["id"].as_str().context("a draft id")?.to_owned();
            self.ok("POST", &format!("/api/v1/drafts/{id}/submit"), Some(&json!({}))).await?;
            drafts.push(id);
        }
        let mut times = Vec::with_capacity(self.reps);
        let mut calls = 0;
        for id in &drafts {
            let answer = self.ok("POST", &format!("/api/v1/drafts/{id}/approve"), Some(&json!({}))).await?;
            times.push(answer.millis);
            calls = calls.max(answer.calls);
        }
        // Nothing the benchmark wrote is left to be sent.
        for id in &drafts {
            self.ok("POST", &format!("/api/v1/drafts/{id}/archive"), Some(&json!({}))).await?;
        }
        Ok(summarize(&self.name("draft approve"), times, calls, 1, true))
    }

    /// Measures rescoring one contact: each repetition changes the contact's seniority (which
    /// the model reads), and the score is recomputed in the same transaction. The seniority is
    /// put back afterwards.
    pub(super) async fn rescore_one(&self, contact: &str) -> anyhow::Result<Measure> {
        let path = format!("/api/v1/contacts/{contact}");
        let before = self.ok("GET", &path, None).await?.body["seniority"].clone();
        let mut times = Vec::with_capacity(self.reps);
        let mut calls = 0;
        for n in 0..self.reps {
            let seniority = if n % 2 == 0 { "vp" } else { "director" };
            let answer = self.ok("PATCH", &path, Some(&json!({ "seniority": seniority }))).await?;
            if answer.body["seniority"] != seniority {
                bail!("the seniority did not change: {}", answer.body);
            }
            times.push(answer.millis);
            calls = calls.max(answer.calls);
        }
        self.ok("PATCH", &path, Some(&json!({ "seniority": before }))).await?;
        Ok(summarize(&self.name("score recompute (one contact)"), times, calls, 1, true))
    }
}

/// The rows an answer carries: a list's items, or one.
pub(super) fn rows_of(body: &Value) -> usize {
    match &body["items"] {
        Value::Array(items) => items.len(),
        _ => 1,
    }
}
