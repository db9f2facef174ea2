//! The local server behind `occ serve` and the tests: every family's routes under `/api`, the
//! single-page app from `public/` for everything else (with `index.html` as the fallback).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::TryStreamExt as _;
use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use super::assets::Assets;
use super::{Ctx, Routes, handle, headers};
use crate::error::AppError;

/// How much the local server takes on at once, and how long it waits for a slow client.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; past it the server accepts no more until one closes (the
    /// others wait in the system's queue).
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and, on a kept-alive
    /// connection, to start the next request) before the connection is closed.
    pub header_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_connections: 512, header_read_timeout: Duration::from_secs(10) }
    }
}

/// How long the server rests after a failed accept (out of file descriptors, say) before it
/// tries again, so that a failure that lasts does not become a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// At most one log line per this long for failed accepts; the rest are counted in the next.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(10);

/// A bound, not yet running, local server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    limits: Limits,
}

#[derive(Debug)]
struct App {
    ctx: Arc<Ctx>,
    routes: Routes,
    assets: Assets,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port) for `routes` (every family's, for `occ serve`)
    /// and the app in `public_dir`.
    pub async fn bind(ctx: Arc<Ctx>, addr: SocketAddr, routes: Routes, public_dir: PathBuf) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Self {
            listener,
            app: Arc::new(App { ctx, routes, assets: Assets::new(public_dir) }),
            limits: Limits::default(),
        })
    }

    /// The same server with other limits.
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let open = Arc::new(Semaphore::new(self.limits.max_connections));
        let mut failures = Throttle::new(ACCEPT_LOG_EVERY);
        loop {
            // A free place first: at the cap, new connections wait in the system's queue.
            let place = tokio::select! {
                place = open.clone().acquire_owned() => place,
                () = &mut shutdown => return,
            };
            let Ok(place) = place else { return };
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => return,
            };
            let (stream, peer) = match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    if let Some(also) = failures.allow(Instant::now()) {
                        tracing::warn!(error = %err, failures_not_logged = also, "accept failed");
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            let app = self.app.clone();
            let limits = self.limits;
            tokio::spawn(async move {
                let _place = place;
                let service = service_fn(move |req| {
                    let app = app.clone();
                    async move {
                        // Each answer is a task of its own, so a client that goes away
                        // mid-request does not cut its work short: a transaction on a remote
                        // database would hold the write lock until the server gave up on it.
                        let answer = tokio::spawn(async move { app.answer(req, peer).await }).await;
                        Ok::<_, Infallible>(answer.unwrap_or_else(|_| {
                            body(AppError::Internal(anyhow::anyhow!("the answer's task failed")).to_response("-"))
                        }))
                    }
                });
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_read_timeout)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

/// Lets through at most one event per period, and counts the ones held back meanwhile.
#[derive(Debug)]
struct Throttle {
    every: Duration,
    last: Option<Instant>,
    held: u64,
}

impl Throttle {
    fn new(every: Duration) -> Self {
        Self { every, last: None, held: 0 }
    }

    /// Some(events held back since the last one let through) when this one may go.
    fn allow(&mut self, now: Instant) -> Option<u64> {
        if self.last.is_some_and(|last| now.duration_since(last) < self.every) {
            self.held += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.held))
    }
}

impl App {
    async fn answer(&self, req: Request<Incoming>, peer: SocketAddr) -> Response<BoxBody<Bytes, std::io::Error>> {
        let path = req.uri().path();
        let response = if path == "/api" || path.starts_with("/api/") {
            handle(&self.ctx, &self.routes, req, Some(peer.ip())).await
        } else {
            let https = headers::is_https(&req);
            let mut response = self.assets.answer(req.method(), path, req.headers()).await;
            headers::static_security(response.headers_mut(), https);
            response
        };
        body(response)
    }
}

/// The body to send: the streamed one when the handler made one, else the bytes.
pub fn body(mut response: Response<Bytes>) -> Response<BoxBody<Bytes, std::io::Error>> {
    match super::take_stream(&mut response) {
        Some(stream) => response.map(|_| StreamBody::new(stream.map_ok(Frame::data)).boxed()),
        None => response.map(|bytes| Full::new(bytes).map_err(|never| match never {}).boxed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lasting_failure_is_logged_once_a_period_with_a_count_of_the_rest() {
        let start = Instant::now();
        let mut throttle = Throttle::new(Duration::from_secs(10));
        assert_eq!(throttle.allow(start), Some(0));
        for ms in 1..=1000 {
            assert_eq!(throttle.allow(start + Duration::from_millis(ms)), None);
        }
        assert_eq!(throttle.allow(start + Duration::from_secs(10)), Some(1000));
        assert_eq!(throttle.allow(start + Duration::from_secs(11)), None);
    }
}
