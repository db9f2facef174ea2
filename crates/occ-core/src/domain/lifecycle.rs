//! One way to move a record's status. A status type with a lifecycle says, in one table, where
//! each status may go ([`Lifecycle::next_statuses`]); every change of status is checked against
//! it ([`Lifecycle::check_move`]), and a move outside it is refused with a 409 that names the
//! field, the move and the moves that are allowed. API answers carry the table too
//! (`next_statuses` on batches and opportunities), so a client offers only what will work.

use std::fmt;

use crate::error::{AppError, AppResult};

/// A status with a table of allowed moves.
pub trait Lifecycle: Copy + Eq + fmt::Display + 'static {
    /// The record, with its article, as a refusal names it (`a batch`).
    const RECORD: &'static str;
    /// The request field that carries the status.
    const FIELD: &'static str = "status";

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

    /// The 409 for a move the table does not allow.
    fn refusal(self, to: Self) -> AppError {
        let allowed: Vec<String> = self.next_statuses().iter().map(ToString::to_string).collect();
        let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
        let message = format!("{} that is {self} cannot become {to}; allowed: {allowed}", Self::RECORD);
        AppError::refused(Self::FIELD, "transition", message)
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
        assert_eq!(message, "a door that is open cannot become gone; allowed: shut");
        assert_eq!((fields[0].field.as_str(), fields[0].rule.as_str()), ("status", "transition"));
        let err = Door::Gone.check_move(Some(Door::Open)).expect_err("final");
        assert!(err.to_string().contains("allowed: none"), "{err}");
    }
}
