//! Authentication and the per-principal rate limit, in one database statement per request,
//! and that statement a read for almost every request.
//!
//! The budget of [`API_BUDGET_PER_MINUTE`] requests is counted in the database, so every
//! instance shares it, but an instance does not write for each request: it takes a *lease* of
//! a few requests at a time (the session's or token's count for the minute goes up by the
//! lease in the same `UPDATE ... RETURNING` that authenticates), and serves the requests of its
//! lease with a plain `SELECT` that still checks the session or token on every request, so a
//! revoked one stops at once. A lease starts at [`FIRST_LEASE`] requests, and later leases in
//! the same minute take a quarter of what is left of the budget (at most [`LARGEST_LEASE`]), so
//! a busy client writes about once every 30 requests and the budget is never exceeded; what
//! an instance leased and did not use is refused early, at most a few requests as the budget
//! runs out. `last_seen_at`/`last_used_at` are written with the lease, and only when a minute
//! old: at most once a minute per session or token.
//!
//! On a remote database even that read is not a round trip of its own: the lease remembers
//! whose credential it is, and the check that it still holds, unchanged, goes with the
//! request's first statement ([`vouched`], and `store::vouch`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ::http::{HeaderMap, header};
use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;

use super::credential_sql::{SESSION, TOKEN};
use super::secrets::{TOKEN_PREFIX, hash_secret};
use super::{Principal, Scope, Via, cookie};
use crate::domain::enums::Role;
use crate::error::{AppError, AppResult};
use crate::store::{Conn, from_row};

/// Requests a session or token may make per minute.
pub const API_BUDGET_PER_MINUTE: i64 = 600;

/// The requests an instance leases first in a minute.
const FIRST_LEASE: i64 = 4;

/// The most requests one lease takes.
const LARGEST_LEASE: i64 = 32;

/// How many sessions and tokens an instance remembers leases for; past it, the oldest
/// minute's are forgotten (a forgotten lease is only requests not served).
const REMEMBERED: usize = 10_000;

/// An instance's leases: per session or token, what is left of its lease this minute.
#[derive(Debug, Default)]
pub struct Leases {
    leases: Mutex<HashMap<String, Lease>>,
    /// One renewal at a time per session or token: requests that find its lease used up at the
    /// same moment wait for the one renewing it, rather than each taking a lease of its own
    /// (which would count more of the budget spent than is).
    renewals: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Debug)]
struct Lease {
    window: String,
    /// Requests of the lease not yet served.
    left: i64,
    /// The budget not yet leased by anyone, as of this lease.
    unleased: i64,
    /// Whose credential it is, as last read from the database.
    known: Option<Found>,
}

/// What an instance's lease says of a request.
enum Served {
    /// Served from the lease: only the credential needs checking.
    Leased,
    /// The budget of the minute is spent.
    Spent,
    /// A new lease is needed.
    Renew,
}

impl Leases {
    /// Serves one request from the lease of `id` for `window`, if one is left.
    fn take(&self, id: &str, window: &str) -> Served {
        let mut leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match leases.get_mut(id).filter(|l| l.window == window) {
            Some(lease) if lease.left > 0 => {
                lease.left -= 1;
                Served::Leased
            }
            Some(lease) if lease.unleased == 0 => Served::Spent,
            _ => Served::Renew,
        }
    }

    /// How many requests the next lease of `id` takes.
    fn size(&self, id: &str, window: &str) -> i64 {
        let leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match leases.get(id).filter(|l| l.window == window) {
            Some(lease) => (lease.unleased / 4).clamp(1, LARGEST_LEASE),
            None => FIRST_LEASE,
        }
    }

    /// Serves one request from the lease of `id` for `window` when the lease knows whose
    /// credential it is: answers who, as last read.
    fn take_known(&self, id: &str, window: &str) -> Option<Found> {
        let mut leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let lease = leases.get_mut(id).filter(|l| l.window == window && l.left > 0)?;
        let known = lease.known.clone()?;
        lease.left -= 1;
        Some(known)
    }

    /// Remembers whose credential the lease of `id` is, as just read.
    fn know(&self, id: &str, found: &Found) {
        let mut leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lease) = leases.get_mut(id) {
            lease.known = Some(found.clone());
        }
    }

    /// Forgets whose credential the lease of the request's credential is, so its next request
    /// reads it again.
    pub fn forget(&self, headers: &HeaderMap) {
        let Some(credential) = credential(headers) else { return };
        let (Credential::Session(secret) | Credential::Token(secret)) = &credential;
        let mut leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lease) = leases.get_mut(&hash_secret(secret)) {
            lease.known = None;
        }
    }

    /// The turn to renew the lease of `id`.
    fn renewal(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut renewals = self.renewals.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if renewals.len() >= REMEMBERED {
            renewals.retain(|_, turn| Arc::strong_count(turn) > 1);
        }
        renewals.entry(id.to_owned()).or_default().clone()
    }

    /// Keeps a new lease of `granted` requests, one of them served now. Requests of the same
    /// credential that renewed at the same time each took a lease: what is left of them adds up,
    /// so none of what was counted in the database goes unserved.
    fn keep(&self, id: &str, window: &str, granted: i64, unleased: i64, found: &Found) {
        let mut leases = self.leases.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lease) = leases.get_mut(id).filter(|l| l.window == window) {
            lease.left += (granted - 1).max(0);
            lease.unleased = lease.unleased.min(unleased);
            lease.known = Some(found.clone());
            return;
        }
        if leases.len() >= REMEMBERED {
            leases.retain(|_, l| l.window == window);
            if leases.len() >= REMEMBERED {
                leases.clear();
            }
        }
        let lease =
            Lease { window: window.to_owned(), left: (granted - 1).max(0), unleased, known: Some(found.clone()) };
        leases.insert(id.to_owned(), lease);
    }
}

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

/// A session's or token's row and its user, as both statements answer them.
#[derive(Debug, Clone, Deserialize)]
struct Found {
    id: String,
    user_id: String,
    email: String,
    name: String,
    role: Role,
    scopes: Option<String>,
}

/// A lease's own column after the credential's: its count for the minute with the lease.
#[derive(Deserialize)]
struct Leased {
    rate_count: i64,
}

/// Finds the caller of a request (one call, a read unless a new lease is needed): 401 without
/// a valid session or token (expired, revoked, or its user disabled), 429 when its budget for
/// this minute is spent.
pub async fn authenticate(conn: &Conn, leases: &Leases, headers: &HeaderMap) -> AppResult<Principal> {
    let Some(credential) = credential(headers) else { return Err(AppError::Unauthorized) };
    let now = Utc::now();
    let (window, retry_after) = minute(now);
    let (kind, secret) = match &credential {
        Credential::Session(secret) => (&SESSION, secret),
        Credential::Token(token) => (&TOKEN, token),
    };
    let hash = hash_secret(secret);
    let at = crate::domain::now();
    // The instance knows the credential's id only once it has seen it; its lease is found by
    // the hash of the secret, which is what the statements look it up by.
    let mut served = leases.take(&hash, &window);
    let mut renewing = None;
    if matches!(served, Served::Renew) {
        // Another request may be renewing it this moment: its lease serves this one too.
        renewing = Some(leases.renewal(&hash).lock_owned().await);
        served = leases.take(&hash, &window);
    }
    let found = match served {
        served @ (Served::Leased | Served::Spent) => {
            drop(renewing);
            let found = conn
                .query_opt(kind.read, libsql::named_params! { ":hash": hash.as_str(), ":now": at.as_str() }, from_row)
                .await?;
            let found = found.ok_or(AppError::Unauthorized)?;
            leases.know(&hash, &found);
            if matches!(served, Served::Spent) {
                return Err(AppError::RateLimited { retry_after_secs: retry_after });
            }
            found
        }
        Served::Renew => {
            let size = leases.size(&hash, &window);
            let minute_ago = (now - chrono::Duration::minutes(1)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let leased = conn
                .write_returning(
                    kind.lease,
                    libsql::named_params! {
                        ":hash": hash.as_str(), ":now": at.as_str(), ":window": window.as_str(),
                        ":lease": size, ":minute_ago": minute_ago.as_str(),
                    },
                    |row| Ok((from_row::<Found>(row)?, from_row::<Leased>(row)?.rate_count)),
                )
                .await?;
            let (found, count) = leased.ok_or(AppError::Unauthorized)?;
            let granted = (API_BUDGET_PER_MINUTE - (count - size)).clamp(0, size);
            leases.keep(&hash, &window, granted, (API_BUDGET_PER_MINUTE - count).max(0), &found);
            if granted == 0 {
                return Err(AppError::RateLimited { retry_after_secs: retry_after });
            }
            found
        }
    };
    principal(credential, found)
}

/// Serves a request of a remote database from the instance's lease without a statement of its
/// own, when the lease knows whose credential it is: answers that principal, and asks for the
/// check that the credential still holds, unchanged, to go with the request's first round trip
/// (`store::vouch`). None when a statement is needed: [`authenticate`] then.
pub fn vouched(leases: &Leases, headers: &HeaderMap) -> Option<Principal> {
    let credential = credential(headers)?;
    let (window, _) = minute(Utc::now());
    let (kind, secret) = match &credential {
        Credential::Session(secret) => (&SESSION, secret),
        Credential::Token(token) => (&TOKEN, token),
    };
    let hash = hash_secret(secret);
    let found = leases.take_known(&hash, &window)?;
    let mut params = vec![
        (":hash".to_owned(), libsql::Value::from(hash)),
        (":now".to_owned(), libsql::Value::from(crate::domain::now())),
        (":id".to_owned(), libsql::Value::from(found.id.clone())),
        (":user_id".to_owned(), libsql::Value::from(found.user_id.clone())),
        (":email".to_owned(), libsql::Value::from(found.email.clone())),
        (":name".to_owned(), libsql::Value::from(found.name.clone())),
        (":role".to_owned(), libsql::Value::from(found.role.as_str())),
    ];
    if matches!(credential, Credential::Token(_)) {
        params.push((":scopes".to_owned(), found.scopes.clone().map_or(libsql::Value::Null, libsql::Value::from)));
    }
    if !crate::store::vouch::vouch_with(kind.vouch, libsql::params::Params::Named(params)) {
        return None;
    }
    principal(credential, found).ok()
}

fn principal(credential: Credential, found: Found) -> AppResult<Principal> {
    let via = match credential {
        Credential::Session(secret) => Via::Session { id: found.id, secret },
        Credential::Token(_) => {
            let scopes: Vec<Scope> = serde_json::from_str(found.scopes.as_deref().unwrap_or("[]"))
                .map_err(|e| AppError::Internal(e.into()))?;
            Via::Token { id: found.id, scope: scopes.into_iter().max().unwrap_or(Scope::Read) }
        }
    };
    Ok(Principal { user_id: found.user_id, email: found.email, name: found.name, role: found.role, via })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone() -> Found {
        Found {
            id: "s".into(),
            user_id: "u".into(),
            email: "ana@example.com".into(),
            name: "Ana".into(),
            role: Role::Bdr,
            scopes: None,
        }
    }

    #[test]
    fn leases_are_served_then_renewed_smaller_as_the_budget_runs_out() {
        let leases = Leases::default();
        assert!(matches!(leases.take("h", "w"), Served::Renew), "nothing leased yet");
        assert_eq!(leases.size("h", "w"), FIRST_LEASE);
        leases.keep("h", "w", FIRST_LEASE, 500, &someone());
        for _ in 1..FIRST_LEASE {
            assert!(matches!(leases.take("h", "w"), Served::Leased));
        }
        assert!(matches!(leases.take("h", "w"), Served::Renew), "the lease is used up");
        assert_eq!(leases.size("h", "w"), LARGEST_LEASE, "plenty left: the largest lease");
        leases.keep("h", "w", 2, 8, &someone());
        assert_eq!(leases.size("h", "w"), 2, "a quarter of what is left");
        assert!(matches!(leases.take("h", "next minute"), Served::Renew), "a new minute needs a new lease");
        leases.take("h", "w");
        leases.keep("h", "w", 0, 0, &someone());
        assert!(matches!(leases.take("h", "w"), Served::Spent), "spent until the minute turns");
    }

    #[test]
    fn leases_taken_at_once_are_all_served() {
        let leases = Leases::default();
        // Two requests of one token found the lease used up and renewed together: the database
        // counted both leases, so the instance serves both.
        leases.keep("h", "w", 32, 200, &someone());
        leases.keep("h", "w", 32, 168, &someone());
        let served = std::iter::from_fn(|| matches!(leases.take("h", "w"), Served::Leased).then_some(())).count();
        assert_eq!(served, 31 + 31, "each lease's first request was served as it renewed");
        assert_eq!(leases.size("h", "w"), 32, "a quarter of the lower of what each renewal saw left");
    }
}
