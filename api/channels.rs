//! Vercel function: `/api/v1/identities`, `/api/v1/suppression`, `/api/v1/unsubscribe`,
//! `/api/v1/webhooks/email`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Channels).await
}
