//! The message itself: the text with its signature and opt-out line, the headers (threading,
//! List-Unsubscribe with one-click), and the SMTP conversation.

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MessageBuilder};

use super::{Slot, Waiting};
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::sender::Failure;

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
    let sender = crate::sender::Sender::with_password(slot.identity.clone(), password);
    // A message that cannot be written (an address that does not parse) never will be.
    let message = compose(&sender, email, message_id, body, link, config).map_err(|e| Failure::NotSent {
        permanent: true,
        code: None,
        reason: e.to_string(),
    })?;
    sender.deliver(&message).await.map(drop)
}

fn header(builder: MessageBuilder, name: &'static str, value: String) -> MessageBuilder {
    builder.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str(name), value))
}

/// The message: threaded on the sequence's first email, with the unsubscribe headers.
fn compose(
    sender: &crate::sender::Sender,
    email: &Waiting,
    message_id: &str,
    body: &str,
    link: &str,
    config: &Config,
) -> anyhow::Result<Message> {
    let to = Mailbox::new(Some(email.name.clone()).filter(|n| !n.is_empty()), email.to.parse()?);
    let subject = email.subject.clone().unwrap_or_default();
    let mut builder = Message::builder()
        .from(sender.from().map_err(|e| anyhow::anyhow!(e.to_string()))?)
        .to(to)
        .subject(subject)
        .message_id(Some(message_id.to_owned()));
    if let Some(first) = email.thread.first() {
        builder = builder.in_reply_to(first.clone());
        builder = builder.references(email.thread.join(" "));
    }
    let mut unsubscribe = format!("<{link}>");
    if let Some(mailto) = &config.unsubscribe_mailto {
        unsubscribe.push_str(&format!(", <mailto:{mailto}?subject=unsubscribe>"));
    }
    builder = header(builder, "List-Unsubscribe", unsubscribe);
    builder = header(builder, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned());
    Ok(builder.header(ContentType::TEXT_PLAIN).body(body.to_owned())?)
}
