//! Touchpoints: every outbound action. A BDR records the LinkedIn and call tasks they did, and
//! the emails they sent themselves, from the approved draft (the draft becomes `sent`) or ad hoc.
//! The idempotency key is unique: the same draft is recorded once however often it is marked
//! done, and an ad-hoc touch can carry the caller's own key. The contact's stage follows the
//! first touch (touched) and the break-up step (break_up_sent); a call that booked a meeting
//! books it. Email that OCC sends itself is recorded by the sender.

mod check;
pub(crate) mod create;
pub(crate) mod list;
mod record;
pub(crate) mod resolve;
mod unread;
mod write;

use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::domain::enums::{Channel, TouchpointKind};
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::Routes;
use crate::store::{Row, from_row};

pub use check::RecordTouch;
pub(crate) use record::{Recording, record};
pub(crate) use unread::plan_unread;

const ENTITY: &str = "touchpoint";

/// The touchpoints' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/touchpoints", Signed(WriteData), handler!(create::create))
        .get("/api/v1/touchpoints", Signed(ReadData), handler!(list::list))
        .post("/api/v1/touchpoints/{id}/resolve", Signed(WriteData), handler!(resolve::resolve))
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
    /// The person touched, by name, in a list by account; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
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
