//! The rules shared by every create and patch body: collect each field's failure so one 422
//! names every problem, and turn PATCH fields into "leave / clear / set".
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

use crate::domain::parse_timezone;
use crate::domain::text::{Lines, forbidden};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::Patch;

/// Collects field errors so that one response names every problem. Resources add their own
/// rules as `impl Check` blocks next to their bodies.
#[derive(Debug, Default)]
pub(crate) struct Check(pub(crate) Vec<FieldError>);

impl Check {
    /// Records a failed rule.
    pub(crate) fn fail(&mut self, field: &str, rule: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, rule, message));
    }

    /// Whether `field` already failed.
    pub(crate) fn failed(&self, field: &str) -> bool {
        self.0.iter().any(|f| f.field == field)
    }

    /// Optional text on one line (a name, a title, a subject): trimmed, blank means none, at
    /// most `max` characters, no control characters and no line breaks.
    pub(crate) fn text(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        self.checked(field, value, max, Lines::One)
    }

    /// Optional text of many lines (notes, a message's body): as [`Check::text`], but tabs and
    /// line breaks are fine.
    pub(crate) fn prose(&mut self, field: &str, value: Option<String>, max: usize) -> Option<String> {
        self.checked(field, value, max, Lines::Many)
    }

    fn checked(&mut self, field: &str, value: Option<String>, max: usize, lines: Lines) -> Option<String> {
        let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())?;
        if value.chars().count() > max {
            self.fail(field, "max_length", format!("must be at most {max} characters"));
            return None;
        }
        if let Some(found) = forbidden(&value, lines) {
            self.fail(field, found.rule(), found.message());
            return None;
        }
        Some(value)
    }

    /// Required text on one line: as [`Check::text`], and blank is a `required` failure.
    pub(crate) fn required(&mut self, field: &str, value: String, max: usize) -> String {
        let text = self.text(field, Some(value), max);
        self.present(field, text)
    }

    /// Required text of many lines: as [`Check::prose`], and blank is a `required` failure.
    pub(crate) fn required_prose(&mut self, field: &str, value: String, max: usize) -> String {
        let text = self.prose(field, Some(value), max);
        self.present(field, text)
    }

    fn present(&mut self, field: &str, text: Option<String>) -> String {
        match text {
            Some(text) => text,
            None => {
                if !self.failed(field) {
                    self.fail(field, "required", "must not be empty");
                }
                String::new()
            }
        }
    }

    /// An IANA time zone.
    pub(crate) fn timezone(&mut self, value: Option<String>) -> Option<String> {
        let value = self.text("timezone", value, 64)?;
        parse_timezone(&value).map_err(|m| self.fail("timezone", "format", m)).ok()
    }

    /// `value` when no rule failed, else the 422 naming them all.
    pub(crate) fn finish<T>(self, value: T) -> AppResult<T> {
        if self.0.is_empty() { Ok(value) } else { Err(AppError::Validation(self.0)) }
    }
}

/// A PATCH field through its rule: `None` leaves the field, `Some(None)` clears it.
pub(crate) fn patched<T, U>(patch: Patch<T>, check: impl FnOnce(Option<T>) -> Option<U>) -> Option<Option<U>> {
    match patch {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(v) => Some(check(Some(v))),
    }
}
