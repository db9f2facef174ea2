//! Sequences (cadences): ordered steps, each a day offset, a channel and a message template.
//!
//! History is kept by forbidding destructive edits: while contacts are in a sequence (active
//! or paused), its steps may be edited in place and new steps added at the end, but not removed,
//! reordered or changed to another kind; archive it and create a new one instead. Drafts and
//! touches copy their text, so what was sent stays as it was whatever the template becomes.
//!
//! This file holds the routes, the resource and its decoder; the handlers live by concern in
//! `create`, `read`, `update` and `delete`, the checking and writing of steps in `steps`.

pub mod template;

use ::http::Request;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageSequences, ReadData};
use crate::access::Principal;
use crate::domain::enums::{Channel, SequenceStatus, StepKind};
use crate::error::{AppError, AppResult, EntityRef, FieldError};
use crate::handler;
use crate::http::{self, Routes};
use crate::lifecycle::{Lifecycle, Record};
use crate::store::{Conn, Row, from_row, single};

// A sequence's columns, with its steps and enrollment counts as JSON (`SequenceRow` decodes them);
// defined before the submodules, which read them.
macro_rules! sequence_columns {
    () => {
        "s.id, s.name, s.description, s.status, s.autopilot, s.owner_id, s.created_at, s.updated_at, \
         (SELECT json_group_array(json_object('id', t.id, 'position', t.position, 'day_offset', t.day_offset, \
            'channel', t.channel, 'kind', t.kind, 'subject', t.subject_template, 'template', t.body_template, \
            'is_break_up', json(CASE t.is_break_up WHEN 1 THEN 'true' ELSE 'false' END))) \
          FROM (SELECT * FROM sequence_steps WHERE sequence_id = s.id ORDER BY position) t) AS steps, \
         (SELECT json_object('active', count(*) FILTER (WHERE status = 'active'), \
            'paused', count(*) FILTER (WHERE status = 'paused'), 'completed', count(*) FILTER (WHERE status = 'completed'), \
            'exited', count(*) FILTER (WHERE status = 'exited')) FROM enrollments WHERE sequence_id = s.id) AS enrolled"
    };
}

pub(crate) mod create;
pub(crate) mod delete;
pub(crate) mod read;
mod steps;
pub(crate) mod update;

const ENTITY: &str = "sequence";

/// The most steps a sequence may have.
pub const MAX_STEPS: usize = 20;
/// LinkedIn's limit on a connection request's note.
pub const CONNECT_NOTE_MAX: usize = 300;

/// The sequences' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/sequences", Signed(ManageSequences), handler!(create::create))
        .get("/api/v1/sequences", Signed(ReadData), handler!(read::list))
        .get("/api/v1/sequences/{id}", Signed(ReadData), handler!(read::get))
        .patch("/api/v1/sequences/{id}", Signed(ManageSequences), handler!(update::update))
        .delete("/api/v1/sequences/{id}", Signed(ManageSequences), handler!(delete::delete))
}

/// A sequence's lifecycle: active, paused and archived, each reachable from the others (an
/// archived sequence can be brought back).
impl Lifecycle for SequenceStatus {
    const RECORD: &'static str = "a sequence";
    const STATUSES: &'static [Self] = Self::ALL;

    fn next_statuses(self) -> &'static [Self] {
        use SequenceStatus::*;
        match self {
            Active => &[Paused, Archived],
            Paused => &[Active, Archived],
            Archived => &[Active, Paused],
        }
    }
}

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    /// Its id (keep it in a PATCH to edit the step in place).
    pub id: String,
    /// 1, 2, 3 ...
    pub position: i64,
    /// Days after enrollment, in the contact's time zone.
    pub day_offset: i64,
    /// email, linkedin or call (follows from `kind`).
    pub channel: Channel,
    /// email, linkedin_connect, linkedin_message or call.
    pub kind: StepKind,
    /// The subject template (email only).
    pub subject: Option<String>,
    /// The message (or call script) template, with merge fields such as `{{first_name}}`.
    pub template: String,
    /// The last, polite "closing the file" message.
    pub is_break_up: bool,
}

/// How many contacts are in a sequence, by enrollment status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Enrolled {
    pub active: i64,
    pub paused: i64,
    pub completed: i64,
    pub exited: i64,
}

/// A sequence with its steps.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sequence {
    /// Its id.
    pub id: String,
    /// Unique.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// active, paused (no step fires) or archived.
    pub status: SequenceStatus,
    /// Drafts that pass the reviewer with no flags are approved without a person.
    pub autopilot: bool,
    /// Who made it.
    pub owner_id: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Its contacts by enrollment status.
    pub enrolled: Enrolled,
    /// When it was made.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

/// A row of `sequence_columns`: a sequence with its steps and enrollment counts as JSON.
#[derive(Deserialize)]
struct SequenceRow {
    id: String,
    name: String,
    description: Option<String>,
    status: SequenceStatus,
    autopilot: bool,
    owner_id: Option<String>,
    created_at: String,
    updated_at: String,
    #[serde(deserialize_with = "crate::store::json")]
    steps: Vec<Step>,
    #[serde(deserialize_with = "crate::store::json")]
    enrolled: Enrolled,
}

impl From<SequenceRow> for Sequence {
    fn from(row: SequenceRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            status: row.status,
            autopilot: row.autopilot,
            owner_id: row.owner_id,
            steps: row.steps,
            enrolled: row.enrolled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Sequence> {
    from_row::<SequenceRow>(row).map(Sequence::from)
}

/// One sequence with its steps (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Sequence> {
    conn.query_one(ENTITY, concat!("SELECT ", sequence_columns!(), " FROM sequences s WHERE s.id = ?1"), [id], decode)
        .await
}

/// Sequences change by managers and admins, whom their routes alone admit; the audit log keeps
/// what a person edits.
impl Record for Sequence {
    type Status = SequenceStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> SequenceStatus {
        self.status
    }

    fn may_change(&self, _: &Principal) -> AppResult<()> {
        Ok(())
    }

    fn audit_view(&self) -> serde_json::Value {
        audit_view(&self.name, self.description.as_deref(), self.status, self.autopilot, &self.steps)
    }
}

/// What the audit log keeps of a sequence.
fn audit_view(
    name: &str,
    description: Option<&str>,
    status: SequenceStatus,
    autopilot: bool,
    steps: &[Step],
) -> serde_json::Value {
    serde_json::json!({"name": name, "description": description, "status": status, "autopilot": autopilot,
        "steps": steps})
}

/// The statement that reads a sequence back in a batch.
const SELECT_ONE: &str = concat!("SELECT ", sequence_columns!(), " FROM sequences s WHERE s.id = ?1");

async fn name_taken(conn: &Conn, err: AppError, name: &str) -> AppError {
    match err {
        AppError::Conflict { ref fields, .. } if fields.iter().any(|f| f.field == "name") => {
            let existing = conn
                .query_opt("SELECT id FROM sequences WHERE name = ?1", [name], single::<String>)
                .await
                .ok()
                .flatten();
            let message = format!("a sequence named {name:?} already exists");
            AppError::Conflict {
                fields: vec![FieldError::new("name", "unique", message.clone())],
                message,
                conflicts_with: existing.map(|id| EntityRef { entity: ENTITY, id }),
            }
        }
        other => other,
    }
}

fn sequence_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}
