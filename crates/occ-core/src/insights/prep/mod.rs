//! The prep card: everything a BDR reads before a call or a meeting, in one response and one
//! statement: the contact and its score factors, the account's facts, fresh signals first, the
//! sequence it walks, its open opportunity, the whole history (touches, replies, drafts,
//! follow-ups, stage changes), talking points (the researcher agent's when it has run, else
//! drawn from the facts), the newest briefs of the researcher and, while a meeting is on, of
//! meeting prep (read from `agent_runs` in the same statement), and the suggested next step.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::ReadData;
use crate::contacts::repo::{Contact, ContactRow, contact_columns};
use crate::domain::now;
use crate::error::{AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use crate::store::from_row;

mod rules;

pub use rules::{Company, SignalLine, next_step, points_from_facts, talking_points};

/// The prep card's route (in the insights family).
pub fn routes() -> Routes {
    Routes::new().get("/api/v1/prep/{contact_id}", Signed(ReadData), handler!(card))
}

/// The most history entries a card carries.
pub const TIMELINE_LIMIT: i64 = 100;

/// The company's facts.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct AccountFacts {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub sub_industry: Option<String>,
    pub employee_count: Option<i64>,
    pub country: Option<String>,
    pub timezone: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    #[schema(value_type = Vec<String>)]
    pub tech_stack: serde_json::Value,
}

/// A buying signal on the contact or its company.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct SignalFact {
    pub id: String,
    pub kind: String,
    pub strength: i64,
    pub title: String,
    pub source_url: Option<String>,
    pub occurred_at: String,
    pub expires_at: Option<String>,
    /// Not expired.
    pub fresh: bool,
    /// On the company rather than the person.
    pub account_level: bool,
}

/// The sequence the contact walks.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct EnrollmentFact {
    pub id: String,
    pub sequence_id: String,
    pub sequence_name: Option<String>,
    pub status: String,
    /// The position of the next step to fire (from 1).
    pub current_step: i64,
    /// The sequence's steps.
    pub steps: i64,
    pub next_due_at: Option<String>,
    pub paused_until: Option<String>,
}

/// The open opportunity.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct OpportunityFact {
    pub id: String,
    pub status: String,
    pub meeting_at: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub notes: Option<String>,
}

/// One thing that happened, newest first.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct TimelineEntry {
    pub at: String,
    /// touch, reply, draft, followup, stage, opportunity, email_event (delivered, bounce_hard,
    /// bounce_soft, complaint, unsubscribe, open, click, reply: the title) or suppression (the
    /// person's address or profile put on the suppression list; its reason is the title).
    pub kind: String,
    pub id: String,
    /// The channel; for a suppression, what was suppressed (email or linkedin).
    pub channel: Option<String>,
    /// What it was: the touch's kind, the reply's intent, the draft's status, "new → touched".
    pub title: String,
    /// The subject, an excerpt, the call's outcome; for a suppression, its source.
    pub detail: Option<String>,
    /// The touch's, draft's or follow-up's status; a reply: waiting or handled.
    pub status: Option<String>,
}

/// What to do next.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NextStep {
    /// answer_reply, prepare_meeting, review_draft, send_email, do_task, follow_up, wait,
    /// enroll, re_engage or none.
    pub action: String,
    /// Why, in words.
    pub reason: String,
    /// When, if it has a time.
    pub due_at: Option<String>,
    /// The record to act on (a reply, draft, follow-up or opportunity).
    pub target_id: Option<String>,
}

/// The prep card.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct PrepCard {
    pub contact: Contact,
    pub account: Option<AccountFacts>,
    /// Fresh first, strongest first.
    pub signals: Vec<SignalFact>,
    pub enrollment: Option<EnrollmentFact>,
    pub opportunity: Option<OpportunityFact>,
    pub timeline: Vec<TimelineEntry>,
    /// The researcher's brief when it has run; else drawn from the facts.
    pub talking_points: Vec<String>,
    /// The researcher agent's newest brief on the contact.
    pub brief: Option<ResearchBrief>,
    /// The meeting prep agent's newest brief, when the contact has a meeting.
    pub meeting_brief: Option<MeetingBrief>,
    pub next_step: NextStep,
}

/// The card's one statement (`:id`, `:now`, `:timeline`).
pub const CARD_SQL: &str = concat!(
    "SELECT ",
    contact_columns!(),
    ", (SELECT json_object('id', a.id, 'name', a.name, 'domain', a.domain, 'industry', a.industry, 'sub_industry', a.sub_industry, \
          'employee_count', a.employee_count, 'country', a.country, 'timezone', a.timezone, 'website', a.website, \
          'linkedin_url', a.linkedin_url, 'tech_stack', json(a.tech_stack)) FROM accounts a WHERE a.id = contacts.account_id) AS account, \
     (SELECT json_group_array(json(s)) FROM (SELECT json_object('id', g.id, 'kind', g.kind, 'strength', g.strength, 'title', g.title, \
          'source_url', g.source_url, 'occurred_at', g.occurred_at, 'expires_at', g.expires_at, \
          'fresh', json(CASE WHEN g.expires_at IS NULL OR g.expires_at > :now THEN 'true' ELSE 'false' END), \
          'account_level', json(CASE WHEN g.contact_id IS NULL THEN 'true' ELSE 'false' END)) AS s \
        FROM (SELECT * FROM signals WHERE contact_id = contacts.id UNION ALL \
              SELECT * FROM signals WHERE account_id = contacts.account_id AND contact_id IS NULL) g \
        ORDER BY (g.expires_at IS NULL OR g.expires_at > :now) DESC, g.strength DESC, g.occurred_at DESC LIMIT 20)) AS signals, \
     (SELECT json_object('id', e.id, 'sequence_id', e.sequence_id, 'sequence_name', q.name, 'status', e.status, \
          'current_step', e.current_step, 'steps', (SELECT count(*) FROM sequence_steps st WHERE st.sequence_id = e.sequence_id), \
          'next_due_at', e.next_due_at, 'paused_until', e.paused_until) \
        FROM enrollments e LEFT JOIN sequences q ON q.id = e.sequence_id WHERE e.contact_id = contacts.id \
        ORDER BY e.status IN ('active', 'paused') DESC, e.created_at DESC LIMIT 1) AS enrollment, \
     (SELECT json_object('id', o.id, 'status', o.status, 'meeting_at', o.meeting_at, 'amount_minor', o.amount_minor, \
          'currency', o.currency, 'notes', o.notes) FROM opportunities o WHERE o.contact_id = contacts.id \
        AND o.status IN ('meeting_booked', 'meeting_held', 'opportunity_created')) AS opportunity, \
     (SELECT json_group_array(json(t)) FROM (SELECT json_object('at', at, 'kind', kind, 'id', id, 'channel', channel, 'title', title, \
          'detail', detail, 'status', status) AS t FROM ( \
        SELECT coalesce(p.sent_at, p.created_at) AS at, 'touch' AS kind, p.id, p.channel, p.kind AS title, \
          coalesce(p.subject, p.call_outcome, substr(p.notes, 1, 200)) AS detail, p.status \
          FROM touchpoints p WHERE p.contact_id = contacts.id \
        UNION ALL SELECT r.replied_at, 'reply', r.id, r.channel, coalesce(r.intent, 'unclassified'), substr(r.body, 1, 300), \
          CASE WHEN r.handled_at IS NULL THEN 'waiting' ELSE 'handled' END FROM replies r WHERE r.contact_id = contacts.id \
        UNION ALL SELECT d.created_at, 'draft', d.id, d.channel, d.approval_status, coalesce(d.subject, substr(d.body, 1, 200)), \
          d.approval_status FROM message_drafts d WHERE d.contact_id = contacts.id \
        UNION ALL SELECT f.due_at, 'followup', f.id, f.channel, 'follow-up', f.reason, f.status \
          FROM followups f WHERE f.contact_id = contacts.id \
        UNION ALL SELECT o.created_at, 'opportunity', o.id, NULL, o.status, o.notes, o.status \
          FROM opportunities o WHERE o.contact_id = contacts.id \
        UNION ALL SELECT e.occurred_at, 'email_event', e.id, 'email', e.kind, NULL, NULL \
          FROM email_events e WHERE e.contact_id = contacts.id \
        UNION ALL SELECT s.created_at, 'suppression', s.id, s.kind, s.reason, s.source, NULL \
          FROM email_suppression s WHERE (s.kind = 'email' AND s.value = contacts.email) \
            OR (s.kind = 'linkedin' AND s.value = contacts.linkedin_url) \
        UNION ALL SELECT l.at, 'stage', l.id, NULL, (l.before ->> '$.stage') || ' → ' || (l.after ->> '$.stage'), l.reason, NULL \
          FROM audit_log l WHERE l.entity = 'contact' AND l.entity_id = contacts.id \
          AND (l.before ->> '$.stage') IS NOT (l.after ->> '$.stage') AND l.before IS NOT NULL \
        ) ORDER BY at DESC LIMIT :timeline)) AS timeline, \
     (SELECT json_object('run_id', ar.id, 'summary', ar.output ->> '$.summary', 'talking_points', json(ar.output -> '$.talking_points'), \
          'open_questions', json(ar.output -> '$.open_questions'), \
          'used_fallback', json(CASE WHEN ar.used_fallback THEN 'true' ELSE 'false' END), 'created_at', ar.created_at) \
        FROM agent_runs ar WHERE ar.contact_id = contacts.id AND ar.agent = 'researcher' \
        AND ar.status = 'succeeded' ORDER BY ar.created_at DESC LIMIT 1) AS brief, \
     (SELECT json_object('run_id', ar.id, 'brief', ar.output ->> '$.brief', 'agenda', json(ar.output -> '$.agenda'), \
          'questions', json(ar.output -> '$.questions'), 'risks', json(ar.output -> '$.risks'), \
          'used_fallback', json(CASE WHEN ar.used_fallback THEN 'true' ELSE 'false' END), 'created_at', ar.created_at) \
        FROM agent_runs ar WHERE ar.contact_id = contacts.id AND ar.agent = 'meeting_prep' \
        AND ar.status = 'succeeded' ORDER BY ar.created_at DESC LIMIT 1) AS meeting_brief \
     FROM contacts WHERE contacts.id = :id"
);

/// The researcher agent's newest brief on the contact.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResearchBrief {
    /// The run that wrote it.
    pub run_id: String,
    /// The brief in a paragraph.
    pub summary: String,
    /// What to bring up.
    pub talking_points: Vec<String>,
    /// What the facts do not say yet.
    #[serde(default)]
    pub open_questions: Vec<String>,
    /// Whether the rules wrote it rather than the model.
    pub used_fallback: bool,
    /// When it was written.
    pub created_at: String,
}

/// The meeting prep agent's newest brief before the contact's meeting.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeetingBrief {
    /// The run that wrote it.
    pub run_id: String,
    /// The brief in a paragraph.
    pub brief: String,
    /// The meeting's agenda.
    pub agenda: Vec<String>,
    /// What to ask.
    pub questions: Vec<String>,
    /// What could go wrong.
    #[serde(default)]
    pub risks: Vec<String>,
    /// Whether the rules wrote it rather than the model.
    pub used_fallback: bool,
    /// When it was written.
    pub created_at: String,
}

/// The card's own columns, after [`contact_columns!`]'s: each part as JSON (NULL: none), and
/// the newest briefs of the researcher and meeting prep agents (JSON, read leniently: a run
/// whose answer has another shape is no brief).
#[derive(Deserialize)]
struct CardColumns {
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    account: Option<AccountFacts>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    signals: Option<Vec<SignalFact>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    enrollment: Option<EnrollmentFact>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    opportunity: Option<OpportunityFact>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    timeline: Option<Vec<TimelineEntry>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    brief: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    meeting_brief: Option<serde_json::Value>,
}

/// A contact's prep card (one call).
#[utoipa::path(get, path = "/api/v1/prep/{contact_id}", tag = "queue", params(("contact_id" = String, Path)),
    responses((status = 200, body = PrepCard), (status = 404, body = ErrorResponse)))]
pub(crate) async fn card(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = http::path_uuid(&req, "contact_id", "contact")?;
    let at = now();
    let card = ctx
        .conn()
        .await?
        .query_one(
            "contact",
            CARD_SQL,
            libsql::named_params! { ":id": id.as_str(), ":now": at.as_str(), ":timeline": TIMELINE_LIMIT },
            |row| {
                let (contact, card) = (from_row::<ContactRow>(row)?.into_contact(), from_row::<CardColumns>(row)?);
                let CardColumns { account, signals, enrollment, opportunity, timeline, brief, meeting_brief } = card;
                let signals = signals.unwrap_or_default();
                let timeline = timeline.unwrap_or_default();
                let brief: Option<ResearchBrief> = brief.and_then(|v| serde_json::from_value(v).ok());
                let has_meeting = opportunity.as_ref().is_some_and(|o| o.meeting_at.is_some());
                let meeting_brief: Option<MeetingBrief> =
                    meeting_brief.filter(|_| has_meeting).and_then(|v| serde_json::from_value(v).ok());
                let talking_points = brief
                    .as_ref()
                    .map(|b| b.talking_points.clone())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| talking_points(&contact, account.as_ref(), &signals));
                let next_step = next_step(&contact, enrollment.as_ref(), opportunity.as_ref(), &timeline);
                Ok(PrepCard {
                    contact,
                    account,
                    signals,
                    enrollment,
                    opportunity,
                    timeline,
                    talking_points,
                    brief,
                    meeting_brief,
                    next_step,
                })
            },
        )
        .await?;
    http::ok(&card)
}
