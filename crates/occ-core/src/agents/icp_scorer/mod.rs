//! The ICP scorer: a contact's fit with the ideal customer profile, with a written rationale.
//! The ICP model keeps the number: its fallback is the model in use (`contacts::scoring`) on the
//! same facts the stored score is computed from, and a model's score more than
//! [`MAX_DRIFT`] points from it is refused. The model adds the words. Its answer changes
//! nothing: the stored `priority_score` stays the ICP model's, and the run is the record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Agent, Gathered, Options, Target, TargetKind};
use crate::contacts::scoring::{self, Factor, IcpConfig, Inputs, Scored, SignalInput};
use crate::domain::enums::{AgentKind, Department, Seniority, Stage};
use crate::error::{AppError, AppResult};
use crate::store::{Row, from_row};

/// How far a model's score may stray from the ICP model's.
pub const MAX_DRIFT: u32 = 15;

/// The longest rationale.
const RATIONALE_MAX: usize = 2000;

/// The longest note on a factor.
const NOTE_MAX: usize = 500;

/// A fresh signal about the contact or its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// funding, hiring, job_change ...
    pub kind: String,
    /// What happened.
    pub title: String,
    /// 1 to 5.
    pub strength: i64,
    /// How long ago, in days.
    pub age_days: f64,
}

/// What the scorer reads: the facts the ICP model scores, the model itself, and its score.
#[derive(Debug, Serialize)]
pub struct Input {
    /// The job title.
    pub title: Option<String>,
    /// The company's industry.
    pub industry: Option<String>,
    /// The company's sub-industry.
    pub sub_industry: Option<String>,
    /// The seniority.
    pub seniority: Seniority,
    /// The department, once placed.
    pub department: Option<Department>,
    /// The company's head count.
    pub employee_count: Option<i64>,
    /// Where the contact is in the pipeline.
    pub stage: Stage,
    /// Fresh signals, strongest first.
    pub signals: Vec<Signal>,
    /// The ICP model in use: weights and the ideal customer.
    pub icp_model: IcpConfig,
    /// The ICP model's score on these facts, now.
    pub icp_score: u32,
    /// Each factor's points in it.
    pub factor_points: BTreeMap<Factor, u32>,
    /// The score stored on the contact (computed when its facts last changed).
    pub stored_score: i64,
    /// Each factor's points in the stored score.
    pub stored_factors: serde_json::Value,
}

/// A note on one factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactorNote {
    /// industry, seniority, department, company_size, signals or engagement.
    pub factor: String,
    /// What it contributes and why, in a sentence.
    pub note: String,
}

/// The score with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = IcpScorerOutput)]
pub struct Output {
    /// 0 to 100, within 15 points of the ICP model's score.
    pub score: u32,
    /// Why, in one or two sentences.
    pub rationale: String,
    /// A note per factor that matters.
    #[schema(inline)]
    pub factors: Vec<FactorNote>,
}

#[derive(Deserialize)]
struct Facts {
    owner_id: Option<String>,
    account_id: Option<String>,
    title: Option<String>,
    industry: Option<String>,
    sub_industry: Option<String>,
    seniority: Seniority,
    department: Option<Department>,
    employee_count: Option<i64>,
    stage: Stage,
    priority_score: i64,
    priority_factors: String,
    signals: String,
    model: String,
}

/// A signal as stored.
#[derive(Deserialize)]
struct StoredSignal {
    kind: String,
    title: String,
    strength: i64,
    occurred_at: String,
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// The ICP scorer.
#[derive(Debug)]
pub struct IcpScorer;

impl Agent for IcpScorer {
    const KIND: AgentKind = AgentKind::IcpScorer;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 500;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Contact).then_some(concat!(
            "SELECT c.owner_id, c.account_id, c.title, a.industry, a.sub_industry, c.seniority, c.department, \
             a.employee_count, c.stage, c.priority_score, c.priority_factors, \
             (SELECT json_group_array(json_object('kind', g.kind, 'title', g.title, 'strength', g.strength, \
               'occurred_at', g.occurred_at)) FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
               AND (g.expires_at IS NULL OR g.expires_at > :now)) AS signals, \
             (SELECT m.model FROM ",
            crate::contacts::scoring::sql::model_row_sql!(),
            " m) AS model FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id"
        ))
    }

    fn gather(row: &Row, target: &Target, _: &Options, now: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        let icp_model: IcpConfig = serde_json::from_str(&f.model).map_err(|e| internal("stored ICP model", e))?;
        let stored: Vec<StoredSignal> = serde_json::from_str(&f.signals).map_err(|e| internal("stored signals", e))?;
        let stored_factors =
            serde_json::from_str(&f.priority_factors).map_err(|e| internal("stored score factors", e))?;
        let mut signals: Vec<Signal> = stored
            .into_iter()
            .map(|s| Signal {
                kind: s.kind,
                title: s.title,
                strength: s.strength,
                age_days: scoring::age_days(&s.occurred_at, now).max(0.0),
            })
            .collect();
        signals.sort_by(|a, b| b.strength.cmp(&a.strength).then(a.age_days.total_cmp(&b.age_days)));
        let mut input = Input {
            title: f.title,
            industry: f.industry,
            sub_industry: f.sub_industry,
            seniority: f.seniority,
            department: f.department,
            employee_count: f.employee_count,
            stage: f.stage,
            signals,
            icp_model,
            icp_score: 0,
            factor_points: BTreeMap::new(),
            stored_score: f.priority_score,
            stored_factors,
        };
        let Scored { score, factors } = scoring::score(&input.icp_model, &inputs(&input));
        (input.icp_score, input.factor_points) = (score, factors);
        Ok(Gathered { input, owner_id: f.owner_id, contact_id: Some(target.id.clone()), account_id: f.account_id })
    }

    fn fallback(input: &Input) -> Output {
        let fits = scoring::fits(&input.icp_model, &inputs(input));
        let fit = |f: Factor| fits.get(&f).copied().unwrap_or(0.0);
        let points = |f: Factor| input.factor_points.get(&f).copied().unwrap_or(0);
        let w = &input.icp_model.weights;
        let possible = |f: Factor| match f {
            Factor::Industry => w.industry,
            Factor::Seniority => w.seniority,
            Factor::Department => w.department,
            Factor::CompanySize => w.company_size,
            Factor::Signals => w.signals,
            Factor::Engagement => w.engagement,
        };
        let notes: Vec<(Factor, String)> = vec![
            (Factor::Seniority, format!("{} ({})", who(input.seniority), input.title.as_deref().unwrap_or("no title"))),
            (Factor::Industry, industry_note(input, fit(Factor::Industry))),
            (Factor::Department, department_note(input.department, fit(Factor::Department))),
            (Factor::CompanySize, size_note(input)),
            (Factor::Signals, signal_note(input)),
            (Factor::Engagement, format!("stage {}", input.stage.as_str().replace('_', " "))),
        ];
        let verdict = match input.icp_score {
            70.. => "Strong fit",
            40..70 => "Moderate fit",
            _ => "Weak fit",
        };
        let mut reasons: Vec<String> = notes
            .iter()
            .filter(|(f, _)| fit(*f) > 0.0 && *f != Factor::Engagement)
            .map(|(_, note)| note.clone())
            .collect();
        if reasons.is_empty() {
            reasons.push("nothing known matches the ideal customer yet".to_owned());
        }
        let missing: Vec<&str> = notes
            .iter()
            .filter(|(f, _)| fit(*f) == 0.0 && possible(*f) > 0 && *f != Factor::Engagement)
            .map(|(f, _)| f.as_str())
            .collect();
        let mut rationale = format!("{verdict} ({}/100): {}.", input.icp_score, reasons.join("; "));
        if !missing.is_empty() {
            let missing = missing.join(", ").replace('_', " ");
            rationale.push_str(&format!(" No points for {missing}."));
        }
        let factors = notes
            .into_iter()
            .map(|(f, note)| FactorNote {
                factor: f.as_str().to_owned(),
                note: format!("{} of {} points: {note}", points(f), possible(f)),
            })
            .collect();
        Output { score: input.icp_score, rationale, factors }
    }

    fn check(input: &Input, output: &Output) -> Result<(), String> {
        if output.score > 100 {
            return Err("score must be from 0 to 100".to_owned());
        }
        if output.score.abs_diff(input.icp_score) > MAX_DRIFT {
            return Err(format!("score must be within {MAX_DRIFT} points of the ICP model's {}", input.icp_score));
        }
        let rationale = output.rationale.trim();
        if rationale.is_empty() || rationale.chars().count() > RATIONALE_MAX {
            return Err(format!("rationale must be 1 to {RATIONALE_MAX} characters"));
        }
        if output.factors.len() > Factor::ALL.len() {
            return Err(format!("at most {} factors", Factor::ALL.len()));
        }
        for note in &output.factors {
            if note.factor.parse::<Factor>().is_err() {
                return Err(format!("factor must be one of {}", Factor::names().join(", ")));
            }
            if note.note.trim().is_empty() || note.note.chars().count() > NOTE_MAX {
                return Err(format!("a factor's note must be 1 to {NOTE_MAX} characters"));
            }
        }
        Ok(())
    }
}

/// The facts as the ICP model takes them.
fn inputs(input: &Input) -> Inputs {
    Inputs {
        industry: input.industry.clone(),
        sub_industry: input.sub_industry.clone(),
        seniority: input.seniority,
        department: input.department,
        employee_count: input.employee_count,
        stage: input.stage,
        signals: input.signals.iter().map(|s| SignalInput { strength: s.strength, age_days: s.age_days }).collect(),
    }
}

/// The seniority in words.
fn who(seniority: Seniority) -> &'static str {
    match seniority {
        Seniority::CLevel => "a C-level executive",
        Seniority::Vp => "a VP",
        Seniority::Director => "a director",
        Seniority::Manager => "a manager",
        Seniority::Senior => "a senior individual contributor",
        Seniority::Entry => "an entry-level role",
        Seniority::Unknown => "seniority unknown",
    }
}

fn industry_note(input: &Input, fit: f64) -> String {
    let named = match (&input.industry, &input.sub_industry) {
        (Some(i), Some(s)) => format!("{i}, {s}"),
        (Some(i), None) => i.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => return "industry unknown".to_owned(),
    };
    if fit >= 1.0 {
        format!("in a target industry ({named})")
    } else if fit > 0.0 {
        format!("close to a target industry ({named})")
    } else {
        format!("{named} is not a target industry")
    }
}

fn department_note(department: Option<Department>, fit: f64) -> String {
    match department {
        None => "department not placed yet".to_owned(),
        Some(d) if fit > 0.0 => format!("in {}, a buying department", d.as_str().replace('_', " ")),
        Some(d) => format!("in {}, not a buying department", d.as_str().replace('_', " ")),
    }
}

fn size_note(input: &Input) -> String {
    let range = &input.icp_model.company_size;
    match input.employee_count {
        None => "company size unknown".to_owned(),
        Some(n) if n >= range.min && n <= range.max => {
            format!("a company of {n} people, within the ideal {} to {}", range.min, range.max)
        }
        Some(n) => format!("a company of {n} people, outside the ideal {} to {}", range.min, range.max),
    }
}

fn signal_note(input: &Input) -> String {
    match input.signals.first() {
        None => "no fresh signal".to_owned(),
        Some(s) => {
            let days = s.age_days.round() as i64;
            let age = match days {
                0 => "today".to_owned(),
                1 => "1 day old".to_owned(),
                n => format!("{n} days old"),
            };
            let more = match input.signals.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            format!("a {} signal {age}: {}{more}", s.kind.replace('_', " "), s.title)
        }
    }
}

#[cfg(test)]
mod tests;
