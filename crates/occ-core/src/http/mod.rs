//! The HTTP core shared by every route family and both ways of running OCC (the local server
//! and the Vercel functions): the context, the router, and the one request pipeline. It names
//! no feature: whoever runs it hands it a route table (`crate::routes`).

mod assets;
mod extract;
pub mod headers;
mod keyset;
mod meta;
mod respond;
mod router;
pub mod server;
mod signed;
mod stream;
mod strict;

use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt as _;
use http::{HeaderValue, Method, Request, Response};
use http_body_util::{BodyExt as _, Limited};

use crate::access::{self, Access};
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::store::{self, Store, migrate};

pub use extract::{Patch, Query, body_json, parse_time, path_id, path_uuid};
pub use keyset::{Key, Keyset};
pub use meta::{BODY_TIMEOUT, RequestMeta, body_limit};
use meta::{client_ip, request_id};
pub use respond::{
    DEFAULT_LIMIT, MAX_LIMIT, Page, PageCursor, PageLimit, created, cursor, decode_cursor, encode_cursor, limit,
    no_content, ok, sort, with_status,
};
pub use router::{BoxFuture, HandlerFn, PathParams, Routes};
pub use stream::{ByteStream, SharedStream, streamed, take_stream};

use router::Matched;

/// Everything a handler may use, built once per process (per cold start) and shared.
#[derive(Debug)]
pub struct Ctx {
    /// The configuration.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// This instance's leases of the request budgets (see `access::authenticate`).
    pub leases: access::Leases,
    /// The pacing settings as this instance last saw them.
    pub pacing_seen: store::Seen,
    /// The model gateway, with its one HTTP client.
    pub llm: crate::llm::Gateway,
    schema_ok: AtomicBool,
}

impl Ctx {
    /// Opens the store and builds the context.
    pub async fn new(config: Config) -> anyhow::Result<Arc<Self>> {
        let store = Store::open(&config).await?;
        Ok(Arc::new(Self {
            llm: crate::llm::Gateway::new(config.llm.clone())?,
            config,
            store,
            leases: access::Leases::default(),
            pacing_seen: store::Seen::default(),
            schema_ok: AtomicBool::new(false),
        }))
    }

    /// Fails with 503 while the database's schema is behind this build. Checked once per
    /// process; a database that is behind is checked again on the next request, so a deploy
    /// step that migrates it clears the error without a restart.
    async fn ensure_schema(&self, conn: &store::Conn) -> AppResult<()> {
        if self.schema_ok.load(Ordering::Relaxed) {
            return Ok(());
        }
        let applied = migrate::applied_version(conn).await?;
        let expected = migrate::expected_version();
        if applied < expected {
            return Err(schema_behind(applied, expected));
        }
        self.schema_ok.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// A connection for this request, after the schema check.
    pub async fn conn(&self) -> AppResult<store::Conn> {
        let conn = self.store.connect().await?;
        self.ensure_schema(&conn).await?;
        Ok(conn)
    }
}

/// The 503 answered while the database is behind the code.
pub fn schema_behind(applied: i64, expected: i64) -> AppError {
    AppError::Unavailable(format!(
        "the database schema is at version {applied} but this build needs version {expected}; run `occ migrate up` against it"
    ))
}

/// Answers one API request: the whole pipeline, in the order ARCHITECTURE.md gives. Never
/// fails and never panics outward: every error and panic becomes an envelope response.
pub async fn handle<B>(ctx: &Ctx, routes: &Routes, req: Request<B>, peer: Option<IpAddr>) -> Response<Bytes>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let started = Instant::now();
    let meta = RequestMeta { request_id: request_id(&req), client_ip: client_ip(&req, peer, &ctx.config) };
    let method = req.method().clone();
    let https = headers::is_https(&req);
    let origin = req.headers().get(http::header::ORIGIN).cloned();

    let answering = store::vouch::vouching(pipeline(ctx, routes, req, meta.clone()));
    let (outcome, db_calls) = store::count_calls(AssertUnwindSafe(answering).catch_unwind()).await;
    let (pattern, result) = match outcome {
        Ok(done) => done,
        Err(_panic) => ("(panic)", Err(AppError::Internal(anyhow::anyhow!("handler panicked")))),
    };
    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            if let AppError::Internal(cause) = &err {
                tracing::error!(request_id = %meta.request_id, route = pattern, error = format!("{cause:#}"), "request failed");
            }
            err.to_response(&meta.request_id)
        }
    };
    if method == Method::HEAD {
        *response.body_mut() = Bytes::new();
        take_stream(&mut response);
    }
    let h = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&meta.request_id) {
        h.insert("x-request-id", id);
    }
    h.insert("x-db-calls", HeaderValue::from(db_calls.statements));
    h.insert("x-db-round-trips", HeaderValue::from(db_calls.round_trips));
    h.insert("x-db-retries", HeaderValue::from(db_calls.retries));
    h.insert("x-db-auth-round-trips", HeaderValue::from(db_calls.authentication));
    headers::api_security(h, https);
    headers::cors(h, &ctx.config.allowed_origins, origin.as_ref());

    tracing::info!(
        method = %method,
        route = pattern,
        status = response.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        db_calls = db_calls.statements,
        db_round_trips = db_calls.round_trips,
        request_id = %meta.request_id,
        "request"
    );
    response
}

async fn pipeline<B>(
    ctx: &Ctx,
    routes: &Routes,
    req: Request<B>,
    meta: RequestMeta,
) -> (&'static str, AppResult<Response<Bytes>>)
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    if let Some(preflight) = headers::preflight(&req, &ctx.config.allowed_origins) {
        return ("(preflight)", Ok(preflight));
    }
    let (handler, access, pattern, params) = match routes.find(req.method(), req.uri().path()) {
        Matched::Handler { handler, access, pattern, params } => (handler, access, pattern, params),
        Matched::WrongMethod { pattern, allowed } => {
            return (pattern, Err(AppError::MethodNotAllowed(allowed)));
        }
        Matched::NotFound => return ("(none)", Err(AppError::NotFound("route"))),
    };
    if let Err(err) = extract::query_text(req.uri()) {
        return (pattern, Err(err));
    }
    let limit = body_limit(req.uri().path());
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await;
    let bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(err)) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return (pattern, Err(AppError::PayloadTooLarge { limit }));
        }
        Ok(Err(err)) => {
            return (pattern, Err(AppError::BadRequest(format!("the body could not be read: {err}"))));
        }
        Err(_) => return (pattern, Err(AppError::RequestTimeout { seconds: BODY_TIMEOUT.as_secs() })),
    };
    let mut req = Request::from_parts(parts, bytes);
    req.extensions_mut().insert(params);
    req.extensions_mut().insert(meta);
    let Access::Signed(action) = access else { return (pattern, handler(ctx, req).await) };
    (pattern, signed::answer(ctx, req, action, handler).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler;

    async fn boom(_ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
        panic!("secret detail from {}", req.uri());
    }

    async fn calls_twice(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
        let conn = ctx.store.connect().await?;
        conn.query_all("SELECT 1", (), |_| Ok(())).await?;
        conn.query_all("SELECT 2", (), |_| Ok(())).await?;
        Ok(no_content())
    }

    async fn test_ctx() -> (tempfile::TempDir, Arc<Ctx>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = Ctx::new(Config::local(dir.path().join("t.db"))).await.expect("ctx");
        (dir, ctx)
    }

    fn request(path: &str) -> Request<http_body_util::Full<Bytes>> {
        Request::builder().uri(path).body(http_body_util::Full::new(Bytes::new())).expect("request")
    }

    #[tokio::test]
    async fn a_panicking_handler_is_answered_with_an_opaque_500() {
        let (_dir, ctx) = test_ctx().await;
        let routes = Routes::new().get("/api/v1/boom", Access::Public, handler!(boom));
        let response = handle(&ctx, &routes, request("/api/v1/boom"), None).await;
        assert_eq!(response.status(), 500);
        let body = String::from_utf8_lossy(response.body()).into_owned();
        assert!(!body.contains("secret"), "{body}");
        assert!(body.contains("\"code\":\"internal\""), "{body}");
        assert!(response.headers().contains_key("x-request-id"));
    }

    #[tokio::test]
    async fn database_calls_are_counted_per_request() {
        let (_dir, ctx) = test_ctx().await;
        let routes = Routes::new().get("/api/v1/twice", Access::Public, handler!(calls_twice));
        let response = handle(&ctx, &routes, request("/api/v1/twice"), None).await;
        assert_eq!(response.headers()["x-db-calls"], "2");
        let again = handle(&ctx, &routes, request("/api/v1/twice"), None).await;
        assert_eq!(again.headers()["x-db-calls"], "2", "each request starts from zero");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_never_arrives_is_a_408() {
        let (_dir, ctx) = test_ctx().await;
        let routes = Routes::new().post("/api/v1/twice", Access::Public, handler!(calls_twice));
        let never = http_body_util::StreamBody::new(futures_util::stream::pending::<
            Result<hyper::body::Frame<Bytes>, std::io::Error>,
        >());
        let req = Request::builder().method(Method::POST).uri("/api/v1/twice").body(never).expect("request");
        let response = handle(&ctx, &routes, req, None).await;
        assert_eq!(response.status(), 408);
        assert!(String::from_utf8_lossy(response.body()).contains("request_timeout"));
    }
}
