//! The deterministic reply classifier: an intent with a confidence, the out-of-office return
//! date when the text gives one, and the person a referral points to. It works with no AI model
//! (the reply_classifier agent later refines it on the same seam). Rules go from the most
//! consequential to the least: an unsubscribe wins over everything, an automatic out-of-office
//! over what the auto-reply happens to say, a referral over the timing, the timing over a no.
//! It reads the reply's own words (not the message it quotes, not its signature) and the
//! subject only for an automatic reply's marks. `labelled.tsv` beside it holds replies labelled
//! as people label them; a test measures the classifier against them.

mod dates;
mod words;

use chrono::NaiveDate;

use crate::domain::enums::ReplyIntent;
pub use dates::find_date;
use words::{
    AUTOMATIC_SUBJECTS, MEETING, NEGATIVE, NO, NOT_NOW, OUT_OF_OFFICE, POSITIVE, QUESTION, QUESTION_OPENERS, REFERRAL,
    REFERRAL_WITH_NAME, UNSUBSCRIBE, UNSUBSCRIBE_ALONE, WHEN,
};

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

/// A reply's new text: without the message it quotes (`>` lines, and all after "On … wrote:" or
/// Outlook's "-----Original Message-----"). What an inbound email keeps as its reply's body.
pub fn new_text(body: &str) -> String {
    let mut kept = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        if (trimmed.starts_with("On ") && trimmed.ends_with("wrote:")) || trimmed == "-----Original Message-----" {
            break;
        }
        if !trimmed.starts_with('>') {
            kept.push(line);
        }
    }
    kept.join("\n")
}

/// The reply's own words: its new text ([`new_text`]) without its signature (after `-- `).
fn own_words(body: &str) -> String {
    let text = new_text(body);
    text.lines().take_while(|line| line.trim() != "--").collect::<Vec<_>>().join("\n")
}

/// Lower case, curly apostrophes straight, and every other mark a space, so phrases match
/// across punctuation ("STOP. EMAILING. ME." is "stop emailing me").
fn normalised(text: &str) -> String {
    let text = text.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
    let marks: String =
        text.chars().map(|c| if c.is_alphanumeric() || c == '\'' || c == ':' { c } else { ' ' }).collect();
    marks.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `own` names a person (two capitalised words, or an `@Name`) or gives an address.
fn names_someone(own: &str) -> bool {
    const NOT_NAMES: &[&str] = &[
        "Hi", "Hello", "Hey", "Dear", "Thanks", "Thank", "Best", "Kind", "Regards", "Good", "Happy", "Please", "I",
        "We", "Our", "The", "This", "Let's", "Not", "No", "Yes", "Ok", "Sure", "VP", "Head", "Mr", "Mrs", "Ms", "Dr",
    ];
    if email_in(own).is_some() || own.split_whitespace().any(|w| w.starts_with('@') && w.len() > 2) {
        return true;
    }
    let words: Vec<&str> = own.split_whitespace().collect();
    let capital = |w: &str| {
        let w = w.trim_matches(|c: char| !c.is_alphabetic());
        w.len() > 1 && w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).all(char::is_lowercase)
    };
    words.windows(2).any(|pair| {
        let first = pair[0].trim_matches(|c: char| !c.is_alphabetic() && c != '\'');
        capital(pair[0]) && capital(pair[1]) && !NOT_NAMES.contains(&first) && !pair[0].ends_with(['.', ',', '!', '?'])
    })
}

/// Whether the reply asks something: a question mark, a question's first word, or a request for
/// facts.
fn asks(text: &str, own: &str) -> bool {
    own.contains('?')
        || text.split_whitespace().next().is_some_and(|w| QUESTION_OPENERS.contains(&w))
        || any(text, QUESTION)
}

/// Whether the reply agrees to talk: words that say so, or a meeting with a time.
fn agrees(text: &str) -> bool {
    let times =
        any(text, WHEN) || text.split_whitespace().any(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()));
    any(text, POSITIVE) || (any(text, MEETING) && times)
}

/// Classifies a reply received on `today`. The subject counts only to recognise an automatic
/// reply (a reply's subject is mostly the message it answers); the body is read without the
/// message it quotes and its signature.
pub fn classify(subject: Option<&str>, body: &str, today: NaiveDate) -> Classification {
    let own = own_words(body);
    let text = normalised(&own);
    let subject = subject.unwrap_or_default().to_lowercase();
    let plain = |intent, confidence| Classification {
        intent,
        confidence,
        return_date: None,
        referral_name: None,
        referral_email: None,
    };
    if any(&text, UNSUBSCRIBE) || UNSUBSCRIBE_ALONE.contains(&text.as_str()) {
        return plain(ReplyIntent::Unsubscribe, 0.95);
    }
    if AUTOMATIC_SUBJECTS.iter().any(|s| subject.contains(s)) || any(&text, OUT_OF_OFFICE) {
        let dated = format!("{subject} {}", own.to_lowercase());
        return Classification { return_date: find_date(&dated, today), ..plain(ReplyIntent::OutOfOffice, 0.9) };
    }
    let points_elsewhere =
        any(&text, REFERRAL) || (any(&text, REFERRAL_WITH_NAME) && !text.contains("may i ask") && names_someone(&own));
    if points_elsewhere {
        let email = email_in(&own);
        let name = name_in(&own);
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
    let first = text.split_whitespace().next().unwrap_or_default();
    if any(&text, NEGATIVE) || NO.contains(&first) {
        // "Not interested in X, but could you tell me about Y?" asks.
        let asks_after = own.split(" but ").nth(1).is_some_and(|rest| rest.contains('?'));
        return plain(if asks_after { ReplyIntent::Question } else { ReplyIntent::Negative }, 0.85);
    }
    if agrees(&text) {
        return plain(ReplyIntent::Positive, 0.8);
    }
    if asks(&text, &own) {
        return plain(ReplyIntent::Question, 0.6);
    }
    plain(ReplyIntent::Neutral, 0.5)
}

#[cfg(test)]
mod tests;
