//! Vercel function: `/api/v1/identities`, `/api/v1/suppression`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::http::Family::Channels).await
}
