//! The OpenAI-compatible chat completion request and answer, as far as OCC uses them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who says a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The instructions.
    System,
    /// The question, with its data.
    User,
}

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Who says it.
    pub role: Role,
    /// What is said.
    pub content: String,
}

impl Message {
    /// An instruction.
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: Role::System, content: content.into() }
    }

    /// A question.
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: Role::User, content: content.into() }
    }
}

/// `POST {base}/chat/completions`'s body.
#[derive(Debug, Serialize)]
pub(super) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f32,
    pub response_format: Value,
}

/// The answer's parts OCC reads.
#[derive(Debug, Deserialize)]
pub(super) struct ChatResponse {
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Choice {
    pub message: AnswerMessage,
}

#[derive(Debug, Deserialize)]
pub(super) struct AnswerMessage {
    #[serde(default)]
    pub content: Option<String>,
}

/// The tokens a call took, as the server counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Usage {
    /// Tokens read (the prompt).
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens written (the answer).
    #[serde(default)]
    pub completion_tokens: u64,
}

/// Structured output as the OpenAI API defines it: the schema, strictly.
pub(super) fn json_schema_format(name: &str, schema: &Value) -> Value {
    serde_json::json!({"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": true}})
}

/// Plain JSON mode, for servers without structured output; OCC then checks the shape itself.
pub(super) fn json_object_format() -> Value {
    serde_json::json!({"type": "json_object"})
}

/// The instruction that carries the schema when the server cannot hold it to it.
pub(super) fn schema_instruction(schema: &Value) -> Message {
    Message::system(format!("Answer with one JSON object, and nothing else, that matches this JSON Schema: {schema}"))
}
