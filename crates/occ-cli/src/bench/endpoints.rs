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
        let (mut calls, mut rows, mut round_trips) = (0, 0, None);
        for _ in 0..self.reps {
            let answer = self.ok("GET", path, None).await?;
            times.push(answer.millis);
            calls = calls.max(answer.calls);
            round_trips = round_trips.max(answer.round_trips);
            rows = rows_of(&answer.body);
        }
        let mut measure = summarize(&self.name(name), times, calls, rows, false);
        measure.round_trips = round_trips;
        Ok(measure)
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
        let (mut calls, mut round_trips) = (0, None);
        for id in &drafts {
            let answer = self.ok("POST", &format!("/api/v1/drafts/{id}/approve"), Some(&json!({}))).await?;
            times.push(answer.millis);
            calls = calls.max(answer.calls);
            round_trips = round_trips.max(answer.round_trips);
        }
        // Nothing the benchmark wrote is left to be sent.
        for id in &drafts {
            self.ok("POST", &format!("/api/v1/drafts/{id}/archive"), Some(&json!({}))).await?;
        }
        let mut measure = summarize(&self.name("draft approve"), times, calls, 1, true);
        measure.round_trips = round_trips;
        Ok(measure)
    }

    /// Measures rescoring one contact: each repetition changes the contact's seniority (which
    /// the model reads), and the score is recomputed in the same transaction. The seniority is
    /// put back afterwards.
    pub(super) async fn rescore_one(&self, contact: &str) -> anyhow::Result<Measure> {
        let path = format!("/api/v1/contacts/{contact}");
        let before = self.ok("GET", &path, None).await?.body["seniority"].clone();
        let mut times = Vec::with_capacity(self.reps);
        let (mut calls, mut round_trips) = (0, None);
        for n in 0..self.reps {
            let seniority = if n % 2 == 0 { "vp" } else { "director" };
            let answer = self.ok("PATCH", &path, Some(&json!({ "seniority": seniority }))).await?;
            if answer.body["seniority"] != seniority {
                bail!("the seniority did not change: {}", answer.body);
            }
            times.push(answer.millis);
            calls = calls.max(answer.calls);
            round_trips = round_trips.max(answer.round_trips);
        }
        self.ok("PATCH", &path, Some(&json!({ "seniority": before }))).await?;
        let mut measure = summarize(&self.name("score recompute (one contact)"), times, calls, 1, true);
        measure.round_trips = round_trips;
        Ok(measure)
    }
}

impl Sample {
    /// The reads every run measures, by name.
    pub(super) fn reads(&self) -> Vec<(&'static str, String)> {
        vec![
            ("today queue", "/api/v1/queue?scope=team".to_owned()),
            ("contacts: default view", "/api/v1/contacts".to_owned()),
            ("contacts: filtered", format!("/api/v1/contacts?status=active&industry={}&sort=priority", self.industry)),
            ("contacts: text search", format!("/api/v1/contacts?q={}", self.search)),
            ("contacts: deep page", format!("/api/v1/contacts?cursor={}", self.deep_cursor)),
            ("contact detail", format!("/api/v1/contacts/{}", self.contact)),
            ("prep card", format!("/api/v1/prep/{}", self.contact)),
            ("account detail", format!("/api/v1/accounts/{}", self.account)),
            ("pacing", "/api/v1/pacing".to_owned()),
            ("pipeline board", "/api/v1/pipeline".to_owned()),
            ("linkedin stats", "/api/v1/linkedin/stats?scope=team".to_owned()),
            ("review queue", "/api/v1/drafts?approval_status=pending".to_owned()),
            ("replies", "/api/v1/replies".to_owned()),
            ("opportunities", "/api/v1/opportunities".to_owned()),
            ("audit log", "/api/v1/audit".to_owned()),
        ]
    }
}

/// The rows an answer carries: a list's items, or one.
pub(super) fn rows_of(body: &Value) -> usize {
    match &body["items"] {
        Value::Array(items) => items.len(),
        _ => 1,
    }
}
