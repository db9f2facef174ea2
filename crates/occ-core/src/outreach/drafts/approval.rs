//! The approval guard: the one table that says which approval status may follow which (the
//! draft's [`Lifecycle`]).
//!
//! draft -> pending (submitted for review) -> approved | rejected; approved -> sent | archived;
//! an approved draft that is edited goes back to pending; a rejected one back to draft. Sent
//! and archived are final. Nothing reaches sent without passing through approved.

use crate::domain::enums::ApprovalStatus::{self, *};
use crate::lifecycle::Lifecycle;

/// A draft's lifecycle: the statuses a draft in each may move to.
impl Lifecycle for ApprovalStatus {
    const RECORD: &'static str = "a draft";
    const STATUSES: &'static [Self] = Self::ALL;
    const FIELD: &'static str = "approval_status";

    fn next_statuses(self) -> &'static [Self] {
        match self {
            Draft => &[Pending, Archived],
            Pending => &[Approved, Rejected, Draft, Archived],
            Approved => &[Sent, Pending, Archived],
            Rejected => &[Draft, Pending, Archived],
            Sent | Archived => &[],
        }
    }
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
            assert!(!status.may_move(*status), "{status} to itself");
            if status.may_move(Sent) {
                assert_eq!(*status, Approved);
            }
        }
        assert!(Sent.next_statuses().is_empty());
        assert!(Archived.next_statuses().is_empty());
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
                if at.may_move(next) {
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
            prop_assert_eq!(status.may_move(Archived), !matches!(status, Sent | Archived));
        }
    }
}
