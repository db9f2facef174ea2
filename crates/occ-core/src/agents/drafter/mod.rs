//! The drafter: a message for a contact on one channel (email by default), waiting in Review.
//! With an active enrollment whose current step is on that channel, it writes that step (its
//! fallback renders the step's templates as the tick would); without one, a first touch (its
//! fallback is a built-in template per channel, [`templates`]).
//!
//! Its answer becomes a draft written by the agent (`author_kind` agent, the run's id), reviewed
//! by the rules at once and left pending for a person, except under the autopilot rule the tick
//! follows: a step of a sequence on autopilot whose review passed is approved. Nothing is sent.
//! A contact who may not be contacted on the channel (do not contact, bounced, suppressed, no
//! address) still gets an answer, recorded on the run, but no draft: `not_contacted` in the run's
//! input says why, and the draft is written only while that still holds.

mod templates;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::reviewer::rules_report;
use super::run::audited;
use super::{Agent, Applying, Gathered, Options, Target, TargetKind};
use crate::contacts::reach::{Facts as Reach, reach_facts_sql};
use crate::domain::enums::{AgentKind, ApprovalStatus, Channel, StepKind};
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::insights::experiments::assign::{RECORD_SQL, Running, running_experiment_sql};
use crate::outreach::drafts::review::{Limits, Recipient, limits};
use crate::outreach::sequences::template::{Addressee, merge_values, placeholders, render};
use crate::store::{Batch, Row, from_row};

/// The longest subject.
const SUBJECT_MAX: usize = 500;

/// The step the draft is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// email, linkedin_connect, linkedin_message or call.
    pub kind: StepKind,
    /// The step's subject template (email).
    pub subject_template: Option<String>,
    /// The step's body template, with merge fields such as `{{first_name}}` (the contact's
    /// variant's, when an experiment runs on the step and varies it).
    pub body_template: String,
    /// What the experiment's variant asks to do differently, when one runs on the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Ids and the sequence's autopilot (not sent to the model).
    #[serde(skip)]
    pub at: StepAt,
}

/// Where a step draft belongs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepAt {
    /// The step's id.
    pub step_id: String,
    /// The enrollment's id.
    pub enrollment_id: String,
    /// Whether the sequence sends its drafts without a person's approval.
    pub autopilot: bool,
    /// Whether the step already has its draft (a new one is then a one-off message).
    pub drafted: bool,
    /// The contact's variant of the experiment running on the step: the experiment, the
    /// variant, and whether the assignment is new (recorded with the draft).
    pub variant: Option<(String, String, bool)>,
}

/// What the drafter reads.
#[derive(Debug, Serialize)]
pub struct Input {
    /// email, linkedin or call.
    pub channel: Channel,
    /// A LinkedIn connection request's note (at most 300 characters).
    pub connect_note: bool,
    /// The longest body, in characters.
    pub max_chars: usize,
    /// The most words the body may have.
    pub max_words: usize,
    /// The person's first name.
    pub first_name: String,
    /// Their last name.
    pub last_name: Option<String>,
    /// Their job title.
    pub title: Option<String>,
    /// Their company.
    pub company: Option<String>,
    /// The company's industry.
    pub industry: Option<String>,
    /// The strongest fresh buying signal about them or their company.
    pub signal: Option<String>,
    /// The sequence step to write, when their active enrollment is at one on this channel.
    pub step: Option<Step>,
    /// Why no draft is written: the person may not be contacted on this channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_contacted: Option<String>,
    /// The merge values of the templates (not sent to the model).
    #[serde(skip)]
    pub values: BTreeMap<&'static str, String>,
    /// What the contact's reach was read as, for the channel (the draft is written only while
    /// it stands).
    #[serde(skip)]
    pub reach: String,
}

/// The message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DrafterOutput)]
pub struct Output {
    /// Email only (required there); null on other channels.
    pub subject: Option<String>,
    /// The message, or the call script.
    pub body: String,
}

#[derive(Deserialize)]
struct Facts {
    owner_id: Option<String>,
    account_id: Option<String>,
    first_name: String,
    last_name: Option<String>,
    title: Option<String>,
    company: Option<String>,
    industry: Option<String>,
    signal: Option<String>,
    sender: Option<String>,
    enrollment_id: Option<String>,
    autopilot: Option<bool>,
    step_id: Option<String>,
    step_kind: Option<StepKind>,
    subject_template: Option<String>,
    body_template: Option<String>,
    step_drafted: Option<bool>,
    reach_email: String,
    reach_linkedin: String,
    reach_call: String,
    experiment: Option<String>,
}

/// The drafter.
#[derive(Debug)]
pub struct Drafter;

impl Agent for Drafter {
    const KIND: AgentKind = AgentKind::Drafter;
    const PROMPT: &'static str = include_str!("prompt.v1.md");
    const PROMPT_VERSION: &'static str = "v1";
    const MAX_TOKENS: u32 = 900;
    type Input = Input;
    type Output = Output;

    fn read(kind: TargetKind) -> Option<&'static str> {
        (kind == TargetKind::Contact).then_some(concat!(
            "SELECT c.owner_id, c.account_id, c.first_name, c.last_name, c.title, a.name AS company, a.industry, \
             (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
               AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1) \
               AS signal, \
             (SELECT u.name FROM users u WHERE u.id = coalesce(c.owner_id, e.enrolled_by)) AS sender, \
             e.id AS enrollment_id, s.autopilot, t.id AS step_id, t.kind AS step_kind, t.subject_template, \
             t.body_template, \
             CASE WHEN t.id IS NOT NULL THEN EXISTS (SELECT 1 FROM message_drafts d WHERE d.enrollment_id = e.id \
               AND d.step_id = t.id) END AS step_drafted, ",
            reach_facts_sql!("c", "'email'"),
            " AS reach_email, ",
            reach_facts_sql!("c", "'linkedin'"),
            " AS reach_linkedin, ",
            reach_facts_sql!("c", "'call'"),
            " AS reach_call, ",
            running_experiment_sql!("t.id", "c.id"),
            " AS experiment \
             FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id \
             LEFT JOIN enrollments e ON e.contact_id = c.id AND e.status = 'active' \
             LEFT JOIN sequences s ON s.id = e.sequence_id AND s.status = 'active' \
             LEFT JOIN sequence_steps t ON t.sequence_id = s.id AND t.position = e.current_step \
             WHERE c.id = :id"
        ))
    }

    fn gather(row: &Row, target: &Target, options: &Options, _: &str) -> AppResult<Gathered<Input>> {
        let f: Facts = from_row(row)?;
        let experiment = Running::decode(f.experiment.as_deref())?;
        let step = match (f.step_id, f.step_kind, f.enrollment_id) {
            (Some(step_id), Some(kind), Some(enrollment_id)) => {
                // A running experiment gives the contact its variant's text in place of the step's.
                let picked = experiment.as_ref().and_then(|x| x.pick(&target.id));
                let body = f.body_template.unwrap_or_default();
                let (subject_template, body_template) = match &picked {
                    Some(p) => {
                        let (subject, body) = p.templates(f.subject_template.as_deref(), &body);
                        (subject.map(str::to_owned), body.to_owned())
                    }
                    None => (f.subject_template, body),
                };
                Some(Step {
                    kind,
                    subject_template,
                    body_template,
                    instructions: picked.as_ref().and_then(|p| p.arm.instructions.clone()),
                    at: StepAt {
                        step_id,
                        enrollment_id,
                        autopilot: f.autopilot.unwrap_or(false),
                        drafted: f.step_drafted.unwrap_or(false),
                        variant: picked.as_ref().map(|p| (p.experiment_id.to_owned(), p.arm.id.clone(), p.new)),
                    },
                })
            }
            _ => None,
        };
        // The channel asked for, else the step's, else email; a step on another channel is not
        // the one written.
        let channel = options.channel.or(step.as_ref().map(|s| channel_of(s.kind))).unwrap_or(Channel::Email);
        let step = step.filter(|s| channel_of(s.kind) == channel);
        let connect_note = match &step {
            Some(s) => s.kind == StepKind::LinkedinConnect,
            None => channel == Channel::Linkedin,
        };
        let reach = match channel {
            Channel::Email => f.reach_email,
            Channel::Linkedin => f.reach_linkedin,
            Channel::Call => f.reach_call,
        };
        let not_contacted = Reach::decode(&reach)?.decide(channel)?.err().map(|refusal| refusal.message(channel));
        let values = merge_values(Addressee {
            first_name: Some(&f.first_name),
            last_name: f.last_name.as_deref(),
            title: f.title.as_deref(),
            company: f.company.as_deref(),
            signal: f.signal.as_deref(),
            sender: f.sender.as_deref(),
        });
        let Limits { max_chars, max_words, .. } = limits(channel, connect_note);
        Ok(Gathered {
            input: Input {
                channel,
                connect_note,
                max_chars,
                max_words,
                first_name: f.first_name,
                last_name: f.last_name,
                title: f.title,
                company: f.company,
                industry: f.industry,
                signal: f.signal,
                step,
                not_contacted,
                values,
                reach,
            },
            owner_id: f.owner_id,
            contact_id: Some(target.id.clone()),
            account_id: f.account_id,
        })
    }

    fn fallback(input: &Input) -> Output {
        // A step without a body of its own is written as a first touch of its kind.
        let (subject, body) = match input.step.as_ref().filter(|s| !s.body_template.trim().is_empty()) {
            Some(step) => (step.subject_template.as_deref(), step.body_template.as_str()),
            None => (None, templates::body(input.channel, input.connect_note, input.signal.is_some())),
        };
        let subject = (input.channel == Channel::Email).then(|| {
            let template = subject.filter(|s| !s.trim().is_empty()).unwrap_or(templates::EMAIL_SUBJECT);
            render(template, &input.values).text.trim().to_owned()
        });
        Output { subject, body: render(body, &input.values).text.trim_end().to_owned() }
    }

    fn check(input: &Input, output: &Output) -> Result<(), String> {
        let subject = output.subject.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match (input.channel, subject) {
            (Channel::Email, None) => return Err("an email needs a subject".to_owned()),
            (Channel::Email, Some(s)) if s.chars().count() > SUBJECT_MAX => {
                return Err(format!("the subject must be at most {SUBJECT_MAX} characters"));
            }
            (Channel::Linkedin | Channel::Call, Some(_)) => return Err("only an email has a subject".to_owned()),
            _ => {}
        }
        let body = output.body.trim();
        let (chars, words) = (body.chars().count(), body.split_whitespace().count());
        if body.is_empty() || chars > input.max_chars || words > input.max_words {
            return Err(format!(
                "the body must be 1 to {} characters and at most {} words",
                input.max_chars, input.max_words
            ));
        }
        let mut left = placeholders(body);
        left.extend(subject.map(placeholders).unwrap_or_default());
        if !left.is_empty() {
            return Err(format!("unresolved merge fields: {}", left.join(", ")));
        }
        Ok(())
    }

    fn apply(batch: &mut Batch, run: &Applying<'_>, input: &Input, output: &Output) -> AppResult<()> {
        let Some(contact) = run.contact_id else { return Ok(()) };
        if input.not_contacted.is_some() {
            return Ok(());
        }
        let subject = (input.channel == Channel::Email)
            .then(|| output.subject.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .flatten();
        let body = output.body.trim_end();
        let recipient = Recipient {
            company: input.company.as_deref(),
            title: input.title.as_deref(),
            signal: input.signal.as_deref(),
        };
        let report = rules_report(input.channel, input.connect_note, subject, body, &recipient);
        // A step not drafted yet gets this draft (the tick then passes over it); one already
        // drafted gets a one-off message beside it.
        let at = input.step.as_ref().map(|s| &s.at).filter(|at| !at.drafted);
        let approved = at.is_some_and(|at| at.autopilot) && report.passed;
        let status = if approved { ApprovalStatus::Approved } else { ApprovalStatus::Pending };
        let id = new_id();
        batch.require(
            concat!("(SELECT ", reach_facts_sql!("c", ":channel"), " FROM contacts c WHERE c.id = :contact) IS :reach"),
            libsql::named_params! {":contact": contact, ":channel": input.channel.as_str(), ":reach": input.reach.as_str()},
            AppError::conflict("contact_id", "the contact changed while the draft was written; run the drafter again"),
        )?;
        let after = serde_json::json!({"approval_status": status, "channel": input.channel, "subject": subject,
            "body": body, "notes": null, "contact_id": contact});
        audited(batch, run, "draft.create", "draft", &id, &after)?;
        let report =
            serde_json::to_string(&report).map_err(|e| AppError::Internal(anyhow::anyhow!("quality report: {e}")))?;
        // The step's draft carries the contact's variant: a new assignment is recorded first,
        // and the draft reads the assignment back, so a race keeps the first.
        let variant = at.and_then(|a| a.variant.as_ref());
        if let Some((experiment, variant_id, true)) = variant {
            let new = serde_json::json!([[experiment, contact, variant_id]]);
            batch.push(RECORD_SQL, libsql::params![new.to_string(), run.at])?;
        }
        batch.push(
            "INSERT INTO message_drafts (id, contact_id, channel, step_id, enrollment_id, subject, body, author_kind, \
             author_user_id, agent_run_id, quality_report, approval_status, variant_id, created_at, updated_at) \
             VALUES (:id, :contact, :channel, :step, :enrollment, :subject, :body, 'agent', NULL, :run, :report, \
             :status, (SELECT a.variant_id FROM experiment_assignments a WHERE a.experiment_id = :experiment \
               AND a.contact_id = :contact), :at, :at)",
            libsql::named_params! {
                ":id": id.as_str(), ":contact": contact, ":channel": input.channel.as_str(),
                ":step": at.map(|a| a.step_id.as_str()), ":enrollment": at.map(|a| a.enrollment_id.as_str()),
                ":subject": subject, ":body": body, ":run": run.run_id, ":report": report,
                ":status": status.as_str(), ":at": run.at, ":experiment": variant.map(|v| v.0.as_str()),
            },
        )?;
        Ok(())
    }
}

/// The channel a step kind is on.
fn channel_of(kind: StepKind) -> Channel {
    match kind {
        StepKind::Email => Channel::Email,
        StepKind::Call => Channel::Call,
        StepKind::LinkedinConnect | StepKind::LinkedinMessage => Channel::Linkedin,
    }
}

#[cfg(test)]
mod tests;
