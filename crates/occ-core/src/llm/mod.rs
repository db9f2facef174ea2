//! The model gateway: one OpenAI-compatible client (Ollama, vLLM, OpenAI, Vercel's AI Gateway),
//! built once per process from [`crate::config::LlmConfig`], that asks for an answer of a
//! given JSON schema and hands back the caller's typed value, or a typed [`LlmError`] the caller
//! falls back on. Every call counts against the team's daily token budget in the database.
//!
//! Platform layer: it names no feature; the agents that use it sit above.

mod budget;
mod call;
mod error;
mod schema;
mod wire;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use budget::spent_today;
pub use error::LlmError;
pub use schema::{refers_elsewhere, strict_schema};
pub use wire::{Message, Role, Usage};

use crate::config::LlmConfig;
use crate::store::Conn;

/// How long a connection to the model's server may take to open (less when the call's
/// timeout is shorter).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What one call asks: the messages, and the shape of the answer.
#[derive(Debug, Clone, Copy)]
pub struct Prompt<'a> {
    /// The schema's name, as structured output wants one (`reply_intent`).
    pub name: &'a str,
    /// The JSON schema of the answer, which the typed output matches.
    pub schema: &'a Value,
    /// The conversation.
    pub messages: &'a [Message],
    /// The most tokens the answer may take (and what the budget reserves for it).
    pub max_tokens: u32,
}

/// A typed answer and what it cost.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    /// The answer, of the caller's type.
    pub value: T,
    /// The tokens read and written, as the server reported them.
    pub usage: Usage,
    /// How long the call took, retries included.
    pub latency: Duration,
}

/// The configured model, as the health report shows it (never the key).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    /// The model's name.
    pub model: String,
    /// The host (and port) of the server.
    pub base_host: String,
}

/// The gateway: the configuration and one HTTP client, shared by every call of the process.
#[derive(Debug)]
pub struct Gateway {
    config: Option<LlmConfig>,
    http: reqwest::Client,
    /// Set once the server refused `json_schema`: later calls go straight to JSON mode.
    json_mode_only: AtomicBool,
}

impl Gateway {
    /// Builds the gateway; `None` is no model, and every call answers `NotConfigured`. Fails
    /// only when the HTTP client cannot be made (no TLS roots).
    pub fn new(config: Option<LlmConfig>) -> anyhow::Result<Self> {
        let connect = config.as_ref().map_or(CONNECT_TIMEOUT, |c| c.timeout.min(CONNECT_TIMEOUT));
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .context("while building the model's HTTP client")?;
        Ok(Self { config, http, json_mode_only: AtomicBool::new(false) })
    }

    /// The configured model, if any, without calling it.
    pub fn info(&self) -> Option<ModelInfo> {
        self.config.as_ref().map(|c| ModelInfo { model: c.model.clone(), base_host: c.base_host().to_owned() })
    }

    /// Asks the model for an answer of `prompt.schema`, read as `T`. Reserves the call's tokens
    /// from today's budget first (over it, the model is not called), and settles them to what
    /// the server reported afterwards.
    pub async fn complete<T: DeserializeOwned>(&self, conn: &Conn, prompt: Prompt<'_>) -> Result<Answer<T>, LlmError> {
        let config = self.config.as_ref().ok_or(LlmError::NotConfigured)?;
        let reservation = match config.daily_tokens {
            None => None,
            Some(limit) => Some(budget::reserve(conn, limit, estimate(&prompt)).await?.ok_or(LlmError::OverBudget)?),
        };
        let started = Instant::now();
        let (content, usage) = self.ask(config, prompt).await;
        if let Some(reservation) = reservation {
            budget::settle(conn, reservation, usage.prompt_tokens + usage.completion_tokens).await?;
        }
        let value = serde_json::from_value::<T>(content?).map_err(|e| LlmError::SchemaViolation(e.to_string()))?;
        Ok(Answer { value, usage, latency: started.elapsed() })
    }

    /// The exchange: structured output first, JSON mode if the server lacks it.
    async fn ask(&self, config: &LlmConfig, prompt: Prompt<'_>) -> (Result<Value, LlmError>, Usage) {
        if !self.json_mode_only.load(Ordering::Relaxed) {
            let request = wire::ChatRequest {
                model: &config.model,
                messages: prompt.messages.to_vec(),
                max_tokens: prompt.max_tokens,
                temperature: 0.0,
                response_format: wire::json_schema_format(prompt.name, prompt.schema),
            };
            match call::post(&self.http, config, &request).await {
                call::Outcome::NoStructuredOutput => self.json_mode_only.store(true, Ordering::Relaxed),
                outcome => return unpack(outcome),
            }
        }
        let mut messages = vec![wire::schema_instruction(prompt.schema)];
        messages.extend_from_slice(prompt.messages);
        let request = wire::ChatRequest {
            model: &config.model,
            messages,
            max_tokens: prompt.max_tokens,
            temperature: 0.0,
            response_format: wire::json_object_format(),
        };
        unpack(call::post(&self.http, config, &request).await)
    }
}

fn unpack(outcome: call::Outcome) -> (Result<Value, LlmError>, Usage) {
    match outcome {
        call::Outcome::Answered { content, usage } => (Ok(content), usage),
        call::Outcome::Failed { error, usage } => (Err(error), usage),
        call::Outcome::NoStructuredOutput => {
            (Err(LlmError::Status { status: 400, detail: "the server refused JSON mode".to_owned() }), Usage::default())
        }
    }
}

/// The tokens a call may take: its text at about four characters a token, and its answer.
fn estimate(prompt: &Prompt<'_>) -> u64 {
    let chars: usize = prompt.messages.iter().map(|m| m.content.len()).sum::<usize>() + prompt.schema.to_string().len();
    u64::try_from(chars / 4).unwrap_or(u64::MAX).saturating_add(u64::from(prompt.max_tokens))
}
