//! Email identities: the mailboxes OCC sends from, with their SMTP settings and pacing rules
//! (daily cap, warm-up ramp, send window, minimum spacing). Managers and admins change them;
//! the SMTP password is sealed with `OCC_SECRET_KEY` and never returned.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageIdentities, ReadData};
use crate::access::Principal;
use crate::audit;
use crate::crypto::SecretBox;
use crate::domain::enums::{IdentityStatus, SmtpSecurity};
use crate::domain::{EmailAddress, new_id, now, parse_timezone};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Patch, RequestMeta, Routes};
use crate::store::{Batch, Conn, Row, from_row};
use crate::validate::Check;

const ENTITY: &str = "identity";

/// The identities' routes (in the channels family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/identities", Signed(ManageIdentities), handler!(create))
        .get("/api/v1/identities", Signed(ReadData), handler!(list))
        .get("/api/v1/identities/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/identities/{id}", Signed(ManageIdentities), handler!(update))
        .delete("/api/v1/identities/{id}", Signed(ManageIdentities), handler!(delete))
}

/// When an identity sends: `[start_hour, end_hour)` local time on `days` (1 = Monday ... 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendWindow {
    /// 0-23.
    pub start_hour: i64,
    /// 1-24, after `start_hour`.
    pub end_hour: i64,
    /// ISO weekdays, 1 = Monday ... 7 = Sunday.
    pub days: Vec<i64>,
}

/// A new mailbox's ramp: `first_day` messages on `start_date`, `daily_increase` more each day
/// after, up to the daily cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Warmup {
    /// YYYY-MM-DD, in the identity's time zone.
    pub start_date: String,
    /// 0-10000.
    pub first_day: i64,
    /// 0-10000.
    pub daily_increase: i64,
}

/// A sender mailbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Identity {
    pub id: String,
    pub from_name: String,
    pub from_email: String,
    pub smtp_host: String,
    pub smtp_port: i64,
    /// starttls, tls or none.
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    /// Whether a password is stored (it is never shown).
    pub has_password: bool,
    /// The most it sends a day once warmed up.
    pub daily_cap: i64,
    pub timezone: String,
    pub send_window: SendWindow,
    /// The least time between two sends (a little random jitter is added).
    pub min_spacing_seconds: i64,
    pub warmup: Option<Warmup>,
    pub signature: Option<String>,
    /// active, paused or disabled.
    pub status: IdentityStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// The columns of an [`IdentityRow`], which [`decode`] reads by name.
macro_rules! identity_columns {
    () => {
        "id, from_name, from_address, smtp_host, smtp_port, smtp_security, smtp_username, \
         password_encrypted IS NOT NULL AS has_password, \
         daily_cap, timezone, send_window_start_hour, send_window_end_hour, send_window_days, min_spacing_seconds, \
         warmup_start_date, warmup_first_day, warmup_daily_increase, signature, status, created_at, updated_at"
    };
}
pub(crate) use identity_columns;

/// A row of [`identity_columns!`], as the table stores it.
#[derive(Deserialize)]
struct IdentityRow {
    id: String,
    from_name: String,
    from_address: String,
    smtp_host: String,
    smtp_port: i64,
    smtp_security: SmtpSecurity,
    smtp_username: Option<String>,
    has_password: bool,
    daily_cap: i64,
    timezone: String,
    send_window_start_hour: i64,
    send_window_end_hour: i64,
    #[serde(deserialize_with = "crate::store::json")]
    send_window_days: Vec<i64>,
    min_spacing_seconds: i64,
    warmup_start_date: Option<String>,
    warmup_first_day: i64,
    warmup_daily_increase: i64,
    signature: Option<String>,
    status: IdentityStatus,
    created_at: String,
    updated_at: String,
}

impl From<IdentityRow> for Identity {
    fn from(row: IdentityRow) -> Self {
        Self {
            id: row.id,
            from_name: row.from_name,
            from_email: row.from_address,
            smtp_host: row.smtp_host,
            smtp_port: row.smtp_port,
            smtp_security: row.smtp_security,
            smtp_username: row.smtp_username,
            has_password: row.has_password,
            daily_cap: row.daily_cap,
            timezone: row.timezone,
            send_window: SendWindow {
                start_hour: row.send_window_start_hour,
                end_hour: row.send_window_end_hour,
                days: row.send_window_days,
            },
            min_spacing_seconds: row.min_spacing_seconds,
            warmup: row.warmup_start_date.map(|start_date| Warmup {
                start_date,
                first_day: row.warmup_first_day,
                daily_increase: row.warmup_daily_increase,
            }),
            signature: row.signature,
            status: row.status,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Reads a row of [`identity_columns!`] (by name: a statement may select more columns).
pub(crate) fn decode(row: &Row) -> AppResult<Identity> {
    from_row::<IdentityRow>(row).map(Identity::from)
}

pub(crate) async fn load(conn: &Conn, id: &str) -> AppResult<Identity> {
    conn.query_one(
        ENTITY,
        concat!("SELECT ", identity_columns!(), " FROM email_identities WHERE id = ?1"),
        [id],
        decode,
    )
    .await
}

fn range(c: &mut Check, field: &str, value: i64, low: i64, high: i64) -> i64 {
    if !(low..=high).contains(&value) {
        c.fail(field, "range", format!("must be from {low} to {high}"));
    }
    value
}

fn check_window(c: &mut Check, w: &SendWindow) {
    range(c, "send_window.start_hour", w.start_hour, 0, 23);
    range(c, "send_window.end_hour", w.end_hour, 1, 24);
    if w.start_hour >= w.end_hour {
        c.fail("send_window.end_hour", "order", "must be after start_hour");
    }
    if w.days.is_empty() || w.days.iter().any(|d| !(1..=7).contains(d)) {
        c.fail("send_window.days", "range", "must list weekdays from 1 (Monday) to 7 (Sunday)");
    }
}

fn check_warmup(c: &mut Check, w: &Warmup) {
    if NaiveDate::parse_from_str(&w.start_date, "%Y-%m-%d").is_err() {
        c.fail("warmup.start_date", "format", "must be a date such as 2026-12-01");
    }
    range(c, "warmup.first_day", w.first_day, 0, 10_000);
    range(c, "warmup.daily_increase", w.daily_increase, 0, 10_000);
}

fn seal(ctx: &Ctx, password: &str) -> AppResult<Vec<u8>> {
    let secrets =
        SecretBox::from_key(ctx.config.secret_key.as_ref()).map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok(secrets.seal(password).map_err(AppError::Internal)?.into_bytes())
}

/// `POST /api/v1/identities`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIdentity {
    pub from_name: String,
    pub from_email: String,
    pub smtp_host: String,
    pub smtp_port: i64,
    /// starttls, tls or none (local testing only).
    pub smtp_security: SmtpSecurity,
    #[serde(default)]
    pub smtp_username: Option<String>,
    /// Write-only; sealed with `OCC_SECRET_KEY`.
    #[serde(default)]
    pub smtp_password: Option<String>,
    pub daily_cap: i64,
    /// IANA; the identity's days and send window count in it.
    pub timezone: String,
    pub send_window: SendWindow,
    #[serde(default)]
    pub min_spacing_seconds: Option<i64>,
    #[serde(default)]
    pub warmup: Option<Warmup>,
    #[serde(default)]
    pub signature: Option<String>,
    /// active (the default), paused or disabled.
    #[serde(default)]
    pub status: Option<IdentityStatus>,
}

/// Add a sender mailbox (managers and admins).
#[utoipa::path(post, path = "/api/v1/identities", tag = "identities", request_body = CreateIdentity,
    responses((status = 201, body = Identity), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse), (status = 503, description = "OCC_SECRET_KEY is not set", body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateIdentity = http::body_json(&req)?;
    let mut c = Check::default();
    let from_name = c.required("from_name", body.from_name, 200);
    let from_email = EmailAddress::parse(&body.from_email)
        .map_err(|m| c.fail("from_email", "format", m))
        .map(|e| e.as_str().to_owned())
        .unwrap_or_default();
    let smtp_host = c.required("smtp_host", body.smtp_host, 253);
    range(&mut c, "smtp_port", body.smtp_port, 1, 65_535);
    let username = c.text("smtp_username", body.smtp_username, 254);
    range(&mut c, "daily_cap", body.daily_cap, 0, 10_000);
    let timezone = parse_timezone(&body.timezone).map_err(|m| c.fail("timezone", "format", m)).unwrap_or_default();
    check_window(&mut c, &body.send_window);
    let spacing = range(&mut c, "min_spacing_seconds", body.min_spacing_seconds.unwrap_or(60), 0, 86_400);
    if let Some(w) = &body.warmup {
        check_warmup(&mut c, w);
    }
    let signature = c.prose("signature", body.signature, 5000);
    let password = body.smtp_password.filter(|p| !p.is_empty());
    if password.as_ref().is_some_and(|p| p.len() > 1000) {
        c.fail("smtp_password", "max_length", "must be at most 1000 characters");
    }
    c.finish(())?;
    let sealed = password.as_deref().map(|p| seal(ctx, p)).transpose()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let id = new_id();
    let at = now();
    let days = serde_json::to_string(&body.send_window.days).map_err(|e| AppError::Internal(e.into()))?;
    let warmup = body.warmup.as_ref();
    let status = body.status.unwrap_or(IdentityStatus::Active);
    let conn = ctx.conn().await?;
    let identity = conn
        .immediate(async |conn| {
            let identity = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "INSERT INTO email_identities (id, from_name, from_address, smtp_host, smtp_port, smtp_security, smtp_username, \
                         password_encrypted, status, daily_cap, warmup_start_date, warmup_first_day, warmup_daily_increase, \
                         send_window_start_hour, send_window_end_hour, send_window_days, min_spacing_seconds, per_domain_daily_cap, \
                         timezone, signature, created_at, updated_at) \
                         VALUES (:id, :from_name, :from_email, :host, :port, :security, :username, :password, :status, :cap, \
                         :warmup_start, :warmup_first, :warmup_increase, :start_hour, :end_hour, :days, :spacing, 10000, :timezone, \
                         :signature, :at, :at) RETURNING ",
                        identity_columns!()
                    ),
                    libsql::named_params! {
                        ":id": id.as_str(), ":from_name": from_name.as_str(), ":from_email": from_email.as_str(),
                        ":host": smtp_host.as_str(), ":port": body.smtp_port, ":security": body.smtp_security.as_str(),
                        ":username": username.as_deref(), ":password": sealed.clone(), ":status": status.as_str(),
                        ":cap": body.daily_cap, ":warmup_start": warmup.map(|w| w.start_date.as_str()),
                        ":warmup_first": warmup.map_or(0, |w| w.first_day), ":warmup_increase": warmup.map_or(0, |w| w.daily_increase),
                        ":start_hour": body.send_window.start_hour, ":end_hour": body.send_window.end_hour, ":days": days.as_str(),
                        ":spacing": spacing, ":timezone": timezone.as_str(), ":signature": signature.as_deref(), ":at": at.as_str(),
                    },
                    decode,
                )
                .await?;
            let view = serde_json::json!({"from_email": identity.from_email, "smtp_host": identity.smtp_host, "daily_cap": identity.daily_cap});
            audit::record_with(conn, &actor, "identity.create", ENTITY, &id, None, Some(&view)).await?;
            Ok(identity)
        })
        .await?;
    http::created(&format!("/api/v1/identities/{id}"), &identity)
}

/// Every identity, by address.
#[utoipa::path(get, path = "/api/v1/identities", tag = "identities",
    responses((status = 200, body = Vec<Identity>)))]
pub(crate) async fn list(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!("SELECT ", identity_columns!(), " FROM email_identities ORDER BY from_address LIMIT 500"),
            (),
            decode,
        )
        .await?;
    http::ok(&rows)
}

fn identity_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// One identity.
#[utoipa::path(get, path = "/api/v1/identities/{id}", tag = "identities", params(("id" = String, Path)),
    responses((status = 200, body = Identity), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = identity_id(&req)?;
    http::ok(&load(&ctx.conn().await?, &id).await?)
}

/// `PATCH /api/v1/identities/{id}`: absent fields stay; `smtp_password: null` removes it.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PatchIdentity {
    #[serde(default)]
    pub from_name: Option<String>,
    #[serde(default)]
    pub from_email: Option<String>,
    #[serde(default)]
    pub smtp_host: Option<String>,
    #[serde(default)]
    pub smtp_port: Option<i64>,
    #[serde(default)]
    pub smtp_security: Option<SmtpSecurity>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub smtp_username: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub smtp_password: Patch<String>,
    #[serde(default)]
    pub daily_cap: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub send_window: Option<SendWindow>,
    #[serde(default)]
    pub min_spacing_seconds: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<Warmup>)]
    pub warmup: Patch<Warmup>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub signature: Patch<String>,
    #[serde(default)]
    pub status: Option<IdentityStatus>,
}

/// Change an identity (managers and admins).
#[utoipa::path(patch, path = "/api/v1/identities/{id}", tag = "identities", request_body = PatchIdentity, params(("id" = String, Path)),
    responses((status = 200, body = Identity), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = identity_id(&req)?;
    let body: PatchIdentity = http::body_json(&req)?;
    let mut c = Check::default();
    let from_name = body.from_name.map(|n| c.required("from_name", n, 200));
    let from_email = body.from_email.and_then(|e| {
        EmailAddress::parse(&e).map_err(|m| c.fail("from_email", "format", m)).map(|e| e.as_str().to_owned()).ok()
    });
    let smtp_host = body.smtp_host.map(|h| c.required("smtp_host", h, 253));
    let port = body.smtp_port.map(|p| range(&mut c, "smtp_port", p, 1, 65_535));
    let username = crate::validate::patched(body.smtp_username, |u| c.text("smtp_username", u, 254));
    let cap = body.daily_cap.map(|v| range(&mut c, "daily_cap", v, 0, 10_000));
    let timezone = body.timezone.and_then(|t| parse_timezone(&t).map_err(|m| c.fail("timezone", "format", m)).ok());
    if let Some(w) = &body.send_window {
        check_window(&mut c, w);
    }
    let spacing = body.min_spacing_seconds.map(|v| range(&mut c, "min_spacing_seconds", v, 0, 86_400));
    if let Patch::Value(w) = &body.warmup {
        check_warmup(&mut c, w);
    }
    let signature = crate::validate::patched(body.signature, |s| c.prose("signature", s, 5000));
    c.finish(())?;
    let password: Option<Option<Vec<u8>>> = match body.smtp_password {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(p) if p.is_empty() => {
            return Err(AppError::invalid(
                "smtp_password",
                "required",
                "send null to remove the password, or a new one",
            ));
        }
        Patch::Value(p) => Some(Some(seal(ctx, &p)?)),
    };
    let days = body
        .send_window
        .as_ref()
        .map(|w| serde_json::to_string(&w.days))
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let warmup_set = body.warmup.is_present();
    let warmup = match &body.warmup {
        Patch::Value(w) => Some(w),
        _ => None,
    };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (outcome, updated) = conn
        .read_then_write(async |conn| {
            let before = load(conn, &id).await?;
            // What the audit entry keeps, as the change leaves it.
            let mut after = before.clone();
            after.from_email = from_email.clone().unwrap_or(after.from_email);
            after.smtp_host = smtp_host.clone().unwrap_or(after.smtp_host);
            after.daily_cap = cap.unwrap_or(after.daily_cap);
            after.status = body.status.unwrap_or(after.status);
            after.has_password = password.as_ref().map_or(after.has_password, Option::is_some);
            if warmup_set {
                after.warmup = warmup.cloned();
            }
            if let Some(w) = &body.send_window {
                after.send_window = w.clone();
            }
            let view = |i: &Identity| {
                serde_json::json!({"from_email": i.from_email, "smtp_host": i.smtp_host, "daily_cap": i.daily_cap,
                    "status": i.status, "has_password": i.has_password, "warmup": i.warmup, "send_window": i.send_window})
            };
            let mut batch = Batch::new();
            let updated = batch
                .push(
                    concat!(
                        "UPDATE email_identities SET from_name = coalesce(:from_name, from_name), \
                         from_address = coalesce(:from_email, from_address), smtp_host = coalesce(:host, smtp_host), \
                         smtp_port = coalesce(:port, smtp_port), smtp_security = coalesce(:security, smtp_security), \
                         smtp_username = CASE WHEN :username_set THEN :username ELSE smtp_username END, \
                         password_encrypted = CASE WHEN :password_set THEN :password ELSE password_encrypted END, \
                         daily_cap = coalesce(:cap, daily_cap), timezone = coalesce(:timezone, timezone), \
                         send_window_start_hour = coalesce(:start_hour, send_window_start_hour), \
                         send_window_end_hour = coalesce(:end_hour, send_window_end_hour), \
                         send_window_days = coalesce(:days, send_window_days), \
                         min_spacing_seconds = coalesce(:spacing, min_spacing_seconds), \
                         warmup_start_date = CASE WHEN :warmup_set THEN :warmup_start ELSE warmup_start_date END, \
                         warmup_first_day = CASE WHEN :warmup_set THEN :warmup_first ELSE warmup_first_day END, \
                         warmup_daily_increase = CASE WHEN :warmup_set THEN :warmup_increase ELSE warmup_daily_increase END, \
                         signature = CASE WHEN :signature_set THEN :signature ELSE signature END, \
                         status = coalesce(:status, status), updated_at = :at WHERE id = :id RETURNING ",
                        identity_columns!()
                    ),
                    libsql::named_params! {
                        ":id": id.as_str(), ":from_name": from_name.clone(), ":from_email": from_email.clone(),
                        ":host": smtp_host.clone(), ":port": port, ":security": body.smtp_security.map(SmtpSecurity::as_str),
                        ":username_set": username.is_some(), ":username": username.clone().flatten(),
                        ":password_set": password.is_some(), ":password": password.clone().flatten(),
                        ":cap": cap, ":timezone": timezone.clone(),
                        ":start_hour": body.send_window.as_ref().map(|w| w.start_hour),
                        ":end_hour": body.send_window.as_ref().map(|w| w.end_hour), ":days": days.clone(), ":spacing": spacing,
                        ":warmup_set": warmup_set, ":warmup_start": warmup.map(|w| w.start_date.clone()),
                        ":warmup_first": warmup.map_or(0, |w| w.first_day), ":warmup_increase": warmup.map_or(0, |w| w.daily_increase),
                        ":signature_set": signature.is_some(), ":signature": signature.clone().flatten(),
                        ":status": body.status.map(IdentityStatus::as_str), ":at": at.as_str(),
                    },
                )?;
            audit::record_with_in(&mut batch, &actor, "identity.update", ENTITY, &id, Some(&view(&before)), Some(&view(&after)), None)?;
            Ok((batch, updated))
        })
        .await?;
    http::ok(&outcome.one(ENTITY, updated, decode)?)
}

/// Delete an identity (managers and admins); its sends stay in the history.
#[utoipa::path(delete, path = "/api/v1/identities/{id}", tag = "identities", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = identity_id(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    conn.immediate(async |conn| {
        let before = load(conn, &id).await?;
        conn.write("DELETE FROM email_identities WHERE id = ?1", [id.as_str()]).await?;
        let view = serde_json::json!({"from_email": before.from_email});
        audit::record_with(conn, &actor, "identity.delete", ENTITY, &id, Some(&view), None).await
    })
    .await?;
    Ok(http::no_content())
}
