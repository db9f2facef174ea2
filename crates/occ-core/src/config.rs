//! The one configuration struct, loaded once per process from the environment.
//!
//! This file is longer than 400 lines because it is one concern, reading the environment into
//! [`Config`]: its types, the reading and the check of each variable (about 300 lines), and the
//! tests that drive them through [`Config::from_lookup`].

mod llm;

use std::fmt;
use std::path::PathBuf;

pub use llm::{DEFAULT_TIMEOUT, LlmConfig, RetryPolicy, VERCEL_AI_GATEWAY, VERCEL_DEFAULT_MODEL};

/// A value that must never reach a log: its `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// An embedded libSQL file on this machine.
    Local(PathBuf),
    /// A libSQL server (Turso, or `sqld`) reached over HTTP(S).
    Remote {
        /// The server's URL (`libsql://` is rewritten to `https://`).
        url: String,
        /// The bearer token, if the server needs one.
        auth_token: Option<Secret>,
    },
}

/// SQLite journal mode for the embedded database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMode {
    /// Write-ahead logging: readers never block the writer (the default).
    Wal,
    /// The rollback journal, for file systems where WAL cannot work.
    Delete,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (production, Vercel).
    Json,
    /// Human-readable lines (a terminal).
    Pretty,
}

/// Everything OCC reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database to use.
    pub database: DatabaseLocation,
    /// The journal mode of an embedded database.
    pub journal_mode: JournalMode,
    /// Origins allowed to call the API from another site (none by default).
    pub allowed_origins: Vec<String>,
    /// The log line format.
    pub log_format: LogFormat,
    /// The key that encrypts secrets at rest (`OCC_SECRET_KEY`); checked at start when set,
    /// required only by the features that store secrets (see `crypto::SecretBox`).
    pub secret_key: Option<Secret>,
    /// The bearer secret of the cron tick (`CRON_SECRET`, at least 16 characters); without it
    /// `/api/cron/tick` answers 503.
    pub cron_secret: Option<Secret>,
    /// The deployment's base URL (`OCC_PUBLIC_URL`, such as `https://occ.example.com`), for the
    /// unsubscribe links in every email; OCC sends no email without it. On Vercel, when it is
    /// unset, the deployment's own address (`VERCEL_BRANCH_URL`, then `VERCEL_URL`), so a
    /// preview works without it.
    pub public_url: Option<String>,
    /// The shared secret that signs email-provider webhooks (`OCC_WEBHOOK_SECRET`); without it
    /// `/api/v1/webhooks/email` answers 503.
    pub webhook_secret: Option<Secret>,
    /// An address that also takes unsubscribe requests (`OCC_UNSUBSCRIBE_MAILTO`), offered in
    /// the List-Unsubscribe header next to the link.
    pub unsubscribe_mailto: Option<String>,
    /// The proxies whose `X-Forwarded-For` is believed (`OCC_TRUSTED_PROXIES`: addresses or
    /// networks); none by default, so the client's address is the connection's.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Running on Vercel (`VERCEL=1`, set by the platform), whose own `X-Vercel-Forwarded-For`
    /// names the client.
    pub on_vercel: bool,
    /// The demo admin's password (`OCC_DEMO_PASSWORD`) for `occ serve --demo` and `occ seed
    /// --demo`; a new random one is made (and printed) when it is unset.
    pub demo_password: Option<Secret>,
    /// The model OCC asks (`OCC_LLM_*`, or Vercel's AI Gateway; see `config/llm.rs`); `None` is
    /// no model, and every agent answers with its fallback.
    pub llm: Option<LlmConfig>,
    /// How many agent runs a swarm worker has under way at once (`OCC_SWARM_CONCURRENCY`, 1 to
    /// 32, 4 by default).
    pub swarm_concurrency: usize,
}

/// The swarm worker's agent runs under way at once when `OCC_SWARM_CONCURRENCY` is unset.
pub const DEFAULT_SWARM_CONCURRENCY: usize = 4;

/// A configuration value that is missing or invalid; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

/// How to make a secret key: `openssl rand -base64 32`.
pub const KEY_HINT: &str = "32 random bytes in base64, for example from `openssl rand -base64 32`";

/// The 32 bytes of the secret key (`OCC_SECRET_KEY`, base64), which `crypto::SecretBox` seals
/// with; checked when the configuration loads.
pub fn secret_key_bytes(key: &Secret) -> Result<[u8; 32], ConfigError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(key.expose().trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or(ConfigError { variable: "OCC_SECRET_KEY", problem: format!("must be {KEY_HINT}") })
}

/// The embedded database used when nothing else is configured.
pub const DEFAULT_DATABASE_URL: &str = "file:data/occ.db";

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let (url_var, url) = match (get("OCC_DATABASE_URL"), get("TURSO_DATABASE_URL")) {
            (Some(url), _) => ("OCC_DATABASE_URL", url),
            (None, Some(url)) => ("TURSO_DATABASE_URL", url),
            (None, None) => ("OCC_DATABASE_URL", DEFAULT_DATABASE_URL.to_owned()),
        };
        let auth_token = get("OCC_DATABASE_AUTH_TOKEN").or_else(|| get("TURSO_AUTH_TOKEN")).map(Secret::new);
        let database = parse_database_url(url_var, url.trim(), auth_token)?;

        let journal_mode = match get("OCC_JOURNAL_MODE").as_deref().map(str::to_ascii_lowercase) {
            None => JournalMode::Wal,
            Some(v) if v == "wal" => JournalMode::Wal,
            Some(v) if v == "delete" => JournalMode::Delete,
            Some(other) => {
                return Err(ConfigError {
                    variable: "OCC_JOURNAL_MODE",
                    problem: format!("must be wal or delete, not {other:?}"),
                });
            }
        };

        let allowed_origins = match get("OCC_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => {
                list.split(',').map(str::trim).filter(|o| !o.is_empty()).map(parse_origin).collect::<Result<_, _>>()?
            }
        };

        let log_format = match get("OCC_LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError {
                    variable: "OCC_LOG_FORMAT",
                    problem: format!("must be json or pretty, not {other:?}"),
                });
            }
        };

        let secret_key = get("OCC_SECRET_KEY").map(Secret::new);
        if let Some(key) = &secret_key {
            secret_key_bytes(key)?;
        }

        let cron_secret = get("CRON_SECRET").map(Secret::new);
        if cron_secret.as_ref().is_some_and(|s| s.expose().trim().len() < 16) {
            return Err(ConfigError { variable: "CRON_SECRET", problem: "must be at least 16 characters".to_owned() });
        }

        let public_url = match get("OCC_PUBLIC_URL") {
            Some(url) => Some(parse_public_url("OCC_PUBLIC_URL", &url)?),
            None => vercel_url(&get)?,
        };
        let webhook_secret = get("OCC_WEBHOOK_SECRET").map(Secret::new);
        if webhook_secret.as_ref().is_some_and(|s| s.expose().trim().len() < 16) {
            return Err(ConfigError {
                variable: "OCC_WEBHOOK_SECRET",
                problem: "must be at least 16 characters".to_owned(),
            });
        }
        let unsubscribe_mailto = get("OCC_UNSUBSCRIBE_MAILTO").map(|m| m.trim().to_owned());
        if let Some(address) = &unsubscribe_mailto
            && crate::domain::EmailAddress::parse(address).is_err()
        {
            return Err(ConfigError {
                variable: "OCC_UNSUBSCRIBE_MAILTO",
                problem: "must be an email address".to_owned(),
            });
        }

        let trusted_proxies = match get("OCC_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => {
                list.split(',').map(str::trim).filter(|p| !p.is_empty()).map(parse_proxy).collect::<Result<_, _>>()?
            }
        };
        let on_vercel = get("VERCEL").is_some_and(|v| v.trim() == "1");
        let swarm_concurrency = match get("OCC_SWARM_CONCURRENCY") {
            None => DEFAULT_SWARM_CONCURRENCY,
            Some(n) => n.trim().parse::<usize>().ok().filter(|n| (1..=32).contains(n)).ok_or_else(|| ConfigError {
                variable: "OCC_SWARM_CONCURRENCY",
                problem: "must be a whole number from 1 to 32".to_owned(),
            })?,
        };

        Ok(Self {
            database,
            journal_mode,
            allowed_origins,
            log_format,
            secret_key,
            cron_secret,
            public_url,
            webhook_secret,
            unsubscribe_mailto,
            trusted_proxies,
            on_vercel,
            demo_password: get("OCC_DEMO_PASSWORD").map(Secret::new),
            llm: llm::read(&get)?,
            swarm_concurrency,
        })
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts_proxy(&self, ip: std::net::IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }

    /// A configuration for an embedded database file, everything else at its default.
    pub fn local(path: impl Into<PathBuf>) -> Self {
        Self {
            database: DatabaseLocation::Local(path.into()),
            journal_mode: JournalMode::Wal,
            allowed_origins: Vec::new(),
            log_format: LogFormat::Json,
            secret_key: None,
            public_url: None,
            webhook_secret: None,
            unsubscribe_mailto: None,
            cron_secret: None,
            trusted_proxies: Vec::new(),
            on_vercel: false,
            demo_password: None,
            llm: None,
            swarm_concurrency: DEFAULT_SWARM_CONCURRENCY,
        }
    }
}

/// A base URL (`https://occ.example.com`), without its trailing slash.
fn parse_public_url(variable: &'static str, url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ConfigError {
            variable,
            problem: "must be the deployment's base URL, such as https://occ.example.com".to_owned(),
        });
    }
    Ok(url.to_owned())
}

/// The deployment's own address on Vercel, which sets `VERCEL_BRANCH_URL` (the branch's
/// lasting alias, on previews) and `VERCEL_URL` (this deployment) to a bare host name.
fn vercel_url(get: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    ["VERCEL_BRANCH_URL", "VERCEL_URL"]
        .into_iter()
        .find_map(|variable| get(variable).map(|host| (variable, host)))
        .map(|(variable, host)| {
            let host = host.trim();
            let url = if host.contains("://") { host.to_owned() } else { format!("https://{host}") };
            parse_public_url(variable, &url)
        })
        .transpose()
}

fn parse_database_url(
    variable: &'static str,
    url: &str,
    auth_token: Option<Secret>,
) -> Result<DatabaseLocation, ConfigError> {
    let invalid = |problem: &str| ConfigError { variable, problem: problem.to_owned() };
    if let Some(path) = url.strip_prefix("file:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        if path.is_empty() {
            return Err(invalid("a file: URL needs a path, such as file:data/occ.db"));
        }
        return Ok(DatabaseLocation::Local(PathBuf::from(path)));
    }
    let remote = if let Some(rest) = url.strip_prefix("libsql://") {
        format!("https://{rest}")
    } else if url.starts_with("https://") || url.starts_with("http://") {
        url.to_owned()
    } else {
        return Err(invalid("must start with file:, libsql://, https:// or http:// (for example file:data/occ.db)"));
    };
    if remote.split("://").nth(1).is_none_or(|host| host.is_empty()) {
        return Err(invalid("the URL has no host"));
    }
    Ok(DatabaseLocation::Remote { url: remote, auth_token })
}

fn parse_proxy(proxy: &str) -> Result<ipnet::IpNet, ConfigError> {
    proxy.parse::<ipnet::IpNet>().or_else(|_| proxy.parse::<std::net::IpAddr>().map(ipnet::IpNet::from)).map_err(|_| {
        ConfigError {
            variable: "OCC_TRUSTED_PROXIES",
            problem: format!(
                "{proxy:?} is not an address or a network; give a comma-separated list such as 10.0.0.0/8, 192.0.2.7"
            ),
        }
    })
}

fn parse_origin(origin: &str) -> Result<String, ConfigError> {
    let trimmed = origin.trim_end_matches('/');
    let ok = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && !trimmed.contains(['*', ' '])
        && trimmed.split("://").nth(1).is_some_and(|host| !host.is_empty() && !host.contains('/'));
    if ok {
        Ok(trimmed.to_owned())
    } else {
        Err(ConfigError {
            variable: "OCC_ALLOWED_ORIGINS",
            problem: format!(
                "{origin:?} is not an origin; give a comma-separated list such as https://app.example.com (no wildcards, no paths)"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_to_the_embedded_database_and_no_origins() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.database, DatabaseLocation::Local(PathBuf::from("data/occ.db")));
        assert!(c.allowed_origins.is_empty());
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.journal_mode, JournalMode::Wal);
        assert_eq!(c.swarm_concurrency, 4);
        assert_eq!(config(&[("OCC_SWARM_CONCURRENCY", "8")]).expect("valid").swarm_concurrency, 8);
    }

    #[test]
    fn a_libsql_url_selects_remote_and_turso_variables_are_fallbacks() {
        let c = config(&[("TURSO_DATABASE_URL", "libsql://db.turso.io"), ("TURSO_AUTH_TOKEN", "t0k")]).expect("valid");
        assert_eq!(
            c.database,
            DatabaseLocation::Remote { url: "https://db.turso.io".into(), auth_token: Some(Secret::new("t0k")) }
        );
        let c = config(&[
            ("OCC_DATABASE_URL", "http://127.0.0.1:8080"),
            ("TURSO_DATABASE_URL", "libsql://ignored.turso.io"),
        ])
        .expect("valid");
        assert!(matches!(c.database, DatabaseLocation::Remote { ref url, .. } if url == "http://127.0.0.1:8080"));
    }

    #[test]
    fn invalid_values_name_their_variable() {
        let cases = [
            ("OCC_DATABASE_URL", "postgres://x"),
            ("OCC_DATABASE_URL", "file:"),
            ("OCC_LOG_FORMAT", "xml"),
            ("OCC_ALLOWED_ORIGINS", "*"),
            ("OCC_ALLOWED_ORIGINS", "https://ok.example.com, https://bad.example.com/path"),
            ("OCC_JOURNAL_MODE", "memory"),
            ("OCC_SECRET_KEY", "not-base64-of-32-bytes"),
            ("OCC_TRUSTED_PROXIES", "10.0.0.0/8, proxy.example"),
            ("OCC_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("OCC_SWARM_CONCURRENCY", "0"),
            ("OCC_SWARM_CONCURRENCY", "many"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).expect_err(value);
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn the_public_url_falls_back_to_the_vercel_branch_then_the_deployment_address() {
        let url = |vars: &[(&str, &str)]| config(vars).expect("valid").public_url;
        let branch = ("VERCEL_BRANCH_URL", "occ-git-fix-me.vercel.app");
        let deployment = ("VERCEL_URL", "occ-abc123.vercel.app");
        assert_eq!(url(&[]), None, "no address at all outside Vercel");
        assert_eq!(url(&[deployment]).as_deref(), Some("https://occ-abc123.vercel.app"));
        assert_eq!(url(&[deployment, branch]).as_deref(), Some("https://occ-git-fix-me.vercel.app"));
        assert_eq!(
            url(&[deployment, branch, ("OCC_PUBLIC_URL", "https://occ.example.com/")]).as_deref(),
            Some("https://occ.example.com"),
            "the configured address wins"
        );
        assert_eq!(url(&[("VERCEL_BRANCH_URL", " "), deployment]).as_deref(), Some("https://occ-abc123.vercel.app"));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = config(&[("OCC_DATABASE_URL", "libsql://db.turso.io"), ("OCC_DATABASE_AUTH_TOKEN", "very-secret")])
            .expect("valid");
        let printed = format!("{c:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_and_none_by_default() {
        let none = config(&[]).expect("defaults");
        assert!(!none.trusts_proxy("127.0.0.1".parse().expect("ip")), "not even loopback by default");
        let c = config(&[("OCC_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,::1"), ("VERCEL", "1")]).expect("valid");
        assert!(c.trusts_proxy("10.1.2.3".parse().expect("ip")));
        assert!(c.trusts_proxy("192.0.2.7".parse().expect("ip")));
        assert!(c.trusts_proxy("::1".parse().expect("ip")));
        assert!(!c.trusts_proxy("192.0.2.8".parse().expect("ip")));
        assert!(c.on_vercel);
    }

    #[test]
    fn origins_are_trimmed_and_listed() {
        let c = config(&[("OCC_ALLOWED_ORIGINS", "https://a.example.com/, http://localhost:5173")]).expect("valid");
        assert_eq!(c.allowed_origins, ["https://a.example.com", "http://localhost:5173"]);
    }
}
