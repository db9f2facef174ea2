//! The deterministic reply classifier: an intent with a confidence, the out-of-office return
//! date when the text gives one, and the person a referral points to. It works with no AI model
//! (the reply_classifier agent later refines it on the same seam). Rules go from the most
//! consequential to the least: an unsubscribe wins over everything, an automatic out-of-office
//! over what the auto-reply happens to say.

use chrono::{Datelike, NaiveDate};

use crate::domain::enums::ReplyIntent;

/// What the classifier found.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The intent.
    pub intent: ReplyIntent,
    /// How sure, 0-1.
    pub confidence: f64,
    /// Out-of-office: the day they are back, when the text says.
    pub return_date: Option<NaiveDate>,
    /// Referral: the person's name, when the text says.
    pub referral_name: Option<String>,
    /// Referral: the person's address, when the text gives one.
    pub referral_email: Option<String>,
}

const UNSUBSCRIBE: &[&str] = &[
    "unsubscribe",
    "remove me",
    "take me off",
    "stop emailing",
    "stop contacting",
    "do not contact",
    "don't contact",
    "dont contact",
    "opt me out",
    "opt out",
    "stop sending",
    "no more emails",
];
const OUT_OF_OFFICE: &[&str] = &[
    "out of office",
    "out of the office",
    "ooo",
    "on leave",
    "on vacation",
    "on holiday",
    "away until",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "annual leave",
    "parental leave",
    "limited access to email",
    "back in the office",
];
const REFERRAL: &[&str] = &[
    "reach out to",
    "contact my colleague",
    "better person",
    "right person",
    "best person",
    "looping in",
    "cc'ing",
    "speak with",
    "talk to",
    "in charge of",
    "handles this",
    "handles that",
    "is responsible for",
];
const NOT_NOW: &[&str] = &[
    "not now",
    "not right now",
    "next quarter",
    "next year",
    "circle back",
    "reach out in",
    "later this year",
    "not a priority",
    "timing isn't right",
    "timing is not right",
    "bad timing",
    "in a few months",
    "check back",
];
const NEGATIVE: &[&str] = &[
    "not interested",
    "no thanks",
    "no thank you",
    "we're all set",
    "we are all set",
    "already have",
    "already use",
    "not a fit",
    "no need",
    "please don't",
    "not for us",
    "we'll pass",
    "we will pass",
];
const POSITIVE: &[&str] = &[
    "interested",
    "let's talk",
    "lets talk",
    "let's chat",
    "sounds good",
    "sounds interesting",
    "book a",
    "schedule",
    "set up a call",
    "send me",
    "happy to",
    "calendar",
    "works for me",
    "tell me more",
    "keen to",
    "open to",
    "let's do",
    "yes",
];

fn any(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| contains_phrase(text, p))
}

/// `phrase` in `text` on word boundaries (so "no" is not found in "know").
fn contains_phrase(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        from = start + phrase.len().max(1);
    }
    false
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(word: &str) -> Option<u32> {
    let w = word.trim_matches(|c: char| !c.is_alphabetic());
    if w.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.starts_with(w)).map(|i| i as u32 + 1)
}

fn number(word: &str) -> Option<u32> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let rest = &word[digits.len()..];
    let suffix_ok = ["", "st", "nd", "rd", "th"].contains(&rest.trim_end_matches([',', '.', ';', ')']));
    if digits.is_empty() || !suffix_ok { None } else { digits.parse().ok() }
}

/// The first date in the text on or after `today`: `2026-12-03`, `3 December [2026]`,
/// `December 3[, 2026]` (a date without a year is its next occurrence).
pub fn find_date(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        let w = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        if let Ok(date) = NaiveDate::parse_from_str(w, "%Y-%m-%d") {
            return Some(date);
        }
        let next = words.get(i + 1).copied().unwrap_or_default();
        let after = words.get(i + 2).copied().unwrap_or_default();
        let (day, month, year) = match (number(w), month(w)) {
            (Some(day), _) if month(next).is_some() => (day, month(next), number(after)),
            (None, Some(m)) if number(next).is_some() => (number(next).unwrap_or(0), Some(m), number(after)),
            _ => continue,
        };
        let Some(month) = month else { continue };
        let year = year.filter(|y| (2000..=2100).contains(y)).map(|y| y as i32);
        let date = match year {
            Some(y) => NaiveDate::from_ymd_opt(y, month, day),
            None => NaiveDate::from_ymd_opt(today.year(), month, day)
                .filter(|d| *d >= today)
                .or_else(|| NaiveDate::from_ymd_opt(today.year() + 1, month, day)),
        };
        if let Some(date) = date {
            return Some(date);
        }
    }
    None
}

fn email_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '"' | '\'')))
        .find(|w| crate::domain::EmailAddress::parse(w).is_ok())
        .map(str::to_lowercase)
}

/// A name after "to", "with" or "contact": two words that start with capitals.
fn name_in(original: &str) -> Option<String> {
    let words: Vec<&str> = original.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if !matches!(w.to_lowercase().as_str(), "to" | "with" | "contact" | "ask" | "colleague") {
            continue;
        }
        let capital = |s: &&str| s.chars().next().is_some_and(char::is_uppercase);
        let clean = |s: &str| s.trim_matches(|c: char| !c.is_alphabetic() && c != '-' && c != '\'').to_owned();
        if let (Some(first), Some(last)) = (words.get(i + 1), words.get(i + 2))
            && capital(first)
            && capital(last)
        {
            return Some(format!("{} {}", clean(first), clean(last)));
        }
    }
    None
}

/// Classifies a reply received on `today`.
pub fn classify(subject: Option<&str>, body: &str, today: NaiveDate) -> Classification {
    let original = format!("{} {}", subject.unwrap_or_default(), body);
    let text = original.to_lowercase();
    let plain = |intent, confidence| Classification {
        intent,
        confidence,
        return_date: None,
        referral_name: None,
        referral_email: None,
    };
    if any(&text, UNSUBSCRIBE) || text.trim() == "stop" {
        return plain(ReplyIntent::Unsubscribe, 0.95);
    }
    if any(&text, OUT_OF_OFFICE) {
        return Classification { return_date: find_date(&text, today), ..plain(ReplyIntent::OutOfOffice, 0.9) };
    }
    if any(&text, REFERRAL) {
        let email = email_in(&original);
        let name = name_in(&original);
        let confidence = if email.is_some() || name.is_some() { 0.85 } else { 0.6 };
        return Classification {
            referral_name: name,
            referral_email: email,
            ..plain(ReplyIntent::Referral, confidence)
        };
    }
    if any(&text, NOT_NOW) {
        return plain(ReplyIntent::NotNow, 0.8);
    }
    if any(&text, NEGATIVE) {
        return plain(ReplyIntent::Negative, 0.85);
    }
    if any(&text, POSITIVE) {
        return plain(ReplyIntent::Positive, 0.8);
    }
    if text.contains('?') {
        return plain(ReplyIntent::Question, 0.6);
    }
    plain(ReplyIntent::Neutral, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
    }

    fn intent(body: &str) -> ReplyIntent {
        classify(None, body, today()).intent
    }

    #[test]
    fn each_intent_from_a_typical_reply() {
        assert_eq!(intent("Sounds interesting, can you send me some times next week?"), ReplyIntent::Positive);
        assert_eq!(intent("Not interested, thanks."), ReplyIntent::Negative);
        assert_eq!(intent("Please remove me from your list."), ReplyIntent::Unsubscribe);
        assert_eq!(intent("STOP"), ReplyIntent::Unsubscribe);
        assert_eq!(intent("Not right now, maybe next quarter."), ReplyIntent::NotNow);
        assert_eq!(intent("How does pricing work?"), ReplyIntent::Question);
        assert_eq!(intent("Thanks for the note."), ReplyIntent::Neutral);
        assert_eq!(intent("I know the team well."), ReplyIntent::Neutral, "no is not in know");
    }

    #[test]
    fn an_out_of_office_gives_its_return_date() {
        let ooo = classify(
            Some("Automatic reply: Out of office"),
            "I am away until 3 December and will reply then.",
            today(),
        );
        assert_eq!(ooo.intent, ReplyIntent::OutOfOffice);
        assert_eq!(ooo.return_date, NaiveDate::from_ymd_opt(2026, 12, 3));
        let iso = classify(None, "Out of office, back on 2027-01-05.", today());
        assert_eq!(iso.return_date, NaiveDate::from_ymd_opt(2027, 1, 5));
        let next_year = classify(None, "On leave until January 8th.", today());
        assert_eq!(next_year.return_date, NaiveDate::from_ymd_opt(2027, 1, 8));
        assert_eq!(classify(None, "Out of office.", today()).return_date, None);
    }

    #[test]
    fn a_referral_names_the_person() {
        let r = classify(
            None,
            "I'm not the right person, please reach out to Maria Gomez (maria.gomez@acme.com).",
            today(),
        );
        assert_eq!(r.intent, ReplyIntent::Referral);
        assert_eq!(r.referral_name.as_deref(), Some("Maria Gomez"));
        assert_eq!(r.referral_email.as_deref(), Some("maria.gomez@acme.com"));
    }

    proptest! {
        #[test]
        fn any_text_gets_an_intent_with_a_sane_confidence(body in ".{0,300}") {
            let c = classify(None, &body, today());
            prop_assert!((0.0..=1.0).contains(&c.confidence));
        }

        #[test]
        fn an_unsubscribe_always_wins(prefix in "[a-z ,.]{0,60}", suffix in "[a-z ,.?]{0,60}") {
            let body = format!("{prefix} please unsubscribe me {suffix}");
            prop_assert_eq!(classify(None, &body, today()).intent, ReplyIntent::Unsubscribe);
        }
    }
}
