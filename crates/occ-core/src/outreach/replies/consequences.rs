//! What a reply changes, planned in the batch that records it: the contact's stage, its
//! enrollments (paused or exited), its drafts, suppression and the "not now" follow-up.

use chrono::{Duration, NaiveDate, Utc};

use super::{DEFAULT_AWAY_DAYS, ENTITY, Effects, NOT_NOW_DAYS, ReplyResult, stage_for};
use crate::audit::{self, Actor};
use crate::contacts::actions::{Moved, Mover};
use crate::domain::enums::{Channel, ReplyIntent, Stage};
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::store::{Batch, Outcome, Step, from_row};

/// A reply's writes, planned in a batch: [`Planned::read`] answers the reply and what it
/// changed from the batch's outcome.
pub(crate) struct Planned {
    /// The reply's id.
    pub id: String,
    /// The statement answering the reply.
    reply: Step,
    /// Its channel (a follow-up's).
    channel: Channel,
    /// The enrollments paused, and until when.
    paused: Option<(Step, String)>,
    /// The enrollments exited (the contact's, its colleagues').
    exited: Vec<Step>,
    /// The drafts archived.
    archived: Option<Step>,
    /// The stage the contact moves to when the database decides it: moved if the step
    /// returned a row.
    stage_step: Option<(Stage, Step)>,
    /// What is known before the writes: the stage, suppression, the follow-up.
    effects: Effects,
}

impl Planned {
    pub(super) fn new(id: String, channel: Channel, reply: Step) -> Self {
        Self {
            id,
            reply,
            channel,
            paused: None,
            exited: Vec::new(),
            archived: None,
            stage_step: None,
            effects: Effects::default(),
        }
    }

    /// The reply and its effects, as the batch wrote them.
    pub(super) fn read(self, outcome: &Outcome) -> AppResult<ReplyResult> {
        let reply = outcome.one(ENTITY, self.reply, from_row)?;
        let count = |step: Step| outcome.rows(step, |_| Ok(())).map(|rows| rows.len());
        let mut effects = self.effects;
        if let Some((step, until)) = self.paused
            && count(step)? > 0
        {
            effects.paused_until = Some(until);
        }
        for step in self.exited {
            effects.enrollments_exited += count(step)?;
        }
        if let Some(step) = self.archived {
            effects.drafts_archived = count(step)?;
        }
        if let Some((stage, step)) = self.stage_step
            && count(step)? > 0
        {
            effects.stage = Some(stage);
        }
        Ok(ReplyResult { reply, effects })
    }
}

/// Plans the consequences of `intent` for the reply's contact after the reply's own statement
/// (`planned.reply`). `corrected`: a person corrected the intent, so the stage is set even where
/// the stage table would not lead there (audited as a correction).
pub(super) fn apply(
    batch: &mut Batch,
    actor: &Actor,
    contact: &mut Mover,
    intent: ReplyIntent,
    return_date: Option<NaiveDate>,
    corrected: bool,
    mut planned: Planned,
) -> AppResult<Planned> {
    let at = now();
    let contact_id = contact.id().to_owned();
    if let Some(target) = stage_for(intent) {
        let moved = if corrected {
            let reason = format!("reply {} corrected to {intent}", planned.id);
            contact.set(batch, actor, target, "contact.stage_correction", &reason)?
        } else {
            // A reply before any recorded touch: the contact was touched first.
            contact.advance(batch, actor, Stage::Touched, "contact.touched")?;
            contact.advance(batch, actor, target, "contact.replied")?
        };
        match moved {
            Moved::Yes => planned.effects.stage = Some(target),
            Moved::IfRows(step) => planned.stage_step = Some((target, step)),
            Moved::No => {}
        }
    }
    if intent == ReplyIntent::OutOfOffice {
        let until = return_date.unwrap_or_else(|| (Utc::now() + Duration::days(DEFAULT_AWAY_DAYS)).date_naive());
        let until = format!("{until}T09:00:00.000Z");
        let paused = batch.push(
            "UPDATE enrollments SET status = 'paused', paused_until = ?2, updated_at = ?3 \
             WHERE contact_id = ?1 AND status = 'active' RETURNING id",
            libsql::params![contact_id.as_str(), until.as_str(), at.as_str()],
        )?;
        planned.paused = Some((paused, until));
        return Ok(planned);
    }
    let reason = if intent == ReplyIntent::Unsubscribe { "unsubscribed" } else { "replied" };
    planned.exited.push(batch.push(
        "UPDATE enrollments SET status = 'exited', exit_reason = ?2, paused_until = NULL, next_due_at = NULL, \
         ended_at = ?3, updated_at = ?3 WHERE contact_id = ?1 AND status IN ('active', 'paused') RETURNING id",
        libsql::params![contact_id.as_str(), reason, at.as_str()],
    )?);
    if intent == ReplyIntent::Positive {
        // A colleague at the same company said yes: the others leave their sequences.
        planned.exited.push(batch.push(
            "UPDATE enrollments SET status = 'exited', exit_reason = 'colleague_replied', paused_until = NULL, \
             next_due_at = NULL, ended_at = ?2, updated_at = ?2 \
             WHERE status IN ('active', 'paused') AND contact_id IN (SELECT o.id FROM contacts o \
               JOIN contacts c ON c.account_id = o.account_id WHERE c.id = ?1 AND o.id <> ?1) RETURNING id",
            libsql::params![contact_id.as_str(), at.as_str()],
        )?);
    }
    // Nothing waiting to be sent goes out after an answer.
    planned.archived = Some(batch.push(
        "UPDATE message_drafts SET approval_status = 'archived', notes = coalesce(notes, 'archived: the contact replied'), \
         updated_at = ?2 WHERE contact_id = ?1 AND approval_status IN ('draft', 'pending', 'approved') RETURNING id",
        libsql::params![contact_id.as_str(), at.as_str()],
    )?);
    if intent == ReplyIntent::Unsubscribe {
        audit::record_in(batch, actor, "contact.unsubscribed", "contact", &contact_id, Some("unsubscribe reply"))?;
        batch.push(
            "UPDATE contacts SET status = 'do_not_contact', updated_at = ?2 WHERE id = ?1",
            libsql::params![contact_id.as_str(), at.as_str()],
        )?;
        batch.push(
            "INSERT INTO email_suppression (id, kind, value, value_hash, reason, source, created_at) \
             SELECT ?1, 'email', c.email, NULL, 'unsubscribe', 'reply', ?3 FROM contacts c \
             WHERE c.id = ?2 AND c.email IS NOT NULL ON CONFLICT DO NOTHING",
            libsql::params![new_id(), contact_id.as_str(), at.as_str()],
        )?;
        planned.effects.suppressed = true;
    }
    if intent == ReplyIntent::NotNow {
        let id = new_id();
        let due = (Utc::now() + Duration::days(NOT_NOW_DAYS)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        batch.push(
            "INSERT INTO followups (id, contact_id, reply_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, 'pending', ?5, 'They said not now: follow up in 90 days', c.owner_id, ?6, ?6 \
             FROM contacts c WHERE c.id = ?2",
            libsql::params![id.as_str(), contact_id.as_str(), planned.id.as_str(), planned.channel.as_str(), due, at.as_str()],
        )?;
        planned.effects.followup_id = Some(id);
    }
    Ok(planned)
}
