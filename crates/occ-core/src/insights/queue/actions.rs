//! Acting on Today's items: done (what it means depends on the kind), skip (a task or an email
//! that will not be done) and snooze.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::DEFAULT_SNOOZE_HOURS;
use crate::access::Principal;
use crate::audit;
use crate::contacts::actions::Mover;
use crate::domain::enums::Stage;
use crate::domain::now;
use crate::domain::stored;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::outreach::touchpoints::{self, RecordTouch};
use crate::store::{Batch, Conn, from_row, single};

/// An item's name, read from the path: its kind and the id it points at.
fn item(req: &Request<Bytes>) -> AppResult<(String, String)> {
    http::path_id(req, "item", "queue item", |text| {
        // `draft%3A…` is the same name as `draft:…`.
        let text = text.replacen("%3A", ":", 1).replacen("%3a", ":", 1);
        let (kind, id) = text.split_once(':')?;
        let id = uuid::Uuid::try_parse(id).ok()?.to_string();
        ["reply", "meeting", "followup", "draft", "contact"].contains(&kind).then(|| (kind.to_owned(), id))
    })
}

/// An item's facts as SQL (`$sql` answers a `fact` and the contact's `owner` for `:id`): the
/// read, with the value that stands for both, and the check that this value is unchanged.
macro_rules! item_facts {
    ($sql:literal) => {
        (
            concat!("SELECT fact, owner, json_array(fact, owner) AS seen FROM (", $sql, ")"),
            concat!("(SELECT json_array(fact, owner) FROM (", $sql, ")) IS :seen"),
        )
    };
}

/// What `done` did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DoneResult {
    /// The item.
    pub item: String,
    /// handled (a reply), done (a follow-up), recorded (a task or email: its touchpoint),
    /// prepared (a meeting), researched (a contact).
    pub outcome: String,
    /// The touchpoint recorded for a task.
    pub touchpoint_id: Option<String>,
}

/// `POST /api/v1/queue/{item}/done`: for a call, how it went.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Done {
    /// Calls: connected, voicemail, no_answer, wrong_number or meeting_booked.
    #[serde(default)]
    pub call_outcome: Option<crate::domain::enums::CallOutcome>,
    /// Calls: seconds.
    #[serde(default)]
    pub duration_seconds: Option<i64>,
    /// What happened.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Mark an item done: a reply is handled, a follow-up done, a task or an email recorded as sent
/// (its touchpoint), a meeting prepared, a contact researched. A draft awaiting review is
/// approved or rejected in Review instead (409).
#[utoipa::path(post, path = "/api/v1/queue/{item}/done", tag = "queue", request_body = Option<Done>, params(("item" = String, Path)),
    responses((status = 200, body = DoneResult), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn done(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let (kind, id) = item(&req)?;
    let body: Done = if req.body().is_empty() { Done::default() } else { http::body_json(&req)? };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let name = format!("{kind}:{id}");
    let conn = ctx.conn().await?;
    let at = now();
    let (conn, actor, body, kind, id, name, at) =
        (&conn, &actor, &body, kind.as_str(), id.as_str(), &name, at.as_str());
    // What the item's change depends on is read outside any transaction; its batch first
    // confirms it is unchanged.
    let reading = || async move {
        let (outcome, planned) = conn
            .read_then_batch(|| async move {
                let mut batch = Batch::new();
                let planned = match kind {
                    "reply" => {
                        let facts = item_facts!(
                            "SELECT r.id AS fact, c.owner_id AS owner FROM replies r \
                             JOIN contacts c ON c.id = r.contact_id WHERE r.id = :id"
                        );
                        let (_, owner) = facts_confirmed(conn, &mut batch, facts, id).await?;
                        principal.require_owner(owner.as_deref())?;
                        batch.push(
                            "UPDATE replies SET handled_at = coalesce(handled_at, ?2), \
                             handled_by = coalesce(handled_by, ?3), updated_at = ?2 WHERE id = ?1",
                            libsql::params![id, at, principal.user_id.as_str()],
                        )?;
                        audit::record_in(&mut batch, actor, "reply.handled", "reply", id, None)?;
                        Planned::Done("handled")
                    }
                    "followup" => {
                        let facts = item_facts!(
                            "SELECT f.status AS fact, c.owner_id AS owner FROM followups f \
                             JOIN contacts c ON c.id = f.contact_id WHERE f.id = :id"
                        );
                        let (status, owner) = facts_confirmed(conn, &mut batch, facts, id).await?;
                        principal.require_owner(owner.as_deref())?;
                        if status != "pending" {
                            return Err(AppError::refused(
                                "status",
                                "transition",
                                "the follow-up is no longer pending",
                            ));
                        }
                        batch.push(
                            "UPDATE followups SET status = 'done', completed_at = ?2, updated_at = ?2 WHERE id = ?1",
                            libsql::params![id, at],
                        )?;
                        audit::record_in(&mut batch, actor, "followup.done", "followup", id, None)?;
                        Planned::Done("done")
                    }
                    "draft" => {
                        let touch = task(id, body);
                        Planned::Recorded(touchpoints::record(conn, &mut batch, principal, actor, touch).await?)
                    }
                    "meeting" => {
                        let facts = item_facts!(
                            "SELECT coalesce(o.meeting_at, o.created_at) AS fact, c.owner_id AS owner \
                             FROM opportunities o LEFT JOIN contacts c ON c.id = o.contact_id WHERE o.id = :id"
                        );
                        let (meeting_at, owner) = facts_confirmed(conn, &mut batch, facts, id).await?;
                        principal.require_owner(owner.as_deref())?;
                        // Prepared: it leaves this user's queue for good (the window ends with the meeting).
                        let until = DateTime::parse_from_rfc3339(&meeting_at)
                            .map(|t| stored(t.with_timezone(&Utc) + Duration::hours(2)))
                            .unwrap_or_else(|_| stored(Utc::now() + Duration::hours(26)));
                        batch.push(PUT_OFF, libsql::params![principal.user_id.as_str(), name.as_str(), until, at])?;
                        Planned::Done("prepared")
                    }
                    _ => {
                        let (owner, mut contact) =
                            Mover::read_for(conn, &mut batch, id, at).await?.ok_or(AppError::NotFound("queue item"))?;
                        principal.require_owner(owner.as_deref())?;
                        contact.advance(&mut batch, actor, Stage::Researched, "contact.researched")?;
                        Planned::Done("researched")
                    }
                };
                Ok((batch, planned))
            })
            .await?;
        let (done, touchpoint_id) = match planned {
            Planned::Done(done) => (done, None),
            Planned::Recorded(recording) => ("recorded", Some(recording.read(&outcome)?.0.id)),
        };
        Ok(DoneResult { item: name.clone(), outcome: done.to_owned(), touchpoint_id })
    };
    // A task or an email: its touch in one round trip when its rules hold in SQL.
    if kind == "draft"
        && let Some((batch, read)) = touchpoints::plan_unread(ctx, principal, actor, &task(id, body))?
    {
        let recorded = |outcome| {
            let (touch, _) = read(outcome)?;
            Ok(DoneResult { item: name.clone(), outcome: "recorded".to_owned(), touchpoint_id: Some(touch.id) })
        };
        return http::ok(&conn.batch_or_else(batch, recorded, reading).await?);
    }
    http::ok(&reading().await?)
}

/// The touch that marks the task or email of draft `id` done.
fn task(id: &str, body: &Done) -> RecordTouch {
    RecordTouch {
        draft_id: Some(id.to_owned()),
        call_outcome: body.call_outcome,
        duration_seconds: body.duration_seconds,
        notes: body.notes.clone(),
        ..RecordTouch::default()
    }
}

/// What `done` planned: an outcome known before the writes, or a touch the batch records.
enum Planned {
    Done(&'static str),
    Recorded(touchpoints::Recording),
}

/// An item's facts as [`item_facts!`] reads them: the fact, the contact's owner and the value
/// that stands for both.
#[derive(Deserialize)]
struct Facts {
    fact: String,
    owner: Option<String>,
    seen: String,
}

/// The item's row read by [`item_facts!`]: a fact and the contact's owner (404 when it is
/// gone); `batch` gets the check that they are unchanged when it runs.
async fn facts_confirmed(
    conn: &Conn,
    batch: &mut Batch,
    (read, check): (&'static str, &'static str),
    id: &str,
) -> AppResult<(String, Option<String>)> {
    let Facts { fact, owner, seen } = conn
        .query_opt(read, libsql::named_params! {":id": id}, from_row)
        .await?
        .ok_or(AppError::NotFound("queue item"))?;
    batch.require_unchanged(check, libsql::named_params! {":id": id, ":seen": seen})?;
    Ok((fact, owner))
}

/// Puts an item off for a user until a time (`?1` user, `?2` item, `?3` until, `?4` now).
const PUT_OFF: &str = "INSERT INTO queue_snoozes (user_id, item, until, created_at) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (user_id, item) DO UPDATE SET until = excluded.until, created_at = excluded.created_at";

/// `POST /api/v1/queue/{item}/snooze`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Snooze {
    /// Until when (RFC 3339, in the future, within 30 days).
    #[serde(default)]
    pub until: Option<String>,
    /// Or for how many hours (1-720). Without either: 4 hours.
    #[serde(default)]
    pub hours: Option<i64>,
}

/// When a snoozed item comes back.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Snoozed {
    /// The item.
    pub item: String,
    /// When it returns to the queue.
    pub until: String,
}

/// Put an item off until later (for you only).
#[utoipa::path(post, path = "/api/v1/queue/{item}/snooze", tag = "queue", request_body = Option<Snooze>, params(("item" = String, Path)),
    responses((status = 200, body = Snoozed), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn snooze(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let (kind, id) = item(&req)?;
    let body: Snooze = if req.body().is_empty() { Snooze::default() } else { http::body_json(&req)? };
    let at = Utc::now();
    let until = match (body.until, body.hours) {
        (Some(_), Some(_)) => return Err(AppError::invalid("until", "one_of", "give until or hours, not both")),
        (Some(text), None) => {
            let until = DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| AppError::invalid("until", "format", "must be an RFC 3339 time"))?
                .with_timezone(&Utc);
            if until <= at || until > at + Duration::days(30) {
                return Err(AppError::invalid("until", "range", "must be in the future and within 30 days"));
            }
            until
        }
        (None, Some(hours)) if (1..=720).contains(&hours) => at + Duration::hours(hours),
        (None, Some(_)) => return Err(AppError::invalid("hours", "range", "must be from 1 to 720")),
        (None, None) => at + Duration::hours(DEFAULT_SNOOZE_HOURS),
    };
    let name = format!("{kind}:{id}");
    let until = stored(until);
    ctx.conn()
        .await?
        .write(PUT_OFF, libsql::params![principal.user_id.as_str(), name.as_str(), until.as_str(), stored(at)])
        .await?;
    http::ok(&Snoozed { item: name, until })
}

/// `POST /api/v1/queue/{item}/skip`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Skip {
    /// Why (kept on the draft and in the audit log); at most 500 characters.
    #[serde(default)]
    pub reason: Option<String>,
}

/// What `skip` did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    /// The item.
    pub item: String,
    /// The draft, now archived.
    pub draft_id: String,
}

/// Skip an approved task or email (`draft:` items): it will not be done or sent, and its draft
/// is archived with the reason. The sequence goes on with its next step. An email whose send is
/// in flight or waiting to be checked cannot be skipped (409).
#[utoipa::path(post, path = "/api/v1/queue/{item}/skip", tag = "queue", request_body = Option<Skip>, params(("item" = String, Path)),
    responses((status = 200, body = Skipped), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn skip(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let (kind, id) = item(&req)?;
    if kind != "draft" {
        return Err(AppError::invalid("item", "one_of", "only a task or an email (a draft: item) can be skipped"));
    }
    let body: Skip = if req.body().is_empty() { Skip::default() } else { http::body_json(&req)? };
    let reason = body.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(AppError::invalid("reason", "max_length", "must be at most 500 characters"));
    }
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (conn, actor, id, at, reason) = (&conn, &actor, id.as_str(), at.as_str(), reason.as_deref());
    /// What a skip depends on: the draft's status, its contact's owner and whether its email
    /// is being sent or waits to be checked.
    macro_rules! skip_facts {
        () => {
            "json_array(d.approval_status, c.owner_id, EXISTS (SELECT 1 FROM touchpoints t WHERE t.draft_id = d.id \
               AND t.status IN ('reserved', 'sending', 'unknown'))) \
             FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?1"
        };
    }
    // Read outside any transaction; the batch writes only if what was read is unchanged.
    conn.read_then_batch(|| async move {
        let facts: String = conn
            .query_opt(concat!("SELECT ", skip_facts!()), [id], single)
            .await?
            .ok_or(AppError::NotFound("queue item"))?;
        let (status, owner, sending): (String, Option<String>, i64) =
            serde_json::from_str(&facts).map_err(|e| AppError::Internal(e.into()))?;
        principal.require_owner(owner.as_deref())?;
        if status != "approved" {
            return Err(AppError::refused("status", "transition", format!("the draft is {status}; only an approved one can be skipped")));
        }
        if sending != 0 {
            return Err(AppError::refused(
                "status",
                "sending",
                "its email is being sent or waits to be checked: mark the send sent or not sent first",
            ));
        }
        let mut batch = Batch::new();
        batch.require_unchanged(concat!("(SELECT ", skip_facts!(), ") IS ?2"), libsql::params![id, facts.as_str()])?;
        audit::record_in(&mut batch, actor, "draft.skipped", "draft", id, reason)?;
        batch.push(
            "UPDATE message_drafts SET approval_status = 'archived', notes = coalesce(?3, notes), updated_at = ?2 WHERE id = ?1",
            libsql::params![id, at, reason.map(|r| format!("Skipped: {r}"))],
        )?;
        Ok((batch, ()))
    })
    .await?;
    http::ok(&Skipped { item: format!("draft:{id}"), draft_id: id.to_owned() })
}
