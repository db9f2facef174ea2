//! Vercel function: `/api/v1/sequences`, `/api/v1/enrollments`, `/api/v1/drafts`,
//! `/api/v1/replies`, `/api/v1/followups`, `/api/v1/opportunities`, `/api/v1/touchpoints`,
//! `/api/v1/linkedin`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Outreach).await
}
