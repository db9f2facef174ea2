//! Message drafts: written by people or by the drafter from a step's template, reviewed, and
//! approved by a person (or by autopilot) before anything is sent. The approval guard
//! (`approval`) owns the status moves; approving asks again whether the person may be contacted
//! on the draft's channel now, in the same write.

pub mod approval;
pub(crate) mod bulk;
mod compose;
pub(crate) mod create;
pub(crate) mod list;
pub(crate) mod moves;
pub mod review;
pub(crate) mod send;
pub(crate) mod update;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::domain::enums::{ApprovalStatus, AuthorKind, Channel};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use crate::lifecycle::Lifecycle;
use crate::store::{Conn, Row, from_row};
use review::QualityReport;

const ENTITY: &str = "draft";

/// The drafts' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/drafts", Signed(WriteData), handler!(create::create))
        .get("/api/v1/drafts", Signed(ReadData), handler!(list::list))
        .post("/api/v1/drafts/bulk", Signed(WriteData), handler!(bulk::bulk))
        .get("/api/v1/drafts/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/drafts/{id}", Signed(WriteData), handler!(update::update))
        .post("/api/v1/drafts/{id}/submit", Signed(WriteData), handler!(moves::submit))
        .post("/api/v1/drafts/{id}/approve", Signed(WriteData), handler!(moves::approve))
        .post("/api/v1/drafts/{id}/reject", Signed(WriteData), handler!(moves::reject))
        .post("/api/v1/drafts/{id}/archive", Signed(WriteData), handler!(moves::archive))
        .post("/api/v1/drafts/{id}/send", Signed(WriteData), handler!(send::send_now))
}

/// A message draft.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Draft {
    /// Its id.
    pub id: String,
    /// The person it is for.
    pub contact_id: String,
    /// Their name, as lists show it.
    pub contact_name: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// The sequence step it was written for, if any.
    pub step_id: Option<String>,
    /// The enrollment it belongs to, if any.
    pub enrollment_id: Option<String>,
    /// The reply it answers, if any: an email then goes out in that reply's thread, and sending
    /// it marks the reply handled.
    pub reply_id: Option<String>,
    /// Email only.
    pub subject: Option<String>,
    /// The message (or call script).
    pub body: String,
    /// human or agent.
    pub author_kind: AuthorKind,
    /// The person who wrote it.
    pub author_user_id: Option<String>,
    /// The agent run that wrote it (the drafter's), when an agent did.
    pub agent_run_id: Option<String>,
    /// The reviewer's report.
    pub quality_report: Option<QualityReport>,
    /// draft, pending, approved, rejected, sent or archived.
    pub approval_status: ApprovalStatus,
    /// The statuses it may move to.
    #[schema(value_type = Vec<String>)]
    pub next_statuses: &'static [ApprovalStatus],
    /// Who approved or rejected it.
    pub reviewer_id: Option<String>,
    /// When.
    pub reviewed_at: Option<String>,
    /// Notes (a rejection's reason, for example).
    pub notes: Option<String>,
    /// When it was written.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

macro_rules! draft_columns {
    () => {
        "message_drafts.id, message_drafts.contact_id, \
         (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = message_drafts.contact_id) \
         AS contact_name, \
         message_drafts.channel, message_drafts.step_id, message_drafts.enrollment_id, message_drafts.reply_id, \
         message_drafts.subject, \
         message_drafts.body, message_drafts.author_kind, message_drafts.author_user_id, message_drafts.agent_run_id, \
         message_drafts.quality_report, \
         message_drafts.approval_status, message_drafts.reviewer_id, message_drafts.reviewed_at, message_drafts.notes, \
         message_drafts.created_at, message_drafts.updated_at"
    };
}
use draft_columns;

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored draft: {e}"))
}

/// A row of [`draft_columns!`].
#[derive(Deserialize)]
struct DraftRow {
    id: String,
    contact_id: String,
    contact_name: Option<String>,
    channel: Channel,
    step_id: Option<String>,
    enrollment_id: Option<String>,
    reply_id: Option<String>,
    subject: Option<String>,
    body: String,
    author_kind: AuthorKind,
    author_user_id: Option<String>,
    agent_run_id: Option<String>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    quality_report: Option<QualityReport>,
    approval_status: ApprovalStatus,
    reviewer_id: Option<String>,
    reviewed_at: Option<String>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<DraftRow> for Draft {
    fn from(row: DraftRow) -> Self {
        Draft {
            id: row.id,
            contact_id: row.contact_id,
            contact_name: row.contact_name.unwrap_or_default(),
            channel: row.channel,
            step_id: row.step_id,
            enrollment_id: row.enrollment_id,
            reply_id: row.reply_id,
            subject: row.subject,
            body: row.body,
            author_kind: row.author_kind,
            author_user_id: row.author_user_id,
            agent_run_id: row.agent_run_id,
            quality_report: row.quality_report,
            approval_status: row.approval_status,
            next_statuses: row.approval_status.next_statuses(),
            reviewer_id: row.reviewer_id,
            reviewed_at: row.reviewed_at,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Draft> {
    from_row::<DraftRow>(row).map(Draft::from)
}

/// One draft (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Draft> {
    conn.query_one(ENTITY, concat!("SELECT ", draft_columns!(), " FROM message_drafts WHERE id = ?1"), [id], decode)
        .await
}

fn draft_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// What the audit log keeps of a draft.
fn view(
    status: ApprovalStatus,
    channel: Channel,
    subject: Option<&str>,
    body: &str,
    notes: Option<&str>,
    contact_id: &str,
) -> serde_json::Value {
    serde_json::json!({"approval_status": status, "channel": channel, "subject": subject, "body": body,
        "notes": notes, "contact_id": contact_id})
}

/// [`view`] of a draft as read.
fn view_of(d: &Draft) -> serde_json::Value {
    view(d.approval_status, d.channel, d.subject.as_deref(), &d.body, d.notes.as_deref(), &d.contact_id)
}

/// One draft.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &draft_id(&req)?).await?)
}
