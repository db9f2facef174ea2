//! Meetings and the opportunities they become. A contact has at most one open opportunity
//! (booked, held or created); its status moves forward by its lifecycle (`next_statuses`), and the contact's
//! stage follows each move (booked → meeting_booked, held → meeting_held, created →
//! opportunity, disqualified → not_interested, lost → dormant) where the stage machine allows.
//! Booking a meeting ends the contact's sequence and archives what was waiting to be sent.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::stage::may_move;
use crate::domain::enums::{OpportunityStatus, Stage};
use crate::domain::{Lifecycle, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Patch, Query, RequestMeta, Routes};
use crate::outreach::enrollments::advance::advance_in;
use crate::store::{Batch, Conn, Row, from_row, single};
use crate::validate::Check;

const ENTITY: &str = "opportunity";

/// The opportunities' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/opportunities", Signed(WriteData), handler!(create))
        .get("/api/v1/opportunities", Signed(ReadData), handler!(list))
        .get("/api/v1/opportunities/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/opportunities/{id}", Signed(WriteData), handler!(update))
}

/// An opportunity's lifecycle: forward only; disqualified and lost are final.
impl Lifecycle for OpportunityStatus {
    const RECORD: &'static str = "an opportunity";

    fn next_statuses(self) -> &'static [Self] {
        use OpportunityStatus::*;
        match self {
            MeetingBooked => &[MeetingHeld, Disqualified, Lost],
            MeetingHeld => &[OpportunityCreated, Disqualified, Lost],
            OpportunityCreated => &[Lost],
            Disqualified | Lost => &[],
        }
    }
}

/// Whether `status` is still open (the contact's one live opportunity).
pub fn is_open(status: OpportunityStatus) -> bool {
    matches!(
        status,
        OpportunityStatus::MeetingBooked | OpportunityStatus::MeetingHeld | OpportunityStatus::OpportunityCreated
    )
}

/// The contact stages an opportunity reaching `status` walks its contact through, in order
/// (each applied where the stage machine allows it from where the contact stands).
pub fn stages_for(status: OpportunityStatus) -> &'static [Stage] {
    match status {
        OpportunityStatus::MeetingBooked => &[Stage::Touched, Stage::MeetingBooked],
        OpportunityStatus::MeetingHeld => &[Stage::Touched, Stage::MeetingBooked, Stage::MeetingHeld],
        OpportunityStatus::OpportunityCreated => {
            &[Stage::Touched, Stage::MeetingBooked, Stage::MeetingHeld, Stage::Opportunity]
        }
        OpportunityStatus::Disqualified => &[Stage::NotInterested],
        OpportunityStatus::Lost => &[Stage::Dormant],
    }
}

/// A meeting or opportunity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Opportunity {
    pub id: String,
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    /// meeting_booked, meeting_held, opportunity_created, disqualified or lost.
    pub status: OpportunityStatus,
    /// The statuses it may move to next.
    pub next_statuses: Vec<OpportunityStatus>,
    pub meeting_at: Option<String>,
    /// The amount in minor units (cents), with its currency.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub notes: Option<String>,
    pub owner_id: Option<String>,
    /// The reply it was booked from.
    pub reply_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The columns [`decode`] reads, for `SELECT` and `RETURNING`.
macro_rules! opportunity_columns {
    () => {
        "opportunities.id, opportunities.contact_id, \
         (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = opportunities.contact_id) \
         AS contact_name, \
         opportunities.account_id, (SELECT a.name FROM accounts a WHERE a.id = opportunities.account_id) AS account_name, \
         opportunities.status, opportunities.meeting_at, opportunities.amount_minor, opportunities.currency, \
         opportunities.notes, opportunities.owner_id, opportunities.reply_id, opportunities.created_at, opportunities.updated_at"
    };
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored opportunity: {e}"))
}

/// A row of [`opportunity_columns`]: an opportunity without what follows from its status.
#[derive(Deserialize)]
struct OpportunityRow {
    id: String,
    contact_id: Option<String>,
    contact_name: Option<String>,
    account_id: Option<String>,
    account_name: Option<String>,
    status: OpportunityStatus,
    meeting_at: Option<String>,
    amount_minor: Option<i64>,
    currency: Option<String>,
    notes: Option<String>,
    owner_id: Option<String>,
    reply_id: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<OpportunityRow> for Opportunity {
    fn from(row: OpportunityRow) -> Self {
        Self {
            id: row.id,
            contact_id: row.contact_id,
            contact_name: row.contact_name,
            account_id: row.account_id,
            account_name: row.account_name,
            status: row.status,
            next_statuses: row.status.next_statuses().to_vec(),
            meeting_at: row.meeting_at,
            amount_minor: row.amount_minor,
            currency: row.currency,
            notes: row.notes,
            owner_id: row.owner_id,
            reply_id: row.reply_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An opportunity's row with its contact's owner and stage (`contact`, a JSON array; null
/// without a contact).
#[derive(Deserialize)]
struct OpportunityWithContact {
    #[serde(flatten)]
    opportunity: OpportunityRow,
    contact: Option<String>,
}

/// Reads a row of [`opportunity_columns`].
pub(crate) fn decode(row: &Row) -> AppResult<Opportunity> {
    from_row::<OpportunityRow>(row).map(Opportunity::from)
}

async fn load(conn: &Conn, id: &str) -> AppResult<Opportunity> {
    conn.query_one(
        ENTITY,
        concat!("SELECT ", opportunity_columns!(), " FROM opportunities WHERE id = ?1"),
        [id],
        decode,
    )
    .await
}

/// Checks an amount and its currency: both or neither, the amount not negative, the currency
/// three letters (upper-cased).
fn money(c: &mut Check, amount: Option<i64>, currency: Option<String>) -> (Option<i64>, Option<String>) {
    let currency = currency.map(|v| v.trim().to_ascii_uppercase()).filter(|v| !v.is_empty());
    if let Some(code) = &currency
        && (code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()))
    {
        c.fail("currency", "format", "must be a three-letter ISO 4217 code such as USD");
    }
    if amount.is_some_and(|a| a < 0) {
        c.fail("amount_minor", "range", "must not be negative");
    }
    match (amount, &currency) {
        (Some(_), None) => c.fail("currency", "required", "an amount needs its currency"),
        (None, Some(_)) => c.fail("amount_minor", "required", "a currency needs an amount"),
        _ => {}
    }
    (amount, currency)
}

/// Moves the contact's stage along with the opportunity's status, as statements of the change's
/// batch: each stage of the walk that the stage machine allows from `from`, where the contact
/// stands (read before the batch), each scored at its stage. Booking a meeting ends the contact's sequence and archives what was waiting to be
/// sent; the database does that when the opportunity is inserted.
fn follow_in(
    batch: &mut Batch,
    actor: &Actor,
    contact_id: &str,
    from: Stage,
    status: OpportunityStatus,
    at: &str,
) -> AppResult<()> {
    let mut stage = from;
    let ids = [contact_id.to_owned()];
    for next in stages_for(status).iter().copied() {
        if may_move(stage, next) {
            advance_in(batch, actor, next, "contact.opportunity", &ids, at)?;
            stage = next;
        }
    }
    Ok(())
}

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

/// Opportunities, latest change first; filters `status` (one or more), `contact_id`, `owner`
/// (a user id or `me`).
#[utoipa::path(get, path = "/api/v1/opportunities", tag = "opportunities",
    params(("status" = Option<Vec<crate::domain::enums::OpportunityStatus>>, Query, description = "Several: repeat or comma-separate"), ("contact_id" = Option<String>, Query), ("owner" = Option<String>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Opportunity>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let statuses = q
        .many("status")
        .into_iter()
        .map(|s| s.parse::<OpportunityStatus>().map_err(|e| AppError::invalid("status", "one_of", e.to_string())))
        .collect::<AppResult<Vec<_>>>()?;
    let contact = q.id("contact_id")?;
    let owner = match q.one("owner") {
        Some(o) if o == "me" => Some(principal.user_id.clone()),
        Some(o) => Some(
            uuid::Uuid::try_parse(&o)
                .map_err(|_| AppError::invalid("owner", "format", "must be a user id or me"))?
                .to_string(),
        ),
        None => None,
    };
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    let statuses = (!statuses.is_empty())
        .then(|| serde_json::to_string(&statuses))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let (after_at, after_id) = after.map_or((None, None), |(a, i)| (Some(a), Some(i)));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                opportunity_columns!(),
                " FROM opportunities WHERE (?1 IS NULL OR status IN (SELECT value FROM json_each(?1))) \
                 AND (?2 IS NULL OR contact_id = ?2) AND (?3 IS NULL OR owner_id = ?3) \
                 AND (?4 IS NULL OR (updated_at, id) < (?4, ?5)) ORDER BY updated_at DESC, id DESC LIMIT ?6"
            ),
            libsql::params![statuses, contact, owner, after_at, after_id, i64::from(limit) + 1],
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |o| (o.updated_at.clone(), o.id.clone()))?)
}

fn opportunity_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// One opportunity.
#[utoipa::path(get, path = "/api/v1/opportunities/{id}", tag = "opportunities", params(("id" = String, Path)),
    responses((status = 200, body = Opportunity), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = opportunity_id(&req)?;
    http::ok(&load(&ctx.conn().await?, &id).await?)
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
/// amount or notes. A status move outside `next_statuses` is refused (409).
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
    let conn = ctx.conn().await?;
    let at = now();
    let (outcome, after) = conn
        .read_then_write(async |conn| {
            let (before, contact) = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "SELECT ",
                        opportunity_columns!(),
                        ", (SELECT json_array(c.owner_id, c.stage) FROM contacts c WHERE c.id = opportunities.contact_id) AS contact \
                         FROM opportunities WHERE id = :id"
                    ),
                    libsql::named_params! {":id": id.as_str()},
                    |row| {
                        let OpportunityWithContact { opportunity, contact } = from_row(row)?;
                        Ok((Opportunity::from(opportunity), contact))
                    },
                )
                .await?;
            let contact: Option<(Option<String>, Stage)> =
                contact.map(|c| serde_json::from_str(&c)).transpose().map_err(internal)?;
            let owner = contact.as_ref().map_or(before.owner_id.clone(), |(owner, _)| owner.clone());
            principal.require_owner(owner.as_deref())?;
            let moved = before.status.check_move(body.status)?;
            let mut batch = Batch::new();
            let after = batch.push(
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
            let view = |status: OpportunityStatus, meeting_at: Option<&str>, amount: Option<i64>, currency: Option<&str>| {
                serde_json::json!({"status": status, "meeting_at": meeting_at, "amount_minor": amount, "currency": currency})
            };
            let before_view = view(before.status, before.meeting_at.as_deref(), before.amount_minor, before.currency.as_deref());
            let after_view = view(
                moved.unwrap_or(before.status),
                meeting_at.as_ref().map_or(before.meeting_at.as_deref(), Option::as_deref),
                if money_sent { amount } else { before.amount_minor },
                if money_sent { currency.as_deref() } else { before.currency.as_deref() },
            );
            audit::record_with_in(&mut batch, &actor, "opportunity.update", ENTITY, &id, Some(&before_view), Some(&after_view), None)?;
            if let (Some(to), Some(contact_id), Some((_, stage))) = (moved, &before.contact_id, contact) {
                follow_in(&mut batch, &actor, contact_id, stage, to, &at)?;
            }
            Ok((batch, after))
        })
        .await?;
    let opportunity = outcome.one(ENTITY, after, decode)?;
    http::ok(&opportunity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::stage::may_move;

    #[test]
    fn statuses_only_move_forward_and_end() {
        let all = OpportunityStatus::ALL;
        for from in all {
            for to in from.next_statuses() {
                assert!(!to.next_statuses().contains(from), "{from} and {to} would loop");
            }
        }
        assert!(OpportunityStatus::Lost.next_statuses().is_empty());
        assert!(OpportunityStatus::Disqualified.next_statuses().is_empty());
        assert!(all.iter().filter(|s| is_open(**s)).all(|s| !s.next_statuses().is_empty()));
    }

    #[test]
    fn the_contact_walks_legal_stages_to_each_status() {
        // From a contact who replied positively, each status's walk is legal where it applies.
        for status in OpportunityStatus::ALL {
            let mut stage = Stage::RepliedPositive;
            for next in stages_for(*status) {
                if may_move(stage, *next) {
                    stage = *next;
                }
            }
            let expected = match status {
                OpportunityStatus::MeetingBooked => Stage::MeetingBooked,
                OpportunityStatus::MeetingHeld => Stage::MeetingHeld,
                OpportunityStatus::OpportunityCreated => Stage::Opportunity,
                OpportunityStatus::Disqualified => Stage::NotInterested,
                OpportunityStatus::Lost => Stage::Dormant,
            };
            assert_eq!(stage, expected, "{status}");
        }
    }
}
