//! The persona mapper: a title read as seniority, department and persona. Its fallback is the
//! title rules import and create already use (`contacts::persona`), with the persona following
//! from seniority and department. Its answer sets the contact's three fields and rescores it in
//! the same transaction.

use serde::{Deserialize, Serialize};

use super::{Agent, Applying, Gathered, Options, Target, TargetKind};
use crate::audit;
use crate::contacts::persona;
use crate::domain::enums::{AgentKind, Department, Seniority};
use crate::error::AppResult;
use crate::store::{Batch, Row, from_row};

/// The longest persona label.
const PERSONA_MAX: usize = 60;

/// What the mapper reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The job title.
    pub title: Option<String>,
    /// The company's industry, which can tell a title's meaning.
    pub industry: Option<String>,
}

/// Where the title places the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PersonaMapperOutput)]
pub struct Output {
    /// c_level, vp, director, manager, senior, entry or unknown.
    #[schema(inline)]
    pub seniority: Seniority,
    /// The department.
    #[schema(inline)]
    pub department: Department,
    /// The role in a purchase, with the area ("Economic buyer, finance").
    pub persona: String,
}

#[derive(Deserialize)]
struct Facts {
    title: Option<String>,
    industry: Option<String>,
    owner_id: Option<String>,
    account_id: Option<String>,
}

/// The persona mapper.
#[derive(Debug)]
pub struct PersonaMapper;

impl Agent for PersonaMapper {
    const KIND: AgentKind = AgentKind::PersonaMapper;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 200;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Contact).then_some(
            "SELECT c.title, a.industry, c.owner_id, c.account_id FROM contacts c \
             LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id",
        )
    }

    fn gather(row: &Row, target: &Target, _: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        Ok(Gathered {
            input: Input { title: f.title, industry: f.industry },
            owner_id: f.owner_id,
            contact_id: Some(target.id.clone()),
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        let title = input.title.as_deref().unwrap_or_default();
        let seniority = persona::seniority(title);
        let department = persona::department(title);
        Output { seniority, department, persona: persona_label(seniority, department) }
    }

    fn check(_: &Input, output: &Output) -> Result<(), String> {
        let label = output.persona.trim();
        if label.is_empty() || label.chars().count() > PERSONA_MAX {
            return Err(format!("persona must be 1 to {PERSONA_MAX} characters"));
        }
        Ok(())
    }

    fn apply(batch: &mut Batch, run: &Applying<'_>, _: &Input, output: &Output) -> AppResult<()> {
        let Some(contact) = run.contact_id else { return Ok(()) };
        let persona: String = output.persona.trim().chars().take(PERSONA_MAX).collect();
        // The contact's own triggers write what changed under this entry.
        audit::record_in(batch, run.actor, "contact.persona", "contact", contact, Some(run.run_id))?;
        batch.push(
            "UPDATE contacts SET seniority = :seniority, department = :department, persona = :persona, updated_at = :at \
             WHERE id = :id AND (seniority, department, persona) IS NOT (:seniority, :department, :persona)",
            libsql::named_params! {
                ":id": contact, ":seniority": output.seniority.as_str(), ":department": output.department.as_str(),
                ":persona": persona, ":at": run.at,
            },
        )?;
        batch.push(
            crate::contacts::scoring::sql::rescore_sql!("contacts.id = :id"),
            libsql::named_params! {":id": contact, ":now": run.at},
        )?;
        Ok(())
    }
}

/// The persona that seniority and department imply, by rule.
pub fn persona_label(seniority: Seniority, department: Department) -> String {
    let role = match seniority {
        Seniority::CLevel | Seniority::Vp => "Economic buyer",
        Seniority::Director | Seniority::Manager => "Champion",
        Seniority::Senior => "Technical evaluator",
        Seniority::Entry => "End user",
        Seniority::Unknown => "Unplaced",
    };
    let area = department.as_str().replace('_', " ");
    format!("{role}, {area}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_follows_the_title_rules() {
        let out = PersonaMapper::fallback(&Input { title: Some("VP of Sales".to_owned()), industry: None });
        assert_eq!(
            out,
            Output {
                seniority: Seniority::Vp,
                department: Department::Sales,
                persona: "Economic buyer, sales".to_owned()
            }
        );
        let none = PersonaMapper::fallback(&Input { title: None, industry: None });
        assert_eq!(none.seniority, Seniority::Unknown);
        assert!(PersonaMapper::check(&Input { title: None, industry: None }, &none).is_ok());
    }

    #[test]
    fn an_empty_or_long_persona_is_refused() {
        let input = Input { title: None, industry: None };
        let mut out = PersonaMapper::fallback(&input);
        out.persona = " ".to_owned();
        assert!(PersonaMapper::check(&input, &out).is_err());
        out.persona = "x".repeat(61);
        assert!(PersonaMapper::check(&input, &out).is_err());
    }
}
