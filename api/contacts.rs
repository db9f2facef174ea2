//! Vercel function: `/api/v1/contacts` (and, as they land, import, imports, export).

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::http::Family::Contacts).await
}
