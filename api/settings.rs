//! Vercel function: `/api/v1/settings`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Settings).await
}
