//! What can go wrong when OCC asks the model, one kind each, so a caller can name its reason
//! for falling back. No message carries the key: server text is redacted before it is kept.

/// Why a call to the model gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// No model is configured: OCC runs on its fallbacks.
    #[error("no model is configured")]
    NotConfigured,
    /// The team's daily token budget is spent; the model was not called.
    #[error("the team's daily token budget is spent")]
    OverBudget,
    /// The model did not answer within the configured time.
    #[error("the model did not answer within {timeout_ms} ms")]
    Timeout {
        /// The timeout of one call.
        timeout_ms: u64,
    },
    /// The server answered with an error status (after the retries a 429 or a 5xx gets).
    #[error("the model's server answered {status}: {detail}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the server's answer, with the key taken out.
        detail: String,
    },
    /// The server could not be reached (after the retries).
    #[error("the model's server could not be reached: {0}")]
    Connection(String),
    /// The answer was not JSON, or not the chat completion shape.
    #[error("the model's answer is not valid JSON: {0}")]
    InvalidJson(String),
    /// The answer was JSON but not of the shape asked for.
    #[error("the model's answer does not match its schema: {0}")]
    SchemaViolation(String),
    /// The budget could not be read or written.
    #[error("the token budget could not be checked")]
    Database(#[source] crate::error::AppError),
}

impl LlmError {
    /// A short, stable name of the kind, for records and reports (`timeout`, `over_budget`).
    pub fn kind(&self) -> &'static str {
        match self {
            LlmError::NotConfigured => "not_configured",
            LlmError::OverBudget => "over_budget",
            LlmError::Timeout { .. } => "timeout",
            LlmError::Status { .. } => "http_status",
            LlmError::Connection(_) => "connection",
            LlmError::InvalidJson(_) => "invalid_json",
            LlmError::SchemaViolation(_) => "schema_violation",
            LlmError::Database(_) => "database",
        }
    }
}

impl From<crate::error::AppError> for LlmError {
    fn from(e: crate::error::AppError) -> Self {
        LlmError::Database(e)
    }
}

/// `text` cut to a few hundred characters with every occurrence of `key` replaced, so what a
/// server echoes back (some repeat the key they refused) never reaches an error or a log.
pub(super) fn redact(text: &str, key: Option<&str>) -> String {
    let mut text: String = text.chars().take(300).collect();
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        text = text.replace(key, "[redacted]");
    }
    text
}
