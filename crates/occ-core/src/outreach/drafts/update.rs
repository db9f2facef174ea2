//! Editing a draft: reviewed again, and an approved one goes back for approval.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::compose::{decode_recipient, recipient_columns, reviewed};
use super::{Draft, ENTITY, approval, decode, draft_columns, draft_id, internal, view, view_of};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::ApprovalStatus;
use crate::domain::now;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::Lifecycle;
use crate::store::Batch;
use crate::validate::Check;

/// `PATCH /api/v1/drafts/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDraft {
    /// Email only.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message.
    #[serde(default)]
    pub body: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Edit a draft (reviewed again). An approved draft that is edited needs approving again; a
/// sent or archived one cannot change.
#[utoipa::path(patch, path = "/api/v1/drafts/{id}", tag = "drafts", request_body = PatchDraft, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = draft_id(&req)?;
    let body: PatchDraft = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (outcome, after) = conn
        .read_then_write(async |conn| {
            let (before, (owner, title, company, signal)) = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "SELECT ",
                        draft_columns!(),
                        ", ",
                        recipient_columns!(named),
                        " FROM message_drafts LEFT JOIN contacts c ON c.id = message_drafts.contact_id \
                         LEFT JOIN accounts a ON a.id = c.account_id WHERE message_drafts.id = :id"
                    ),
                    libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
                    |row| Ok((decode(row)?, decode_recipient(row)?)),
                )
                .await?;
            principal.require_owner(owner.as_deref())?;
            if !approval::editable(before.approval_status) {
                return Err(before.approval_status.refusal(ApprovalStatus::Pending));
            }
            let mut c = Check::default();
            let (subject, text) =
                c.message(before.channel, body.subject.or(before.subject.clone()), body.body.unwrap_or(before.body.clone()));
            let notes = match body.notes {
                Some(n) => c.prose("notes", Some(n), 5000),
                None => before.notes.clone(),
            };
            c.finish(())?;
            let report = reviewed(before.channel, subject.as_deref(), &text, (title, company, signal));
            let status = if before.approval_status == ApprovalStatus::Approved { ApprovalStatus::Pending } else { before.approval_status };
            let mut batch = Batch::new();
            let after = batch.push(
                concat!(
                    "UPDATE message_drafts SET subject = ?2, body = ?3, notes = ?4, quality_report = ?5, approval_status = ?6, \
                     updated_at = ?7 WHERE id = ?1 RETURNING ",
                    draft_columns!()
                ),
                libsql::params![
                    id.as_str(),
                    subject.as_deref(),
                    text.as_str(),
                    notes.as_deref(),
                    serde_json::to_string(&report).map_err(internal)?,
                    status.as_str(),
                    at.as_str()
                ],
            )?;
            let after_view = view(status, before.channel, subject.as_deref(), &text, notes.as_deref(), &before.contact_id);
            audit::record_with_in(&mut batch, &actor, "draft.update", ENTITY, &id, Some(&view_of(&before)), Some(&after_view), None)?;
            Ok((batch, after))
        })
        .await?;
    let draft = outcome.one(ENTITY, after, decode)?;
    http::ok(&draft)
}
