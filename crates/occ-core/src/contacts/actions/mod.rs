//! Contact actions beyond editing: moving the stage (with the stage machine, or an audited
//! override) and bulk changes of stage, status and owner.
//!
//! A person moves one contact's stage (`moves`) or changes many contacts at once (`bulk`);
//! events of other resources move contacts on (`events`, and `advance` for many contacts or
//! the one a draft is written to, in the resource's batch); people who bounced or asked not to be
//! contacted leave their sequences (`stop`).

pub(crate) mod advance;
pub(crate) mod bulk;
pub(crate) mod events;
pub(crate) mod moves;
mod stop;

pub(crate) use bulk::{BulkResult, BulkResults, bulk_update};
pub(crate) use events::{Moved, Mover, advance, mover_sql};
pub(crate) use moves::move_stage;
pub(crate) use stop::stop_outreach_in;
