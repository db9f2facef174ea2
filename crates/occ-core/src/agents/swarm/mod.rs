//! Swarms: a pipeline of agents run over up to a thousand contacts as a durable task queue.
//!
//! Starting a swarm writes one task per contact and agent, each depending on the same
//! contact's task for the agent before it (`start`). The tick's worker claims ready tasks under
//! a lease, runs each through [`super::run::run`] and writes its result in the run's own batch
//! only while it still holds the lease, so a task's result is written exactly once however
//! many workers race (`work`). A task that fails is tried again with backoff; after its last
//! attempt it fails and the tasks after it for that contact are cancelled (they could not run
//! on what it did not write); `retry-failed` puts both back. Cancelling stops every task that
//! has not started; those running finish (`change`). The list and progress are in `read`.

pub mod change;
pub mod read;
pub mod start;
pub mod work;

use serde::{Deserialize, Serialize};

use crate::domain::enums::{AgentKind, RunStatus};
use crate::error::{AppError, AppResult};
use crate::store::{Row, from_row};

pub use start::works_on_contacts;
pub use work::{SwarmReport, work};

/// The most agents in a pipeline.
pub const PIPELINE_MAX: usize = 6;

/// The most contacts a swarm works on.
pub const CONTACTS_MAX: usize = 1000;

/// The pipeline of SPEC.md: research, score, write and review each contact.
pub const FULL_PIPELINE: [AgentKind; 5] =
    [AgentKind::PersonaMapper, AgentKind::Researcher, AgentKind::IcpScorer, AgentKind::Drafter, AgentKind::Reviewer];

/// How many times a task is tried before it fails.
pub const MAX_ATTEMPTS: i64 = 3;

/// One swarm as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Swarm {
    /// Its id.
    pub id: String,
    /// The batch it was started on, if any (null when started on contacts, or the batch was
    /// deleted since).
    pub batch_id: Option<String>,
    /// The batch's name, while the batch exists.
    pub batch_name: Option<String>,
    /// The agents, in the order each contact goes through them.
    pub pipeline: Vec<AgentKind>,
    /// running until no task is left to run, then succeeded (every task did), failed (some
    /// task failed after its last attempt), or cancelled.
    pub status: RunStatus,
    /// Tasks in all: contacts × agents.
    pub total: i64,
    /// Tasks that succeeded.
    pub succeeded: i64,
    /// Tasks that failed after their last attempt.
    pub failed: i64,
    /// Tasks cancelled (by a cancel, or after a failed task of the same contact).
    pub cancelled: i64,
    /// Who started it.
    pub created_by: Option<String>,
    /// When it started.
    pub started_at: Option<String>,
    /// When its last task finished, or it was cancelled.
    pub finished_at: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

/// A swarm's columns with its counts, in [`SwarmRow`]'s names, for `FROM swarm_runs r`.
macro_rules! swarm_columns {
    () => {
        "r.id, r.batch_id, r.pipeline, r.status, r.total, r.created_by, r.started_at, r.finished_at, \
         r.cancelled_at, r.created_at, r.updated_at, (SELECT b.name FROM batches b WHERE b.id = r.batch_id) AS batch_name, \
         (SELECT count(*) FROM swarm_tasks t WHERE t.swarm_run_id = r.id AND t.status = 'succeeded') AS succeeded, \
         (SELECT count(*) FROM swarm_tasks t WHERE t.swarm_run_id = r.id AND t.status = 'failed') AS failed, \
         (SELECT count(*) FROM swarm_tasks t WHERE t.swarm_run_id = r.id AND t.status = 'cancelled') AS cancelled"
    };
}
pub(crate) use swarm_columns;

#[derive(Deserialize)]
struct SwarmRow {
    id: String,
    batch_id: Option<String>,
    batch_name: Option<String>,
    pipeline: String,
    status: RunStatus,
    total: i64,
    succeeded: i64,
    failed: i64,
    cancelled: i64,
    created_by: Option<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
    cancelled_at: Option<String>,
    created_at: String,
    updated_at: String,
}

/// Reads a row of [`swarm_columns!`].
pub fn decode(row: &Row) -> AppResult<Swarm> {
    let r: SwarmRow = from_row(row)?;
    let pipeline = serde_json::from_str(&r.pipeline)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored swarm pipeline: {e}")))?;
    Ok(Swarm {
        id: r.id,
        batch_id: r.batch_id,
        batch_name: r.batch_name,
        pipeline,
        status: r.status,
        total: r.total,
        succeeded: r.succeeded,
        failed: r.failed,
        cancelled: r.cancelled,
        created_by: r.created_by,
        started_at: r.started_at,
        finished_at: r.finished_at,
        cancelled_at: r.cancelled_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// The statement that ends a swarm (`:run`, `:now`) once no task of it is left to run:
/// succeeded when none failed, failed otherwise. A cancelled swarm stays cancelled.
pub(crate) const FINISH_RUN: &str = "UPDATE swarm_runs SET \
    status = CASE WHEN EXISTS (SELECT 1 FROM swarm_tasks WHERE swarm_run_id = :run AND status = 'failed') \
      THEN 'failed' ELSE 'succeeded' END, finished_at = :now, updated_at = :now \
    WHERE id = :run AND status = 'running' AND NOT EXISTS (SELECT 1 FROM swarm_tasks \
      WHERE swarm_run_id = :run AND status IN ('waiting', 'queued', 'running'))";
