//! The channels family (`api/channels.rs`): how messages leave and what keeps them from the
//! wrong people. Sender identities (`identities`) and the SMTP conversation (`sender`), the paced
//! sending of approved email (`sending`, run by the worker) and today's pacing of it (`pacing`),
//! the suppression list, the signed unsubscribe link, and email events (`events`) from the
//! provider (`webhooks`) and from the identities' own mailboxes (`mailbox`, read by the worker).

pub mod events;
pub mod identities;
pub mod mailbox;
pub mod pacing;
pub mod sender;
pub mod sending;
pub mod suppression;
pub mod unsubscribe;
pub mod webhooks;

use crate::access::Access::Signed;
use crate::access::Action::{ManageIdentities, ReadData};
use crate::handler;
use crate::http::Routes;

/// The channels family's routes.
pub fn routes() -> Routes {
    identities::routes()
        .post("/api/v1/identities/{id}/test", Signed(ManageIdentities), handler!(sender::test_send))
        .get("/api/v1/pacing", Signed(ReadData), handler!(pacing::today))
        .merge(suppression::routes())
        .merge(unsubscribe::routes())
        .merge(webhooks::routes())
}
