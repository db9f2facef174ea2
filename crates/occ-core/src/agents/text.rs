//! Small rules about text the agents share: cutting a line to a length, and the checks of an
//! answer's lines and lists that a schema cannot say.

/// `text` trimmed and cut to at most `max` characters.
pub fn clip(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// Whether `text` has 1 to `max` characters once trimmed; the reason, naming `field`, if not.
pub fn check_line(field: &str, text: &str, max: usize) -> Result<(), String> {
    let n = text.trim().chars().count();
    if n == 0 || n > max {
        return Err(format!("{field} must be 1 to {max} characters"));
    }
    Ok(())
}

/// Whether `items` holds `min` to `max` lines of 1 to `each` characters.
pub fn check_list(field: &str, items: &[String], min: usize, max: usize, each: usize) -> Result<(), String> {
    if !(min..=max).contains(&items.len()) {
        return Err(format!("{field} must hold {min} to {max} items, not {}", items.len()));
    }
    items.iter().try_for_each(|item| check_line(field, item, each))
}

/// The day (`YYYY-MM-DD`) of a stored time.
pub fn day(at: &str) -> String {
    at.chars().take(10).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_lists_are_held_to_their_lengths() {
        assert_eq!(clip("  ééé  ", 2), "éé");
        assert!(check_line("summary", " ", 10).is_err());
        assert!(check_line("summary", "0123456789x", 10).is_err());
        assert!(check_line("summary", "fine", 10).is_ok());
        let three = vec!["a".to_owned(); 3];
        assert!(check_list("points", &three, 1, 2, 10).is_err());
        assert!(check_list("points", &three, 1, 5, 10).is_ok());
        assert!(check_list("points", &[], 1, 5, 10).is_err());
        assert_eq!(day("2026-12-01T10:00:00.000Z"), "2026-12-01");
    }
}
