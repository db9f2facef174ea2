//! OCC's core, in three layers. Each layer imports only from the layers below it; `cargo xtask
//! layers` (run by CI) fails when a module names a layer above its own, or a family one above it.
//!
//! 1. **Platform**, which knows no feature: configuration (`config`), secrets (`crypto`), the
//!    error type and its envelope (`error`), the libSQL store, its migrations and its writes
//!    (`store`), the HTTP primitives (`http`: context, route table type, extractors, responses,
//!    server, the one way a list pages), who may do what (`access`), the audit log's write side
//!    (`audit`), the domain's shared types (`domain`), the one way a status moves and a record
//!    changes (`lifecycle`), field checks (`validate`), logging (`telemetry`), the model gateway
//!    (`llm`), and the generic parts of the OpenAPI description (`openapi`).
//! 2. **Features**, one folder per route family, the same families as the Vercel functions in
//!    `api/`, bottom to top: `health`, `auth`, `accounts`, `contacts`, `settings`, `channels`,
//!    `outreach`, `insights`, `agents`, `cron`. Each exposes its family's `routes()` and uses the families
//!    below it (outreach moves contacts' stages, insights reads outreach's work). Two uses go the
//!    other way, each a whole rule kept in one place: a changed account rescores its contacts
//!    (`contacts::scoring`), and a provider's reply event is ingested as outreach's replies are
//!    (`outreach::replies::ingest`).
//! 3. **Top**: the route table and the OpenAPI document (`routes`), which the binaries (`occ
//!    serve`, the functions in `api/`) mount, and the demo data (`seed`), which drives the
//!    features as a user would.

// Platform.
pub mod access;
pub mod audit;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod http;
pub mod lifecycle;
pub mod llm;
pub mod openapi;
pub mod store;
pub mod telemetry;
mod validate;

// Features, by route family.
pub mod accounts;
pub mod agents;
pub mod auth;
pub mod channels;
pub mod contacts;
pub mod cron;
pub mod health;
pub mod insights;
pub mod outreach;
pub mod settings;

// Top.
pub mod routes;
pub mod seed;

pub use config::Config;
pub use error::{AppError, AppResult};

/// The application version, reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
