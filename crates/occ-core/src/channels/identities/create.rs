//! `POST /api/v1/identities`: adding a sender mailbox.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Deserialize;

use super::checks::{
    ImapPresence, check_imap_complete, check_password, check_warmup, check_window, default_imap_port, range, seal,
};
use super::{ENTITY, Identity, SendWindow, Warmup, decode, identity_columns};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{IdentityStatus, SmtpSecurity};
use crate::domain::{EmailAddress, new_id, now, parse_timezone};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::validate::Check;

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
    /// The IMAP server of the mailbox replies and bounces land in.
    #[serde(default)]
    pub imap_host: Option<String>,
    /// Default 993 with tls, else 143.
    #[serde(default)]
    pub imap_port: Option<i64>,
    /// tls (the default), starttls or none (local testing only).
    #[serde(default)]
    pub imap_security: Option<SmtpSecurity>,
    #[serde(default)]
    pub imap_username: Option<String>,
    /// Write-only; sealed with `OCC_SECRET_KEY`.
    #[serde(default)]
    pub imap_password: Option<String>,
    /// Whether the worker reads the mailbox (default false); needs every IMAP setting.
    #[serde(default)]
    pub imap_enabled: Option<bool>,
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
    if let Some(p) = &password {
        check_password(&mut c, "smtp_password", p);
    }
    let imap_host = c.text("imap_host", body.imap_host, 253);
    let imap_security = body.imap_security.or(imap_host.as_ref().map(|_| SmtpSecurity::Tls));
    let imap_port = match (body.imap_port, imap_security) {
        (Some(port), _) => Some(range(&mut c, "imap_port", port, 1, 65_535)),
        (None, Some(security)) => Some(default_imap_port(security)),
        (None, None) => None,
    };
    let imap_username = c.text("imap_username", body.imap_username, 254);
    let imap_password = body.imap_password.filter(|p| !p.is_empty());
    if let Some(p) = &imap_password {
        check_password(&mut c, "imap_password", p);
    }
    let imap_enabled = body.imap_enabled.unwrap_or(false);
    let has = ImapPresence {
        enabled: imap_enabled,
        host: imap_host.is_some(),
        port: imap_port.is_some(),
        username: imap_username.is_some(),
        password: imap_password.is_some(),
    };
    check_imap_complete(&mut c, has);
    c.finish(())?;
    let sealed = password.as_deref().map(|p| seal(ctx, p)).transpose()?;
    let imap_sealed = imap_password.as_deref().map(|p| seal(ctx, p)).transpose()?;
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
                         timezone, signature, imap_host, imap_port, imap_security, imap_username, imap_password_encrypted, \
                         imap_enabled, created_at, updated_at) \
                         VALUES (:id, :from_name, :from_email, :host, :port, :security, :username, :password, :status, :cap, \
                         :warmup_start, :warmup_first, :warmup_increase, :start_hour, :end_hour, :days, :spacing, 10000, :timezone, \
                         :signature, :imap_host, :imap_port, :imap_security, :imap_username, :imap_password, :imap_enabled, \
                         :at, :at) RETURNING ",
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
                        ":imap_host": imap_host.as_deref(), ":imap_port": imap_port,
                        ":imap_security": imap_security.map(SmtpSecurity::as_str), ":imap_username": imap_username.as_deref(),
                        ":imap_password": imap_sealed.clone(), ":imap_enabled": imap_enabled,
                    },
                    decode,
                )
                .await?;
            let view = serde_json::json!({"from_email": identity.from_email, "smtp_host": identity.smtp_host, "daily_cap": identity.daily_cap,
                "imap_host": identity.imap_host, "imap_enabled": identity.imap_enabled});
            audit::record_with(conn, &actor, "identity.create", ENTITY, &id, None, Some(&view)).await?;
            Ok(identity)
        })
        .await?;
    http::created(&format!("/api/v1/identities/{id}"), &identity)
}
