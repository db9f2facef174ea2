//! The follow-up planner: the next step with a contact and when to take it. Its fallback is a
//! few rules on where the conversation stands (a reply waiting, the last touch and its age, a
//! sequence or a follow-up already planned). An answer to reach out becomes one pending
//! follow-up, unless the contact already has one or may not be contacted; waiting and closing
//! change nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::run::audited;
use super::text::{check_line, clip};
use super::{Agent, Applying, Gathered, Options, Target, TargetKind};
use crate::domain::enums::{AgentKind, Channel};
use crate::domain::{new_id, stored};
use crate::error::{AppError, AppResult};
use crate::store::{Batch, Row, from_row};

/// The furthest step ahead, in days.
pub const DAYS_MAX: i64 = 90;
/// The longest reason.
pub const REASON_MAX: usize = 300;
/// Days an unanswered touch is given before the next.
const PATIENCE_DAYS: i64 = 3;

/// The next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PlannedAction)]
pub enum Action {
    /// Write an email.
    Email,
    /// Reach out on LinkedIn.
    Linkedin,
    /// Call.
    Call,
    /// Nothing to do yet.
    Wait,
    /// Stop reaching out.
    Close,
}

impl Action {
    /// The spelling in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Email => "email",
            Action::Linkedin => "linkedin",
            Action::Call => "call",
            Action::Wait => "wait",
            Action::Close => "close",
        }
    }

    /// The channel of an action that reaches out.
    pub fn channel(self) -> Option<Channel> {
        match self {
            Action::Email => Some(Channel::Email),
            Action::Linkedin => Some(Channel::Linkedin),
            Action::Call => Some(Channel::Call),
            Action::Wait | Action::Close => None,
        }
    }
}

/// A touch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Touch {
    /// linkedin, email or call.
    pub channel: String,
    /// email, linkedin_connect, linkedin_message, linkedin_inmail or call.
    pub kind: String,
    /// sent, scheduled, failed ...
    pub status: String,
    /// The day (YYYY-MM-DD).
    pub date: String,
}

/// The last reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastReply {
    /// Its intent (`unclassified` before the classifier).
    pub intent: String,
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Whether a person handled it or a touch was sent after it.
    pub answered: bool,
}

/// A follow-up already planned.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Planned {
    /// Its channel.
    pub channel: String,
    /// The day it is due (YYYY-MM-DD).
    pub due: String,
}

/// The sequence the contact walks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Walking {
    /// The sequence's name.
    pub sequence: Option<String>,
    /// active or paused.
    pub status: String,
    /// The step that fires next.
    pub current_step: i64,
    /// When it fires (YYYY-MM-DD).
    pub next_due: Option<String>,
}

/// What the planner reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// Today (YYYY-MM-DD).
    pub today: String,
    /// The contact's stage.
    pub stage: String,
    /// active, dormant, bounced or do_not_contact.
    pub status: String,
    /// Whether the contact's address or profile is on the suppression list.
    pub suppressed: bool,
    /// The last touches, newest first.
    pub touches: Vec<Touch>,
    /// The last reply.
    pub last_reply: Option<LastReply>,
    /// Follow-ups planned and not done.
    pub open_followups: Vec<Planned>,
    /// The active or paused enrollment.
    pub enrollment: Option<Walking>,
}

impl Input {
    /// Whether the contact may not be contacted at all.
    fn unreachable(&self) -> bool {
        self.suppressed || matches!(self.status.as_str(), "do_not_contact" | "bounced")
    }
}

/// The next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FollowupPlannerOutput)]
pub struct Output {
    /// email, linkedin, call, wait or close.
    #[schema(inline)]
    pub action: Action,
    /// 0 (today) to 90.
    pub due_in_days: i64,
    /// The action's channel; null for wait and close.
    #[schema(inline)]
    pub channel: Option<Channel>,
    /// One sentence, at most 300 characters.
    pub reason: String,
}

#[derive(Deserialize)]
struct Facts {
    today: String,
    owner_id: Option<String>,
    account_id: Option<String>,
    stage: String,
    status: String,
    suppressed: bool,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    touches: Option<Vec<Touch>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    last_reply: Option<LastReply>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    open_followups: Option<Vec<Planned>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    enrollment: Option<Walking>,
}

/// The follow-up planner.
#[derive(Debug)]
pub struct FollowupPlanner;

impl Agent for FollowupPlanner {
    const KIND: AgentKind = AgentKind::FollowupPlanner;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 250;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Contact).then_some(
            "SELECT substr(:now, 1, 10) AS today, c.owner_id, c.account_id, c.stage, c.status, \
             EXISTS (SELECT 1 FROM email_suppression s WHERE (s.kind = 'email' AND s.value = c.email) \
               OR (s.kind = 'linkedin' AND s.value = c.linkedin_url)) AS suppressed, \
             (SELECT json_group_array(json(t)) FROM (SELECT json_object('channel', p.channel, 'kind', p.kind, \
                'status', p.status, 'date', substr(coalesce(p.sent_at, p.scheduled_at, p.created_at), 1, 10)) AS t \
              FROM touchpoints p WHERE p.contact_id = c.id \
              ORDER BY coalesce(p.sent_at, p.scheduled_at, p.created_at) DESC LIMIT 5)) AS touches, \
             (SELECT json_object('intent', coalesce(r.intent, 'unclassified'), 'date', substr(r.replied_at, 1, 10), \
                'answered', json(CASE WHEN r.handled_at IS NOT NULL OR EXISTS (SELECT 1 FROM touchpoints p \
                  WHERE p.contact_id = c.id AND +p.status = 'sent' AND p.sent_at > r.replied_at) THEN 'true' ELSE 'false' END)) \
              FROM replies r WHERE r.contact_id = c.id ORDER BY r.replied_at DESC LIMIT 1) AS last_reply, \
             (SELECT json_group_array(json(f)) FROM (SELECT json_object('channel', f.channel, 'due', substr(f.due_at, 1, 10)) AS f \
              FROM followups f WHERE f.contact_id = c.id AND f.status = 'pending' ORDER BY f.due_at LIMIT 5)) AS open_followups, \
             (SELECT json_object('sequence', q.name, 'status', e.status, 'current_step', e.current_step, \
                'next_due', substr(coalesce(e.paused_until, e.next_due_at), 1, 10)) \
              FROM enrollments e LEFT JOIN sequences q ON q.id = e.sequence_id \
              WHERE e.contact_id = c.id AND e.status IN ('active', 'paused') LIMIT 1) AS enrollment \
             FROM contacts c WHERE c.id = :id",
        )
    }

    fn gather(row: &Row, target: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        Ok(Gathered {
            input: Input {
                today: f.today,
                stage: f.stage,
                status: f.status,
                suppressed: f.suppressed,
                touches: f.touches.unwrap_or_default(),
                last_reply: f.last_reply,
                open_followups: f.open_followups.unwrap_or_default(),
                enrollment: f.enrollment,
            },
            owner_id: f.owner_id,
            contact_id: Some(target.id.clone()),
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        plan(input)
    }

    fn check(_: &Input, output: &Output) -> Result<(), String> {
        if !(0..=DAYS_MAX).contains(&output.due_in_days) {
            return Err(format!("due_in_days must be from 0 to {DAYS_MAX}, not {}", output.due_in_days));
        }
        if let (Some(wanted), Some(said)) = (output.action.channel(), output.channel)
            && wanted != said
        {
            return Err(format!("channel {said} does not match the action {}", output.action.as_str()));
        }
        check_line("reason", &output.reason, REASON_MAX)
    }

    fn apply(batch: &mut Batch, run: &Applying<'_>, input: &Input, output: &Output) -> AppResult<()> {
        let (Some(channel), Some(contact)) = (output.action.channel(), run.contact_id) else { return Ok(()) };
        if input.unreachable() || !input.open_followups.is_empty() {
            return Ok(());
        }
        let at = DateTime::parse_from_rfc3339(run.at)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("the run's time: {e}")))?
            .with_timezone(&Utc);
        let due = stored(at + Duration::days(output.due_in_days.clamp(0, DAYS_MAX)));
        let reason = clip(&format!("Planned: {}", output.reason.trim()), 2_000);
        let id = new_id();
        let view = serde_json::json!({"contact_id": contact, "due_at": due, "channel": channel});
        audited(batch, run, "followup.create", "followup", &id, &view)?;
        // The statement holds the rules too: a contact who became unreachable, or was given a
        // follow-up, since the read gets none.
        batch.push(
            "INSERT INTO followups (id, contact_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
             SELECT :id, c.id, :channel, 'pending', :due, :reason, c.owner_id, :at, :at FROM contacts c \
             WHERE c.id = :contact AND c.status NOT IN ('do_not_contact', 'bounced') \
             AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.contact_id = c.id AND f.status = 'pending')",
            libsql::named_params! {
                ":id": id.as_str(), ":contact": contact, ":channel": channel.as_str(), ":due": due.as_str(),
                ":reason": reason.as_str(), ":at": run.at,
            },
        )?;
        Ok(())
    }
}

/// Days from `from` to `to` (YYYY-MM-DD); `None` when either is not a date.
fn days_between(from: &str, to: &str) -> Option<i64> {
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    Some((parse(to)? - parse(from)?).num_days())
}

/// The rules, first match wins.
fn plan(input: &Input) -> Output {
    let step = |action: Action, days: i64, reason: String| Output {
        action,
        due_in_days: days.clamp(0, DAYS_MAX),
        channel: action.channel(),
        reason: clip(&reason, REASON_MAX),
    };
    let reply = input.last_reply.as_ref();
    let replied = |intent: &str| reply.is_some_and(|r| r.intent == intent);
    if input.status == "do_not_contact" || replied("unsubscribe") {
        return step(Action::Close, 0, "They asked not to be contacted: do not reach out".to_owned());
    }
    if input.status == "bounced" {
        return step(Action::Close, 0, "Their address bounced: there is no way to reach them".to_owned());
    }
    if input.suppressed {
        return step(Action::Close, 0, "Their address or profile is suppressed: do not reach out".to_owned());
    }
    if input.stage == "not_interested" || replied("negative") {
        return step(Action::Close, 0, "They said they are not interested".to_owned());
    }
    if let Some(r) = reply.filter(|r| !r.answered) {
        match r.intent.as_str() {
            "positive" => {
                return step(
                    Action::Email,
                    0,
                    format!("They replied positively on {}: answer and book the meeting", r.date),
                );
            }
            "question" => return step(Action::Email, 0, format!("They asked a question on {}: answer it", r.date)),
            "neutral" | "referral" => {
                return step(Action::Email, 0, format!("Their {} reply of {} is not answered yet", r.intent, r.date));
            }
            _ => {}
        }
    }
    if let Some(r) = reply.filter(|r| r.intent == "not_now") {
        let waited = days_between(&r.date, &input.today).unwrap_or(0);
        return step(Action::Wait, DAYS_MAX - waited, format!("They said not now on {}: wait 90 days", r.date));
    }
    if matches!(input.stage.as_str(), "meeting_booked" | "meeting_held" | "opportunity") {
        return step(Action::Wait, 7, "A meeting is on: the account executive leads from here".to_owned());
    }
    if let Some(f) = input.open_followups.first() {
        let days = days_between(&input.today, &f.due).unwrap_or(0);
        return step(Action::Wait, days, format!("A follow-up by {} is already planned for {}", f.channel, f.due));
    }
    if let Some(e) = &input.enrollment {
        let days = e.next_due.as_deref().and_then(|d| days_between(&input.today, d)).unwrap_or(0);
        let name = e.sequence.as_deref().unwrap_or("their sequence");
        let reason = if e.status == "paused" {
            format!("{name} is paused; it resumes on its own")
        } else {
            format!("{name} takes the next step (step {})", e.current_step)
        };
        return step(Action::Wait, days, reason);
    }
    let sent: Vec<&Touch> = input.touches.iter().filter(|t| t.status == "sent").collect();
    let Some(last) = sent.first() else {
        return step(Action::Email, 0, "No touch yet: start with an email".to_owned());
    };
    let age = days_between(&last.date, &input.today).unwrap_or(PATIENCE_DAYS);
    if age < PATIENCE_DAYS {
        let left = PATIENCE_DAYS - age;
        return step(
            Action::Wait,
            left,
            format!("The last {} went out on {}: give it {left} more days", last.channel, last.date),
        );
    }
    if last.channel == "email" {
        let used_linkedin = sent.iter().any(|t| t.channel == "linkedin");
        let (action, way) =
            if used_linkedin { (Action::Call, "call them") } else { (Action::Linkedin, "try LinkedIn") };
        return step(action, 0, format!("The email of {} had no reply: {way}", last.date));
    }
    step(Action::Email, 0, format!("The {} touch of {} had no reply: follow up by email", last.channel, last.date))
}

#[cfg(test)]
mod tests;
