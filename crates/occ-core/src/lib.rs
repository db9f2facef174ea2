//! OCC's core: configuration, the libSQL store and its migrations, the domain types, and the
//! HTTP handlers of every route family. Binaries (the `occ` CLI and the Vercel functions in
//! `api/`) only wire these together.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod config;
pub mod contacts;
pub mod cron;
pub mod crypto;
pub mod domain;
pub mod drafts;
pub mod enrollments;
pub mod error;
pub mod export;
pub mod followups;
pub mod health;
pub mod http;
pub mod identities;
pub mod imports;
pub mod linkedin;
pub mod openapi;
pub mod opportunities;
pub mod prep;
pub mod queue;
pub mod replies;
pub mod routes;
pub mod scoring;
pub mod seed;
pub mod sender;
pub mod sending;
pub mod sequences;
pub mod settings;
pub mod signals;
pub mod store;
pub mod suppression;
pub mod telemetry;
pub mod touchpoints;
pub mod unsubscribe;
mod validate;
pub mod webhooks;
pub mod worker;

pub use config::Config;
pub use error::{AppError, AppResult};

/// The application version, reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
