//! Replies: logged by a person (LinkedIn, calls) or by the email events ingestion, classified
//! (`classify`), and followed by their consequences (SPEC.md section 2): the contact's stage, its
//! enrollments, its drafts, suppression for an unsubscribe, a follow-up for "not now". A person
//! may correct the intent; the consequences of the corrected intent follow.
//!
//! This file holds the routes, the resource and its reading; recording a reply is `ingest`, its
//! consequences `consequences`, and the handlers live in `create`, `read` and `correct`.

pub mod classify;

use ::http::Request;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::domain::enums::{Channel, ReplyIntent, Stage};
use crate::error::AppResult;
use crate::handler;
use crate::http::{self, Routes};
use crate::store::{Conn, from_row};

// A reply's columns (`Reply` decodes them); defined before the submodules, which read them.
macro_rules! reply_columns {
    () => {
        "id, contact_id, touchpoint_id, channel, intent, confidence, subject, body, return_date, referral_name, \
         referral_email, replied_at, classified_at, handled_at, created_at, updated_at"
    };
}

mod consequences;
pub(crate) mod correct;
pub(crate) mod create;
mod ingest;
pub(crate) mod read;
pub(crate) mod waiting;

pub(crate) use ingest::{Incoming, ingest};

const ENTITY: &str = "reply";

/// How long an out-of-office pauses a sequence when the reply gives no date.
pub const DEFAULT_AWAY_DAYS: i64 = 7;
/// When a "not now" is followed up.
pub const NOT_NOW_DAYS: i64 = 90;

/// The replies' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/replies", Signed(WriteData), handler!(create::create))
        .get("/api/v1/replies", Signed(ReadData), handler!(read::list))
        .get("/api/v1/replies/waiting", Signed(ReadData), handler!(waiting::waiting))
        .get("/api/v1/replies/{id}/conversation", Signed(ReadData), handler!(waiting::conversation))
        .get("/api/v1/replies/{id}", Signed(ReadData), handler!(read::get))
        .patch("/api/v1/replies/{id}", Signed(WriteData), handler!(correct::correct))
}

/// A reply.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Reply {
    pub id: String,
    pub contact_id: String,
    pub touchpoint_id: Option<String>,
    pub channel: Channel,
    /// positive, negative, neutral, referral, out_of_office, unsubscribe, question, not_now.
    pub intent: Option<ReplyIntent>,
    pub confidence: Option<f64>,
    pub subject: Option<String>,
    pub body: String,
    /// Out-of-office: back on this day.
    pub return_date: Option<String>,
    /// Referral: the person to contact instead (offered as a new contact).
    pub referral_name: Option<String>,
    pub referral_email: Option<String>,
    pub replied_at: String,
    pub classified_at: Option<String>,
    pub handled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The person who replied, by name, in a list by account; absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
}

/// What a reply changed.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Effects {
    /// The contact's stage after it, if it moved.
    pub stage: Option<Stage>,
    /// Enrollments ended (the contact's, and for a positive reply its colleagues').
    pub enrollments_exited: usize,
    /// Out-of-office: the contact's sequence is paused until then.
    pub paused_until: Option<String>,
    /// Drafts that will not be sent now.
    pub drafts_archived: usize,
    /// Unsubscribe: the contact is do-not-contact and the address suppressed.
    pub suppressed: bool,
    /// Not now: the follow-up created.
    pub followup_id: Option<String>,
}

/// A reply with what it changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplyResult {
    /// The reply.
    pub reply: Reply,
    /// Its consequences.
    pub effects: Effects,
}

/// One reply (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Reply> {
    conn.query_one(ENTITY, concat!("SELECT ", reply_columns!(), " FROM replies WHERE id = ?1"), [id], from_row).await
}

/// The stage a reply of `intent` moves its contact to.
pub fn stage_for(intent: ReplyIntent) -> Option<Stage> {
    match intent {
        ReplyIntent::Positive => Some(Stage::RepliedPositive),
        ReplyIntent::Negative => Some(Stage::RepliedNegative),
        ReplyIntent::Neutral | ReplyIntent::Question => Some(Stage::Replied),
        ReplyIntent::Referral => Some(Stage::Referred),
        ReplyIntent::NotNow => Some(Stage::Dormant),
        ReplyIntent::OutOfOffice | ReplyIntent::Unsubscribe => None,
    }
}

fn reply_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}
