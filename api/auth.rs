//! Vercel function: `/api/v1/auth`, `/api/v1/users`, `/api/v1/tokens`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Auth).await
}
