//! Settings: versioned tunables. Each change inserts a new version, so every score can name the
//! model it was computed with. `GET/PUT /api/v1/settings/icp` holds the ICP model.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageSettings, ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::contacts::scoring::IcpConfig;
use crate::contacts::scoring::recompute::{self, Progress};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, RequestMeta, Routes};
use crate::store::{Conn, from_row, single};

pub mod pacing;

/// The settings family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/settings/icp", Signed(ReadData), handler!(get_icp))
        .route(::http::Method::PUT, "/api/v1/settings/icp", Signed(ManageSettings), handler!(put_icp))
        .get("/api/v1/settings/icp/rescore", Signed(ReadData), handler!(rescore_progress))
        .post("/api/v1/settings/icp/rescore", Signed(WriteData), handler!(rescore))
        .get("/api/v1/settings/pacing", Signed(ReadData), handler!(pacing::get))
        .route(::http::Method::PUT, "/api/v1/settings/pacing", Signed(ManageSettings), handler!(pacing::put))
}

/// Contacts rescored per transaction: under a second of work on a large book.
const RESCORE_CHUNK: u32 = 2000;
/// How long one rescore request keeps working: well inside a serverless function's limit.
const RESCORE_BUDGET: std::time::Duration = std::time::Duration::from_secs(2);

/// How far rescoring everyone with the current model has come.
#[utoipa::path(get, path = "/api/v1/settings/icp/rescore", tag = "settings",
    responses((status = 200, body = Progress)))]
pub(crate) async fn rescore_progress(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&recompute::progress(&ctx.conn().await?).await?)
}

/// Rescore contacts still scored with an older model, the best first, for about two seconds, in
/// chunks of 2,000 (each one statement in its own transaction, so an interrupted request loses
/// nothing); call again until `done`.
#[utoipa::path(post, path = "/api/v1/settings/icp/rescore", tag = "settings",
    responses((status = 200, body = Progress)))]
pub(crate) async fn rescore(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let conn = ctx.conn().await?;
    let started = std::time::Instant::now();
    loop {
        // The progress counts the book, so only the request's last chunk asks for it (a short
        // chunk brings it unasked).
        let last = started.elapsed() >= RESCORE_BUDGET;
        if let (_, Some(progress)) = recompute::rescore_behind(&conn, RESCORE_CHUNK, last).await? {
            return http::ok(&progress);
        }
    }
}

/// A version of a setting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Versioned<T> {
    /// 1, 2, ... (0: never set, the defaults).
    pub version: i64,
    /// The value.
    pub value: T,
    /// When this version was made.
    pub created_at: Option<String>,
    /// By whom (an audit actor: `user:<id>`, `token:<id>`, `seed`).
    pub created_by: Option<String>,
    /// The name of the user behind `created_by`.
    pub created_by_name: Option<String>,
}

/// A version of a setting as stored: its value is JSON text.
#[derive(Deserialize)]
struct StoredVersion {
    version: i64,
    value: String,
    created_at: String,
    created_by: Option<String>,
    created_by_name: Option<String>,
}

const ICP: &str = "icp";

/// The current ICP model (one call); the defaults at version 0 when none was saved.
pub async fn current_icp(conn: &Conn) -> AppResult<Versioned<IcpConfig>> {
    current(conn, ICP).await
}

/// The current version of the setting `key` (one call); the defaults at version 0 when none was
/// saved.
pub async fn current<T: serde::de::DeserializeOwned + Default>(conn: &Conn, key: &str) -> AppResult<Versioned<T>> {
    let row = conn
        .query_opt(
            "SELECT s.version, s.value, s.created_at, s.created_by, \
             (SELECT u.name FROM users u WHERE u.id = CASE \
                WHEN s.created_by LIKE 'user:%' THEN substr(s.created_by, 6) \
                WHEN s.created_by LIKE 'token:%' THEN (SELECT t.user_id FROM api_tokens t WHERE t.id = substr(s.created_by, 7)) \
              END) AS created_by_name \
             FROM settings s WHERE s.key = ?1 ORDER BY s.version DESC LIMIT 1",
            [key],
            from_row,
        )
        .await?;
    match row {
        None => {
            Ok(Versioned { version: 0, value: T::default(), created_at: None, created_by: None, created_by_name: None })
        }
        Some(StoredVersion { version, value, created_at, created_by, created_by_name }) => Ok(Versioned {
            version,
            value: serde_json::from_str(&value)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored setting {key}: {e}")))?,
            created_at: Some(created_at),
            created_by,
            created_by_name,
        }),
    }
}

/// The ICP model in use: weights, targets, signal half-life.
#[utoipa::path(get, path = "/api/v1/settings/icp", tag = "settings",
    responses((status = 200, body = Versioned<IcpConfig>)))]
pub(crate) async fn get_icp(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&current_icp(&ctx.conn().await?).await?)
}

/// Replace the ICP model (admins); saved as a new version. Everyone is then rescored with it
/// by `POST /api/v1/settings/icp/rescore` (the Settings screen drives it with a progress bar).
#[utoipa::path(put, path = "/api/v1/settings/icp", tag = "settings", request_body = IcpConfig,
    responses((status = 200, body = Versioned<IcpConfig>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn put_icp(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let config: IcpConfig = http::body_json(&req)?;
    config.validate()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let saved = save(&ctx.conn().await?, &actor, ICP, &config).await?;
    http::ok(&Versioned { created_by_name: Some(principal.name.clone()), ..saved })
}

/// Saves `value` as the next version of the setting `key`, audited.
pub(crate) async fn save<T: Serialize + Clone>(
    conn: &Conn,
    actor: &audit::Actor,
    key: &str,
    value: &T,
) -> AppResult<Versioned<T>> {
    let text = serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))?;
    let at = crate::domain::now();
    let version = conn
        .immediate(async |conn| {
            let version: i64 = conn
                .query_one(
                    "setting",
                    "INSERT INTO settings (key, version, value, created_at, created_by) \
                     SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4 FROM settings WHERE key = ?1 RETURNING version",
                    libsql::params![key, text.as_str(), at.as_str(), actor.name.as_str()],
                    single,
                )
                .await?;
            let after = serde_json::json!({"version": version, "value": value});
            audit::record_with(conn, actor, "settings.update", "setting", key, None, Some(&after)).await?;
            Ok(version)
        })
        .await?;
    Ok(Versioned {
        version,
        value: value.clone(),
        created_at: Some(at),
        created_by: Some(actor.name.clone()),
        created_by_name: None,
    })
}
