//! Writing a planned history: one statement per table, the audit entries of what was written.

use super::History;
use crate::error::AppResult;
use crate::seed::values::{Insert, Param, ROWS_PER_STATEMENT};
use crate::store::Conn;

/// Sends: the channel follows the kind; keys, message ids (emails only) and times follow the
/// id and the time sent. No draft or enrollment; a variant for the trial's emails. Reads
/// [`super::rows::Send`]'s values.
const INSERT_SENDS: Insert = Insert {
    head: "INSERT INTO touchpoints (id, contact_id, channel, kind, status, to_address, subject, body, message_id, \
           idempotency_key, scheduled_at, sent_at, attempts, call_outcome, duration_seconds, variant_id, created_at, \
           updated_at, owner_key) \
           SELECT column1, column2, CASE column4 WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' ELSE 'linkedin' END, \
           column4, 'sent', column6, column7, column8, \
           CASE column4 WHEN 'email' THEN '<history-' || column1 || '@occ.test>' END, 'history:' || column1, \
           column5, column5, 1, column9, column10, column11, column5, column5, column3",
    tail: "",
    width: 11,
    rows: 4 * ROWS_PER_STATEMENT,
};

/// The trial's assignments (before the sends that carry them).
const INSERT_ASSIGNMENTS: Insert = Insert {
    head: "INSERT INTO experiment_assignments (experiment_id, contact_id, variant_id, assigned_at) \
           SELECT column1, column2, column3, column4",
    tail: "",
    width: 4,
    rows: ROWS_PER_STATEMENT,
};

/// Replies, classified and handled; email ones carry a message id of their own.
const INSERT_REPLIES: Insert = Insert {
    head: "INSERT INTO replies (id, contact_id, touchpoint_id, channel, intent, confidence, subject, body, message_id, \
           replied_at, classified_at, handled_at, created_at, updated_at, owner_key) \
           SELECT column1, column2, column4, column5, column6, column7, column8, column9, \
           CASE column5 WHEN 'email' THEN '<history-reply-' || column1 || '@example.com>' END, \
           column10, column11, column12, column10, column10, column3",
    tail: "",
    width: 12,
    rows: ROWS_PER_STATEMENT,
};

/// Meetings at the contact's account and owner; an open one only for a contact without one
/// (the day's outreach may have booked it).
const INSERT_MEETINGS: Insert = Insert {
    head: "INSERT INTO opportunities (id, contact_id, account_id, status, meeting_at, amount_minor, currency, owner_id, \
           reply_id, created_at, updated_at) \
           SELECT column1, c.id, c.account_id, column4, column5, column6, CASE WHEN column6 IS NOT NULL THEN 'USD' END, \
           c.owner_id, column3, column7, column7",
    tail: " JOIN contacts c ON c.id = column2 \
           WHERE column4 NOT IN ('meeting_booked', 'meeting_held', 'opportunity_created') \
           OR NOT EXISTS (SELECT 1 FROM opportunities o WHERE o.contact_id = c.id \
                          AND o.status IN ('meeting_booked', 'meeting_held', 'opportunity_created'))",
    width: 7,
    rows: ROWS_PER_STATEMENT,
};

/// The seed's audit entries of replies: each one's entry id, time and reply.
const AUDIT_REPLIES: Insert = Insert {
    head: "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
           SELECT column1, column2, 'seed', 'reply.create', 'reply', column3",
    tail: "",
    width: 3,
    rows: ROWS_PER_STATEMENT,
};

/// The seed's audit entries of the opportunities that were written, as [`AUDIT_REPLIES`].
const AUDIT_MEETINGS: Insert = Insert {
    head: "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
           SELECT column1, column2, 'seed', 'opportunity.create', 'opportunity', column3",
    tail: " WHERE EXISTS (SELECT 1 FROM opportunities o WHERE o.id = column3)",
    width: 3,
    rows: ROWS_PER_STATEMENT,
};

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

/// The values of `rows`, row after row.
fn values<T>(rows: &[T], push: impl Fn(&T, &mut Vec<Param>)) -> Vec<Param> {
    let mut values = Vec::new();
    for row in rows {
        push(row, &mut values);
    }
    values
}

/// An audit entry's values: its id, time and entity.
fn audited(audit_id: &str, at: &str, id: &str, into: &mut Vec<Param>) {
    into.extend([audit_id, at, id].map(|v| Param::Text(v.to_owned())));
}

impl History {
    /// Writes the history set-wise (its contacts must exist): sends (a statement for each few
    /// thousand), their facts when the load worked them out, replies, meetings, and the audit entries of the replies and meetings, one
    /// statement each, each its own transaction when `conn` is in none (a year of a few
    /// thousand people's sends, with what their triggers keep, is a few hundred megabytes of
    /// log). Answers what was written.
    pub(in crate::seed) async fn insert(&self, conn: &Conn) -> AppResult<Written> {
        if self.sends.is_empty() {
            return Ok(Written::default());
        }
        if !self.assignments.is_empty() {
            INSERT_ASSIGNMENTS.run(conn, &[], values(&self.assignments, super::rows::Assignment::push)).await?;
        }
        let touchpoints = INSERT_SENDS.run(conn, &[], values(&self.sends, super::rows::Send::push)).await?;
        if !self.facts.is_empty() {
            let facts = crate::seed::values::fields(&self.facts, crate::seed::facts::FIELDS);
            crate::seed::facts::INSERT.run(conn, &[], facts).await?;
        }
        if !self.replies.is_empty() {
            INSERT_REPLIES.run(conn, &[], values(&self.replies, super::rows::Reply::push)).await?;
            let audits = values(&self.replies, |r, into| audited(&r.audit_id, &r.at, &r.id, into));
            AUDIT_REPLIES.run(conn, &[], audits).await?;
        }
        let mut opportunities = 0;
        if !self.meetings.is_empty() {
            opportunities = INSERT_MEETINGS.run(conn, &[], values(&self.meetings, super::rows::Meeting::push)).await?;
            let audits = values(&self.meetings, |m, into| audited(&m.audit_id, &m.at, &m.id, into));
            AUDIT_MEETINGS.run(conn, &[], audits).await?;
        }
        Ok(Written {
            touchpoints: usize::try_from(touchpoints).unwrap_or_default(),
            replies: self.replies.len(),
            opportunities: usize::try_from(opportunities).unwrap_or_default(),
        })
    }
}
