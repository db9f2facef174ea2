//! The stage machine: the one function that owns which stage may follow which (SPEC.md
//! section 2). A move outside the table is an override, for managers and admins, with a reason.

use crate::domain::enums::Stage::{self, *};

/// The stages a contact in `from` may move to without an override.
pub fn allowed_next(from: Stage) -> &'static [Stage] {
    match from {
        New => &[Researched, Drafted, Touched, Sequencing, NotInterested],
        Researched => &[Drafted, Touched, Sequencing, NotInterested],
        Drafted => &[Touched, Sequencing, Researched, NotInterested],
        Touched => {
            &[Sequencing, Replied, RepliedPositive, RepliedNegative, Referred, MeetingBooked, Dormant, NotInterested]
        }
        Sequencing => {
            &[BreakUpSent, Replied, RepliedPositive, RepliedNegative, Referred, MeetingBooked, Dormant, NotInterested]
        }
        BreakUpSent => &[Replied, RepliedPositive, RepliedNegative, Referred, MeetingBooked, Dormant, NotInterested],
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

/// Whether `from -> to` is in the table.
pub fn may_move(from: Stage, to: Stage) -> bool {
    allowed_next(from).contains(&to)
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
        assert!(may_move(New, Touched));
        assert!(!may_move(New, MeetingBooked));
        assert!(may_move(Opportunity, Dormant));
        assert!(!may_move(Opportunity, New));
        assert!(may_move(NotInterested, ReEngaged));
        assert!(!may_move(Referred, ReEngaged));
    }

    proptest! {
        #[test]
        fn no_stage_moves_to_itself(s in stage()) {
            prop_assert!(!may_move(s, s));
        }

        #[test]
        fn from_every_stage_a_contact_can_be_revived(s in stage()) {
            // No dead ends: following allowed moves, every stage leads to re_engaged.
            let mut seen = vec![s];
            let mut i = 0;
            while i < seen.len() {
                for next in allowed_next(seen[i]) {
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
            prop_assert!(!may_move(s, New));
        }
    }
}
