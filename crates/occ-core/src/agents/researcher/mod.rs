//! The researcher: a brief on a contact or an account from the stored facts (the person, the
//! company, fresh signals, the last touches and replies). Its fallback says only what those
//! facts say, with the prep card's talking-point rules (`insights::prep::points_from_facts`).
//! Its answer changes nothing: the run is the brief, which the prep card shows.

use serde::{Deserialize, Serialize};

use super::text::{check_line, check_list, clip, day};
use super::{Agent, Gathered, Options, Target, TargetKind};
use crate::domain::enums::AgentKind;
use crate::error::AppResult;
use crate::insights::prep::{SignalLine, points_from_facts};
use crate::store::{Row, from_row};

mod facts;

pub use facts::{Company, Event, Person, Signal};
pub(crate) use facts::{company_object, contact_history, contact_signals, person_object};

/// The longest summary.
pub const SUMMARY_MAX: usize = 600;
/// The longest talking point.
pub const POINT_MAX: usize = 200;
/// The most talking points.
pub const POINTS_MAX: usize = 5;
/// The most open questions.
pub const QUESTIONS_MAX: usize = 3;
/// The longest open question.
const QUESTION_MAX: usize = 300;

/// What the researcher reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The person (none when the run is about an account).
    pub contact: Option<Person>,
    /// The company.
    pub account: Option<Company>,
    /// Fresh signals, strongest then newest first (at most 10).
    pub signals: Vec<Signal>,
    /// The last touches and replies, newest first.
    pub history: Vec<Event>,
}

/// The brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ResearcherOutput)]
pub struct Output {
    /// One paragraph, at most 600 characters.
    pub summary: String,
    /// 1 to 5 points to bring up, each at most 200 characters.
    pub talking_points: Vec<String>,
    /// 0 to 3 things the facts do not say yet.
    pub open_questions: Vec<String>,
}

#[derive(Deserialize)]
struct Facts {
    contact_id: Option<String>,
    owner_id: Option<String>,
    account_id: Option<String>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    contact: Option<Person>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    account: Option<Company>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    signals: Option<Vec<Signal>>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    history: Option<Vec<Event>>,
}

/// The researcher.
#[derive(Debug)]
pub struct Researcher;

impl Agent for Researcher {
    const KIND: AgentKind = AgentKind::Researcher;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 700;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        match kind {
            TargetKind::Contact => Some(concat!(
                "SELECT c.id AS contact_id, c.owner_id, c.account_id, ",
                person_object!(),
                " AS contact, (SELECT ",
                company_object!(),
                " FROM accounts a WHERE a.id = c.account_id) AS account, ",
                contact_signals!(),
                " AS signals, ",
                contact_history!("5"),
                " AS history FROM contacts c WHERE c.id = :id"
            )),
            TargetKind::Account => Some(concat!(
                "SELECT NULL AS contact_id, NULL AS owner_id, a.id AS account_id, ",
                company_object!(),
                " AS account, \
                 (SELECT json_group_array(json(s)) FROM (SELECT json_object('kind', g.kind, 'strength', g.strength, \
                    'title', g.title, 'occurred_at', g.occurred_at, \
                    'account_level', json(CASE WHEN g.contact_id IS NULL THEN 'true' ELSE 'false' END)) AS s \
                  FROM signals g WHERE g.account_id = a.id AND (g.expires_at IS NULL OR g.expires_at > :now) \
                  ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 10)) AS signals, \
                 (SELECT json_group_array(json(h)) FROM (SELECT json_object('kind', kind, 'channel', channel, \
                    'date', substr(at, 1, 10), 'intent', intent) AS h FROM ( \
                  SELECT coalesce(p.sent_at, p.created_at) AS at, p.kind AS kind, p.channel AS channel, NULL AS intent \
                    FROM touchpoints p JOIN contacts c ON c.id = p.contact_id WHERE c.account_id = a.id AND +p.status = 'sent' \
                  UNION ALL SELECT r.replied_at, 'reply', r.channel, coalesce(r.intent, 'unclassified') \
                    FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE c.account_id = a.id) \
                  ORDER BY at DESC LIMIT 5)) AS history \
                 FROM accounts a WHERE a.id = :id"
            )),
            _ => None,
        }
    }

    fn gather(row: &Row, _: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        Ok(Gathered {
            input: Input {
                contact: f.contact,
                account: f.account,
                signals: f.signals.unwrap_or_default(),
                history: f.history.unwrap_or_default(),
            },
            owner_id: f.owner_id,
            contact_id: f.contact_id,
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        Output { summary: summary(input), talking_points: points(input), open_questions: questions(input) }
    }

    fn check(_: &Input, output: &Output) -> Result<(), String> {
        check_line("summary", &output.summary, SUMMARY_MAX)?;
        check_list("talking_points", &output.talking_points, 1, POINTS_MAX, POINT_MAX)?;
        check_list("open_questions", &output.open_questions, 0, QUESTIONS_MAX, QUESTION_MAX)
    }
}

/// The paragraph: who, the company, the signals, where the conversation stands.
fn summary(input: &Input) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(p) = &input.contact {
        let title = p.title.as_deref().map(|t| format!(", {t}")).unwrap_or_default();
        let at = input.account.as_ref().map(|a| format!(" at {}", a.name)).unwrap_or_default();
        parts.push(format!("{}{title}{at}; stage {}.", p.name, p.stage.replace('_', " ")));
    }
    if let Some(a) = &input.account {
        let mut about: Vec<String> = Vec::new();
        if let Some(industry) = &a.industry {
            let sub = a.sub_industry.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            about.push(format!("in {industry}{sub}"));
        }
        if let Some(n) = a.employee_count {
            about.push(format!("about {n} people"));
        }
        if let Some(country) = &a.country {
            about.push(format!("based in {country}"));
        }
        if about.is_empty() {
            parts.push(format!("{}: no company facts on record.", a.name));
        } else {
            parts.push(format!("{} is a company {}.", a.name, about.join(", ")));
        }
    }
    match input.signals.first() {
        Some(top) => parts.push(format!(
            "{} fresh signal{}; the strongest: {} ({}): {}.",
            input.signals.len(),
            if input.signals.len() == 1 { "" } else { "s" },
            top.kind.replace('_', " "),
            day(&top.occurred_at),
            top.title
        )),
        None => parts.push("No fresh signals on record.".to_owned()),
    }
    match input.history.first() {
        Some(last) => {
            let intent = last.intent.as_deref().map(|i| format!(" ({})", i.replace('_', " "))).unwrap_or_default();
            parts.push(format!("Last activity: {}{intent} on {}.", last.kind.replace('_', " "), last.date));
        }
        None => parts.push("No touches or replies yet.".to_owned()),
    }
    clip(&parts.join(" "), SUMMARY_MAX)
}

/// The prep card's talking-point rules, cut to the answer's limits.
fn points(input: &Input) -> Vec<String> {
    let company = input.account.as_ref().map(Company::line);
    let signals: Vec<SignalLine<'_>> = input.signals.iter().map(Signal::line).collect();
    let person = input.contact.as_ref();
    let mut points: Vec<String> = points_from_facts(
        person.map(|p| p.first_name.as_str()),
        person.and_then(|p| p.title.as_deref()),
        company.as_ref(),
        &signals,
    )
    .iter()
    .take(POINTS_MAX)
    .map(|p| clip(p, POINT_MAX))
    .collect();
    if points.is_empty() {
        points.push("Nothing is on record beyond the name yet: research them before reaching out".to_owned());
    }
    points
}

/// What the stored facts leave open.
fn questions(input: &Input) -> Vec<String> {
    let mut open = Vec::new();
    let company = input.account.as_ref().map(|a| a.name.as_str());
    if let Some(p) = &input.contact {
        if p.title.is_none() {
            open.push(format!("What is {}'s role?", p.first_name));
        }
        if company.is_none() {
            open.push(format!("Which company does {} work for?", p.first_name));
        }
    }
    if let Some(a) = &input.account
        && a.industry.is_none()
    {
        open.push(format!("What does {} do?", a.name));
    }
    if input.signals.is_empty() {
        open.push(format!("What is changing at {} right now?", company.unwrap_or("their company")));
    }
    open.truncate(QUESTIONS_MAX);
    open.into_iter().map(|q| clip(&q, QUESTION_MAX)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            first_name: "Ana".to_owned(),
            name: "Ana Diaz".to_owned(),
            title: Some("VP Sales".to_owned()),
            seniority: "vp".to_owned(),
            department: Some("sales".to_owned()),
            persona: None,
            stage: "touched".to_owned(),
            status: "active".to_owned(),
        }
    }

    fn company() -> Company {
        Company {
            name: "Acme".to_owned(),
            industry: Some("Software".to_owned()),
            sub_industry: None,
            employee_count: Some(250),
            country: Some("Spain".to_owned()),
            website: None,
            tech_stack: vec!["Salesforce".to_owned()],
            notes: None,
        }
    }

    fn input() -> Input {
        Input {
            contact: Some(person()),
            account: Some(company()),
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
                date: "2026-11-25".to_owned(),
                intent: Some("question".to_owned()),
            }],
        }
    }

    #[test]
    fn the_fallback_says_only_what_the_facts_say() {
        let out = Researcher::fallback(&input());
        assert_eq!(
            out.talking_points,
            vec![
                "funding (Acme, 2026-11-20): Raised a Series B",
                "Acme is a company in Software with about 250 people",
                "They use Salesforce",
                "Ana is VP Sales: speak to what that role is measured on",
            ]
        );
        assert!(out.summary.contains("Ana Diaz, VP Sales at Acme"), "{}", out.summary);
        assert!(out.summary.contains("Last activity: reply (question) on 2026-11-25"), "{}", out.summary);
        assert!(out.open_questions.is_empty(), "{:?}", out.open_questions);
        assert_eq!(Researcher::fallback(&input()), out, "deterministic");
        assert!(Researcher::check(&input(), &out).is_ok());
    }

    #[test]
    fn with_no_facts_the_fallback_says_what_is_missing() {
        let mut bare = person();
        bare.title = None;
        let input = Input { contact: Some(bare), account: None, signals: Vec::new(), history: Vec::new() };
        let out = Researcher::fallback(&input);
        assert_eq!(out.talking_points.len(), 1);
        assert_eq!(out.open_questions.len(), 3, "{:?}", out.open_questions);
        assert!(out.summary.contains("No fresh signals") && out.summary.contains("No touches"), "{}", out.summary);
        assert!(Researcher::check(&input, &out).is_ok());
    }

    #[test]
    fn answers_out_of_range_are_refused() {
        let ok = Researcher::fallback(&input());
        let seven = Output { talking_points: vec!["x".to_owned(); 7], ..ok.clone() };
        assert!(Researcher::check(&input(), &seven).is_err());
        let none = Output { talking_points: Vec::new(), ..ok.clone() };
        assert!(Researcher::check(&input(), &none).is_err());
        let long = Output { summary: "x".repeat(601), ..ok.clone() };
        assert!(Researcher::check(&input(), &long).is_err());
        let long_point = Output { talking_points: vec!["x".repeat(201)], ..ok.clone() };
        assert!(Researcher::check(&input(), &long_point).is_err());
        let four = Output { open_questions: vec!["why?".to_owned(); 4], ..ok };
        assert!(Researcher::check(&input(), &four).is_err());
    }

    #[test]
    fn the_answer_schema_is_strict_and_inline() {
        assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
        assert!(Researcher::read(TargetKind::Reply).is_none());
    }
}
