//! Enrollments: a contact walking a sequence. One live (active or paused) enrollment per
//! contact; steps come due by day offset in the contact's time zone (see `due`); a person may
//! pause, resume or end one; the worker tick turns due steps into drafts.
//!
//! Here: the routes, the resource, its lifecycle and its decoder; enrolling in `enroll`, the
//! list in `list`, a person's pause, resume and exit in `change`.

pub(crate) mod change;
pub mod due;
pub(crate) mod enroll;
pub(crate) mod list;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::domain::enums::{EnrollmentStatus, ExitReason};
use crate::error::{AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use crate::lifecycle::Lifecycle;
use crate::store::{Conn, from_row};

const ENTITY: &str = "enrollment";

/// The enrollments' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/enrollments", Signed(WriteData), handler!(enroll::enroll))
        .get("/api/v1/enrollments", Signed(ReadData), handler!(list::list))
        .get("/api/v1/enrollments/{id}", Signed(ReadData), handler!(get))
        .post("/api/v1/enrollments/{id}/pause", Signed(WriteData), handler!(change::pause))
        .post("/api/v1/enrollments/{id}/resume", Signed(WriteData), handler!(change::resume))
        .post("/api/v1/enrollments/{id}/exit", Signed(WriteData), handler!(change::exit))
}

/// An enrollment's lifecycle: a person pauses, resumes or ends one (the worker completes it
/// after its last step); completed and exited are final.
impl Lifecycle for EnrollmentStatus {
    const RECORD: &'static str = "an enrollment";
    const STATUSES: &'static [Self] = Self::ALL;

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
use enrollment_columns;

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

fn enrollment_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// One enrollment.
#[utoipa::path(get, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(("id" = String, Path)),
    responses((status = 200, body = Enrollment), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &enrollment_id(&req)?).await?)
}
