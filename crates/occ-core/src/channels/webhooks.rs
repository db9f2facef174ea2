//! Email events from the sending provider: `POST /api/v1/webhooks/email`, signed with
//! HMAC-SHA256 over `timestamp + "." + body` with `OCC_WEBHOOK_SECRET`
//! (`X-OCC-Timestamp: <unix seconds>`, `X-OCC-Signature: sha256=<hex>`), accepted only within
//! five minutes of its timestamp, and ingested once per provider event id.
//!
//! A hard bounce suppresses the address and marks the person bounced; a complaint or an
//! unsubscribe suppresses it and marks them do-not-contact; soft bounces are counted, and the
//! third suppresses; a reply becomes a reply, classified, with its consequences. Every kind is
//! kept as an email event (delivered, open and click only that).

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::access::Access::Public;
use crate::audit::{self, Actor};
use crate::contacts::actions::{Mover, mover_sql, stop_outreach_in};
use crate::domain::enums::{Channel, ContactStatus, EmailEventKind, SuppressionKind, SuppressionReason};
use crate::domain::{EmailAddress, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, RequestMeta, Routes};
use crate::store::{Batch, Conn, from_row};

/// The webhook's route (in the channels family; public, signed).
pub fn routes() -> Routes {
    Routes::new().post("/api/v1/webhooks/email", Public, handler!(receive))
}

/// How old (or how far ahead) a signed timestamp may be.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;
/// Soft bounces of one address that suppress it.
pub const SOFT_BOUNCE_LIMIT: i64 = 3;

/// An event, as the provider sends it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailEvent {
    /// The provider's event id: an event is taken once.
    pub id: String,
    /// delivered, bounce_hard, bounce_soft, complaint, unsubscribe, open, click or reply.
    #[serde(rename = "type")]
    pub kind: EmailEventKind,
    /// The recipient's address (the replier's, for a reply).
    pub email: String,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// The Message-ID of the email it is about (for a reply: the one it answers).
    #[serde(default)]
    pub message_id: Option<String>,
    /// A reply's text.
    #[serde(default)]
    pub text: Option<String>,
    /// A reply's subject.
    #[serde(default)]
    pub subject: Option<String>,
}

/// What an event did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct EventOutcome {
    /// The event was taken before: nothing was done again.
    pub duplicate: bool,
    /// The contact it concerned, when OCC knows the address.
    pub contact_id: Option<String>,
    /// The address was suppressed.
    pub suppressed: bool,
    /// The contact's new status.
    pub status: Option<String>,
    /// The reply it created.
    pub reply_id: Option<String>,
}

/// Checks the signature and the timestamp of a webhook request.
pub fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8], now: DateTime<Utc>) -> AppResult<()> {
    let refused = |why: &str| AppError::BadSignature(why.to_owned());
    let seconds: i64 = timestamp.trim().parse().map_err(|_| refused("X-OCC-Timestamp must be unix seconds"))?;
    // The distance without overflow: a timestamp near i64::MIN must not wrap into the window.
    if now.timestamp().abs_diff(seconds) > REPLAY_WINDOW_SECONDS.unsigned_abs() {
        return Err(refused("the timestamp is outside the five-minute window"));
    }
    let hex =
        signature.trim().strip_prefix("sha256=").ok_or_else(|| refused("X-OCC-Signature must be sha256=<hex>"))?;
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect::<Option<_>>()
        .ok_or_else(|| refused("X-OCC-Signature must be sha256=<hex>"))?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(|e| AppError::Internal(e.into()))?;
    mac.update(timestamp.trim().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&bytes).map_err(|_| refused("the signature does not match"))
}

/// The signature of a body, as a provider computes it (for tests and scripts).
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    format!("sha256={}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Take one email event from the provider (see the module's description for the JSON and the
/// headers). 200 with what it did; a replayed event id answers `duplicate: true`.
#[utoipa::path(post, path = "/api/v1/webhooks/email", tag = "suppression", request_body = EmailEvent,
    params(("X-OCC-Timestamp" = String, Header), ("X-OCC-Signature" = String, Header)),
    responses((status = 200, body = EventOutcome), (status = 401, description = "The signature or its timestamp does not hold", body = ErrorResponse), (status = 422, body = ErrorResponse),
        (status = 503, description = "OCC_WEBHOOK_SECRET is not set", body = ErrorResponse)),
    security(()))]
pub(crate) async fn receive(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let Some(secret) = &ctx.config.webhook_secret else {
        return Err(AppError::Unavailable("email events are off: set OCC_WEBHOOK_SECRET".to_owned()));
    };
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    verify(secret.expose(), &header("x-occ-timestamp"), &header("x-occ-signature"), req.body(), Utc::now())?;
    let event: EmailEvent = http::body_json(&req)?;
    let email = EmailAddress::parse(&event.email).map_err(|m| AppError::invalid("email", "format", m))?;
    let occurred_at = http::parse_time("occurred_at", &event.occurred_at)?;
    if event.id.trim().is_empty() || event.id.len() > 500 {
        return Err(AppError::invalid("id", "length", "must be 1 to 500 characters"));
    }
    if event.kind == EmailEventKind::Reply && event.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(AppError::invalid("text", "required", "a reply needs its text"));
    }
    let payload = String::from_utf8_lossy(req.body()).into_owned();
    let actor = Actor {
        name: "webhook".to_owned(),
        user_id: None,
        request_id: Some(RequestMeta::of(&req)?.request_id.clone()),
    };
    let at = now();
    let conn = ctx.conn().await?;
    let (_, outcome) = conn
        .read_then_write(async |conn| {
            let Some(stored) = store(conn, &event, email.as_str(), &occurred_at, &payload, &at).await? else {
                return Ok((Batch::new(), EventOutcome { duplicate: true, ..EventOutcome::default() }));
            };
            let mut batch = Batch::new();
            let outcome = consequences(&mut batch, &actor, &event, email.as_str(), &occurred_at, stored, &at)?;
            Ok((batch, outcome))
        })
        .await?;
    http::ok(&outcome)
}

/// What storing an event learnt: the contact it concerns (its status and what moving its
/// stage needs), the touch it is about, and the address's soft bounces so far.
struct Stored {
    contact: Option<(String, Mover)>,
    touchpoint: Option<String>,
    soft_bounces: i64,
}

/// What storing an event returns: its contact, with the contact's status and stage (as
/// [`mover_sql!`] reads it), its touch, and the address's soft bounces so far.
#[derive(Deserialize)]
struct StoredRow {
    contact_id: Option<String>,
    touchpoint_id: Option<String>,
    soft_bounces: i64,
    status: Option<String>,
    stage: Option<String>,
}

/// Stores the event with what it refers to (the transaction's one read); a replay inserts
/// nothing and answers None.
async fn store(
    conn: &Conn,
    event: &EmailEvent,
    email: &str,
    occurred_at: &str,
    payload: &str,
    at: &str,
) -> AppResult<Option<Stored>> {
    conn.query_opt(
        concat!(
            "INSERT INTO email_events (id, kind, provider, provider_event_id, email_address, contact_id, touchpoint_id, \
               identity_id, payload, occurred_at, created_at) \
             SELECT :id, :kind, 'webhook', :event, :email, (SELECT id FROM contacts WHERE email = :email), t.id, \
               t.identity_id, :payload, :occurred_at, :now \
             FROM (SELECT 1) LEFT JOIN touchpoints t ON t.message_id = :message_id WHERE true \
             ON CONFLICT (provider_event_id) DO NOTHING \
             RETURNING contact_id, touchpoint_id, \
               (SELECT count(*) FROM email_events e WHERE e.email_address = :email AND e.kind = 'bounce_soft') \
                 AS soft_bounces, \
               (SELECT c.status FROM contacts c WHERE c.id = email_events.contact_id) AS status, \
               (SELECT ",
            mover_sql!(),
            " FROM contacts c WHERE c.id = email_events.contact_id) AS stage"
        ),
        libsql::named_params! {
            ":id": new_id(), ":kind": event.kind.as_str(), ":event": event.id.trim(), ":email": email,
            ":payload": payload, ":occurred_at": occurred_at, ":now": at, ":message_id": event.message_id.as_deref(),
        },
        |row| {
            let row: StoredRow = from_row(row)?;
            let contact = match row.contact_id {
                Some(id) => {
                    let status = row.status.ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("a stored email event's contact has no status"))
                    })?;
                    Some((status, Mover::new(&id, row.stage.as_deref(), at)?))
                }
                None => None,
            };
            Ok(Stored { contact, touchpoint: row.touchpoint_id, soft_bounces: row.soft_bounces })
        },
    )
    .await
}

/// Plans what a stored event does: suppression, the contact's status and outreach, a reply.
fn consequences(
    batch: &mut Batch,
    actor: &Actor,
    event: &EmailEvent,
    email: &str,
    occurred_at: &str,
    stored: Stored,
    at: &str,
) -> AppResult<EventOutcome> {
    let Stored { contact, touchpoint, soft_bounces } = stored;
    let mut outcome =
        EventOutcome { contact_id: contact.as_ref().map(|(_, c)| c.id().to_owned()), ..EventOutcome::default() };
    // The count in RETURNING includes the event just stored.
    let soft_limit = event.kind == EmailEventKind::BounceSoft && soft_bounces >= SOFT_BOUNCE_LIMIT;
    let (reason, status) = match event.kind {
        EmailEventKind::BounceHard => (Some(SuppressionReason::HardBounce), Some(ContactStatus::Bounced)),
        EmailEventKind::BounceSoft if soft_limit => {
            (Some(SuppressionReason::SoftBounceLimit), Some(ContactStatus::Bounced))
        }
        EmailEventKind::Complaint => (Some(SuppressionReason::Complaint), Some(ContactStatus::DoNotContact)),
        EmailEventKind::Unsubscribe => (Some(SuppressionReason::Unsubscribe), Some(ContactStatus::DoNotContact)),
        _ => (None, None),
    };
    if let Some(reason) = reason {
        let entry = [(SuppressionKind::Email, email.to_owned())];
        crate::channels::suppression::add_in(batch, actor, &entry, reason, "webhook", None, at)?;
        outcome.suppressed = true;
    }
    if let (Some(status), Some((current, contact))) = (status, &contact) {
        let ids = [contact.id().to_owned()];
        if *current != status.as_str() {
            audit::record_in(batch, actor, "contact.status", "contact", contact.id(), Some(event.kind.as_str()))?;
            batch.push(
                "UPDATE contacts SET status = ?2, updated_at = ?3 WHERE id = ?1",
                libsql::params![contact.id(), status.as_str(), at],
            )?;
        }
        stop_outreach_in(batch, &ids, status, at)?;
        outcome.status = Some(status.as_str().to_owned());
    }
    if let (EmailEventKind::Reply, Some((_, mut contact))) = (event.kind, contact) {
        let incoming = crate::outreach::replies::Incoming {
            channel: Channel::Email,
            subject: event.subject.clone(),
            text: event.text.clone().unwrap_or_default(),
            replied_at: occurred_at.to_owned(),
            intent: None,
            touchpoint_id: touchpoint,
            message_id: None,
        };
        outcome.reply_id = Some(crate::outreach::replies::ingest(batch, actor, &mut contact, incoming)?.id);
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_fresh_matching_signature_passes() {
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let body = br#"{"id":"e1"}"#;
        let good = sign("a-webhook-secret-16", &ts, body);
        assert!(verify("a-webhook-secret-16", &ts, &good, body, now).is_ok());
        assert!(verify("another-secret-1234", &ts, &good, body, now).is_err(), "another secret");
        assert!(verify("a-webhook-secret-16", &ts, &good, br#"{"id":"e2"}"#, now).is_err(), "another body");
        let old = (now.timestamp() - 301).to_string();
        let stale = sign("a-webhook-secret-16", &old, body);
        assert!(verify("a-webhook-secret-16", &old, &stale, body, now).is_err(), "outside the window");
        assert!(verify("a-webhook-secret-16", &ts, "md5=00", body, now).is_err());
    }

    #[test]
    fn a_timestamp_far_off_never_wraps_into_the_window() {
        let now = Utc::now();
        let body = br#"{"id":"e1"}"#;
        for far in [now.timestamp().wrapping_add(i64::MIN), i64::MIN, i64::MAX, now.timestamp().wrapping_sub(i64::MAX)]
        {
            let ts = far.to_string();
            let signed = sign("a-webhook-secret-16", &ts, body);
            let refused = verify("a-webhook-secret-16", &ts, &signed, body, now);
            assert!(matches!(refused, Err(AppError::BadSignature(_))), "{far}: {refused:?}");
        }
    }
}
