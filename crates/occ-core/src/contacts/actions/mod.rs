//! Contact actions beyond editing: moving the stage (with the stage machine, or an audited
//! override) and bulk changes of stage, status and owner.
//!
//! A person moves one contact's stage (`moves`) or changes many contacts at once (`bulk`);
//! events of other resources move contacts on (`events`); people who bounced or asked not to be
//! contacted leave their sequences (`stop`).

pub(crate) mod bulk;
pub(crate) mod events;
pub(crate) mod moves;
mod stop;

use crate::contacts::stage::may_move;
use crate::domain::enums::Stage;

pub(crate) use bulk::{BulkResult, BulkResults, bulk_update};
pub(crate) use events::{Moved, Mover, advance, mover_sql};
pub(crate) use moves::move_stage;
pub(crate) use stop::stop_outreach_in;

/// Stages as a person reads them: `none`, or their names joined by commas.
fn list(stages: &[Stage]) -> String {
    if stages.is_empty() { "none".to_owned() } else { stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ") }
}

/// The stages from which `to` may be reached, as JSON for `json_each`.
fn reachable_from(to: Stage) -> String {
    let from: Vec<&str> = Stage::ALL.iter().filter(|s| may_move(**s, to)).map(|s| s.as_str()).collect();
    serde_json::to_string(&from).unwrap_or_else(|_| "[]".to_owned())
}
