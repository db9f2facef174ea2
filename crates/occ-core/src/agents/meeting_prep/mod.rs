//! Meeting prep: the brief before a meeting (the person, the company, the opportunity, signals,
//! the history and the researcher's brief), with an agenda, questions and risks. Its fallback
//! draws them from those facts by rule. Its answer changes nothing: the run is the brief, which
//! the prep card shows while the contact has a meeting.

use serde::{Deserialize, Serialize};

use super::researcher::{
    Company, Event, Person, Signal, company_object, contact_history, contact_signals, person_object,
};
use super::text::{check_line, check_list, clip, day};
use super::{Agent, Gathered, Options, Target, TargetKind};
use crate::domain::enums::AgentKind;
use crate::error::AppResult;
use crate::store::{Row, from_row};

/// The longest brief.
pub const BRIEF_MAX: usize = 800;
/// The longest agenda item.
const AGENDA_ITEM_MAX: usize = 200;
/// The longest question or risk.
const LINE_MAX: usize = 300;
/// The most agenda items, and the most questions.
pub const ITEMS_MAX: usize = 5;
/// The most risks.
pub const RISKS_MAX: usize = 3;

/// The open opportunity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Opportunity {
    /// meeting_booked, meeting_held or opportunity_created.
    pub status: String,
    /// When the meeting is.
    pub meeting_at: Option<String>,
    /// What the team wrote about it.
    pub notes: Option<String>,
    /// Its value, in minor units.
    pub amount_minor: Option<i64>,
    /// The value's currency.
    pub currency: Option<String>,
}

/// The researcher's newest brief.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Research {
    /// Its paragraph.
    pub summary: String,
    /// Its talking points.
    #[serde(default)]
    pub talking_points: Vec<String>,
    /// When it was written.
    pub created_at: String,
}

/// What meeting prep reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The person.
    pub contact: Person,
    /// The company.
    pub account: Option<Company>,
    /// The open opportunity, with its meeting.
    pub opportunity: Option<Opportunity>,
    /// Fresh signals, strongest then newest first.
    pub signals: Vec<Signal>,
    /// Touches and replies, newest first.
    pub history: Vec<Event>,
    /// The researcher's newest brief, if it has run.
    pub research: Option<Research>,
}

/// The brief before the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingPrepOutput)]
pub struct Output {
    /// One paragraph, at most 800 characters.
    pub brief: String,
    /// 1 to 5 agenda items.
    pub agenda: Vec<String>,
    /// 1 to 5 questions to ask.
    pub questions: Vec<String>,
    /// 0 to 3 risks.
    pub risks: Vec<String>,
}

#[derive(Deserialize)]
struct Facts {
    contact_id: String,
    owner_id: Option<String>,
    account_id: Option<String>,
    #[serde(deserialize_with = "crate::store::json")]
    contact: Person,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    account: Option<Company>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    opportunity: Option<Opportunity>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    signals: Option<Vec<Signal>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    history: Option<Vec<Event>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    research: Option<serde_json::Value>,
}

/// Meeting prep.
#[derive(Debug)]
pub struct MeetingPrep;

impl Agent for MeetingPrep {
    const KIND: AgentKind = AgentKind::MeetingPrep;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 900;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Contact).then_some(concat!(
            "SELECT c.id AS contact_id, c.owner_id, c.account_id, ",
            person_object!(),
            " AS contact, (SELECT ",
            company_object!(),
            " FROM accounts a WHERE a.id = c.account_id) AS account, \
             (SELECT json_object('status', o.status, 'meeting_at', o.meeting_at, 'notes', o.notes, \
                'amount_minor', o.amount_minor, 'currency', o.currency) FROM opportunities o WHERE o.contact_id = c.id \
              AND o.status IN ('meeting_booked', 'meeting_held', 'opportunity_created') \
              ORDER BY o.created_at DESC LIMIT 1) AS opportunity, ",
            contact_signals!(),
            " AS signals, ",
            contact_history!("10"),
            " AS history, \
             (SELECT json_object('summary', ar.output ->> '$.summary', 'talking_points', json(ar.output -> '$.talking_points'), \
                'created_at', ar.created_at) FROM agent_runs ar WHERE ar.contact_id = c.id AND ar.agent = 'researcher' \
              AND ar.status = 'succeeded' ORDER BY ar.created_at DESC LIMIT 1) AS research \
             FROM contacts c WHERE c.id = :id"
        ))
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        Ok(Gathered {
            input: Input {
                contact: f.contact,
                account: f.account,
                opportunity: f.opportunity,
                signals: f.signals.unwrap_or_default(),
                history: f.history.unwrap_or_default(),
                // A run whose answer has another shape is no brief.
                research: f.research.and_then(|v| serde_json::from_value(v).ok()),
            },
            owner_id: f.owner_id,
            contact_id: Some(f.contact_id),
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        Output { brief: brief(input), agenda: agenda(input), questions: questions(input), risks: risks(input) }
    }

    fn check(_: &Input, output: &Output) -> Result<(), String> {
        check_line("brief", &output.brief, BRIEF_MAX)?;
        check_list("agenda", &output.agenda, 1, ITEMS_MAX, AGENDA_ITEM_MAX)?;
        check_list("questions", &output.questions, 1, ITEMS_MAX, LINE_MAX)?;
        check_list("risks", &output.risks, 0, RISKS_MAX, LINE_MAX)
    }
}

/// The meeting's day, when one is set.
fn meeting_day(input: &Input) -> Option<String> {
    input.opportunity.as_ref().and_then(|o| o.meeting_at.as_deref()).map(day)
}

fn brief(input: &Input) -> String {
    let p = &input.contact;
    let title = p.title.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
    let of = input.account.as_ref().map(|a| format!(" of {}", a.name)).unwrap_or_default();
    let mut parts = vec![match meeting_day(input) {
        Some(d) => format!("Meeting with {}{title}{of} on {d}.", p.name),
        None => format!("No meeting is booked with {}{title}{of} yet.", p.name),
    }];
    match (&input.research, &input.account) {
        (Some(r), _) => parts.push(r.summary.clone()),
        (None, Some(a)) => {
            let industry = a.industry.as_deref().map(|i| format!(" in {i}")).unwrap_or_default();
            let size = a.employee_count.map(|n| format!(" with about {n} people")).unwrap_or_default();
            parts.push(format!("{} is a company{industry}{size}.", a.name));
        }
        (None, None) => {}
    }
    if let Some(top) = input.signals.first() {
        parts.push(format!(
            "Strongest fresh signal: {} ({}): {}.",
            top.kind.replace('_', " "),
            day(&top.occurred_at),
            top.title
        ));
    }
    clip(&parts.join(" "), BRIEF_MAX)
}

fn agenda(input: &Input) -> Vec<String> {
    let first = &input.contact.first_name;
    let mut items = vec![match meeting_day(input) {
        Some(d) => format!("Confirm what {first} wants from the meeting on {d}"),
        None => format!("Agree with {first} whether a meeting makes sense"),
    }];
    for s in input.signals.iter().take(2) {
        items.push(format!("Talk about the {}: {}", s.kind.replace('_', " "), s.title));
    }
    if let Some(notes) = input.opportunity.as_ref().and_then(|o| o.notes.as_deref()).filter(|n| !n.trim().is_empty()) {
        items.push(format!("Go over the notes: {notes}"));
    }
    items.push("Agree on the next step and its date".to_owned());
    items.truncate(ITEMS_MAX);
    items.into_iter().map(|i| clip(&i, AGENDA_ITEM_MAX)).collect()
}

fn questions(input: &Input) -> Vec<String> {
    let area = input
        .contact
        .department
        .as_deref()
        .map_or("your team".to_owned(), |d| format!("the {} team", d.replace('_', " ")));
    let mut asked: Vec<String> = match input.contact.seniority.as_str() {
        "c_level" | "vp" => vec![
            format!("What are {area}'s priorities for the next two quarters?"),
            "Who else takes part in a decision like this, and how is it made?".to_owned(),
        ],
        "director" | "manager" => vec![
            format!("How does {area} handle this work today?"),
            "What would you need to bring this to your leadership?".to_owned(),
        ],
        _ => vec![
            "What slows your work down day to day?".to_owned(),
            "Who would decide on a change like this?".to_owned(),
        ],
    };
    for s in &input.signals {
        let question = match s.kind.as_str() {
            "funding" => "How will the new funding change your plans?",
            "hiring" => "What are the new roles for, and what must they change?",
            "job_change" => "What is changing with the new role?",
            "tech_adoption" => "How is the new tooling rolling out?",
            _ => continue,
        };
        if !asked.iter().any(|q| q == question) {
            asked.push(question.to_owned());
        }
    }
    asked.truncate(ITEMS_MAX);
    asked
}

fn risks(input: &Input) -> Vec<String> {
    let mut risks = Vec::new();
    if input.contact.status == "do_not_contact" {
        risks.push("The contact is marked do not contact".to_owned());
    }
    for e in input.history.iter().filter(|e| e.kind == "reply") {
        match e.intent.as_deref() {
            Some("negative") => risks.push(format!("They replied negatively on {}", e.date)),
            Some("not_now") => risks.push(format!("They said not now on {}", e.date)),
            _ => {}
        }
    }
    if meeting_day(input).is_none() {
        risks.push("No meeting is booked yet".to_owned());
    }
    if input.signals.is_empty() {
        risks.push("No fresh buying signal is on record".to_owned());
    }
    risks.truncate(RISKS_MAX);
    risks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> Input {
        Input {
            contact: Person {
                first_name: "Ana".to_owned(),
                name: "Ana Diaz".to_owned(),
                title: Some("VP Sales".to_owned()),
                seniority: "vp".to_owned(),
                department: Some("sales".to_owned()),
                persona: None,
                stage: "meeting_booked".to_owned(),
                status: "active".to_owned(),
            },
            account: None,
            opportunity: Some(Opportunity {
                status: "meeting_booked".to_owned(),
                meeting_at: Some("2026-12-12T15:00:00.000Z".to_owned()),
                notes: None,
                amount_minor: None,
                currency: None,
            }),
            signals: vec![Signal {
                kind: "funding".to_owned(),
                strength: 4,
                title: "Raised a Series B".to_owned(),
                occurred_at: "2026-11-20T09:00:00.000Z".to_owned(),
                account_level: true,
            }],
            history: vec![Event {
                kind: "reply".to_owned(),
                channel: "email".to_owned(),
                date: "2026-10-01".to_owned(),
                intent: Some("not_now".to_owned()),
            }],
            research: None,
        }
    }

    #[test]
    fn the_fallback_draws_on_the_facts() {
        let out = MeetingPrep::fallback(&input());
        assert!(out.brief.starts_with("Meeting with Ana Diaz, VP Sales on 2026-12-12."), "{}", out.brief);
        assert_eq!(
            out.agenda,
            vec![
                "Confirm what Ana wants from the meeting on 2026-12-12",
                "Talk about the funding: Raised a Series B",
                "Agree on the next step and its date"
            ]
        );
        assert_eq!(out.questions[0], "What are the sales team's priorities for the next two quarters?");
        assert!(out.questions.contains(&"How will the new funding change your plans?".to_owned()));
        assert_eq!(out.risks, vec!["They said not now on 2026-10-01"]);
        assert_eq!(MeetingPrep::fallback(&input()), out, "deterministic");
        assert!(MeetingPrep::check(&input(), &out).is_ok());
    }

    #[test]
    fn without_a_meeting_or_signals_the_fallback_says_so() {
        let bare = Input { opportunity: None, signals: Vec::new(), history: Vec::new(), ..input() };
        let out = MeetingPrep::fallback(&bare);
        assert!(out.brief.starts_with("No meeting is booked"), "{}", out.brief);
        assert_eq!(out.risks, vec!["No meeting is booked yet", "No fresh buying signal is on record"]);
        assert!(MeetingPrep::check(&bare, &out).is_ok());
    }

    #[test]
    fn answers_out_of_range_are_refused() {
        let ok = MeetingPrep::fallback(&input());
        assert!(MeetingPrep::check(&input(), &Output { brief: "x".repeat(801), ..ok.clone() }).is_err());
        assert!(MeetingPrep::check(&input(), &Output { agenda: Vec::new(), ..ok.clone() }).is_err());
        assert!(MeetingPrep::check(&input(), &Output { questions: vec!["q?".to_owned(); 6], ..ok.clone() }).is_err());
        assert!(MeetingPrep::check(&input(), &Output { risks: vec!["r".to_owned(); 4], ..ok }).is_err());
    }

    #[test]
    fn the_answer_schema_is_strict_and_inline() {
        assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
    }
}
