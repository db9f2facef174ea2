//! Approving, rejecting or archiving many drafts at once, each under the same rules as one at a
//! time ([`super::moves`]).

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::moves::{DraftFacts, action_of, facts_sql, judge, push_move};
use super::{ENTITY, internal};
use crate::access::Principal;
use crate::audit;
use crate::contacts::reach::reach_facts_sql;
use crate::domain::enums::ApprovalStatus;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, from_row};

/// The most drafts one bulk request may change.
const MAX_BULK: usize = 200;

/// `POST /api/v1/drafts/bulk`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecision {
    /// The drafts (1-200).
    pub ids: Vec<String>,
    /// approve, reject or archive.
    pub action: String,
    /// Notes for every one.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Approve, reject or archive many drafts; each succeeds or fails on its own, under the same
/// rules as one at a time.
#[utoipa::path(post, path = "/api/v1/drafts/bulk", tag = "drafts", request_body = BulkDecision,
    responses((status = 200, body = crate::contacts::actions::BulkResults), (status = 422, body = ErrorResponse)))]
pub(crate) async fn bulk(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    use crate::contacts::actions::{BulkResult, BulkResults};
    let principal = Principal::of(&req)?;
    let body: BulkDecision = http::body_json(&req)?;
    let to = match body.action.as_str() {
        "approve" => ApprovalStatus::Approved,
        "reject" => ApprovalStatus::Rejected,
        "archive" => ApprovalStatus::Archived,
        _ => return Err(AppError::invalid("action", "one_of", "must be approve, reject or archive")),
    };
    if body.ids.is_empty() || body.ids.len() > MAX_BULK {
        return Err(AppError::invalid("ids", "range", format!("must list 1 to {MAX_BULK} drafts")));
    }
    let notes = body.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let ids: Vec<Option<String>> =
        body.ids.iter().map(|text| uuid::Uuid::try_parse(text.trim()).map(|u| u.to_string()).ok()).collect();
    let ids_json = serde_json::to_string(&ids.iter().flatten().collect::<Vec<_>>()).map_err(internal)?;
    let at = now();
    let conn = ctx.conn().await?;
    let (_, results) = conn
        .read_then_write(async |conn| {
            let facts: std::collections::HashMap<String, String> = conn
                .query_all(
                    concat!(
                        "SELECT d.id, ",
                        facts_sql!(),
                        " AS facts FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
                         WHERE d.id IN (SELECT value FROM json_each(?1))"
                    ),
                    [ids_json.as_str()],
                    from_row,
                )
                .await?
                .into_iter()
                .map(|f: DraftFacts| (f.id, f.facts))
                .collect();
            let mut batch = Batch::new();
            let mut results = Vec::with_capacity(ids.len());
            let mut moved: Vec<&String> = Vec::new();
            for (text, id) in body.ids.iter().zip(&ids) {
                let Some(id) = id else {
                    let error = serde_json::json!({"code": "not_found", "message": "not an id"});
                    results.push(BulkResult { id: text.clone(), ok: false, error: Some(error) });
                    continue;
                };
                // The same draft again further down the list finds it moved already.
                let judged = if moved.contains(&id) {
                    Err(to.refusal(to))
                } else {
                    facts.get(id).ok_or(AppError::NotFound(ENTITY)).and_then(|f| judge(principal, f, to))
                };
                let error = match judged {
                    Ok(_) => {
                        audit::record_in(&mut batch, &actor, action_of(to), ENTITY, id, notes)?;
                        push_move(&mut batch, principal, id, to, notes, &at)?;
                        moved.push(id);
                        results.push(BulkResult { id: id.clone(), ok: true, error: None });
                        continue;
                    }
                    Err(AppError::NotFound(_)) => ("not_found", "draft not found".to_owned()),
                    Err(AppError::Forbidden(m)) => ("forbidden", m),
                    Err(AppError::Conflict { message, .. }) => ("conflict", message),
                    Err(AppError::Validation(fields)) => {
                        ("validation_failed", fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "))
                    }
                    Err(err) => return Err(err),
                };
                let (code, message) = error;
                let error = serde_json::json!({"code": code, "message": message});
                results.push(BulkResult { id: id.clone(), ok: false, error: Some(error) });
            }
            Ok((batch, results))
        })
        .await?;
    http::ok(&BulkResults { results })
}
