//! Meetings and the opportunities they become. A contact has at most one open opportunity
//! (booked, held or created); its status moves forward by its lifecycle (`next_statuses`), and
//! the contact's stage follows each move (booked → meeting_booked, held → meeting_held, created
//! → opportunity, disqualified → not_interested, lost → dormant) where the stage machine allows.
//! Booking a meeting ends the contact's sequence and archives what was waiting to be sent.
//!
//! Here: the routes, the resource, its lifecycle, its decoder and what both writes share;
//! booking in `create`, the list in `list`, changes in `update`.

pub(crate) mod create;
pub(crate) mod list;
pub(crate) mod update;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::audit::Actor;
use crate::contacts::actions::advance::advance_in;
use crate::domain::enums::{OpportunityStatus, Stage};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use crate::lifecycle::Lifecycle;
use crate::store::{Batch, Conn, Row, from_row};
use crate::validate::Check;

const ENTITY: &str = "opportunity";

/// The opportunities' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/opportunities", Signed(WriteData), handler!(create::create))
        .get("/api/v1/opportunities", Signed(ReadData), handler!(list::list))
        .get("/api/v1/opportunities/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/opportunities/{id}", Signed(WriteData), handler!(update::update))
}

/// An opportunity's lifecycle: forward only; disqualified and lost are final.
impl Lifecycle for OpportunityStatus {
    const RECORD: &'static str = "an opportunity";
    const STATUSES: &'static [Self] = Self::ALL;

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

/// The statuses an opportunity in `status` may move to now: the lifecycle's, but not held while
/// its meeting is still ahead of `now`.
pub fn next_statuses(status: OpportunityStatus, meeting_at: Option<&str>, now: &str) -> Vec<OpportunityStatus> {
    let ahead = meeting_at.is_some_and(|at| at > now);
    status.next_statuses().iter().copied().filter(|s| !(ahead && *s == OpportunityStatus::MeetingHeld)).collect()
}

/// Refuses marking held a meeting that is still ahead of `now` (at `meeting_at`, as the change
/// leaves it).
pub fn check_held(to: Option<OpportunityStatus>, meeting_at: Option<&str>, now: &str) -> AppResult<()> {
    match meeting_at {
        Some(at) if to == Some(OpportunityStatus::MeetingHeld) && at > now => Err(AppError::refused(
            "status",
            "meeting_ahead",
            format!(
                "the meeting is at {at}: it can be marked held once it has begun (or give the time it was held in meeting_at)"
            ),
        )),
        _ => Ok(()),
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
    /// The statuses it may move to next (held only once its meeting has begun).
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
use opportunity_columns;

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
            next_statuses: next_statuses(row.status, row.meeting_at.as_deref(), &now()),
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
/// stands (read before the batch), each scored at its stage. Booking a meeting ends the
/// contact's sequence and archives what was waiting to be sent; the database does that when the
/// opportunity is inserted.
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
        if stage.may_move(next) {
            advance_in(batch, actor, next, "contact.opportunity", &ids, at)?;
            stage = next;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
                if stage.may_move(*next) {
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
