//! Email identities: the mailboxes OCC sends from, with their SMTP settings and pacing rules
//! (daily cap, warm-up ramp, send window, minimum spacing), and the IMAP mailbox the worker
//! reads for replies and bounces (`channels::mailbox`). Managers and admins change them; the
//! SMTP and IMAP passwords are sealed with `OCC_SECRET_KEY` and never returned. Here: the resource, its
//! decoder, its reads and its deletion; `create` and `update` change it, with the rules of
//! `checks`.

mod checks;
pub(crate) mod create;
pub(crate) mod update;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ManageIdentities, ReadData};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::{IdentityStatus, SmtpSecurity};
use crate::error::{AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, RequestMeta, Routes};
use crate::store::{Conn, Row, from_row};

const ENTITY: &str = "identity";

/// The identities' routes (in the channels family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/identities", Signed(ManageIdentities), handler!(create::create))
        .get("/api/v1/identities", Signed(ReadData), handler!(list))
        .get("/api/v1/identities/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/identities/{id}", Signed(ManageIdentities), handler!(update::update))
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
    /// The IMAP server of the mailbox replies and bounces land in.
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    /// tls, starttls or none (local testing only).
    pub imap_security: Option<SmtpSecurity>,
    pub imap_username: Option<String>,
    /// Whether an IMAP password is stored (it is never shown).
    pub has_imap_password: bool,
    /// Whether the worker reads the mailbox.
    pub imap_enabled: bool,
    /// When the mailbox was last read to the end.
    pub mailbox_synced_at: Option<String>,
    /// Why the last reading of the mailbox failed, in words (None when it worked).
    pub mailbox_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The columns of an [`IdentityRow`], which [`decode`] reads by name.
macro_rules! identity_columns {
    () => {
        "id, from_name, from_address, smtp_host, smtp_port, smtp_security, smtp_username, \
         password_encrypted IS NOT NULL AS has_password, \
         daily_cap, timezone, send_window_start_hour, send_window_end_hour, send_window_days, min_spacing_seconds, \
         warmup_start_date, warmup_first_day, warmup_daily_increase, signature, status, \
         imap_host, imap_port, imap_security, imap_username, imap_password_encrypted IS NOT NULL AS has_imap_password, \
         imap_enabled, (SELECT m.synced_at FROM mailbox_sync m WHERE m.identity_id = email_identities.id) AS mailbox_synced_at, \
         (SELECT m.error FROM mailbox_sync m WHERE m.identity_id = email_identities.id) AS mailbox_error, \
         created_at, updated_at"
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
    imap_host: Option<String>,
    imap_port: Option<i64>,
    imap_security: Option<SmtpSecurity>,
    imap_username: Option<String>,
    has_imap_password: bool,
    imap_enabled: bool,
    mailbox_synced_at: Option<String>,
    mailbox_error: Option<String>,
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
            imap_host: row.imap_host,
            imap_port: row.imap_port,
            imap_security: row.imap_security,
            imap_username: row.imap_username,
            has_imap_password: row.has_imap_password,
            imap_enabled: row.imap_enabled,
            mailbox_synced_at: row.mailbox_synced_at,
            mailbox_error: row.mailbox_error,
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
