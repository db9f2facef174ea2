//! Recording a touch in one batch that reads nothing first, its rules checked in SQL; when one
//! fails, the caller records it the reading way ([`record`](fn@super::record)).

use super::check::{Checked, RecordTouch, check};
use super::write::{book, linkedin_event, push_touch};
use super::{ENTITY, Touchpoint, decode, touchpoint_columns};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::actions::Mover;
use crate::contacts::actions::advance::advance_of_draft_in;
use crate::domain::enums::{CallOutcome, Role, Stage, TouchpointKind};
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::http::Ctx;
use crate::store::{Batch, Outcome, Step, single};

/// How a touch planned by [`plan_unread`] is read from its batch's outcome: the touch, new.
pub(crate) type ReadTouch<'a> = Box<dyn FnOnce(Outcome) -> AppResult<(Touchpoint, bool)> + Send + 'a>;

/// Plans a touch as one batch that reads nothing first: its rules are checked in SQL (what it
/// is about exists and the caller may work it, the key was not recorded before, the pacing
/// settings are the ones this instance saw last, a call that booked a meeting finds none
/// open; for a draft, that it is approved and not sent by another touch), and when one fails,
/// nothing is kept and the caller records the touch the reading way
/// ([`record`](fn@super::record)), which says why or answers the touch recorded first. `None`
/// when this instance has not seen the pacing settings yet and the touch may take a LinkedIn
/// slot, or a draft's call booked a meeting: those are recorded the reading way.
pub(crate) fn plan_unread<'a>(
    ctx: &'a Ctx,
    principal: &Principal,
    actor: &Actor,
    body: &RecordTouch,
) -> AppResult<Option<(Batch, ReadTouch<'a>)>> {
    let t = check(body.clone())?;
    match &t.draft_id {
        Some(draft) => plan_draft(ctx, principal, actor, &t, draft),
        None => plan_ad_hoc(ctx, principal, actor, &t),
    }
}

/// [`plan_unread`] for a touch of a contact and a kind, without a draft.
fn plan_ad_hoc<'a>(
    ctx: &'a Ctx,
    principal: &Principal,
    actor: &Actor,
    t: &Checked,
) -> AppResult<Option<(Batch, ReadTouch<'a>)>> {
    let (Some(contact_id), Some(kind)) = (&t.contact_id, t.kind) else {
        return Ok(None);
    };
    let event = linkedin_event(kind);
    let seen = ctx.pacing_seen.get();
    if event.is_some() && seen.is_none() {
        return Ok(None);
    }
    let (id, at) = (new_id(), now());
    let key = format!("manual:{}", t.key.clone().unwrap_or_else(new_id));
    let booked = t.call_outcome == Some(CallOutcome::MeetingBooked);
    let bdr = (principal.role == Role::Bdr).then_some(principal.user_id.as_str());
    let mut batch = Batch::new();
    batch.require_or_explain(
        "EXISTS (SELECT 1 FROM contacts c WHERE c.id = :contact AND (:bdr IS NULL OR c.owner_id IS NULL OR c.owner_id = :bdr)) \
         AND NOT EXISTS (SELECT 1 FROM touchpoints WHERE idempotency_key = :key) \
         AND (NOT :booked OR NOT EXISTS (SELECT 1 FROM opportunities p WHERE p.contact_id = :contact \
           AND p.status IN ('meeting_booked', 'meeting_held', 'opportunity_created'))) \
         AND (NOT :paced OR (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1) IS :pacing)",
        libsql::named_params! {
            ":contact": contact_id.as_str(), ":bdr": bdr, ":key": key.as_str(), ":booked": booked,
            ":paced": event.is_some(), ":pacing": seen.clone().flatten(),
        },
    )?;
    audit::record_in(&mut batch, actor, "touchpoint.create", ENTITY, &id, None)?;
    let touch = push_touch(&mut batch, &id, contact_id, kind, &key, t, &principal.user_id, &at)?;
    if let Some(event) = event {
        let pacing = crate::settings::pacing::parse(seen.flatten().as_deref());
        crate::settings::pacing::take_linkedin_slot(
            &mut batch,
            &pacing,
            &principal.user_id,
            event,
            chrono::Utc::now(),
        )?;
    }
    // Not read: each move happens where the stage table allows it from where the contact stands.
    let mut contact = Mover::unread(contact_id, &at);
    contact.advance(&mut batch, actor, Stage::Touched, "contact.touched")?;
    if booked {
        book(&mut batch, actor, &mut contact, &principal.user_id, &at)?;
    }
    Ok(Some(finish(ctx, batch, touch)?))
}

/// [`plan_unread`] for a touch recorded from its draft: the batch derives the kind, the contact
/// and the LinkedIn slot from the draft as [`record`](fn@super::record) does from what it reads.
fn plan_draft<'a>(
    ctx: &'a Ctx,
    principal: &Principal,
    actor: &Actor,
    t: &Checked,
    draft: &str,
) -> AppResult<Option<(Batch, ReadTouch<'a>)>> {
    let Some(seen) = ctx.pacing_seen.get() else { return Ok(None) };
    if t.call_outcome == Some(CallOutcome::MeetingBooked) {
        return Ok(None);
    }
    let (id, at) = (new_id(), now());
    let key = format!("draft:{draft}");
    let bdr = (principal.role == Role::Bdr).then_some(principal.user_id.as_str());
    let mut batch = Batch::new();
    batch.require_or_explain(
        "EXISTS (SELECT 1 FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :draft \
           AND (:bdr IS NULL OR c.owner_id IS NULL OR c.owner_id = :bdr) AND d.approval_status IN ('approved', 'sent') \
           AND (NOT :call_fields OR d.channel = 'call')) \
         AND NOT EXISTS (SELECT 1 FROM touchpoints WHERE idempotency_key = :key) \
         AND NOT EXISTS (SELECT 1 FROM touchpoints o WHERE o.draft_id = :draft AND o.idempotency_key <> :key \
           AND o.status IN ('reserved', 'sending', 'sent', 'unknown')) \
         AND (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1) IS :pacing",
        libsql::named_params! {
            ":draft": draft, ":bdr": bdr, ":key": key.as_str(),
            ":call_fields": t.call_outcome.is_some() || t.duration_seconds.is_some(), ":pacing": seen.clone(),
        },
    )?;
    audit::record_in(&mut batch, actor, "touchpoint.create", ENTITY, &id, None)?;
    // The kind: an email's or a call's by the draft's channel; a LinkedIn draft's as asked, else
    // as its step says.
    let touch = batch.push(
        concat!(
            "INSERT INTO touchpoints (id, contact_id, channel, kind, status, draft_id, enrollment_id, variant_id, to_address, \
               subject, body, idempotency_key, sent_at, call_outcome, duration_seconds, notes, created_by, created_at, updated_at, owner_key) \
             SELECT :id, c.id, d.channel, CASE d.channel WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' \
               ELSE CASE WHEN :kind IN ('linkedin_connect', 'linkedin_message', 'linkedin_inmail') THEN :kind \
               WHEN s.kind = 'linkedin_connect' THEN 'linkedin_connect' ELSE 'linkedin_message' END END, \
               'sent', d.id, d.enrollment_id, d.variant_id, CASE WHEN d.channel = 'email' THEN c.email END, \
               d.subject, d.body, :key, :sent_at, :call_outcome, :duration, :notes, :me, :now, :now, ifnull(c.owner_id, '') \
             FROM message_drafts d JOIN contacts c ON c.id = d.contact_id LEFT JOIN sequence_steps s ON s.id = d.step_id \
             WHERE d.id = :draft RETURNING ",
            touchpoint_columns!()
        ),
        libsql::named_params! {
            ":id": id.as_str(), ":draft": draft, ":kind": t.kind.map(TouchpointKind::as_str), ":key": key.as_str(),
            ":sent_at": t.sent_at.as_str(), ":call_outcome": t.call_outcome.map(CallOutcome::as_str),
            ":duration": t.duration_seconds, ":notes": t.notes.as_deref(), ":me": principal.user_id.as_str(),
            ":now": at.as_str(),
        },
    )?;
    let pacing = crate::settings::pacing::parse(seen.as_deref());
    for event in ["connection_sent", "message_sent"] {
        crate::settings::pacing::take_linkedin_slot_for(
            &mut batch,
            &pacing,
            &principal.user_id,
            event,
            &id,
            chrono::Utc::now(),
        )?;
    }
    // Not read: each move happens where the stage table allows it from where the contact stands.
    advance_of_draft_in(&mut batch, actor, Stage::Touched, "contact.touched", draft, false, &at)?;
    advance_of_draft_in(&mut batch, actor, Stage::BreakUpSent, "contact.break_up_sent", draft, true, &at)?;
    Ok(Some(finish(ctx, batch, touch)?))
}

/// The end of a [`plan_unread`] batch: the pacing settings read back for the next touch, and
/// how the touch is read.
fn finish<'a>(ctx: &'a Ctx, mut batch: Batch, touch: Step) -> AppResult<(Batch, ReadTouch<'a>)> {
    let pacing = batch.push(crate::settings::pacing::STORED, ())?;
    let read: ReadTouch<'a> = Box::new(move |outcome: Outcome| {
        ctx.pacing_seen.set(outcome.one("setting", pacing, single)?);
        Ok((outcome.one(ENTITY, touch, decode)?, true))
    });
    Ok((batch, read))
}
