//! The writes every way of recording a touch shares: the touch itself, and the meeting a call
//! booked.

use super::check::Checked;
use super::touchpoint_columns;
use crate::audit::{self, Actor};
use crate::contacts::actions::Mover;
use crate::domain::enums::{CallOutcome, Channel, OpportunityStatus, TouchpointKind};
use crate::domain::new_id;
use crate::error::AppResult;
use crate::outreach::opportunities::stages_for;
use crate::store::{Batch, Step};

/// Adds the touch `id` of `kind` about `contact_id` (from `t`'s draft, if any) to `batch`, sent,
/// by `user`; answers the step whose row is the touch.
#[allow(clippy::too_many_arguments)]
pub(super) fn push_touch(
    batch: &mut Batch,
    id: &str,
    contact_id: &str,
    kind: TouchpointKind,
    key: &str,
    t: &Checked,
    user: &str,
    at: &str,
) -> AppResult<Step> {
    batch.push(
        concat!(
            "INSERT INTO touchpoints (id, contact_id, channel, kind, status, draft_id, enrollment_id, variant_id, to_address, \
               subject, body, idempotency_key, sent_at, call_outcome, duration_seconds, notes, created_by, created_at, updated_at, owner_key) \
             SELECT ?1, c.id, ?3, ?4, 'sent', d.id, d.enrollment_id, d.variant_id, CASE WHEN ?3 = 'email' THEN c.email END, \
               d.subject, d.body, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ifnull(c.owner_id, '') \
             FROM contacts c LEFT JOIN message_drafts d ON d.id = ?12 WHERE c.id = ?2 RETURNING ",
            touchpoint_columns!()
        ),
        libsql::params![
            id,
            contact_id,
            kind_channel(kind).as_str(),
            kind.as_str(),
            key,
            t.sent_at.as_str(),
            t.call_outcome.map(CallOutcome::as_str),
            t.duration_seconds,
            t.notes.as_deref(),
            user,
            at,
            t.draft_id.as_deref()
        ],
    )
}

/// Plans booking a meeting with a contact who has no open opportunity (a call that booked
/// one): a new meeting_booked opportunity, whose trigger ends the contact's sequence and
/// archives what was waiting to be sent, and the contact's stage walked to meeting_booked.
pub(super) fn book(batch: &mut Batch, actor: &Actor, contact: &mut Mover, booked_by: &str, at: &str) -> AppResult<()> {
    let id = new_id();
    batch.push(
        "INSERT INTO opportunities (id, contact_id, account_id, status, owner_id, created_at, updated_at) \
         SELECT ?1, c.id, c.account_id, 'meeting_booked', coalesce(c.owner_id, ?3), ?4, ?4 FROM contacts c WHERE c.id = ?2",
        libsql::params![id.as_str(), contact.id(), booked_by, at],
    )?;
    let view = serde_json::json!({"contact_id": contact.id(), "status": OpportunityStatus::MeetingBooked});
    audit::record_with_in(batch, actor, "opportunity.create", "opportunity", &id, None, Some(&view), None)?;
    for next in stages_for(OpportunityStatus::MeetingBooked) {
        contact.advance(batch, actor, *next, "contact.opportunity")?;
    }
    Ok(())
}

/// The LinkedIn event (and pacing counter) of a touch kind.
pub(super) fn linkedin_event(kind: TouchpointKind) -> Option<&'static str> {
    match kind {
        TouchpointKind::LinkedinConnect => Some("connection_sent"),
        TouchpointKind::LinkedinMessage | TouchpointKind::LinkedinInmail => Some("message_sent"),
        TouchpointKind::Email | TouchpointKind::Call => None,
    }
}

/// The channel of a touch kind.
pub(super) fn kind_channel(kind: TouchpointKind) -> Channel {
    match kind {
        TouchpointKind::Email => Channel::Email,
        TouchpointKind::Call => Channel::Call,
        TouchpointKind::LinkedinConnect | TouchpointKind::LinkedinMessage | TouchpointKind::LinkedinInmail => {
            Channel::Linkedin
        }
    }
}
