//! Touchpoints: every outbound action. A BDR records the LinkedIn and call tasks they did, and
//! the emails they sent themselves, from the approved draft (the draft becomes `sent`) or ad hoc.
//! The idempotency key is unique: the same draft is recorded once however often it is marked
//! done, and an ad-hoc touch can carry the caller's own key. The contact's stage follows the
//! first touch (touched) and the break-up step (break_up_sent); a call that booked a meeting
//! books it. Email that OCC sends itself is recorded by the sender.

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::actions::{Mover, mover_sql};
use crate::domain::enums::{ApprovalStatus, CallOutcome, Channel, OpportunityStatus, Role, Stage, TouchpointKind};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::outreach::enrollments::advance::advance_of_draft_in;
use crate::outreach::opportunities::stages_for;
use crate::store::{Batch, Conn, Outcome, Row, Step, from_row, single};
use crate::validate::Check;

const ENTITY: &str = "touchpoint";

/// The touchpoints' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/touchpoints", Signed(WriteData), handler!(create))
        .get("/api/v1/touchpoints", Signed(ReadData), handler!(list))
        .post("/api/v1/touchpoints/{id}/resolve", Signed(WriteData), handler!(resolve))
}

/// An outbound action.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Touchpoint {
    pub id: String,
    pub contact_id: String,
    pub channel: Channel,
    /// email, linkedin_connect, linkedin_message, linkedin_inmail or call.
    pub kind: TouchpointKind,
    /// scheduled, reserved, sending, sent, failed, unknown or cancelled.
    pub status: String,
    pub draft_id: Option<String>,
    pub enrollment_id: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub sent_at: Option<String>,
    pub call_outcome: Option<String>,
    pub duration_seconds: Option<i64>,
    pub notes: Option<String>,
    pub idempotency_key: String,
    pub created_by: Option<String>,
    pub created_at: String,
    /// Emails: the identity that sent it, and the Message-ID it carried.
    pub identity_id: Option<String>,
    pub message_id: Option<String>,
    /// What went wrong, for a send that failed or whose outcome is unknown.
    pub error: Option<String>,
}

/// The columns [`decode`] reads.
macro_rules! touchpoint_columns {
    () => {
        "touchpoints.id, touchpoints.contact_id, touchpoints.channel, touchpoints.kind, touchpoints.status, touchpoints.draft_id, \
         touchpoints.enrollment_id, touchpoints.subject, touchpoints.body, touchpoints.sent_at, touchpoints.call_outcome, \
         touchpoints.duration_seconds, touchpoints.notes, touchpoints.idempotency_key, touchpoints.created_by, touchpoints.created_at, \
         touchpoints.identity_id, touchpoints.message_id, touchpoints.error"
    };
}

pub(crate) use touchpoint_columns;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored touchpoint: {e}"))
}

/// Reads a row of [`touchpoint_columns!`] (by name).
pub(crate) fn decode(row: &Row) -> AppResult<Touchpoint> {
    from_row(row)
}

/// `POST /api/v1/touchpoints`: a task done or a message sent by hand.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordTouch {
    /// The approved draft that was sent or done (it becomes `sent`). Without it, `contact_id`
    /// and `kind` describe an ad-hoc touch.
    #[serde(default)]
    pub draft_id: Option<String>,
    /// Whom (ad hoc).
    #[serde(default)]
    pub contact_id: Option<String>,
    /// email, linkedin_connect, linkedin_message, linkedin_inmail or call (ad hoc; for a
    /// LinkedIn draft without a step, which LinkedIn action it was).
    #[serde(default)]
    pub kind: Option<TouchpointKind>,
    /// Calls: connected, voicemail, no_answer, wrong_number or meeting_booked (which books
    /// the meeting).
    #[serde(default)]
    pub call_outcome: Option<CallOutcome>,
    /// Calls: how long, in seconds.
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// What happened.
    #[serde(default)]
    pub notes: Option<String>,
    /// When it happened (RFC 3339; default now).
    #[serde(default)]
    pub sent_at: Option<String>,
    /// An ad-hoc touch's key: the same key records once.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// What was done, checked.
struct Checked {
    draft_id: Option<String>,
    contact_id: Option<String>,
    kind: Option<TouchpointKind>,
    call_outcome: Option<CallOutcome>,
    duration_seconds: Option<i64>,
    notes: Option<String>,
    sent_at: String,
    key: Option<String>,
}

fn check(body: RecordTouch) -> AppResult<Checked> {
    let mut c = Check::default();
    let id = |c: &mut Check, field: &str, text: Option<String>| {
        text.and_then(|t| {
            uuid::Uuid::try_parse(t.trim())
                .map(|u| u.to_string())
                .map_err(|_| c.fail(field, "format", "must be an id"))
                .ok()
        })
    };
    let draft_id = id(&mut c, "draft_id", body.draft_id);
    let contact_id = id(&mut c, "contact_id", body.contact_id);
    if draft_id.is_none() && !c.failed("draft_id") && (contact_id.is_none() || body.kind.is_none()) {
        c.fail("draft_id", "required", "give draft_id, or contact_id and kind for an ad-hoc touch");
    }
    let is_call = body.kind == Some(TouchpointKind::Call);
    if (body.call_outcome.is_some() || body.duration_seconds.is_some()) && body.kind.is_some() && !is_call {
        c.fail("call_outcome", "channel", "call_outcome and duration_seconds are for calls");
    }
    if body.duration_seconds.is_some_and(|d| !(0..=86_400).contains(&d)) {
        c.fail("duration_seconds", "range", "must be from 0 to 86400");
    }
    let notes = c.prose("notes", body.notes, 20000);
    let key = c.text("idempotency_key", body.idempotency_key, 200);
    let sent_at = match body.sent_at {
        Some(t) => {
            http::parse_time("sent_at", &t).map_err(|_| c.fail("sent_at", "format", "must be an RFC 3339 time")).ok()
        }
        None => Some(now()),
    };
    c.finish(Checked {
        draft_id,
        contact_id,
        kind: body.kind,
        call_outcome: body.call_outcome,
        duration_seconds: body.duration_seconds,
        notes,
        sent_at: sent_at.unwrap_or_default(),
        key,
    })
}

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

/// Adds the touch `id` of `kind` about `contact_id` (from `t`'s draft, if any) to `batch`, sent,
/// by `user`; answers the step whose row is the touch.
#[allow(clippy::too_many_arguments)]
fn push_touch(
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
               subject, body, idempotency_key, sent_at, call_outcome, duration_seconds, notes, created_by, created_at, updated_at) \
             SELECT ?1, c.id, ?3, ?4, 'sent', d.id, d.enrollment_id, d.variant_id, CASE WHEN ?3 = 'email' THEN c.email END, \
               d.subject, d.body, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11 \
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

/// How a touch planned by [`plan_unread`] is read from its batch's outcome: the touch, new.
pub(crate) type ReadTouch<'a> = Box<dyn FnOnce(Outcome) -> AppResult<(Touchpoint, bool)> + Send + 'a>;

/// Plans a touch as one batch that reads nothing first: its rules are checked in SQL (what it
/// is about exists and the caller may work it, the key was not recorded before, the pacing
/// settings are the ones this instance saw last, a call that booked a meeting finds none
/// open; for a draft, that it is approved and not sent by another touch), and when one fails,
/// nothing is kept and the caller records the touch the reading way ([`record`]), which says
/// why or answers the touch recorded first. `None` when this instance has not seen the pacing
/// settings yet and the touch may take a LinkedIn slot, or a draft's call booked a meeting:
/// those are recorded the reading way.
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
/// and the LinkedIn slot from the draft as [`record`] does from what it reads.
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
               subject, body, idempotency_key, sent_at, call_outcome, duration_seconds, notes, created_by, created_at, updated_at) \
             SELECT :id, c.id, d.channel, CASE d.channel WHEN 'email' THEN 'email' WHEN 'call' THEN 'call' \
               ELSE CASE WHEN :kind IN ('linkedin_connect', 'linkedin_message', 'linkedin_inmail') THEN :kind \
               WHEN s.kind = 'linkedin_connect' THEN 'linkedin_connect' ELSE 'linkedin_message' END END, \
               'sent', d.id, d.enrollment_id, d.variant_id, CASE WHEN d.channel = 'email' THEN c.email END, \
               d.subject, d.body, :key, :sent_at, :call_outcome, :duration, :notes, :me, :now, :now \
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

/// Plans booking a meeting with a contact who has no open opportunity (a call that booked
/// one): a new meeting_booked opportunity, whose trigger ends the contact's sequence and
/// archives what was waiting to be sent, and the contact's stage walked to meeting_booked.
fn book(batch: &mut Batch, actor: &Actor, contact: &mut Mover, booked_by: &str, at: &str) -> AppResult<()> {
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
fn linkedin_event(kind: TouchpointKind) -> Option<&'static str> {
    match kind {
        TouchpointKind::LinkedinConnect => Some("connection_sent"),
        TouchpointKind::LinkedinMessage | TouchpointKind::LinkedinInmail => Some("message_sent"),
        TouchpointKind::Email | TouchpointKind::Call => None,
    }
}

fn kind_channel(kind: TouchpointKind) -> Channel {
    match kind {
        TouchpointKind::Email => Channel::Email,
        TouchpointKind::Call => Channel::Call,
        TouchpointKind::LinkedinConnect | TouchpointKind::LinkedinMessage | TouchpointKind::LinkedinInmail => {
            Channel::Linkedin
        }
    }
}

/// Record a task done or a message sent by hand: from its approved draft (which becomes sent)
/// or ad hoc. 201 when recorded; 200 with the first record when the same draft or key was
/// recorded before.
#[utoipa::path(post, path = "/api/v1/touchpoints", tag = "touchpoints", request_body = RecordTouch,
    responses((status = 201, body = Touchpoint), (status = 200, description = "Recorded before", body = Touchpoint),
        (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: RecordTouch = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let (conn, actor, body) = (&conn, &actor, &body);
    // What the touch depends on is read outside any transaction; its batch confirms it.
    let reading = || async move {
        let (outcome, (recording, pacing)) = conn
            .read_then_batch(|| async move {
                let mut batch = Batch::new();
                let recording = record(conn, &mut batch, principal, actor, body.clone()).await?;
                let pacing = batch.push(crate::settings::pacing::STORED, ())?;
                Ok((batch, (recording, pacing)))
            })
            .await?;
        ctx.pacing_seen.set(outcome.one("setting", pacing, single)?);
        recording.read(&outcome)
    };
    let (touch, new) = match plan_unread(ctx, principal, actor, body)? {
        Some((batch, read)) => conn.batch_or_else(batch, read, reading).await?,
        None => reading().await?,
    };
    if new {
        http::created(&format!("/api/v1/touchpoints/{}", touch.id), &touch)
    } else {
        http::with_status(StatusCode::OK, &touch)
    }
}

/// A contact's touchpoints, newest first (`contact_id` required).
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "touchpoints",
    params(("contact_id" = String, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Touchpoint>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?.ok_or_else(|| AppError::invalid("contact_id", "required", "name the contact"))?;
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    let (after_at, after_id) = after.map_or((None, None), |(a, i)| (Some(a), Some(i)));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                touchpoint_columns!(),
                " FROM touchpoints WHERE contact_id = ?1 AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?4"
            ),
            libsql::params![contact, after_at, after_id, i64::from(limit) + 1],
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |t| (t.created_at.clone(), t.id.clone()))?)
}

/// A touch's status and its contact's owner, as [`resolve`] reads them.
#[derive(Deserialize)]
struct Resolving {
    status: String,
    owner_id: Option<String>,
}

/// `POST /api/v1/touchpoints/{id}/resolve`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// sent (it went out: the Sent folder has it) or failed (it did not; the draft may be sent
    /// again).
    pub status: String,
    /// What the person found.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Resolve an interrupted send (`unknown`): a person checked whether it went out. Only an
/// unknown touch is resolved (409 otherwise).
#[utoipa::path(post, path = "/api/v1/touchpoints/{id}/resolve", tag = "touchpoints", request_body = Resolve,
    params(("id" = String, Path)),
    responses((status = 200, body = Touchpoint), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn resolve(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let body: Resolve = http::body_json(&req)?;
    if body.status != "sent" && body.status != "failed" {
        return Err(AppError::invalid("status", "one_of", "must be sent or failed"));
    }
    let mut c = Check::default();
    let notes = c.prose("notes", body.notes, 20000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (outcome, touch) = conn
        .read_then_write(async |conn| {
            let Resolving { status, owner_id: owner } = conn
                .query_one(
                    ENTITY,
                    "SELECT t.status, c.owner_id FROM touchpoints t JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?1",
                    [id.as_str()],
                    from_row,
                )
                .await?;
            principal.require_owner(owner.as_deref())?;
            if status != "unknown" {
                return Err(AppError::refused("status", "transition", format!("the touch is {status}; only an unknown one is resolved")));
            }
            let mut batch = Batch::new();
            let touch = batch.push(
                concat!(
                    "UPDATE touchpoints SET status = ?2, sent_at = CASE WHEN ?2 = 'sent' THEN coalesce(scheduled_at, ?3) END, \
                     notes = coalesce(?4, notes), updated_at = ?3 WHERE id = ?1 RETURNING ",
                    touchpoint_columns!()
                ),
                libsql::params![id.as_str(), body.status.as_str(), at.as_str(), notes],
            )?;
            let view = serde_json::json!({"status": body.status});
            let before = serde_json::json!({"status": "unknown"});
            audit::record_with_in(&mut batch, &actor, "touchpoint.resolve", ENTITY, &id, Some(&before), Some(&view), None)?;
            Ok((batch, touch))
        })
        .await?;
    let touch = outcome.one(ENTITY, touch, decode)?;
    http::ok(&touch)
}
