//! Changing an opportunity: its status moves by its lifecycle (the contact's stage follows),
//! its meeting, amount and notes change, in one write with its audit entry.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::{
    ENTITY, Opportunity, OpportunityRow, check_held, decode, follow_in, internal, money, opportunity_columns,
    opportunity_id,
};
use crate::access::Principal;
use crate::domain::enums::{OpportunityStatus, Stage};
use crate::domain::now;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::lifecycle::{Change, Move, Record, Written};
use crate::store::{Batch, Conn, from_row};
use crate::validate::Check;

/// An opportunity's row with its contact's owner and stage (`contact`, a JSON array; null
/// without a contact).
#[derive(Deserialize)]
struct OpportunityWithContact {
    #[serde(flatten)]
    opportunity: OpportunityRow,
    contact: Option<String>,
}

/// An opportunity as a change loads it: with its contact's owner and stage, when it has a contact.
struct Loaded {
    opportunity: Opportunity,
    contact: Option<(Option<String>, Stage)>,
}

impl Loaded {
    /// The opportunity `id` and its contact (one call).
    async fn load(conn: &Conn, id: &str) -> AppResult<Self> {
        let (opportunity, contact) = conn
            .query_one(
                ENTITY,
                concat!(
                    "SELECT ",
                    opportunity_columns!(),
                    ", (SELECT json_array(c.owner_id, c.stage) FROM contacts c WHERE c.id = opportunities.contact_id) AS contact \
                     FROM opportunities WHERE id = :id"
                ),
                libsql::named_params! {":id": id},
                |row| {
                    let OpportunityWithContact { opportunity, contact } = from_row(row)?;
                    Ok((Opportunity::from(opportunity), contact))
                },
            )
            .await?;
        let contact = contact.map(|c| serde_json::from_str(&c)).transpose().map_err(internal)?;
        Ok(Self { opportunity, contact })
    }
}

/// An opportunity changes by its contact's owner (its own owner, without a contact); the audit
/// log keeps its status, meeting and amount.
impl Record for Loaded {
    type Status = OpportunityStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> OpportunityStatus {
        self.opportunity.status
    }

    fn may_change(&self, principal: &Principal) -> AppResult<()> {
        let owner = self.contact.as_ref().map_or(self.opportunity.owner_id.as_deref(), |(owner, _)| owner.as_deref());
        principal.require_owner(owner)
    }

    fn audit_view(&self) -> serde_json::Value {
        let o = &self.opportunity;
        audit_view(o.status, o.meeting_at.as_deref(), o.amount_minor, o.currency.as_deref())
    }
}

/// What the audit log keeps of an opportunity.
fn audit_view(
    status: OpportunityStatus,
    meeting_at: Option<&str>,
    amount_minor: Option<i64>,
    currency: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({"status": status, "meeting_at": meeting_at, "amount_minor": amount_minor, "currency": currency})
}

/// `PATCH /api/v1/opportunities/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOpportunity {
    /// One of the opportunity's `next_statuses`.
    #[serde(default)]
    pub status: Option<OpportunityStatus>,
    /// A new meeting time, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub meeting_at: Patch<String>,
    /// A new amount (with `currency`), or `null` with `currency: null`.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub amount_minor: Patch<i64>,
    /// ISO 4217.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub currency: Patch<String>,
    /// Notes, or `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
}

/// Move an opportunity's status (the contact's stage follows), reschedule its meeting, set its
/// amount or notes. A status move outside `next_statuses` is refused (409), and so is marking a
/// meeting held before it begins (give the time it was held in `meeting_at` with the move).
#[utoipa::path(patch, path = "/api/v1/opportunities/{id}", tag = "opportunities", request_body = PatchOpportunity,
    params(("id" = String, Path)),
    responses((status = 200, body = Opportunity), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = opportunity_id(&req)?;
    let body: PatchOpportunity = http::body_json(&req)?;
    let mut c = Check::default();
    let meeting_at = crate::validate::patched(body.meeting_at, |t| {
        t.and_then(|t| {
            http::parse_time("meeting_at", &t)
                .map_err(|_| c.fail("meeting_at", "format", "must be an RFC 3339 time"))
                .ok()
        })
    });
    let money_sent = body.amount_minor.is_present() || body.currency.is_present();
    let (amount, currency) = money(&mut c, body.amount_minor.value(), body.currency.value());
    let notes = crate::validate::patched(body.notes, |n| c.prose("notes", n, 20000));
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let write = |before: &Loaded, moved: Option<OpportunityStatus>, batch: &mut Batch| {
        let was = &before.opportunity;
        let meeting_at_after = meeting_at.as_ref().map_or(was.meeting_at.as_deref(), Option::as_deref);
        check_held(moved, meeting_at_after, &at)?;
        let returns = batch.push(
            concat!(
                "UPDATE opportunities SET status = coalesce(?2, status), \
                 meeting_at = CASE WHEN ?3 THEN ?4 ELSE meeting_at END, \
                 amount_minor = CASE WHEN ?5 THEN ?6 ELSE amount_minor END, \
                 currency = CASE WHEN ?5 THEN ?7 ELSE currency END, \
                 notes = CASE WHEN ?8 THEN ?9 ELSE notes END, updated_at = ?10 WHERE id = ?1 RETURNING ",
                opportunity_columns!()
            ),
            libsql::params![
                id.as_str(),
                moved.map(OpportunityStatus::as_str),
                meeting_at.is_some(),
                meeting_at.clone().flatten(),
                money_sent,
                amount,
                currency.clone(),
                notes.is_some(),
                notes.flatten(),
                at.as_str()
            ],
        )?;
        let audit_after = audit_view(
            moved.unwrap_or(was.status),
            meeting_at_after,
            if money_sent { amount } else { was.amount_minor },
            if money_sent { currency.as_deref() } else { was.currency.as_deref() },
        );
        if let (Some(to), Some(contact_id), Some((_, stage))) = (moved, &was.contact_id, &before.contact) {
            follow_in(batch, &actor, contact_id, *stage, to, &at)?;
        }
        Ok(Written { action: "opportunity.update", returns, audit_after })
    };
    let opportunity =
        change.run(&conn, Move::Maybe(body.status), async |conn| Loaded::load(conn, &id).await, write, decode).await?;
    http::ok(&opportunity)
}
