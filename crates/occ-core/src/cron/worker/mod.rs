//! The tick: the background work that moves outreach along. One function, run by
//! `occ worker --once`, every few seconds by `occ serve`, and by the cron function on Vercel.
//! Each part is safe to run from several places at once: due steps are taken inside a write
//! transaction that advances their enrollments, and a step's draft is unique per enrollment;
//! swarm tasks are claimed under a lease and their results written only while it is held.

mod steps;

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt as _;
use serde::Serialize;

use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::http::Ctx;
use crate::store::{Conn, single};

/// Due steps taken per transaction.
pub const STEPS_PER_BATCH: u32 = 100;

/// How long a tick starts new work (a batch of due steps, an email). The cron function may run
/// 30 seconds (`maxDuration` in vercel.json); the rest is for the batch or the email under way
/// when the time runs out. What is left waits for the next tick.
pub const TICK_BUDGET: Duration = Duration::from_secs(20);

/// The tick's slice for swarm tasks: how long the swarm worker claims new tasks (within what is
/// left of [`TICK_BUDGET`]); the runs under way then finish, well inside the cron function's
/// 30 seconds when the model answers in time.
pub const SWARM_BUDGET: Duration = Duration::from_secs(10);

/// The tick's slice for reading new replies with the model (only when one is configured).
pub const REPLIES_BUDGET: Duration = Duration::from_secs(5);

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TickReport {
    /// This tick's id, which its log lines carry.
    pub tick_id: String,
    /// Paused enrollments whose pause ended.
    pub resumed: usize,
    /// Drafts written from due steps.
    pub drafted: usize,
    /// Of those, approved at once by autopilot.
    pub auto_approved: usize,
    /// Enrollments whose last step fired.
    pub completed: usize,
    /// Enrollments ended because the contact may no longer be contacted.
    pub exited: usize,
    /// Due steps passed over because the person cannot be reached on the step's channel (a
    /// call without a phone number, an email without an address, LinkedIn without a profile);
    /// the sequence went on.
    pub skipped_unreachable: usize,
    /// Due steps that could not be drafted (logged with their enrollment); tried again in an
    /// hour.
    pub postponed: usize,
    /// What the sender did with approved emails.
    pub send: crate::channels::sending::SendReport,
    /// What reading the identities' mailboxes took in (replies, bounces, auto-replies).
    pub mailbox: crate::channels::mailbox::MailboxReport,
    /// What the swarm worker did with the swarms' tasks (nothing in a tick run without the
    /// model gateway: see [`run_in`]).
    pub swarms: crate::agents::swarm::SwarmReport,
    /// What the reply classifier read of the new replies (nothing without a model).
    pub replies: crate::agents::replies::ReplyReport,
    /// Steps that failed (logged with the tick's id); the tick went on with the next, and the
    /// next tick tries them again.
    pub failed_steps: Vec<FailedStep>,
    /// Steps that met a database held by another writer for longer than they wait, and left
    /// their work to the next tick (not a failure: a cron and a worker may well overlap).
    pub yielded_steps: Vec<&'static str>,
    /// Steps that stopped starting new work when the tick's time ([`TICK_BUDGET`]) ran out,
    /// and left the rest to the next tick (not a failure: a backlog takes several ticks).
    pub out_of_time_steps: Vec<&'static str>,
}

/// A step of the tick that failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FailedStep {
    /// `sequence steps` or `sending`.
    pub step: &'static str,
    /// What went wrong, as far as it may be told (the log has the rest).
    pub reason: String,
}

impl TickReport {
    /// Whether the tick changed anything (what a log line is worth).
    pub fn did_anything(&self) -> bool {
        let send = &self.send;
        self.resumed
            + self.drafted
            + self.completed
            + self.exited
            + self.skipped_unreachable
            + send.sent
            + send.failed
            + send.unknown
            > 0
            || self.mailbox.did_anything()
            || self.swarms.did_anything()
            || self.replies.read > 0
    }

    /// Whether something failed on OCC's side (a step, one due step, or one email).
    pub fn has_failures(&self) -> bool {
        !self.failed_steps.is_empty() || self.postponed > 0 || self.send.errors > 0
    }
}

/// Runs the tick's outreach at `now` (all but the swarms, which need the model gateway: see
/// [`run_in`]), starting new work for [`TICK_BUDGET`]; see [`run_until`].
pub async fn run(conn: &Conn, config: &crate::Config, now: DateTime<Utc>) -> TickReport {
    run_until(conn, config, now, Instant::now() + TICK_BUDGET).await
}

/// Runs the tick's outreach at `now` (all but the swarms): the mailboxes first
/// ([`crate::channels::mailbox::sync_due`]), so an answer that arrived stops what would follow
/// it, then the sequence steps ([`tick_until`]), then the sender
/// ([`crate::channels::sending::send_due`]), none starting new work after `deadline`. It never
/// fails: a step that fails or panics is logged with the tick's id and reported, and the tick
/// goes on with the next step.
pub async fn run_until(conn: &Conn, config: &crate::Config, now: DateTime<Utc>, deadline: Instant) -> TickReport {
    whole_tick(conn, config, None, now, deadline).await
}

/// Runs one whole tick at `now` with the context's model gateway: [`run_until`]'s steps, then
/// the swarms' tasks ([`crate::agents::swarm::work`], for at most [`SWARM_BUDGET`] of what is
/// left before `deadline`). What `occ serve`, `occ worker` and the cron function run.
pub async fn run_in(ctx: &Ctx, conn: &Conn, now: DateTime<Utc>, deadline: Instant) -> TickReport {
    whole_tick(conn, &ctx.config, Some(ctx), now, deadline).await
}

/// The tick; the swarms' step runs only with a context to run agents in.
async fn whole_tick(
    conn: &Conn,
    config: &crate::Config,
    agents: Option<&Ctx>,
    now: DateTime<Utc>,
    deadline: Instant,
) -> TickReport {
    let tick_id = new_id();
    let mut outcomes = Outcomes::default();
    let mailbox = crate::channels::mailbox::sync_due(conn, config, now, deadline);
    let mailbox = outcomes.guard(&tick_id, "mailboxes", mailbox).await.unwrap_or_default();
    // With a model, the new replies are read by the classifier before anything follows them.
    let mut replies = crate::agents::replies::ReplyReport::default();
    if let Some(ctx) = agents {
        let left = deadline.saturating_duration_since(Instant::now()).min(REPLIES_BUDGET);
        let read = crate::agents::replies::classify_new(ctx, left);
        replies = outcomes.guard(&tick_id, "replies", read).await.unwrap_or_default();
    }
    let steps = outcomes.guard(&tick_id, "sequence steps", tick_until(conn, now, deadline)).await.unwrap_or_default();
    let mut out_of_time = steps.out_of_time_steps.clone();
    let send = if Instant::now() < deadline {
        outcomes.guard(&tick_id, "sending", crate::channels::sending::send_due(conn, config, now, deadline)).await
    } else {
        None
    };
    let send = send.unwrap_or_else(|| crate::channels::sending::SendReport {
        out_of_time: Instant::now() >= deadline,
        ..crate::channels::sending::SendReport::default()
    });
    if send.yielded {
        outcomes.yielded.push("sending");
    }
    if send.out_of_time {
        out_of_time.push("sending");
    }
    if mailbox.out_of_time {
        out_of_time.push("mailboxes");
    }
    let mut swarms = crate::agents::swarm::SwarmReport::default();
    if let Some(ctx) = agents {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            swarms.out_of_time = true;
        } else {
            let work = crate::agents::swarm::work(ctx, left.min(SWARM_BUDGET), config.swarm_concurrency);
            swarms = outcomes.guard(&tick_id, "swarms", work).await.unwrap_or_default();
        }
        if swarms.out_of_time {
            out_of_time.push("swarms");
        }
    }
    if !out_of_time.is_empty() {
        tracing::warn!(tick_id, steps = ?out_of_time, "the tick ran out of time; the rest is left to the next tick");
    }
    TickReport {
        tick_id,
        send,
        mailbox,
        swarms,
        replies,
        failed_steps: outcomes.failed,
        yielded_steps: outcomes.yielded,
        out_of_time_steps: out_of_time,
        ..steps
    }
}

/// One whole tick ([`run_in`]) on a new connection of the context's store, for the loops that run it (`occ serve`, `occ
/// worker`): the report, or why no tick ran (no connection, or a panic outside every step). It
/// never panics, so a loop that calls it never dies.
pub async fn run_on(ctx: &Ctx, now: DateTime<Utc>) -> Result<TickReport, String> {
    let once =
        async { AppResult::Ok(run_in(ctx, &ctx.store.connect().await?, now, Instant::now() + TICK_BUDGET).await) };
    match AssertUnwindSafe(once).catch_unwind().await {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(err)) => Err(format!("no database connection: {err}")),
        Err(_) => Err("the tick panicked".to_owned()),
    }
}

/// What became of the tick's steps.
#[derive(Default)]
struct Outcomes {
    failed: Vec<FailedStep>,
    yielded: Vec<&'static str>,
}

impl Outcomes {
    /// Runs one step; an error or a panic is logged and noted, never passed on.
    async fn guard<T>(
        &mut self,
        tick_id: &str,
        step: &'static str,
        work: impl std::future::Future<Output = AppResult<T>>,
    ) -> Option<T> {
        let reason = match AssertUnwindSafe(work).catch_unwind().await {
            Ok(Ok(done)) => return Some(done),
            Ok(Err(AppError::Busy)) => {
                tracing::warn!(tick_id, step, "the database is busy: the step is left to the next tick");
                self.yielded.push(step);
                return None;
            }
            Ok(Err(err)) => {
                tracing::error!(tick_id, step, error = format!("{err:#}"), "tick step failed");
                match err {
                    AppError::Internal(_) => "internal error; the log has it under this tick's id".to_owned(),
                    other => other.to_string(),
                }
            }
            Err(_) => {
                tracing::error!(tick_id, step, "tick step panicked");
                "internal error; the log has it under this tick's id".to_owned()
            }
        };
        self.failed.push(FailedStep { step, reason });
        None
    }
}

/// Runs one tick of the sequence steps at `now`, for at most [`TICK_BUDGET`].
pub async fn tick(conn: &Conn, now: DateTime<Utc>) -> AppResult<TickReport> {
    tick_until(conn, now, Instant::now() + TICK_BUDGET).await
}

/// Runs one tick of the sequence steps at `now`: batches of due steps until none is left, or
/// until `deadline` has passed (the first batch is always taken, so every tick moves on).
pub async fn tick_until(conn: &Conn, now: DateTime<Utc>, deadline: Instant) -> AppResult<TickReport> {
    let at = crate::domain::stored(now);
    let resumed = conn
        .query_all(
            "UPDATE enrollments SET status = 'active', paused_until = NULL, updated_at = ?1 \
             WHERE status = 'paused' AND paused_until IS NOT NULL AND paused_until <= ?1 RETURNING id",
            [at.as_str()],
            single::<String>,
        )
        .await?
        .len();
    let mut report = TickReport { resumed, ..TickReport::default() };
    loop {
        let (batch, taken) = steps::draft_due_steps(conn, now).await?;
        report.drafted += batch.drafted;
        report.postponed += batch.postponed;
        report.auto_approved += batch.auto_approved;
        report.completed += batch.completed;
        report.exited += batch.exited;
        report.skipped_unreachable += batch.skipped_unreachable;
        if taken < STEPS_PER_BATCH as usize {
            return Ok(report);
        }
        if Instant::now() >= deadline {
            report.out_of_time_steps.push("sequence steps");
            return Ok(report);
        }
    }
}

/// Days after a sequence ends without an answer when its contact is due another try.
pub const NURTURE_DAYS: i64 = 30;

/// The sequence engine's next action: whoever finished a sequence without answering gets a
/// follow-up [`NURTURE_DAYS`] later (one call).
async fn plan_followups(conn: &Conn, enrollments: &[String], now: DateTime<Utc>) -> AppResult<()> {
    let ids = serde_json::to_string(enrollments).map_err(|e| AppError::Internal(e.into()))?;
    conn.write(
        "INSERT INTO followups (id, contact_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
         SELECT lower(hex(randomblob(16))), e.contact_id, 'email', 'pending', ?2, \
           'The sequence ended without an answer: try a new angle, or let them rest', c.owner_id, ?3, ?3 \
         FROM enrollments e JOIN contacts c ON c.id = e.contact_id \
         WHERE e.id IN (SELECT value FROM json_each(?1)) AND c.status IN ('active', 'dormant')",
        libsql::params![
            ids,
            crate::domain::stored(now + chrono::Duration::days(NURTURE_DAYS)),
            crate::domain::stored(now)
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_step_that_fails_or_panics_is_noted_and_the_next_one_runs() {
        let mut outcomes = Outcomes::default();
        let panicked: Option<()> = outcomes
            .guard("t1", "sequence steps", async {
                if std::hint::black_box(true) {
                    panic!("a bug in a step");
                }
                Ok(())
            })
            .await;
        assert_eq!(panicked, None);
        let failed: Option<()> = outcomes
            .guard("t1", "sending", async { Err(AppError::Internal(anyhow::anyhow!("disk /var/x full"))) })
            .await;
        assert_eq!(failed, None);
        let busy: Option<()> = outcomes.guard("t1", "sending", async { Err(AppError::Busy) }).await;
        assert_eq!(busy, None);
        assert_eq!(outcomes.guard("t1", "sending", async { Ok(3) }).await, Some(3), "the next step runs");
        let steps: Vec<&str> = outcomes.failed.iter().map(|f| f.step).collect();
        assert_eq!(steps, ["sequence steps", "sending"]);
        assert!(outcomes.failed.iter().all(|f| !f.reason.contains("disk")), "{:?}", outcomes.failed);
        assert_eq!(outcomes.yielded, ["sending"], "a busy database is a yield, not a failure");
    }
}
