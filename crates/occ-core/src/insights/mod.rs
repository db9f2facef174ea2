//! The insights family (`api/insights.rs`): what to do and what happened. The Today queue
//! (`queue`), the prep card (`prep`), the dashboard, analytics and time series (`analytics`),
//! experiments on sequence steps (`experiments`), the statistics of analytics and experiments
//! (`stats`) and the audit log's reading side (`audit`; the writing side is the platform's
//! `crate::audit`).

pub mod analytics;
pub mod audit;
pub mod experiments;
pub mod prep;
pub mod queue;
pub mod stats;
mod zones;

use crate::access::Access::Signed;
use crate::access::Action::ReadAudit;
use crate::handler;
use crate::http::Routes;

/// The insights family's routes.
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/audit", Signed(ReadAudit), handler!(audit::list))
        .merge(queue::routes())
        .merge(prep::routes())
        .merge(analytics::routes())
        .merge(experiments::routes())
}
