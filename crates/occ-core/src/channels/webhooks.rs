//! Email events from the sending provider: `POST /api/v1/webhooks/email`, signed with
//! HMAC-SHA256 over `timestamp + "." + body` with `OCC_WEBHOOK_SECRET`
//! (`X-OCC-Timestamp: <unix seconds>`, `X-OCC-Signature: sha256=<hex>`), accepted only within
//! five minutes of its timestamp, and taken once per provider event id, with the effects
//! `events` gives every email event.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::events::{self, Event, ReplyPart, Taken};
use crate::access::Access::Public;
use crate::audit::Actor;
use crate::domain::enums::EmailEventKind;
use crate::domain::{EmailAddress, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, RequestMeta, Routes};

pub use super::events::{EventOutcome, SOFT_BOUNCE_LIMIT};

/// The webhook's route (in the channels family; public, signed).
pub fn routes() -> Routes {
    Routes::new().post("/api/v1/webhooks/email", Public, handler!(receive))
}

/// How old (or how far ahead) a signed timestamp may be.
pub const REPLAY_WINDOW_SECONDS: i64 = 300;

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
    let actor = Actor {
        name: "webhook".to_owned(),
        user_id: None,
        request_id: Some(RequestMeta::of(&req)?.request_id.clone()),
    };
    let taken = Event {
        provider: "webhook",
        id: event.id.trim().to_owned(),
        kind: event.kind,
        email: email.as_str().to_owned(),
        occurred_at,
        about: event.message_id.iter().cloned().collect(),
        identity_id: None,
        payload: String::from_utf8_lossy(req.body()).into_owned(),
        known_only: false,
        reply: (event.kind == EmailEventKind::Reply).then(|| ReplyPart {
            subject: event.subject.clone(),
            text: event.text.clone().unwrap_or_default(),
            intent: None,
            message_id: None,
        }),
    };
    let conn = ctx.conn().await?;
    let outcome = match events::take(&conn, &actor, &taken, &now(), |_| Ok(())).await? {
        Taken::Done(outcome) => outcome,
        Taken::Duplicate | Taken::Unknown => EventOutcome { duplicate: true, ..EventOutcome::default() },
    };
    http::ok(&outcome)
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
