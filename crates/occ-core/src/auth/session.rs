//! Signing in and out, and one's own account: `/api/v1/auth/*`.

use ::http::{Request, Response, header};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::users::{self, EndSessions, User, UserChanges};
use crate::access::{self, Principal, Via, cookie, rate_limit, secrets};
use crate::domain::{EmailAddress, new_id, now};
use crate::error::{AppError, AppResult};
use crate::http::{self, Ctx, Page, RequestMeta, headers};
use crate::store::{Batch, from_row};

/// How long a session lasts.
pub const SESSION_DAYS: i64 = 14;

/// `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The user's email.
    pub email: String,
    /// The user's password.
    pub password: String,
}

/// Who is signed in, and the CSRF token to send with every change.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The signed-in user.
    pub user: User,
    /// Send as `X-CSRF-Token` on every request that changes something (sessions only).
    pub csrf_token: Option<String>,
    /// `session` or `token`.
    pub via: &'static str,
}

/// Who is signed in, if anyone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionState {
    /// The signed-in user; `null` when nobody is (no credential, or one that has ended).
    pub user: Option<User>,
    /// Send as `X-CSRF-Token` on every request that changes something (sessions only).
    pub csrf_token: Option<String>,
    /// `session` or `token`; `null` when nobody is signed in.
    pub via: Option<&'static str>,
}

/// A session of the signed-in user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// The session's id.
    pub id: String,
    /// When it started.
    pub created_at: String,
    /// When it was last used.
    pub last_seen_at: String,
    /// When it ends.
    pub expires_at: String,
    /// The browser it was started from.
    pub user_agent: Option<String>,
    /// Whether it is the one making this request.
    pub current: bool,
}

fn refused() -> AppError {
    AppError::BadCredentials
}

/// Starts a session for a user in `batch`; answers its secret.
pub fn create_session_in(batch: &mut Batch, user_id: &str, user_agent: Option<&str>) -> AppResult<String> {
    let secret = secrets::random_secret()?;
    let at = now();
    let expires = (chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let user_agent = user_agent.map(|ua| ua.chars().take(500).collect::<String>());
    batch.push(
        "INSERT INTO sessions (id, user_id, secret_hash, user_agent, expires_at, last_seen_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        libsql::params![new_id(), user_id, secrets::hash_secret(&secret), user_agent, expires, at],
    )?;
    Ok(secret)
}

/// A login from a page of another site is refused: only this origin (or an allowed one) may
/// sign in, so a foreign page cannot sign a visitor into an account of its choosing.
fn check_origin(ctx: &Ctx, req: &Request<Bytes>) -> AppResult<()> {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let same = origin.split_once("://").is_some_and(|(_, rest)| rest == host);
    if same || ctx.config.allowed_origins.iter().any(|o| o == origin) {
        Ok(())
    } else {
        Err(AppError::Forbidden("sign-in from another site is not allowed".to_owned()))
    }
}

fn secure_cookie(req: &Request<Bytes>) -> bool {
    !cookie::is_plain_localhost(req.headers(), headers::is_https(req))
}

/// Sign in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = Me), (status = 401, description = "The email or password is wrong", body = crate::error::ErrorResponse),
        (status = 429, description = "Too many attempts; see Retry-After", body = crate::error::ErrorResponse)))]
pub(crate) async fn login(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    check_origin(ctx, &req)?;
    let body: Login = http::body_json(&req)?;
    let conn = ctx.conn().await?;
    let client_ip = RequestMeta::of(&req)?.client_ip;
    let email = EmailAddress::parse(&body.email).ok();
    // The attempt is counted, and the user looked up, in one call; the password is checked
    // here, then the session starts and the attempt is forgotten in another.
    let mut batch = Batch::new();
    let attempt = rate_limit::login_attempt_in(&mut batch, client_ip, body.email.trim())?;
    let lookup = email.as_ref().map(|email| users::find_by_email_in(&mut batch, email)).transpose()?;
    let outcome = conn.batch(batch).await?;
    attempt.judge(&outcome)?;
    let (email, found) = match (email, lookup) {
        (Some(email), Some(lookup)) => (email, outcome.opt(lookup, users::with_hash)?),
        _ => {
            secrets::verify_password(&body.password, None);
            return Err(refused());
        }
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || secrets::verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let Some(user) = user.filter(|_| matches) else { return Err(refused()) };
    if user.disabled {
        return Err(AppError::Forbidden("this user is disabled; ask an admin".to_owned()));
    }
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let mut batch = Batch::new();
    let secret = create_session_in(&mut batch, &user.id, user_agent)?;
    rate_limit::login_succeeded_in(&mut batch, client_ip, email.as_str())?;
    conn.batch(batch).await?;
    let me = Me { csrf_token: Some(secrets::csrf_token(&secret)), via: "session", user };
    let mut response = http::ok(&me)?;
    response.headers_mut().insert(header::SET_COOKIE, cookie::set(&secret, SESSION_DAYS * 86_400, secure_cookie(&req)));
    Ok(response)
}

/// Sign out: ends this session and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub(crate) async fn logout(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    if let Via::Session { id, .. } = &Principal::of(&req)?.via {
        ctx.conn().await?.execute("DELETE FROM sessions WHERE id = ?1", [id.as_str()]).await?;
    }
    let mut response = http::no_content();
    response.headers_mut().insert(header::SET_COOKIE, cookie::clear(secure_cookie(&req)));
    Ok(response)
}

/// The signed-in user, and the CSRF token for changes.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorResponse)))]
pub(crate) async fn me(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let user = users::get_user(&ctx.conn().await?, &principal.user_id).await?;
    let (csrf_token, via) = match &principal.via {
        Via::Session { secret, .. } => (Some(secrets::csrf_token(secret)), "session"),
        Via::Token { .. } => (None, "token"),
    };
    http::ok(&Me { user, csrf_token, via })
}

/// Who is signed in, asked without failing: the app's first question on every load. Nobody
/// signed in (no credential, or one that has ended) is a 200 with `user: null`, so a signed-out
/// visit logs no error; someone signed in gets what `/auth/me` answers.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = SessionState), (status = 429, body = crate::error::ErrorResponse)))]
pub(crate) async fn state(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let conn = ctx.conn().await?;
    let signed_in = crate::store::count_authentication(access::authenticate(&conn, &ctx.leases, req.headers())).await;
    let principal = match signed_in {
        Ok(principal) => principal,
        Err(AppError::Unauthorized) => return http::ok(&SessionState { user: None, csrf_token: None, via: None }),
        Err(err) => return Err(err),
    };
    let user = users::get_user(&conn, &principal.user_id).await?;
    let (csrf_token, via) = match &principal.via {
        Via::Session { secret, .. } => (Some(secrets::csrf_token(secret)), "session"),
        Via::Token { .. } => (None, "token"),
    };
    http::ok(&SessionState { user: Some(user), csrf_token, via: Some(via) })
}

/// `POST /api/v1/auth/password`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new one (at least 12 characters).
    pub new_password: String,
}

/// Change one's own password; ends one's other sessions.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 422, body = crate::error::ErrorResponse)))]
pub(crate) async fn change_password(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: ChangePassword = http::body_json(&req)?;
    secrets::check_new_password("new_password", &body.new_password)?;
    let conn = ctx.conn().await?;
    let hash = users::password_hash(&conn, &principal.user_id).await?;
    let (current, new) = (body.current_password, body.new_password);
    let new_hash = tokio::task::spawn_blocking(move || {
        if secrets::verify_password(&current, Some(&hash)) { secrets::hash_password(&new).map(Some) } else { Ok(None) }
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))??;
    let Some(new_hash) = new_hash else {
        return Err(AppError::invalid("current_password", "mismatch", "is not your current password"));
    };
    let keep = match &principal.via {
        Via::Session { id, .. } => EndSessions::AllBut(id),
        Via::Token { .. } => EndSessions::All,
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let changes = UserChanges { password_hash: Some(new_hash), ..UserChanges::default() };
    users::update_user(&conn, &actor, &principal.user_id, &changes, keep).await?;
    Ok(http::no_content())
}

/// A session's row: [`SessionInfo`] but whether it is the caller's.
#[derive(Deserialize)]
struct SessionRow {
    id: String,
    created_at: String,
    last_seen_at: String,
    expires_at: String,
    user_agent: Option<String>,
}

/// One's own sessions, newest first.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", responses((status = 200, body = Page<SessionInfo>)))]
pub(crate) async fn list_sessions(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let current = match &principal.via {
        Via::Session { id, .. } => id.clone(),
        Via::Token { .. } => String::new(),
    };
    let items = ctx
        .conn()
        .await?
        .query_all(
            "SELECT id, created_at, last_seen_at, expires_at, user_agent FROM sessions \
             WHERE user_id = ?1 AND expires_at > ?2 ORDER BY created_at DESC LIMIT 200",
            libsql::params![principal.user_id.as_str(), now()],
            |row| {
                let row: SessionRow = from_row(row)?;
                Ok(SessionInfo {
                    current: row.id == current,
                    id: row.id,
                    created_at: row.created_at,
                    last_seen_at: row.last_seen_at,
                    expires_at: row.expires_at,
                    user_agent: row.user_agent,
                })
            },
        )
        .await?;
    http::ok(&Page::whole(items))
}

/// How many sessions ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ended {
    /// The count.
    pub ended: u64,
}

/// End every session of one's own but this one.
#[utoipa::path(post, path = "/api/v1/auth/sessions/end-others", tag = "auth", responses((status = 200, body = Ended)))]
pub(crate) async fn end_other_sessions(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let keep = match &principal.via {
        Via::Session { id, .. } => id.as_str(),
        Via::Token { .. } => "",
    };
    let ended = ctx
        .conn()
        .await?
        .execute("DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2", [principal.user_id.as_str(), keep])
        .await?;
    http::ok(&Ended { ended })
}
