//! Vercel function: `/api/v1/audit` (and, as they land, dashboard, queue, prep, analytics).

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Insights).await
}
