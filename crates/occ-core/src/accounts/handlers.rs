//! Account handlers: parse, check, call the repository, respond.

use ::http::{Request, Response};
use bytes::Bytes;

use super::list::{self, ListQuery, Sort};
use super::repo;
use super::{Account, CreateAccount, PatchAccount};
use crate::access::Principal;
use crate::audit::Actor;
use crate::domain::AccountId;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query, RequestMeta};

fn actor(req: &Request<Bytes>) -> AppResult<Actor> {
    Ok(Principal::of(req)?.actor(&RequestMeta::of(req)?.request_id))
}

fn account_id(req: &Request<Bytes>) -> AppResult<AccountId> {
    http::path_id(req, "id", "account", AccountId::parse)
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = CreateAccount,
    responses(
        (status = 201, description = "Created; `Location` names it", body = Account),
        (status = 409, description = "The domain belongs to another account", body = ErrorResponse),
        (status = 422, description = "A field breaks a rule", body = ErrorResponse),
    ))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let fields = http::body_json::<CreateAccount>(&req)?.validate()?;
    let conn = ctx.conn().await?;
    let account = repo::insert(&conn, &actor(&req)?, &fields).await?;
    http::created(&format!("/api/v1/accounts/{}", account.id), &account)
}

/// List accounts, one page at a time.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    params(
        ("industry" = Option<Vec<String>>, Query, description = "Industries to keep, any case (repeat or comma-separate)"),
        ("q" = Option<String>, Query, description = "Text found in the name or domain"),
        ("sort" = Option<String>, Query, description = "name, domain, created_at or updated_at; prefix - for descending"),
        crate::http::PageLimit,
        crate::http::PageCursor,
    ),
    responses(
        (status = 200, description = "A page", body = Page<Account>),
        (status = 422, description = "A parameter breaks a rule", body = ErrorResponse),
    ))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let (sort, descending) = http::sort(&mut q, Sort::ALLOWED)?;
    let query = ListQuery {
        industries: q.many("industry"),
        q: q.one("q"),
        sort,
        descending,
        page: Keyset::of(&mut q)?,
        reach: crate::store::Reach::Page,
    };
    q.finish()?;
    let conn = ctx.conn().await?;
    http::ok(&list::list(&conn, &query).await?)
}

/// One account.
#[utoipa::path(get, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = Account),
        (status = 404, description = "No such account", body = ErrorResponse),
    ))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = account_id(&req)?;
    let conn = ctx.conn().await?;
    http::ok(&repo::get(&conn, id).await?)
}

/// Change an account: absent fields are unchanged, `null` clears.
#[utoipa::path(patch, path = "/api/v1/accounts/{id}", tag = "accounts", request_body = PatchAccount,
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The changed account", body = Account),
        (status = 404, description = "No such account", body = ErrorResponse),
        (status = 409, description = "The domain belongs to another account", body = ErrorResponse),
        (status = 422, description = "A field breaks a rule, or is unknown", body = ErrorResponse),
    ))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = account_id(&req)?;
    let changes = http::body_json::<PatchAccount>(&req)?.validate()?;
    let conn = ctx.conn().await?;
    let account = if changes.is_empty() {
        repo::get(&conn, id).await?
    } else {
        repo::update(&conn, &actor(&req)?, id, &changes).await?
    };
    http::ok(&account)
}

/// Delete an account; its contacts stay, without an account.
#[utoipa::path(delete, path = "/api/v1/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such account", body = ErrorResponse),
    ))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = account_id(&req)?;
    let conn = ctx.conn().await?;
    repo::delete(&conn, &actor(&req)?, id).await?;
    Ok(http::no_content())
}
