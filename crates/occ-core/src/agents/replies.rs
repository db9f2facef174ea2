//! New replies read by the model. Every reply is classified by the rules the moment it arrives
//! (its consequences follow at once); with a model configured, the tick then asks the reply
//! classifier about each recent reply no person has corrected and no classifier run has read,
//! and a different answer has a correction's consequences. Without a model this does nothing:
//! the fallback is the rules the reply already had.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::reply_classifier::ReplyClassifier;
use super::run::{self, Runner};
use super::{Options, Target, TargetKind};
use crate::audit::Actor;
use crate::error::AppResult;
use crate::http::Ctx;
use crate::store::single;

/// The most replies one tick reads.
pub const PER_TICK: i64 = 20;

/// How far back a reply is read: older ones keep the rules' classification.
const RECENT_DAYS: i64 = 2;

/// What reading new replies did in one tick.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReplyReport {
    /// Replies the classifier read.
    pub read: usize,
    /// Of those, answered by the model (the rest by the rules, with the run's reason).
    pub by_model: usize,
    /// Replies whose run could not be written (logged; tried again next tick).
    pub errors: usize,
}

/// The recent replies nobody corrected and no classifier run has read, oldest first.
const UNREAD: &str = "SELECT json_group_array(id) FROM (SELECT r.id FROM replies r \
    WHERE r.handled_at IS NULL AND r.replied_at >= :since AND coalesce(r.confidence, 0) < 1.0 \
    AND NOT EXISTS (SELECT 1 FROM agent_runs a WHERE a.target_kind = 'reply' AND a.target_id = r.id) \
    ORDER BY r.replied_at, r.id LIMIT :limit)";

/// Asks the classifier about the recent unread replies, until `budget` is spent.
pub async fn classify_new(ctx: &Ctx, budget: Duration) -> AppResult<ReplyReport> {
    let mut report = ReplyReport::default();
    if ctx.llm.info().is_none() {
        return Ok(report);
    }
    let started = Instant::now();
    let conn = ctx.conn().await?;
    let since = crate::domain::stored(chrono::Utc::now() - chrono::Duration::days(RECENT_DAYS));
    let ids: String =
        conn.query_one("reply", UNREAD, libsql::named_params! {":since": since, ":limit": PER_TICK}, single).await?;
    let ids: Vec<String> = serde_json::from_str(&ids).map_err(|e| crate::AppError::Internal(e.into()))?;
    let actor = Actor::system(None);
    for id in ids {
        if started.elapsed() >= budget {
            break;
        }
        let target = Target { kind: TargetKind::Reply, id };
        match run::run::<ReplyClassifier>(ctx, &conn, Runner::Swarm(&actor), &target, &Options::default(), None).await {
            Ok(run) => {
                report.read += 1;
                report.by_model += usize::from(!run.used_fallback);
            }
            Err(err) => {
                tracing::warn!(reply_id = target.id, error = format!("{err:#}"), "reply not read by the classifier");
                report.errors += 1;
            }
        }
    }
    Ok(report)
}
