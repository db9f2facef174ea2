//! Email events, wherever they come from (the provider's webhook, an identity's mailbox): each is
//! stored once by its event id, with the contact and the sent message it concerns, and has its
//! effects in the same transaction.
//!
//! A hard bounce suppresses the address and marks the person bounced; a complaint or an
//! unsubscribe suppresses it and marks them do-not-contact; soft bounces are counted, and the
//! third suppresses; a reply becomes a reply, classified, with its consequences. Every kind is
//! kept as an email event (delivered, open and click only that).

use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::contacts::actions::{Mover, mover_sql, stop_outreach_in};
use crate::domain::enums::{Channel, ContactStatus, EmailEventKind, ReplyIntent, SuppressionKind, SuppressionReason};
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::store::{Batch, Conn, from_row, single};

/// Soft bounces of one address that suppress it.
pub const SOFT_BOUNCE_LIMIT: i64 = 3;

/// An email event to take.
#[derive(Debug)]
pub(crate) struct Event {
    /// Where it came from: `webhook` or `imap`.
    pub provider: &'static str,
    /// Its id at the source: an event is taken once (at most 500 characters).
    pub id: String,
    /// What happened.
    pub kind: EmailEventKind,
    /// The address it concerns (the recipient's; the replier's for a reply), lower case.
    pub email: String,
    /// When it happened (stored spelling).
    pub occurred_at: String,
    /// The Message-IDs of OCC's messages it may be about, the likeliest first; the newest sent
    /// message among them is the one it concerns, and that message's contact is its contact.
    pub about: Vec<String>,
    /// The identity whose mailbox it came through, when no sent message names one.
    pub identity_id: Option<String>,
    /// What is kept of it, as JSON.
    pub payload: String,
    /// Only for an address or a message OCC knows: an event about anyone else is not stored.
    pub known_only: bool,
    /// A reply's own parts.
    pub reply: Option<ReplyPart>,
}

/// What a reply event carries.
#[derive(Debug, Default)]
pub(crate) struct ReplyPart {
    /// Its subject.
    pub subject: Option<String>,
    /// Its text.
    pub text: String,
    /// Its intent when the source knows it (an auto-reply is out of office); else the classifier
    /// decides.
    pub intent: Option<ReplyIntent>,
    /// The inbound message's own Message-ID, so the same message is one reply.
    pub message_id: Option<String>,
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

/// What became of an event.
#[derive(Debug)]
pub(crate) enum Taken {
    /// Stored, with what it did.
    Done(EventOutcome),
    /// Taken before (same event id): nothing was done again.
    Duplicate,
    /// About nobody OCC knows, and [`Event::known_only`]: not stored.
    Unknown,
}

/// Takes an event in one transaction (the event stored with what it refers to, then its
/// effects with the commit); `also` adds writes that must commit with it (or without it, when
/// it was taken before or is about nobody OCC knows).
pub(crate) async fn take(
    conn: &Conn,
    actor: &Actor,
    event: &Event,
    at: &str,
    also: impl FnOnce(&mut Batch) -> AppResult<()>,
) -> AppResult<Taken> {
    let (_, taken) = conn
        .read_then_write(async |conn| {
            let mut batch = Batch::new();
            let taken = match store(conn, event, at).await? {
                Some(stored) => Taken::Done(consequences(&mut batch, actor, event, stored, at)?),
                None if event.known_only && !stored_before(conn, &event.id).await? => Taken::Unknown,
                None => Taken::Duplicate,
            };
            also(&mut batch)?;
            Ok((batch, taken))
        })
        .await?;
    Ok(taken)
}

/// Whether an event of this id is stored (read when storing inserted nothing).
async fn stored_before(conn: &Conn, id: &str) -> AppResult<bool> {
    conn.query_one(
        "email event",
        "SELECT EXISTS (SELECT 1 FROM email_events WHERE provider_event_id = ?1)",
        [id],
        single,
    )
    .await
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

/// Stores the event with what it refers to (the transaction's one read): the newest sent
/// message among those it names, and its contact, else the contact with its address. A replay
/// (or, when only known people count, an event about nobody OCC knows) inserts nothing and
/// answers None.
async fn store(conn: &Conn, event: &Event, at: &str) -> AppResult<Option<Stored>> {
    let about = serde_json::to_string(&event.about).map_err(|e| AppError::Internal(e.into()))?;
    conn.query_opt(
        concat!(
            "INSERT INTO email_events (id, kind, provider, provider_event_id, email_address, contact_id, touchpoint_id, \
               identity_id, payload, occurred_at, created_at) \
             SELECT :id, :kind, :provider, :event, :email, \
               coalesce(t.contact_id, (SELECT id FROM contacts WHERE email = :email)), t.id, \
               coalesce(t.identity_id, :identity), :payload, :occurred_at, :now \
             FROM (SELECT 1) LEFT JOIN touchpoints t ON t.id = (SELECT s.id FROM touchpoints s \
               WHERE s.message_id IN (SELECT value FROM json_each(:about)) ORDER BY s.created_at DESC LIMIT 1) \
             WHERE NOT :known_only OR t.id IS NOT NULL OR EXISTS (SELECT 1 FROM contacts WHERE email = :email) \
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
            ":id": new_id(), ":kind": event.kind.as_str(), ":provider": event.provider, ":event": event.id.as_str(),
            ":email": event.email.as_str(), ":identity": event.identity_id.as_deref(), ":payload": event.payload.as_str(),
            ":occurred_at": event.occurred_at.as_str(), ":now": at, ":about": about, ":known_only": event.known_only,
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
fn consequences(batch: &mut Batch, actor: &Actor, event: &Event, stored: Stored, at: &str) -> AppResult<EventOutcome> {
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
        let entry = [(SuppressionKind::Email, event.email.clone())];
        crate::channels::suppression::add_in(batch, actor, &entry, reason, event.provider, None, at)?;
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
        let reply = event.reply.as_ref();
        let incoming = crate::outreach::replies::Incoming {
            channel: Channel::Email,
            subject: reply.and_then(|r| r.subject.clone()),
            text: reply.map(|r| r.text.clone()).unwrap_or_default(),
            replied_at: event.occurred_at.clone(),
            intent: reply.and_then(|r| r.intent),
            touchpoint_id: touchpoint,
            message_id: reply.and_then(|r| r.message_id.clone()),
        };
        outcome.reply_id = Some(crate::outreach::replies::ingest(batch, actor, &mut contact, incoming)?.id);
    }
    Ok(outcome)
}
