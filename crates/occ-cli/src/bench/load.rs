//! The load phase of a remote run: a number of clients, each sending its next request as soon
//! as the last one is answered, for a fixed time, on a mix of what people do all day (eight
//! reads for two writes: the queue, lists, a search, a person, a prep card, the pipeline, the
//! review queue, an account; a contact edited, a draft written). Each client signs its requests
//! with a token of its own, as each member of a team has a session of their own. Every request
//! has [`HANG_LIMIT`] to be answered; one that is not counts as a hang.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use occ_core::store::from_row;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{Bench, Credential};
use super::endpoints::Sample;
use super::summarize;

/// How long a request may go unanswered before it counts as a hang.
pub const HANG_LIMIT: Duration = Duration::from_secs(10);

/// How many people the clients spread their requests over.
const PEOPLE: usize = 256;

/// One load phase's numbers.
#[derive(Debug, Serialize)]
pub struct LoadMeasure {
    pub clients: usize,
    pub seconds: f64,
    /// Requests answered (any status).
    pub answered: usize,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    /// Answers with a 5xx status.
    pub server_errors: usize,
    /// Answers with a 4xx status (a conflict between two writers, a spent budget).
    pub refused: usize,
    /// Requests not answered within [`HANG_LIMIT`].
    pub hangs: usize,
    /// Requests whose connection failed.
    pub failed: usize,
    /// How many answers had each status that is not 2xx.
    pub statuses: BTreeMap<u16, usize>,
    /// The first answer that was not 2xx: its status and body.
    pub first_refusal: Option<String>,
}

/// A contact and its company, as the load picks them.
#[derive(Deserialize)]
struct Person {
    id: String,
    account_id: String,
}

/// The people (and their companies) the load is spread over.
pub struct People(Vec<(String, String)>);

impl People {
    /// The best-scored people of the book.
    pub async fn of(bench: &Bench) -> anyhow::Result<Self> {
        let conn = bench.ctx.store.connect().await?;
        let people = conn
            .query_all(
                "SELECT id, account_id FROM contacts ORDER BY priority_score DESC, id LIMIT ?1",
                [PEOPLE as i64],
                |r| from_row::<Person>(r).map(|p| (p.id, p.account_id)),
            )
            .await?;
        anyhow::ensure!(!people.is_empty(), "the book has no contacts");
        Ok(Self(people))
    }

    /// The `k`th request of client `client`: its method, path and body.
    fn request(&self, sample: &Sample, client: usize, k: usize) -> (&'static str, String, Option<Value>) {
        let (contact, account) = &self.0[(client * 37 + k) % self.0.len()];
        match (client + k) % 10 {
            0 => ("GET", "/api/v1/queue?scope=team".to_owned(), None),
            1 => ("GET", "/api/v1/contacts".to_owned(), None),
            2 => ("GET", format!("/api/v1/contacts/{contact}"), None),
            3 => ("GET", format!("/api/v1/prep/{contact}"), None),
            4 => ("GET", format!("/api/v1/contacts?q={}", sample.search), None),
            5 => {
                let seniority = if k % 4 < 2 { "vp" } else { "director" };
                ("PATCH", format!("/api/v1/contacts/{contact}"), Some(json!({ "seniority": seniority })))
            }
            6 => ("GET", "/api/v1/pipeline".to_owned(), None),
            7 => ("GET", "/api/v1/drafts?approval_status=pending".to_owned(), None),
            8 => {
                let body = format!("Hi, a short note from the load test, number {k} of client {client}.");
                (
                    "POST",
                    "/api/v1/drafts".to_owned(),
                    Some(json!({"contact_id": contact, "channel": "linkedin", "body": body})),
                )
            }
            _ => ("GET", format!("/api/v1/accounts/{account}"), None),
        }
    }
}

/// What one client saw.
#[derive(Default)]
struct Seen {
    times: Vec<f64>,
    server_errors: usize,
    refused: usize,
    hangs: usize,
    failed: usize,
    statuses: BTreeMap<u16, usize>,
    first_refusal: Option<String>,
}

/// Runs `clients` clients for `seconds`.
pub async fn run(
    bench: &Arc<Bench>,
    sample: &Arc<Sample>,
    people: &Arc<People>,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<LoadMeasure> {
    let mut credentials = Vec::with_capacity(clients);
    for _ in 0..clients {
        credentials.push(Credential::new(bench).await?);
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut running = tokio::task::JoinSet::new();
    for (client, mut credential) in credentials.into_iter().enumerate() {
        let (bench, sample, people) = (bench.clone(), sample.clone(), people.clone());
        running.spawn(async move {
            let mut seen = Seen::default();
            let mut k = 0;
            while Instant::now() < until {
                let (method, path, body) = people.request(&sample, client, k);
                k += 1;
                match tokio::time::timeout(HANG_LIMIT, bench.call_as(&mut credential, method, &path, body.as_ref()))
                    .await
                {
                    Err(_) => seen.hangs += 1,
                    Ok(Err(_)) => seen.failed += 1,
                    Ok(Ok(answer)) => {
                        seen.times.push(answer.millis);
                        match answer.status {
                            500.. => seen.server_errors += 1,
                            400.. => seen.refused += 1,
                            _ => continue,
                        }
                        *seen.statuses.entry(answer.status).or_default() += 1;
                        seen.first_refusal
                            .get_or_insert_with(|| format!("{method} {path}: {} {}", answer.status, answer.body));
                    }
                }
            }
            seen
        });
    }
    let mut all = Seen::default();
    while let Some(seen) = running.join_next().await {
        let seen = seen?;
        all.times.extend(seen.times);
        all.server_errors += seen.server_errors;
        all.refused += seen.refused;
        all.hangs += seen.hangs;
        all.failed += seen.failed;
        for (status, n) in seen.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
        all.first_refusal = all.first_refusal.or(seen.first_refusal);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let answered = all.times.len();
    let (p50_ms, p95_ms) = if answered == 0 {
        (f64::NAN, f64::NAN)
    } else {
        let m = summarize("load", all.times, 0, 0, false);
        (m.p50_ms, m.p95_ms)
    };
    Ok(LoadMeasure {
        clients,
        seconds: (elapsed * 10.0).round() / 10.0,
        answered,
        per_second: (answered as f64 / elapsed * 10.0).round() / 10.0,
        p50_ms,
        p95_ms,
        server_errors: all.server_errors,
        refused: all.refused,
        hangs: all.hangs,
        failed: all.failed,
        statuses: all.statuses,
        first_refusal: all.first_refusal,
    })
}
