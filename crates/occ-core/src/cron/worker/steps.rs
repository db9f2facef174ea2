//! Due sequence steps become drafts: each step is planned on its own, so one that cannot be
//! drafted (a stored value that does not read, a bug) is logged and tried again an hour later,
//! and never holds back the others.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{STEPS_PER_BATCH, TickReport, plan_followups};
use crate::audit::{self, Actor};
use crate::domain::enums::{Channel, ContactStatus, StepKind};
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::insights::experiments::assign::{RECORD_SQL, Running, running_experiment_sql};
use crate::outreach::drafts::review::{Recipient, review};
use crate::outreach::enrollments::due;
use crate::outreach::sequences::template::{Addressee, merge_values, render};
use crate::store::{Conn, from_row};

/// How long a step that could not be drafted waits before it is tried again.
const RETRY_AFTER: chrono::Duration = chrono::Duration::hours(1);

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
    /// The channels the person can be reached on at all: an address, a profile, a number.
    reachable: Reachable,
    /// The experiment running on the step, with the contact's variant if it has one.
    experiment: Option<Running>,
}

/// Whether a person has an email address, a LinkedIn profile and a phone number.
#[derive(Debug, Clone, Copy)]
struct Reachable {
    has_email: bool,
    has_linkedin: bool,
    has_phone: bool,
}

impl Reachable {
    fn on(self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.has_email,
            Channel::Linkedin => self.has_linkedin,
            Channel::Call => self.has_phone,
        }
    }
}

/// A due step's row, by the names of the statement's columns.
#[derive(Deserialize)]
struct DueRow {
    enrollment: String,
    contact: String,
    current_step: i64,
    enrolled_at: String,
    autopilot: bool,
    step_id: Option<String>,
    kind: Option<String>,
    subject_template: Option<String>,
    body_template: Option<String>,
    next_offset: Option<i64>,
    status: String,
    first_name: Option<String>,
    last_name: Option<String>,
    title: Option<String>,
    company: Option<String>,
    timezone: String,
    signal: Option<String>,
    sender: Option<String>,
    day_offset: Option<i64>,
    has_email: bool,
    has_linkedin: bool,
    has_phone: bool,
    experiment: Option<String>,
}

/// What a due step's row must yield even when the rest of it does not read: its enrollment
/// and the step it is at, to put it off.
#[derive(Deserialize)]
struct Taken {
    enrollment: String,
    current_step: i64,
}

impl TryFrom<DueRow> for Due {
    type Error = AppError;

    fn try_from(row: DueRow) -> AppResult<Self> {
        let step = match row.step_id {
            Some(id) => {
                let kind = row.kind.as_deref().unwrap_or_default();
                let kind = kind.parse().map_err(|e| AppError::Internal(anyhow::anyhow!("stored step kind: {e}")))?;
                Some((id, kind, row.subject_template, row.body_template.unwrap_or_default()))
            }
            None => None,
        };
        let values = merge_values(Addressee {
            first_name: row.first_name.as_deref(),
            last_name: row.last_name.as_deref(),
            title: row.title.as_deref(),
            company: row.company.as_deref(),
            signal: row.signal.as_deref(),
            sender: row.sender.as_deref(),
        });
        Ok(Due {
            enrollment: row.enrollment,
            contact: row.contact,
            current_step: row.current_step,
            enrolled_at: row.enrolled_at,
            autopilot: row.autopilot,
            step,
            next_offset: row.next_offset,
            offset: row.day_offset,
            status: row.status,
            values,
            timezone: row.timezone,
            company: row.company,
            title: row.title,
            signal: row.signal,
            reachable: Reachable { has_email: row.has_email, has_linkedin: row.has_linkedin, has_phone: row.has_phone },
            experiment: Running::decode(row.experiment.as_deref())?,
        })
    }
}

/// What one due step becomes: perhaps a draft (and the contact's new assignment to a variant),
/// and always its enrollment's move
/// (`[enrollment, the step it was at, new status, exit reason, next due, next step]`).
struct Planned {
    draft: Option<Value>,
    assignment: Option<Value>,
    step_move: Value,
}

/// Plans one due step (no database work): exit, complete, or draft it and move on.
fn plan(due: &Due, now: DateTime<Utc>, report: &mut TickReport) -> Planned {
    let status: ContactStatus = due.status.parse().unwrap_or(ContactStatus::DoNotContact);
    let exit = match status {
        ContactStatus::Bounced => Some("bounced"),
        ContactStatus::DoNotContact => Some("do_not_contact"),
        ContactStatus::Active | ContactStatus::Dormant => None,
    };
    if let Some(reason) = exit {
        report.exited += 1;
        return Planned {
            draft: None,
            assignment: None,
            step_move: json!([due.enrollment, due.current_step, "exited", reason, null, null]),
        };
    }
    let completed = || json!([due.enrollment, due.current_step, "completed", null, null, null]);
    let Some((step_id, kind, subject, template)) = &due.step else {
        report.completed += 1;
        return Planned { draft: None, assignment: None, step_move: completed() };
    };
    let channel = match kind {
        StepKind::Email => Channel::Email,
        StepKind::Call => Channel::Call,
        StepKind::LinkedinConnect | StepKind::LinkedinMessage => Channel::Linkedin,
    };
    let enrolled = DateTime::parse_from_rfc3339(&due.enrolled_at).map_or(now, |t| t.with_timezone(&Utc));
    let step_move = match due.next_offset {
        Some(offset) => {
            // On schedule, and never closer to this step than the sequence's gap (a tick
            // that ran late does not fire two steps at once).
            let zone = crate::domain::zone(&due.timezone);
            let gap = offset - due.offset.unwrap_or(offset);
            let next = due::due_at(enrolled, offset, zone).max(due::due_at(now, gap, zone));
            json!([due.enrollment, due.current_step, "active", null, crate::domain::stored(next), due.current_step + 1])
        }
        None => {
            report.completed += 1;
            completed()
        }
    };
    // A call to someone without a number (an email without an address, a LinkedIn step without
    // a profile) would be a task nobody can do: the step is passed over and the sequence goes on.
    if !due.reachable.on(channel) {
        report.skipped_unreachable += 1;
        return Planned { draft: None, assignment: None, step_move };
    }
    // A running experiment gives the contact its variant's text in place of the step's.
    let picked = due.experiment.as_ref().and_then(|x| x.pick(&due.contact));
    let (subject, template) = match &picked {
        Some(p) => p.templates(subject.as_deref(), template),
        None => (subject.as_deref(), template.as_str()),
    };
    let body = render(template, &due.values);
    let subject = subject.map(|s| render(s, &due.values));
    let mut unresolved = body.unresolved.clone();
    for field in subject.iter().flat_map(|s| s.unresolved.iter()) {
        if !unresolved.contains(field) {
            unresolved.push(field.clone());
        }
    }
    let recipient =
        Recipient { company: due.company.as_deref(), title: due.title.as_deref(), signal: due.signal.as_deref() };
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
    let draft = json!({
        "id": new_id(), "contact_id": due.contact, "channel": channel, "step_id": step_id,
        "enrollment_id": due.enrollment, "subject": subject.map(|s| s.text), "body": body.text,
        "quality_report": serde_json::to_string(&quality).unwrap_or_else(|_| "{}".to_owned()),
        "approval_status": if approved { "approved" } else { "pending" },
        "experiment_id": picked.as_ref().map(|p| p.experiment_id),
    });
    let assignment = picked.as_ref().and_then(|p| p.record(&due.contact));
    Planned { draft: Some(draft), assignment, step_move }
}

/// An enrollment that moved, and its status now.
#[derive(Deserialize)]
struct Moved {
    id: String,
    status: String,
}

/// Takes up to [`STEPS_PER_BATCH`] due steps in one transaction: each becomes a draft (written
/// from its template and reviewed; approved at once when the sequence is on autopilot and the
/// review passes), and its enrollment moves to the next step, completes, or ends when the
/// contact may no longer be contacted. A step that cannot be planned waits [`RETRY_AFTER`].
pub(super) async fn draft_due_steps(conn: &Conn, now: DateTime<Utc>) -> AppResult<(TickReport, usize)> {
    let at = crate::domain::stored(now);
    let actor = Actor::system(None);
    conn.immediate(async |conn| {
        let rows = conn
            .query_all(
                concat!(
                "SELECT e.id AS enrollment, e.contact_id AS contact, e.current_step, e.created_at AS enrolled_at, \
                 s.autopilot, t.id AS step_id, t.kind, t.subject_template, t.body_template, \
                 (SELECT n.day_offset FROM sequence_steps n WHERE n.sequence_id = e.sequence_id AND n.position = e.current_step + 1) \
                   AS next_offset, \
                 c.status, c.first_name, c.last_name, c.title, a.name AS company, \
                 coalesce(c.timezone, a.timezone, \
                   (SELECT st.value ->> '$.timezone' FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), 'UTC') \
                   AS timezone, \
                 (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
                   AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1) \
                   AS signal, \
                 (SELECT u.name FROM users u WHERE u.id = coalesce(c.owner_id, e.enrolled_by)) AS sender, t.day_offset, \
                 c.email IS NOT NULL AS has_email, c.linkedin_url IS NOT NULL AS has_linkedin, \
                 nullif(trim(c.phone), '') IS NOT NULL AS has_phone, ",
                running_experiment_sql!("t.id", "c.id"),
                " AS experiment \
                 FROM enrollments e JOIN sequences s ON s.id = e.sequence_id JOIN contacts c ON c.id = e.contact_id \
                 LEFT JOIN accounts a ON a.id = c.account_id \
                 LEFT JOIN sequence_steps t ON t.sequence_id = e.sequence_id AND t.position = e.current_step \
                 WHERE e.status = 'active' AND e.next_due_at <= :now AND s.status = 'active' \
                 ORDER BY e.next_due_at LIMIT :limit"
                ),
                libsql::named_params! {":now": at.as_str(), ":limit": i64::from(STEPS_PER_BATCH)},
                // A row that does not read is planned as a failure, not the whole batch's.
                |row| Ok((from_row::<Taken>(row)?, from_row::<DueRow>(row).and_then(Due::try_from))),
            )
            .await?;
        let taken = rows.len();
        let mut report = TickReport::default();
        let mut drafts = Vec::new();
        let mut assignments = Vec::new();
        let mut moves = Vec::new();
        for (Taken { enrollment, current_step }, due) in rows {
            let planned = due.and_then(|due| {
                std::panic::catch_unwind(AssertUnwindSafe(|| plan(&due, now, &mut report)))
                    .map_err(|_| AppError::Internal(anyhow::anyhow!("planning the step panicked")))
            });
            match planned {
                Ok(Planned { draft, assignment, step_move }) => {
                    drafts.extend(draft);
                    assignments.extend(assignment);
                    moves.push(step_move);
                }
                Err(err) => {
                    tracing::error!(enrollment = %enrollment, error = format!("{err:#}"), "a due step could not be drafted");
                    report.postponed += 1;
                    let later = crate::domain::stored(now + RETRY_AFTER);
                    moves.push(json!([enrollment, current_step, "active", null, later, current_step]));
                }
            }
        }
        if !drafts.is_empty() {
            let ids: Vec<String> = drafts.iter().filter_map(|d| d["id"].as_str().map(str::to_owned)).collect();
            audit::record_many(conn, &actor, "draft.create", "draft", &ids).await?;
            if !assignments.is_empty() {
                conn.write(RECORD_SQL, libsql::params![Value::Array(assignments).to_string(), at.as_str()]).await?;
            }
            conn.write(
                "INSERT INTO message_drafts (id, contact_id, channel, step_id, enrollment_id, subject, body, author_kind, \
                 quality_report, approval_status, variant_id, created_at, updated_at) \
                 SELECT value ->> 'id', value ->> 'contact_id', value ->> 'channel', value ->> 'step_id', \
                 value ->> 'enrollment_id', value ->> 'subject', value ->> 'body', 'agent', value ->> 'quality_report', \
                 value ->> 'approval_status', \
                 (SELECT a.variant_id FROM experiment_assignments a WHERE a.experiment_id = value ->> 'experiment_id' \
                   AND a.contact_id = value ->> 'contact_id'), ?2, ?2 FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING",
                libsql::params![Value::Array(drafts).to_string(), at.as_str()],
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
                    libsql::params![Value::Array(moves).to_string(), at.as_str()],
                    from_row::<Moved>,
                )
                .await?
                .into_iter()
                .filter_map(|Moved { id, status }| (status == "completed").then_some(id))
                .collect();
            if !finished.is_empty() {
                plan_followups(conn, &finished, now).await?;
            }
        }
        Ok((report, taken))
    })
    .await
}
