//! Follow-ups: scheduled next actions, made by people, by a "not now" reply (90 days later) and
//! later by the follow-up planner. Pending until done, skipped or cancelled.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{Channel, FollowupStatus};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Keyset, Page, Query, RequestMeta, Routes};
use crate::lifecycle::{Change, Lifecycle, Move, Record, Written};
use crate::store::{Batch, Conn, Row, from_row, single};
use crate::validate::Check;

const ENTITY: &str = "followup";

/// The follow-ups' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/followups", Signed(WriteData), handler!(create))
        .get("/api/v1/followups", Signed(ReadData), handler!(list))
        .patch("/api/v1/followups/{id}", Signed(WriteData), handler!(update))
}

/// A follow-up's lifecycle: pending until done, skipped or cancelled, each final (and a final
/// one does not change at all).
impl Lifecycle for FollowupStatus {
    const RECORD: &'static str = "a follow-up";
    const STATUSES: &'static [Self] = Self::ALL;

    fn next_statuses(self) -> &'static [Self] {
        use FollowupStatus::*;
        match self {
            Pending => &[Done, Skipped, Cancelled],
            Done | Skipped | Cancelled => &[],
        }
    }
}

/// A scheduled next action.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Followup {
    pub id: String,
    pub contact_id: String,
    /// The contact's name.
    pub contact_name: String,
    /// The reply that caused it, if any.
    pub reply_id: Option<String>,
    pub channel: Channel,
    /// pending, done, skipped or cancelled.
    pub status: FollowupStatus,
    pub due_at: String,
    pub reason: Option<String>,
    pub owner_id: Option<String>,
    pub completed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

macro_rules! followup_columns {
    () => {
        "followups.id, followups.contact_id, \
         (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = followups.contact_id) \
         AS contact_name, \
         followups.reply_id, followups.channel, followups.status, followups.due_at, followups.reason, followups.owner_id, \
         followups.completed_at, followups.created_at, followups.updated_at"
    };
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored follow-up: {e}"))
}

/// A row of `followup_columns`: a follow-up whose contact may have no name.
#[derive(Deserialize)]
struct FollowupRow {
    id: String,
    contact_id: String,
    contact_name: Option<String>,
    reply_id: Option<String>,
    channel: Channel,
    status: FollowupStatus,
    due_at: String,
    reason: Option<String>,
    owner_id: Option<String>,
    completed_at: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<FollowupRow> for Followup {
    fn from(row: FollowupRow) -> Self {
        Self {
            id: row.id,
            contact_id: row.contact_id,
            contact_name: row.contact_name.unwrap_or_default(),
            reply_id: row.reply_id,
            channel: row.channel,
            status: row.status,
            due_at: row.due_at,
            reason: row.reason,
            owner_id: row.owner_id,
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A follow-up's row with its contact's owner (`contact`, a JSON array; null without the contact).
#[derive(Deserialize)]
struct FollowupWithContact {
    #[serde(flatten)]
    followup: FollowupRow,
    contact: Option<String>,
}

/// A follow-up as a change loads it: with its contact's owner.
struct Loaded {
    followup: Followup,
    owner: Option<String>,
}

impl Loaded {
    /// The follow-up `id` and its contact's owner (one call); a follow-up whose contact is gone
    /// is not found.
    async fn load(conn: &Conn, id: &str) -> AppResult<Self> {
        let (followup, contact) = conn
            .query_one(
                ENTITY,
                concat!(
                    "SELECT ",
                    followup_columns!(),
                    ", (SELECT json_array(c.owner_id) FROM contacts c WHERE c.id = followups.contact_id) AS contact \
                     FROM followups WHERE id = ?1"
                ),
                [id],
                |row| {
                    let FollowupWithContact { followup, contact } = from_row(row)?;
                    Ok((Followup::from(followup), contact))
                },
            )
            .await?;
        let Some(contact) = contact else { return Err(AppError::NotFound("contact")) };
        let (owner,): (Option<String>,) = serde_json::from_str(&contact).map_err(internal)?;
        Ok(Self { followup, owner })
    }
}

/// A follow-up changes by its contact's owner; the audit log keeps its status and due time.
impl Record for Loaded {
    type Status = FollowupStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> FollowupStatus {
        self.followup.status
    }

    fn may_change(&self, principal: &Principal) -> AppResult<()> {
        principal.require_owner(self.owner.as_deref())
    }

    fn audit_view(&self) -> serde_json::Value {
        audit_view(self.followup.status, &self.followup.due_at)
    }
}

/// What the audit log keeps of a follow-up.
fn audit_view(status: FollowupStatus, due_at: &str) -> serde_json::Value {
    serde_json::json!({"status": status, "due_at": due_at})
}

fn decode(row: &Row) -> AppResult<Followup> {
    from_row::<FollowupRow>(row).map(Followup::from)
}

/// `POST /api/v1/followups`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFollowup {
    /// Whom to follow up.
    pub contact_id: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// When (RFC 3339).
    pub due_at: String,
    /// Why, for the person who will do it.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Schedule a follow-up; it belongs to the contact's owner (or to you, for an unowned contact).
#[utoipa::path(post, path = "/api/v1/followups", tag = "followups", request_body = CreateFollowup,
    responses((status = 201, body = Followup), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateFollowup = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim()).map(|u| u.to_string()).ok();
    if contact_id.is_none() {
        c.fail("contact_id", "format", "must be an id");
    }
    let due_at = http::parse_time("due_at", &body.due_at)
        .map_err(|_| c.fail("due_at", "format", "must be an RFC 3339 time"))
        .ok();
    let reason = c.prose("reason", body.reason, 2000);
    c.finish(())?;
    let (contact_id, due_at) = (contact_id.unwrap_or_default(), due_at.unwrap_or_default());
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let id = new_id();
    let at = now();
    let (outcome, created) = conn
        .read_then_write(async |conn| {
            let owner: Option<Option<String>> =
                conn.query_opt("SELECT owner_id FROM contacts WHERE id = ?1", [contact_id.as_str()], single).await?;
            let Some(owner) = owner else { return Err(AppError::invalid("contact_id", "exists", "no contact has this id")) };
            principal.require_owner(owner.as_deref())?;
            let mut batch = Batch::new();
            let created = batch.push(
                concat!(
                    "INSERT INTO followups (id, contact_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6, ?7, ?7) RETURNING ",
                    followup_columns!()
                ),
                libsql::params![
                    id.as_str(),
                    contact_id.as_str(),
                    body.channel.as_str(),
                    due_at.as_str(),
                    reason.as_deref(),
                    owner.unwrap_or_else(|| principal.user_id.clone()),
                    at.as_str()
                ],
            )?;
            let view = serde_json::json!({"contact_id": contact_id, "due_at": due_at, "channel": body.channel});
            audit::record_with_in(&mut batch, &actor, "followup.create", ENTITY, &id, None, Some(&view), None)?;
            Ok((batch, created))
        })
        .await?;
    let followup = outcome.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/followups/{id}"), &followup)
}

/// Follow-ups by due time: pending ones by default; `contact_id`, `status`, `due_before`, `owner`
/// (a user id or `me`).
#[utoipa::path(get, path = "/api/v1/followups", tag = "followups",
    params(("contact_id" = Option<String>, Query), ("status" = Option<crate::domain::enums::FollowupStatus>, Query), ("due_before" = Option<String>, Query),
        ("owner" = Option<String>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Followup>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let status = q.closed::<FollowupStatus>("status")?.unwrap_or(FollowupStatus::Pending);
    let due_before = q.one("due_before").map(|t| http::parse_time("due_before", &t)).transpose()?;
    let owner = q.one("owner").map(|o| if o == "me" { principal.user_id.clone() } else { o });
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        followup_columns!(),
        " FROM followups WHERE status = :status AND (:contact IS NULL OR contact_id = :contact) \
         AND (:due_before IS NULL OR due_at < :due_before) AND (:owner IS NULL OR owner_id = :owner) AND ",
        crate::keyset!(asc "due_at", "id")
    );
    let filters = libsql::named_params! {
        ":status": status.as_str(), ":contact": contact, ":due_before": due_before, ":owner": owner,
    };
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |f| (f.due_at.clone(), f.id.clone())).await?)
}

/// `PATCH /api/v1/followups/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchFollowup {
    /// done, skipped or cancelled (from pending only).
    #[serde(default)]
    pub status: Option<FollowupStatus>,
    /// A new time (pending only).
    #[serde(default)]
    pub due_at: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Finish (done, skipped, cancelled) or reschedule a pending follow-up.
#[utoipa::path(patch, path = "/api/v1/followups/{id}", tag = "followups", request_body = PatchFollowup, params(("id" = String, Path)),
    responses((status = 200, body = Followup), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let body: PatchFollowup = http::body_json(&req)?;
    let mut c = Check::default();
    if body.status == Some(FollowupStatus::Pending) {
        c.fail("status", "one_of", "a follow-up can be done, skipped or cancelled");
    }
    let due_at = body.due_at.as_deref().and_then(|t| {
        http::parse_time("due_at", t).map_err(|_| c.fail("due_at", "format", "must be an RFC 3339 time")).ok()
    });
    let reason = c.prose("reason", body.reason, 2000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = Change { principal, actor: &actor, id: &id, reason: None };
    let conn = ctx.conn().await?;
    let at = now();
    let write = |before: &Loaded, moved: Option<FollowupStatus>, batch: &mut Batch| {
        let was = &before.followup;
        if was.status.next_statuses().is_empty() {
            let message = format!("the follow-up is {}; only a pending one changes", was.status);
            return Err(AppError::refused("status", "transition", message));
        }
        let returns = batch.push(
            concat!(
                "UPDATE followups SET status = coalesce(?2, status), due_at = coalesce(?3, due_at), reason = coalesce(?4, reason), \
                 completed_at = CASE WHEN ?2 IS NOT NULL THEN ?5 END, updated_at = ?5 WHERE id = ?1 RETURNING ",
                followup_columns!()
            ),
            libsql::params![id.as_str(), moved.map(FollowupStatus::as_str), due_at.as_deref(), reason, at.as_str()],
        )?;
        let audit_after = audit_view(moved.unwrap_or(was.status), due_at.as_deref().unwrap_or(&was.due_at));
        Ok(Written { action: "followup.update", returns, audit_after })
    };
    let followup =
        change.run(&conn, Move::Maybe(body.status), async |conn| Loaded::load(conn, &id).await, write, decode).await?;
    http::ok(&followup)
}
