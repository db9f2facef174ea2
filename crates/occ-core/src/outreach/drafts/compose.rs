//! Writing a draft's message, shared by creating and editing one: the subject and body checked
//! for the channel, and the reviewer's report, which needs what is known about the recipient.

use serde::Deserialize;

use super::review::{QualityReport, Recipient, review};
use crate::domain::enums::Channel;
use crate::error::{AppError, AppResult};
use crate::outreach::sequences::template::placeholders;
use crate::store::{Row, from_row};
use crate::validate::Check;

/// What the reviewer needs about the recipient, the contact row `c` with its account `a`, and
/// who owns them: the contact's id (NULL for no contact), owner, title, company and strongest
/// fresh signal. Expects `:now`. `recipient_columns!(named)` names them for a SELECT (read with
/// [`decode_recipient`]); `recipient_columns!()` is the same list unnamed, for a `json_array`.
macro_rules! recipient_columns {
    () => {
        recipient_columns!("", "", "")
    };
    (named) => {
        recipient_columns!(" AS recipient_id", " AS company", " AS signal")
    };
    ($id:literal, $company:literal, $signal:literal) => {
        concat!(
            "c.id",
            $id,
            ", c.owner_id, c.title, a.name",
            $company,
            ", (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
         AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1)",
            $signal
        )
    };
}

pub(super) use recipient_columns;

/// A row of `recipient_columns!(named)`.
#[derive(Deserialize)]
struct RecipientRow {
    recipient_id: Option<String>,
    owner_id: Option<String>,
    title: Option<String>,
    company: Option<String>,
    signal: Option<String>,
}

/// The recipient's owner, title, company and signal.
pub(super) type RecipientFacts = (Option<String>, Option<String>, Option<String>, Option<String>);

/// Reads `recipient_columns!(named)`; no contact is a 422 on `contact_id`.
pub(super) fn decode_recipient(row: &Row) -> AppResult<RecipientFacts> {
    let r: RecipientRow = from_row(row)?;
    if r.recipient_id.is_none() {
        return Err(AppError::invalid("contact_id", "exists", "no contact has this id"));
    }
    Ok((r.owner_id, r.title, r.company, r.signal))
}

/// The JSON value of a recipient's [`recipient_columns!`] as read, which the batch expects unchanged.
#[derive(Deserialize)]
pub(super) struct SeenRecipient {
    pub(super) seen: String,
}

/// The reviewer's report on a message to the recipient `who` (title, company, signal).
pub(super) fn reviewed(
    channel: Channel,
    subject: Option<&str>,
    body: &str,
    who: (Option<String>, Option<String>, Option<String>),
) -> QualityReport {
    let mut unresolved = placeholders(body);
    for field in subject.map(placeholders).unwrap_or_default() {
        if !unresolved.contains(&field) {
            unresolved.push(field);
        }
    }
    let (title, company, signal) = who;
    let recipient = Recipient { company: company.as_deref(), title: title.as_deref(), signal: signal.as_deref() };
    review(channel, false, subject, body, &unresolved, &recipient)
}

impl Check {
    /// The subject and body of a message on `channel`: an email needs a subject, nothing else has one.
    pub(super) fn message(
        &mut self,
        channel: Channel,
        subject: Option<String>,
        body: String,
    ) -> (Option<String>, String) {
        let subject = match channel {
            Channel::Email => {
                let subject = self.text("subject", subject, 500);
                if subject.is_none() && !self.failed("subject") {
                    self.fail("subject", "required", "an email needs a subject");
                }
                subject
            }
            _ => {
                if subject.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    self.fail("subject", "not_allowed", "only an email has a subject");
                }
                None
            }
        };
        (subject, self.required_prose("body", body, 20_000))
    }
}
