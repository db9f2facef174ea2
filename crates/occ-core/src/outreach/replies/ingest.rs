//! Recording a reply as it arrives, from a person or from an email event: classified, stored and
//! followed by its consequences.

use chrono::Utc;

use super::consequences::{Planned, apply};
use super::{ENTITY, classify};
use crate::audit::{self, Actor};
use crate::contacts::actions::Mover;
use crate::domain::enums::{Channel, ReplyIntent};
use crate::domain::{new_id, now};
use crate::error::AppResult;
use crate::store::Batch;

/// A reply arriving: logged by a person, or an email event.
pub(crate) struct Incoming {
    /// On which channel.
    pub channel: Channel,
    /// Email subject.
    pub subject: Option<String>,
    /// What they said.
    pub text: String,
    /// When (stored spelling).
    pub replied_at: String,
    /// The intent when a person says it; else the classifier decides.
    pub intent: Option<ReplyIntent>,
    /// The message it answers, when known.
    pub touchpoint_id: Option<String>,
    /// The inbound message's id, so the same message is one reply.
    pub message_id: Option<String>,
}

/// Plans recording a reply, classified, with its consequences for `contact` (read in the
/// transaction the batch commits).
pub(crate) fn ingest(batch: &mut Batch, actor: &Actor, contact: &mut Mover, incoming: Incoming) -> AppResult<Planned> {
    let today = chrono::DateTime::parse_from_rfc3339(&incoming.replied_at)
        .map_or_else(|_| Utc::now().date_naive(), |t| t.date_naive());
    let found = classify::classify(incoming.subject.as_deref(), &incoming.text, today);
    let (intent, confidence) = match incoming.intent {
        Some(intent) => (intent, 1.0),
        None => (found.intent, found.confidence),
    };
    let at = now();
    let id = new_id();
    let return_date = found.return_date.filter(|_| intent == ReplyIntent::OutOfOffice);
    let reply = batch.push(
        concat!(
            "INSERT INTO replies (id, contact_id, channel, intent, confidence, subject, body, return_date, \
             referral_name, referral_email, replied_at, classified_at, created_at, updated_at, touchpoint_id, message_id, owner_key) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?12, ?13, ?14, \
             ifnull((SELECT c.owner_id FROM contacts c WHERE c.id = ?2), '')) RETURNING ",
            reply_columns!()
        ),
        libsql::params![
            id.as_str(),
            contact.id(),
            incoming.channel.as_str(),
            intent.as_str(),
            confidence,
            incoming.subject.as_deref(),
            incoming.text.as_str(),
            return_date.map(|d| d.to_string()),
            found.referral_name.clone().filter(|_| intent == ReplyIntent::Referral),
            found.referral_email.clone().filter(|_| intent == ReplyIntent::Referral),
            incoming.replied_at.as_str(),
            at.as_str(),
            incoming.touchpoint_id.as_deref(),
            incoming.message_id.as_deref()
        ],
    )?;
    let view = serde_json::json!({"contact_id": contact.id(), "channel": incoming.channel, "intent": intent, "confidence": confidence});
    audit::record_with_in(batch, actor, "reply.create", ENTITY, &id, None, Some(&view), None)?;
    let planned = Planned::new(id, incoming.channel, reply);
    apply(batch, actor, contact, intent, return_date, false, planned)
}
