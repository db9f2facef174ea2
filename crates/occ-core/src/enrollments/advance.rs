//! A contact's stage moving with an event of another resource (enrolled in a sequence, a
//! meeting booked) as statements of that resource's batch: the batch form of
//! [`crate::contacts::actions::advance`].

use crate::audit::Actor;
use crate::contacts::stage::may_move;
use crate::domain::enums::Stage;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::scoring::sql::stage_set_sql;
use crate::store::{Batch, Step};

/// Adds to `batch` the move of each contact of `ids` to `to`, where the stage machine allows it
/// from the stage the contact stands at when the batch gets there, with its score at `to` and an
/// audit entry `action`; the others stay as they are. Two statements; answers the step whose
/// rows are the ids of the contacts moved.
pub(crate) fn advance_in(
    batch: &mut Batch,
    actor: &Actor,
    to: Stage,
    action: &str,
    ids: &[String],
    at: &str,
) -> AppResult<Step> {
    let moves: Vec<serde_json::Value> = ids.iter().map(|id| serde_json::json!([new_id(), id])).collect();
    let moves = serde_json::Value::Array(moves).to_string();
    let from: Vec<&str> = Stage::ALL.iter().filter(|s| may_move(**s, to)).map(|s| s.as_str()).collect();
    let from = serde_json::to_string(&from).map_err(|e| AppError::Internal(e.into()))?;
    // The entries first: the contacts' audit guard refuses a move without its entry.
    batch.push(
        "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
         SELECT j.value ->> 0, :now, :actor, :user_id, :action, 'contact', c.id, :request_id \
         FROM json_each(:moves) j JOIN contacts c ON c.id = j.value ->> 1 \
         WHERE c.stage IN (SELECT value FROM json_each(:from))",
        libsql::named_params! {
            ":moves": moves.as_str(), ":from": from.as_str(), ":now": at, ":actor": actor.name.as_str(),
            ":user_id": actor.user_id.as_deref(), ":request_id": actor.request_id.as_deref(), ":action": action,
        },
    )?;
    batch.push(
        concat!(
            "UPDATE contacts SET ",
            stage_set_sql!(":stage"),
            ", updated_at = :now WHERE contacts.id IN (SELECT j.value ->> 1 FROM json_each(:moves) j) \
             AND contacts.stage IN (SELECT value FROM json_each(:from)) RETURNING contacts.id"
        ),
        libsql::named_params! {":moves": moves.as_str(), ":from": from.as_str(), ":now": at, ":stage": to.as_str()},
    )
}
