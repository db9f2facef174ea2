//! Vercel function: `/api/v1/audit`, `/api/v1/queue`, `/api/v1/prep`, `/api/v1/experiments` (and, as they land, dashboard and analytics).

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Insights).await
}
