//! Vercel function: `/api/v1/agents`, `/api/v1/agent-runs`, `/api/v1/swarms`.

#[tokio::main]
async fn main() -> Result<(), vercel_runtime::Error> {
    occ_api::run(occ_core::routes::Family::Agents).await
}
