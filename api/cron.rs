//! Vercel function: `/api/cron/tick`, one worker tick for a caller with `CRON_SECRET`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Cron).await
}
