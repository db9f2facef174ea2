//! The outreach family (`api/outreach.rs`): the work of reaching people. Sequences and the
//! enrollments that walk them, drafts and their review, the touchpoints a rep records (LinkedIn
//! events among them), the replies that come back, the follow-ups they leave, and the meetings
//! and opportunities they become.

pub mod drafts;
pub mod enrollments;
pub mod followups;
pub mod linkedin;
pub mod opportunities;
pub mod replies;
pub mod sequences;
pub mod touchpoints;

use crate::http::Routes;

/// The outreach family's routes.
pub fn routes() -> Routes {
    sequences::routes()
        .merge(enrollments::routes())
        .merge(drafts::routes())
        .merge(replies::routes())
        .merge(followups::routes())
        .merge(opportunities::routes())
        .merge(touchpoints::routes())
        .merge(linkedin::routes())
}
