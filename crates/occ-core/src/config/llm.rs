//! The model's settings (`OCC_LLM_*`, or Vercel's AI Gateway), read with the rest of the
//! configuration. No settings at all is a valid answer: OCC then runs on its fallbacks only.

use std::time::Duration;

use super::{ConfigError, Secret};

/// Vercel's AI Gateway, OpenAI-compatible, used on Vercel when no base URL is set.
pub const VERCEL_AI_GATEWAY: &str = "https://ai-gateway.vercel.sh/v1";
/// The model asked of the AI Gateway when `OCC_LLM_MODEL` is unset.
pub const VERCEL_DEFAULT_MODEL: &str = "openai/gpt-4o-mini";
/// How long one call may take when `OCC_LLM_TIMEOUT_MS` is unset.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(20_000);

/// How a call waits before trying again: not read from the environment; tests shorten it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait of the exponential backoff (doubled each try, plus up to as much jitter).
    pub base: Duration,
    /// The longest wait, whatever the backoff or the server's `Retry-After` asks.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::from_millis(250), max_wait: Duration::from_secs(10) }
    }
}

/// An OpenAI-compatible model server and what OCC may spend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmConfig {
    /// The server's base URL, without its trailing slash (`http://127.0.0.1:11434/v1`).
    pub base_url: String,
    /// The model's name as the server knows it.
    pub model: String,
    /// The bearer key, if the server needs one; never printed.
    pub api_key: Option<Secret>,
    /// How long one call may take.
    pub timeout: Duration,
    /// The team's tokens per UTC day (`OCC_LLM_DAILY_TOKENS`); `None` is no limit.
    pub daily_tokens: Option<u64>,
    /// How calls are tried again.
    pub retry: RetryPolicy,
}

impl LlmConfig {
    /// The host (and port) of the base URL, which the health report may show.
    pub fn base_host(&self) -> &str {
        let rest = self.base_url.split_once("://").map_or(self.base_url.as_str(), |(_, rest)| rest);
        let host = rest.split('/').next().unwrap_or(rest);
        host.rsplit_once('@').map_or(host, |(_, host)| host)
    }
}

/// Reads the model's settings: `OCC_LLM_BASE_URL` with `OCC_LLM_MODEL` (and `OCC_LLM_API_KEY`
/// if the server needs one), or else, with `AI_GATEWAY_API_KEY` or `VERCEL_OIDC_TOKEN`, the AI
/// Gateway; none of them is no model.
pub(super) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Option<LlmConfig>, ConfigError> {
    let timeout = match get("OCC_LLM_TIMEOUT_MS") {
        None => DEFAULT_TIMEOUT,
        Some(ms) => Duration::from_millis(positive("OCC_LLM_TIMEOUT_MS", &ms)?),
    };
    let daily_tokens = get("OCC_LLM_DAILY_TOKENS").map(|t| positive("OCC_LLM_DAILY_TOKENS", &t)).transpose()?;
    let model = get("OCC_LLM_MODEL").map(|m| m.trim().to_owned());
    let key = get("OCC_LLM_API_KEY");
    let missing_base = |with: &str| ConfigError {
        variable: "OCC_LLM_BASE_URL",
        problem: format!("must be set with {with}, such as http://127.0.0.1:11434/v1"),
    };
    let gateway_key = || get("AI_GATEWAY_API_KEY").or_else(|| get("VERCEL_OIDC_TOKEN"));
    let (base_url, api_key) = match (get("OCC_LLM_BASE_URL"), key) {
        (Some(url), key) => (parse_base_url(&url)?, key),
        (None, Some(_)) => return Err(missing_base("OCC_LLM_API_KEY")),
        (None, None) => match gateway_key() {
            Some(key) => (VERCEL_AI_GATEWAY.to_owned(), Some(key)),
            None if model.is_some() => return Err(missing_base("OCC_LLM_MODEL")),
            None => return Ok(None),
        },
    };
    let model = match model {
        Some(model) => model,
        None if base_url == VERCEL_AI_GATEWAY => VERCEL_DEFAULT_MODEL.to_owned(),
        None => {
            return Err(ConfigError {
                variable: "OCC_LLM_MODEL",
                problem: "must name the model to ask, such as llama3.1:8b".to_owned(),
            });
        }
    };
    Ok(Some(LlmConfig {
        base_url,
        model,
        api_key: api_key.map(|k| Secret::new(k.trim())),
        timeout,
        daily_tokens,
        retry: RetryPolicy::default(),
    }))
}

fn parse_base_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    if host.is_none_or(|h| h.is_empty() || h.starts_with('/')) {
        return Err(ConfigError {
            variable: "OCC_LLM_BASE_URL",
            problem: "must be an OpenAI-compatible base URL, such as http://127.0.0.1:11434/v1".to_owned(),
        });
    }
    Ok(url.to_owned())
}

fn positive(variable: &'static str, value: &str) -> Result<u64, ConfigError> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(ConfigError { variable, problem: format!("must be a whole number above 0, not {value:?}") })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn llm(vars: &[(&str, &str)]) -> Result<Option<LlmConfig>, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        super::super::Config::from_lookup(|k| map.get(k).cloned()).map(|c| c.llm)
    }

    #[test]
    fn no_settings_is_no_model() {
        assert_eq!(llm(&[]).expect("valid"), None);
        assert_eq!(llm(&[("OCC_LLM_TIMEOUT_MS", "5000"), ("OCC_LLM_DAILY_TOKENS", "100")]).expect("valid"), None);
    }

    #[test]
    fn a_base_url_and_a_model_make_a_model_with_the_default_timeout() {
        let c = llm(&[("OCC_LLM_BASE_URL", "http://127.0.0.1:11434/v1/"), ("OCC_LLM_MODEL", "llama3.1:8b")])
            .expect("valid")
            .expect("a model");
        assert_eq!(c.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(c.base_host(), "127.0.0.1:11434");
        assert_eq!(c.model, "llama3.1:8b");
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.daily_tokens, None);
        assert_eq!(c.api_key, None);
    }

    #[test]
    fn the_ai_gateway_is_used_with_its_key_or_the_deployments_token() {
        for var in ["AI_GATEWAY_API_KEY", "VERCEL_OIDC_TOKEN"] {
            let c = llm(&[(var, "k-123"), ("OCC_LLM_DAILY_TOKENS", "50000")]).expect("valid").expect("a model");
            assert_eq!(c.base_url, VERCEL_AI_GATEWAY, "{var}");
            assert_eq!(c.model, VERCEL_DEFAULT_MODEL, "{var}");
            assert_eq!(c.api_key.as_ref().map(Secret::expose), Some("k-123"), "{var}");
            assert_eq!(c.daily_tokens, Some(50_000));
        }
        let own = llm(&[
            ("AI_GATEWAY_API_KEY", "k"),
            ("OCC_LLM_BASE_URL", "https://api.openai.com/v1"),
            ("OCC_LLM_MODEL", "m"),
        ])
        .expect("valid")
        .expect("a model");
        assert_eq!(own.base_url, "https://api.openai.com/v1", "a base URL wins over the gateway");
    }

    #[test]
    fn invalid_model_settings_name_their_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("OCC_LLM_BASE_URL", "ftp://x")], "OCC_LLM_BASE_URL"),
            (&[("OCC_LLM_BASE_URL", "http://x")], "OCC_LLM_MODEL"),
            (&[("OCC_LLM_MODEL", "m")], "OCC_LLM_BASE_URL"),
            (&[("OCC_LLM_API_KEY", "k")], "OCC_LLM_BASE_URL"),
            (&[("OCC_LLM_TIMEOUT_MS", "soon")], "OCC_LLM_TIMEOUT_MS"),
            (&[("OCC_LLM_TIMEOUT_MS", "0")], "OCC_LLM_TIMEOUT_MS"),
            (&[("OCC_LLM_DAILY_TOKENS", "-5")], "OCC_LLM_DAILY_TOKENS"),
        ];
        for (vars, variable) in cases {
            let err = llm(vars).expect_err(variable);
            assert_eq!(err.variable, *variable, "{vars:?}");
        }
    }

    #[test]
    fn the_key_is_redacted_in_debug() {
        let c =
            llm(&[("OCC_LLM_BASE_URL", "http://x/v1"), ("OCC_LLM_MODEL", "m"), ("OCC_LLM_API_KEY", "sk-very-secret")])
                .expect("valid");
        let printed = format!("{c:?}");
        assert!(!printed.contains("sk-very-secret"), "{printed}");
    }
}
