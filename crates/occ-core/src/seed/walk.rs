//! One contact's walk through a demo sequence, as the real paths would have left it: the
//! enrollment, each sent step as a sent draft and its touchpoint (LinkedIn ones with their
//! events), the next step's draft, the reply with its consequences, the opportunity and the
//! follow-up, and the contact's stage, last touch and next action.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::copy::{CALLS, REPLIES, SEQUENCES, StepCopy};
use super::rows::Outreach;
use crate::domain::enums::{Channel, ReplyIntent};
use crate::domain::new_id;
use crate::domain::{stored, zone};
use crate::outreach::drafts::review::{Recipient, review};
use crate::outreach::enrollments::due::due_at;
use crate::outreach::replies::{NOT_NOW_DAYS, classify::classify};
use crate::outreach::sequences::template::render;

/// How a walk through a sequence stands today.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fate {
    /// Walking on; the next step falls due on schedule (some already are: the tick drafts them).
    Active,
    /// Paused: by an out-of-office reply (its index in `REPLIES`), or by a person.
    Paused(Option<usize>),
    /// Left the sequence after a reply (index in `REPLIES`) `hours` ago, maybe dealt with.
    Replied { reply: usize, hours: i64, handled: bool },
    /// Every step fired, the break-up last.
    Completed,
    /// Said yes `days` ago and met (`meeting` days from now): an opportunity at `status`.
    Meeting { status: &'static str, days: i64, meeting: i64 },
}

/// One contact's walk: sequence, days since enrollment, steps sent, the approval status of the
/// next step's draft (if drafted; `interrupted` is an approved email whose send broke off), how it
/// stands, and a follow-up (channel, hours from now, why).
pub(super) type Walk = (usize, i64, usize, Option<&'static str>, Fate, Option<(&'static str, i64, &'static str)>);

#[rustfmt::skip]
/// The positive reply that led to each meeting.
pub(super) const YES: usize = 5;

/// The stage a walk leaves its contact in.
pub(super) fn stage_of(fate: Fate) -> &'static str {
    match fate {
        Fate::Active | Fate::Paused(_) => "sequencing",
        Fate::Completed => "break_up_sent",
        Fate::Replied { reply, .. } => match REPLIES[reply].0 {
            "positive" => "replied_positive",
            "negative" => "replied_negative",
            "not_now" => "dormant",
            _ => "replied",
        },
        Fate::Meeting { status: "meeting_booked", .. } => "meeting_booked",
        Fate::Meeting { status: "meeting_held", .. } => "meeting_held",
        Fate::Meeting { .. } => "opportunity",
    }
}

/// What every row of one walk needs to know.
struct Walker<'a> {
    contact: Value,
    email: Value,
    /// The contact's owner, as their touches and replies carry it ("" for nobody).
    owner_key: String,
    values: BTreeMap<&'static str, String>,
    steps: &'static [StepCopy],
    step_ids: &'a [String],
    enrollment: String,
    enrolled: DateTime<Utc>,
    tz: Tz,
    now: DateTime<Utc>,
}

/// A step's message as drafted: (draft id, channel, step kind, subject, body).
type Drafted = (String, Channel, &'static str, Option<String>, String);

impl Walker<'_> {
    /// When step `position` fell (or falls) due.
    fn due(&self, position: usize) -> DateTime<Utc> {
        due_at(self.enrolled, self.steps[position - 1].0, self.tz)
    }

    /// The latest time anything in the past may carry.
    fn latest(&self) -> DateTime<Utc> {
        self.now - Duration::minutes(10)
    }

    /// Step `position`'s draft at `status`, written at `at` from the step's template and
    /// reviewed as the tick reviews it.
    fn draft(&self, out: &mut Outreach, position: usize, status: &str, at: DateTime<Utc>) -> Drafted {
        let (_, kind, subject, body, _) = self.steps[position - 1];
        let channel = match kind {
            "email" => Channel::Email,
            "call" => Channel::Call,
            _ => Channel::Linkedin,
        };
        let body = render(body, &self.values);
        let subject = subject.map(|s| render(s, &self.values).text);
        let recipient = Recipient {
            company: self.values.get("company").map(String::as_str),
            title: self.values.get("title").map(String::as_str),
            signal: self.values.get("signal").map(String::as_str),
        };
        let report =
            review(channel, kind == "linkedin_connect", subject.as_deref(), &body.text, &body.unresolved, &recipient);
        let id = new_id();
        let reviewed = (status != "pending").then(|| stored((at + Duration::minutes(15)).min(self.latest())));
        out.audited(
            "message_drafts",
            "draft",
            json!({"id": id, "contact_id": self.contact, "channel": channel,
            "step_id": self.step_ids[position - 1], "enrollment_id": self.enrollment, "subject": subject,
            "body": body.text, "author_kind": "agent", "quality_report": serde_json::to_string(&report).ok(),
            "approval_status": status, "reviewed_at": reviewed, "created_at": stored(at), "updated_at": stored(at)}),
        );
        (id, channel, kind, subject, body.text)
    }

    /// Sends step `position`: its draft, the touchpoint (an email threads on `thread`), and the
    /// LinkedIn events of a connection request (`accepted` a day later, or not). Answers the
    /// touchpoint's id, the email's subject and when it went.
    fn send(
        &self,
        out: &mut Outreach,
        position: usize,
        thread: &mut Vec<String>,
        accepted: bool,
    ) -> (String, Option<String>, DateTime<Utc>) {
        let at = (self.due(position) + Duration::minutes(25)).min(self.latest());
        let (draft, channel, kind, subject, body) = self.draft(out, position, "sent", at - Duration::minutes(20));
        let n = out.next_send();
        let touch = new_id();
        let email = channel == Channel::Email;
        let message = email.then(|| format!("<demo-{n}@occ.local>"));
        let call = (channel == Channel::Call).then(|| CALLS[out.rng.usize(..CALLS.len())]);
        out.push(
            "touchpoints",
            json!({"id": touch, "contact_id": self.contact, "channel": channel, "kind": kind,
            "status": "sent", "draft_id": draft, "enrollment_id": self.enrollment,
            "to_address": if email { self.email.clone() } else { Value::Null }, "subject": subject, "body": body,
            "message_id": message, "in_reply_to": if email { thread.first().cloned() } else { None },
            "thread_references": if email { json!(thread).to_string() } else { "[]".to_owned() },
            "idempotency_key": format!("demo:{n}"), "scheduled_at": stored(at), "sent_at": stored(at),
            "attempts": 1, "call_outcome": call.map(|c| c.0), "duration_seconds": call.map(|c| c.1),
            "notes": call.map(|c| c.2), "error": null, "created_at": stored(at), "updated_at": stored(at),
            "owner_key": self.owner_key}),
        );
        // The request's own event is written by the database with the touch; the acceptance is not.
        if kind == "linkedin_connect" && accepted {
            let at = stored((at + Duration::hours(20)).min(self.latest()));
            out.push(
                "linkedin_events",
                json!({"id": new_id(), "kind": "connection_accepted", "contact_id": self.contact,
                "touchpoint_id": touch, "note": null, "occurred_at": at, "created_at": at}),
            );
        }
        thread.extend(message);
        (touch, subject.filter(|_| email), at)
    }

    /// Step `position`'s email, approved, whose send broke off after the reservation: its
    /// touchpoint is `unknown` until a person checks the mailbox.
    fn interrupted(&self, out: &mut Outreach, position: usize, at: DateTime<Utc>) {
        let (draft, _, kind, subject, body) = self.draft(out, position, "approved", at);
        let n = out.next_send();
        let at = stored(at + Duration::minutes(30));
        out.push(
            "touchpoints",
            json!({"id": new_id(), "contact_id": self.contact, "channel": "email", "kind": kind,
            "status": "unknown", "draft_id": draft, "enrollment_id": self.enrollment, "to_address": self.email,
            "subject": subject, "body": body, "message_id": format!("<demo-{n}@occ.local>"), "thread_references": "[]",
            "idempotency_key": format!("demo:{n}"), "scheduled_at": at, "attempts": 1,
            "error": "the send was interrupted: check the mailbox's Sent folder, then mark it sent or not sent",
            "created_at": at, "updated_at": at, "owner_key": self.owner_key}),
        );
    }

    /// The reply `n` of `REPLIES` at `at` to the email `answered` (touchpoint, subject),
    /// classified as the classifier does; a "not now" gets its follow-up in 90 days. Answers
    /// the out-of-office's end of pause, the follow-up's due time and the reply's id.
    fn reply(
        &self,
        out: &mut Outreach,
        (n, at, handled): (usize, DateTime<Utc>, bool),
        answered: Option<(String, Option<String>)>,
    ) -> (Option<String>, Option<String>, String) {
        let (_, subject, body) = REPLIES[n];
        let body = body.replace("{back}", &(self.now + Duration::days(5)).date_naive().to_string());
        let (touch, sent_subject) = answered.unzip();
        let subject = subject
            .map(str::to_owned)
            .or_else(|| sent_subject.flatten().map(|s| if s.starts_with("Re:") { s } else { format!("Re: {s}") }));
        let found = classify(subject.as_deref(), &body, at.date_naive());
        let id = new_id();
        let handled = handled.then(|| stored((at + Duration::hours(1)).min(self.latest())));
        out.audited(
            "replies",
            "reply",
            json!({"id": id, "contact_id": self.contact, "touchpoint_id": touch,
            "channel": "email", "intent": found.intent.as_str(), "confidence": found.confidence, "subject": subject,
            "body": body, "message_id": format!("<demo-reply-{id}@example.com>"),
            "return_date": found.return_date.map(|d| d.to_string()), "replied_at": stored(at),
            "classified_at": stored(at + Duration::minutes(1)), "handled_at": handled,
            "created_at": stored(at), "updated_at": stored(at), "owner_key": self.owner_key}),
        );
        let mut followup = None;
        if found.intent == ReplyIntent::NotNow {
            let due = stored(at + Duration::days(NOT_NOW_DAYS));
            out.audited("followups", "followup", json!({"id": new_id(), "contact_id": self.contact, "reply_id": id,
                "channel": "email", "status": "pending", "due_at": due,
                "reason": "They said not now: follow up in 90 days", "created_at": stored(at), "updated_at": stored(at)}));
            followup = Some(due);
        }
        (found.return_date.map(|d| format!("{d}T09:00:00.000Z")), followup, id)
    }

    /// A meeting at 10:00 local `meeting` days from now, booked `days` ago, at `status`.
    /// The reply it was booked from is `reply`.
    fn opportunity(
        &self,
        out: &mut Outreach,
        account: &Value,
        reply: Option<&str>,
        (status, days, meeting): (&str, i64, i64),
    ) -> String {
        let day = (self.now + Duration::days(meeting)).with_timezone(&self.tz).date_naive();
        let ten = day.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default());
        let meeting_at = self.tz.from_local_datetime(&ten).earliest().map_or(self.now, |t| t.with_timezone(&Utc));
        let created = stored(self.now - Duration::days(days) + Duration::hours(2));
        let amount = (status == "opportunity_created").then_some(4_800_000);
        out.audited(
            "opportunities",
            "opportunity",
            json!({"id": new_id(), "contact_id": self.contact,
            "account_id": account["id"], "status": status, "meeting_at": stored(meeting_at), "amount_minor": amount,
            "currency": amount.map(|_| "USD"), "notes": "Booked from their reply to the sequence.", "reply_id": reply,
            "created_at": created, "updated_at": created}),
        );
        stored(meeting_at)
    }
}

/// Writes one walk for `contact` at `account` (whose freshest signal is `signal`) through
/// `sequence` (its id and step ids), and moves the contact to where the walk leaves it.
pub(super) fn walk(
    out: &mut Outreach,
    &(seq, days_ago, sent, draft, fate, followup): &Walk,
    (sequence, step_ids): &(String, Vec<String>),
    contact: &mut Value,
    account: &Value,
    signal: &str,
    now: DateTime<Utc>,
) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let values = [
        ("first_name", text(&contact["first_name"])),
        ("last_name", text(&contact["last_name"])),
        ("title", text(&contact["title"])),
        ("company", text(&account["name"])),
        ("signal", signal.to_owned()),
    ];
    let walker = Walker {
        contact: contact["id"].clone(),
        email: contact["email"].clone(),
        owner_key: text(&contact["owner_id"]),
        values: values.into_iter().collect(),
        steps: SEQUENCES[seq].2,
        step_ids,
        enrollment: new_id(),
        enrolled: now - Duration::days(days_ago) - Duration::hours(2),
        tz: zone(account["timezone"].as_str().unwrap_or("UTC")),
        now,
    };
    let (mut thread, mut answered, mut last_touch) = (Vec::new(), None, None);
    for position in 1..=sent {
        let accepted = matches!(fate, Fate::Replied { reply: 0, .. });
        let (touch, subject, at) = walker.send(out, position, &mut thread, accepted);
        if subject.is_some() {
            answered = Some((touch, subject));
        }
        last_touch = Some(stored(at));
    }
    if let Some(status) = draft {
        let at = walker.due(sent + 1).min(walker.latest());
        if status == "interrupted" {
            walker.interrupted(out, sent + 1, at);
        } else {
            walker.draft(out, sent + 1, status, at);
        }
    }
    let reply = match fate {
        Fate::Replied { reply, hours, handled } => Some((reply, now - Duration::hours(hours), handled)),
        Fate::Paused(Some(reply)) => Some((reply, now - Duration::hours(6), false)),
        Fate::Meeting { days, .. } => Some((YES, now - Duration::days(days), true)),
        _ => None,
    };
    let (paused_until, mut next_action, reply_id) = match reply {
        Some(reply) => {
            let (paused_until, next_action, id) = walker.reply(out, reply, answered);
            (paused_until, next_action, Some(id))
        }
        None => (None, None, None),
    };
    let replied_at = reply.map(|r| stored(r.1));
    let (status, exit, current, next, ended) = match fate {
        Fate::Active => {
            let current = sent + 1 + usize::from(draft.is_some());
            next_action = Some(stored(walker.due(current)));
            ("active", None, current, next_action.clone(), None)
        }
        Fate::Paused(_) => {
            let current = sent + 1 + usize::from(draft.is_some());
            ("paused", None, current, Some(stored(walker.due(current))), None)
        }
        Fate::Completed => ("completed", None, walker.steps.len(), None, last_touch.clone()),
        Fate::Replied { .. } | Fate::Meeting { .. } => ("exited", Some("replied"), sent + 1, None, replied_at),
    };
    let created = stored(walker.enrolled);
    let updated = ended.clone().unwrap_or_else(|| created.clone());
    out.audited(
        "enrollments",
        "enrollment",
        json!({"id": walker.enrollment, "contact_id": walker.contact,
        "sequence_id": sequence, "current_step": current, "next_due_at": next, "status": status,
        "exit_reason": exit, "paused_until": paused_until, "ended_at": ended,
        "created_at": created, "updated_at": updated}),
    );
    if let Fate::Meeting { status, days, meeting } = fate {
        let meeting_at = walker.opportunity(out, account, reply_id.as_deref(), (status, days, meeting));
        if status == "meeting_booked" {
            next_action = Some(meeting_at);
        }
    }
    if let Some((channel, hours, reason)) = followup {
        let (due, created) = (stored(now + Duration::hours(hours)), stored(now - Duration::days(2)));
        out.audited(
            "followups",
            "followup",
            json!({"id": new_id(), "contact_id": walker.contact, "reply_id": null,
            "channel": channel, "status": "pending", "due_at": due, "reason": reason,
            "created_at": created, "updated_at": created}),
        );
        next_action = Some(due);
    }
    contact["stage"] = json!(stage_of(fate));
    contact["last_touch_at"] = json!(last_touch);
    contact["next_action_at"] = json!(next_action);
}
