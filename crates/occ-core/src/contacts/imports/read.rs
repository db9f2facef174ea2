//! Reading jobs: the recent ones and one by id.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{Import, decode, import_columns, import_id, load};
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Page, Query};

/// Recent import jobs, newest first.
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    responses((status = 200, body = Page<Import>)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    Query::of(&req).finish()?;
    let items = ctx
        .conn()
        .await?
        .query_all(
            concat!("SELECT ", import_columns!(), " FROM imports ORDER BY created_at DESC, id DESC LIMIT 50"),
            (),
            decode,
        )
        .await?;
    http::ok(&Page::whole(items))
}

/// An import job: its mapping, progress and counts.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = Import), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &import_id(&req)?).await?)
}
