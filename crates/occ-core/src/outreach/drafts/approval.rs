//! The approval guard: the one function that says which approval status may follow which.
//!
//! draft -> pending (submitted for review) -> approved | rejected; approved -> sent | archived;
//! an approved draft that is edited goes back to pending; a rejected one back to draft. Sent
//! and archived are final. Nothing reaches sent without passing through approved.

use crate::domain::enums::ApprovalStatus::{self, *};

/// The statuses a draft in `from` may move to.
pub fn allowed_next(from: ApprovalStatus) -> &'static [ApprovalStatus] {
    match from {
        Draft => &[Pending, Archived],
        Pending => &[Approved, Rejected, Draft, Archived],
        Approved => &[Sent, Pending, Archived],
        Rejected => &[Draft, Pending, Archived],
        Sent | Archived => &[],
    }
}

/// Whether a draft may move from `from` to `to`.
pub fn may_move(from: ApprovalStatus, to: ApprovalStatus) -> bool {
    allowed_next(from).contains(&to)
}

/// Whether a draft in `status` may still be edited (an approved one then needs approving again).
pub fn editable(status: ApprovalStatus) -> bool {
    matches!(status, Draft | Pending | Approved | Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sent_and_archived_are_final_and_only_approved_drafts_are_sent() {
        for status in ApprovalStatus::ALL {
            assert!(!may_move(*status, *status), "{status} to itself");
            if may_move(*status, Sent) {
                assert_eq!(*status, Approved);
            }
        }
        assert!(allowed_next(Sent).is_empty());
        assert!(allowed_next(Archived).is_empty());
    }

    fn arb_status() -> impl Strategy<Value = ApprovalStatus> {
        proptest::sample::select(ApprovalStatus::ALL.to_vec())
    }

    proptest! {
        /// Any walk that the guard allows and that ends in sent went through approved just before.
        #[test]
        fn every_walk_to_sent_passes_approval(steps in proptest::collection::vec(arb_status(), 1..12)) {
            let mut at = Draft;
            let mut previous = None;
            for next in steps {
                if may_move(at, next) {
                    previous = Some(at);
                    at = next;
                }
            }
            if at == Sent {
                prop_assert_eq!(previous, Some(Approved));
            }
        }

        /// Every status that is not final can still be archived.
        #[test]
        fn everything_unfinished_can_be_archived(status in arb_status()) {
            prop_assert_eq!(may_move(status, Archived), !matches!(status, Sent | Archived));
        }
    }
}
