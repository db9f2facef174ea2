//! One chat completion over HTTP: the per-call timeout, at most two retries on 429, 5xx and
//! connection failures (exponential backoff with jitter, or the server's `Retry-After`, capped),
//! and the answer's content read as JSON.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::error::{LlmError, redact};
use super::wire::{ChatRequest, ChatResponse, Usage};
use crate::config::{LlmConfig, RetryPolicy};

/// Tries of one call: the first and two retries.
pub(super) const MAX_TRIES: u32 = 3;

/// What one exchange ended with.
#[derive(Debug)]
pub(super) enum Outcome {
    /// The answer's content, parsed as JSON, and the tokens it took.
    Answered { content: Value, usage: Usage },
    /// A 400 saying the server does not know `json_schema` structured output.
    NoStructuredOutput,
    /// Any other failure, final.
    Failed { error: LlmError, usage: Usage },
}

/// Posts `request` until it is answered, fails for good, or has had its [`MAX_TRIES`].
pub(super) async fn post(http: &reqwest::Client, config: &LlmConfig, request: &ChatRequest<'_>) -> Outcome {
    let key = config.api_key.as_ref().map(|k| k.expose());
    let mut tries = 0;
    loop {
        tries += 1;
        let mut builder =
            http.post(format!("{}/chat/completions", config.base_url)).timeout(config.timeout).json(request);
        if let Some(key) = key {
            builder = builder.bearer_auth(key);
        }
        let retry_after = match builder.send().await {
            Err(e) if e.is_timeout() => return failed(timeout(config)),
            Err(e) if tries < MAX_TRIES && (e.is_connect() || e.is_request()) => None,
            Err(e) => return failed(LlmError::Connection(redact(&without_url(&e), key))),
            Ok(response) => {
                let status = response.status();
                let retry_after = retry_after_seconds(response.headers());
                let body = match response.text().await {
                    Ok(body) => body,
                    Err(e) if e.is_timeout() => return failed(timeout(config)),
                    Err(e) => return failed(LlmError::Connection(redact(&without_url(&e), key))),
                };
                if status.is_success() {
                    return read_answer(&body);
                }
                if status == StatusCode::BAD_REQUEST && lacks_structured_output(&body) {
                    return Outcome::NoStructuredOutput;
                }
                let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                if !retryable || tries >= MAX_TRIES {
                    return failed(LlmError::Status { status: status.as_u16(), detail: redact(&body, key) });
                }
                retry_after
            }
        };
        let jitter = Duration::from_millis(fastrand::u64(0..=millis(config.retry.base)));
        tokio::time::sleep(wait(config.retry, tries, retry_after, jitter)).await;
    }
}

fn failed(error: LlmError) -> Outcome {
    Outcome::Failed { error, usage: Usage::default() }
}

fn timeout(config: &LlmConfig) -> LlmError {
    LlmError::Timeout { timeout_ms: millis(config.timeout) }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A transport error's text without the URL (which is the configured base, kept out of errors
/// in case it carries credentials).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "the model's server");
    }
    text
}

/// The wait before try `tries + 1`: the server's `Retry-After` when it gave one, or else
/// `base * 2^(tries-1)` plus `jitter`; never more than `max_wait`.
pub(super) fn wait(policy: RetryPolicy, tries: u32, retry_after: Option<u64>, jitter: Duration) -> Duration {
    let wanted = match retry_after {
        Some(seconds) => Duration::from_secs(seconds),
        None => policy.base.saturating_mul(1 << tries.saturating_sub(1).min(16)) + jitter,
    };
    wanted.min(policy.max_wait)
}

/// `Retry-After` in seconds (the HTTP-date form is rare from model servers, and ignored).
fn retry_after_seconds(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Whether a 400's body says the server does not support `json_schema` response formats.
fn lacks_structured_output(body: &str) -> bool {
    let body = body.to_ascii_lowercase();
    body.contains("response_format") || body.contains("json_schema")
}

/// The content of the first choice, parsed as JSON, with the usage.
fn read_answer(body: &str) -> Outcome {
    let parsed: ChatResponse = match serde_json::from_str(body) {
        Ok(parsed) => parsed,
        Err(e) => return failed(LlmError::InvalidJson(format!("the completion did not decode: {e}"))),
    };
    let usage = parsed.usage.unwrap_or_default();
    let Some(content) = parsed.choices.into_iter().next().and_then(|c| c.message.content) else {
        return Outcome::Failed { error: LlmError::InvalidJson("the completion has no content".to_owned()), usage };
    };
    match serde_json::from_str::<Value>(strip_fence(&content)) {
        Ok(content) => Outcome::Answered { content, usage },
        Err(e) => Outcome::Failed { error: LlmError::InvalidJson(e.to_string()), usage },
    }
}

/// The content without the Markdown code fence some models wrap JSON in.
fn strip_fence(content: &str) -> &str {
    let trimmed = content.trim();
    trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.strip_suffix("```"))
        .map_or(trimmed, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_honours_retry_after_and_is_capped() {
        let policy = RetryPolicy::default();
        let none = Duration::ZERO;
        assert_eq!(wait(policy, 1, None, none), Duration::from_millis(250));
        assert_eq!(wait(policy, 2, None, none), Duration::from_millis(500));
        assert_eq!(wait(policy, 2, None, Duration::from_millis(100)), Duration::from_millis(600), "jitter is added");
        assert_eq!(wait(policy, 1, Some(1), none), Duration::from_secs(1), "Retry-After wins");
        assert_eq!(wait(policy, 1, Some(3600), none), policy.max_wait, "a long Retry-After is capped");
        assert_eq!(wait(policy, 40, None, none), policy.max_wait, "the backoff is capped");
    }

    #[test]
    fn a_fenced_answer_is_read_as_its_json() {
        assert_eq!(strip_fence("```json\n{\"a\":1}\n```"), "{\"a\":1}");
        assert_eq!(strip_fence(" {\"a\":1} "), "{\"a\":1}");
    }

    #[test]
    fn only_a_400_about_the_response_format_switches_to_json_mode() {
        assert!(lacks_structured_output(r#"{"error":{"message":"response_format json_schema is not supported"}}"#));
        assert!(!lacks_structured_output(r#"{"error":{"message":"context length exceeded"}}"#));
    }
}
