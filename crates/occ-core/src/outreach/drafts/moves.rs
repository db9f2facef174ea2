//! A draft's status moves: submitted, approved, rejected or archived, one at a time. Each is
//! checked in SQL and written in one round trip; the rules are the approval guard's
//! ([`super::approval`]) and, to approve, whether the person may be contacted on the channel now.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{Draft, ENTITY, decode, draft_columns, draft_id, internal};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::reach::{self, Facts, reach_facts_sql};
use crate::domain::enums::{ApprovalStatus, Channel, ContactStatus, Role};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, Conn, Step, single};

/// `POST /api/v1/drafts/{id}/approve` (and reject, submit, archive).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Notes (a rejection's reason).
    #[serde(default)]
    pub notes: Option<String>,
}

/// What moving a draft needs to know about it, the draft row `d` and its contact `c`: its status,
/// channel and unresolved merge fields, the contact's owner and whether the contact may be
/// reached on the channel (see [`judge`]).
macro_rules! facts_sql {
    () => {
        concat!(
            "json_array(d.approval_status, d.channel, d.quality_report ->> '$.unresolved', c.owner_id, ",
            reach_facts_sql!("c", "d.channel"),
            ")"
        )
    };
}

pub(super) use facts_sql;

/// A draft's id and its [`facts_sql!`].
#[derive(Deserialize)]
pub(super) struct DraftFacts {
    pub(super) id: String,
    pub(super) facts: String,
}

/// Whether the caller may move the draft whose [`facts_sql!`] are `facts` to `to`; answers the
/// draft's status.
pub(super) fn judge(principal: &Principal, facts: &str, to: ApprovalStatus) -> AppResult<ApprovalStatus> {
    type Read = (String, String, Option<String>, Option<String>, serde_json::Value);
    let (status, channel, unresolved, owner, reach): Read = serde_json::from_str(facts).map_err(internal)?;
    let (status, channel): (ApprovalStatus, Channel) =
        (status.parse().map_err(internal)?, channel.parse().map_err(internal)?);
    principal.require_owner(owner.as_deref())?;
    status.require_move(to)?;
    if to == ApprovalStatus::Approved {
        let unresolved: Vec<String> =
            unresolved.map(|u| serde_json::from_str(&u)).transpose().map_err(internal)?.unwrap_or_default();
        if !unresolved.is_empty() {
            let list: Vec<String> = unresolved.iter().map(|f| format!("{{{{{f}}}}}")).collect();
            return Err(AppError::invalid(
                "body",
                "unresolved",
                format!("fill in {} before approving", list.join(", ")),
            ));
        }
        if let Err(refusal) = Facts::decode(&reach.to_string())?.decide(channel)? {
            let message = format!("cannot approve: {}", refusal.message(channel));
            return Err(AppError::refused("contact_id", "reach", message));
        }
    }
    Ok(status)
}

/// The audit action of a move to `to`.
pub(super) fn action_of(to: ApprovalStatus) -> &'static str {
    match to {
        ApprovalStatus::Pending => "draft.submit",
        ApprovalStatus::Approved => "draft.approve",
        ApprovalStatus::Rejected => "draft.reject",
        _ => "draft.archive",
    }
}

/// Adds to `batch` the move of the draft `id` to `to`; answers the step that returns the draft.
pub(super) fn push_move(
    batch: &mut Batch,
    principal: &Principal,
    id: &str,
    to: ApprovalStatus,
    notes: Option<&str>,
    at: &str,
) -> AppResult<Step> {
    let reviewer = matches!(to, ApprovalStatus::Approved | ApprovalStatus::Rejected);
    batch.push(
        concat!(
            "UPDATE message_drafts SET approval_status = ?2, notes = coalesce(?3, notes), \
             reviewer_id = CASE WHEN ?4 THEN ?5 ELSE reviewer_id END, reviewed_at = CASE WHEN ?4 THEN ?6 ELSE reviewed_at END, \
             updated_at = ?6 WHERE id = ?1 RETURNING ",
            draft_columns!()
        ),
        libsql::params![id, to.as_str(), notes, reviewer, principal.user_id.as_str(), at],
    )
}

/// Moves one draft to `to` in one round trip: a batch whose first step checks, in SQL, that
/// the draft is in a status it may move from, that the caller may work its contact and (to
/// approve) that its merge fields are resolved and its person may be contacted on its channel
/// now, then writes the move with its audit entry. The facts the check accepts are the ones
/// [`judge`] accepts, listed by the same rules ([`Lifecycle::sources`], [`reach::decide`]).
/// When the check fails, a second round trip reads the facts and [`judge`] says why (see
/// [`Conn::explained_batch`]).
async fn decide(
    conn: &Conn,
    principal: &Principal,
    actor: &Actor,
    id: &str,
    to: ApprovalStatus,
    notes: Option<&str>,
) -> AppResult<Draft> {
    const GUARD: &str = concat!(
        "EXISTS (SELECT 1 FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :id \
           AND d.approval_status IN (SELECT value FROM json_each(:from)) \
           AND (:anyone OR c.owner_id IS NULL OR c.owner_id = :me) \
           AND (:reachable IS NULL OR (coalesce(json_array_length(d.quality_report, '$.unresolved'), 0) = 0 \
             AND json_array(d.channel, json(",
        reach_facts_sql!("c", "d.channel"),
        ")) IN (SELECT value FROM json_each(:reachable)))))"
    );
    const FACTS: &str = concat!(
        "SELECT ",
        facts_sql!(),
        " FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :id"
    );
    let from = ApprovalStatus::sources(to);
    let reachable = (to == ApprovalStatus::Approved).then(reachable);
    let at = now();
    let (outcome, draft) = conn
        .explained_batch(
            || {
                let mut batch = Batch::new();
                batch.require_or_explain(
                    GUARD,
                    libsql::named_params! {
                        ":id": id, ":from": from.as_str(), ":anyone": principal.role != Role::Bdr,
                        ":me": principal.user_id.as_str(), ":reachable": reachable.as_deref(),
                    },
                )?;
                audit::record_in(&mut batch, actor, action_of(to), ENTITY, id, notes)?;
                let draft = push_move(&mut batch, principal, id, to, notes, &at)?;
                Ok((batch, draft))
            },
            || async {
                let facts: String = conn
                    .query_opt(FACTS, libsql::named_params! {":id": id}, single)
                    .await?
                    .ok_or(AppError::NotFound(ENTITY))?;
                judge(principal, &facts, to).map(|_| ())
            },
        )
        .await?;
    outcome.one(ENTITY, draft, decode)
}

/// Every channel and reach facts (as `json_array(channel, reach_facts_sql!)` reads them) of a
/// person who may be contacted on that channel now, as a JSON list.
fn reachable() -> String {
    static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut accepted = Vec::new();
        for &channel in Channel::ALL {
            for &status in ContactStatus::ALL {
                for bits in 0..16u8 {
                    let bit = |n: u8| (bits >> n) & 1;
                    let (email, linkedin, phone, suppressed) = (bit(0), bit(1), bit(2), bit(3));
                    if reach::decide(status, channel, email == 1, linkedin == 1, phone == 1, suppressed == 1).is_ok() {
                        accepted.push(serde_json::json!([
                            channel.as_str(),
                            [status.as_str(), email, linkedin, phone, suppressed]
                        ]));
                    }
                }
            }
        }
        serde_json::Value::Array(accepted).to_string()
    })
    .clone()
}

async fn decision(ctx: &Ctx, req: Request<Bytes>, to: ApprovalStatus) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = draft_id(&req)?;
    let body: Decision = if req.body().is_empty() { Decision::default() } else { http::body_json(&req)? };
    let notes = body.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > 5000) {
        return Err(AppError::invalid("notes", "max_length", "must be at most 5000 characters"));
    }
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    http::ok(&decide(&ctx.conn().await?, principal, &actor, &id, to, notes).await?)
}

/// Submit a draft for review (pending).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/submit", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn submit(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Pending).await
}

/// Approve a pending draft: refused while merge fields are unresolved, or when the person may
/// not be contacted on its channel now.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/approve", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn approve(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Approved).await
}

/// Reject a pending draft, with notes saying why.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/reject", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn reject(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Rejected).await
}

/// Archive a draft that will not be sent.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/archive", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn archive(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Archived).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_checked_against_the_reach_facts_the_rules_accept() {
        let list: Vec<serde_json::Value> = serde_json::from_str(&reachable()).expect("a JSON list");
        let has = |facts: serde_json::Value| list.contains(&facts);
        assert!(has(serde_json::json!(["email", ["active", 1, 0, 0, 0]])));
        assert!(has(serde_json::json!(["call", ["dormant", 0, 0, 1, 0]])));
        assert!(!has(serde_json::json!(["email", ["active", 1, 0, 0, 1]])), "suppressed");
        assert!(!has(serde_json::json!(["linkedin", ["active", 1, 0, 1, 0]])), "no profile");
        assert!(!has(serde_json::json!(["email", ["bounced", 1, 1, 1, 0]])));
        assert!(!has(serde_json::json!(["email", ["do_not_contact", 1, 1, 1, 0]])));
        // Two statuses a person may be contacted in, four address facts (three of them free).
        assert_eq!(list.len(), 3 * 2 * 4);
    }
}
