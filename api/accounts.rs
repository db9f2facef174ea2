//! Vercel function: `/api/v1/accounts` (and, as they land, signals).

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Accounts).await
}
