//! Text as OCC accepts it: never a control character (a NUL cuts a string short in some
//! layers, a line break ends a mail header), and on one line where the field is a line (a name,
//! a subject); identifiers compared as one spelling (Unicode NFKC).

use icu_normalizer::ComposingNormalizerBorrowed;

/// Whether a text may hold tabs and line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A name, a title, a subject: one line.
    One,
    /// Notes, a message's body: tabs and line breaks are fine.
    Many,
}

/// A character a text may not hold, and the rule it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden(char);

impl Forbidden {
    /// The rule's name, as field errors carry it.
    pub fn rule(self) -> &'static str {
        if is_line_break(self.0) { "single_line" } else { "control_characters" }
    }

    /// What is wrong, in words.
    pub fn message(self) -> String {
        if is_line_break(self.0) {
            "must be one line, without line breaks or tabs".to_owned()
        } else {
            format!("must not contain control characters (found U+{:04X})", u32::from(self.0))
        }
    }
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// The first character `text` may not hold: any control character (C0, DEL, C1), except that
/// text of many lines may hold tabs and line breaks; one line holds no Unicode line separator
/// either.
pub fn forbidden(text: &str, lines: Lines) -> Option<Forbidden> {
    let allowed = |c: char| lines == Lines::Many && matches!(c, '\t' | '\n' | '\r');
    text.chars().find(|&c| (c.is_control() || is_line_break(c)) && !allowed(c)).map(Forbidden)
}

/// The text on one line, for a mail header: every run of control characters and line
/// separators becomes one space.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_control() || is_line_break(c) {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        out.push(c);
    }
    out
}

/// The compatibility form (NFKC) of an identifier: `ｋ` (full width) becomes `k` and `K` (the
/// Kelvin sign) `K`, so that, lower-cased after, one address or profile has one spelling.
pub fn compatible(text: &str) -> String {
    ComposingNormalizerBorrowed::new_nfkc().normalize(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_on_one_line() {
        assert_eq!(forbidden("Ana Lopez", Lines::One), None);
        assert_eq!(forbidden("Ana\r\nBcc: x@evil.example", Lines::One).map(Forbidden::rule), Some("single_line"));
        assert_eq!(forbidden("a\tb", Lines::One).map(Forbidden::rule), Some("single_line"));
        assert_eq!(forbidden("a\u{2028}b", Lines::One).map(Forbidden::rule), Some("single_line"));
        assert_eq!(forbidden("Hi,\r\n\tthanks", Lines::Many), None);
        for bad in ["abc\0", "\u{7}bell", "del\u{7f}", "c1\u{85}"] {
            for lines in [Lines::One, Lines::Many] {
                let found = forbidden(bad, lines).expect(bad);
                assert_eq!(found.rule(), "control_characters", "{bad:?}");
            }
        }
        assert!(Forbidden('\0').message().contains("U+0000"));
    }

    #[test]
    fn one_line_folds_every_break_into_a_space() {
        assert_eq!(one_line("Ana\r\nBcc: x@evil.example"), "Ana Bcc: x@evil.example");
        assert_eq!(one_line("Sender\nOps"), "Sender Ops");
        assert_eq!(one_line("\n lead\0trail\r\n"), " lead trail");
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn identifiers_take_their_compatibility_form() {
        assert_eq!(compatible("\u{212A}k@t.local"), "Kk@t.local");
        assert_eq!(compatible("ａｃｍｅ．ｃｏｍ"), "acme.com");
        assert_eq!(compatible("ana@acme.com"), "ana@acme.com");
    }
}
