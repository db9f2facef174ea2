//! Enrollments: a contact walking a sequence. One live (active or paused) enrollment per
//! contact; steps come due by day offset in the contact's time zone (see `due`); a person may
//! pause, resume or end one; the worker tick turns due steps into drafts.

pub(crate) mod advance;
pub mod due;

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{ContactStatus, EnrollmentStatus, ExitReason, Role, SequenceStatus, Stage};
use crate::domain::{Lifecycle, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::store::{Batch, Conn, from_row};
use advance::advance_in;

const ENTITY: &str = "enrollment";

/// The most contacts one request may enroll.
pub const MAX_ENROLL: usize = 500;

/// The enrollments' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/enrollments", Signed(WriteData), handler!(enroll))
        .get("/api/v1/enrollments", Signed(ReadData), handler!(list))
        .get("/api/v1/enrollments/{id}", Signed(ReadData), handler!(get))
        .post("/api/v1/enrollments/{id}/pause", Signed(WriteData), handler!(pause))
        .post("/api/v1/enrollments/{id}/resume", Signed(WriteData), handler!(resume))
        .post("/api/v1/enrollments/{id}/exit", Signed(WriteData), handler!(exit))
}

/// An enrollment's lifecycle: a person pauses, resumes or ends one (the worker completes it
/// after its last step); completed and exited are final.
impl Lifecycle for EnrollmentStatus {
    const RECORD: &'static str = "an enrollment";

    fn next_statuses(self) -> &'static [Self] {
        use EnrollmentStatus::*;
        match self {
            Active => &[Paused, Completed, Exited],
            Paused => &[Active, Exited],
            Completed | Exited => &[],
        }
    }
}

/// A contact in a sequence.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Enrollment {
    /// Its id.
    pub id: String,
    /// The contact.
    pub contact_id: String,
    /// The sequence.
    pub sequence_id: String,
    /// The sequence's name.
    pub sequence_name: String,
    /// The position of the next step to fire.
    pub current_step: i64,
    /// The sequence's steps.
    pub steps_total: i64,
    /// When the next step is due.
    pub next_due_at: Option<String>,
    /// active, paused, completed or exited.
    pub status: EnrollmentStatus,
    /// Why it exited.
    pub exit_reason: Option<ExitReason>,
    /// Paused until then (an out-of-office reply); null: until resumed.
    pub paused_until: Option<String>,
    /// Who enrolled the contact.
    pub enrolled_by: Option<String>,
    /// When it completed or exited.
    pub ended_at: Option<String>,
    /// When the contact was enrolled.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

macro_rules! enrollment_columns {
    () => {
        "e.id, e.contact_id, e.sequence_id, (SELECT s.name FROM sequences s WHERE s.id = e.sequence_id) AS sequence_name, \
         e.current_step, (SELECT count(*) FROM sequence_steps t WHERE t.sequence_id = e.sequence_id) AS steps_total, \
         e.next_due_at, e.status, \
         e.exit_reason, e.paused_until, e.enrolled_by, e.ended_at, e.created_at, e.updated_at"
    };
}

/// An enrollment's row with its contact's owner.
#[derive(Deserialize)]
struct EnrollmentWithOwner {
    #[serde(flatten)]
    enrollment: Enrollment,
    owner: Option<String>,
}

/// One enrollment (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Enrollment> {
    conn.query_one(
        ENTITY,
        concat!("SELECT ", enrollment_columns!(), " FROM enrollments e WHERE e.id = ?1"),
        [id],
        from_row,
    )
    .await
}

/// `POST /api/v1/enrollments`: the sequence, and one contact, a list, or a batch.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enroll {
    /// The sequence.
    pub sequence_id: String,
    /// One contact.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// Several contacts (up to 500).
    #[serde(default)]
    pub contact_ids: Option<Vec<String>>,
    /// Every member of a batch.
    #[serde(default)]
    pub batch_id: Option<String>,
}

/// One contact's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollResult {
    /// The contact.
    pub contact_id: String,
    /// Whether it was enrolled.
    pub ok: bool,
    /// The new enrollment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrollment_id: Option<String>,
    /// Why not: `{code, message}` (not_found, forbidden, do_not_contact, bounced, already_enrolled).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub error: Option<serde_json::Value>,
}

/// Every contact's outcome.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollResults {
    /// One per contact.
    pub results: Vec<EnrollResult>,
}

fn uuid_text(field: &str, text: &str) -> AppResult<String> {
    uuid::Uuid::try_parse(text.trim())
        .map(|u| u.to_string())
        .map_err(|_| AppError::invalid(field, "format", format!("{text:?} is not an id")))
}

/// What the database says about a contact to enroll (read from the JSON array the read
/// builds, in this order).
#[derive(Debug, Deserialize)]
struct Candidate {
    id: String,
    status: String,
    owner: Option<String>,
    timezone: String,
    /// The name of the sequence it is live in.
    live: Option<String>,
}

/// What the enrollment's read finds: the sequence (`[status, name]`, JSON), its first step's day
/// offset, the contacts (a JSON array of [`Candidate`]s), and whether the batch exists.
#[derive(Deserialize)]
struct EnrollFacts {
    sequence: Option<String>,
    first_offset: Option<i64>,
    candidates: Option<String>,
    batch_found: i64,
}

/// Why `candidate` may not be enrolled by `principal`, if it may not.
fn refusal(principal: &Principal, candidate: &Candidate) -> Option<serde_json::Value> {
    let status: ContactStatus = candidate.status.parse().unwrap_or(ContactStatus::DoNotContact);
    if principal.role == Role::Bdr && candidate.owner.as_deref().is_some_and(|o| o != principal.user_id) {
        failure("forbidden", "this contact belongs to another user")
    } else if matches!(status, ContactStatus::Bounced | ContactStatus::DoNotContact) {
        failure(status.as_str(), format!("the contact is {status} and is never contacted"))
    } else {
        let live = candidate.live.as_ref()?;
        failure("already_enrolled", format!("the contact is already in the sequence {live:?}"))
    }
}

fn failure(code: &str, message: impl Into<String>) -> Option<serde_json::Value> {
    Some(serde_json::json!({"code": code, "message": message.into()}))
}

/// Enroll one contact, a list, or a batch in a sequence. Each contact succeeds or fails on its
/// own (a contact is in one live sequence at a time; bounced and do-not-contact people are never
/// enrolled; a bdr enrolls only contacts it owns or nobody owns). Enrolled contacts move to the
/// sequencing stage where the stage machine allows it. One contact answers 201 with the
/// enrollment, or the error; a list or a batch answers 200 with every outcome.
#[utoipa::path(post, path = "/api/v1/enrollments", tag = "enrollments", request_body = Enroll,
    responses((status = 201, body = Enrollment), (status = 200, body = EnrollResults), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn enroll(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: Enroll = http::body_json(&req)?;
    let sequence_id = uuid_text("sequence_id", &body.sequence_id)?;
    let single = body.contact_id.is_some();
    let given = usize::from(body.contact_id.is_some())
        + usize::from(body.contact_ids.is_some())
        + usize::from(body.batch_id.is_some());
    if given != 1 {
        return Err(AppError::invalid("contact_id", "one_of", "give exactly one of contact_id, contact_ids, batch_id"));
    }
    let mut ids: Vec<String> = Vec::new();
    for text in body.contact_id.iter().chain(body.contact_ids.iter().flatten()) {
        let id = uuid_text(if single { "contact_id" } else { "contact_ids" }, text)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if body.contact_ids.is_some() && (ids.is_empty() || ids.len() > MAX_ENROLL) {
        return Err(AppError::invalid("contact_ids", "range", format!("must list 1 to {MAX_ENROLL} contacts")));
    }
    let batch = body.batch_id.as_deref().map(|b| uuid_text("batch_id", b)).transpose()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = chrono::Utc::now();
    let created = due::stored(at);
    let conn = ctx.conn().await?;
    let (outcome, (results, view)) = conn
        .read_then_write(async |conn| {
            let EnrollFacts { sequence, first_offset, candidates, batch_found } = conn
                .query_one(
                    "sequence",
                        "SELECT (SELECT json_array(s.status, s.name) FROM sequences s WHERE s.id = :sequence) AS sequence, \
                         (SELECT t.day_offset FROM sequence_steps t WHERE t.sequence_id = :sequence ORDER BY t.position LIMIT 1) \
                         AS first_offset, \
                         (SELECT json_group_array(json_array(c.id, c.status, c.owner_id, \
                            coalesce(c.timezone, a.timezone, \
                              (SELECT st.value ->> '$.timezone' FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), 'UTC'), \
                            (SELECT sq.name FROM enrollments e JOIN sequences sq ON sq.id = e.sequence_id \
                             WHERE e.contact_id = c.id AND e.status IN ('active', 'paused')))) \
                          FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id \
                          WHERE c.id IN (SELECT value FROM json_each(:ids)) \
                          OR c.id IN (SELECT b.contact_id FROM batch_prospects b WHERE b.batch_id = :batch)) AS candidates, \
                         (SELECT count(*) FROM batches WHERE id = :batch) AS batch_found",
                    libsql::named_params! {
                        ":sequence": sequence_id.as_str(), ":batch": batch.as_deref(),
                        ":ids": serde_json::to_string(&ids).map_err(|e| AppError::Internal(e.into()))?,
                    },
                    from_row,
                )
                .await?;
            let (status, name): (String, String) = match sequence {
                None => return Err(AppError::invalid("sequence_id", "exists", "no sequence has this id")),
                Some(text) => serde_json::from_str(&text).map_err(|e| AppError::Internal(e.into()))?,
            };
            if status != SequenceStatus::Active.as_str() {
                let message = format!("the sequence {name:?} is {status}; make it active to enroll contacts");
                return Err(AppError::refused("sequence_id", "status", message));
            }
            let Some(first_offset) = first_offset else {
                return Err(AppError::refused("sequence_id", "no_steps", "the sequence has no steps"));
            };
            if batch.is_some() && batch_found == 0 {
                return Err(AppError::invalid("batch_id", "exists", "no batch has this id"));
            }
            let candidates: Vec<Candidate> = match candidates {
                Some(text) => serde_json::from_str(&text).map_err(|e| AppError::Internal(e.into()))?,
                None => Vec::new(),
            };
            if batch.is_some() {
                ids = candidates.iter().map(|c| c.id.clone()).collect();
            }
            let mut results: Vec<EnrollResult> = Vec::with_capacity(ids.len());
            let mut rows: Vec<serde_json::Value> = Vec::new();
            let mut enrolled = Vec::new();
            for id in &ids {
                let error = match candidates.iter().find(|c| &c.id == id) {
                    None => failure("not_found", "contact not found"),
                    Some(candidate) => match refusal(principal, candidate) {
                        Some(error) => Some(error),
                        None => {
                            let enrollment = new_id();
                            let next = due::due_at(at, first_offset, due::zone(&candidate.timezone));
                            rows.push(serde_json::json!([enrollment, id, due::stored(next)]));
                            enrolled.push(id.clone());
                            results.push(EnrollResult { contact_id: id.clone(), ok: true, enrollment_id: Some(enrollment), error: None });
                            continue;
                        }
                    },
                };
                results.push(EnrollResult { contact_id: id.clone(), ok: false, enrollment_id: None, error });
            }
            // The read holds the write lock, so what it saw of live enrollments still holds:
            // every row inserts.
            let mut writes = Batch::new();
            writes.push(
                "INSERT INTO enrollments (id, contact_id, sequence_id, current_step, next_due_at, status, enrolled_by, \
                 created_at, updated_at) \
                 SELECT value ->> 0, value ->> 1, ?2, 1, value ->> 2, 'active', ?3, ?4, ?4 FROM json_each(?1)",
                libsql::params![serde_json::Value::Array(rows).to_string(), sequence_id.as_str(), actor.user_id.as_deref(), created.as_str()],
            )?;
            advance_in(&mut writes, &actor, Stage::Sequencing, "contact.enrolled", &enrolled, &created)?;
            let view = match results.first() {
                Some(EnrollResult { enrollment_id: Some(id), .. }) if single => Some(writes.push(
                    concat!("SELECT ", enrollment_columns!(), " FROM enrollments e WHERE e.id = ?1"),
                    [id.as_str()],
                )?),
                _ => None,
            };
            Ok((writes, (results, view)))
        })
        .await?;
    if !single {
        return http::ok(&EnrollResults { results });
    }
    let Some(result) = results.into_iter().next() else { return Err(AppError::NotFound("contact")) };
    match (result.enrollment_id, result.error, view) {
        (Some(id), _, Some(view)) => {
            let enrollment: Enrollment = outcome.one(ENTITY, view, from_row)?;
            http::created(&format!("/api/v1/enrollments/{id}"), &enrollment)
        }
        (Some(_), _, None) => Err(AppError::NotFound(ENTITY)),
        (None, error, _) => {
            let error = error.unwrap_or_default();
            let code = error["code"].as_str().unwrap_or_default();
            let message = error["message"].as_str().unwrap_or_default().to_owned();
            Err(match code {
                "not_found" => AppError::invalid("contact_id", "exists", message),
                "forbidden" => AppError::Forbidden(message),
                "already_enrolled" => AppError::refused("contact_id", "already_enrolled", message),
                _ => AppError::invalid("contact_id", code, message),
            })
        }
    }
}

/// A contact's or a sequence's enrollments, newest first.
#[utoipa::path(get, path = "/api/v1/enrollments", tag = "enrollments",
    params(("contact_id" = Option<String>, Query), ("sequence_id" = Option<String>, Query),
        ("status" = Option<crate::domain::enums::EnrollmentStatus>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Enrollment>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let sequence = q.id("sequence_id")?;
    if contact.is_none() && sequence.is_none() {
        return Err(AppError::invalid("contact_id", "required", "give contact_id or sequence_id"));
    }
    let status = q
        .one("status")
        .map(|s| s.parse::<EnrollmentStatus>().map_err(|e| AppError::invalid("status", "one_of", e.to_string())))
        .transpose()?;
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    let (after_at, after_id) = after.map_or((None, None), |(a, i)| (Some(a), Some(i)));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                enrollment_columns!(),
                " FROM enrollments e WHERE (?1 IS NULL OR e.contact_id = ?1) AND (?2 IS NULL OR e.sequence_id = ?2) \
                 AND (?3 IS NULL OR e.status = ?3) AND (?4 IS NULL OR (e.created_at, e.id) < (?4, ?5)) \
                 ORDER BY e.created_at DESC, e.id DESC LIMIT ?6"
            ),
            libsql::params![
                contact,
                sequence,
                status.map(EnrollmentStatus::as_str),
                after_at,
                after_id,
                i64::from(limit) + 1
            ],
            from_row::<Enrollment>,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |e| (e.created_at.clone(), e.id.clone()))?)
}

fn enrollment_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// One enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &enrollment_id(&req)?).await?)
}

/// `POST /api/v1/enrollments/{id}/pause`, `/resume`, `/exit`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Pause: resume by itself then (RFC 3339); absent: until resumed.
    #[serde(default)]
    pub until: Option<String>,
    /// Why (kept in the audit log).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A person's change to an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    Pause,
    Resume,
    Exit,
}

async fn change(ctx: &Ctx, req: Request<Bytes>, what: Move) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = enrollment_id(&req)?;
    let body: Change = if req.body().is_empty() { Change::default() } else { http::body_json(&req)? };
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid("reason", "max_length", "must be at most 2000 characters"));
    }
    let until = match (&body.until, what) {
        (Some(text), Move::Pause) => Some(http::parse_time("until", text)?),
        (Some(_), _) => return Err(AppError::invalid("until", "not_allowed", "only a pause has an end")),
        (None, _) => None,
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (outcome, after) = conn
        .read_then_write(async |conn| {
            let EnrollmentWithOwner { enrollment: before, owner } = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "SELECT ",
                        enrollment_columns!(),
                        ", (SELECT c.owner_id FROM contacts c WHERE c.id = e.contact_id) AS owner FROM enrollments e WHERE e.id = ?1"
                    ),
                    [id.as_str()],
                    from_row,
                )
                .await?;
            if principal.role == Role::Bdr {
                principal.require_owner(owner.as_deref())?;
            }
            let (to, sql, action): (EnrollmentStatus, &'static str, &str) = match what {
                Move::Pause => (
                    EnrollmentStatus::Paused,
                    "UPDATE enrollments SET status = 'paused', paused_until = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'active'",
                    "enrollment.pause",
                ),
                Move::Resume => (
                    EnrollmentStatus::Active,
                    "UPDATE enrollments SET status = 'active', paused_until = NULL, updated_at = ?3 WHERE id = ?1 AND status = 'paused'",
                    "enrollment.resume",
                ),
                Move::Exit => (
                    EnrollmentStatus::Exited,
                    "UPDATE enrollments SET status = 'exited', exit_reason = 'manual', paused_until = NULL, next_due_at = NULL, \
                     ended_at = ?3, updated_at = ?3 WHERE id = ?1 AND status IN ('active', 'paused')",
                    "enrollment.exit",
                ),
            };
            if !before.status.may_move(to) {
                return Err(before.status.refusal(to));
            }
            let mut batch = Batch::new();
            batch.push(sql, libsql::params![id.as_str(), until.as_deref(), at.as_str()])?;
            let after = batch.push(concat!("SELECT ", enrollment_columns!(), " FROM enrollments e WHERE e.id = ?1"), [id.as_str()])?;
            let view = |status: EnrollmentStatus, exit_reason: Option<ExitReason>, paused_until: Option<&str>| {
                serde_json::json!({"status": status, "exit_reason": exit_reason, "paused_until": paused_until, "contact_id": before.contact_id})
            };
            let exit_reason = if what == Move::Exit { Some(ExitReason::Manual) } else { before.exit_reason };
            let after_view = view(to, exit_reason, until.as_deref());
            let before_view = view(before.status, before.exit_reason, before.paused_until.as_deref());
            audit::record_with_in(&mut batch, &actor, action, ENTITY, &id, Some(&before_view), Some(&after_view), reason)?;
            Ok((batch, after))
        })
        .await?;
    let changed: Enrollment = outcome.one(ENTITY, after, from_row)?;
    http::with_status(StatusCode::OK, &changed)
}

/// Pause an active enrollment: no step fires until it is resumed (or `until` comes).
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/pause", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn pause(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Move::Pause).await
}

/// Resume a paused enrollment; a step that came due meanwhile fires at the next tick.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/resume", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn resume(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Move::Resume).await
}

/// Take a contact out of the sequence (exit reason `manual`; the reason is kept in the audit log).
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/exit", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn exit(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Move::Exit).await
}
