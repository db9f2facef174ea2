//! The text search of the lists, as the trigram index reads it.

/// How many matches of a text search a list's page sorts at most. Past it the page says so
/// (`capped_at`): it holds the best of the first matches, in the order they were added, and
/// more words narrow the search. So a search's cost is bounded by this, not by the book.
pub const SEARCH_CANDIDATES: i64 = 1000;

/// How a list reads a text search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A page to show: the search sorts its first [`SEARCH_CANDIDATES`] matches alone (the
    /// page says when there were more: `capped_at`).
    Page,
    /// A walk through the whole list (an export, a batch's filter): every match, however many.
    Whole,
}

/// Where a list's statement takes its rows from, for a [`Reach`] and a [`TextSearch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    /// Every row, in the sort's index (a page without a search).
    Every,
    /// Every row, in the sort's index, the text search tested on each (one set of row ids):
    /// a walk through the whole list.
    Whole,
    /// The first [`SEARCH_CANDIDATES`] matches of words in the trigram index, and one more to
    /// say there were more, sorted alone: the cost is the matches', never the table's.
    Words,
    /// As `Words`, the matches of the start of a name or an address from their indexes (text
    /// too short for the trigram index).
    Start,
}

impl Rows {
    /// The rows a list reads for `search` with `reach`.
    pub fn of(reach: Reach, search: &TextSearch) -> Self {
        match (reach, search) {
            (Reach::Whole, _) => Rows::Whole,
            (Reach::Page, TextSearch { fts: Some(_), .. }) => Rows::Words,
            (Reach::Page, TextSearch { prefix: Some(_), .. }) => Rows::Start,
            (Reach::Page, _) => Rows::Every,
        }
    }
}

/// How a list searches for a text: every word of three or more characters must appear
/// somewhere in the row (`fts`, for the trigram index; each word quoted, so nothing the user
/// types is parsed as query syntax); text with no such word is matched as the start of a name
/// (`prefix`, a LIKE pattern) or of an address (`start`, in lower case, as addresses are
/// kept). Either `fts` or the other two are set, or none.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TextSearch {
    /// The FTS query.
    pub fts: Option<String>,
    /// The LIKE pattern of a start of a name.
    pub prefix: Option<String>,
    /// The start of an address (or a domain), in lower case.
    pub start: Option<String>,
}

impl TextSearch {
    /// Whether there is anything to search for.
    pub fn is_some(&self) -> bool {
        self.fts.is_some() || self.prefix.is_some()
    }
}

/// How a list searches for `q` (see [`TextSearch`]).
pub fn text_search(q: Option<&str>) -> TextSearch {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else { return TextSearch::default() };
    let words: Vec<String> = q
        .split_whitespace()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    if !words.is_empty() {
        return TextSearch { fts: Some(words.join(" AND ")), ..TextSearch::default() };
    }
    let escaped: String =
        q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    TextSearch { fts: None, prefix: Some(format!("{escaped}%")), start: Some(q.to_lowercase()) }
}

#[cfg(test)]
mod tests {
    use super::{TextSearch, text_search};

    fn fts(q: &str) -> TextSearch {
        TextSearch { fts: Some(q.to_owned()), ..TextSearch::default() }
    }

    fn prefix(pattern: &str, start: &str) -> TextSearch {
        TextSearch { fts: None, prefix: Some(pattern.to_owned()), start: Some(start.to_owned()) }
    }

    #[test]
    fn searches_need_every_long_word_and_never_parse_what_the_user_typed() {
        assert_eq!(text_search(Some("Liam Müller")), fts("\"Liam\" AND \"Müller\""));
        assert_eq!(text_search(Some("\"tech OR 1=1")), fts("\"\"\"tech\" AND \"1=1\""));
        assert_eq!(text_search(Some("Bo")), prefix("Bo%", "bo"));
        assert_eq!(text_search(Some("%_")), prefix("\\%\\_%", "%_"));
        assert_eq!(text_search(Some("  ")), TextSearch::default());
        assert!(!text_search(None).is_some() && text_search(Some("a")).is_some());
    }
}
