//! A contact's stage moving with an event of another resource (enrolled in a sequence, a
//! meeting booked, a draft sent) as statements of that resource's batch: the batch form of
//! [`super::advance`].

use crate::audit::Actor;
use crate::contacts::scoring::sql::stage_set_sql;
use crate::domain::enums::Stage;
use crate::domain::new_id;
use crate::error::{AppError, AppResult};
use crate::lifecycle::Lifecycle;
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
    let moves: Vec<serde_json::Value> = ids.iter().map(|id| serde_json::json!([new_id(), id, null, 0])).collect();
    moves_in(batch, actor, to, action, &moves, at)
}

/// As [`advance_in`], for the contact a draft is written to (`draft`, known to the batch, not
/// to the code); when `break_up`, only if the draft is its sequence's break-up step.
pub(crate) fn advance_of_draft_in(
    batch: &mut Batch,
    actor: &Actor,
    to: Stage,
    action: &str,
    draft: &str,
    break_up: bool,
    at: &str,
) -> AppResult<Step> {
    moves_in(batch, actor, to, action, &[serde_json::json!([new_id(), null, draft, i64::from(break_up)])], at)
}

/// The contact a move `j` of [`moves_in`] names (NULL when a break-up-only move's draft is not
/// a break-up step).
macro_rules! moving_sql {
    () => {
        "(CASE WHEN j.value ->> 1 IS NOT NULL THEN j.value ->> 1 \
         ELSE (SELECT d.contact_id FROM message_drafts d LEFT JOIN sequence_steps s ON s.id = d.step_id \
         WHERE d.id = j.value ->> 2 AND (j.value ->> 3 = 0 OR s.is_break_up = 1)) END)"
    };
}

/// The moves of [`advance_in`] and [`advance_of_draft_in`]: each `[audit entry id, contact id,
/// draft id, break-up only]`, naming the contact by its id or by the draft written to it.
fn moves_in(
    batch: &mut Batch,
    actor: &Actor,
    to: Stage,
    action: &str,
    moves: &[serde_json::Value],
    at: &str,
) -> AppResult<Step> {
    let moves = serde_json::to_string(moves).map_err(|e| AppError::Internal(e.into()))?;
    let from = Stage::sources(to);
    // The entries first: the contacts' audit guard refuses a move without its entry.
    batch.push(
        concat!(
            "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
             SELECT j.value ->> 0, :now, :actor, :user_id, :action, 'contact', c.id, :request_id \
             FROM json_each(:moves) j JOIN contacts c ON c.id = ",
            moving_sql!(),
            " WHERE c.stage IN (SELECT value FROM json_each(:from))"
        ),
        libsql::named_params! {
            ":moves": moves.as_str(), ":from": from.as_str(), ":now": at, ":actor": actor.name.as_str(),
            ":user_id": actor.user_id.as_deref(), ":request_id": actor.request_id.as_deref(), ":action": action,
        },
    )?;
    batch.push(
        concat!(
            "UPDATE contacts SET ",
            stage_set_sql!(":stage"),
            ", updated_at = :now WHERE contacts.id IN (SELECT ",
            moving_sql!(),
            " FROM json_each(:moves) j) AND contacts.stage IN (SELECT value FROM json_each(:from)) RETURNING contacts.id"
        ),
        libsql::named_params! {":moves": moves.as_str(), ":from": from.as_str(), ":now": at, ":stage": to.as_str()},
    )
}
