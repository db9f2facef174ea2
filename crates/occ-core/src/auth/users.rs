//! Users: the resource, its storage, and the admins' API (`/api/v1/users`).

use ::http::{Request, Response};
use bytes::Bytes;
use libsql::named_params;
use serde::{Deserialize, Serialize};

use crate::access::{Principal, secrets};
use crate::audit::{self, Actor};
use crate::domain::enums::Role;
use crate::domain::text::{Lines, forbidden};
use crate::domain::{EmailAddress, UserId, new_id, now};
use crate::error::{AppError, AppResult, EntityRef};
use crate::http::{self, Ctx, Keyset, Page, Patch, Query, RequestMeta};
use crate::store::{Batch, Conn, Row, Step, from_row, single};

const ENTITY: &str = "user";

/// A user as the API answers it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    /// UUIDv7.
    pub id: String,
    /// Sign-in address, lower-case, unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// What the user may do.
    #[schema(example = "bdr")]
    pub role: Role,
    /// A disabled user cannot sign in; their sessions and tokens ended when they were disabled.
    pub disabled: bool,
    /// Last sign-in.
    pub last_login_at: Option<String>,
    /// When the user was created.
    pub created_at: String,
    /// When the user last changed.
    pub updated_at: String,
}

macro_rules! user_columns {
    () => {
        "id, email, name, role, disabled, last_login_at, created_at, updated_at"
    };
}

/// A user's name: trimmed, 1-200 characters.
pub fn parse_name(field: &str, name: &str) -> AppResult<String> {
    let name = name.trim();
    if let Some(found) = forbidden(name, Lines::One) {
        return Err(AppError::invalid(field, found.rule(), found.message()));
    }
    match name.chars().count() {
        0 => Err(AppError::invalid(field, "required", "must not be empty")),
        1..=200 => Ok(name.to_owned()),
        _ => Err(AppError::invalid(field, "max_length", "must be at most 200 characters")),
    }
}

/// Creates a user (four calls); a taken email is a 409 naming the user who has it.
pub async fn insert(
    conn: &Conn,
    actor: &Actor,
    email: &EmailAddress,
    name: &str,
    role: Role,
    password_hash: &str,
) -> AppResult<User> {
    let id = new_id();
    let at = now();
    let result = conn
        .immediate(async |conn| {
            audit::record(conn, actor, "user.create", ENTITY, &id).await?;
            conn.query_one(
                ENTITY,
                concat!(
                    "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING ",
                    user_columns!()
                ),
                libsql::params![id.as_str(), email.as_str(), name, role.as_str(), password_hash, at.as_str()],
                from_row,
            )
            .await
        })
        .await;
    match result {
        Err(AppError::Conflict { .. }) => {
            let existing = find_by_email(conn, email).await?.map(|(user, _)| user.id);
            let message = format!("a user with email {} already exists", email.as_str());
            Err(AppError::Conflict {
                fields: vec![crate::error::FieldError::new("email", "unique", message.clone())],
                message,
                conflicts_with: existing.map(|id| EntityRef { entity: ENTITY, id }),
            })
        }
        other => other,
    }
}

/// A user and their password hash, by email (one call).
pub async fn find_by_email(conn: &Conn, email: &EmailAddress) -> AppResult<Option<(User, String)>> {
    conn.query_opt(BY_EMAIL, [email.as_str()], with_hash).await
}

/// As [`find_by_email`], as a statement of a batch; its row is read with [`with_hash`].
pub(crate) fn find_by_email_in(batch: &mut Batch, email: &EmailAddress) -> AppResult<Step> {
    batch.push(BY_EMAIL, [email.as_str()])
}

const BY_EMAIL: &str = concat!("SELECT ", user_columns!(), ", password_hash FROM users WHERE email = ?1");

/// A row of [`find_by_email`]: the user and their password hash.
pub(crate) fn with_hash(row: &Row) -> AppResult<(User, String)> {
    Ok((from_row(row)?, from_row::<PasswordHash>(row)?.password_hash))
}

/// The password hash of a row of [`find_by_email`] (its user is read as a [`User`]).
#[derive(Deserialize)]
struct PasswordHash {
    password_hash: String,
}

/// One user.
pub async fn get_user(conn: &Conn, id: &str) -> AppResult<User> {
    conn.query_one(ENTITY, concat!("SELECT ", user_columns!(), " FROM users WHERE id = ?1"), [id], from_row).await
}

/// A user's password hash.
pub async fn password_hash(conn: &Conn, id: &str) -> AppResult<String> {
    conn.query_one(ENTITY, "SELECT password_hash FROM users WHERE id = ?1", [id], single).await
}

/// Which sessions a change ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndSessions<'a> {
    /// None.
    None,
    /// All of the user's sessions (an admin set a temporary password).
    All,
    /// All but the caller's own (the user changed their own password).
    AllBut(&'a str),
}

/// What a change sets; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// Disable or enable (disabling ends every session and token, by trigger).
    pub disabled: Option<bool>,
    /// A new password hash.
    pub password_hash: Option<String>,
}

/// Applies `changes` in one batch with its audit entry and the session clean-up (one call);
/// the last active admin cannot be demoted or disabled (409).
pub async fn update_user(
    conn: &Conn,
    actor: &Actor,
    id: &str,
    changes: &UserChanges,
    end: EndSessions<'_>,
) -> AppResult<User> {
    let set = |present: bool| i64::from(present);
    let mut batch = Batch::new();
    audit::record_in(&mut batch, actor, "user.update", ENTITY, id, None)?;
    let updated = batch.push(
        concat!(
            "UPDATE users SET \
             name = CASE WHEN :set_name THEN :name ELSE name END, \
             role = CASE WHEN :set_role THEN :role ELSE role END, \
             disabled = CASE WHEN :set_disabled THEN :disabled ELSE disabled END, \
             password_hash = CASE WHEN :set_password THEN :password_hash ELSE password_hash END, \
             updated_at = :at WHERE id = :id RETURNING ",
            user_columns!()
        ),
        named_params! {
            ":id": id, ":at": now(),
            ":set_name": set(changes.name.is_some()), ":name": changes.name.clone(),
            ":set_role": set(changes.role.is_some()), ":role": changes.role.map(Role::as_str),
            ":set_disabled": set(changes.disabled.is_some()), ":disabled": changes.disabled.map(i64::from),
            ":set_password": set(changes.password_hash.is_some()), ":password_hash": changes.password_hash.clone(),
        },
    )?;
    batch.require("changes() = 1", (), AppError::NotFound(ENTITY))?;
    match end {
        EndSessions::None => {}
        EndSessions::All => {
            batch.push("DELETE FROM sessions WHERE user_id = ?1", [id])?;
        }
        EndSessions::AllBut(keep) => {
            batch.push("DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2", [id, keep])?;
        }
    }
    conn.batch(batch).await?.one(ENTITY, updated, from_row)
}

/// One page of users, in creation order (one call).
pub async fn list_users(conn: &Conn, page: &Keyset<String>) -> AppResult<Page<User>> {
    // A team's users are few: the page's rows carry their count.
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        ", (SELECT count(*) FROM users) AS total FROM users WHERE id > coalesce(:after, '') ORDER BY id LIMIT :fetch"
    );
    page.load_counted(conn, sql, (), from_row, |u: &User| u.id.clone()).await
}

/// `POST /api/v1/users`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// admin, manager, bdr or viewer.
    pub role: Role,
    /// The first password (at least 12 characters); the user can change it.
    pub password: String,
}

/// `PATCH /api/v1/users/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    /// A new name.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    /// A new role.
    #[serde(default)]
    #[schema(value_type = Option<Role>)]
    pub role: Patch<Role>,
    /// Disable (ends every session and token) or enable.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub disabled: Patch<bool>,
    /// A temporary password; ends the user's sessions.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub password: Patch<String>,
}

fn actor(req: &Request<Bytes>) -> AppResult<Actor> {
    Ok(Principal::of(req)?.actor(&RequestMeta::of(req)?.request_id))
}

fn user_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_id(req, "id", ENTITY, UserId::parse).map(|id| id.to_string())
}

/// List users (admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<User>), (status = 403, body = crate::error::ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let page = Keyset::last_of(Query::of(&req))?;
    http::ok(&list_users(&ctx.conn().await?, &page).await?)
}

/// One user (admins).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = crate::error::ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = user_id(&req)?;
    http::ok(&get_user(&ctx.conn().await?, &id).await?)
}

/// Create a user (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = User), (status = 409, body = crate::error::ErrorResponse),
        (status = 422, body = crate::error::ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let body: CreateUser = http::body_json(&req)?;
    let email = EmailAddress::parse(&body.email).map_err(|m| AppError::invalid("email", "format", m))?;
    let name = parse_name("name", &body.name)?;
    secrets::check_new_password("password", &body.password)?;
    let hash = secrets::hash_password(&body.password)?;
    let user = insert(&ctx.conn().await?, &actor(&req)?, &email, &name, body.role, &hash).await?;
    http::created(&format!("/api/v1/users/{}", user.id), &user)
}

/// Change a user's name, role, disabled flag or password (admins).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = PatchUser, params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = crate::error::ErrorResponse),
        (status = 409, description = "The last active admin cannot be demoted or disabled", body = crate::error::ErrorResponse),
        (status = 422, body = crate::error::ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = user_id(&req)?;
    let body: PatchUser = http::body_json(&req)?;
    let required = |field: &str| AppError::invalid(field, "required", "cannot be cleared");
    let changes = UserChanges {
        name: match body.name {
            Patch::Absent => None,
            Patch::Null => return Err(required("name")),
            Patch::Value(name) => Some(parse_name("name", &name)?),
        },
        role: match body.role {
            Patch::Absent => None,
            Patch::Null => return Err(required("role")),
            Patch::Value(role) => Some(role),
        },
        disabled: match body.disabled {
            Patch::Absent => None,
            Patch::Null => return Err(required("disabled")),
            Patch::Value(disabled) => Some(disabled),
        },
        password_hash: match body.password {
            Patch::Absent => None,
            Patch::Null => return Err(required("password")),
            Patch::Value(password) => {
                secrets::check_new_password("password", &password)?;
                Some(secrets::hash_password(&password)?)
            }
        },
    };
    let conn = ctx.conn().await?;
    if changes.name.is_none() && changes.role.is_none() && changes.disabled.is_none() && changes.password_hash.is_none()
    {
        return http::ok(&get_user(&conn, &id).await?);
    }
    let end = if changes.password_hash.is_some() { EndSessions::All } else { EndSessions::None };
    let user = update_user(&conn, &actor(&req)?, &id, &changes, end).await?;
    http::ok(&user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("name", "  Ana  ").ok().as_deref(), Some("Ana"));
        assert!(parse_name("name", " ").is_err());
        assert!(parse_name("name", &"x".repeat(201)).is_err());
    }
}
