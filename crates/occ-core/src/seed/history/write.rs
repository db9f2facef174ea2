//! Writing a planned history: one statement per table, the audit entries of what was written.

use serde::Serialize;

use super::History;
use crate::error::{AppError, AppResult};
use crate::seed::book::ROWS_PER_STATEMENT;
use crate::store::Conn;

/// Sends: the channel follows the kind; keys, message ids (emails only) and times follow the
/// id and the time sent. No draft or enrollment; a variant for the trial's emails.
const INSERT_SENDS: &str = "INSERT INTO touchpoints (id, contact_id, channel, kind, status, to_address, subject, body, \
     message_id, idempotency_key, scheduled_at, sent_at, attempts, call_outcome, duration_seconds, variant_id, created_at, \
     updated_at, owner_key) \
     SELECT value ->> 'id', value ->> 'contact_id', \
     CASE value ->> 'kind' WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' ELSE 'linkedin' END, value ->> 'kind', 'sent', \
     value ->> 'to', value ->> 'subject', value ->> 'body', \
     CASE value ->> 'kind' WHEN 'email' THEN '<history-' || (value ->> 'id') || '@occ.test>' END, \
     'history:' || (value ->> 'id'), value ->> 'at', value ->> 'at', 1, value ->> 'outcome', value ->> 'seconds', \
     value ->> 'variant_id', value ->> 'at', value ->> 'at', value ->> 'owner_key' FROM json_each(?1)";

/// The trial's assignments (before the sends that carry them).
const INSERT_ASSIGNMENTS: &str = "INSERT INTO experiment_assignments (experiment_id, contact_id, variant_id, assigned_at) \
     SELECT value ->> 'experiment_id', value ->> 'contact_id', value ->> 'variant_id', value ->> 'at' FROM json_each(?1)";

/// Replies, classified and handled; email ones carry a message id of their own.
const INSERT_REPLIES: &str = "INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, confidence, subject, \
     body, message_id, replied_at, classified_at, handled_at, created_at, updated_at, owner_key) \
     SELECT value ->> 'id', value ->> 'contact_id', value ->> 'touchpoint_id', value ->> 'channel', value ->> 'intent', \
     value ->> 'confidence', value ->> 'subject', value ->> 'body', \
     CASE value ->> 'channel' WHEN 'email' THEN '<history-reply-' || (value ->> 'id') || '@example.com>' END, \
     value ->> 'at', value ->> 'classified', value ->> 'handled', value ->> 'at', value ->> 'at', \
     value ->> 'owner_key' FROM json_each(?1)";

/// Meetings at the contact's account and owner; an open one only for a contact without one
/// (the day's outreach may have booked it).
const INSERT_MEETINGS: &str = "INSERT INTO opportunities (id, contact_id, account_id, status, meeting_at, amount_minor, \
     currency, owner_id, reply_id, created_at, updated_at) \
     SELECT value ->> 'id', c.id, c.account_id, value ->> 'status', value ->> 'meeting_at', value ->> 'amount', \
     CASE WHEN value ->> 'amount' IS NOT NULL THEN 'USD' END, c.owner_id, value ->> 'reply_id', value ->> 'at', value ->> 'at' \
     FROM json_each(?1) JOIN contacts c ON c.id = value ->> 'contact_id' \
     WHERE value ->> 'status' NOT IN ('meeting_booked', 'meeting_held', 'opportunity_created') \
        OR NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.contact_id = c.id \
                       AND o.status IN ('meeting_booked', 'meeting_held', 'opportunity_created'))";

/// The seed's audit entries of the replies in `?1`.
const AUDIT_REPLIES: &str = "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
     SELECT value ->> 'audit_id', value ->> 'at', 'seed', 'reply.create', 'reply', value ->> 'id' FROM json_each(?1)";

/// The seed's audit entries of the opportunities of `?1` that were written.
const AUDIT_MEETINGS: &str = "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
     SELECT value ->> 'audit_id', value ->> 'at', 'seed', 'opportunity.create', 'opportunity', value ->> 'id' \
     FROM json_each(?1) WHERE EXISTS (SELECT 1 FROM opportunities o WHERE o.id = value ->> 'id')";

/// Rows written by [`History::insert`].
#[derive(Debug, Clone, Copy, Default)]
pub(in crate::seed) struct Written {
    /// Sent touchpoints.
    pub(in crate::seed) touchpoints: usize,
    /// Replies to them.
    pub(in crate::seed) replies: usize,
    /// Opportunities booked from the replies.
    pub(in crate::seed) opportunities: usize,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, other: Self) {
        self.touchpoints += other.touchpoints;
        self.replies += other.replies;
        self.opportunities += other.opportunities;
    }
}

/// One JSON parameter of `rows`.
fn json<T: Serialize>(rows: &[T]) -> AppResult<String> {
    serde_json::to_string(rows).map_err(|e| AppError::Internal(e.into()))
}

impl History {
    /// Writes the history set-wise (its contacts must exist): sends (a statement for each few
    /// thousand), replies, meetings, and the audit entries of the replies and meetings, one
    /// statement each, each its own transaction when `conn` is in none (a year of a few
    /// thousand people's sends, with what their triggers keep, is a few hundred megabytes of
    /// log). Answers what was written.
    pub(in crate::seed) async fn insert(&self, conn: &Conn) -> AppResult<Written> {
        if self.sends.is_empty() {
            return Ok(Written::default());
        }
        if !self.assignments.is_empty() {
            conn.execute(INSERT_ASSIGNMENTS, [json(&self.assignments)?]).await?;
        }
        let mut touchpoints = 0;
        for sends in self.sends.chunks(4 * ROWS_PER_STATEMENT) {
            touchpoints += conn.execute(INSERT_SENDS, [json(sends)?]).await?;
        }
        let replies = json(&self.replies)?;
        conn.execute(INSERT_REPLIES, [replies.as_str()]).await?;
        conn.execute(AUDIT_REPLIES, [replies.as_str()]).await?;
        let meetings = json(&self.meetings)?;
        let opportunities = conn.execute(INSERT_MEETINGS, [meetings.as_str()]).await?;
        conn.execute(AUDIT_MEETINGS, [meetings.as_str()]).await?;
        Ok(Written {
            touchpoints: usize::try_from(touchpoints).unwrap_or_default(),
            replies: self.replies.len(),
            opportunities: usize::try_from(opportunities).unwrap_or_default(),
        })
    }
}
