//! Vercel function: `/api/v1/sequences` (and, as they land, enrollments, drafts, touchpoints,
//! replies, follow-ups and tasks).

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::http::Family::Outreach).await
}
