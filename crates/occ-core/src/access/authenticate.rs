//! Authentication and the per-principal rate limit, in one database statement: the session or
//! token row is found by the hash of its secret, its request count for this minute is bumped,
//! and its user is returned, all in one `UPDATE ... RETURNING`.

use ::http::{HeaderMap, header};
use chrono::{DateTime, Timelike, Utc};

use super::secrets::{TOKEN_PREFIX, hash_secret};
use super::{Principal, Scope, Via, cookie};
use crate::domain::enums::Role;
use crate::error::{AppError, AppResult};
use crate::store::{Conn, col};

/// Requests a session or token may make per minute.
pub const API_BUDGET_PER_MINUTE: i64 = 600;

enum Credential {
    Session(String),
    Token(String),
}

fn credential(headers: &HeaderMap) -> Option<Credential> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX));
    match bearer {
        Some(token) => Some(Credential::Token(token.to_owned())),
        None => cookie::session_secret(headers).map(Credential::Session),
    }
}

fn minute(now: DateTime<Utc>) -> (String, u64) {
    let window = now.format("%Y-%m-%dT%H:%M").to_string();
    let retry_after = 60 - u64::from(now.second());
    (window, retry_after)
}

fn decode_user(row: &libsql::Row, first: i32) -> AppResult<(String, String, String, Role)> {
    let role: String = col(row, first + 3)?;
    Ok((
        col(row, first)?,
        col(row, first + 1)?,
        col(row, first + 2)?,
        role.parse().map_err(|e| AppError::Internal(anyhow::anyhow!("stored role: {e}")))?,
    ))
}

/// Finds the caller of a request (one call): 401 without a valid session or token (expired,
/// revoked, or its user disabled), 429 when its budget for this minute is spent.
pub async fn authenticate(conn: &Conn, headers: &HeaderMap) -> AppResult<Principal> {
    let Some(credential) = credential(headers) else { return Err(AppError::Unauthorized) };
    let now = Utc::now();
    let at = crate::domain::now();
    let (window, retry_after) = minute(now);
    let (principal, count) = match credential {
        Credential::Session(secret) => {
            let found = conn
                .query_opt(
                    "UPDATE sessions SET last_seen_at = :now, \
                     rate_count = CASE WHEN rate_window = :window THEN rate_count + 1 ELSE 1 END, \
                     rate_window = :window \
                     WHERE secret_hash = :hash AND expires_at > :now \
                     AND EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.disabled = 0) \
                     RETURNING id, rate_count, user_id, \
                     (SELECT email FROM users u WHERE u.id = sessions.user_id), \
                     (SELECT name FROM users u WHERE u.id = sessions.user_id), \
                     (SELECT role FROM users u WHERE u.id = sessions.user_id)",
                    libsql::named_params! { ":now": at.as_str(), ":window": window.as_str(), ":hash": hash_secret(&secret) },
                    |row| Ok((col::<String>(row, 0)?, col::<i64>(row, 1)?, decode_user(row, 2)?)),
                )
                .await?;
            let Some((id, count, (user_id, email, name, role))) = found else { return Err(AppError::Unauthorized) };
            (Principal { user_id, email, name, role, via: Via::Session { id, secret } }, count)
        }
        Credential::Token(token) => {
            let found = conn
                .query_opt(
                    "UPDATE api_tokens SET last_used_at = :now, \
                     rate_count = CASE WHEN rate_window = :window THEN rate_count + 1 ELSE 1 END, \
                     rate_window = :window \
                     WHERE secret_hash = :hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now) \
                     AND EXISTS (SELECT 1 FROM users u WHERE u.id = api_tokens.user_id AND u.disabled = 0) \
                     RETURNING id, rate_count, scopes, user_id, \
                     (SELECT email FROM users u WHERE u.id = api_tokens.user_id), \
                     (SELECT name FROM users u WHERE u.id = api_tokens.user_id), \
                     (SELECT role FROM users u WHERE u.id = api_tokens.user_id)",
                    libsql::named_params! { ":now": at.as_str(), ":window": window.as_str(), ":hash": hash_secret(&token) },
                    |row| Ok((col::<String>(row, 0)?, col::<i64>(row, 1)?, col::<String>(row, 2)?, decode_user(row, 3)?)),
                )
                .await?;
            let Some((id, count, scopes, (user_id, email, name, role))) = found else {
                return Err(AppError::Unauthorized);
            };
            let scopes: Vec<Scope> = serde_json::from_str(&scopes).map_err(|e| AppError::Internal(e.into()))?;
            let scope = scopes.into_iter().max().unwrap_or(Scope::Read);
            (Principal { user_id, email, name, role, via: Via::Token { id, scope } }, count)
        }
    };
    if count > API_BUDGET_PER_MINUTE {
        return Err(AppError::RateLimited { retry_after_secs: retry_after });
    }
    Ok(principal)
}
