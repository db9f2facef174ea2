//! Account handlers: parse, check, call the repository, respond.

use ::http::{Request, Response};
use bytes::Bytes;

use super::repo::{self, ListQuery, Sort};
use super::{CreateAccount, PatchAccount};
use crate::audit::Actor;
use crate::domain::AccountId;
use crate::error::AppResult;
use crate::http::{self, Ctx, Query, RequestMeta};

fn actor(req: &Request<Bytes>) -> AppResult<Actor> {
    Ok(Actor::system(Some(RequestMeta::of(req)?.request_id.clone())))
}

fn account_id(req: &Request<Bytes>) -> AppResult<AccountId> {
    http::path_id(req, "id", "account", AccountId::parse)
}

pub(super) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let fields = http::body_json::<CreateAccount>(&req)?.validate()?;
    let conn = ctx.conn().await?;
    let account = repo::insert(&conn, &actor(&req)?, &fields).await?;
    http::created(&format!("/api/v1/accounts/{}", account.id), &account)
}

pub(super) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let (sort, descending) = http::sort(&mut q, Sort::ALLOWED)?;
    let query = ListQuery {
        industries: q.many("industry"),
        q: q.one("q"),
        sort,
        descending,
        limit: http::limit(&mut q)?,
        after: http::cursor(&mut q)?,
    };
    q.finish()?;
    let conn = ctx.conn().await?;
    http::ok(&repo::list(&conn, &query).await?)
}

pub(super) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = account_id(&req)?;
    let conn = ctx.conn().await?;
    http::ok(&repo::get(&conn, id).await?)
}

pub(super) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
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

pub(super) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = account_id(&req)?;
    let conn = ctx.conn().await?;
    repo::delete(&conn, &actor(&req)?, id).await?;
    Ok(http::no_content())
}
