//! The prep card's rules: talking points drawn from the facts (also the researcher agent's
//! fallback) and the suggested next step from what is open.

use super::{AccountFacts, EnrollmentFact, NextStep, OpportunityFact, SignalFact, TimelineEntry};
use crate::contacts::repo::Contact;

/// Talking points drawn from the facts, for when the researcher agent has not run.
pub fn talking_points(contact: &Contact, account: Option<&AccountFacts>, signals: &[SignalFact]) -> Vec<String> {
    let company = account.map(|a| Company {
        name: &a.name,
        industry: a.industry.as_deref(),
        employee_count: a.employee_count,
        tech_stack: a.tech_stack.as_array().map(|s| s.iter().filter_map(|t| t.as_str()).collect()).unwrap_or_default(),
    });
    let signals: Vec<SignalLine<'_>> = signals
        .iter()
        .filter(|s| s.fresh)
        .map(|s| SignalLine {
            kind: &s.kind,
            title: &s.title,
            occurred_at: &s.occurred_at,
            account_level: s.account_level,
        })
        .collect();
    points_from_facts(Some(contact.first_name.as_str()), contact.title.as_deref(), company.as_ref(), &signals)
}

/// A company as the talking points read it.
#[derive(Debug)]
pub struct Company<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its industry.
    pub industry: Option<&'a str>,
    /// About how many people work there.
    pub employee_count: Option<i64>,
    /// The tools it uses.
    pub tech_stack: Vec<&'a str>,
}

/// A fresh signal as the talking points read it.
#[derive(Debug)]
pub struct SignalLine<'a> {
    /// Its kind (`funding`).
    pub kind: &'a str,
    /// What happened.
    pub title: &'a str,
    /// When (stored spelling).
    pub occurred_at: &'a str,
    /// On the company rather than the person.
    pub account_level: bool,
}

/// The talking-point rules, from the facts alone: the first three fresh signals, what the
/// company is and uses, and the person's role. Nothing is said that the facts do not say.
pub fn points_from_facts(
    first_name: Option<&str>,
    title: Option<&str>,
    company: Option<&Company<'_>>,
    fresh_signals: &[SignalLine<'_>],
) -> Vec<String> {
    let mut points: Vec<String> = fresh_signals
        .iter()
        .take(3)
        .map(|s| {
            let whose = if s.account_level { company.map_or("their company", |a| a.name) } else { "they" };
            let day: String = s.occurred_at.chars().take(10).collect();
            format!("{} ({whose}, {day}): {}", s.kind.replace('_', " "), s.title)
        })
        .collect();
    if let Some(a) = company {
        let size = a.employee_count.map(|n| format!(" with about {n} people")).unwrap_or_default();
        let industry = a.industry.map(|i| format!(" in {i}")).unwrap_or_default();
        points.push(format!("{} is a company{industry}{size}", a.name));
        if !a.tech_stack.is_empty() {
            let tools: Vec<&str> = a.tech_stack.iter().copied().take(5).collect();
            points.push(format!("They use {}", tools.join(", ")));
        }
    }
    if let (Some(name), Some(title)) = (first_name, title) {
        points.push(format!("{name} is {title}: speak to what that role is measured on"));
    }
    points
}

/// The suggested next step, from what is open.
pub fn next_step(
    contact: &Contact,
    enrollment: Option<&EnrollmentFact>,
    opportunity: Option<&OpportunityFact>,
    timeline: &[TimelineEntry],
) -> NextStep {
    let step = |action: &str, reason: String, due_at: Option<String>, target_id: Option<String>| NextStep {
        action: action.to_owned(),
        reason,
        due_at,
        target_id,
    };
    let status = contact.status.as_str();
    if status == "bounced" || status == "do_not_contact" {
        return step("none", format!("The contact is {}: do not contact them", status.replace('_', " ")), None, None);
    }
    let open = |kind: &str, statuses: &[&str]| {
        timeline.iter().find(|e| e.kind == kind && e.status.as_deref().is_some_and(|s| statuses.contains(&s)))
    };
    if let Some(reply) = open("reply", &["waiting"]) {
        let verb = if reply.title == "positive" { "said yes: book the meeting" } else { "replied: answer them" };
        return step(
            "answer_reply",
            format!("They {verb} ({} on {})", reply.title, reply.channel.as_deref().unwrap_or("email")),
            None,
            Some(reply.id.clone()),
        );
    }
    if let Some(o) = opportunity.filter(|o| o.status == "meeting_booked") {
        return step(
            "prepare_meeting",
            "A meeting is booked: read this card and plan the agenda".to_owned(),
            o.meeting_at.clone(),
            Some(o.id.clone()),
        );
    }
    if let Some(d) = open("draft", &["pending"]) {
        return step("review_draft", "A draft awaits review".to_owned(), None, Some(d.id.clone()));
    }
    if let Some(d) = open("draft", &["approved"]) {
        let (action, what) = match d.channel.as_deref() {
            Some("email") => ("send_email", "An approved email is ready to send"),
            Some("call") => ("do_task", "An approved call is waiting: make it"),
            _ => ("do_task", "An approved LinkedIn task is waiting: do it"),
        };
        return step(action, what.to_owned(), None, Some(d.id.clone()));
    }
    if let Some(f) = timeline
        .iter()
        .filter(|e| e.kind == "followup" && e.status.as_deref() == Some("pending"))
        .min_by(|a, b| a.at.cmp(&b.at))
    {
        return step(
            "follow_up",
            f.detail.clone().unwrap_or_else(|| "A follow-up is scheduled".to_owned()),
            Some(f.at.clone()),
            Some(f.id.clone()),
        );
    }
    match enrollment {
        Some(e) if e.status == "active" => {
            let name = e.sequence_name.as_deref().unwrap_or("the sequence");
            return step(
                "wait",
                format!("Step {} of {} in {name} is next", e.current_step, e.steps),
                e.next_due_at.clone(),
                Some(e.id.clone()),
            );
        }
        Some(e) if e.status == "paused" => {
            return step("wait", "Their sequence is paused".to_owned(), e.paused_until.clone(), Some(e.id.clone()));
        }
        _ => {}
    }
    match contact.stage.as_str() {
        "dormant" | "not_interested" | "replied_negative" => {
            step("re_engage", "Quiet for now: re-engage when a new signal appears".to_owned(), None, None)
        }
        "meeting_held" | "opportunity" | "meeting_booked" => {
            step("none", "In the hands of the account executive".to_owned(), None, None)
        }
        _ => step("enroll", "Not in a sequence: enroll them, or write a first message".to_owned(), None, None),
    }
}
