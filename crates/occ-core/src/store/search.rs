//! The text search of the lists, as the trigram index reads it.

/// How a list searches for `q`: every word of three or more characters must appear somewhere
/// in the row (the trigram index; each word quoted, so nothing the user types is parsed as
/// query syntax); text with no such word is matched as a prefix. Answers (FTS query, LIKE
/// pattern); at most one is set.
pub fn text_search(q: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else { return (None, None) };
    let words: Vec<String> = q
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if !words.is_empty() {
        return (Some(words.join(" AND ")), None);
    }
    let escaped: String =
        q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    (None, Some(format!("{escaped}%")))
}

#[cfg(test)]
mod tests {
    use super::text_search;

    #[test]
    fn searches_need_every_long_word_and_never_parse_what_the_user_typed() {
        assert_eq!(text_search(Some("Liam Müller")), (Some("\"Liam\" AND \"Müller\"".to_owned()), None));
        assert_eq!(text_search(Some("\"tech OR 1=1")), (Some("\"\"\"tech\" AND \"1=1\"".to_owned()), None));
        assert_eq!(text_search(Some("bo")), (None, Some("bo%".to_owned())));
        assert_eq!(text_search(Some("%_")), (None, Some("\\%\\_%".to_owned())));
        assert_eq!(text_search(Some("  ")), (None, None));
    }
}
