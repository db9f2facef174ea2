//! Recording a touch the reading way: what it depends on is read first, and the batch writes
//! only if all of it still holds. A replayed key answers the touch recorded first.

use serde::Deserialize;

use super::check::{RecordTouch, check};
use super::write::{book, kind_channel, linkedin_event, push_touch};
use super::{ENTITY, Touchpoint, decode, internal, touchpoint_columns};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::actions::{Mover, mover_sql};
use crate::domain::enums::{ApprovalStatus, CallOutcome, Channel, Stage, TouchpointKind};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult};
use crate::store::{Batch, Conn, Outcome, Step, from_row};

/// What recording a touch needs to know about its draft (if any) and contact.
#[derive(Debug, Deserialize)]
struct Facts(
    String,
    Option<Channel>,
    Option<ApprovalStatus>,
    Option<String>,
    i64,
    Option<String>,
    Option<String>,
    bool,
    bool,
);

/// The facts, read with the touch recorded under the same key (if any): `[contact, channel,
/// approval status, step kind, break-up, owner, pacing settings, whether another touch took the
/// draft, whether the contact has an open opportunity]` from the draft, or from the contact for
/// an ad-hoc touch; then the contact's stage. Expects `:draft`, `:contact` and `:key`.
macro_rules! facts_sql {
    () => {
        concat!(
            "WITH f AS (SELECT CASE WHEN :draft IS NOT NULL THEN (SELECT contact_id FROM message_drafts WHERE id = :draft) \
               ELSE :contact END AS contact_id) \
             SELECT ",
            touchpoint_columns!(),
            ", CASE WHEN :draft IS NOT NULL THEN \
               (SELECT json_array(d.contact_id, d.channel, d.approval_status, s.kind, coalesce(s.is_break_up, 0), c.owner_id, \
                  (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1), \
                  json(CASE WHEN EXISTS (SELECT 1 FROM touchpoints o WHERE o.draft_id = d.id AND o.idempotency_key <> :key \
                    AND o.status IN ('reserved', 'sending', 'sent', 'unknown')) THEN 'true' ELSE 'false' END), \
                  json(CASE WHEN EXISTS (SELECT 1 FROM opportunities p WHERE p.contact_id = c.id \
                    AND p.status IN ('meeting_booked', 'meeting_held', 'opportunity_created')) THEN 'true' ELSE 'false' END)) \
                FROM message_drafts d JOIN contacts c ON c.id = d.contact_id LEFT JOIN sequence_steps s ON s.id = d.step_id \
                WHERE d.id = :draft) \
             ELSE (SELECT json_array(c.id, NULL, NULL, NULL, 0, c.owner_id, \
                  (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1), json('false'), \
                  json(CASE WHEN EXISTS (SELECT 1 FROM opportunities p WHERE p.contact_id = c.id \
                    AND p.status IN ('meeting_booked', 'meeting_held', 'opportunity_created')) THEN 'true' ELSE 'false' END)) \
                FROM contacts c WHERE c.id = :contact) END AS touch_facts, \
             (SELECT ",
            mover_sql!(),
            " FROM contacts c WHERE c.id = f.contact_id) AS touch_stage \
             FROM f LEFT JOIN touchpoints ON touchpoints.idempotency_key = :key"
        )
    };
}

/// What a touch is recorded from, as one value of a row `x` of [`facts_sql!`] (materialized,
/// so each is computed once): the touch recorded before under its key, the facts and the
/// contact's stage.
macro_rules! seen_of_x {
    () => {
        "json_array(x.id, x.touch_facts, x.touch_stage)"
    };
}

/// A row of `x.*` and [`seen_of_x!`] `AS seen`: the touch recorded before under the key (its
/// [`touchpoint_columns!`], all NULL when there is none), the facts, the stage and what was seen.
#[derive(Deserialize)]
struct FactsRow {
    id: Option<String>,
    touch_facts: Option<String>,
    touch_stage: Option<String>,
    seen: String,
}

/// A touch planned in a batch: the one recorded before under the same key (nothing is
/// written), or the new one's statement.
pub(crate) enum Recording {
    /// Recorded before: the first record answers.
    Before(Box<Touchpoint>),
    /// New: the batch's statement answering it.
    New(Step),
}

impl Recording {
    /// The touch, and whether it is new.
    pub(crate) fn read(self, outcome: &Outcome) -> AppResult<(Touchpoint, bool)> {
        match self {
            Self::Before(touch) => Ok((*touch, false)),
            Self::New(step) => Ok((outcome.one(ENTITY, step, decode)?, true)),
        }
    }
}

/// Plans recording a touch: reads what it needs (one call, the transaction's read) and adds
/// its writes to `batch`: the touch, whose triggers mark the draft sent, date the contact's last
/// touch and record a LinkedIn event; a LinkedIn slot under the limits; the contact's stage;
/// a meeting a call booked. A replayed key writes nothing and answers the touch recorded first.
pub(crate) async fn record(
    conn: &Conn,
    batch: &mut Batch,
    principal: &Principal,
    actor: &Actor,
    body: RecordTouch,
) -> AppResult<Recording> {
    let t = check(body)?;
    let at = now();
    let id = new_id();
    let key = match (&t.draft_id, &t.key) {
        (Some(draft_id), _) => format!("draft:{draft_id}"),
        (None, Some(key)) => format!("manual:{key}"),
        (None, None) => format!("manual:{}", new_id()),
    };
    let read = conn
        .query_one(
            ENTITY,
            concat!("WITH x AS MATERIALIZED (", facts_sql!(), ") SELECT x.*, ", seen_of_x!(), " AS seen FROM x"),
            libsql::named_params! {
                ":draft": t.draft_id.as_deref(), ":contact": t.contact_id.as_deref(), ":key": key.as_str(),
            },
            |row| {
                let read: FactsRow = from_row(row)?;
                let before = read.id.map(|_| decode(row)).transpose()?;
                Ok((before, read.touch_facts, read.touch_stage, read.seen))
            },
        )
        .await?;
    let (before, Some(facts), Some(stage), seen) = read else {
        return Err(match &t.draft_id {
            Some(_) => AppError::invalid("draft_id", "exists", "no draft has this id"),
            None => AppError::invalid("contact_id", "exists", "no contact has this id"),
        });
    };
    let Facts(contact_id, channel, status, step_kind, break_up, owner, pacing, taken, meeting_open) =
        serde_json::from_str(&facts).map_err(internal)?;
    principal.require_owner(owner.as_deref())?;
    let kind = match (&t.draft_id, channel) {
        (Some(_), Some(channel)) => {
            if status != Some(ApprovalStatus::Approved) && status != Some(ApprovalStatus::Sent) {
                let status = status.map_or("unknown".to_owned(), |s| s.to_string());
                let message = match status.as_str() {
                    "draft" | "pending" => format!("the draft is {status}: approve or reject it in Review first"),
                    _ => format!("the draft is {status}; only an approved draft is sent or done"),
                };
                return Err(AppError::refused("approval_status", "transition", message));
            }
            match (channel, t.kind, step_kind.as_deref()) {
                (Channel::Email, _, _) => TouchpointKind::Email,
                (Channel::Call, _, _) => TouchpointKind::Call,
                (Channel::Linkedin, Some(k), _) if kind_channel(k) == Channel::Linkedin => k,
                (Channel::Linkedin, _, Some("linkedin_connect")) => TouchpointKind::LinkedinConnect,
                (Channel::Linkedin, _, _) => TouchpointKind::LinkedinMessage,
            }
        }
        _ => t.kind.unwrap_or(TouchpointKind::Call),
    };
    if kind != TouchpointKind::Call && (t.call_outcome.is_some() || t.duration_seconds.is_some()) {
        return Err(AppError::invalid("call_outcome", "channel", "call_outcome and duration_seconds are for calls"));
    }
    if let Some(first) = before {
        return Ok(Recording::Before(Box::new(first)));
    }
    if taken {
        // The sender took it: the draft went out already, and is not recorded twice.
        return Err(AppError::refused("draft_id", "sent", "this draft was sent already"));
    }
    // Read outside the transaction (see `create`): the batch writes only if it all still holds.
    batch.require_unchanged(
        concat!("(WITH x AS MATERIALIZED (", facts_sql!(), ") SELECT ", seen_of_x!(), " FROM x) IS :seen"),
        libsql::named_params! {
            ":draft": t.draft_id.as_deref(), ":contact": t.contact_id.as_deref(), ":key": key.as_str(),
            ":seen": seen.as_str(),
        },
    )?;
    audit::record_in(batch, actor, "touchpoint.create", ENTITY, &id, None)?;
    let touch = push_touch(batch, &id, &contact_id, kind, &key, &t, &principal.user_id, &at)?;
    // A LinkedIn action takes its slot under today's (and this week's) limits, or nothing is
    // recorded: the whole batch is refused.
    if let Some(event) = linkedin_event(kind) {
        let pacing = crate::settings::pacing::parse(pacing.as_deref());
        crate::settings::pacing::take_linkedin_slot(batch, &pacing, &principal.user_id, event, chrono::Utc::now())?;
    }
    let mut contact = Mover::new(&contact_id, Some(&stage), &at)?;
    contact.advance(batch, actor, Stage::Touched, "contact.touched")?;
    if break_up != 0 {
        contact.advance(batch, actor, Stage::BreakUpSent, "contact.break_up_sent")?;
    }
    if t.call_outcome == Some(CallOutcome::MeetingBooked) && !meeting_open {
        book(batch, actor, &mut contact, &principal.user_id, &at)?;
    }
    Ok(Recording::New(touch))
}
