//! `GET /api/v1/health/llm` (admins): asks the configured model one tiny question, through the
//! gateway as every agent does (so it counts against the day's token budget), and says whether
//! it answered, how fast, and if not, why.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::http::{self, Ctx};
use crate::llm::{Message, Prompt};

/// What the model answered to the check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct LlmHealth {
    /// Whether the model answered with the asked shape.
    reachable: bool,
    /// The configured model, or null with none.
    model: Option<String>,
    /// How long the call took, retries included (null when no call was made).
    latency_ms: Option<u64>,
    /// Why it did not answer; never the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The shape the model is asked for.
#[derive(Debug, Deserialize)]
struct Pong {
    #[allow(dead_code, reason = "the answer's shape is checked; its value is not needed")]
    ok: bool,
}

/// Calls the model once with a tiny prompt.
#[utoipa::path(get, path = "/api/v1/health/llm", tag = "health", operation_id = "llm",
    responses(
        (status = 200, description = "Whether the model answered, and how fast", body = LlmHealth),
    ))]
pub(crate) async fn check(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let conn = ctx.conn().await?;
    let schema = serde_json::json!({
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": false,
    });
    let messages = [Message::system("You check that a service is up."), Message::user("Answer {\"ok\": true}.")];
    let prompt = Prompt { name: "health_check", schema: &schema, messages: &messages, max_tokens: 16 };
    let started = std::time::Instant::now();
    let answered = ctx.llm.complete::<Pong>(&conn, prompt).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let model = ctx.llm.info().map(|i| i.model);
    let report = match answered {
        Ok(_) => LlmHealth { reachable: true, model, latency_ms: Some(latency_ms), error: None },
        Err(e) => {
            tracing::warn!(reason = e.kind(), "health: the model did not answer");
            let called = !matches!(e, crate::llm::LlmError::NotConfigured | crate::llm::LlmError::OverBudget);
            LlmHealth { reachable: false, model, latency_ms: called.then_some(latency_ms), error: Some(e.to_string()) }
        }
    };
    http::ok(&report)
}
