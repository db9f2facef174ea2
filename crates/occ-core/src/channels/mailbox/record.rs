//! Taking one message of a mailbox: a bounce, an auto-reply or a reply becomes an email event
//! (`channels::events`, as the webhook's do), with the effects every such event has, and the
//! mailbox's last UID moves forward in the same transaction. The event's id is the message's
//! Message-ID, so a message read twice (a second worker, a new UIDVALIDITY, a lost progress
//! write) is taken once.

use chrono::{DateTime, Utc};

use super::parse::{self, Inbound, Kind, Said};
use super::state::{Account, PROGRESS_SQL};
use crate::audit::Actor;
use crate::channels::events::{self, Event, ReplyPart, Taken};
use crate::domain::enums::{EmailEventKind, ReplyIntent};
use crate::domain::{EmailAddress, stored};
use crate::error::AppResult;
use crate::store::{Batch, Conn};

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A reply of a contact, recorded.
    Reply,
    /// An automatic reply of a contact, recorded as out of office.
    AutoReply,
    /// A bounce of a contact's address, with its effects.
    Bounce,
    /// Taken before.
    Duplicate,
    /// Nothing for OCC (from nobody OCC knows, the mailbox's own message, not a message).
    Skipped,
}

/// Where a message sits: the mailbox, its UIDVALIDITY and the message's UID.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub account: &'a Account,
    pub uidvalidity: u32,
    pub uid: u32,
}

/// Takes one raw message of the mailbox at `now`.
pub(crate) async fn record(conn: &Conn, place: Place<'_>, raw: &[u8], now: DateTime<Utc>) -> AppResult<Recorded> {
    let at = stored(now);
    let progress = |batch: &mut Batch| progress(batch, place);
    let Some(event) = event(place, parse::read(raw), now) else {
        passed_over(conn, place).await?;
        return Ok(Recorded::Skipped);
    };
    let actor = Actor { name: "mailbox".to_owned(), user_id: None, request_id: None };
    Ok(match events::take(conn, &actor, &event, &at, progress).await? {
        Taken::Duplicate => Recorded::Duplicate,
        Taken::Unknown => Recorded::Skipped,
        Taken::Done(_) => match (event.kind, event.reply.as_ref().and_then(|r| r.intent)) {
            (EmailEventKind::Reply, Some(ReplyIntent::OutOfOffice)) => Recorded::AutoReply,
            (EmailEventKind::Reply, _) => Recorded::Reply,
            _ => Recorded::Bounce,
        },
    })
}

/// Notes a message passed over: the last UID moves past it, and nothing else is written.
pub(crate) async fn passed_over(conn: &Conn, place: Place<'_>) -> AppResult<()> {
    let mut batch = Batch::new();
    progress(&mut batch, place)?;
    conn.batch(batch).await?;
    Ok(())
}

fn progress(batch: &mut Batch, place: Place<'_>) -> AppResult<()> {
    batch.push(
        PROGRESS_SQL,
        libsql::named_params! {
            ":uid": i64::from(place.uid), ":id": place.account.identity_id.as_str(),
            ":validity": i64::from(place.uidvalidity),
        },
    )?;
    Ok(())
}

/// The email event a message is, if any.
fn event(place: Place<'_>, inbound: Inbound, now: DateTime<Utc>) -> Option<Event> {
    // A Date in the future (a wrong clock) counts as now.
    let occurred_at = stored(inbound.date.filter(|d| *d <= now).unwrap_or(now));
    let mut payload = serde_json::json!({"source": "mailbox", "uidvalidity": place.uidvalidity, "uid": place.uid});
    let (kind, email, about, reply) = match inbound.kind {
        Kind::Bounce(bounce) => {
            payload["action"] = bounce.action.into();
            payload["status"] = bounce.status.into();
            let kind = if bounce.hard { EmailEventKind::BounceHard } else { EmailEventKind::BounceSoft };
            (kind, bounce.recipient, bounce.about, None)
        }
        Kind::AutoReply(said) => reply(said, Some(ReplyIntent::OutOfOffice), &inbound.message_id),
        Kind::Reply(said) => reply(said, None, &inbound.message_id),
        Kind::Other(_) => return None,
    };
    let email = EmailAddress::parse(&email).ok()?.as_str().to_owned();
    if email == place.account.from_address {
        return None;
    }
    Some(Event {
        provider: "mailbox",
        id: event_id(&inbound.key),
        kind,
        email,
        occurred_at,
        about,
        identity_id: Some(place.account.identity_id.clone()),
        payload: payload.to_string(),
        known_only: true,
        reply,
    })
}

/// A reply event's parts: what was said, with the intent the headers tell (out of office).
fn reply(
    said: Said,
    intent: Option<ReplyIntent>,
    message_id: &Option<String>,
) -> (EmailEventKind, String, Vec<String>, Option<ReplyPart>) {
    // The replies table keeps Message-IDs of 3 to 998 characters.
    let message_id = message_id.clone().filter(|id| (3..=998).contains(&id.chars().count()));
    let part = ReplyPart { subject: said.subject, text: said.text, intent, message_id };
    (EmailEventKind::Reply, said.from, said.about, Some(part))
}

/// The event id of a message: `mailbox:` and its key, hashed when that would be too long for an
/// event id (500 characters).
fn event_id(key: &str) -> String {
    if key.chars().count() <= 480 {
        format!("mailbox:{key}")
    } else {
        use sha2::{Digest, Sha256};
        let hex: String = Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        format!("mailbox:sha256:{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_name_the_message_and_stay_short() {
        assert_eq!(event_id("<a@b>"), "mailbox:<a@b>");
        let long = format!("<{}@b>", "x".repeat(900));
        let id = event_id(&long);
        assert!(id.starts_with("mailbox:sha256:") && id.len() < 100, "{id}");
        assert_eq!(event_id(&long), id, "the same message, the same id");
    }
}
