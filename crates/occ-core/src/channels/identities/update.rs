//! `PATCH /api/v1/identities/{id}`: changing a sender mailbox.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::checks::{ImapPresence, check_imap_complete, check_password, check_warmup, check_window, range, seal};
use super::{ENTITY, Identity, SendWindow, Warmup, decode, identity_columns, identity_id, load};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{IdentityStatus, SmtpSecurity};
use crate::domain::{EmailAddress, now, parse_timezone};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Patch, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

/// `PATCH /api/v1/identities/{id}`: absent fields stay; `smtp_password: null` removes it (and
/// `imap_password: null` the mailbox's). A change of the mailbox's host, port or user name
/// starts its reading afresh.
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
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub imap_host: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub imap_port: Patch<i64>,
    #[serde(default)]
    #[schema(value_type = Option<SmtpSecurity>)]
    pub imap_security: Patch<SmtpSecurity>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub imap_username: Patch<String>,
    /// Write-only; sealed with `OCC_SECRET_KEY`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub imap_password: Patch<String>,
    /// Whether the worker reads the mailbox; needs every IMAP setting.
    #[serde(default)]
    pub imap_enabled: Option<bool>,
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
    let imap_host = crate::validate::patched(body.imap_host, |h| c.text("imap_host", h, 253));
    let imap_port = crate::validate::patched(body.imap_port, |p| p.map(|p| range(&mut c, "imap_port", p, 1, 65_535)));
    let imap_security = crate::validate::patched(body.imap_security, |s| s);
    let imap_username = crate::validate::patched(body.imap_username, |u| c.text("imap_username", u, 254));
    for (field, p) in [("smtp_password", &body.smtp_password), ("imap_password", &body.imap_password)] {
        match p {
            Patch::Value(p) if p.is_empty() => {
                c.fail(field, "required", "send null to remove the password, or a new one");
            }
            Patch::Value(p) => check_password(&mut c, field, p),
            Patch::Absent | Patch::Null => {}
        }
    }
    c.finish(())?;
    let password = sealed(ctx, body.smtp_password)?;
    let imap_password = sealed(ctx, body.imap_password)?;
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
            after.imap_host = imap_host.clone().unwrap_or(after.imap_host);
            after.imap_port = imap_port.unwrap_or(after.imap_port);
            after.imap_security = imap_security.unwrap_or(after.imap_security);
            after.imap_username = imap_username.clone().unwrap_or(after.imap_username);
            after.has_imap_password = imap_password.as_ref().map_or(after.has_imap_password, Option::is_some);
            after.imap_enabled = body.imap_enabled.unwrap_or(after.imap_enabled);
            let mut c = Check::default();
            check_imap_complete(&mut c, ImapPresence::from(&after));
            c.finish(())?;
            // Another mailbox: its reading starts afresh. Other IMAP changes clear the last error.
            let moved = after.imap_host != before.imap_host
                || after.imap_port != before.imap_port
                || after.imap_username != before.imap_username;
            let imap_changed = moved
                || imap_password.is_some()
                || after.imap_security != before.imap_security
                || after.imap_enabled != before.imap_enabled;
            let view = |i: &Identity| {
                serde_json::json!({"from_email": i.from_email, "smtp_host": i.smtp_host, "daily_cap": i.daily_cap,
                    "status": i.status, "has_password": i.has_password, "warmup": i.warmup, "send_window": i.send_window,
                    "imap_host": i.imap_host, "imap_enabled": i.imap_enabled, "has_imap_password": i.has_imap_password})
            };
            let mut batch = Batch::new();
            if moved {
                batch.push("DELETE FROM mailbox_sync WHERE identity_id = ?1", [id.as_str()])?;
            } else if imap_changed {
                batch.push("UPDATE mailbox_sync SET error = NULL WHERE identity_id = ?1", [id.as_str()])?;
            }
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
                         imap_host = CASE WHEN :imap_host_set THEN :imap_host ELSE imap_host END, \
                         imap_port = CASE WHEN :imap_port_set THEN :imap_port ELSE imap_port END, \
                         imap_security = CASE WHEN :imap_security_set THEN :imap_security ELSE imap_security END, \
                         imap_username = CASE WHEN :imap_username_set THEN :imap_username ELSE imap_username END, \
                         imap_password_encrypted = CASE WHEN :imap_password_set THEN :imap_password \
                           ELSE imap_password_encrypted END, \
                         imap_enabled = coalesce(:imap_enabled, imap_enabled), \
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
                        ":imap_host_set": imap_host.is_some(), ":imap_host": imap_host.clone().flatten(),
                        ":imap_port_set": imap_port.is_some(), ":imap_port": imap_port.flatten(),
                        ":imap_security_set": imap_security.is_some(),
                        ":imap_security": imap_security.flatten().map(SmtpSecurity::as_str),
                        ":imap_username_set": imap_username.is_some(), ":imap_username": imap_username.clone().flatten(),
                        ":imap_password_set": imap_password.is_some(), ":imap_password": imap_password.clone().flatten(),
                        ":imap_enabled": body.imap_enabled,
                    },
                )?;
            audit::record_with_in(&mut batch, &actor, "identity.update", ENTITY, &id, Some(&view(&before)), Some(&view(&after)), None)?;
            Ok((batch, updated))
        })
        .await?;
    http::ok(&outcome.one(ENTITY, updated, decode)?)
}

/// A password field of a PATCH, sealed: None leaves it, `Some(None)` removes it.
fn sealed(ctx: &Ctx, patch: Patch<String>) -> AppResult<Option<Option<Vec<u8>>>> {
    Ok(match patch {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(p) => Some(Some(seal(ctx, &p)?)),
    })
}
