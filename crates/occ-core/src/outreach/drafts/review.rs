//! The deterministic reviewer: a quality report on a draft (length for its channel, unresolved
//! merge fields, spam phrases, whether an email's body offers a way out, personalisation). It
//! works with no AI model; the reviewer agent later adds its judgement on top of the same report.
//!
//! Every email leaves with the unsubscribe line and its link appended by the sender
//! (`channels::sending::message::compose_body`), so a body without an opt-out sentence of its own
//! is not a flaw; the report says whether it has one.

use serde::{Deserialize, Serialize};

use crate::domain::enums::Channel;

/// Phrases that spam filters and people dislike in a first message.
pub const SPAM_PHRASES: &[&str] = &[
    "act now",
    "limited time",
    "guarantee",
    "100% free",
    "risk-free",
    "risk free",
    "click here",
    "buy now",
    "no obligation",
    "winner",
    "urgent",
    "free money",
    "once in a lifetime",
    "!!!",
    "$$$",
];

/// Words that say how to hear no more on their own.
const OPTING_OUT: &[&str] = &["unsubscribe", "opt out", "opt-out", "opt me out"];

/// Words that name hearing no more, in a sentence that invites the reader to say so.
const STOPPING: &[&str] = &[
    "stop",
    "remove you",
    "remove me",
    "take you off",
    "no more",
    "no longer",
    "not hear",
    "won't follow up",
    "will not follow up",
    "won't write",
    "won't email",
    "won't reach out",
    "leave you alone",
    "not interested",
    "not the right time",
    "not a fit",
];

/// Words that invite the reader to say so, in an opt-out sentence.
const INVITING: &[&str] = &["reply", "let me know", "just", "if ", "tell me", "say the word", "say so", "?"];

/// Whether `text` (lower case) tells the reader how to hear no more: it says unsubscribe or opt
/// out, or one of its sentences names stopping and invites them to say so ("If you'd rather not
/// hear from me, just reply stop", "Not the right time? Tell me and I'll stop writing").
pub fn offers_opt_out(text: &str) -> bool {
    OPTING_OUT.iter().any(|w| text.contains(w))
        || text.split_inclusive(['.', '!', '?', '\n']).any(|sentence| {
            STOPPING.iter().any(|w| sentence.contains(w)) && INVITING.iter().any(|w| sentence.contains(w))
        })
}

/// What the report checks a draft against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest body, in characters.
    pub max_chars: usize,
    /// The fewest words a body should have.
    pub min_words: usize,
    /// The most words a body should have.
    pub max_words: usize,
}

/// The limits for a step kind's message: a connection note is at most 300 characters, a
/// LinkedIn message short, an email 10-200 words, a call script anything readable.
pub fn limits(channel: Channel, connect_note: bool) -> Limits {
    match (channel, connect_note) {
        (Channel::Linkedin, true) => Limits { max_chars: 300, min_words: 3, max_words: 60 },
        (Channel::Linkedin, false) => Limits { max_chars: 1900, min_words: 5, max_words: 250 },
        (Channel::Email, _) => Limits { max_chars: 5000, min_words: 10, max_words: 200 },
        (Channel::Call, _) => Limits { max_chars: 20_000, min_words: 1, max_words: 3000 },
    }
}

/// The reviewer's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QualityReport {
    /// Characters in the body.
    pub chars: usize,
    /// Words in the body.
    pub words: usize,
    /// Merge fields left unresolved (the draft cannot be approved until they are filled in).
    pub unresolved: Vec<String>,
    /// Spam phrases found.
    pub spam_phrases: Vec<String>,
    /// Email only: whether the body has an opt-out sentence of its own. Every email also gets
    /// the unsubscribe line and link when it is sent, so none is needed.
    pub opt_out: Option<bool>,
    /// Whether the message says something about this person beyond their name.
    pub personalised: bool,
    /// Every problem, in words; empty when the draft passes.
    pub flags: Vec<String>,
    /// No flags.
    pub passed: bool,
}

/// What the reviewer knows about the recipient to judge personalisation.
#[derive(Debug, Clone, Default)]
pub struct Recipient<'a> {
    /// The company's name.
    pub company: Option<&'a str>,
    /// The person's title.
    pub title: Option<&'a str>,
    /// The freshest signal's title.
    pub signal: Option<&'a str>,
}

/// Reviews a draft.
pub fn review(
    channel: Channel,
    connect_note: bool,
    subject: Option<&str>,
    body: &str,
    unresolved: &[String],
    recipient: &Recipient<'_>,
) -> QualityReport {
    let limits = limits(channel, connect_note);
    let chars = body.chars().count();
    let words = body.split_whitespace().count();
    let text = format!("{} {}", subject.unwrap_or_default(), body).to_lowercase();
    let spam_phrases: Vec<String> =
        SPAM_PHRASES.iter().filter(|p| text.contains(*p)).map(|p| (*p).to_owned()).collect();
    let opt_out = (channel == Channel::Email).then(|| offers_opt_out(&text));
    let mentions =
        |value: Option<&str>| value.is_some_and(|v| v.trim().len() >= 2 && text.contains(&v.trim().to_lowercase()));
    let personalised = mentions(recipient.company) || mentions(recipient.title) || mentions(recipient.signal);
    let mut flags = Vec::new();
    if chars > limits.max_chars {
        flags.push(format!("too long: {chars} characters, at most {} for this message", limits.max_chars));
    }
    if words > limits.max_words {
        flags.push(format!("long: {words} words; keep it under {}", limits.max_words));
    }
    if words < limits.min_words {
        flags.push(format!("short: {words} words; say a little more (at least {})", limits.min_words));
    }
    if !unresolved.is_empty() {
        let list: Vec<String> = unresolved.iter().map(|f| format!("{{{{{f}}}}}")).collect();
        flags.push(format!("unresolved merge fields: {}", list.join(", ")));
    }
    if !spam_phrases.is_empty() {
        flags.push(format!("spam phrases: {}", spam_phrases.join(", ")));
    }
    if channel == Channel::Email && subject.is_none_or(|s| s.trim().is_empty()) {
        flags.push("no subject".to_owned());
    }
    if !personalised && channel != Channel::Call {
        flags.push("not personalised: mention their company, role or a recent signal".to_owned());
    }
    QualityReport {
        chars,
        words,
        unresolved: unresolved.to_vec(),
        spam_phrases,
        opt_out,
        personalised,
        passed: flags.is_empty(),
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACME: Recipient<'static> =
        Recipient { company: Some("Acme"), title: Some("VP Sales"), signal: Some("Series B") };

    #[test]
    fn a_good_email_passes() {
        let body = "Hi Ana, congratulations on the Series B. Teams at Acme usually double outbound after a round; \
                    we help them keep reply rates up. Worth a short call next week? If you would rather not hear \
                    from me, just reply stop.";
        let report = review(Channel::Email, false, Some("Acme after the Series B"), body, &[], &ACME);
        assert!(report.passed, "{report:?}");
        assert_eq!(report.opt_out, Some(true));
    }

    #[test]
    fn every_problem_is_flagged() {
        let report = review(
            Channel::Email,
            false,
            Some("URGENT!!!"),
            "Hi {{first_name}}, click here",
            &["first_name".to_owned()],
            &ACME,
        );
        assert!(!report.passed);
        assert_eq!(report.spam_phrases, ["click here", "urgent", "!!!"]);
        let flags = report.flags.join(" | ");
        for expected in ["short", "unresolved merge fields: {{first_name}}", "spam phrases", "not personalised"] {
            assert!(flags.contains(expected), "{expected} in {flags}");
        }
        assert_eq!(report.opt_out, Some(false));
        assert!(!flags.contains("opt-out"), "the sender appends the unsubscribe line: {flags}");
        let note = "x ".repeat(200);
        let connect = review(Channel::Linkedin, true, None, &note, &[], &ACME);
        assert!(connect.flags.iter().any(|f| f.starts_with("too long")), "{connect:?}");
        assert_eq!(connect.opt_out, None, "only email needs an opt-out line");
    }

    #[test]
    fn an_email_without_its_own_opt_out_passes_as_the_sender_appends_one() {
        let body = "Hi Ana, congratulations on the Series B. Teams at Acme usually double outbound after a round; \
                    we help them keep reply rates up. Worth a short call next week?";
        let report = review(Channel::Email, false, Some("Acme after the Series B"), body, &[], &ACME);
        assert!(report.passed, "{report:?}");
        assert_eq!(report.opt_out, Some(false));
    }

    #[test]
    fn opt_out_sentences_are_found_in_many_wordings() {
        for yes in [
            "if you would rather not hear from me, just reply stop.",
            "not the right time? tell me and i'll stop writing.",
            "reply \"remove\" and i'll take you off my list.",
            "if this isn't a priority, let me know and i won't follow up again.",
            "want me to stop? just say the word.",
            "you can unsubscribe at any time.",
            "not interested? just reply no.",
            "if you'd prefer to opt out, reply here.",
        ] {
            assert!(offers_opt_out(yes), "{yes}");
        }
        for no in [
            "worth a short call next week?",
            "we help teams stop losing deals.",
            "no more spreadsheets for your reps.",
            "just wanted to share a case study.",
        ] {
            assert!(!offers_opt_out(no), "{no}");
        }
    }
}
