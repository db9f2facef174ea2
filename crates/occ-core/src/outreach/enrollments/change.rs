//! A person's changes to an enrollment: pause (until resumed, or until a time), resume, and
//! exit, each checked against the enrollment's lifecycle and kept in the audit log.

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use serde::Deserialize;

use super::{ENTITY, Enrollment, enrollment_columns, enrollment_id};
use crate::access::Principal;
use crate::domain::enums::{EnrollmentStatus, ExitReason};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::lifecycle::{self, Record, Written};
use crate::store::{Batch, Conn, from_row};

/// An enrollment's row with its contact's owner.
#[derive(Deserialize)]
struct EnrollmentWithOwner {
    #[serde(flatten)]
    enrollment: Enrollment,
    owner: Option<String>,
}

/// An enrollment changes by its contact's owner; the audit log keeps its status, why it ended,
/// until when it is paused, and whose it is.
impl Record for EnrollmentWithOwner {
    type Status = EnrollmentStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> EnrollmentStatus {
        self.enrollment.status
    }

    fn may_change(&self, principal: &Principal) -> AppResult<()> {
        principal.require_owner(self.owner.as_deref())
    }

    fn audit_view(&self) -> serde_json::Value {
        let e = &self.enrollment;
        audit_view(e.status, e.exit_reason, e.paused_until.as_deref(), &e.contact_id)
    }
}

/// What the audit log keeps of an enrollment.
fn audit_view(
    status: EnrollmentStatus,
    exit_reason: Option<ExitReason>,
    paused_until: Option<&str>,
    contact_id: &str,
) -> serde_json::Value {
    serde_json::json!({"status": status, "exit_reason": exit_reason, "paused_until": paused_until, "contact_id": contact_id})
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

/// What a person asks of an enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Pause,
    Resume,
    Exit,
}

async fn change(ctx: &Ctx, req: Request<Bytes>, what: Verb) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = enrollment_id(&req)?;
    let body: Change = if req.body().is_empty() { Change::default() } else { http::body_json(&req)? };
    let reason = body.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::invalid("reason", "max_length", "must be at most 2000 characters"));
    }
    let until = match (&body.until, what) {
        (Some(text), Verb::Pause) => Some(http::parse_time("until", text)?),
        (Some(_), _) => return Err(AppError::invalid("until", "not_allowed", "only a pause has an end")),
        (None, _) => None,
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let change = lifecycle::Change { principal, actor: &actor, id: &id, reason };
    let at = now();
    let (to, sql, action) = match what {
        Verb::Pause => (
            EnrollmentStatus::Paused,
            "UPDATE enrollments SET status = 'paused', paused_until = ?2, updated_at = ?3 WHERE id = ?1 AND status = 'active'",
            "enrollment.pause",
        ),
        Verb::Resume => (
            EnrollmentStatus::Active,
            "UPDATE enrollments SET status = 'active', paused_until = NULL, updated_at = ?3 WHERE id = ?1 AND status = 'paused'",
            "enrollment.resume",
        ),
        Verb::Exit => (
            EnrollmentStatus::Exited,
            "UPDATE enrollments SET status = 'exited', exit_reason = 'manual', paused_until = NULL, next_due_at = NULL, \
             ended_at = ?3, updated_at = ?3 WHERE id = ?1 AND status IN ('active', 'paused')",
            "enrollment.exit",
        ),
    };
    let load = async |conn: &Conn| {
        conn.query_one(
            ENTITY,
            concat!(
                "SELECT ",
                enrollment_columns!(),
                ", (SELECT c.owner_id FROM contacts c WHERE c.id = e.contact_id) AS owner FROM enrollments e WHERE e.id = ?1"
            ),
            [id.as_str()],
            from_row::<EnrollmentWithOwner>,
        )
        .await
    };
    let write = |before: &EnrollmentWithOwner, _, batch: &mut Batch| {
        batch.push(sql, libsql::params![id.as_str(), until.as_deref(), at.as_str()])?;
        let returns = batch
            .push(concat!("SELECT ", enrollment_columns!(), " FROM enrollments e WHERE e.id = ?1"), [id.as_str()])?;
        let was = &before.enrollment;
        let exit_reason = if what == Verb::Exit { Some(ExitReason::Manual) } else { was.exit_reason };
        let audit_after = audit_view(to, exit_reason, until.as_deref(), &was.contact_id);
        Ok(Written { action, returns, audit_after })
    };
    let changed: Enrollment = change.run(&ctx.conn().await?, lifecycle::Move::To(to), load, write, from_row).await?;
    http::with_status(StatusCode::OK, &changed)
}

/// Pause an active enrollment: no step fires until it is resumed (or `until` comes).
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/pause", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn pause(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Verb::Pause).await
}

/// Resume a paused enrollment; a step that came due meanwhile fires at the next tick.
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/resume", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn resume(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Verb::Resume).await
}

/// Take a contact out of the sequence (exit reason `manual`; the reason is kept in the audit log).
#[utoipa::path(post, path = "/api/v1/enrollments/{id}/exit", tag = "enrollments", request_body = Change, params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 409, body = ErrorResponse)))]
pub(crate) async fn exit(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    change(ctx, req, Verb::Exit).await
}
