//! Reading one message of the mailbox (with `mail-parser`): a delivery status report (a bounce),
//! an automatic reply (RFC 3834's `Auto-Submitted`, or the common `X-Autoreply`,
//! `X-Autorespond` and `Precedence: auto_reply` marks), or a person's reply, with the Message-IDs
//! it answers and its new text (without the message it quotes).

use chrono::{DateTime, Utc};
use mail_parser::{Message, MessageParser};
use sha2::{Digest, Sha256};

use super::dsn::{self, Bounce};

/// The most of a reply's text kept (the replies table holds up to 100,000 characters).
const MOST_TEXT_CHARS: usize = 20_000;
/// The most of a subject kept.
const MOST_SUBJECT_CHARS: usize = 500;

/// A message of the mailbox, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inbound {
    /// Its Message-ID (`<id>`), when it has one.
    pub message_id: Option<String>,
    /// A key that names it whatever its place in the mailbox: its Message-ID, or else a hash of
    /// its bytes.
    pub key: String,
    /// Its `Date`, when it has a readable one.
    pub date: Option<DateTime<Utc>>,
    /// What it is.
    pub kind: Kind,
}

/// What a message is to OCC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A delivery status report of a failed or delayed recipient.
    Bounce(Bounce),
    /// An automatic reply (out of office and the like).
    AutoReply(Said),
    /// A person's reply (or any message a person wrote).
    Reply(Said),
    /// Nothing for OCC, and why.
    Other(&'static str),
}

/// What someone wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Said {
    /// The sender's address, as the message spells it.
    pub from: String,
    /// The Message-IDs it answers (`<id>`), In-Reply-To first, then References newest first.
    pub about: Vec<String>,
    /// Its subject.
    pub subject: Option<String>,
    /// Its new text: without the message it quotes.
    pub text: String,
}

/// Reads a raw message (a message that does not parse is [`Kind::Other`]).
pub(crate) fn read(raw: &[u8]) -> Inbound {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Inbound { message_id: None, key: hashed(raw), date: None, kind: Kind::Other("not a message") };
    };
    let message_id = message.message_id().filter(|id| !id.trim().is_empty()).map(bracketed);
    let key = message_id.clone().unwrap_or_else(|| hashed(raw));
    let date = message.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0));
    Inbound { message_id, key, date, kind: kind(&message) }
}

fn kind(message: &Message<'_>) -> Kind {
    if dsn::is_report(message) {
        return dsn::bounce(message).map_or(Kind::Other("a delivery report without a failure"), Kind::Bounce);
    }
    let Some(from) = message.from().and_then(|a| a.first()).and_then(|a| a.address()) else {
        return Kind::Other("no sender address");
    };
    let text = message.body_text(0).map(|t| crate::outreach::replies::classify::new_text(&t)).unwrap_or_default();
    let said = Said {
        from: from.trim().to_owned(),
        about: thread_ids(message),
        subject: message.subject().map(|s| s.chars().take(MOST_SUBJECT_CHARS).collect()),
        text: text.trim().chars().take(MOST_TEXT_CHARS).collect(),
    };
    if is_automatic(message) { Kind::AutoReply(said) } else { Kind::Reply(said) }
}

/// Whether a message says it was sent by a program: RFC 3834's `Auto-Submitted` (anything but
/// `no`), or one of the marks auto-responders use instead.
pub(crate) fn is_automatic(message: &Message<'_>) -> bool {
    let raw = |name: &str| message.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    let submitted = raw("Auto-Submitted").map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
    submitted.is_some_and(|v| !v.is_empty() && v != "no")
        || raw("X-Autoreply").is_some()
        || raw("X-Autorespond").is_some()
        || raw("Precedence").is_some_and(|v| v == "auto_reply")
}

/// The Message-IDs a message answers (`<id>`): In-Reply-To first, then References newest first.
pub(crate) fn thread_ids(message: &Message<'_>) -> Vec<String> {
    let list = |v: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        v.as_text_list().map(|l| l.iter().map(|id| bracketed(id)).collect()).unwrap_or_default()
    };
    let mut ids = list(message.in_reply_to());
    for id in list(message.references()).into_iter().rev() {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// A Message-ID as OCC stores it: `<id>`.
pub(crate) fn bracketed(id: &str) -> String {
    format!("<{}>", id.trim().trim_start_matches('<').trim_end_matches('>'))
}

/// A message's bytes, hashed: the name of a message without a Message-ID.
fn hashed(raw: &[u8]) -> String {
    Sha256::digest(raw).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(raw: &str) -> (Kind, Said) {
        let inbound = read(raw.as_bytes());
        match &inbound.kind {
            Kind::AutoReply(s) | Kind::Reply(s) => (inbound.kind.clone(), s.clone()),
            other => panic!("not something said: {other:?}"),
        }
    }

    /// A reply from Gmail: its own words above the quoted message, threaded on ours.
    const GMAIL_REPLY: &str = "Return-Path: <ana@acme.com>\r\n\
MIME-Version: 1.0\r\n\
References: <first@seller.example> <second@seller.example>\r\n\
In-Reply-To: <second@seller.example>\r\n\
From: Ana Lima <ana@acme.com>\r\n\
Date: Thu, 3 Dec 2026 09:12:44 +0100\r\n\
Message-ID: <CAF=reply-1@mail.gmail.com>\r\n\
Subject: Re: Outbound after the round\r\n\
To: Bo Seller <bo@seller.example>\r\n\
Content-Type: multipart/alternative; boundary=\"000000000000a1\"\r\n\
\r\n\
--000000000000a1\r\n\
Content-Type: text/plain; charset=\"UTF-8\"\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Sounds interesting =E2=80=94 can we talk Tuesday afternoon?\r\n\
\r\n\
Ana\r\n\
\r\n\
On Wed, Dec 2, 2026 at 3:05 PM Bo Seller <bo@seller.example> wrote:\r\n\
> Hi Ana, teams like Acme double outbound after a round. Worth a short call?\r\n\
\r\n\
--000000000000a1\r\n\
Content-Type: text/html; charset=\"UTF-8\"\r\n\
\r\n\
<div>Sounds interesting, can we talk Tuesday afternoon?</div>\r\n\
--000000000000a1--\r\n";

    #[test]
    fn a_reply_keeps_its_own_words_and_the_ids_it_answers() {
        let inbound = read(GMAIL_REPLY.as_bytes());
        assert_eq!(inbound.message_id.as_deref(), Some("<CAF=reply-1@mail.gmail.com>"));
        assert_eq!(inbound.key, "<CAF=reply-1@mail.gmail.com>");
        assert_eq!(inbound.date.map(|d| d.to_rfc3339()), Some("2026-12-03T08:12:44+00:00".to_owned()));
        let (kind, said) = said(GMAIL_REPLY);
        assert!(matches!(kind, Kind::Reply(_)));
        assert_eq!(said.from, "ana@acme.com");
        assert_eq!(said.about, ["<second@seller.example>", "<first@seller.example>"]);
        assert_eq!(said.subject.as_deref(), Some("Re: Outbound after the round"));
        assert_eq!(
            said.text,
            "Sounds interesting \u{2014} can we talk Tuesday afternoon?\r\n\r\nAna".replace("\r\n", "\n")
        );
    }

    /// An Exchange out-of-office with RFC 3834's header.
    const OUT_OF_OFFICE: &str = "From: Di Costa <di@acme.com>\r\n\
To: bo@seller.example\r\n\
Subject: Automatic reply: Outbound after the round\r\n\
Thread-Topic: Outbound after the round\r\n\
Date: Wed, 2 Dec 2026 14:06:01 +0000\r\n\
Message-ID: <ooo-1@EX01.acme.com>\r\n\
In-Reply-To: <first@seller.example>\r\n\
Auto-Submitted: auto-replied\r\n\
X-MS-Exchange-Inbox-Rules-Loop: di@acme.com\r\n\
Content-Type: text/plain; charset=\"us-ascii\"\r\n\
\r\n\
I am out of the office until 14 December 2026 with limited access to email.\r\n";

    #[test]
    fn automatic_replies_are_told_by_their_headers() {
        let (kind, ooo) = said(OUT_OF_OFFICE);
        assert!(matches!(kind, Kind::AutoReply(_)), "{kind:?}");
        assert_eq!(ooo.about, ["<first@seller.example>"]);
        for (header, automatic) in [
            ("Auto-Submitted: auto-generated", true),
            ("Auto-Submitted: auto-replied; owner-email=\"di@acme.com\"", true),
            ("Auto-Submitted: no", false),
            ("Auto-Submitted: No ", false),
            ("X-Autoreply: yes", true),
            ("X-Autorespond: Di is away", true),
            ("Precedence: auto_reply", true),
            ("Precedence: bulk", false),
        ] {
            let raw = OUT_OF_OFFICE.replace("Auto-Submitted: auto-replied", header);
            let (kind, _) = said(&raw);
            assert_eq!(matches!(kind, Kind::AutoReply(_)), automatic, "{header}");
        }
    }

    #[test]
    fn html_only_and_outlook_replies_keep_only_their_new_text() {
        let html = "From: ana@acme.com\r\nSubject: Re: hi\r\nMessage-ID: <h-1@acme.com>\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n\
<div dir=\"ltr\">Happy to talk on Thursday.</div><br>\
<div class=\"gmail_quote\"><div>On Wed, Dec 2, 2026 at 3:05 PM Bo Seller &lt;bo@seller.example&gt; wrote:<br></div>\
<blockquote>Reply stop to unsubscribe.</blockquote></div>\r\n";
        let (_, from_html) = said(html);
        assert!(from_html.text.starts_with("Happy to talk on Thursday."), "{:?}", from_html.text);
        assert!(!from_html.text.contains("unsubscribe"), "{:?}", from_html.text);
        let outlook = "From: di@acme.com\r\nSubject: RE: hi\r\nContent-Type: text/plain\r\n\r\n\
Not for us, thanks.\r\n\r\n-----Original Message-----\r\nFrom: Bo Seller <bo@seller.example>\r\n\
Subject: hi\r\n\r\nReply stop to unsubscribe.\r\n";
        let (_, from_outlook) = said(outlook);
        assert_eq!(from_outlook.text, "Not for us, thanks.");
    }

    #[test]
    fn a_message_without_an_id_is_named_by_its_bytes_and_one_without_a_sender_is_nothing() {
        let raw = "From: ana@acme.com\r\nSubject: hi\r\n\r\nHello\r\n";
        let inbound = read(raw.as_bytes());
        assert_eq!(inbound.message_id, None);
        assert_eq!(inbound.key.len(), 64);
        assert_eq!(read(raw.as_bytes()).key, inbound.key, "the same bytes, the same name");
        assert_eq!(read(b"Subject: hi\r\n\r\nHello\r\n").kind, Kind::Other("no sender address"));
        assert!(matches!(read(b"").kind, Kind::Other(_)));
    }

    #[test]
    fn ids_are_bracketed_once() {
        assert_eq!(bracketed("a@b"), "<a@b>");
        assert_eq!(bracketed(" <a@b> "), "<a@b>");
    }
}
