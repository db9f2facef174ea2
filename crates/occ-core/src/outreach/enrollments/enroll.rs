//! Enrolling contacts in a sequence: one contact, a list or a batch, each succeeding or failing
//! on its own, in one write that moves the enrolled contacts to the sequencing stage.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{ENTITY, Enrollment, due, enrollment_columns};
use crate::access::Principal;
use crate::contacts::actions::advance::advance_in;
use crate::domain::enums::{ContactStatus, Role, SequenceStatus, Stage};
use crate::domain::new_id;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, from_row};

/// The most contacts one request may enroll.
const MAX_ENROLL: usize = 500;

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
    let created = crate::domain::stored(at);
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
                            let next = due::due_at(at, first_offset, crate::domain::zone(&candidate.timezone));
                            rows.push(serde_json::json!([enrollment, id, crate::domain::stored(next)]));
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
