//! Delivery status notifications (RFC 3464): the `message/delivery-status` part of a
//! `multipart/report; report-type=delivery-status` message, read for the recipient that failed,
//! what the server did (`Action`) and the status code (`Status`): a 5.x.x is a hard bounce, a
//! 4.x.x (or an `Action: delayed`) a soft one.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use super::parse::bracketed;

/// A bounce a report tells of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bounce {
    /// The address that could not be reached, as the report spells it.
    pub recipient: String,
    /// A permanent failure (5.x.x): the address will not work.
    pub hard: bool,
    /// `Action`: failed or delayed.
    pub action: String,
    /// `Status`, such as 5.1.1 (empty when the report gives none).
    pub status: String,
    /// The Message-IDs (`<id>`) of the message that bounced, as the report gives them.
    pub about: Vec<String>,
}

/// Whether `message` is a delivery status report.
pub(crate) fn is_report(message: &Message<'_>) -> bool {
    message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    })
}

/// The bounce a delivery status report tells of: its first recipient that failed or is delayed
/// (None when it reports only deliveries, or cannot be read).
pub(crate) fn bounce(message: &Message<'_>) -> Option<Bounce> {
    let status_part = message.parts.iter().find(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct.subtype().is_some_and(|s| {
                    s.eq_ignore_ascii_case("delivery-status") || s.eq_ignore_ascii_case("global-delivery-status")
                })
        })
    })?;
    let text = String::from_utf8_lossy(status_part.contents());
    let mut blocks = fields_blocks(&text).into_iter();
    // The first block is about the message; the others about one recipient each.
    blocks.next();
    let (recipient, action, status) = blocks.find_map(|fields| {
        let field = |name: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
        let action = field("Action")?.trim().to_ascii_lowercase();
        let status = field("Status").map(|s| first_word(s).to_owned()).unwrap_or_default();
        let failing = action == "failed" || action == "delayed";
        let recipient = field("Final-Recipient").or_else(|| field("Original-Recipient")).map(address)?;
        (failing && !recipient.is_empty()).then_some((recipient, action, status))
    })?;
    let hard = match status.chars().next() {
        Some('5') => true,
        Some('4') => false,
        _ => action == "failed",
    };
    Some(Bounce { recipient, hard, action, status, about: returned_ids(message) })
}

/// The header-like fields of a delivery-status body, in blocks separated by empty lines, with
/// continuation lines unfolded.
fn fields_blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut blocks = Vec::new();
    let mut block: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !block.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = block.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            block.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    if !block.is_empty() {
        blocks.push(block);
    }
    blocks
}

/// `rfc822; ana@acme.com` is `ana@acme.com` (without angle brackets).
fn address(field: &str) -> String {
    let value = field.split_once(';').map_or(field, |(_, a)| a);
    value.trim().trim_start_matches('<').trim_end_matches('>').trim().to_owned()
}

/// `5.1.1 (user unknown)` is `5.1.1`.
fn first_word(value: &str) -> &str {
    value.split_whitespace().next().unwrap_or_default()
}

/// The Message-IDs of the message that bounced: from the returned message or its headers
/// (`message/rfc822`, `text/rfc822-headers`), and the report's own In-Reply-To and References.
fn returned_ids(message: &Message<'_>) -> Vec<String> {
    let mut ids = Vec::new();
    for part in &message.parts {
        match &part.body {
            PartType::Message(returned) => ids.extend(returned.message_id().map(bracketed)),
            PartType::Text(text)
                if part
                    .content_type()
                    .is_some_and(|ct| ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("rfc822-headers"))) =>
            {
                let headers = MessageParser::default().parse_headers(text.as_bytes());
                ids.extend(headers.as_ref().and_then(|h| h.message_id()).map(bracketed));
            }
            _ => {}
        }
    }
    ids.extend(super::parse::thread_ids(message));
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Postfix report of a recipient its server does not know, with the returned headers.
    const POSTFIX_HARD: &str = "Return-Path: <>\r\n\
Received: by mx.seller.example (Postfix) id 4F1C2; Wed,  2 Dec 2026 14:05:12 +0000 (UTC)\r\n\
Date: Wed,  2 Dec 2026 14:05:12 +0000 (UTC)\r\n\
From: MAILER-DAEMON@mx.seller.example (Mail Delivery System)\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
To: bo@seller.example\r\n\
Auto-Submitted: auto-replied\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status;\r\n\
\tboundary=\"4F1C2.1764684312/mx.seller.example\"\r\n\
Message-Id: <20261202140512.4F1C2@mx.seller.example>\r\n\
\r\n\
This is a MIME-encapsulated message.\r\n\
\r\n\
--4F1C2.1764684312/mx.seller.example\r\n\
Content-Description: Notification\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
I'm sorry to have to inform you that your message could not\r\n\
be delivered to one or more recipients.\r\n\
\r\n\
<ana@acme.com>: host mx.acme.com[203.0.113.5] said: 550 5.1.1 <ana@acme.com>:\r\n\
    Recipient address rejected: User unknown in virtual mailbox table\r\n\
\r\n\
--4F1C2.1764684312/mx.seller.example\r\n\
Content-Description: Delivery report\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.seller.example\r\n\
X-Postfix-Queue-ID: 4F1C2\r\n\
X-Postfix-Sender: rfc822; bo@seller.example\r\n\
Arrival-Date: Wed,  2 Dec 2026 14:05:10 +0000 (UTC)\r\n\
\r\n\
Final-Recipient: rfc822; ana@acme.com\r\n\
Original-Recipient: rfc822;ana@acme.com\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Remote-MTA: dns; mx.acme.com\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <ana@acme.com>: Recipient address rejected:\r\n\
    User unknown in virtual mailbox table\r\n\
\r\n\
--4F1C2.1764684312/mx.seller.example\r\n\
Content-Description: Undelivered Message Headers\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: Bo Seller <bo@seller.example>\r\n\
To: ana@acme.com\r\n\
Subject: Outbound after the round\r\n\
Message-ID: <0193a1b2-0000-7000-8000-000000000001@seller.example>\r\n\
Date: Wed, 2 Dec 2026 14:05:09 +0000\r\n\
\r\n\
--4F1C2.1764684312/mx.seller.example--\r\n";

    /// An Exchange-style report of a full mailbox, delayed, returning the whole message.
    const DELAYED: &str = "From: postmaster@acme.com\r\n\
To: bo@seller.example\r\n\
Subject: Delivery delayed: Outbound after the round\r\n\
Message-ID: <dsn-2@acme.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=\"delivery-status\"; boundary=\"b2\"\r\n\
\r\n\
--b2\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Delivery is delayed to these recipients: di@acme.com\r\n\
--b2\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns;EX01.acme.com\r\n\
\r\n\
Final-Recipient: rfc822;<Di@Acme.com>\r\n\
Action: delayed\r\n\
Status: 4.2.2 (mailbox full)\r\n\
Will-Retry-Until: Fri, 4 Dec 2026 14:00:00 +0000\r\n\
--b2\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: Bo Seller <bo@seller.example>\r\n\
To: di@acme.com\r\n\
Subject: Outbound after the round\r\n\
Message-ID: <m-2@seller.example>\r\n\
\r\n\
Hi Di, teams like Acme double outbound after a round.\r\n\
--b2--\r\n";

    fn parsed(raw: &str) -> Message<'_> {
        MessageParser::default().parse(raw.as_bytes()).expect("a message")
    }

    #[test]
    fn a_postfix_user_unknown_is_a_hard_bounce_of_the_returned_message() {
        let message = parsed(POSTFIX_HARD);
        assert!(is_report(&message));
        let bounce = bounce(&message).expect("a bounce");
        assert_eq!(bounce.recipient, "ana@acme.com");
        assert!(bounce.hard);
        assert_eq!((bounce.action.as_str(), bounce.status.as_str()), ("failed", "5.1.1"));
        assert_eq!(bounce.about, ["<0193a1b2-0000-7000-8000-000000000001@seller.example>"]);
    }

    #[test]
    fn a_delayed_full_mailbox_is_a_soft_bounce() {
        let message = parsed(DELAYED);
        assert!(is_report(&message), "a quoted report-type counts");
        let bounce = bounce(&message).expect("a bounce");
        assert_eq!(bounce.recipient, "Di@Acme.com", "normalised by who stores it");
        assert!(!bounce.hard);
        assert_eq!((bounce.action.as_str(), bounce.status.as_str()), ("delayed", "4.2.2"));
        assert_eq!(bounce.about, ["<m-2@seller.example>"]);
    }

    #[test]
    fn a_report_of_a_delivery_or_another_report_is_no_bounce() {
        let delivered =
            POSTFIX_HARD.replace("Action: failed", "Action: delivered").replace("Status: 5.1.1", "Status: 2.0.0");
        assert_eq!(bounce(&parsed(&delivered)), None);
        let disposition = POSTFIX_HARD.replace("report-type=delivery-status", "report-type=disposition-notification");
        assert!(!is_report(&parsed(&disposition)));
        let plain = "From: ana@acme.com\r\nSubject: hi\r\n\r\nStatus: 5.1.1\r\n";
        assert!(!is_report(&parsed(plain)));
        assert_eq!(bounce(&parsed(plain)), None);
    }

    #[test]
    fn a_failure_without_a_status_is_hard_and_a_4xx_failure_soft() {
        let no_status = POSTFIX_HARD.replace("Status: 5.1.1\r\n", "");
        assert!(bounce(&parsed(&no_status)).expect("a bounce").hard);
        let transient = POSTFIX_HARD.replace("Status: 5.1.1", "Status: 4.4.1");
        assert!(!bounce(&parsed(&transient)).expect("a bounce").hard);
    }
}
