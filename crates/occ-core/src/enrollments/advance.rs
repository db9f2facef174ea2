//! A contact's stage moving with an event of another resource (enrolled in a sequence, a
//! meeting booked) as statements of that resource's batch: the batch form of
//! [`crate::contacts::actions::advance`], for a write whose read already gathered what scoring
//! the contacts needs ([`crate::scoring::recompute::context_sql!`] and `model_sql!`).

use crate::audit::Actor;
use crate::contacts::stage::may_move;
use crate::domain::enums::Stage;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::scoring::Scored;
use crate::scoring::recompute::{Context, Model};
use crate::store::{Batch, Step};

/// A contact's score once it stands at `stage`, from its context read before the change.
pub(crate) fn score_at(model: &Model, context: &Context, stage: Stage, now: &str) -> Scored {
    let mut inputs = context.inputs(now);
    inputs.stage = stage;
    model.score(&inputs)
}

/// Adds to `batch` the move of each contact of `scored` to `to`, where the stage machine allows
/// it from the stage the contact stands at when the batch gets there, with its score at `to`
/// (computed with the model `version`) and an audit entry `action`; the others stay as they
/// are. Two statements; answers the step whose rows are the ids of the contacts moved.
pub(crate) fn advance_in(
    batch: &mut Batch,
    actor: &Actor,
    to: Stage,
    action: &str,
    version: i64,
    scored: &[(String, Scored)],
    at: &str,
) -> AppResult<Step> {
    let moves: Vec<serde_json::Value> =
        scored.iter().map(|(id, s)| serde_json::json!([new_id(), id, s.score, s.factors_json()])).collect();
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
        "UPDATE contacts SET stage = :stage, updated_at = :now, priority_score = j.value ->> 2, \
         priority_factors = j.value ->> 3, priority_version = :version \
         FROM json_each(:moves) j WHERE contacts.id = j.value ->> 1 \
         AND contacts.stage IN (SELECT value FROM json_each(:from)) RETURNING contacts.id",
        libsql::named_params! {
            ":moves": moves.as_str(), ":from": from.as_str(), ":now": at, ":stage": to.as_str(), ":version": version,
        },
    )
}
