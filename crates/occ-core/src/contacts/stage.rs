//! The stage machine: the one table that owns which stage may follow which (SPEC.md section 2),
//! the contact's [`Lifecycle`]. A move outside the table is an override, for managers and admins,
//! with a reason.

use crate::domain::enums::Stage::{self, *};
use crate::lifecycle::Lifecycle;

/// A contact's stage moves by the stage machine.
impl Lifecycle for Stage {
    const RECORD: &'static str = "a contact";
    const FIELD: &'static str = "stage";
    const STATUSES: &'static [Self] = Self::ALL;

    /// The stages a contact in this one may move to without an override.
    fn next_statuses(self) -> &'static [Stage] {
        match self {
            New => &[Researched, Drafted, Touched, Sequencing, NotInterested],
            Researched => &[Drafted, Touched, Sequencing, NotInterested],
            Drafted => &[Touched, Sequencing, Researched, NotInterested],
            Touched => &[
                Sequencing,
                Replied,
                RepliedPositive,
                RepliedNegative,
                Referred,
                MeetingBooked,
                Dormant,
                NotInterested,
            ],
            Sequencing => &[
                BreakUpSent,
                Replied,
                RepliedPositive,
                RepliedNegative,
                Referred,
                MeetingBooked,
                Dormant,
                NotInterested,
            ],
            BreakUpSent => {
                &[Replied, RepliedPositive, RepliedNegative, Referred, MeetingBooked, Dormant, NotInterested]
            }
            Replied => &[RepliedPositive, RepliedNegative, Referred, MeetingBooked, Dormant, NotInterested],
            RepliedPositive => &[MeetingBooked, RepliedNegative, Dormant, NotInterested],
            RepliedNegative => &[ReEngaged, Dormant, NotInterested],
            Referred => &[Dormant, NotInterested],
            MeetingBooked => &[MeetingHeld, Dormant, NotInterested],
            MeetingHeld => &[Opportunity, Dormant, NotInterested],
            Opportunity => &[Dormant],
            Dormant => &[ReEngaged],
            ReEngaged => &[
                Sequencing,
                Touched,
                Replied,
                RepliedPositive,
                RepliedNegative,
                Referred,
                MeetingBooked,
                Dormant,
                NotInterested,
            ],
            NotInterested => &[ReEngaged],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stage() -> impl Strategy<Value = Stage> {
        proptest::sample::select(Stage::ALL.to_vec())
    }

    #[test]
    fn the_table_matches_the_spec_at_its_edges() {
        assert!(New.may_move(Touched));
        assert!(!New.may_move(MeetingBooked));
        assert!(Opportunity.may_move(Dormant));
        assert!(!Opportunity.may_move(New));
        assert!(NotInterested.may_move(ReEngaged));
        assert!(!Referred.may_move(ReEngaged));
    }

    proptest! {
        #[test]
        fn no_stage_moves_to_itself(s in stage()) {
            prop_assert!(!s.may_move(s));
        }

        #[test]
        fn from_every_stage_a_contact_can_be_revived(s in stage()) {
            // No dead ends: following allowed moves, every stage leads to re_engaged.
            let mut seen = vec![s];
            let mut i = 0;
            while i < seen.len() {
                for next in seen[i].next_statuses() {
                    if !seen.contains(next) {
                        seen.push(*next);
                    }
                }
                i += 1;
            }
            prop_assert!(seen.contains(&ReEngaged), "{} is a dead end", s);
        }

        #[test]
        fn nothing_returns_to_new(s in stage()) {
            prop_assert!(!s.may_move(New));
        }
    }
}
