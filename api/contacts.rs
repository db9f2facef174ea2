//! Vercel function: `/api/v1/contacts`, `/api/v1/import`, `/api/v1/imports`, `/api/v1/export`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Contacts).await
}
