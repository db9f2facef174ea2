//! API tokens: created with a name, scopes and an optional expiry; the secret is shown once and
//! only its hash is kept; revoking takes effect on the next request.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::{Principal, Scope, Via, secrets};
use crate::audit::{self, Actor};
use crate::domain::text::{Lines, forbidden};
use crate::domain::{TokenId, new_id, now};
use crate::error::{AppError, AppResult};
use crate::http::{self, Ctx, Page, RequestMeta};
use crate::store::{Conn, Row, from_row};

const ENTITY: &str = "api_token";

/// An API token as the API answers it (never its secret, after creation).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Token {
    /// The token's id.
    pub id: String,
    /// Its user: the token acts as this user, narrowed to its scopes.
    pub user_id: String,
    /// What it is for.
    pub name: String,
    /// read, write, admin.
    pub scopes: Vec<Scope>,
    /// When it stops working, if ever.
    pub expires_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// When it was created.
    pub created_at: String,
}

/// A new token and its secret, shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The token.
    pub token: Token,
    /// `Authorization: Bearer <secret>`; it is not stored and cannot be shown again.
    pub secret: String,
}

macro_rules! token_columns {
    () => {
        "id, user_id, name, scopes, expires_at, last_used_at, revoked_at, created_at"
    };
}

/// A token's row: [`Token`] with its scopes as stored, a JSON list.
#[derive(Deserialize)]
struct TokenRow {
    id: String,
    user_id: String,
    name: String,
    #[serde(deserialize_with = "crate::store::json")]
    scopes: Vec<Scope>,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    created_at: String,
}

impl From<TokenRow> for Token {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            scopes: row.scopes,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Token> {
    from_row::<TokenRow>(row).map(Token::from)
}

fn audit_view(token: &Token) -> serde_json::Value {
    serde_json::json!({"name": token.name, "user_id": token.user_id, "scopes": token.scopes,
        "expires_at": token.expires_at, "revoked_at": token.revoked_at})
}

/// Creates a token for `user_id` (four calls); answers it with its secret.
pub async fn create_token(
    conn: &Conn,
    actor: &Actor,
    user_id: &str,
    name: &str,
    scopes: &[Scope],
    expires_at: Option<&str>,
) -> AppResult<CreatedToken> {
    let secret = format!("{}{}", secrets::TOKEN_PREFIX, secrets::random_secret()?);
    let scopes_json = serde_json::to_string(scopes).map_err(|e| AppError::Internal(e.into()))?;
    let token = conn
        .immediate(async |conn| {
            let token = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "INSERT INTO api_tokens (id, user_id, name, secret_hash, scopes, expires_at, created_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ",
                        token_columns!()
                    ),
                    libsql::params![
                        new_id(),
                        user_id,
                        name,
                        secrets::hash_secret(&secret),
                        scopes_json,
                        expires_at,
                        now()
                    ],
                    decode,
                )
                .await?;
            audit::record_with(conn, actor, "api_token.create", ENTITY, &token.id, None, Some(&audit_view(&token)))
                .await?;
            Ok(token)
        })
        .await?;
    Ok(CreatedToken { token, secret })
}

/// `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What it is for (1-100 characters).
    pub name: String,
    /// read, write and/or admin; never wider than the creating token's own.
    pub scopes: Vec<Scope>,
    /// RFC 3339; absent or null for a token that does not expire.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// Checks a token name.
pub fn parse_token_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if let Some(found) = forbidden(name, Lines::One) {
        return Err(AppError::invalid("name", found.rule(), found.message()));
    }
    match name.chars().count() {
        0 => Err(AppError::invalid("name", "required", "must not be empty")),
        1..=100 => Ok(name.to_owned()),
        _ => Err(AppError::invalid("name", "max_length", "must be at most 100 characters")),
    }
}

/// Checks scopes: at least one, and none wider than what the caller itself holds.
pub fn parse_scopes(scopes: &[Scope], caller: Option<&Via>) -> AppResult<Vec<Scope>> {
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(AppError::invalid("scopes", "required", "must name at least one of read, write, admin"));
    }
    if let Some(Via::Token { scope, .. }) = caller
        && scopes.iter().any(|s| s > scope)
    {
        return Err(AppError::invalid(
            "scopes",
            "allowed",
            format!("a token with the {scope} scope cannot create a wider one"),
        ));
    }
    Ok(scopes)
}

/// Create an API token for oneself; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::error::ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateToken = http::body_json(&req)?;
    let name = parse_token_name(&body.name)?;
    let scopes = parse_scopes(&body.scopes, Some(&principal.via))?;
    let expires_at = match body.expires_at.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(text) => {
            let at = http::parse_time("expires_at", text)?;
            if at <= now() {
                return Err(AppError::invalid("expires_at", "future", "must be in the future"));
            }
            Some(at)
        }
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let created =
        create_token(&ctx.conn().await?, &actor, &principal.user_id, &name, &scopes, expires_at.as_deref()).await?;
    http::created(&format!("/api/v1/tokens/{}", created.token.id), &created)
}

/// One's own tokens, newest first (revoked ones included, marked).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", responses((status = 200, body = Page<Token>)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let items = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                token_columns!(),
                " FROM api_tokens WHERE user_id = ?1 ORDER BY created_at DESC LIMIT 200"
            ),
            [principal.user_id.as_str()],
            decode,
        )
        .await?;
    http::ok(&Page::whole(items))
}

/// Revoke a token: one's own, or anyone's for an admin. It stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorResponse)))]
pub(crate) async fn revoke(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_id(&req, "id", "token", TokenId::parse)?.to_string();
    let any_user = principal.may(crate::access::Action::ManageUsers);
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    conn.immediate(async |conn| {
        let token = conn
            .query_one(
                "token",
                concat!(
                    "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?1) \
                     WHERE id = ?2 AND (user_id = ?3 OR ?4) RETURNING ",
                    token_columns!()
                ),
                libsql::params![now(), id.as_str(), principal.user_id.as_str(), any_user],
                decode,
            )
            .await?;
        audit::record_with(conn, &actor, "api_token.revoke", ENTITY, &token.id, None, Some(&audit_view(&token))).await
    })
    .await?;
    Ok(http::no_content())
}
