//! Writing a new draft for a contact, reviewed at once against what is known about them.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::compose::{SeenRecipient, decode_recipient, recipient_columns, reviewed};
use super::{Draft, ENTITY, decode, draft_columns, internal, view};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{ApprovalStatus, Channel};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, from_row};
use crate::validate::Check;

/// `POST /api/v1/drafts`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDraft {
    /// The person it is for.
    pub contact_id: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// Email only (required there).
    #[serde(default)]
    pub subject: Option<String>,
    /// The message.
    pub body: String,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Submit it for review at once (status pending).
    #[serde(default)]
    pub submit: bool,
    /// The reply it answers (the contact's): an email then goes out in that reply's thread, and
    /// sending it marks the reply handled.
    #[serde(default)]
    pub reply_id: Option<String>,
}

/// The reply a new draft answers, as the recipient's read sees it.
#[derive(serde::Deserialize)]
struct Answering {
    /// The contact of the reply named by `reply_id` (NULL when there is no such reply).
    answers_contact: Option<String>,
}

/// Write a draft for a contact (reviewed at once).
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", request_body = CreateDraft,
    responses((status = 201, body = Draft), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateDraft = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim()).map(|u| u.to_string()).ok();
    if contact_id.is_none() {
        c.fail("contact_id", "format", "must be an id");
    }
    let (subject, text) = c.message(body.channel, body.subject, body.body);
    let notes = c.prose("notes", body.notes, 5000);
    let reply_id = match body.reply_id.as_deref().map(str::trim) {
        None => None,
        Some(id) => match uuid::Uuid::try_parse(id) {
            Ok(id) => Some(id.to_string()),
            Err(_) => {
                c.fail("reply_id", "format", "must be an id");
                None
            }
        },
    };
    c.finish(())?;
    let contact_id = contact_id.unwrap_or_default();
    let status = if body.submit { ApprovalStatus::Pending } else { ApprovalStatus::Draft };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let (id, at) = (new_id(), now());
    let (id, at, contact_id) = (id.as_str(), at.as_str(), contact_id.as_str());
    let (subject, text, notes, actor, channel) = (&subject, &text, &notes, &actor, body.channel);
    let reply_id = reply_id.as_deref();
    let conn = ctx.conn().await?;
    let conn = &conn;
    // The recipient is read outside the transaction; the batch writes only if it is unchanged.
    let (outcome, created) = conn
        .read_then_batch(|| async move {
            let ((owner, title, company, signal), seen, answering) = conn
                .query_opt(
                    concat!(
                        "SELECT ",
                        recipient_columns!(named),
                        ", json_array(",
                        recipient_columns!(),
                        ") AS seen, (SELECT r.contact_id FROM replies r WHERE r.id = :reply) AS answers_contact \
                         FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id"
                    ),
                    libsql::named_params! {":id": contact_id, ":now": at, ":reply": reply_id},
                    |row| {
                        let answering = from_row::<Answering>(row)?.answers_contact;
                        Ok((decode_recipient(row)?, from_row::<SeenRecipient>(row)?.seen, answering))
                    },
                )
                .await?
                .ok_or_else(|| AppError::invalid("contact_id", "exists", "no contact has this id"))?;
            principal.require_owner(owner.as_deref())?;
            if reply_id.is_some() && answering.as_deref() != Some(contact_id) {
                return Err(AppError::invalid("reply_id", "exists", "no reply from this contact has this id"));
            }
            let report = reviewed(channel, subject.as_deref(), text, (title, company, signal));
            let mut batch = Batch::new();
            batch.require_unchanged(
                concat!(
                    "(SELECT json_array(",
                    recipient_columns!(),
                    ") FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id) IS :seen"
                ),
                libsql::named_params! {":id": contact_id, ":now": at, ":seen": seen},
            )?;
            let created = batch.push(
                concat!(
                    "INSERT INTO message_drafts (id, contact_id, channel, subject, body, author_kind, author_user_id, \
                     quality_report, approval_status, notes, reply_id, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'human', ?6, ?7, ?8, ?9, ?11, ?10, ?10) RETURNING ",
                    draft_columns!()
                ),
                libsql::params![
                    id,
                    contact_id,
                    channel.as_str(),
                    subject.as_deref(),
                    text.as_str(),
                    principal.user_id.as_str(),
                    serde_json::to_string(&report).map_err(internal)?,
                    status.as_str(),
                    notes.as_deref(),
                    at,
                    reply_id
                ],
            )?;
            let after = view(status, channel, subject.as_deref(), text, notes.as_deref(), contact_id);
            audit::record_with_in(&mut batch, actor, "draft.create", ENTITY, id, None, Some(&after), None)?;
            Ok((batch, created))
        })
        .await?;
    let draft = outcome.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/drafts/{id}"), &draft)
}
