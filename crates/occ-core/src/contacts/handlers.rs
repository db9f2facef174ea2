//! Contact handlers: parse, check access (a bdr works what it owns or nobody owns), call the
//! repository, respond.

use ::http::{Request, Response};
use bytes::Bytes;

use super::list::{self, Filters};
use super::repo::{self, Contact, Editor};
use super::{CreateContact, PatchContact};
use crate::access::Principal;
use crate::domain::enums::Role;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Page, Query, RequestMeta};
use crate::store::from_row;

fn contact_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", repo::ENTITY)
}

/// A bdr may take a contact or let it go, never give it to someone else.
fn check_owner_choice(principal: &Principal, owner: Option<&Option<String>>) -> AppResult<()> {
    match owner {
        Some(Some(id)) if principal.role == Role::Bdr && *id != principal.user_id => Err(AppError::Forbidden(
            "a bdr may own a contact or leave it unowned, not give it to someone else".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Create a contact; by default its owner is the creator.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = CreateContact,
    responses((status = 201, body = Contact), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let fields = http::body_json::<CreateContact>(&req)?.validate()?;
    check_owner_choice(principal, fields.owner_id.as_ref())?;
    let owner = match &fields.owner_id {
        None => Some(principal.user_id.as_str()),
        Some(owner) => owner.as_deref(),
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let contact = repo::insert(&ctx.conn().await?, &actor, &fields, owner).await?;
    http::created(&format!("/api/v1/contacts/{}", contact.id), &contact)
}

/// List contacts, one page at a time.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts",
    params(
        ("account_id" = Option<String>, Query), ("stage" = Option<Vec<crate::domain::enums::Stage>>, Query), ("status" = Option<Vec<crate::domain::enums::ContactStatus>>, Query),
        ("seniority" = Option<Vec<crate::domain::enums::Seniority>>, Query), ("department" = Option<Vec<crate::domain::enums::Department>>, Query),
        ("industry" = Option<Vec<String>>, Query, description = "Through the contact's account, any case"),
        ("owner" = Option<String>, Query, description = "A user id, me, or none"),
        ("min_priority" = Option<i64>, Query), ("has_email" = Option<bool>, Query), ("has_linkedin" = Option<bool>, Query),
        ("touched_since" = Option<String>, Query), ("touched_before" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "Text in the name, title, email or company"),
        ("sort" = Option<String>, Query, description = "priority (highest first), created_at or updated_at; - reverses"),
        crate::http::PageLimit, crate::http::PageCursor,
    ),
    responses((status = 200, body = Page<Contact>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let filters = Filters::read(&mut q, &principal.user_id)?;
    let (sort, descending, page) = list::paging(&mut q)?;
    q.finish()?;
    http::ok(&list::list(&ctx.conn().await?, &filters, sort, descending, &page, crate::store::Reach::Page).await?)
}

/// One contact.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = contact_id(&req)?;
    http::ok(&repo::get(&ctx.conn().await?, &id).await?)
}

/// Change a contact: absent fields are unchanged, `null` clears. A bdr changes only contacts it
/// owns or nobody owns.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", request_body = PatchContact, params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = contact_id(&req)?;
    let changes = http::body_json::<PatchContact>(&req)?.validate()?;
    check_owner_choice(principal, changes.owner_id.as_ref())?;
    let conn = ctx.conn().await?;
    if changes.is_empty() {
        return http::ok(&repo::get(&conn, &id).await?);
    }
    let editor = if principal.role == Role::Bdr { Editor::Owner(&principal.user_id) } else { Editor::Anyone };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    http::ok(&repo::update(&conn, &actor, &id, &changes, editor).await?)
}

/// Delete a contact and what is only about them (managers and admins).
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = contact_id(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    repo::delete(&ctx.conn().await?, &actor, &id).await?;
    Ok(http::no_content())
}

/// One computed score of a contact.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ScorePoint {
    /// 0-100.
    pub score: i64,
    /// Each factor's points.
    #[schema(value_type = Object)]
    pub factors: serde_json::Value,
    /// The ICP model version it was computed with (0: the defaults).
    pub config_version: i64,
    /// When.
    pub computed_at: String,
}

/// A row of the score history: a computed score, or only NULLs for a contact never scored.
#[derive(serde::Deserialize)]
struct ScoreRow {
    score: Option<i64>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    factors: Option<serde_json::Value>,
    config_version: Option<i64>,
    computed_at: Option<String>,
}

impl ScoreRow {
    /// The score it holds, if any.
    fn point(self) -> Option<ScorePoint> {
        match self {
            ScoreRow {
                score: Some(score),
                factors: Some(factors),
                config_version: Some(config_version),
                computed_at: Some(computed_at),
            } => Some(ScorePoint { score, factors, config_version, computed_at }),
            _ => None,
        }
    }
}

/// A contact's score history, oldest first (the latest 500 changes).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/score-history", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Page<ScorePoint>), (status = 404, body = ErrorResponse)))]
pub(crate) async fn score_history(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = contact_id(&req)?;
    let conn = ctx.conn().await?;
    let rows = conn
        .query_all(
            "SELECT h.score, h.factors, h.config_version, h.computed_at FROM contacts c LEFT JOIN \
             (SELECT * FROM icp_scores WHERE contact_id = ?1 ORDER BY computed_at DESC LIMIT 500) h ON 1 \
             WHERE c.id = ?1 ORDER BY h.computed_at",
            [id.as_str()],
            |row| from_row::<ScoreRow>(row).map(ScoreRow::point),
        )
        .await?;
    // No row: no such contact; one row without a score: a contact never scored.
    if rows.is_empty() {
        return Err(AppError::NotFound(repo::ENTITY));
    }
    let items: Vec<ScorePoint> = rows.into_iter().flatten().collect();
    http::ok(&Page::whole(items))
}
