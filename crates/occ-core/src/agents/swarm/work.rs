//! The swarm worker, a step of the tick: claims ready tasks under a lease (one statement), runs
//! a few agent runs at a time, and writes each task's result in its run's own batch only while
//! it still holds the lease, so a task is done exactly once however many workers race and
//! whichever of them dies. A worker that dies mid-lease leaves its task to be claimed again
//! when the lease ends.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use futures_util::future::{BoxFuture, FutureExt as _};
use futures_util::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};

use super::FINISH_RUN;
use crate::agents::run::{self, Runner};
use crate::agents::{Options, Target, TargetKind, with_agent};
use crate::audit::Actor;
use crate::domain::enums::AgentKind;
use crate::domain::{new_id, now, stored};
use crate::error::{AppError, AppResult};
use crate::http::Ctx;
use crate::store::{Batch, Conn, from_row};

/// How long a claimed task is a worker's: longer than an agent run may take (a model call with
/// its retries), after which another worker may claim it.
pub const LEASE: Duration = Duration::from_secs(120);

/// Agent runs under way at once, by default (`OCC_SWARM_CONCURRENCY`).
pub const IN_FLIGHT: usize = crate::config::DEFAULT_SWARM_CONCURRENCY;

/// The first retry's wait; each attempt doubles it (5 s, 10 s, 20 s ...).
const BACKOFF: chrono::Duration = chrono::Duration::seconds(5);

/// What one call of [`work`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SwarmReport {
    /// Tasks claimed (a lease taken).
    pub claimed: usize,
    /// Tasks done, their result written.
    pub succeeded: usize,
    /// Tasks whose run failed, queued again after a backoff.
    pub retried: usize,
    /// Tasks that failed their last attempt (the contact's later tasks are cancelled).
    pub failed: usize,
    /// Tasks whose lease was lost before their result was written (another worker took it
    /// after the lease ended, or the swarm was cancelled): nothing of the run was kept.
    pub lost: usize,
    /// Tasks whose outcome could not be written (logged); their lease ends and they run again.
    pub errors: usize,
    /// Whether claiming stopped because the time given ran out.
    pub out_of_time: bool,
}

impl SwarmReport {
    /// Whether the worker did anything.
    pub fn did_anything(&self) -> bool {
        self.claimed > 0
    }
}

/// A claimed task.
#[derive(Debug, Deserialize)]
struct Claimed {
    id: String,
    swarm_run_id: String,
    agent: AgentKind,
    contact_id: Option<String>,
    attempts: i64,
    max_attempts: i64,
    /// The swarm's creator, whom its runs are audited as.
    created_by: Option<String>,
}

/// How a task ended.
enum Done {
    Succeeded,
    Retried,
    Failed,
    Lost,
}

/// Takes up to `n` ready tasks of running swarms: queued ones whose backoff is over, and
/// running ones whose lease ended (their worker died), oldest first. One statement.
const CLAIM: &str = "UPDATE swarm_tasks SET status = 'running', leased_by = :lease, lease_until = :until, \
    attempts = attempts + 1, updated_at = :now \
    WHERE id IN (SELECT t.id FROM swarm_tasks t WHERE t.status IN ('queued', 'running') AND t.lease_until <= :now \
      AND EXISTS (SELECT 1 FROM swarm_runs r WHERE r.id = t.swarm_run_id AND r.status = 'running') \
      ORDER BY t.lease_until LIMIT :n) \
    RETURNING id, swarm_run_id, agent, contact_id, attempts, max_attempts, \
    (SELECT r.created_by FROM swarm_runs r WHERE r.id = swarm_tasks.swarm_run_id) AS created_by";

/// The check a task's result is written under: it is still this lease's (`:task`, `:lease`).
const HELD: &str = "EXISTS (SELECT 1 FROM swarm_tasks WHERE id = :task AND status = 'running' AND leased_by = :lease)";

/// The refusal of [`HELD`].
const LOST: &str = "the task's lease was lost";

/// What the worker waits for: a claim's answer, or a task's end.
enum Event {
    Claimed(usize, AppResult<(String, Vec<Claimed>)>),
    Ran(Claimed, AppResult<Done>),
}

/// Runs ready swarm tasks, at most `in_flight` agent runs at a time, claiming new ones until
/// `budget` is spent (the runs under way then finish). Tasks made ready by the ones that finish
/// are claimed in the same call.
///
/// The claims and the runs are polled together: a run holding this instance's turn to write
/// must go on while a claim waits for that turn.
pub async fn work(ctx: &Ctx, budget: Duration, in_flight: usize) -> AppResult<SwarmReport> {
    let deadline = Instant::now() + budget;
    let in_flight = in_flight.max(1);
    let conn = ctx.conn().await?;
    let mut report = SwarmReport::default();
    let mut pending: FuturesUnordered<BoxFuture<'_, Event>> = FuturesUnordered::new();
    let (mut runs, mut claiming, mut may_claim, mut ended_while_claiming) = (0, false, true, false);
    let mut failure = None;
    loop {
        if may_claim && !claiming && runs < in_flight {
            if Instant::now() >= deadline {
                report.out_of_time = true;
                may_claim = false;
            } else {
                let asked = in_flight - runs;
                let conn = &conn;
                claiming = true;
                ended_while_claiming = false;
                pending.push(async move { Event::Claimed(asked, claim(conn, asked).await) }.boxed());
            }
        }
        let Some(event) = pending.next().await else { break };
        match event {
            Event::Claimed(asked, Ok((lease, tasks))) => {
                claiming = false;
                // Fewer than asked: nothing else is ready until a run ends and frees a task.
                may_claim = tasks.len() == asked || ended_while_claiming;
                report.claimed += tasks.len();
                runs += tasks.len();
                for task in tasks {
                    let lease = lease.clone();
                    pending.push(
                        async move {
                            let done = run_task(ctx, &task, &lease).await;
                            Event::Ran(task, done)
                        }
                        .boxed(),
                    );
                }
            }
            Event::Claimed(_, Err(err)) => {
                // The runs under way finish; the error is the step's.
                claiming = false;
                may_claim = false;
                failure = Some(err);
            }
            Event::Ran(task, done) => {
                runs -= 1;
                match done {
                    Ok(Done::Succeeded) => report.succeeded += 1,
                    Ok(Done::Retried) => report.retried += 1,
                    Ok(Done::Failed) => report.failed += 1,
                    Ok(Done::Lost) => report.lost += 1,
                    Err(err) => {
                        tracing::error!(
                            task_id = task.id,
                            error = format!("{err:#}"),
                            "swarm task outcome not written"
                        );
                        report.errors += 1;
                    }
                }
                let open = failure.is_none() && !report.out_of_time;
                may_claim = may_claim || open;
                ended_while_claiming = claiming && open;
            }
        }
    }
    match failure {
        Some(err) if report.claimed == 0 => Err(err),
        Some(err) => {
            tracing::error!(error = format!("{err:#}"), "swarm tasks could not be claimed");
            Ok(report)
        }
        None => Ok(report),
    }
}

/// Claims up to `n` tasks under a new lease; answers the lease and the tasks.
async fn claim(conn: &Conn, n: usize) -> AppResult<(String, Vec<Claimed>)> {
    let lease = new_id();
    let at = chrono::Utc::now();
    let until = chrono::Duration::from_std(LEASE).map_err(|e| AppError::Internal(e.into()))?;
    let mut batch = Batch::new();
    let step = batch.push(
        CLAIM,
        libsql::named_params! {
            ":lease": lease.as_str(), ":until": stored(at + until), ":now": stored(at),
            ":n": i64::try_from(n).unwrap_or(i64::MAX),
        },
    )?;
    let tasks = conn.batch(batch).await?.rows(step, from_row::<Claimed>)?;
    Ok((lease, tasks))
}

/// Runs one claimed task's agent and writes its outcome under its lease.
async fn run_task(ctx: &Ctx, task: &Claimed, lease: &str) -> AppResult<Done> {
    let conn = ctx.conn().await?;
    let Some(contact) = task.contact_id.clone() else {
        let error = AppError::NotFound("contact");
        return give_up_or_retry(&conn, task, lease, &error).await;
    };
    let actor =
        Actor { name: format!("swarm:{}", task.swarm_run_id), user_id: task.created_by.clone(), request_id: None };
    let target = Target { kind: TargetKind::Contact, id: contact };
    let extra = |batch: &mut Batch, agent_run: &str| complete(batch, task, lease, agent_run);
    let ran = with_agent!(task.agent,
        A => run::run::<A>(ctx, &conn, Runner::Swarm(&actor), &target, &Options::default(), Some(&extra)).await,
        otherwise => Err(AppError::Unavailable(format!("the {} is not available yet", task.agent))));
    match ran {
        Ok(_) => Ok(Done::Succeeded),
        Err(AppError::Conflict { message, .. }) if message == LOST => Ok(Done::Lost),
        Err(err) => give_up_or_retry(&conn, task, lease, &err).await,
    }
}

/// The statements that complete a task in its run's batch, after the run's row and before its
/// consequences: the lease is still held (else nothing of the run is kept), the task succeeded with its run, the tasks that
/// waited only on it are queued, and the swarm ends when nothing is left to run.
fn complete(batch: &mut Batch, task: &Claimed, lease: &str, agent_run: &str) -> AppResult<()> {
    let at = now();
    batch.require(
        HELD,
        libsql::named_params! {":task": task.id.as_str(), ":lease": lease},
        AppError::Conflict { message: LOST.to_owned(), fields: Vec::new(), conflicts_with: None },
    )?;
    batch.push(
        "UPDATE swarm_tasks SET status = 'succeeded', agent_run_id = :agent_run, leased_by = NULL, last_error = NULL, \
         updated_at = :now WHERE id = :task",
        libsql::named_params! {":task": task.id.as_str(), ":agent_run": agent_run, ":now": at.as_str()},
    )?;
    batch.push(
        "UPDATE swarm_tasks SET status = 'queued', lease_until = :now, updated_at = :now WHERE status = 'waiting' \
         AND id IN (SELECT task_id FROM swarm_task_deps WHERE depends_on_id = :task) \
         AND NOT EXISTS (SELECT 1 FROM swarm_task_deps d JOIN swarm_tasks p ON p.id = d.depends_on_id \
           WHERE d.task_id = swarm_tasks.id AND p.status <> 'succeeded')",
        libsql::named_params! {":task": task.id.as_str(), ":now": at.as_str()},
    )?;
    batch.push(FINISH_RUN, libsql::named_params! {":run": task.swarm_run_id.as_str(), ":now": at.as_str()})?;
    Ok(())
}

/// The wait before attempt `attempts + 1`: [`BACKOFF`] doubled per attempt made, at most an hour.
fn backoff(attempts: i64) -> chrono::Duration {
    let doublings = u32::try_from(attempts.clamp(0, 10)).unwrap_or(10);
    (BACKOFF * 2i32.pow(doublings)).min(chrono::Duration::hours(1))
}

/// After a failed run: the task is queued again after its backoff, or fails at its last attempt
/// and the contact's later tasks are cancelled; written only while the lease is held. A refusal
/// of the agent's (a 422: the reviewer finds no draft waiting for the contact) would answer the
/// same again, so it fails at once; `retry-failed` tries it after a person changed what it read.
async fn give_up_or_retry(conn: &Conn, task: &Claimed, lease: &str, error: &AppError) -> AppResult<Done> {
    let last = task.attempts >= task.max_attempts || matches!(error, AppError::Validation(_));
    let message: String = match error {
        AppError::Internal(cause) => {
            tracing::error!(task_id = task.id, error = format!("{cause:#}"), "swarm task failed");
            "internal error; the log has it under this task's id".to_owned()
        }
        other => other.to_string().chars().take(2000).collect(),
    };
    let at = chrono::Utc::now();
    let (status, until) = if last { ("failed", at) } else { ("queued", at + backoff(task.attempts)) };
    let now = stored(at);
    let mut batch = Batch::new();
    let written = batch.push(
        "UPDATE swarm_tasks SET status = :status, lease_until = :until, leased_by = NULL, last_error = :error, \
         updated_at = :now WHERE id = :task AND status = 'running' AND leased_by = :lease",
        libsql::named_params! {
            ":status": status, ":until": stored(until), ":error": message, ":now": now.as_str(),
            ":task": task.id.as_str(), ":lease": lease,
        },
    )?;
    if last {
        batch.push(
            "UPDATE swarm_tasks SET status = 'cancelled', updated_at = :now WHERE status = 'waiting' AND id IN \
             (WITH RECURSIVE later(id) AS (SELECT task_id FROM swarm_task_deps WHERE depends_on_id = :task \
               UNION SELECT d.task_id FROM swarm_task_deps d JOIN later ON d.depends_on_id = later.id) SELECT id FROM later) \
             AND EXISTS (SELECT 1 FROM swarm_tasks WHERE id = :task AND status = 'failed')",
            libsql::named_params! {":task": task.id.as_str(), ":now": now.as_str()},
        )?;
        batch.push(FINISH_RUN, libsql::named_params! {":run": task.swarm_run_id.as_str(), ":now": now.as_str()})?;
    }
    let outcome = conn.batch(batch).await?;
    Ok(match (outcome.changes(written), last) {
        (0, _) => Done::Lost,
        (_, true) => Done::Failed,
        (_, false) => Done::Retried,
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn the_backoff_doubles_per_attempt_up_to_an_hour() {
        let seconds: Vec<i64> = [1, 2, 3, 20].into_iter().map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(seconds, [10, 20, 40, 3600]);
    }
}
