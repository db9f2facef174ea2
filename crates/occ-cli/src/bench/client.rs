//! The bench's session: the book's admin, a token, and one request at a time, in process or
//! over HTTP, timed and counted.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::bail;
use bytes::Bytes;
use http_body_util::Full;
use occ_core::access::{API_BUDGET_PER_MINUTE, Scope, secrets};
use occ_core::audit::Actor;
use occ_core::auth::{tokens, users};
use occ_core::domain::EmailAddress;
use occ_core::domain::enums::Role;
use occ_core::http::{Ctx, Routes};
use occ_core::routes::Family;
use occ_core::store::{migrate, record_statements};
use serde_json::Value;

/// The bench user's address.
const BENCH_EMAIL: &str = "bench@occ.local";

/// Migrates, seeds the synthetic book when the database is empty, and answers the bench's
/// admin (made once).
pub(super) async fn prepare(ctx: &Ctx, contacts: usize) -> anyhow::Result<String> {
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

/// A measuring session on a run's book, as its admin: requests in process, or over HTTP to the
/// local server when `http` is set.
pub(super) struct Bench {
    pub(super) ctx: Arc<Ctx>,
    routes: Routes,
    user_id: String,
    /// The token in use (made by the bench) and its requests so far.
    current: Mutex<(String, usize)>,
    /// Every statement the in-process requests ran.
    pub(super) statements: Mutex<BTreeSet<String>>,
    pub(super) reps: usize,
    /// The local server's base URL when measuring over HTTP.
    pub(super) http: Option<String>,
    client: reqwest::Client,
}

/// One answer: its status, body, calls, round trips (when the store reports them) and time.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Value,
    pub(super) calls: u64,
    pub(super) round_trips: Option<u64>,
    pub(super) millis: f64,
}

impl Bench {
    /// Opens a run's book (already made) as the bench's admin.
    pub(super) async fn open(config: occ_core::Config, reps: usize) -> anyhow::Result<Self> {
        let ctx = Ctx::new(config).await?;
        // The book is made: this finds its admin.
        let user_id = prepare(&ctx, 0).await?;
        Ok(Bench {
            ctx,
            routes: Family::routes_of(Family::ALL),
            user_id,
            current: Mutex::new((String::new(), TOKEN_REQUESTS)),
            statements: Mutex::new(BTreeSet::new()),
            reps,
            http: None,
            client: reqwest::Client::new(),
        })
    }

    /// The `authorization` value, from a new token when the one in use had its share.
    pub(super) async fn bearer(&self) -> anyhow::Result<String> {
        {
            let mut current = self.current.lock().map_err(poisoned)?;
            if current.1 < TOKEN_REQUESTS {
                current.1 += 1;
                return Ok(format!("Bearer {}", current.0));
            }
        }
        let secret = self.new_token().await?;
        *self.current.lock().map_err(poisoned)? = (secret.clone(), 1);
        Ok(format!("Bearer {secret}"))
    }

    /// A new token of the bench's admin; answers its secret.
    pub(super) async fn new_token(&self) -> anyhow::Result<String> {
        self.new_token_of(&self.user_id, &[Scope::Read, Scope::Write, Scope::Admin]).await
    }

    /// A new token of `user_id` with `scopes`; answers its secret.
    async fn new_token_of(&self, user_id: &str, scopes: &[Scope]) -> anyhow::Result<String> {
        let conn = self.ctx.store.connect().await?;
        let created = tokens::create_token(&conn, &Actor::system(None), user_id, "bench", scopes, None).await?;
        Ok(created.secret)
    }

    /// A request with a JSON body (or none).
    pub(super) async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        self.send(method, path, "application/json", bytes).await
    }

    /// A request with a JSON body (or none) made with `credential` rather than the bench's own.
    pub(super) async fn call_as(
        &self,
        credential: &mut Credential,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Answer> {
        let bearer = credential.bearer(self).await?;
        let bytes = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        self.send_with(bearer, method, path, "application/json", bytes).await
    }

    /// A request with any body, timed; in process, the statements it ran are recorded.
    pub(super) async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> anyhow::Result<Answer> {
        let bearer = self.bearer().await?;
        self.send_with(bearer, method, path, content_type, bytes).await
    }

    async fn send_with(
        &self,
        bearer: String,
        method: &str,
        path: &str,
        content_type: &str,
        bytes: Bytes,
    ) -> anyhow::Result<Answer> {
        if let Some(base) = &self.http {
            let req = self
                .client
                .request(method.parse()?, format!("{base}{path}"))
                .header("authorization", bearer)
                .header("content-type", content_type)
                .body(bytes);
            let started = Instant::now();
            let response = req.send().await?;
            let (status, calls) = (response.status().as_u16(), calls_of(response.headers()));
            let round_trips = round_trips_of(response.headers());
            let text = response.bytes().await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            let body = serde_json::from_slice(&text).unwrap_or(Value::Null);
            return Ok(Answer { status, body, calls, round_trips, millis });
        }
        let req = http::Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", bearer)
            .header("content-type", content_type)
            .body(Full::new(bytes))?;
        let started = Instant::now();
        let (response, statements) =
            record_statements(Box::pin(occ_core::http::handle(&self.ctx, &self.routes, req, None))).await;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        self.statements.lock().map_err(poisoned)?.extend(statements);
        let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        let (calls, round_trips) = (calls_of(response.headers()), round_trips_of(response.headers()));
        Ok(Answer { status: response.status().as_u16(), body, calls, round_trips, millis })
    }

    /// The name of a measure: over HTTP, said.
    pub(super) fn name(&self, name: &str) -> String {
        if self.http.is_some() { format!("{name} (http)") } else { name.to_owned() }
    }

    /// A request that must succeed (2xx).
    pub(super) async fn ok(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Answer> {
        succeeded(method, path, self.call(method, path, body).await?)
    }
}

/// A credential of its own for one client of the load phase, as each person (or script) of a
/// team has: its lease and its budget per minute are its own. A new token follows when it had
/// its share of the minute's budget.
pub(super) struct Credential {
    secret: String,
    used: usize,
    /// A rep's (reading and writing), or the bench's admin's when `None`.
    rep: Option<String>,
}

impl Credential {
    /// A new token of the bench's admin.
    pub(super) async fn new(bench: &Bench) -> anyhow::Result<Self> {
        Ok(Self { secret: bench.new_token().await?, used: 0, rep: None })
    }

    /// A new token of the rep `user_id` (a bdr).
    pub(super) async fn of_rep(bench: &Bench, user_id: &str) -> anyhow::Result<Self> {
        let secret = bench.new_token_of(user_id, &[Scope::Read, Scope::Write]).await?;
        Ok(Self { secret, used: 0, rep: Some(user_id.to_owned()) })
    }

    async fn bearer(&mut self, bench: &Bench) -> anyhow::Result<String> {
        if self.used >= TOKEN_REQUESTS {
            *self = match self.rep.take() {
                Some(rep) => Self::of_rep(bench, &rep).await?,
                None => Self::new(bench).await?,
            };
        }
        self.used += 1;
        Ok(format!("Bearer {}", self.secret))
    }
}

/// The answer, or an error when its status is not 2xx.
pub(super) fn succeeded(method: &str, path: &str, answer: Answer) -> anyhow::Result<Answer> {
    if !(200..300).contains(&answer.status) {
        bail!("{method} {path} answered {}: {}", answer.status, answer.body);
    }
    Ok(answer)
}

/// The database calls a response reports.
pub(super) fn calls_of(headers: &http::HeaderMap) -> u64 {
    headers.get("x-db-calls").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0)
}

/// The network round trips a response reports (`x-db-round-trips`), when the store counts them.
pub(super) fn round_trips_of(headers: &http::HeaderMap) -> Option<u64> {
    headers.get("x-db-round-trips").and_then(|v| v.to_str().ok()?.parse().ok())
}

pub(super) fn poisoned<T>(_: T) -> anyhow::Error {
    anyhow::anyhow!("a bench thread panicked")
}
