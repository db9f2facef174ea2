//! Reading swarms: the list, newest first, and one swarm with its progress per agent and the
//! tasks that failed.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Swarm, decode, swarm_columns};
use crate::domain::enums::AgentKind;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::from_row;

/// The most failed tasks one swarm's answer lists.
pub const FAILED_SHOWN: i64 = 50;

/// Swarms newest first, each with its task counts.
#[utoipa::path(get, path = "/api/v1/swarms", tag = "agents",
    params(crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Swarm>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list_swarms(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let page = Keyset::last_of(Query::of(&req))?;
    let sql =
        concat!("SELECT ", swarm_columns!(), " FROM swarm_runs r WHERE ", crate::keyset!(desc "r.created_at", "r.id"));
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, (), decode, |s| (s.created_at.clone(), s.id.clone())).await?)
}

/// One agent's tasks in a swarm, by status.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentProgress {
    /// The agent.
    pub agent: AgentKind,
    /// Waiting for the contact's task before it.
    pub waiting: i64,
    /// Ready, or waiting out a backoff.
    pub queued: i64,
    /// Under way.
    pub running: i64,
    /// Done.
    pub succeeded: i64,
    /// Failed after the last attempt.
    pub failed: i64,
    /// Cancelled.
    pub cancelled: i64,
}

/// A task that failed after its last attempt.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FailedTask {
    /// The task's id.
    pub id: String,
    /// Its agent.
    pub agent: AgentKind,
    /// Its contact.
    pub contact_id: Option<String>,
    /// The contact's name.
    pub contact_name: Option<String>,
    /// Attempts made.
    pub attempts: i64,
    /// What went wrong the last time.
    pub last_error: Option<String>,
    /// When it failed.
    pub updated_at: String,
}

/// `GET /api/v1/swarms/{id}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SwarmDetail {
    /// The swarm.
    #[serde(flatten)]
    pub swarm: Swarm,
    /// Each agent's tasks by status, in pipeline order.
    pub progress: Vec<AgentProgress>,
    /// Failed tasks, most recent first (at most 50; `failed` counts them all).
    pub failed_tasks: Vec<FailedTask>,
}

/// The swarm with one row per agent of its pipeline, in order, and that agent's counts.
const PROGRESS: &str = concat!(
    "WITH c AS (SELECT agent, status, count(*) AS n FROM swarm_tasks WHERE swarm_run_id = :id GROUP BY agent, status) \
     SELECT ",
    swarm_columns!(),
    ", p.value AS agent, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'waiting'), 0) AS p_waiting, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'queued'), 0) AS p_queued, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'running'), 0) AS p_running, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'succeeded'), 0) AS p_succeeded, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'failed'), 0) AS p_failed, \
     coalesce((SELECT n FROM c WHERE c.agent = p.value AND c.status = 'cancelled'), 0) AS p_cancelled \
     FROM swarm_runs r, json_each(r.pipeline) p WHERE r.id = :id ORDER BY p.key"
);

#[derive(Deserialize)]
struct ProgressRow {
    agent: AgentKind,
    p_waiting: i64,
    p_queued: i64,
    p_running: i64,
    p_succeeded: i64,
    p_failed: i64,
    p_cancelled: i64,
}

/// One swarm: its counts, each agent's progress in pipeline order, and up to 50 failed tasks
/// with their contact's name and last error.
#[utoipa::path(get, path = "/api/v1/swarms/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = SwarmDetail), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get_swarm(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = http::path_uuid(&req, "id", "swarm")?;
    let conn = ctx.conn().await?;
    let rows = conn
        .query_all(PROGRESS, libsql::named_params! {":id": id.as_str()}, |row| {
            let p: ProgressRow = from_row(row)?;
            let progress = AgentProgress {
                agent: p.agent,
                waiting: p.p_waiting,
                queued: p.p_queued,
                running: p.p_running,
                succeeded: p.p_succeeded,
                failed: p.p_failed,
                cancelled: p.p_cancelled,
            };
            Ok((decode(row)?, progress))
        })
        .await?;
    let mut rows = rows.into_iter();
    let (swarm, first) = rows.next().ok_or(AppError::NotFound("swarm"))?;
    let progress = std::iter::once(first).chain(rows.map(|(_, p)| p)).collect();
    let failed_tasks = if swarm.failed > 0 {
        conn.query_all(
            "SELECT t.id, t.agent, t.contact_id, \
             nullif(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), '') AS contact_name, \
             t.attempts, t.last_error, t.updated_at FROM swarm_tasks t LEFT JOIN contacts c ON c.id = t.contact_id \
             WHERE t.swarm_run_id = :id AND t.status = 'failed' ORDER BY t.updated_at DESC, t.id LIMIT :limit",
            libsql::named_params! {":id": id.as_str(), ":limit": FAILED_SHOWN},
            from_row::<FailedTask>,
        )
        .await?
    } else {
        Vec::new()
    };
    http::ok(&SwarmDetail { swarm, progress, failed_tasks })
}
