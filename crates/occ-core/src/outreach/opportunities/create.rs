//! Booking a meeting (or recording a held meeting or a created opportunity) with a contact:
//! the opportunity is inserted, the contact's stage follows, and the reply it came from is
//! handled, in one write.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{ENTITY, Opportunity, check_held, decode, follow_in, internal, is_open, money, opportunity_columns};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{OpportunityStatus, Stage};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, single};
use crate::validate::Check;

/// `POST /api/v1/opportunities`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOpportunity {
    /// The contact the meeting is with.
    pub contact_id: String,
    /// The reply it was booked from (marked handled).
    #[serde(default)]
    pub reply_id: Option<String>,
    /// meeting_booked (the default), meeting_held or opportunity_created.
    #[serde(default)]
    pub status: Option<OpportunityStatus>,
    /// When the meeting is (RFC 3339).
    #[serde(default)]
    pub meeting_at: Option<String>,
    /// The amount in minor units, with `currency`.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    /// ISO 4217, with `amount_minor`.
    #[serde(default)]
    pub currency: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Book a meeting (or record a held meeting or a created opportunity) with a contact. The
/// contact's stage follows, its sequence ends, and the reply it came from is handled. A
/// contact has one open opportunity at a time (409).
#[utoipa::path(post, path = "/api/v1/opportunities", tag = "opportunities", request_body = CreateOpportunity,
    responses((status = 201, body = Opportunity), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateOpportunity = http::body_json(&req)?;
    let mut c = Check::default();
    let id_of = |c: &mut Check, field: &str, text: &str| {
        uuid::Uuid::try_parse(text.trim())
            .map(|u| u.to_string())
            .map_err(|_| c.fail(field, "format", "must be an id"))
            .ok()
    };
    let contact_id = id_of(&mut c, "contact_id", &body.contact_id).unwrap_or_default();
    let reply_id = body.reply_id.as_deref().and_then(|r| id_of(&mut c, "reply_id", r));
    let status = body.status.unwrap_or(OpportunityStatus::MeetingBooked);
    if !is_open(status) {
        c.fail("status", "one_of", "a new opportunity is meeting_booked, meeting_held or opportunity_created");
    }
    let meeting_at = body.meeting_at.as_deref().and_then(|t| {
        http::parse_time("meeting_at", t).map_err(|_| c.fail("meeting_at", "format", "must be an RFC 3339 time")).ok()
    });
    let (amount, currency) = money(&mut c, body.amount_minor, body.currency);
    let notes = c.prose("notes", body.notes, 20000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let id = new_id();
    let at = now();
    check_held(Some(status), meeting_at.as_deref(), &at)?;
    let (outcome, created) = conn
        .read_then_write(async |conn| {
            let facts = conn
                .query_opt(
                    "SELECT json_array(c.owner_id, c.account_id, (SELECT o.id FROM opportunities o WHERE o.contact_id = c.id \
                       AND o.status IN ('meeting_booked', 'meeting_held', 'opportunity_created')), c.stage, \
                       (SELECT count(*) FROM replies r WHERE r.id = :reply AND r.contact_id = c.id)) \
                     FROM contacts c WHERE c.id = :contact",
                    libsql::named_params! {":contact": contact_id.as_str(), ":reply": reply_id.as_deref()},
                    single::<String>,
                )
                .await?;
            let Some(facts) = facts else {
                return Err(AppError::invalid("contact_id", "exists", "no contact has this id"));
            };
            let (owner, account_id, open, stage, replied): (Option<String>, Option<String>, Option<String>, Stage, i64) =
                serde_json::from_str(&facts).map_err(internal)?;
            principal.require_owner(owner.as_deref())?;
            if let Some(open) = open {
                let message = format!("this contact already has an open opportunity ({open}); move that one instead");
                return Err(AppError::refused("contact_id", "one_open", message));
            }
            let mut batch = Batch::new();
            audit::record_in(&mut batch, &actor, "opportunity.create", ENTITY, &id, None)?;
            if let Some(reply_id) = &reply_id {
                if replied == 0 {
                    return Err(AppError::invalid("reply_id", "exists", "no reply from this contact has this id"));
                }
                batch.push(
                    "UPDATE replies SET handled_at = coalesce(handled_at, ?2), handled_by = coalesce(handled_by, ?3), \
                     updated_at = ?2 WHERE id = ?1",
                    libsql::params![reply_id.as_str(), at.as_str(), principal.user_id.as_str()],
                )?;
            }
            let created = batch.push(
                concat!(
                    "INSERT INTO opportunities (id, contact_id, account_id, status, meeting_at, amount_minor, currency, notes, \
                     owner_id, reply_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING ",
                    opportunity_columns!()
                ),
                libsql::params![
                    id.as_str(),
                    contact_id.as_str(),
                    account_id,
                    status.as_str(),
                    meeting_at,
                    amount,
                    currency,
                    notes,
                    owner.unwrap_or_else(|| principal.user_id.clone()),
                    reply_id,
                    at.as_str()
                ],
            )?;
            follow_in(&mut batch, &actor, &contact_id, stage, status, &at)?;
            Ok((batch, created))
        })
        .await?;
    let opportunity = outcome.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/opportunities/{id}"), &opportunity)
}
