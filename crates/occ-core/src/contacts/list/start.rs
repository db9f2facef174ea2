//! Where a page of the list starts: one company's people, a range of an index in order of
//! priority, the sort's whole index, or a text search's rows; and whether its filters test each
//! contact it passes, so that it walks (see `walked_sql!` in `statements.rs`).

use super::{Filters, Sort};
use crate::store::Rows;

/// The range of an index a page in order of priority starts from, when its filters name one
/// stage, one owner (or nobody), or both. The generic statement tests every filter from its
/// parameters, on which SQLite cannot seek, so it walks the whole book's priority index and
/// skips the contacts the filters rule out: about 4,000 for a page of vice presidents new to
/// the pipeline at 1M, and every contact for the page of a rep who owns a few.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Range {
    /// The whole book's `idx_contacts_priority`.
    Book,
    /// `:stage`'s range of `idx_contacts_stage_priority`.
    Stage,
    /// `:owner`'s range of `idx_contacts_owner` (NULL: nobody's).
    Owner,
    /// `:owner`'s and `:stage`'s range of `idx_contacts_owner_stage`.
    OwnerStage,
    /// `:status`'s and `:stage`'s range of `idx_contacts_active_pipeline` (the upgrade plan's
    /// index for this filter, 2c): a status few people have, within a big stage, would walk
    /// the stage.
    StatusStage,
}

/// Where a page in order of priority starts: its [`Range`], and with industries named, their
/// companies' people when those are few, else that range walked
/// ([`INDUSTRY_SQL`](super::INDUSTRY_SQL)): a rare industry within a big stage or a rep's book
/// would walk all of it to fill a page. `walk` when a filter the range does not answer is
/// tested on each contact (`walked_sql!` in `statements.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seek {
    pub(super) range: Range,
    pub(super) industries: bool,
    pub(super) walk: bool,
}

impl Seek {
    /// The seek for a page's filters, if it has one.
    pub(super) fn of(rows: Rows, sort: Sort, filters: &Filters) -> Option<Self> {
        if rows != Rows::Every || sort != Sort::Priority || filters.account_id.is_some() {
            return None;
        }
        let range = match (filters.stages.len(), filters.owner.is_some(), filters.statuses.len()) {
            (1, false, 1) => Range::StatusStage,
            (1, false, _) => Range::Stage,
            (1, true, _) => Range::OwnerStage,
            (_, true, _) => Range::Owner,
            _ => Range::Book,
        };
        let industries = !filters.industries.is_empty();
        let walk = tested_on_each_row(filters, Some(range));
        (range != Range::Book || industries || walk).then_some(Self { range, industries, walk })
    }

    /// Whether its statement names `:stage`.
    pub(super) fn names_stage(self) -> bool {
        matches!(self.range, Range::Stage | Range::OwnerStage | Range::StatusStage)
    }

    /// Whether its statement names `:status`.
    pub(super) fn names_status(self) -> bool {
        self.range == Range::StatusStage
    }

    /// Whether its statement names `:owner`.
    pub(super) fn names_owner(self) -> bool {
        matches!(self.range, Range::Owner | Range::OwnerStage)
    }
}

/// Whether a page's filters test each contact its order passes, beyond the `range` it starts
/// from (none: the sort's whole index, where the lowest score is tested too): then a page may
/// pass over many contacts, and walks (`walked_sql!` in `statements.rs`). Industries are
/// tested by the statements of a range that seek them (`industry_sql!`), and on each contact
/// otherwise.
fn tested_on_each_row(filters: &Filters, range: Option<Range>) -> bool {
    let one_stage = matches!(range, Some(Range::Stage | Range::OwnerStage | Range::StatusStage));
    let one_status = range == Some(Range::StatusStage);
    let one_owner = matches!(range, Some(Range::Owner | Range::OwnerStage));
    !(filters.stages.is_empty() || one_stage && filters.stages.len() == 1)
        || !(filters.statuses.is_empty() || one_status && filters.statuses.len() == 1)
        || filters.owner.is_some() && !one_owner
        || filters.min_priority.is_some() && range.is_none()
        || !filters.industries.is_empty() && range.is_none()
        || !filters.seniorities.is_empty()
        || !filters.departments.is_empty()
        || filters.has_email.is_some()
        || filters.has_linkedin.is_some()
        || filters.touched_since.is_some()
        || filters.touched_before.is_some()
}

/// Where a page's statement starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Start {
    /// One company's people (`account_from!`), in any sort.
    Account,
    /// A range of an index in order of priority ([`Seek`]).
    Seek(Seek),
    /// The sort's whole index; walked when a filter is tested on each contact.
    Sorted { walk: bool },
    /// A text search's rows ([`Rows`]).
    Search,
}

impl Start {
    /// Where a page with `filters` starts.
    pub(super) fn of(rows: Rows, sort: Sort, filters: &Filters) -> Self {
        match (rows, Seek::of(rows, sort, filters)) {
            (Rows::Every, _) if filters.account_id.is_some() => Start::Account,
            (Rows::Every, Some(seek)) => Start::Seek(seek),
            // In order of priority without a seek, nothing is tested on each contact.
            (Rows::Every, None) => Start::Sorted { walk: sort != Sort::Priority && tested_on_each_row(filters, None) },
            _ => Start::Search,
        }
    }

    /// Whether its statement walks an order and names `:walk`.
    pub(super) fn walks(self) -> bool {
        match self {
            Start::Seek(seek) => seek.walk || seek.industries,
            Start::Sorted { walk } => walk,
            Start::Account | Start::Search => false,
        }
    }
}
