//! The health family (`api/health.rs`): `GET /api/v1/health`, is the database reachable, is its
//! schema the one this build needs, which model is configured (without calling it); and, for
//! admins, `GET /api/v1/health/llm`, which calls the model once (see `health/llm.rs`). The
//! family also serves `/api/v1/openapi.json`, which the top of the core adds (`crate::routes`):
//! the document describes every family.

pub(crate) mod llm;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Serialize;

use crate::access::{Access, Action};
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{self, Ctx, Routes};
use crate::store::migrate;

/// The health family's routes.
pub fn routes() -> Routes {
    Routes::new().get("/api/v1/health", Access::Public, handler!(health)).get(
        "/api/v1/health/llm",
        Access::Signed(Action::ManageSettings),
        handler!(llm::check),
    )
}

/// The health report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
    database: &'static str,
    schema_version: SchemaVersion,
    model: ModelStatus,
}

/// Whether a model is configured, and which; without one every agent answers with its fallback.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct ModelStatus {
    configured: bool,
    /// The model's name.
    model: Option<String>,
    /// The host (and port) of its server; never the key.
    base_host: Option<String>,
}

impl ModelStatus {
    fn of(info: Option<crate::llm::ModelInfo>) -> Self {
        match info {
            Some(info) => Self { configured: true, model: Some(info.model), base_host: Some(info.base_host) },
            None => Self { configured: false, model: None, base_host: None },
        }
    }
}

/// The schema version the database has and the one this build needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SchemaVersion {
    applied: i64,
    expected: i64,
}

/// Whether the service and its database are ready.
#[utoipa::path(get, path = "/api/v1/health", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database is unreachable or behind this build", body = crate::error::ErrorResponse),
    ))]
pub(crate) async fn health(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let unreachable = |e: AppError| {
        tracing::error!(error = %e, "health: database unreachable");
        AppError::Unavailable("the database is unreachable".to_owned())
    };
    let conn = ctx.store.connect().await.map_err(unreachable)?;
    let applied = migrate::applied_version(&conn).await.map_err(unreachable)?;
    let expected = migrate::expected_version();
    if applied < expected {
        return Err(http::schema_behind(applied, expected));
    }
    http::ok(&Health {
        status: "ok",
        version: crate::VERSION,
        database: "ok",
        schema_version: SchemaVersion { applied, expected },
        model: ModelStatus::of(ctx.llm.info()),
    })
}
