//! Building a batch from a saved filter and/or chosen contacts.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::membership::{append, contact_ids};
use super::{Batch, ENTITY, MAX_MEMBERS, SELECT_ONE, decode};
use crate::access::Principal;
use crate::audit;
use crate::contacts::list::{self, Filters, Sort};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse, FieldError};
use crate::http::{self, Ctx, Keyset, Query, RequestMeta};
use crate::store::{Batch as Writes, Conn};
use crate::validate::Check;

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
    let page =
        list::list(conn, &filters, sort, descending, &Keyset::new(limit, None), crate::store::Reach::Whole).await?;
    Ok(page.items.into_iter().map(|c| c.id).collect())
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
