//! The message itself: the text with its signature and opt-out line, the headers (threading,
//! List-Unsubscribe with one-click), and the SMTP conversation.

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder};

use std::panic::AssertUnwindSafe;

use super::Slot;
use super::waiting::Waiting;
use crate::channels::sender::Failure;
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::domain::text::one_line;

/// The message's text: the draft, the identity's signature, and the opt-out line.
pub fn compose_body(body: &str, signature: Option<&str>, link: &str) -> String {
    let mut text = body.trim_end().to_owned();
    if let Some(signature) = signature.filter(|s| !s.trim().is_empty()) {
        text.push_str("\n\n-- \n");
        text.push_str(signature.trim_end());
    }
    text.push_str("\n\nNot interested? Unsubscribe here: ");
    text.push_str(link);
    text.push('\n');
    text
}

/// Talks SMTP; answers how it failed.
pub(super) async fn deliver(
    slot: &Slot,
    secrets: &SecretBox,
    email: &Waiting,
    message_id: &str,
    body: &str,
    link: &str,
    config: &Config,
) -> Result<(), Failure> {
    let password = match &slot.sealed {
        None => None,
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let opened = secrets.open(&text);
            Some(opened.map_err(|e| Failure::Mailbox(format!("the SMTP password cannot be opened: {e}")))?)
        }
    };
    let sender = crate::channels::sender::Sender::with_password(slot.identity.clone(), password);
    // A message that cannot be written (an address that does not parse) never will be; nothing
    // a contact or an identity holds may make writing it panic, and if it did the panic stays
    // here: the send fails with a reason and its slots are given back.
    let composed =
        std::panic::catch_unwind(AssertUnwindSafe(|| compose(&sender, email, message_id, body, link, config)));
    let message = match composed {
        Ok(Ok(message)) => message,
        Ok(Err(reason)) => return Err(reason),
        Err(_) => {
            return Err(Failure::NotSent {
                permanent: true,
                code: None,
                reason: "the message could not be composed from this draft, contact and identity".to_owned(),
            });
        }
    };
    sender.deliver(&message).await.map(drop)
}

fn header(builder: MessageBuilder, name: &'static str, value: String) -> MessageBuilder {
    builder.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str(name), value))
}

/// The message: threaded on the sequence's first email, with the unsubscribe headers. Names and
/// the subject are folded onto one line (stored data may predate the rule that refuses line
/// breaks), so nothing typed can end a header early.
fn compose(
    sender: &crate::channels::sender::Sender,
    email: &Waiting,
    message_id: &str,
    body: &str,
    link: &str,
    config: &Config,
) -> Result<Message, Failure> {
    let refused = |what: &str, e: &dyn std::fmt::Display| Failure::NotSent {
        permanent: true,
        code: None,
        reason: format!("{what}: {e}"),
    };
    let from = sender.from().map_err(|e| Failure::Mailbox(format!("the identity's From cannot be written: {e}")))?;
    let to_address = email.to.parse().map_err(|e| refused("the recipient's address cannot be written", &e))?;
    let name = one_line(&email.name).trim().to_owned();
    let to = Mailbox::new(Some(name).filter(|n| !n.is_empty()), to_address);
    let subject = one_line(email.subject.as_deref().unwrap_or_default()).trim().to_owned();
    let mut builder = Message::builder().from(from).to(to).subject(subject).message_id(Some(message_id.to_owned()));
    if let Some(parent) = email.in_reply_to() {
        builder = builder.in_reply_to(parent.clone());
        builder = builder.references(email.thread.join(" "));
    }
    let mut unsubscribe = format!("<{link}>");
    if let Some(mailto) = &config.unsubscribe_mailto {
        unsubscribe.push_str(&format!(", <mailto:{mailto}?subject=unsubscribe>"));
    }
    builder = header(builder, "List-Unsubscribe", unsubscribe);
    builder = header(builder, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned());
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| refused("the message cannot be written", &e))
}
