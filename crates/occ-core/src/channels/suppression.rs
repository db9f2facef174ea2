//! The suppression list: addresses, whole domains and LinkedIn profiles that are never
//! contacted, with why. Anyone who works contacts may add to it (suppressing is always safe);
//! only admins lift an entry, and never an erased person's hash. Adding an entry ends the
//! sequences of the people it covers and archives what was waiting to be sent to them, so
//! nothing already drafted slips out; approval, sending and import check the list again.

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{LiftSuppression, ReadData, WriteData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::input::normalise_linkedin_profile;
use crate::domain::enums::{SuppressionKind, SuppressionReason};
use crate::domain::{DomainName, EmailAddress, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Keyset, Page, Query, RequestMeta, Routes};
use crate::store::{Batch, Step, from_row};
use crate::validate::Check;

const ENTITY: &str = "suppression";
/// The most entries one import adds.
pub const MAX_IMPORT: usize = 10_000;

/// The suppression list's routes (in the channels family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/suppression", Signed(WriteData), handler!(create))
        .post("/api/v1/suppression/import", Signed(WriteData), handler!(import))
        .get("/api/v1/suppression", Signed(ReadData), handler!(list))
        .delete("/api/v1/suppression/{id}", Signed(LiftSuppression), handler!(delete))
}

/// An entry.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Entry {
    pub id: String,
    /// email, domain or linkedin.
    pub kind: SuppressionKind,
    /// The address, domain or profile; `null` for an erased person (kept as a hash only).
    pub value: Option<String>,
    /// hard_bounce, soft_bounce_limit, complaint, unsubscribe, manual or erased.
    pub reason: SuppressionReason,
    /// Where it came from: `user:<id>`, `import`, `webhook`, `unsubscribe_page`, `reply` ...
    pub source: String,
    pub note: Option<String>,
    pub created_at: String,
}

/// The columns of an [`Entry`], which [`from_row`] reads by name.
macro_rules! entry_columns {
    () => {
        "id, kind, value, reason, source, note, created_at"
    };
}

/// One value to suppress, normalised as the send-time check compares it.
fn normalise(kind: SuppressionKind, raw: &str) -> Result<String, &'static str> {
    match kind {
        SuppressionKind::Email => EmailAddress::parse(raw).map(|e| e.as_str().to_owned()),
        SuppressionKind::Domain => DomainName::parse(raw).map(|d| d.as_str().to_owned()),
        SuppressionKind::Linkedin => normalise_linkedin_profile(raw),
    }
}

/// The entries of the JSON array `?1` (`[id, kind, value, audit id]`) that the batch added:
/// the ids are fresh, so an entry with one of them is new.
macro_rules! added_sql {
    () => {
        "SELECT s.kind, s.value FROM json_each(?1) j JOIN email_suppression s ON s.id = j.value ->> 0"
    };
}

/// Adds entries to the list in `batch`, with their audit entries; whoever a new entry covers
/// leaves their sequences, and nothing drafted for them goes out. Entries already on the list
/// stay as they are, with no consequence. Answers the step whose rows are the new entries.
pub(crate) fn add_in(
    batch: &mut Batch,
    actor: &Actor,
    entries: &[(SuppressionKind, String)],
    reason: SuppressionReason,
    source: &str,
    note: Option<&str>,
    at: &str,
) -> AppResult<Step> {
    let rows: Vec<serde_json::Value> =
        entries.iter().map(|(kind, value)| serde_json::json!([new_id(), kind.as_str(), value, new_id()])).collect();
    let rows = serde_json::Value::Array(rows).to_string();
    let added = batch.push(
        concat!(
            "INSERT INTO email_suppression (id, kind, value, value_hash, reason, source, note, created_at) \
             SELECT value ->> 0, value ->> 1, value ->> 2, NULL, ?2, ?3, ?4, ?5 FROM json_each(?1) WHERE true \
             ON CONFLICT DO NOTHING RETURNING ",
            entry_columns!()
        ),
        libsql::params![rows.as_str(), reason.as_str(), source, note, at],
    )?;
    batch.push(
        "INSERT INTO audit_log (id, at, actor, user_id, action, entity, entity_id, request_id) \
         SELECT j.value ->> 3, ?2, ?3, ?4, 'suppression.create', 'suppression', s.id, ?5 \
         FROM json_each(?1) j JOIN email_suppression s ON s.id = j.value ->> 0",
        libsql::params![rows.as_str(), at, actor.name.as_str(), actor.user_id.as_deref(), actor.request_id.as_deref()],
    )?;
    batch.push(
        concat!(
            "WITH added(kind, value) AS (",
            added_sql!(),
            "), covered(id) AS (SELECT c.id FROM added JOIN contacts c ON \
               (added.kind = 'email' AND c.email = added.value) \
               OR (added.kind = 'linkedin' AND c.linkedin_url = added.value) \
               OR (added.kind = 'domain' AND c.account_id IN (SELECT a.id FROM accounts a WHERE a.domain = added.value))) \
             UPDATE enrollments SET status = 'exited', exit_reason = 'do_not_contact', paused_until = NULL, \
               next_due_at = NULL, ended_at = ?2, updated_at = ?2 \
             WHERE status IN ('active', 'paused') AND contact_id IN (SELECT id FROM covered)"
        ),
        libsql::params![rows.as_str(), at],
    )?;
    batch.push(
        concat!(
            "WITH added(kind, value) AS (",
            added_sql!(),
            "), covered(id, channel) AS (SELECT c.id, CASE added.kind WHEN 'linkedin' THEN 'linkedin' ELSE 'email' END \
               FROM added JOIN contacts c ON \
               (added.kind = 'email' AND c.email = added.value) \
               OR (added.kind = 'linkedin' AND c.linkedin_url = added.value) \
               OR (added.kind = 'domain' AND c.account_id IN (SELECT a.id FROM accounts a WHERE a.domain = added.value))) \
             UPDATE message_drafts SET approval_status = 'archived', updated_at = ?2, \
               notes = coalesce(notes, 'archived: the address was suppressed') \
             WHERE approval_status IN ('draft', 'pending', 'approved') \
               AND (contact_id, channel) IN (SELECT id, channel FROM covered)"
        ),
        libsql::params![rows.as_str(), at],
    )?;
    Ok(added)
}

/// `POST /api/v1/suppression`: exactly one of `email`, `domain`, `linkedin_url`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntry {
    /// An address.
    #[serde(default)]
    pub email: Option<String>,
    /// A whole domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// A LinkedIn profile.
    #[serde(default)]
    pub linkedin_url: Option<String>,
    /// manual (the default), unsubscribe, complaint, hard_bounce or soft_bounce_limit.
    #[serde(default)]
    pub reason: Option<SuppressionReason>,
    /// Why, in words.
    #[serde(default)]
    pub note: Option<String>,
}

/// Suppress an address, a domain or a LinkedIn profile. 201 when added; 200 with the existing
/// entry when it was already on the list.
#[utoipa::path(post, path = "/api/v1/suppression", tag = "suppression", request_body = CreateEntry,
    responses((status = 201, body = Entry), (status = 200, description = "Already suppressed", body = Entry),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateEntry = http::body_json(&req)?;
    let mut c = Check::default();
    let given: Vec<(SuppressionKind, &str, String)> = [
        (SuppressionKind::Email, "email", body.email),
        (SuppressionKind::Domain, "domain", body.domain),
        (SuppressionKind::Linkedin, "linkedin_url", body.linkedin_url),
    ]
    .into_iter()
    .filter_map(|(kind, field, value)| value.filter(|v| !v.trim().is_empty()).map(|v| (kind, field, v)))
    .collect();
    let entry = match given.as_slice() {
        [(kind, field, raw)] => normalise(*kind, raw).map_err(|m| c.fail(field, "format", m)).ok().map(|v| (*kind, v)),
        _ => {
            c.fail("email", "one_of", "give exactly one of email, domain, linkedin_url");
            None
        }
    };
    let reason = body.reason.unwrap_or(SuppressionReason::Manual);
    if reason == SuppressionReason::Erased {
        c.fail("reason", "one_of", "erased entries are made by erasing the person");
    }
    let note = c.prose("note", body.note, 2000);
    let entry = c.finish(entry)?.unwrap_or((SuppressionKind::Email, String::new()));
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let source = format!("user:{}", principal.user_id);
    let at = now();
    let mut batch = Batch::new();
    let added = add_in(&mut batch, &actor, std::slice::from_ref(&entry), reason, &source, note.as_deref(), &at)?;
    // The entry as the list has it after the batch: the new one, or the one already there.
    let listed = batch.push(
        concat!("SELECT ", entry_columns!(), " FROM email_suppression WHERE kind = ?1 AND value = ?2"),
        libsql::params![entry.0.as_str(), entry.1.as_str()],
    )?;
    let outcome = ctx.conn().await?.batch(batch).await?;
    let new = !outcome.rows(added, from_row::<Entry>)?.is_empty();
    let entry = outcome.one(ENTITY, listed, from_row::<Entry>)?;
    if new {
        http::created(&format!("/api/v1/suppression/{}", entry.id), &entry)
    } else {
        http::with_status(StatusCode::OK, &entry)
    }
}

/// `POST /api/v1/suppression/import`: a list, one value per line, or a CSV whose first
/// column is the value (a header row such as `email` is skipped).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportEntries {
    /// The text.
    pub text: String,
    /// manual (the default), unsubscribe, complaint, hard_bounce or soft_bounce_limit.
    #[serde(default)]
    pub reason: Option<SuppressionReason>,
    /// Why, in words (kept on every entry).
    #[serde(default)]
    pub note: Option<String>,
}

/// A line the import could not read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RefusedLine {
    /// Its number in the text (1 is the first).
    pub line: usize,
    /// What it said.
    pub value: String,
    /// Why it was refused.
    pub reason: String,
}

/// What an import into the suppression list did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuppressionImport {
    /// New entries.
    pub added: usize,
    /// Values already on the list.
    pub already_suppressed: usize,
    /// Lines that are neither an address, a domain nor a LinkedIn profile.
    pub invalid: Vec<RefusedLine>,
}

/// Reads one value: an address (has `@`), a LinkedIn profile (mentions linkedin.com), or a
/// domain (with or without a leading `@`).
fn classify(raw: &str) -> Result<(SuppressionKind, String), &'static str> {
    let raw = raw.trim().trim_matches('"').trim();
    if raw.to_ascii_lowercase().contains("linkedin.com/") {
        return normalise(SuppressionKind::Linkedin, raw).map(|v| (SuppressionKind::Linkedin, v));
    }
    match raw.strip_prefix('@') {
        Some(domain) => normalise(SuppressionKind::Domain, domain).map(|v| (SuppressionKind::Domain, v)),
        None if raw.contains('@') => normalise(SuppressionKind::Email, raw).map(|v| (SuppressionKind::Email, v)),
        None => normalise(SuppressionKind::Domain, raw).map(|v| (SuppressionKind::Domain, v)),
    }
}

/// Suppress many values at once (up to 10,000): addresses, domains (`acme.com` or
/// `@acme.com`) and LinkedIn profiles, one per line or in a CSV's first column.
#[utoipa::path(post, path = "/api/v1/suppression/import", tag = "suppression", request_body = ImportEntries,
    responses((status = 200, body = SuppressionImport), (status = 422, body = ErrorResponse)))]
pub(crate) async fn import(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: ImportEntries = http::body_json(&req)?;
    let reason = body.reason.unwrap_or(SuppressionReason::Manual);
    if reason == SuppressionReason::Erased {
        return Err(AppError::invalid("reason", "one_of", "erased entries are made by erasing the person"));
    }
    let mut c = Check::default();
    let note = c.prose("note", body.note, 2000);
    c.finish(())?;
    let mut entries: Vec<(SuppressionKind, String)> = Vec::new();
    let mut invalid = Vec::new();
    for (n, line) in body.text.lines().enumerate() {
        let first = line.split([',', ';', '\t']).next().unwrap_or_default().trim();
        if first.is_empty()
            || (n == 0
                && ["email", "domain", "value", "address", "linkedin_url"]
                    .contains(&first.to_ascii_lowercase().as_str()))
        {
            continue;
        }
        match classify(first) {
            Ok(entry) if !entries.contains(&entry) => entries.push(entry),
            Ok(_) => {}
            Err(reason) => invalid.push(RefusedLine {
                line: n + 1,
                value: first.chars().take(200).collect(),
                reason: reason.to_owned(),
            }),
        }
    }
    if entries.len() > MAX_IMPORT {
        return Err(AppError::invalid("text", "max_items", format!("at most {MAX_IMPORT} values at once")));
    }
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let added = if entries.is_empty() {
        0
    } else {
        let mut batch = Batch::new();
        let added = add_in(&mut batch, &actor, &entries, reason, "import", note.as_deref(), &now())?;
        ctx.conn().await?.batch(batch).await?.rows(added, |_| Ok(()))?.len()
    };
    http::ok(&SuppressionImport { added, already_suppressed: entries.len() - added, invalid })
}

/// The list, newest first; `q` finds values starting with it, `kind` and `reason` filter.
#[utoipa::path(get, path = "/api/v1/suppression", tag = "suppression",
    params(("q" = Option<String>, Query), ("kind" = Option<crate::domain::enums::SuppressionKind>, Query), ("reason" = Option<crate::domain::enums::SuppressionReason>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Entry>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let prefix = q.one("q").map(|t| t.to_lowercase());
    let kind = q.closed::<SuppressionKind>("kind")?;
    let reason = q.closed::<SuppressionReason>("reason")?;
    let page = Keyset::last_of(q)?;
    // A prefix search walks the (kind, value) index range of each kind. The list is a team's
    // bounces, complaints and opt-outs, small enough that the page's rows carry its count.
    macro_rules! entry_filters {
        () => {
            "(:kind IS NULL OR kind = :kind) AND (:reason IS NULL OR reason = :reason) \
             AND (:prefix IS NULL OR (value >= :prefix AND value < :prefix || x'f48fbfbf'))"
        };
    }
    let sql = concat!(
        "SELECT ",
        entry_columns!(),
        ", (SELECT count(*) FROM email_suppression WHERE ",
        entry_filters!(),
        ") AS total FROM email_suppression WHERE ",
        entry_filters!(),
        " AND ",
        crate::keyset!(desc "created_at", "id")
    );
    let filters = libsql::named_params! {
        ":kind": kind.map(SuppressionKind::as_str), ":reason": reason.map(SuppressionReason::as_str), ":prefix": prefix,
    };
    let conn = ctx.conn().await?;
    http::ok(
        &page.load_counted(&conn, sql, filters, from_row::<Entry>, |e| (e.created_at.clone(), e.id.clone())).await?,
    )
}

/// Lift an entry (admins; audited). An erased person's hash is never lifted (409).
#[utoipa::path(delete, path = "/api/v1/suppression/{id}", tag = "suppression", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", ENTITY)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    conn.immediate(async |conn| {
        let entry = conn
            .query_one(
                ENTITY,
                concat!("SELECT ", entry_columns!(), " FROM email_suppression WHERE id = ?1"),
                [id.as_str()],
                from_row::<Entry>,
            )
            .await?;
        if entry.reason == SuppressionReason::Erased {
            return Err(AppError::refused("reason", "erased", "an erased person stays suppressed"));
        }
        conn.write("DELETE FROM email_suppression WHERE id = ?1", [id.as_str()]).await?;
        let view = serde_json::json!({"kind": entry.kind, "value": entry.value, "reason": entry.reason});
        audit::record_with(conn, &actor, "suppression.delete", ENTITY, &id, Some(&view), None).await
    })
    .await?;
    Ok(http::no_content())
}
