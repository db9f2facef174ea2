//! `PATCH /api/v1/identities/{id}`: changing a sender mailbox.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::checks::{check_warmup, check_window, range, seal};
use super::{ENTITY, Identity, SendWindow, Warmup, decode, identity_columns, identity_id, load};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{IdentityStatus, SmtpSecurity};
use crate::domain::{EmailAddress, now, parse_timezone};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

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
