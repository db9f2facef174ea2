//! Reading the runs: the list with its filters, one run, and each agent's figures over a period.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::run::{AgentRun, decode, run_columns};
use super::{Agent, describe, with_agent};
use crate::domain::enums::{AgentKind, RunStatus};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::llm::ModelInfo;
use crate::store::from_row;

/// Runs newest first; filters `agent`, `contact_id`, `status`, `used_fallback` (true or false),
/// `since` (RFC 3339).
#[utoipa::path(get, path = "/api/v1/agent-runs", tag = "agents",
    params(("agent" = Option<AgentKind>, Query), ("contact_id" = Option<String>, Query), ("status" = Option<RunStatus>, Query),
        ("used_fallback" = Option<bool>, Query), ("since" = Option<String>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<AgentRun>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let agent = q.closed::<AgentKind>("agent")?;
    let contact = q.id("contact_id")?;
    let status = q.closed::<RunStatus>("status")?;
    let fallback = match q.one("used_fallback").as_deref() {
        None => None,
        Some("true") => Some(1),
        Some("false") => Some(0),
        Some(_) => return Err(AppError::invalid("used_fallback", "one_of", "must be true or false")),
    };
    let since = q.time("since")?;
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        run_columns!(),
        " FROM agent_runs WHERE (:agent IS NULL OR agent = :agent) AND (:contact IS NULL OR contact_id = :contact) \
         AND (:status IS NULL OR status = :status) AND (:fallback IS NULL OR used_fallback = :fallback) \
         AND (:since IS NULL OR created_at >= :since) AND ",
        crate::keyset!(desc "created_at", "id")
    );
    let filters = libsql::named_params! {
        ":agent": agent.map(AgentKind::as_str), ":contact": contact, ":status": status.map(RunStatus::as_str),
        ":fallback": fallback, ":since": since,
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |r| (r.created_at.clone(), r.id.clone())).await?)
}

/// One run, with its whole input and output.
#[utoipa::path(get, path = "/api/v1/agent-runs/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = AgentRun), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = http::path_uuid(&req, "id", "agent run")?;
    let conn = ctx.conn().await?;
    let sql = concat!("SELECT ", run_columns!(), " FROM agent_runs WHERE id = ?1");
    http::ok(&conn.query_one("agent run", sql, [id.as_str()], decode).await?)
}

/// One agent's figures over the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentStats {
    /// The agent.
    pub agent: AgentKind,
    /// What it does.
    pub description: &'static str,
    /// The version of its prompt in use.
    pub prompt_version: &'static str,
    /// Runs in the period.
    pub runs: i64,
    /// Of those, answered by the fallback.
    pub fallback_runs: i64,
    /// fallback_runs / runs (null with no runs).
    pub fallback_rate: Option<f64>,
    /// Runs that failed.
    pub failed_runs: i64,
    /// The median latency in milliseconds (null with no runs).
    pub p50_latency_ms: Option<i64>,
    /// The 95th percentile latency in milliseconds.
    pub p95_latency_ms: Option<i64>,
    /// Tokens read and written in the period.
    pub prompt_tokens: i64,
    /// Tokens written.
    pub completion_tokens: i64,
    /// The newest run's time.
    pub last_run_at: Option<String>,
}

/// `GET /api/v1/agents`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgentsReport {
    /// The configured model, or null: every agent runs on its fallback.
    pub model: Option<ModelInfo>,
    /// The start of the period.
    pub since: String,
    /// The ten agents, in SPEC order.
    pub agents: Vec<AgentStats>,
}

#[derive(Deserialize)]
struct StatsRow {
    agent: AgentKind,
    runs: i64,
    fallback_runs: i64,
    failed_runs: i64,
    p50: Option<i64>,
    p95: Option<i64>,
    prompt_tokens: i64,
    completion_tokens: i64,
    last_run_at: Option<String>,
}

/// Per agent over the period (one statement): runs, the rank of each latency, and the ranks at
/// the median and the 95th percentile (nearest rank).
const STATS: &str = "WITH r AS (SELECT agent, used_fallback, status, latency_ms, prompt_tokens, completion_tokens, created_at, \
    row_number() OVER (PARTITION BY agent ORDER BY latency_ms) AS k, count(*) OVER (PARTITION BY agent) AS n \
    FROM agent_runs WHERE created_at >= :since) \
    SELECT agent, count(*) AS runs, sum(used_fallback) AS fallback_runs, sum(status = 'failed') AS failed_runs, \
    max(CASE WHEN k = (n * 50 + 99) / 100 THEN latency_ms END) AS p50, \
    max(CASE WHEN k = (n * 95 + 99) / 100 THEN latency_ms END) AS p95, \
    coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens, \
    max(created_at) AS last_run_at FROM r GROUP BY agent";

/// Each agent's runs, fallback rate, latency (p50, p95) and tokens over the last `days` days
/// (1 to 365, 30 by default), and the configured model.
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", params(("days" = Option<u32>, Query)),
    responses((status = 200, body = AgentsReport), (status = 422, body = ErrorResponse)))]
pub(crate) async fn stats(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let days = q.whole("days", 1..=365, 30)?;
    q.finish()?;
    let since = crate::domain::stored(chrono::Utc::now() - chrono::Duration::days(days));
    let conn = ctx.conn().await?;
    let rows = conn.query_all(STATS, libsql::named_params! {":since": since.as_str()}, from_row::<StatsRow>).await?;
    let agents = AgentKind::ALL
        .iter()
        .map(|&kind| {
            let row = rows.iter().find(|r| r.agent == kind);
            let runs = row.map_or(0, |r| r.runs);
            let fallback_runs = row.map_or(0, |r| r.fallback_runs);
            AgentStats {
                agent: kind,
                description: describe(kind),
                prompt_version: prompt_version(kind),
                runs,
                fallback_runs,
                fallback_rate: (runs > 0).then(|| fallback_runs as f64 / runs as f64),
                failed_runs: row.map_or(0, |r| r.failed_runs),
                p50_latency_ms: row.and_then(|r| r.p50),
                p95_latency_ms: row.and_then(|r| r.p95),
                prompt_tokens: row.map_or(0, |r| r.prompt_tokens),
                completion_tokens: row.map_or(0, |r| r.completion_tokens),
                last_run_at: row.and_then(|r| r.last_run_at.clone()),
            }
        })
        .collect();
    http::ok(&AgentsReport { model: ctx.llm.info(), since, agents })
}

/// The prompt version an agent uses now.
pub fn prompt_version(kind: AgentKind) -> &'static str {
    with_agent!(kind, A => <A as Agent>::PROMPT_VERSION, otherwise => "v1")
}
