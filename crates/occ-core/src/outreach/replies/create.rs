//! Logging a reply by hand.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{Incoming, ReplyResult, ingest};
use crate::access::Principal;
use crate::contacts::actions::Mover;
use crate::domain::enums::{Channel, ReplyIntent, Role};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

/// `POST /api/v1/replies`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReply {
    /// Who replied.
    pub contact_id: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// What they said.
    pub body: String,
    /// Email subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// When (RFC 3339; default now).
    #[serde(default)]
    pub replied_at: Option<String>,
    /// The intent, when the person logging it knows; otherwise the classifier decides.
    #[serde(default)]
    pub intent: Option<ReplyIntent>,
}

/// Log a reply: classified (unless `intent` is given), and its consequences follow at once.
#[utoipa::path(post, path = "/api/v1/replies", tag = "replies", request_body = CreateReply,
    responses((status = 201, body = ReplyResult), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateReply = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim()).map(|u| u.to_string()).ok();
    if contact_id.is_none() {
        c.fail("contact_id", "format", "must be an id");
    }
    let text = c.required_prose("body", body.body, 100_000);
    let subject = c.text("subject", body.subject, 500);
    let replied_at = match body.replied_at.as_deref() {
        Some(t) => http::parse_time("replied_at", t)
            .map_err(|_| c.fail("replied_at", "format", "must be an RFC 3339 time"))
            .ok(),
        None => Some(now()),
    };
    c.finish(())?;
    let (contact_id, replied_at) = (contact_id.unwrap_or_default(), replied_at.unwrap_or_else(now));
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (conn, actor, contact_id, at) = (&conn, &actor, contact_id.as_str(), at.as_str());
    let (channel, intent) = (body.channel, body.intent);
    let (subject, text, replied_at) = (&subject, &text, &replied_at);
    // One round trip: the checks of the contact and the owner, the reply and its consequences,
    // the stage moving where the stage table allows it from where the contact stands.
    let mut batch = Batch::new();
    batch.require(
        "EXISTS (SELECT 1 FROM contacts WHERE id = ?1)",
        [contact_id],
        AppError::invalid("contact_id", "exists", "no contact has this id"),
    )?;
    let bdr = (principal.role == Role::Bdr).then_some(principal.user_id.as_str());
    batch.require(
        "EXISTS (SELECT 1 FROM contacts WHERE id = ?1 AND (?2 IS NULL OR owner_id IS NULL OR owner_id = ?2))",
        libsql::params![contact_id, bdr],
        AppError::Forbidden("this contact belongs to another user".to_owned()),
    )?;
    let incoming = Incoming {
        channel,
        subject: subject.clone(),
        text: text.clone(),
        replied_at: replied_at.clone(),
        intent,
        touchpoint_id: None,
        message_id: None,
    };
    let planned = ingest(&mut batch, actor, &mut Mover::unread(contact_id, at), incoming)?;
    let outcome = conn.batch(batch).await?;
    let result = planned.read(&outcome)?;
    http::created(&format!("/api/v1/replies/{}", result.reply.id), &result)
}
