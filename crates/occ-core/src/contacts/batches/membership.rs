//! Changing a batch's members: adding and removing contacts, checked and deduplicated.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Batch, BatchRow, ENTITY, MAX_MEMBERS, batch_columns, batch_id, require_batch_owner};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::BatchStatus;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch as Writes, Conn, Step, from_row, json};

/// Contact ids from a request body: 1 to [`MAX_MEMBERS`], each an id, duplicates dropped.
pub(super) fn contact_ids(field: &str, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() || ids.len() > MAX_MEMBERS as usize {
        return Err(AppError::invalid(field, "length", format!("must list 1 to {MAX_MEMBERS} contacts")));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let id = uuid::Uuid::try_parse(id.trim())
            .map_err(|_| AppError::invalid(format!("{field}[{i}]"), "format", "must be an id"))?
            .to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Adds to `writes` the appending of `ids` to the batch after its last member, skipping members
/// already in it and contacts that do not exist; answers the step whose rows are the ones added.
pub(super) fn append(writes: &mut Writes, batch: &str, ids: &[String], at: &str) -> AppResult<Step> {
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    writes.push(
        "INSERT INTO batch_prospects (id, batch_id, contact_id, position, created_at) \
         SELECT lower(hex(randomblob(16))), ?1, c.id, \
           (SELECT coalesce(max(position) + 1, 0) FROM batch_prospects WHERE batch_id = ?1) + j.key, ?3 \
         FROM json_each(?2) j JOIN contacts c ON c.id = j.value WHERE true \
         ON CONFLICT (batch_id, contact_id) DO NOTHING RETURNING contact_id",
        libsql::params![batch, ids_json.as_str(), at],
    )
}

/// `POST` and `DELETE /api/v1/batches/{id}/members`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    /// The contacts (1-1000).
    pub contact_ids: Vec<String>,
}

/// One contact's outcome: added, already_member or not_found; removed or not_member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct MemberOutcome {
    pub contact_id: String,
    pub outcome: &'static str,
}

/// The outcome of a member change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct MemberResults {
    pub results: Vec<MemberOutcome>,
    /// The batch's size afterwards.
    pub member_count: i64,
}

/// A row of [`open_for_change`]: the batch, which of the ids name a contact and which are its
/// members.
#[derive(Deserialize)]
struct OpenRow {
    #[serde(flatten)]
    batch: BatchRow,
    #[serde(deserialize_with = "json")]
    known: Vec<String>,
    #[serde(deserialize_with = "json")]
    members: Vec<String>,
}

/// Reads the batch, and which of `ids` name a contact and which are its members, and checks
/// that the batch may change its members, for this caller (one call).
async fn open_for_change(
    conn: &Conn,
    principal: &Principal,
    id: &str,
    ids: &[String],
) -> AppResult<(Batch, Vec<String>, Vec<String>)> {
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    let row: OpenRow = conn
        .query_one(
            ENTITY,
            concat!(
                "SELECT ",
                batch_columns!(),
                ", (SELECT json_group_array(c.id) FROM json_each(?2) j JOIN contacts c ON c.id = j.value) AS known, \
                 (SELECT json_group_array(p.contact_id) FROM json_each(?2) j \
                  JOIN batch_prospects p ON p.batch_id = batches.id AND p.contact_id = j.value) AS members \
                 FROM batches WHERE id = ?1"
            ),
            libsql::params![id, ids_json.as_str()],
            from_row,
        )
        .await?;
    let batch = Batch::from(row.batch);
    require_batch_owner(principal, &batch)?;
    if matches!(batch.status, BatchStatus::Completed | BatchStatus::Archived) {
        let message = format!("the batch is {}; its members no longer change", batch.status);
        return Err(AppError::refused("status", "open", message));
    }
    Ok((batch, row.known, row.members))
}

/// Add contacts; adding a member twice is a no-op that says so (`already_member`).
#[utoipa::path(post, path = "/api/v1/batches/{id}/members", tag = "batches", request_body = MemberChange,
    params(("id" = String, Path)),
    responses((status = 200, body = MemberResults), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn add_members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let ids = contact_ids("contact_ids", &http::body_json::<MemberChange>(&req)?.contact_ids)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (_, results) = conn
        .read_then_write(async |conn| {
            let (batch, known, members) = open_for_change(conn, principal, &id, &ids).await?;
            // The read holds the write lock: the contacts it found that are not members yet are
            // the ones the append adds.
            let added: Vec<String> =
                ids.iter().filter(|c| known.contains(c) && !members.contains(c)).cloned().collect();
            let mut writes = Writes::new();
            if !added.is_empty() {
                append(&mut writes, &id, &added, &at)?;
                let view = serde_json::json!({"added": added});
                audit::record_with_in(&mut writes, &actor, "batch.members_add", ENTITY, &id, None, Some(&view), None)?;
            }
            let results: Vec<MemberOutcome> = ids
                .iter()
                .map(|c| MemberOutcome {
                    contact_id: c.clone(),
                    outcome: if added.contains(c) {
                        "added"
                    } else if known.contains(c) {
                        "already_member"
                    } else {
                        "not_found"
                    },
                })
                .collect();
            Ok((writes, MemberResults { results, member_count: batch.member_count + added.len() as i64 }))
        })
        .await?;
    http::ok(&results)
}

/// Remove contacts from a batch (`removed` or `not_member` each).
#[utoipa::path(delete, path = "/api/v1/batches/{id}/members", tag = "batches", request_body = MemberChange,
    params(("id" = String, Path)),
    responses((status = 200, body = MemberResults), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn remove_members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let ids = contact_ids("contact_ids", &http::body_json::<MemberChange>(&req)?.contact_ids)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let (_, results) = conn
        .read_then_write(async |conn| {
            let (batch, _, members) = open_for_change(conn, principal, &id, &ids).await?;
            let removed: Vec<String> = ids.iter().filter(|c| members.contains(c)).cloned().collect();
            let mut writes = Writes::new();
            if !removed.is_empty() {
                let removed_json = serde_json::to_string(&removed).map_err(|e| AppError::Internal(e.into()))?;
                writes.push(
                    "DELETE FROM batch_prospects WHERE batch_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2))",
                    libsql::params![id.as_str(), removed_json.as_str()],
                )?;
                let view = serde_json::json!({"removed": removed});
                audit::record_with_in(&mut writes, &actor, "batch.members_remove", ENTITY, &id, Some(&view), None, None)?;
            }
            let results = ids
                .iter()
                .map(|c| MemberOutcome {
                    contact_id: c.clone(),
                    outcome: if removed.contains(c) { "removed" } else { "not_member" },
                })
                .collect();
            Ok((writes, MemberResults { results, member_count: batch.member_count - removed.len() as i64 }))
        })
        .await?;
    http::ok(&results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_are_checked_and_deduplicated() {
        let a = uuid::Uuid::now_v7().to_string();
        assert_eq!(contact_ids("contact_ids", &[a.clone(), a.to_uppercase()]).expect("ids"), [a]);
        assert!(contact_ids("contact_ids", &[]).is_err());
        assert!(contact_ids("contact_ids", &["nope".to_owned()]).is_err());
    }
}
