//! What a touch is recorded from: the request, and the same request checked.

use serde::Deserialize;

use crate::domain::enums::{CallOutcome, TouchpointKind};
use crate::domain::now;
use crate::error::AppResult;
use crate::http;
use crate::validate::Check;

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
pub(super) struct Checked {
    pub(super) draft_id: Option<String>,
    pub(super) contact_id: Option<String>,
    pub(super) kind: Option<TouchpointKind>,
    pub(super) call_outcome: Option<CallOutcome>,
    pub(super) duration_seconds: Option<i64>,
    pub(super) notes: Option<String>,
    pub(super) sent_at: String,
    pub(super) key: Option<String>,
}

/// Checks what was done; every problem is a 422 naming its field.
pub(super) fn check(body: RecordTouch) -> AppResult<Checked> {
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
