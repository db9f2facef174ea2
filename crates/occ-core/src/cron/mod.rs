//! The cron family (`api/cron.rs`): `/api/cron/tick` runs one tick of the background worker
//! (`worker`, which `occ serve` also runs on a timer) for a caller that presents
//! `Authorization: Bearer $CRON_SECRET` (Vercel Cron sends it; so can any scheduler). No session
//! is involved, so the secret is the whole of the access check.

pub mod worker;

use ::http::{Request, Response, header};
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::access::Access::Public;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use worker::TickReport;

/// The cron family's routes.
pub fn routes() -> Routes {
    Routes::new().get("/api/cron/tick", Public, handler!(run))
}

/// Compares two secrets in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Run one tick: the identities' mailboxes are read (replies, bounces, auto-replies), sequence
/// steps that are due become drafts, pauses end, approved emails go out, and swarm tasks run.
/// A step that fails is reported in `failed_steps` (and logged under `tick_id`); the tick
/// itself always answers.
#[utoipa::path(get, path = "/api/cron/tick", tag = "health",
    responses((status = 200, body = TickReport), (status = 401, description = "The bearer is not CRON_SECRET", body = ErrorResponse),
        (status = 503, description = "CRON_SECRET is not set", body = ErrorResponse)),
    security(("cron" = [])))]
pub(crate) async fn run(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let Some(secret) = &ctx.config.cron_secret else {
        return Err(AppError::Unavailable("the cron tick is off: set CRON_SECRET".to_owned()));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same(given, secret.expose()) {
        return Err(AppError::Unauthorized);
    }
    let deadline = std::time::Instant::now() + worker::TICK_BUDGET;
    http::ok(&worker::run_in(ctx, &ctx.conn().await?, chrono::Utc::now(), deadline).await)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::same("0123456789abcdef", "0123456789abcdef"));
        assert!(!super::same("0123456789abcdef", "0123456789abcdeX"));
        assert!(!super::same("", "0123456789abcdef"));
    }
}
