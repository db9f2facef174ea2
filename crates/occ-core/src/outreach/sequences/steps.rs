//! A sequence's steps: checking those a client sends, keeping the ones contacts are walking, and
//! writing them.

use serde::Deserialize;

use super::{CONNECT_NOTE_MAX, MAX_STEPS, Step, template};
use crate::domain::enums::{Channel, StepKind};
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::store::Batch;
use crate::validate::Check;

/// A step as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// An existing step's id, to edit it in place (PATCH).
    #[serde(default)]
    pub id: Option<String>,
    /// Days after enrollment (0-365), never before the previous step's.
    pub day_offset: i64,
    /// email, linkedin_connect, linkedin_message or call.
    pub kind: StepKind,
    /// Optional; must agree with `kind`.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Required for email, absent otherwise.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message or call script; merge fields `{{first_name}}`, `{{last_name}}`, `{{full_name}}`,
    /// `{{title}}`, `{{company}}`, `{{signal}}`, `{{sender_name}}`, `{{sender_first_name}}`.
    pub template: String,
    /// Only the last step may be the break-up.
    #[serde(default)]
    pub is_break_up: bool,
}

/// A checked step, with its id (new or kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CheckedStep {
    id: String,
    existing: bool,
    day_offset: i64,
    kind: StepKind,
    subject: Option<String>,
    template: String,
    is_break_up: bool,
}

fn channel_of(kind: StepKind) -> Channel {
    match kind {
        StepKind::Email => Channel::Email,
        StepKind::Call => Channel::Call,
        StepKind::LinkedinConnect | StepKind::LinkedinMessage => Channel::Linkedin,
    }
}

impl Check {
    pub(super) fn steps(&mut self, steps: Vec<StepInput>, existing: &[Step]) -> Vec<CheckedStep> {
        if steps.is_empty() || steps.len() > MAX_STEPS {
            self.fail("steps", "range", format!("a sequence has 1 to {MAX_STEPS} steps"));
        }
        let last = steps.len().saturating_sub(1);
        let mut previous = 0;
        let mut out = Vec::with_capacity(steps.len());
        for (i, step) in steps.into_iter().enumerate() {
            let at = |field: &str| format!("steps[{i}].{field}");
            let existing_step = match step.id.as_deref() {
                None => None,
                Some(id) => match existing.iter().find(|s| s.id == id) {
                    Some(found) => Some(found),
                    None => {
                        self.fail(&at("id"), "exists", "not a step of this sequence; leave id out for a new step");
                        None
                    }
                },
            };
            if !(0..=365).contains(&step.day_offset) {
                self.fail(&at("day_offset"), "range", "must be from 0 to 365 days");
            } else if step.day_offset < previous {
                self.fail(&at("day_offset"), "order", format!("must not be before the previous step's ({previous})"));
            } else {
                previous = step.day_offset;
            }
            if step.channel.is_some_and(|c| c != channel_of(step.kind)) {
                self.fail(&at("channel"), "kind", format!("a {} step is on {}", step.kind, channel_of(step.kind)));
            }
            let template = self.required_prose(&at("template"), step.template, 20_000);
            for field in template::unknown_fields(&template) {
                let message =
                    format!("{{{{{field}}}}} is not a merge field; use {}", template::MERGE_FIELDS.join(", "));
                self.fail(&at("template"), "merge_field", message);
            }
            if step.kind == StepKind::LinkedinConnect && template.chars().count() > CONNECT_NOTE_MAX {
                let message = format!("a connection note is at most {CONNECT_NOTE_MAX} characters on LinkedIn");
                self.fail(&at("template"), "max_length", message);
            }
            let subject = match step.kind {
                StepKind::Email => {
                    let subject = self.text(&at("subject"), step.subject, 500);
                    if subject.is_none() && !self.failed(&at("subject")) {
                        self.fail(&at("subject"), "required", "an email step needs a subject");
                    }
                    for field in subject.as_deref().map(template::unknown_fields).unwrap_or_default() {
                        self.fail(&at("subject"), "merge_field", format!("{{{{{field}}}}} is not a merge field"));
                    }
                    subject
                }
                _ => {
                    if step.subject.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                        self.fail(&at("subject"), "not_allowed", "only email steps have a subject");
                    }
                    None
                }
            };
            if step.is_break_up && i != last {
                self.fail(&at("is_break_up"), "last", "only the last step can be the break-up");
            }
            out.push(CheckedStep {
                id: existing_step.map_or_else(new_id, |s| s.id.clone()),
                existing: existing_step.is_some(),
                day_offset: step.day_offset,
                kind: step.kind,
                subject,
                template,
                is_break_up: step.is_break_up,
            });
        }
        out
    }
}

/// While contacts are in the sequence, the steps they are walking must stay where they are: the
/// new list starts with the existing steps, in order and of the same kind.
pub(super) fn check_live_edit(live: i64, existing: &[Step], steps: &[CheckedStep]) -> AppResult<()> {
    let keeps = existing.len() <= steps.len()
        && existing.iter().zip(steps).all(|(old, new)| new.existing && old.id == new.id && old.kind == new.kind);
    if live == 0 || keeps {
        return Ok(());
    }
    let message = format!(
        "{live} contact{} in this sequence: its steps can be edited and new ones added at the end, but not removed, \
         reordered or changed to another kind; archive it and create a new one instead",
        if live == 1 { " is" } else { "s are" }
    );
    Err(AppError::refused("steps", "in_use", message))
}

/// The steps as they are stored: each at its place in the list, on its kind's channel.
pub(super) fn planned(steps: &[CheckedStep]) -> Vec<Step> {
    steps
        .iter()
        .zip(1..)
        .map(|(s, position)| Step {
            id: s.id.clone(),
            position,
            day_offset: s.day_offset,
            channel: channel_of(s.kind),
            kind: s.kind,
            subject: s.subject.clone(),
            template: s.template.clone(),
            is_break_up: s.is_break_up,
        })
        .collect()
}

/// Adds to `batch` the writing of the steps: those left out are removed, the others placed at
/// their new positions (moved out of the way first, as positions are unique).
pub(super) fn write_steps(batch: &mut Batch, sequence_id: &str, steps: &[CheckedStep], at: &str) -> AppResult<()> {
    let json = serde_json::to_string(&planned(steps)).map_err(|e| AppError::Internal(e.into()))?;
    batch.push(
        "DELETE FROM sequence_steps WHERE sequence_id = ?1 AND id NOT IN (SELECT value ->> 'id' FROM json_each(?2))",
        libsql::params![sequence_id, json.as_str()],
    )?;
    batch.push("UPDATE sequence_steps SET position = position + 10000 WHERE sequence_id = ?1", [sequence_id])?;
    batch.push(
        "INSERT INTO sequence_steps (id, sequence_id, position, day_offset, channel, kind, subject_template, body_template, \
         is_break_up, created_at, updated_at) \
         SELECT value ->> 'id', ?1, value ->> 'position', value ->> 'day_offset', value ->> 'channel', value ->> 'kind', \
         value ->> 'subject', value ->> 'template', value ->> 'is_break_up', ?3, ?3 FROM json_each(?2) WHERE true \
         ON CONFLICT (id) DO UPDATE SET position = excluded.position, day_offset = excluded.day_offset, \
         channel = excluded.channel, kind = excluded.kind, subject_template = excluded.subject_template, \
         body_template = excluded.body_template, is_break_up = excluded.is_break_up, updated_at = excluded.updated_at",
        libsql::params![sequence_id, json.as_str(), at],
    )?;
    Ok(())
}
