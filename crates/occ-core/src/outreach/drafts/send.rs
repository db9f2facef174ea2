//! "Send now": one approved email under every rule the sender keeps.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::channels::sending::send;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::store::from_row;

/// What "send now" did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SendNow {
    /// sent, failed (tried again later unless the server refused for good) or unknown (the
    /// conversation broke while the message was on its way: check the Sent folder, then resolve
    /// the touchpoint).
    pub status: String,
    /// The touchpoint of the attempt.
    pub touchpoint: Option<crate::outreach::touchpoints::Touchpoint>,
}

/// The draft's channel and status and its contact's owner, as [`send_now`] reads them.
#[derive(Deserialize)]
struct Sending {
    channel: String,
    approval_status: String,
    owner_id: Option<String>,
}

/// Send an approved email now, under every rule the sender keeps (business hours, windows, caps,
/// warm-up, spacing, suppression). When it cannot go now the 409 says why, and it waits for the
/// tick.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/send", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = SendNow), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 503, description = "Sending is not configured", body = ErrorResponse)))]
pub(crate) async fn send_now(
    ctx: &crate::http::Ctx,
    req: ::http::Request<bytes::Bytes>,
) -> AppResult<::http::Response<bytes::Bytes>> {
    let principal = crate::access::Principal::of(&req)?;
    let id = crate::http::path_uuid(&req, "id", "draft")?;
    let conn = ctx.conn().await?;
    let Sending { channel, approval_status: status, owner_id: owner } = conn
        .query_one(
            "draft",
            "SELECT d.channel, d.approval_status, c.owner_id FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
             WHERE d.id = ?1",
            [id.as_str()],
            from_row,
        )
        .await?;
    principal.require_owner(owner.as_deref())?;
    if channel != "email" || status != "approved" {
        let message = format!("only an approved email is sent; this is a {status} {channel} draft");
        return Err(AppError::refused("approval_status", "transition", message));
    }
    let report = send(&conn, &ctx.config, Utc::now(), Some(&id)).await?;
    if report.attempted == 0 {
        let reason = report.skipped.unwrap_or_else(|| "it cannot go now".to_owned());
        if ctx.config.public_url.is_none() || ctx.config.secret_key.is_none() {
            return Err(AppError::Unavailable(reason));
        }
        return Err(AppError::refused("id", "not_now", format!("not sent: {reason}")));
    }
    let touchpoint = conn
        .query_opt(
            concat!(
                "SELECT ",
                crate::outreach::touchpoints::touchpoint_columns!(),
                " FROM touchpoints WHERE draft_id = ?1 ORDER BY created_at DESC LIMIT 1"
            ),
            [id.as_str()],
            crate::outreach::touchpoints::decode,
        )
        .await?;
    let status = touchpoint.as_ref().map_or_else(|| "failed".to_owned(), |t| t.status.clone());
    crate::http::ok(&SendNow { status, touchpoint })
}
