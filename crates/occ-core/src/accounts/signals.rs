//! Buying signals: dated facts about a contact or an account (a funding round, a job change,
//! a visit to the pricing page) with a strength; expired ones stop counting.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{DeleteData, ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::contacts::scoring::sql::rescore_sql;
use crate::domain::enums::{Role, SignalKind};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Keyset, Page, Query, RequestMeta, Routes};
use crate::store::{Conn, Row, from_row};
use crate::validate::Check;

const ENTITY: &str = "signal";

/// The signals' routes (in the accounts family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/signals", Signed(WriteData), handler!(create))
        .get("/api/v1/signals", Signed(ReadData), handler!(list))
        .delete("/api/v1/signals/{id}", Signed(DeleteData), handler!(delete))
}

/// A buying signal.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Signal {
    pub id: String,
    pub contact_id: Option<String>,
    pub account_id: Option<String>,
    pub kind: SignalKind,
    /// 1 (weak) to 5 (strong).
    pub strength: i64,
    pub title: String,
    pub detail: Option<String>,
    pub source_url: Option<String>,
    pub occurred_at: String,
    pub expires_at: Option<String>,
    /// Past its expiry: shown, but no longer counted.
    pub expired: bool,
    pub created_at: String,
    /// The person it is about, by name, in an account's list with its people's signals
    /// (`people=true`); absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
}

/// The columns of a [`Signal`], `expired` as of `:now`.
macro_rules! signal_columns {
    () => {
        "id, contact_id, account_id, kind, strength, title, detail, source_url, occurred_at, expires_at, created_at, \
         coalesce(expires_at <= :now, 0) AS expired"
    };
}

/// Rescores the people a signal's change moves (its contact, or everyone at its account), as
/// the database now is (one call).
async fn rescore(conn: &Conn, signal: &Signal, now: &str) -> AppResult<()> {
    conn.write(
        rescore_sql!("contacts.id = :contact_id OR contacts.account_id = :account_id"),
        libsql::named_params! {
            ":contact_id": signal.contact_id.as_deref(), ":account_id": signal.account_id.as_deref(), ":now": now,
        },
    )
    .await
}

/// `POST /api/v1/signals`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignal {
    /// The contact it is about (or give `account_id`).
    #[serde(default)]
    pub contact_id: Option<String>,
    /// The account it is about (or give `contact_id`).
    #[serde(default)]
    pub account_id: Option<String>,
    /// What happened.
    pub kind: SignalKind,
    /// 1 (weak) to 5 (strong).
    pub strength: i64,
    /// A line a person reads.
    pub title: String,
    /// More detail.
    #[serde(default)]
    pub detail: Option<String>,
    /// Where it was seen.
    #[serde(default)]
    pub source_url: Option<String>,
    /// When it happened (RFC 3339; default now).
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// When it stops counting (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl Check {
    fn id(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        uuid::Uuid::try_parse(value.trim())
            .map(|u| u.to_string())
            .map_err(|_| self.fail(field, "format", "must be an id"))
            .ok()
    }

    fn time(&mut self, field: &str, value: Option<String>) -> Option<String> {
        let value = value.filter(|v| !v.trim().is_empty())?;
        http::parse_time(field, &value)
            .map_err(|_| self.fail(field, "format", "must be an RFC 3339 time such as 2026-11-01T09:00:00Z"))
            .ok()
    }
}

struct NewSignal {
    contact_id: Option<String>,
    account_id: Option<String>,
    kind: SignalKind,
    strength: i64,
    title: String,
    detail: Option<String>,
    source_url: Option<String>,
    occurred_at: String,
    expires_at: Option<String>,
}

impl CreateSignal {
    fn validate(self) -> AppResult<NewSignal> {
        let mut c = Check::default();
        let contact_id = c.id("contact_id", self.contact_id);
        let account_id = c.id("account_id", self.account_id);
        if contact_id.is_none() && account_id.is_none() && !c.failed("contact_id") && !c.failed("account_id") {
            c.fail("contact_id", "required", "give the contact or the account the signal is about");
        }
        if !(1..=5).contains(&self.strength) {
            c.fail("strength", "range", "must be from 1 (weak) to 5 (strong)");
        }
        let source_url = c.text("source_url", self.source_url, 2048);
        if source_url.as_deref().is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
            c.fail("source_url", "format", "must be a web address starting with https://");
        }
        let occurred_at = c.time("occurred_at", self.occurred_at).unwrap_or_else(now);
        let expires_at = c.time("expires_at", self.expires_at);
        if expires_at.as_deref().is_some_and(|e| e <= occurred_at.as_str()) {
            c.fail("expires_at", "after", "must be after occurred_at");
        }
        let signal = NewSignal {
            contact_id,
            account_id,
            kind: self.kind,
            strength: self.strength,
            title: c.required("title", self.title, 300),
            detail: c.prose("detail", self.detail, 20_000),
            source_url,
            occurred_at,
            expires_at,
        };
        c.finish(signal)
    }
}

fn audit_view(s: &Signal) -> serde_json::Value {
    serde_json::json!({"contact_id": s.contact_id, "account_id": s.account_id, "kind": s.kind, "strength": s.strength,
        "title": s.title, "occurred_at": s.occurred_at, "expires_at": s.expires_at})
}

/// Record a buying signal about a contact or an account. A bdr adds signals to the contacts it
/// owns or nobody owns, and to any account.
#[utoipa::path(post, path = "/api/v1/signals", tag = "signals", request_body = CreateSignal,
    responses((status = 201, body = Signal), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let new = http::body_json::<CreateSignal>(&req)?.validate()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let result = conn
        .immediate(async |conn| {
            // A signal about a contact is an edit of that contact: a bdr adds them only to the
            // people it owns or nobody owns (accounts are nobody's), checked as it is written.
            let bdr = (principal.role == Role::Bdr).then_some(principal.user_id.as_str());
            let written = conn
                .query_opt(
                    concat!(
                        "INSERT INTO signals (id, contact_id, account_id, kind, strength, title, detail, source_url, \
                         occurred_at, expires_at, created_at, updated_at) SELECT :id, :contact_id, :account_id, :kind, \
                         :strength, :title, :detail, :source_url, :occurred_at, :expires_at, :now, :now \
                         WHERE :bdr IS NULL OR NOT EXISTS (SELECT 1 FROM contacts WHERE id = :contact_id \
                         AND owner_id IS NOT NULL AND owner_id <> :bdr) RETURNING ",
                        signal_columns!()
                    ),
                    libsql::named_params! {
                        ":id": new_id(), ":contact_id": new.contact_id.as_deref(), ":account_id": new.account_id.as_deref(),
                        ":kind": new.kind.as_str(), ":strength": new.strength, ":title": new.title.as_str(),
                        ":detail": new.detail.as_deref(), ":source_url": new.source_url.as_deref(),
                        ":occurred_at": new.occurred_at.as_str(), ":expires_at": new.expires_at.as_deref(), ":now": at.as_str(),
                        ":bdr": bdr,
                    },
                    from_row::<Signal>,
                )
                .await?;
            let signal =
                written.ok_or_else(|| AppError::Forbidden("this contact belongs to another user".to_owned()))?;
            audit::record_with(conn, &actor, "signal.create", ENTITY, &signal.id, None, Some(&audit_view(&signal))).await?;
            rescore(conn, &signal, &at).await?;
            Ok(signal)
        })
        .await;
    let signal = match result {
        Err(AppError::Conflict { fields, .. }) if fields.is_empty() => {
            let field = if new.contact_id.is_some() { "contact_id" } else { "account_id" };
            return Err(AppError::invalid(field, "exists", "no record has this id"));
        }
        other => other?,
    };
    http::created(&format!("/api/v1/signals/{}", signal.id), &signal)
}

/// Signals of one contact or one account (and, for a contact, its account's), newest first.
pub async fn for_subject(
    conn: &Conn,
    contact_id: Option<&str>,
    account_id: Option<&str>,
    page: &Keyset<(String, String)>,
) -> AppResult<Page<Signal>> {
    let sql = concat!(
        "SELECT ",
        signal_columns!(),
        " FROM signals WHERE \
         ((:contact_id IS NOT NULL AND contact_id = :contact_id) OR (:account_id IS NOT NULL AND account_id = :account_id)) AND ",
        crate::keyset!(desc "occurred_at", "id")
    );
    let filters = libsql::named_params! {":contact_id": contact_id, ":account_id": account_id, ":now": now()};
    page.load(conn, sql, filters, from_row, |s: &Signal| (s.occurred_at.clone(), s.id.clone())).await
}

/// A signal's place in an account's list: fresh ones (not expired at `:now`) first, then newest
/// first, as one text (`1` or `0`, then the time), which the cursor holds.
#[derive(Deserialize)]
struct FreshKey {
    fresh_key: String,
}

/// The signals of an account and of the people who work there, fresh first and newest first
/// within each, each of a person with their name: one range of `idx_signals_account` and one of
/// `idx_signals_contact` per person, sorted (an account's signals are few).
pub async fn of_account_and_people(
    conn: &Conn,
    account_id: &str,
    page: &Keyset<(String, String)>,
) -> AppResult<Page<Signal>> {
    let sql = concat!(
        "SELECT ",
        signal_columns!(),
        ", (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = signals.contact_id) \
         AS contact_name, (CASE WHEN expires_at <= :now THEN '0' ELSE '1' END || occurred_at) AS fresh_key \
         FROM signals WHERE \
         (account_id = :account_id OR contact_id IN (SELECT p.id FROM contacts p WHERE p.account_id = :account_id)) AND ",
        crate::keyset!(desc "(CASE WHEN expires_at <= :now THEN '0' ELSE '1' END || occurred_at)", "id")
    );
    let filters = libsql::named_params! {":account_id": account_id, ":now": now()};
    let decode = |row: &Row| Ok((from_row::<Signal>(row)?, from_row::<FreshKey>(row)?));
    let page = page.load(conn, sql, filters, decode, |(s, k)| (k.fresh_key.clone(), s.id.clone())).await?;
    Ok(Page {
        items: page.items.into_iter().map(|(s, _)| s).collect(),
        next_cursor: page.next_cursor,
        total: None,
        capped_at: None,
        stopped_after: None,
    })
}

/// A contact's or an account's signals, newest first; with both, the signals of either (a
/// contact's own and its company's). `people=true` with `account_id` alone adds the signals of
/// the account's people, each with the person's name.
#[utoipa::path(get, path = "/api/v1/signals", tag = "signals",
    params(("contact_id" = Option<String>, Query), ("account_id" = Option<String>, Query),
        ("people" = Option<bool>, Query, description = "With account_id alone: also its people's signals"),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Signal>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let mut c = Check::default();
    let contact_id = c.id("contact_id", q.one("contact_id"));
    let account_id = c.id("account_id", q.one("account_id"));
    if contact_id.is_none() && account_id.is_none() && c.0.is_empty() {
        c.fail("contact_id", "required", "give contact_id or account_id");
    }
    let people = match q.one("people").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            c.fail("people", "format", "must be true or false");
            false
        }
    };
    if people && (contact_id.is_some() || account_id.is_none()) && !c.failed("people") {
        c.fail("people", "with", "goes with account_id alone");
    }
    c.finish(())?;
    let page = Keyset::last_of(q)?;
    let conn = ctx.conn().await?;
    match account_id.as_deref() {
        Some(account) if people => http::ok(&of_account_and_people(&conn, account, &page).await?),
        _ => http::ok(&for_subject(&conn, contact_id.as_deref(), account_id.as_deref(), &page).await?),
    }
}

/// Delete a signal (managers and admins, as for any record).
#[utoipa::path(delete, path = "/api/v1/signals/{id}", tag = "signals", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    ctx.conn()
        .await?
        .immediate(async |conn| {
            let signal = conn
                .query_one(
                    ENTITY,
                    concat!("DELETE FROM signals WHERE id = :id RETURNING ", signal_columns!()),
                    libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
                    from_row,
                )
                .await?;
            audit::record_with(conn, &actor, "signal.delete", ENTITY, &id, Some(&audit_view(&signal)), None).await?;
            rescore(conn, &signal, &at).await
        })
        .await?;
    Ok(http::no_content())
}
