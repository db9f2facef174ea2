//! Batches: named prospect lists, built from a saved contact filter (the contacts list's query
//! string, with its sort and a limit: "the top 50 active fintech contacts by priority") or from
//! chosen contacts, with unique membership. A whole batch can be enrolled in a sequence.
//!
//! Lifecycle: draft → active | archived; active → paused | completed | archived; paused →
//! active | completed | archived; completed → archived. Members change until it is completed.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::contacts::list::{self, Filters, Sort};
use crate::domain::enums::{BatchStatus, Role};
use crate::domain::{Lifecycle, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse, FieldError};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::store::{Batch as Writes, Conn, Row, Step, from_row, json};
use crate::validate::Check;

const ENTITY: &str = "batch";
/// The most members a batch is built with from a filter, or changed by in one request.
pub const MAX_MEMBERS: u32 = 1000;

/// The batches' routes (in the contacts family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/batches", Signed(WriteData), handler!(create))
        .get("/api/v1/batches", Signed(ReadData), handler!(list))
        .get("/api/v1/batches/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/batches/{id}", Signed(WriteData), handler!(update))
        .get("/api/v1/batches/{id}/members", Signed(ReadData), handler!(members))
        .post("/api/v1/batches/{id}/members", Signed(WriteData), handler!(add_members))
        .delete("/api/v1/batches/{id}/members", Signed(WriteData), handler!(remove_members))
}

/// A batch's lifecycle: nothing goes back to draft, and archived is final.
impl Lifecycle for BatchStatus {
    const RECORD: &'static str = "a batch";

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

fn decode(row: &Row) -> AppResult<Batch> {
    from_row::<BatchRow>(row).map(Batch::from)
}

/// The statement that reads one batch.
const SELECT_ONE: &str = concat!("SELECT ", batch_columns!(), " FROM batches WHERE id = ?1");

async fn load(conn: &Conn, id: &str) -> AppResult<Batch> {
    conn.query_one(ENTITY, SELECT_ONE, [id], decode).await
}

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

/// Contact ids from a request body: 1 to [`MAX_MEMBERS`], each an id, duplicates dropped.
fn contact_ids(field: &str, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() || ids.len() > MAX_MEMBERS as usize {
        return Err(AppError::invalid(field, "length", format!("must list 1 to {MAX_MEMBERS} contacts")));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let id = uuid::Uuid::try_parse(id.trim())
            .map_err(|_| AppError::invalid(format!("{field}[{i}]"), "format", "must be an id"))?
            .to_string();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The contacts a saved filter selects, best first by its sort, at most `limit` (one call).
async fn select(conn: &Conn, query: &str, me: &str, limit: u32) -> AppResult<Vec<String>> {
    let in_query = |e: AppError| match e {
        AppError::Validation(fields) => AppError::Validation(
            fields.into_iter().map(|f| FieldError::new(format!("query.{}", f.field), f.rule, f.message)).collect(),
        ),
        other => other,
    };
    let mut q = Query::parse(query);
    let filters = Filters::read(&mut q, me).map_err(in_query)?;
    let (sort, descending): (Sort, bool) = http::sort(&mut q, Sort::ALLOWED).map_err(in_query)?;
    q.finish().map_err(in_query)?;
    let page = list::list(conn, &filters, sort, descending, limit, None).await?;
    Ok(page.items.into_iter().map(|c| c.id).collect())
}

/// Adds to `writes` the appending of `ids` to the batch after its last member, skipping members
/// already in it and contacts that do not exist; answers the step whose rows are the ones added.
fn append(writes: &mut Writes, batch: &str, ids: &[String], at: &str) -> AppResult<Step> {
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    writes.push(
        "INSERT INTO batch_prospects (id, batch_id, contact_id, position, created_at) \
         SELECT lower(hex(randomblob(16))), ?1, c.id, \
           (SELECT coalesce(max(position) + 1, 0) FROM batch_prospects WHERE batch_id = ?1) + j.key, ?3 \
         FROM json_each(?2) j JOIN contacts c ON c.id = j.value WHERE true \
         ON CONFLICT (batch_id, contact_id) DO NOTHING RETURNING contact_id",
        libsql::params![batch, ids_json.as_str(), at],
    )
}

/// `POST /api/v1/batches`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBatch {
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// A contacts-list query string (filters and `sort`, as on `GET /api/v1/contacts`), such as
    /// `industry=Fintech&status=active&stage=new&sort=priority`.
    #[serde(default)]
    pub query: Option<String>,
    /// How many contacts the query takes (1-1000, default 50).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Hand-picked contacts, added after the query's.
    #[serde(default)]
    pub contact_ids: Vec<String>,
}

/// Build a batch from a saved filter (the first `limit` contacts in its sort) and/or chosen
/// contacts. It starts as a draft, owned by its maker.
#[utoipa::path(post, path = "/api/v1/batches", tag = "batches", request_body = CreateBatch,
    responses((status = 201, body = Batch), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateBatch = http::body_json(&req)?;
    let mut c = Check::default();
    let name = c.required("name", body.name, 200);
    let description = c.prose("description", body.description, 5000);
    let query = c.text("query", body.query, 2000);
    let limit = body.limit.unwrap_or(50);
    if !(1..=MAX_MEMBERS).contains(&limit) {
        c.fail("limit", "range", format!("must be from 1 to {MAX_MEMBERS}"));
    }
    c.finish(())?;
    let chosen = if body.contact_ids.is_empty() { Vec::new() } else { contact_ids("contact_ids", &body.contact_ids)? };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let id = new_id();
    let at = now();
    let saved = serde_json::json!({"query": query.clone().unwrap_or_default(), "limit": limit}).to_string();
    let (outcome, created) = conn
        .read_then_write(async |conn| {
            let mut ids = match &query {
                Some(query) => select(conn, query, &principal.user_id, limit).await?,
                None => Vec::new(),
            };
            ids.extend(chosen.iter().filter(|c| !ids.contains(c)).cloned().collect::<Vec<_>>());
            let mut writes = Writes::new();
            writes.push(
                "INSERT INTO batches (id, name, description, status, saved_filter, owner_id, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?6)",
                libsql::params![
                    id.as_str(),
                    name.as_str(),
                    description.as_deref(),
                    saved.as_str(),
                    principal.user_id.as_str(),
                    at.as_str()
                ],
            )?;
            if !ids.is_empty() {
                append(&mut writes, &id, &ids, &at)?;
            }
            // The members are counted as added: hand-picked ids may name no contact.
            audit::record_after_in(
                &mut writes,
                &actor,
                "batch.create",
                ENTITY,
                &id,
                "json_object('limit', :limit, 'members', (SELECT count(*) FROM batch_prospects WHERE batch_id = :entity_id), \
                 'name', :name, 'query', :query)",
                vec![
                    (":limit".to_owned(), i64::from(limit).into()),
                    (":name".to_owned(), name.clone().into()),
                    (":query".to_owned(), query.clone().into()),
                ],
            )?;
            let created = writes.push(SELECT_ONE, [id.as_str()])?;
            Ok((writes, created))
        })
        .await?;
    let batch = outcome.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/batches/{id}"), &batch)
}

/// Batches, newest first; `status` filters.
#[utoipa::path(get, path = "/api/v1/batches", tag = "batches",
    params(("status" = Option<crate::domain::enums::BatchStatus>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Batch>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let status = q
        .one("status")
        .map(|s| s.parse::<BatchStatus>().map_err(|e| AppError::invalid("status", "one_of", e.to_string())))
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
                batch_columns!(),
                " FROM batches WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR (created_at, id) < (?2, ?3)) \
                 ORDER BY created_at DESC, id DESC LIMIT ?4"
            ),
            libsql::params![status.map(BatchStatus::as_str), after_at, after_id, i64::from(limit) + 1],
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |b| (b.created_at.clone(), b.id.clone()))?)
}

/// One batch.
#[utoipa::path(get, path = "/api/v1/batches/{id}", tag = "batches", params(("id" = String, Path)),
    responses((status = 200, body = Batch), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = batch_id(&req)?;
    http::ok(&load(&ctx.conn().await?, &id).await?)
}

/// `PATCH /api/v1/batches/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBatch {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new description.
    #[serde(default)]
    pub description: Option<String>,
    /// One of the batch's `next_statuses`.
    #[serde(default)]
    pub status: Option<BatchStatus>,
}

/// Rename a batch or move its status along the lifecycle (409 outside `next_statuses`).
#[utoipa::path(patch, path = "/api/v1/batches/{id}", tag = "batches", request_body = PatchBatch, params(("id" = String, Path)),
    responses((status = 200, body = Batch), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let body: PatchBatch = http::body_json(&req)?;
    let mut c = Check::default();
    let name = body.name.map(|n| c.required("name", n, 200));
    let description = c.prose("description", body.description, 5000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (outcome, after) = conn
        .read_then_write(async |conn| {
            let before = load(conn, &id).await?;
            require_batch_owner(principal, &before)?;
            let moved = before.status.check_move(body.status)?;
            let mut writes = Writes::new();
            let after = writes.push(
                concat!(
                    "UPDATE batches SET name = coalesce(?2, name), description = coalesce(?3, description), \
                     status = coalesce(?4, status), updated_at = ?5 WHERE id = ?1 RETURNING ",
                    batch_columns!()
                ),
                libsql::params![id.as_str(), name.as_deref(), description, moved.map(BatchStatus::as_str), at.as_str()],
            )?;
            let view = |name: &str, status: BatchStatus| serde_json::json!({"name": name, "status": status});
            let after_view = view(name.as_deref().unwrap_or(&before.name), moved.unwrap_or(before.status));
            let before_view = view(&before.name, before.status);
            audit::record_with_in(
                &mut writes,
                &actor,
                "batch.update",
                ENTITY,
                &id,
                Some(&before_view),
                Some(&after_view),
                None,
            )?;
            Ok((writes, after))
        })
        .await?;
    let batch = outcome.one(ENTITY, after, decode)?;
    http::ok(&batch)
}

/// A member of a batch.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Member {
    pub contact_id: String,
    /// Its place in the batch (the filter's order when it was built).
    pub position: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub account_name: Option<String>,
    pub stage: String,
    pub status: String,
    pub priority_score: i64,
}

/// What a row of the members statement says besides its member: whether the batch exists, and
/// whether the row has a member at all (none when the batch has none past the cursor).
#[derive(Deserialize)]
struct MembersRow {
    batch_exists: Option<i64>,
    contact_id: Option<String>,
}

/// A batch's members in order.
#[utoipa::path(get, path = "/api/v1/batches/{id}/members", tag = "batches",
    params(("id" = String, Path), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Member>), (status = 404, body = ErrorResponse)))]
pub(crate) async fn members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = batch_id(&req)?;
    let mut q = Query::of(&req);
    let limit = http::limit(&mut q)?;
    let after: Option<i64> = http::cursor(&mut q)?;
    q.finish()?;
    let conn = ctx.conn().await?;
    let rows = conn
        .query_all(
            "SELECT c.id AS contact_id, p.position, c.first_name, c.last_name, c.title, a.name AS account_name, \
               c.stage, c.status, c.priority_score, (SELECT 1 FROM batches WHERE id = ?1) AS batch_exists \
             FROM (SELECT 1) LEFT JOIN batch_prospects p ON p.batch_id = ?1 AND (?2 IS NULL OR p.position > ?2) \
             LEFT JOIN contacts c ON c.id = p.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
             ORDER BY p.position LIMIT ?3",
            libsql::params![id.as_str(), after, i64::from(limit) + 1],
            |row| {
                let head: MembersRow = from_row(row)?;
                let member = match head.contact_id {
                    None => None,
                    Some(_) => Some(from_row::<Member>(row)?),
                };
                Ok((head.batch_exists.is_some(), member))
            },
        )
        .await?;
    if !rows.first().is_some_and(|(exists, _)| *exists) {
        return Err(AppError::NotFound(ENTITY));
    }
    let members: Vec<Member> = rows.into_iter().filter_map(|(_, m)| m).collect();
    http::ok(&Page::from_rows(members, limit, |m| m.position)?)
}

/// `POST` and `DELETE /api/v1/batches/{id}/members`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberChange {
    /// The contacts (1-1000).
    pub contact_ids: Vec<String>,
}

/// One contact's outcome: added, already_member or not_found; removed or not_member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct MemberOutcome {
    pub contact_id: String,
    pub outcome: &'static str,
}

/// The outcome of a member change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct MemberResults {
    pub results: Vec<MemberOutcome>,
    /// The batch's size afterwards.
    pub member_count: i64,
}

/// A row of [`open_for_change`]: the batch, which of the ids name a contact and which are its
/// members.
#[derive(Deserialize)]
struct OpenRow {
    #[serde(flatten)]
    batch: BatchRow,
    #[serde(deserialize_with = "json")]
    known: Vec<String>,
    #[serde(deserialize_with = "json")]
    members: Vec<String>,
}

/// Reads the batch, and which of `ids` name a contact and which are its members, and checks
/// that the batch may change its members, for this caller (one call).
async fn open_for_change(
    conn: &Conn,
    principal: &Principal,
    id: &str,
    ids: &[String],
) -> AppResult<(Batch, Vec<String>, Vec<String>)> {
    let ids_json = serde_json::to_string(ids).map_err(|e| AppError::Internal(e.into()))?;
    let row: OpenRow = conn
        .query_one(
            ENTITY,
            concat!(
                "SELECT ",
                batch_columns!(),
                ", (SELECT json_group_array(c.id) FROM json_each(?2) j JOIN contacts c ON c.id = j.value) AS known, \
                 (SELECT json_group_array(p.contact_id) FROM json_each(?2) j \
                  JOIN batch_prospects p ON p.batch_id = batches.id AND p.contact_id = j.value) AS members \
                 FROM batches WHERE id = ?1"
            ),
            libsql::params![id, ids_json.as_str()],
            from_row,
        )
        .await?;
    let batch = Batch::from(row.batch);
    require_batch_owner(principal, &batch)?;
    if matches!(batch.status, BatchStatus::Completed | BatchStatus::Archived) {
        let message = format!("the batch is {}; its members no longer change", batch.status);
        return Err(AppError::refused("status", "open", message));
    }
    Ok((batch, row.known, row.members))
}

/// Add contacts; adding a member twice is a no-op that says so (`already_member`).
#[utoipa::path(post, path = "/api/v1/batches/{id}/members", tag = "batches", request_body = MemberChange,
    params(("id" = String, Path)),
    responses((status = 200, body = MemberResults), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn add_members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let ids = contact_ids("contact_ids", &http::body_json::<MemberChange>(&req)?.contact_ids)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (_, results) = conn
        .read_then_write(async |conn| {
            let (batch, known, members) = open_for_change(conn, principal, &id, &ids).await?;
            // The read holds the write lock: the contacts it found that are not members yet are
            // the ones the append adds.
            let added: Vec<String> =
                ids.iter().filter(|c| known.contains(c) && !members.contains(c)).cloned().collect();
            let mut writes = Writes::new();
            if !added.is_empty() {
                append(&mut writes, &id, &added, &at)?;
                let view = serde_json::json!({"added": added});
                audit::record_with_in(&mut writes, &actor, "batch.members_add", ENTITY, &id, None, Some(&view), None)?;
            }
            let results: Vec<MemberOutcome> = ids
                .iter()
                .map(|c| MemberOutcome {
                    contact_id: c.clone(),
                    outcome: if added.contains(c) {
                        "added"
                    } else if known.contains(c) {
                        "already_member"
                    } else {
                        "not_found"
                    },
                })
                .collect();
            Ok((writes, MemberResults { results, member_count: batch.member_count + added.len() as i64 }))
        })
        .await?;
    http::ok(&results)
}

/// Remove contacts from a batch (`removed` or `not_member` each).
#[utoipa::path(delete, path = "/api/v1/batches/{id}/members", tag = "batches", request_body = MemberChange,
    params(("id" = String, Path)),
    responses((status = 200, body = MemberResults), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn remove_members(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = batch_id(&req)?;
    let ids = contact_ids("contact_ids", &http::body_json::<MemberChange>(&req)?.contact_ids)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let (_, results) = conn
        .read_then_write(async |conn| {
            let (batch, _, members) = open_for_change(conn, principal, &id, &ids).await?;
            let removed: Vec<String> = ids.iter().filter(|c| members.contains(c)).cloned().collect();
            let mut writes = Writes::new();
            if !removed.is_empty() {
                let removed_json = serde_json::to_string(&removed).map_err(|e| AppError::Internal(e.into()))?;
                writes.push(
                    "DELETE FROM batch_prospects WHERE batch_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2))",
                    libsql::params![id.as_str(), removed_json.as_str()],
                )?;
                let view = serde_json::json!({"removed": removed});
                audit::record_with_in(&mut writes, &actor, "batch.members_remove", ENTITY, &id, Some(&view), None, None)?;
            }
            let results = ids
                .iter()
                .map(|c| MemberOutcome {
                    contact_id: c.clone(),
                    outcome: if removed.contains(c) { "removed" } else { "not_member" },
                })
                .collect();
            Ok((writes, MemberResults { results, member_count: batch.member_count - removed.len() as i64 }))
        })
        .await?;
    http::ok(&results)
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

    #[test]
    fn member_ids_are_checked_and_deduplicated() {
        let a = uuid::Uuid::now_v7().to_string();
        assert_eq!(contact_ids("contact_ids", &[a.clone(), a.to_uppercase()]).expect("ids"), [a]);
        assert!(contact_ids("contact_ids", &[]).is_err());
        assert!(contact_ids("contact_ids", &["nope".to_owned()]).is_err());
    }
}
