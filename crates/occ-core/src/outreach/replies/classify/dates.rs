//! A return date in an out-of-office reply.

use chrono::{Datelike, NaiveDate};

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
