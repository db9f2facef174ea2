//! Stopping outreach to people who bounced or asked not to be contacted.

use crate::domain::enums::ContactStatus;
use crate::error::{AppError, AppResult};
use crate::store::Batch;

/// The two writes of [`stop_outreach_in`], for the contacts of the JSON array `?1`.
const STOP_ENROLLMENTS: &str = "UPDATE enrollments SET status = 'exited', exit_reason = ?2, paused_until = NULL, \
     next_due_at = NULL, ended_at = ?3, updated_at = ?3 WHERE contact_id IN (SELECT value FROM json_each(?1)) \
     AND status IN ('active', 'paused')";
const STOP_DRAFTS: &str = "UPDATE message_drafts SET approval_status = 'archived', updated_at = ?3, \
     notes = coalesce(notes, 'archived: the contact is ' || ?2) \
     WHERE contact_id IN (SELECT value FROM json_each(?1)) AND approval_status IN ('draft', 'pending', 'approved')";

/// People who bounced or asked not to be contacted leave every sequence at once, and nothing
/// written for them is sent: two statements of a batch.
pub(crate) fn stop_outreach_in(batch: &mut Batch, ids: &[String], status: ContactStatus, at: &str) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    batch.push(STOP_ENROLLMENTS, libsql::params![ids_json.as_str(), status.as_str(), at])?;
    batch.push(STOP_DRAFTS, libsql::params![ids_json.as_str(), status.as_str(), at])?;
    Ok(())
}
