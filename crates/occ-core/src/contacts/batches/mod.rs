//! Batches: named prospect lists, built from a saved contact filter (the contacts list's query
//! string, with its sort and a limit: "the top 50 active fintech contacts by priority") or from
//! chosen contacts, with unique membership. A whole batch can be enrolled in a sequence.
//!
//! Lifecycle: draft → active | archived; active → paused | completed | archived; paused →
//! active | completed | archived; completed → archived. Members change until it is completed.
//!
//! Here: the routes, the batch and its decoder, and who may change one; each handler lives in
//! the file of its concern.

pub(crate) mod create;
pub(crate) mod members;
pub(crate) mod membership;
pub(crate) mod read;
pub(crate) mod update;

use ::http::Request;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::domain::enums::{BatchStatus, Role};
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{self, Routes};
use crate::lifecycle::{Lifecycle, Record};
use crate::store::{Conn, Row, from_row};

const ENTITY: &str = "batch";
/// The most members a batch is built with from a filter, or changed by in one request.
pub const MAX_MEMBERS: u32 = 1000;

/// The batches' routes (in the contacts family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/batches", Signed(WriteData), handler!(create::create))
        .get("/api/v1/batches", Signed(ReadData), handler!(read::list))
        .get("/api/v1/batches/{id}", Signed(ReadData), handler!(read::get))
        .patch("/api/v1/batches/{id}", Signed(WriteData), handler!(update::update))
        .get("/api/v1/batches/{id}/members", Signed(ReadData), handler!(members::members))
        .post("/api/v1/batches/{id}/members", Signed(WriteData), handler!(membership::add_members))
        .delete("/api/v1/batches/{id}/members", Signed(WriteData), handler!(membership::remove_members))
}

/// A batch's lifecycle: nothing goes back to draft, and archived is final.
impl Lifecycle for BatchStatus {
    const RECORD: &'static str = "a batch";
    const STATUSES: &'static [Self] = Self::ALL;

    fn next_statuses(self) -> &'static [Self] {
        use BatchStatus::*;
        match self {
            Draft => &[Active, Archived],
            Active => &[Paused, Completed, Archived],
            Paused => &[Active, Completed, Archived],
            Completed => &[Archived],
            Archived => &[],
        }
    }
}

/// A prospect list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Batch {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// draft, active, paused, completed or archived.
    pub status: BatchStatus,
    /// The statuses it may move to next.
    pub next_statuses: Vec<BatchStatus>,
    /// The contacts-list query string it was built from (`""` for a hand-picked batch).
    pub query: String,
    pub owner_id: Option<String>,
    pub member_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

macro_rules! batch_columns {
    () => {
        "batches.id, batches.name, batches.description, batches.status, \
         coalesce(batches.saved_filter ->> '$.query', '') AS query, batches.owner_id, \
         (SELECT count(*) FROM batch_prospects p WHERE p.batch_id = batches.id) AS member_count, \
         batches.created_at, batches.updated_at"
    };
}
use batch_columns;

/// A batch's row: [`Batch`] without what follows from its status.
#[derive(Deserialize)]
struct BatchRow {
    id: String,
    name: String,
    description: Option<String>,
    status: BatchStatus,
    query: String,
    owner_id: Option<String>,
    member_count: i64,
    created_at: String,
    updated_at: String,
}

impl From<BatchRow> for Batch {
    fn from(row: BatchRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            status: row.status,
            next_statuses: row.status.next_statuses().to_vec(),
            query: row.query,
            owner_id: row.owner_id,
            member_count: row.member_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A batch changes by its owner (a bdr changes only their own); the audit log keeps its name
/// and status.
impl Record for Batch {
    type Status = BatchStatus;
    const ENTITY: &'static str = ENTITY;

    fn status(&self) -> BatchStatus {
        self.status
    }

    fn may_change(&self, principal: &Principal) -> AppResult<()> {
        require_batch_owner(principal, self)
    }

    fn audit_view(&self) -> serde_json::Value {
        audit_view(&self.name, self.status)
    }
}

/// What the audit log keeps of a batch.
fn audit_view(name: &str, status: BatchStatus) -> serde_json::Value {
    serde_json::json!({"name": name, "status": status})
}

/// A batch from its row.
fn decode(row: &Row) -> AppResult<Batch> {
    from_row::<BatchRow>(row).map(Batch::from)
}

/// The statement that reads one batch.
const SELECT_ONE: &str = concat!("SELECT ", batch_columns!(), " FROM batches WHERE id = ?1");

/// One batch (one call).
async fn load(conn: &Conn, id: &str) -> AppResult<Batch> {
    conn.query_one(ENTITY, SELECT_ONE, [id], decode).await
}

/// The batch a request's path names.
fn batch_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// A bdr changes the batches it owns or nobody owns; managers and admins change every batch.
fn require_batch_owner(principal: &Principal, batch: &Batch) -> AppResult<()> {
    if principal.role == Role::Bdr && batch.owner_id.as_deref().is_some_and(|o| o != principal.user_id) {
        return Err(AppError::Forbidden("this batch belongs to another user".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_batch_can_be_archived_and_archived_is_the_end() {
        for status in BatchStatus::ALL {
            let ends = *status == BatchStatus::Archived;
            assert_eq!(status.next_statuses().is_empty(), ends, "{status}");
            assert!(ends || status.next_statuses().contains(&BatchStatus::Archived), "{status}");
            assert!(!status.next_statuses().contains(&BatchStatus::Draft), "nothing goes back to draft");
        }
    }
}
