//! Message templates: text with merge fields such as `{{first_name}}` and `{{company}}`. A field
//! may carry a fallback for a contact without a value, after a bar: `{{signal|your recent
//! news}}` (`{{signal|}}`: nothing). A field without a value and without a fallback stays in the
//! text as written and is reported, so the reviewer flags the draft and it is never sent as it is.

use std::collections::BTreeMap;

/// The merge fields a template may use.
pub const MERGE_FIELDS: &[&str] =
    &["first_name", "last_name", "full_name", "title", "company", "signal", "sender_name", "sender_first_name"];

/// One piece of a template: text as it is, or a merge field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    /// A merge field as written.
    Field(Field<'a>),
}

/// A merge field: its name and its fallback (both trimmed), and the placeholder as written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field<'a> {
    name: &'a str,
    fallback: Option<&'a str>,
    written: &'a str,
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else { break };
        let inside = &rest[open + 2..open + 2 + close];
        let (name, fallback) = match inside.split_once('|') {
            Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
            None => (inside.trim(), None),
        };
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            out.push(Piece::Text(&rest[..open + 2]));
            rest = &rest[open + 2..];
            continue;
        }
        out.push(Piece::Text(&rest[..open]));
        out.push(Piece::Field(Field { name, fallback, written: &rest[open..open + 2 + close + 2] }));
        rest = &rest[open + 2 + close + 2..];
    }
    out.push(Piece::Text(rest));
    out
}

/// The merge fields a template uses that OCC does not know, in order, once each.
pub fn unknown_fields(template: &str) -> Vec<String> {
    let mut unknown: Vec<String> = Vec::new();
    for piece in pieces(template) {
        if let Piece::Field(Field { name, .. }) = piece
            && !MERGE_FIELDS.contains(&name)
            && !unknown.iter().any(|u| u == name)
        {
            unknown.push(name.to_owned());
        }
    }
    unknown
}

/// Every merge field still written in a text, in order, once each: a message with any left is
/// not ready to send.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for piece in pieces(text) {
        if let Piece::Field(Field { name, .. }) = piece
            && !found.iter().any(|f| f == name)
        {
            found.push(name.to_owned());
        }
    }
    found
}

/// What is known about a message's recipient and its sender, for [`merge_values`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Addressee<'a> {
    /// The contact's first name.
    pub first_name: Option<&'a str>,
    /// The contact's last name.
    pub last_name: Option<&'a str>,
    /// The contact's title.
    pub title: Option<&'a str>,
    /// The company's name.
    pub company: Option<&'a str>,
    /// The strongest fresh signal's title.
    pub signal: Option<&'a str>,
    /// The sender's full name.
    pub sender: Option<&'a str>,
}

/// The merge fields' values for a recipient: each known, non-blank one of [`MERGE_FIELDS`] (the
/// tick's drafts of a step and the drafter fill templates with the same values).
pub fn merge_values(who: Addressee<'_>) -> BTreeMap<&'static str, String> {
    let full_name = format!("{} {}", who.first_name.unwrap_or_default(), who.last_name.unwrap_or_default());
    let sender_first = who.sender.and_then(|s| s.split_whitespace().next());
    [
        ("first_name", who.first_name),
        ("last_name", who.last_name),
        ("full_name", Some(full_name.trim())),
        ("title", who.title),
        ("company", who.company),
        ("signal", who.signal),
        ("sender_first_name", sender_first),
        ("sender_name", who.sender),
    ]
    .into_iter()
    .filter_map(|(key, value)| value.filter(|v| !v.trim().is_empty()).map(|v| (key, v.to_owned())))
    .collect()
}

/// A template filled in: the text, and the fields left unresolved (no value for this contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text, with unresolved placeholders left as written.
    pub text: String,
    /// The fields that had no value.
    pub unresolved: Vec<String>,
}

/// Fills in `template` with `values` (field -> text; an empty value counts as missing), a
/// missing value with the field's fallback where it has one.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Rendered {
    let mut text = String::with_capacity(template.len() + 64);
    let mut unresolved: Vec<String> = Vec::new();
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Field(Field { name, fallback, written }) => {
                match (values.get(name).filter(|v| !v.trim().is_empty()), fallback) {
                    (Some(value), _) => text.push_str(value),
                    (None, Some(fallback)) => text.push_str(fallback),
                    (None, None) => {
                        text.push_str(written);
                        if !unresolved.iter().any(|u| u == name) {
                            unresolved.push(name.to_owned());
                        }
                    }
                }
            }
        }
    }
    Rendered { text, unresolved }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn values() -> BTreeMap<&'static str, String> {
        [("first_name", "Ana".to_owned()), ("company", "Acme".to_owned()), ("signal", String::new())].into()
    }

    #[test]
    fn fields_are_filled_and_missing_ones_stay_and_are_named() {
        let out = render("Hi {{first_name}}, about {{ company }}: {{signal}} {{signal}}", &values());
        assert_eq!(out.text, "Hi Ana, about Acme: {{signal}} {{signal}}");
        assert_eq!(out.unresolved, ["signal"]);
    }

    #[test]
    fn a_fallback_fills_a_field_without_a_value_and_a_value_wins_over_it() {
        let out = render("Saw {{ signal | your recent news }}. Hi {{first_name|there}}, {{signal|}}!", &values());
        assert_eq!(out.text, "Saw your recent news. Hi Ana, !");
        assert!(out.unresolved.is_empty(), "{out:?}");
        assert_eq!(render("{{title|}}{{title}}", &values()).unresolved, ["title"], "only the field without one");
        assert_eq!(unknown_fields("{{shoe_size|42}}"), ["shoe_size"], "a fallback does not make a field known");
        assert_eq!(placeholders("{{company|your team}}"), ["company"]);
    }

    #[test]
    fn braces_that_are_not_fields_are_text() {
        let out = render("{{}} {{ two words }} {{first_name} {{first_name}}", &values());
        assert_eq!(out.text, "{{}} {{ two words }} {{first_name} Ana");
        assert!(out.unresolved.is_empty());
        assert_eq!(render("open {{ and never closed", &values()).text, "open {{ and never closed");
    }

    #[test]
    fn placeholders_left_in_a_message_are_found() {
        assert_eq!(placeholders("Hi {{first_name}}, {{ company }} {{first_name}} {{}}"), ["first_name", "company"]);
        assert!(placeholders("Hi Ana").is_empty());
    }

    #[test]
    fn unknown_fields_are_named_once() {
        assert_eq!(unknown_fields("{{first_name}} {{shoe_size}} {{shoe_size}} {{colour}}"), ["shoe_size", "colour"]);
        assert!(unknown_fields("{{first_name}} {{company}}").is_empty());
    }

    proptest! {
        #[test]
        fn text_without_braces_is_unchanged(text in "[^{}]{0,200}") {
            let out = render(&text, &values());
            prop_assert_eq!(out.text, text);
            prop_assert!(out.unresolved.is_empty());
        }

        #[test]
        fn rendering_never_panics_and_known_values_never_leave_placeholders(text in ".{0,200}") {
            let out = render(&text, &values());
            prop_assert!(!out.unresolved.iter().any(|u| u == "first_name" || u == "company"));
        }
    }
}
