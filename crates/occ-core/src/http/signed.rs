//! The signed-in part of the request pipeline: authentication (in full, or vouched for by the
//! instance's lease and checked with the request's first round trip), the CSRF and permission
//! checks, and the handler.

use bytes::Bytes;
use http::{Method, Request, Response};

use super::Ctx;
use super::meta::RequestMeta;
use super::router::{HandlerFn, PathParams};
use crate::access::{self, Action, Principal, Via, secrets};
use crate::error::{AppError, AppResult};
use crate::store;

/// Answers a request of a route that needs a signed-in caller.
pub(super) async fn answer(
    ctx: &Ctx,
    mut req: Request<Bytes>,
    action: Action,
    handler: HandlerFn,
) -> AppResult<Response<Bytes>> {
    if !ctx.store.is_local()
        && let Some(principal) = access::vouched(&ctx.leases, req.headers())
    {
        // The credential is checked with the request's first round trip: a request whose check
        // failed ran nothing, and is authenticated again in full and answered from the start.
        let again = copy(&req);
        let answer = signed_in(ctx, req, principal, action, handler).await;
        match settle_vouch(ctx).await {
            Ok(()) => return answer,
            Err(AppError::Unauthorized) => {
                ctx.leases.forget(again.headers());
                store::vouch::clear();
                req = again;
            }
            Err(err) => return Err(err),
        }
    }
    let principal = authenticate(ctx, &req).await?;
    signed_in(ctx, req, principal, action, handler).await
}

/// Authentication with a statement of its own (and the rate limit, one call).
async fn authenticate(ctx: &Ctx, req: &Request<Bytes>) -> AppResult<Principal> {
    store::count_authentication(async {
        let conn = ctx.conn().await?;
        access::authenticate(&conn, &ctx.leases, req.headers()).await
    })
    .await
}

/// Sends the request's credential check if it has not gone yet (the handler made no round
/// trip); fails with 401 when it failed.
async fn settle_vouch(ctx: &Ctx) -> AppResult<()> {
    if store::vouch::verdict() == store::vouch::Verdict::Pending {
        store::count_authentication(async {
            let conn = ctx.store.connect().await?;
            conn.query_all("SELECT 1", (), |_| Ok(())).await
        })
        .await?;
    }
    match store::vouch::verdict() {
        store::vouch::Verdict::Passed => Ok(()),
        store::vouch::Verdict::Failed => Err(AppError::Unauthorized),
        store::vouch::Verdict::Pending => Err(AppError::Busy),
    }
}

/// A request answered from the start again: the same method, address, headers and body, and
/// what the pipeline found of it (path parameters, request id).
fn copy(req: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    if let Some(params) = req.extensions().get::<PathParams>() {
        copy.extensions_mut().insert(params.clone());
    }
    if let Some(meta) = req.extensions().get::<RequestMeta>() {
        copy.extensions_mut().insert(meta.clone());
    }
    copy
}

/// The CSRF check for cookie sessions and the permission check, then the handler.
async fn signed_in(
    ctx: &Ctx,
    mut req: Request<Bytes>,
    principal: Principal,
    action: Action,
    handler: HandlerFn,
) -> AppResult<Response<Bytes>> {
    permitted(&req, &principal, action)?;
    req.extensions_mut().insert(principal);
    handler(ctx, req).await
}

/// The CSRF check for cookie sessions, and the permission check, in that order.
fn permitted(req: &Request<Bytes>, principal: &Principal, action: Action) -> AppResult<()> {
    if let Via::Session { secret, .. } = &principal.via {
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !safe && !secrets::constant_time_eq(sent, &secrets::csrf_token(secret)) {
            return Err(AppError::Forbidden(
                "missing or wrong CSRF token: send the X-CSRF-Token header given by /api/v1/auth/me".to_owned(),
            ));
        }
    }
    principal.require(action)
}
