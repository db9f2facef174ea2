//! `occ bench`: how fast the hot endpoints answer on a large book, and how many database calls
//! each makes. The database is a synthetic one of `--contacts` people (made once, then reused:
//! `target/bench/occ-<contacts>.db`); each endpoint runs in process through the whole request
//! pipeline (authentication included) `--reps` times after a warm-up, and the table gives
//! p50/p95/p99, the calls (`x-db-calls`) and the rows answered.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::Full;
use occ_core::access::{Scope, secrets};
use occ_core::audit::Actor;
use occ_core::auth::{tokens, users};
use occ_core::config::DatabaseLocation;
use occ_core::domain::EmailAddress;
use occ_core::domain::enums::Role;
use occ_core::http::{Ctx, Family, Routes};
use occ_core::store::{col, migrate};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many contacts the synthetic book has (about a tenth as many accounts).
    #[arg(long, default_value_t = 100_000)]
    contacts: usize,
    /// Print a JSON list instead of the table.
    #[arg(long)]
    json: bool,
    /// How many times each endpoint is measured (after a warm-up of a tenth as many).
    #[arg(long, default_value_t = 200)]
    reps: usize,
}

/// One endpoint's numbers.
#[derive(Debug, Serialize)]
pub struct Measure {
    pub name: String,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub db_calls: u64,
    pub rows: usize,
    pub write: bool,
}

/// The bench user's address.
const BENCH_EMAIL: &str = "bench@occ.local";

pub async fn run(mut config: occ_core::Config, args: BenchArgs) -> anyhow::Result<()> {
    if args.contacts == 0 || args.reps == 0 {
        bail!("--contacts and --reps must be at least 1");
    }
    let dir = PathBuf::from("target/bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("while creating {}", dir.display()))?;
    config.database = DatabaseLocation::Local(dir.join(format!("occ-{}.db", args.contacts)));
    let measures = measure(config, args.contacts, args.reps).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&measures)?);
    } else {
        print!("{}", table(&measures));
    }
    Ok(())
}

/// Prepares the database and measures every endpoint.
pub async fn measure(config: occ_core::Config, contacts: usize, reps: usize) -> anyhow::Result<Vec<Measure>> {
    let ctx = Ctx::new(config).await?;
    let token = prepare(&ctx, contacts).await?;
    let bench = Bench { ctx, routes: Family::routes_of(Family::ALL), token, reps };
    let sample = bench.sample().await?;
    let mut measures = Vec::new();
    for (name, path) in [
        ("today queue", "/api/v1/queue?scope=team".to_owned()),
        ("contacts: default view", "/api/v1/contacts".to_owned()),
        ("contacts: filtered", format!("/api/v1/contacts?status=active&industry={}&sort=priority", sample.industry)),
        ("contacts: text search", format!("/api/v1/contacts?q={}", sample.search)),
        ("contacts: deep page", format!("/api/v1/contacts?cursor={}", sample.deep_cursor)),
        ("contact detail", format!("/api/v1/contacts/{}", sample.contact)),
        ("prep card", format!("/api/v1/prep/{}", sample.contact)),
        ("account detail", format!("/api/v1/accounts/{}", sample.account)),
        ("pacing", "/api/v1/pacing".to_owned()),
        ("pipeline board", "/api/v1/pipeline".to_owned()),
        ("linkedin stats", "/api/v1/linkedin/stats?scope=team".to_owned()),
    ] {
        measures.push(bench.read(name, &path).await?);
    }
    measures.push(bench.approve(&sample.contact).await?);
    Ok(measures)
}

/// Migrates, seeds the synthetic book when the database is empty, and answers a token for the
/// bench's admin.
async fn prepare(ctx: &Ctx, contacts: usize) -> anyhow::Result<String> {
    let conn = ctx.store.connect().await?;
    migrate::up(&conn, None).await?;
    let started = Instant::now();
    if occ_core::seed::synthetic(&conn, contacts, |done| eprint!("\rseeding {done} / {contacts} contacts"))
        .await?
        .is_some()
    {
        eprintln!("\rseeded {contacts} contacts in {:.1}s", started.elapsed().as_secs_f64());
    }
    let actor = Actor::system(None);
    let email = EmailAddress::parse(BENCH_EMAIL).map_err(|m| anyhow::anyhow!(m))?;
    let user = match users::find_by_email(&conn, &email).await? {
        Some((user, _)) => user,
        None => {
            let hash = secrets::hash_password(&secrets::random_secret()?)?;
            users::insert(&conn, &actor, &email, "Bench", Role::Admin, &hash).await?
        }
    };
    let scopes = [Scope::Read, Scope::Write, Scope::Admin];
    let created = tokens::create_token(&conn, &actor, &user.id, "bench", &scopes, None).await?;
    Ok(created.secret)
}

/// What the endpoints are asked about: the best contact, its company, an industry, a name to
/// search, and the cursor of a page far down the default list.
struct Sample {
    contact: String,
    account: String,
    industry: String,
    search: String,
    deep_cursor: String,
}

struct Bench {
    ctx: Arc<Ctx>,
    routes: Routes,
    token: String,
    reps: usize,
}

/// One answer: its status, body, calls and time.
struct Answer {
    status: u16,
    body: Value,
    calls: u64,
    millis: f64,
}

impl Bench {
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(Full::new(bytes))?;
        let started = Instant::now();
        let response = occ_core::http::handle(&self.ctx, &self.routes, req, None).await;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let calls = response.headers().get("x-db-calls").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        Ok(Answer { status: response.status().as_u16(), body, calls, millis })
    }

    async fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
        let answer = self.call(method, path, body).await?;
        if !(200..300).contains(&answer.status) {
            bail!("{method} {path} answered {}: {}", answer.status, answer.body);
        }
        Ok(answer)
    }

    async fn sample(&self) -> anyhow::Result<Sample> {
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
    async fn read(&self, name: &str, path: &str) -> anyhow::Result<Measure> {
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
        Ok(summarize(name, times, calls, rows, false))
    }

    /// Measures approving a draft: each repetition approves a fresh one, written beforehand.
    async fn approve(&self, contact: &str) -> anyhow::Result<Measure> {
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
        Ok(summarize("draft approve", times, calls, 1, true))
    }
}

/// The rows an answer carries: a list's items, or one.
fn rows_of(body: &Value) -> usize {
    match &body["items"] {
        Value::Array(items) => items.len(),
        _ => 1,
    }
}

fn summarize(name: &str, mut times: Vec<f64>, db_calls: u64, rows: usize, write: bool) -> Measure {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        (times[i] * 100.0).round() / 100.0
    };
    Measure { name: name.to_owned(), p50_ms: at(0.50), p95_ms: at(0.95), p99_ms: at(0.99), db_calls, rows, write }
}

/// The plain-text table.
fn table(measures: &[Measure]) -> String {
    let mut out = format!(
        "{:<24} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6}\n",
        "endpoint", "p50 ms", "p95 ms", "p99 ms", "db calls", "rows", "write"
    );
    for m in measures {
        out.push_str(&format!(
            "{:<24} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>6} {:>6}\n",
            m.name,
            m.p50_ms,
            m.p95_ms,
            m.p99_ms,
            m.db_calls,
            m.rows,
            if m.write { "yes" } else { "" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_sorted_times() {
        let times: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let m = summarize("x", times, 2, 5, false);
        assert_eq!((m.p50_ms, m.p95_ms, m.p99_ms), (50.0, 95.0, 99.0));
        let one = summarize("y", vec![3.0], 1, 1, true);
        assert_eq!((one.p50_ms, one.p99_ms), (3.0, 3.0));
    }

    #[tokio::test]
    async fn a_small_book_is_measured_end_to_end() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = occ_core::Config::from_env().expect("config");
        config.database = DatabaseLocation::Local(dir.path().join("bench.db"));
        let measures = measure(config, 300, 3).await.expect("bench");
        assert_eq!(measures.len(), 12);
        for m in &measures {
            assert!(m.db_calls >= 1 && m.p50_ms > 0.0 && m.p99_ms >= m.p50_ms, "{m:?}");
        }
        let list = measures.iter().find(|m| m.name == "contacts: default view").expect("the list");
        assert!(list.rows > 1, "{list:?}");
        assert!(measures.iter().any(|m| m.write), "the approve is a write");
        assert!(table(&measures).lines().count() == 13);
    }
}
