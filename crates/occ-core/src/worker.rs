//! The tick: the background work that moves outreach along. One function, run by
//! `occ worker --once`, every few seconds by `occ serve`, and by the cron function on Vercel.
//! Each part is safe to run from several places at once: due steps are taken inside a write
//! transaction that advances their enrollments, and a step's draft is unique per enrollment.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::domain::enums::{Channel, ContactStatus, StepKind};
use crate::domain::new_id;
use crate::drafts::review::{Recipient, review};
use crate::enrollments::due;
use crate::error::{AppError, AppResult};
use crate::sequences::template::render;
use crate::store::{Conn, Row, col};

/// Due steps taken per transaction.
pub const STEPS_PER_BATCH: u32 = 100;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TickReport {
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
    /// What the sender did with approved emails.
    pub send: crate::sending::SendReport,
}

/// A due step, with everything needed to draft it.
struct Due {
    enrollment: String,
    contact: String,
    current_step: i64,
    enrolled_at: String,
    autopilot: bool,
    step: Option<(String, StepKind, Option<String>, String)>,
    next_offset: Option<i64>,
    /// This step's day offset.
    offset: Option<i64>,
    status: String,
    values: BTreeMap<&'static str, String>,
    timezone: String,
    company: Option<String>,
    title: Option<String>,
    signal: Option<String>,
}

fn decode(row: &Row) -> AppResult<Due> {
    let text = |i: i32| col::<Option<String>>(row, i);
    let step_id: Option<String> = col(row, 5)?;
    let step = match step_id {
        Some(id) => {
            let kind: String = col(row, 6)?;
            let kind = kind.parse().map_err(|e| AppError::Internal(anyhow::anyhow!("stored step kind: {e}")))?;
            Some((id, kind, text(7)?, col::<Option<String>>(row, 8)?.unwrap_or_default()))
        }
        None => None,
    };
    let (first, last, title, company, signal, sender) =
        (text(11)?, text(12)?, text(13)?, text(14)?, text(16)?, text(17)?);
    let mut values = BTreeMap::new();
    let mut put = |key: &'static str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            values.insert(key, v);
        }
    };
    put("first_name", first.clone());
    put("last_name", last.clone());
    put("full_name", Some(format!("{} {}", first.unwrap_or_default(), last.unwrap_or_default()).trim().to_owned()));
    put("title", title.clone());
    put("company", company.clone());
    put("signal", signal.clone());
    put("sender_first_name", sender.as_deref().and_then(|s| s.split_whitespace().next()).map(str::to_owned));
    put("sender_name", sender);
    Ok(Due {
        enrollment: col(row, 0)?,
        contact: col(row, 1)?,
        current_step: col(row, 2)?,
        enrolled_at: col(row, 3)?,
        autopilot: col(row, 4)?,
        step,
        next_offset: col(row, 9)?,
        offset: col(row, 18)?,
        status: col(row, 10)?,
        values,
        timezone: col(row, 15)?,
        company,
        title,
        signal,
    })
}

impl TickReport {
    /// Whether the tick changed anything (what a log line is worth).
    pub fn did_anything(&self) -> bool {
        let send = &self.send;
        self.resumed + self.drafted + self.completed + self.exited + send.sent + send.failed + send.unknown > 0
    }
}

/// Runs one whole tick at `now`: the sequence steps ([`tick`]), then the sender
/// ([`crate::sending::send_due`]).
pub async fn run(conn: &Conn, config: &crate::Config, now: DateTime<Utc>) -> AppResult<TickReport> {
    let mut report = tick(conn, now).await?;
    report.send = crate::sending::send_due(conn, config, now).await?;
    Ok(report)
}

/// Runs one tick of the sequence steps at `now`.
pub async fn tick(conn: &Conn, now: DateTime<Utc>) -> AppResult<TickReport> {
    let at = due::stored(now);
    let resumed = conn
        .query_all(
            "UPDATE enrollments SET status = 'active', paused_until = NULL, updated_at = ?1 \
             WHERE status = 'paused' AND paused_until IS NOT NULL AND paused_until <= ?1 RETURNING id",
            [at.as_str()],
            |row| col::<String>(row, 0),
        )
        .await?
        .len();
    let mut report = TickReport { resumed, ..TickReport::default() };
    loop {
        let (batch, taken) = draft_due_steps(conn, now).await?;
        report.drafted += batch.drafted;
        report.auto_approved += batch.auto_approved;
        report.completed += batch.completed;
        report.exited += batch.exited;
        if taken < STEPS_PER_BATCH as usize {
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
    conn.execute(
        "INSERT INTO followups (id, contact_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
         SELECT lower(hex(randomblob(16))), e.contact_id, 'email', 'pending', ?2, \
           'The sequence ended without an answer: try a new angle, or let them rest', c.owner_id, ?3, ?3 \
         FROM enrollments e JOIN contacts c ON c.id = e.contact_id \
         WHERE e.id IN (SELECT value FROM json_each(?1)) AND c.status IN ('active', 'dormant')",
        libsql::params![ids, due::stored(now + chrono::Duration::days(NURTURE_DAYS)), due::stored(now)],
    )
    .await?;
    Ok(())
}

/// Takes up to [`STEPS_PER_BATCH`] due steps in one transaction: each becomes a draft (written
/// from its template and reviewed; approved at once when the sequence is on autopilot and the
/// review passes), and its enrollment moves to the next step, completes, or ends when the
/// contact may no longer be contacted.
async fn draft_due_steps(conn: &Conn, now: DateTime<Utc>) -> AppResult<(TickReport, usize)> {
    let at = due::stored(now);
    let actor = Actor::system(None);
    conn.immediate(async |conn| {
        let rows = conn
            .query_all(
                "SELECT e.id, e.contact_id, e.current_step, e.created_at, s.autopilot, \
                 t.id, t.kind, t.subject_template, t.body_template, \
                 (SELECT n.day_offset FROM sequence_steps n WHERE n.sequence_id = e.sequence_id AND n.position = e.current_step + 1), \
                 c.status, c.first_name, c.last_name, c.title, a.name, \
                 coalesce(c.timezone, a.timezone, \
                   (SELECT st.value ->> '$.timezone' FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), 'UTC'), \
                 (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
                   AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1), \
                 (SELECT u.name FROM users u WHERE u.id = coalesce(c.owner_id, e.enrolled_by)), t.day_offset \
                 FROM enrollments e JOIN sequences s ON s.id = e.sequence_id JOIN contacts c ON c.id = e.contact_id \
                 LEFT JOIN accounts a ON a.id = c.account_id \
                 LEFT JOIN sequence_steps t ON t.sequence_id = e.sequence_id AND t.position = e.current_step \
                 WHERE e.status = 'active' AND e.next_due_at <= :now AND s.status = 'active' \
                 ORDER BY e.next_due_at LIMIT :limit",
                libsql::named_params! {":now": at.as_str(), ":limit": i64::from(STEPS_PER_BATCH)},
                decode,
            )
            .await?;
        let taken = rows.len();
        let mut report = TickReport::default();
        let mut drafts = Vec::new();
        let mut moves = Vec::new();
        for due in rows {
            let status: ContactStatus = due.status.parse().unwrap_or(ContactStatus::DoNotContact);
            let exit = match status {
                ContactStatus::Bounced => Some("bounced"),
                ContactStatus::DoNotContact => Some("do_not_contact"),
                ContactStatus::Active | ContactStatus::Dormant => None,
            };
            if let Some(reason) = exit {
                moves.push(serde_json::json!([due.enrollment, due.current_step, "exited", reason, null, null]));
                report.exited += 1;
                continue;
            }
            let Some((step_id, kind, subject, template)) = &due.step else {
                moves.push(serde_json::json!([due.enrollment, due.current_step, "completed", null, null, null]));
                report.completed += 1;
                continue;
            };
            let channel = match kind {
                StepKind::Email => Channel::Email,
                StepKind::Call => Channel::Call,
                StepKind::LinkedinConnect | StepKind::LinkedinMessage => Channel::Linkedin,
            };
            let body = render(template, &due.values);
            let subject = subject.as_deref().map(|s| render(s, &due.values));
            let mut unresolved = body.unresolved.clone();
            for field in subject.iter().flat_map(|s| s.unresolved.iter()) {
                if !unresolved.contains(field) {
                    unresolved.push(field.clone());
                }
            }
            let recipient = Recipient { company: due.company.as_deref(), title: due.title.as_deref(), signal: due.signal.as_deref() };
            let quality = review(
                channel,
                *kind == StepKind::LinkedinConnect,
                subject.as_ref().map(|s| s.text.as_str()),
                &body.text,
                &unresolved,
                &recipient,
            );
            let approved = due.autopilot && quality.passed;
            report.auto_approved += usize::from(approved);
            report.drafted += 1;
            drafts.push(serde_json::json!({
                "id": new_id(), "contact_id": due.contact, "channel": channel, "step_id": step_id,
                "enrollment_id": due.enrollment, "subject": subject.map(|s| s.text), "body": body.text,
                "quality_report": serde_json::to_string(&quality).unwrap_or_else(|_| "{}".to_owned()),
                "approval_status": if approved { "approved" } else { "pending" },
            }));
            let enrolled = DateTime::parse_from_rfc3339(&due.enrolled_at).map_or(now, |t| t.with_timezone(&Utc));
            match due.next_offset {
                Some(offset) => {
                    // On schedule, and never closer to this step than the sequence's gap (a tick
                    // that ran late does not fire two steps at once).
                    let zone = due::zone(&due.timezone);
                    let gap = offset - due.offset.unwrap_or(offset);
                    let next = due::due_at(enrolled, offset, zone).max(due::due_at(now, gap, zone));
                    moves.push(serde_json::json!([due.enrollment, due.current_step, "active", null, due::stored(next), due.current_step + 1]));
                }
                None => {
                    moves.push(serde_json::json!([due.enrollment, due.current_step, "completed", null, null, null]));
                    report.completed += 1;
                }
            }
        }
        if !drafts.is_empty() {
            let ids: Vec<String> = drafts.iter().filter_map(|d| d["id"].as_str().map(str::to_owned)).collect();
            audit::record_many(conn, &actor, "draft.create", "draft", &ids).await?;
            conn.execute(
                "INSERT INTO message_drafts (id, contact_id, channel, step_id, enrollment_id, subject, body, author_kind, \
                 quality_report, approval_status, created_at, updated_at) \
                 SELECT value ->> 'id', value ->> 'contact_id', value ->> 'channel', value ->> 'step_id', \
                 value ->> 'enrollment_id', value ->> 'subject', value ->> 'body', 'agent', value ->> 'quality_report', \
                 value ->> 'approval_status', ?2, ?2 FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING",
                libsql::params![serde_json::Value::Array(drafts).to_string(), at.as_str()],
            )
            .await?;
        }
        if !moves.is_empty() {
            // [enrollment, the step it was at, new status, exit reason, next due, next step]; only
            // an enrollment still at that step moves (another tick may have taken it).
            let finished: Vec<String> = conn
                .query_all(
                    "UPDATE enrollments SET status = j.value ->> 2, exit_reason = j.value ->> 3, next_due_at = j.value ->> 4, \
                     current_step = coalesce(j.value ->> 5, current_step), \
                     ended_at = CASE WHEN j.value ->> 2 IN ('completed', 'exited') THEN ?2 END, updated_at = ?2 \
                     FROM json_each(?1) AS j WHERE enrollments.id = j.value ->> 0 AND enrollments.current_step = j.value ->> 1 \
                     AND enrollments.status = 'active' RETURNING enrollments.id, enrollments.status",
                    libsql::params![serde_json::Value::Array(moves).to_string(), at.as_str()],
                    |row| Ok((col::<String>(row, 0)?, col::<String>(row, 1)?)),
                )
                .await?
                .into_iter()
                .filter_map(|(id, status)| (status == "completed").then_some(id))
                .collect();
            if !finished.is_empty() {
                plan_followups(conn, &finished, now).await?;
            }
        }
        Ok((report, taken))
    })
    .await
}
