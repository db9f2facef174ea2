//! Erasure: a person asked to be forgotten. Their contact and everything about them goes; the
//! audit log keeps its entries without their values; only hashes of their email and LinkedIn
//! URL stay, in the suppression list, so they are never imported or contacted again.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::erased::erased_hash;
use super::repo::{self, ENTITY};
use crate::access::Principal;
use crate::audit;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};

/// `POST /api/v1/contacts/{id}/erase`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Erase {
    /// Why (for example, the request's reference).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Erase a person (admins): deletes their data everywhere, keeps the audit log's actions
/// without their values, and keeps only hashes of their addresses so they are never added again.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "contacts", request_body = Erase, params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub(crate) async fn erase(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let body: Erase = if req.body().is_empty() { Erase::default() } else { http::body_json(&req)? };
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid("reason", "max_length", "must be at most 2000 characters"));
    }
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let contact = repo::get(&conn, &id).await?;
    let at = now();
    let hashes: Vec<(&str, String)> =
        [("email", contact.email.as_deref()), ("linkedin", contact.linkedin_url.as_deref())]
            .into_iter()
            .filter_map(|(kind, value)| value.map(|v| (kind, erased_hash(v))))
            .collect();
    let hashes_json = serde_json::to_string(
        &hashes.iter().map(|(kind, hash)| serde_json::json!([new_id(), kind, hash])).collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    conn.immediate(async |conn| {
        audit::record_because(conn, &actor, "contact.erase", ENTITY, &id, reason).await?;
        // What does not go with the contact by cascade: notes on kept opportunities, import
        // reports, provider events and plain suppression entries that name the address.
        conn.write(
            "UPDATE opportunities SET notes = NULL WHERE contact_id = ?1 AND notes IS NOT NULL",
            [id.as_str()],
        )
        .await?;
        conn.write(
            "DELETE FROM import_rows WHERE contact_id = ?1 OR email = ?2 OR linkedin_url = ?3",
            libsql::params![id.as_str(), contact.email.as_deref(), contact.linkedin_url.as_deref()],
        )
        .await?;
        conn.write(
            "DELETE FROM contacts WHERE id = ?1",
            [id.as_str()],
        )
        .await?;
        conn.write(
            "DELETE FROM email_events WHERE email_address = ?1",
            [contact.email.as_deref().unwrap_or_default()],
        )
        .await?;
        // The audit log keeps every action on the person, and on records about them (signals,
        // later drafts and replies, which name the contact), without the values. Erasure is
        // rare, so this one statement may read the whole log.
        conn.write(
            "UPDATE audit_log SET before = NULL, after = json_object('erased', json('true')) \
             WHERE (entity = 'contact' AND entity_id = ?1) \
             OR (entity <> 'contact' AND (json_extract(before, '$.contact_id') = ?1 OR json_extract(after, '$.contact_id') = ?1))",
            [id.as_str()],
        )
        .await?;
        conn.write(
            "DELETE FROM email_suppression WHERE (kind = 'email' AND value = ?1) OR (kind = 'linkedin' AND value = ?2)",
            libsql::params![contact.email.as_deref(), contact.linkedin_url.as_deref()],
        )
        .await?;
        conn.write(
            "INSERT INTO email_suppression (id, kind, value_hash, reason, source, created_at) \
             SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), 'erased', ?2, ?3 \
             FROM json_each(?1) WHERE true ON CONFLICT (kind, value_hash) DO NOTHING",
            libsql::params![hashes_json.as_str(), actor.name.as_str(), at.as_str()],
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(http::no_content())
}
