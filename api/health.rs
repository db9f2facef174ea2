//! Vercel function: `/api/v1/health`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Health).await
}
