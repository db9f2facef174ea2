//! One way to move a record's status. A status type with a lifecycle says, in one table, where
//! each status may go ([`Lifecycle::next_statuses`]); every change of status is checked against
//! it ([`Lifecycle::check_move`]), and a move outside it is refused with a 409 that names the
//! field, the move and the moves that are allowed. API answers carry the table too
//! (`next_statuses` on batches and opportunities), so a client offers only what will work.
//!
//! A person's change to one record ([`Change`]) is made the one way too: load it, check who may
//! change it ([`Record::may_change`]), check the move, write it and its audit entry, all in one
//! transaction. Writes that hold their rules in SQL (a draft's approval, a contact's stage) use
//! the table through [`Lifecycle::sources`].
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

mod change;

pub use change::{Change, Move, Record, Written};

use std::fmt;

use crate::error::{AppError, AppResult};

/// A status with a table of allowed moves.
pub trait Lifecycle: Copy + Eq + fmt::Display + 'static {
    /// The record, with its article, as a refusal names it (`a batch`).
    const RECORD: &'static str;
    /// The request field that carries the status.
    const FIELD: &'static str = "status";
    /// Every status, in the order the schema lists them.
    const STATUSES: &'static [Self];

    /// The statuses a record in this one may move to; none for a final status.
    fn next_statuses(self) -> &'static [Self];

    /// Whether the table allows the move from this status to `to`.
    fn may_move(self, to: Self) -> bool {
        self.next_statuses().contains(&to)
    }

    /// The move a request asks for: `None` when it names no status or the current one, `to`
    /// when the table allows it, else the refusal.
    fn check_move(self, to: Option<Self>) -> AppResult<Option<Self>> {
        match to {
            Some(to) if to != self && !self.may_move(to) => Err(self.refusal(to)),
            Some(to) if to != self => Ok(Some(to)),
            _ => Ok(None),
        }
    }

    /// A move that must happen (pausing, resuming): `to` when the table allows it, else the
    /// refusal, also when the record is in `to` already.
    fn require_move(self, to: Self) -> AppResult<Self> {
        if self.may_move(to) { Ok(to) } else { Err(self.refusal(to)) }
    }

    /// The statuses the table allows a move to `to` from, as a JSON list of their names (for a
    /// write that checks the move in SQL: `status IN (SELECT value FROM json_each(:from))`).
    fn sources(to: Self) -> String {
        let from: Vec<String> = Self::STATUSES.iter().filter(|s| s.may_move(to)).map(ToString::to_string).collect();
        serde_json::Value::from(from).to_string()
    }

    /// The 409 for a move the table does not allow.
    fn refusal(self, to: Self) -> AppError {
        AppError::refused(Self::FIELD, "transition", self.refusal_message(to))
    }

    /// Why the table does not allow the move, naming the moves it allows (a bulk result's error).
    fn refusal_message(self, to: Self) -> String {
        let allowed: Vec<String> = self.next_statuses().iter().map(ToString::to_string).collect();
        let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        format!("{} in {self} cannot move to {to}; allowed: {allowed}", Self::RECORD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Door {
        Open,
        Shut,
        Gone,
    }

    impl fmt::Display for Door {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                Door::Open => "open",
                Door::Shut => "shut",
                Door::Gone => "gone",
            })
        }
    }

    impl Lifecycle for Door {
        const RECORD: &'static str = "a door";
        const STATUSES: &'static [Self] = &[Door::Open, Door::Shut, Door::Gone];

        fn next_statuses(self) -> &'static [Self] {
            match self {
                Door::Open => &[Door::Shut],
                Door::Shut => &[Door::Open, Door::Gone],
                Door::Gone => &[],
            }
        }
    }

    #[test]
    fn allowed_moves_pass_and_no_move_is_none() {
        assert_eq!(Door::Shut.check_move(Some(Door::Gone)).expect("allowed"), Some(Door::Gone));
        assert_eq!(Door::Shut.check_move(Some(Door::Shut)).expect("the same"), None);
        assert_eq!(Door::Gone.check_move(None).expect("none asked"), None);
    }

    #[test]
    fn a_refusal_names_the_field_the_move_and_what_is_allowed() {
        let err = Door::Open.check_move(Some(Door::Gone)).expect_err("refused");
        let AppError::Conflict { message, fields, .. } = err else { panic!("a 409: {err:?}") };
        assert_eq!(message, "a door in open cannot move to gone; allowed: shut");
        assert_eq!((fields[0].field.as_str(), fields[0].rule.as_str()), ("status", "transition"));
        let err = Door::Gone.check_move(Some(Door::Open)).expect_err("final");
        assert!(err.to_string().contains("allowed: none"), "{err}");
    }

    #[test]
    fn a_move_that_must_happen_refuses_the_current_status() {
        assert_eq!(Door::Shut.require_move(Door::Open).expect("allowed"), Door::Open);
        let err = Door::Open.require_move(Door::Open).expect_err("already open");
        assert!(err.to_string().contains("a door in open cannot move to open; allowed: shut"), "{err}");
    }

    #[test]
    fn the_sources_of_a_status_are_every_status_the_table_lets_move_to_it() {
        assert_eq!(Door::sources(Door::Open), r#"["shut"]"#);
        assert_eq!(Door::sources(Door::Gone), r#"["shut"]"#);
        assert_eq!(Door::sources(Door::Shut), r#"["open"]"#);
    }
}
