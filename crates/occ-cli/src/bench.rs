//! `occ bench`: how fast the hot endpoints answer on a large book, and how many database calls
//! each makes. The database is a synthetic one of `--contacts` people (made once, then reused:
//! `target/bench/occ-<contacts>.db`); each endpoint runs `--reps` times after a warm-up, in
//! process through the whole request pipeline (authentication included), and over HTTP against
//! the local server; the table gives p50/p95/p99, the calls (`x-db-calls`) and the rows answered.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use clap::Args;
use http_body_util::Full;
use occ_core::access::{API_BUDGET_PER_MINUTE, Scope, secrets};
use occ_core::audit::Actor;
use occ_core::auth::{tokens, users};
use occ_core::config::DatabaseLocation;
use occ_core::domain::EmailAddress;
use occ_core::domain::enums::Role;
use occ_core::http::server::Server;
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
    let user_id = prepare(&ctx, contacts).await?;
    let server = Server::bind(ctx.clone(), "127.0.0.1:0".parse()?, PathBuf::from("public")).await?;
    let base = format!("http://{}", server.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let mut bench = Bench {
        ctx,
        routes: Family::routes_of(Family::ALL),
        user_id,
        tokens: Mutex::new(Vec::new()),
        current: Mutex::new((String::new(), TOKEN_REQUESTS)),
        reps,
        http: None,
        client: reqwest::Client::new(),
    };
    let sample = bench.sample().await?;
    let reads = [
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
    ];
    let mut measures = Vec::new();
    for via_http in [false, true] {
        bench.http = via_http.then(|| base.clone());
        for (name, path) in &reads {
            measures.push(bench.read(name, path).await?);
        }
        measures.push(bench.approve(&sample.contact).await?);
    }
    bench.http = None;
    let made = std::mem::take(&mut *bench.tokens.lock().map_err(|_| anyhow::anyhow!("tokens"))?);
    for id in made {
        bench.ok("DELETE", &format!("/api/v1/tokens/{id}"), None).await?;
    }
    let _ = stop.send(());
    let _ = serving.await;
    Ok(measures)
}

/// Migrates, seeds the synthetic book when the database is empty, and answers the bench's
/// admin (made once).
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
    let email = EmailAddress::parse(BENCH_EMAIL).map_err(|m| anyhow::anyhow!(m))?;
    let user = match users::find_by_email(&conn, &email).await? {
        Some((user, _)) => user,
        None => {
            let hash = secrets::hash_password(&secrets::random_secret()?)?;
            users::insert(&conn, &Actor::system(None), &email, "Bench", Role::Admin, &hash).await?
        }
    };
    Ok(user.id)
}

/// Requests made with one token before the next: under the API's budget per minute, which
/// every request counts against as it would for a script.
const TOKEN_REQUESTS: usize = (API_BUDGET_PER_MINUTE as usize) - 50;

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
    user_id: String,
    /// Every token made (revoked at the end), and the one in use with its requests so far.
    tokens: Mutex<Vec<String>>,
    current: Mutex<(String, usize)>,
    reps: usize,
    /// The local server's base URL when measuring over HTTP.
    http: Option<String>,
    client: reqwest::Client,
}

/// One answer: its status, body, calls and time.
struct Answer {
    status: u16,
    body: Value,
    calls: u64,
    millis: f64,
}

impl Bench {
    /// The `authorization` value, from a new token when the one in use had its share.
    async fn bearer(&self) -> anyhow::Result<String> {
        fn poisoned<T>(_: T) -> anyhow::Error {
            anyhow::anyhow!("a bench thread panicked")
        }
        {
            let mut current = self.current.lock().map_err(poisoned)?;
            if current.1 < TOKEN_REQUESTS {
                current.1 += 1;
                return Ok(format!("Bearer {}", current.0));
            }
        }
        let conn = self.ctx.store.connect().await?;
        let scopes = [Scope::Read, Scope::Write, Scope::Admin];
        let created = tokens::create_token(&conn, &Actor::system(None), &self.user_id, "bench", &scopes, None).await?;
        self.tokens.lock().map_err(poisoned)?.push(created.token.id);
        *self.current.lock().map_err(poisoned)? = (created.secret.clone(), 1);
        Ok(format!("Bearer {}", created.secret))
    }

    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let bearer = self.bearer().await?;
        if let Some(base) = &self.http {
            let req = self
                .client
                .request(method.parse()?, format!("{base}{path}"))
                .header("authorization", bearer)
                .header("content-type", "application/json")
                .body(bytes);
            let started = Instant::now();
            let response = req.send().await?;
            let (status, calls) = (response.status().as_u16(), calls_of(response.headers()));
            let text = response.bytes().await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            let body = serde_json::from_slice(&text).unwrap_or(Value::Null);
            return Ok(Answer { status, body, calls, millis });
        }
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", bearer)
            .header("content-type", "application/json")
            .body(Full::new(bytes))?;
        let started = Instant::now();
        let response = occ_core::http::handle(&self.ctx, &self.routes, req, None).await;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        Ok(Answer { status: response.status().as_u16(), body, calls: calls_of(response.headers()), millis })
    }

    /// The name of a measure: over HTTP, said.
    fn name(&self, name: &str) -> String {
        if self.http.is_some() { format!("{name} (http)") } else { name.to_owned() }
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
        Ok(summarize(&self.name(name), times, calls, rows, false))
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
        Ok(summarize(&self.name("draft approve"), times, calls, 1, true))
    }
}

/// The database calls a response reports.
fn calls_of(headers: &http::HeaderMap) -> u64 {
    headers.get("x-db-calls").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0)
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
        "{:<31} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6}\n",
        "endpoint", "p50 ms", "p95 ms", "p99 ms", "db calls", "rows", "write"
    );
    for m in measures {
        out.push_str(&format!(
            "{:<31} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>6} {:>6}\n",
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
        assert_eq!(measures.len(), 24, "each endpoint in process and over HTTP");
        for m in &measures {
            assert!(m.db_calls >= 1 && m.p50_ms > 0.0 && m.p99_ms >= m.p50_ms, "{m:?}");
        }
        let list = measures.iter().find(|m| m.name == "contacts: default view").expect("the list");
        assert!(list.rows > 1, "{list:?}");
        assert!(measures.iter().any(|m| m.write), "the approve is a write");
        assert!(measures.iter().any(|m| m.name == "prep card (http)"));
        assert_eq!(table(&measures).lines().count(), 25);
    }
}
