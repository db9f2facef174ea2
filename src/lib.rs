//! The adapter between Vercel's Rust runtime and OCC's HTTP core, shared by every function in
//! `api/`. It builds the context once per cold start, hands each request to the family's
//! router, and never lets an error or a panic reach the runtime (which would send the error
//! text to the client or drop the connection).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;
use http_body_util::BodyExt as _;
use occ_core::http::{Ctx, Routes, handle};
use occ_core::routes::Family;
use vercel_runtime::{Error, Request, Response, ResponseBody};

/// Every function allocates with mimalloc, as the `occ` command does: a request's reads took a
/// tenth to a fifth less time with it than with the system allocator (`occ bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs the Vercel function for one route family.
pub async fn run(family: Family) -> Result<(), Error> {
    let config = occ_core::Config::from_env().map_err(|e| format!("configuration error: {e}"))?;
    occ_core::telemetry::init(config.log_format);
    let ctx = Ctx::new(config).await.map_err(|e| format!("start-up failed: {e:#}"))?;
    let routes: Arc<Routes> = Arc::new(family.routes());
    vercel_runtime::run(vercel_runtime::service_fn(move |req: Request| {
        let ctx = ctx.clone();
        let routes = routes.clone();
        async move { Ok::<_, Error>(answer(&ctx, &routes, req).await) }
    }))
    .await
}

async fn answer(ctx: &Ctx, routes: &Routes, req: Request) -> Response<ResponseBody> {
    // On the heap, as a server task is: a debug build's request future is large.
    let response = AssertUnwindSafe(Box::pin(handle(ctx, routes, req, None))).catch_unwind().await;
    match response {
        Ok(response) => {
            occ_core::http::server::body(response).map(|body| ResponseBody(body.map_err(Error::from).boxed()))
        }
        Err(_) => {
            tracing::error!("panic escaped the request pipeline");
            let mut response =
                Response::new(ResponseBody::from(r#"{"error":{"code":"internal","message":"internal error"}}"#));
            *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
            response
        }
    }
}
