//! Message drafts: written by people or by the drafter from a step's template, reviewed, and
//! approved by a person (or by autopilot) before anything is sent. The approval guard
//! (`approval`) owns the status moves; approving asks again whether the person may be contacted
//! on the draft's channel now, in the same write.

pub mod approval;
pub mod review;

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::reach::{self, Facts, reach_facts_sql};
use crate::domain::enums::{ApprovalStatus, AuthorKind, Channel, ContactStatus, Role};
use crate::domain::{Lifecycle, new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::outreach::sequences::template::placeholders;
use crate::store::{Batch, Conn, Row, Step, from_row, single};
use crate::validate::Check;
use review::{QualityReport, Recipient, review};

const ENTITY: &str = "draft";

/// The most drafts one bulk request may change.
pub const MAX_BULK: usize = 200;

/// The drafts' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/drafts", Signed(WriteData), handler!(create))
        .get("/api/v1/drafts", Signed(ReadData), handler!(list))
        .post("/api/v1/drafts/bulk", Signed(WriteData), handler!(bulk))
        .get("/api/v1/drafts/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/drafts/{id}", Signed(WriteData), handler!(update))
        .post("/api/v1/drafts/{id}/submit", Signed(WriteData), handler!(submit))
        .post("/api/v1/drafts/{id}/approve", Signed(WriteData), handler!(approve))
        .post("/api/v1/drafts/{id}/reject", Signed(WriteData), handler!(reject))
        .post("/api/v1/drafts/{id}/archive", Signed(WriteData), handler!(archive))
        .post("/api/v1/drafts/{id}/send", Signed(WriteData), handler!(crate::channels::sending::now::send_now))
}

/// A message draft.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Draft {
    /// Its id.
    pub id: String,
    /// The person it is for.
    pub contact_id: String,
    /// Their name, as lists show it.
    pub contact_name: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// The sequence step it was written for, if any.
    pub step_id: Option<String>,
    /// The enrollment it belongs to, if any.
    pub enrollment_id: Option<String>,
    /// Email only.
    pub subject: Option<String>,
    /// The message (or call script).
    pub body: String,
    /// human or agent.
    pub author_kind: AuthorKind,
    /// The person who wrote it.
    pub author_user_id: Option<String>,
    /// The reviewer's report.
    pub quality_report: Option<QualityReport>,
    /// draft, pending, approved, rejected, sent or archived.
    pub approval_status: ApprovalStatus,
    /// The statuses it may move to.
    #[schema(value_type = Vec<String>)]
    pub next_statuses: &'static [ApprovalStatus],
    /// Who approved or rejected it.
    pub reviewer_id: Option<String>,
    /// When.
    pub reviewed_at: Option<String>,
    /// Notes (a rejection's reason, for example).
    pub notes: Option<String>,
    /// When it was written.
    pub created_at: String,
    /// Its last change.
    pub updated_at: String,
}

macro_rules! draft_columns {
    () => {
        "message_drafts.id, message_drafts.contact_id, \
         (SELECT trim(c.first_name || ' ' || coalesce(c.last_name, '')) FROM contacts c WHERE c.id = message_drafts.contact_id) \
         AS contact_name, \
         message_drafts.channel, message_drafts.step_id, message_drafts.enrollment_id, message_drafts.subject, \
         message_drafts.body, message_drafts.author_kind, message_drafts.author_user_id, message_drafts.quality_report, \
         message_drafts.approval_status, message_drafts.reviewer_id, message_drafts.reviewed_at, message_drafts.notes, \
         message_drafts.created_at, message_drafts.updated_at"
    };
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored draft: {e}"))
}

/// A row of [`draft_columns!`].
#[derive(Deserialize)]
struct DraftRow {
    id: String,
    contact_id: String,
    contact_name: Option<String>,
    channel: Channel,
    step_id: Option<String>,
    enrollment_id: Option<String>,
    subject: Option<String>,
    body: String,
    author_kind: AuthorKind,
    author_user_id: Option<String>,
    #[serde(default, deserialize_with = "crate::store::json_opt")]
    quality_report: Option<QualityReport>,
    approval_status: ApprovalStatus,
    reviewer_id: Option<String>,
    reviewed_at: Option<String>,
    notes: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<DraftRow> for Draft {
    fn from(row: DraftRow) -> Self {
        Draft {
            id: row.id,
            contact_id: row.contact_id,
            contact_name: row.contact_name.unwrap_or_default(),
            channel: row.channel,
            step_id: row.step_id,
            enrollment_id: row.enrollment_id,
            subject: row.subject,
            body: row.body,
            author_kind: row.author_kind,
            author_user_id: row.author_user_id,
            quality_report: row.quality_report,
            approval_status: row.approval_status,
            next_statuses: row.approval_status.next_statuses(),
            reviewer_id: row.reviewer_id,
            reviewed_at: row.reviewed_at,
            notes: row.notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn decode(row: &Row) -> AppResult<Draft> {
    from_row::<DraftRow>(row).map(Draft::from)
}

/// One draft (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Draft> {
    conn.query_one(ENTITY, concat!("SELECT ", draft_columns!(), " FROM message_drafts WHERE id = ?1"), [id], decode)
        .await
}

fn draft_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// What the reviewer needs about the recipient, the contact row `c` with its account `a`, and
/// who owns them: the contact's id (NULL for no contact), owner, title, company and strongest
/// fresh signal. Expects `:now`. `recipient_columns!(named)` names them for a SELECT (read with
/// [`decode_recipient`]); `recipient_columns!()` is the same list unnamed, for a `json_array`.
macro_rules! recipient_columns {
    () => {
        recipient_columns!("", "", "")
    };
    (named) => {
        recipient_columns!(" AS recipient_id", " AS company", " AS signal")
    };
    ($id:literal, $company:literal, $signal:literal) => {
        concat!(
            "c.id",
            $id,
            ", c.owner_id, c.title, a.name",
            $company,
            ", (SELECT g.title FROM signals g WHERE (g.contact_id = c.id OR g.account_id = c.account_id) \
         AND (g.expires_at IS NULL OR g.expires_at > :now) ORDER BY g.strength DESC, g.occurred_at DESC LIMIT 1)",
            $signal
        )
    };
}

/// A row of `recipient_columns!(named)`.
#[derive(Deserialize)]
struct RecipientRow {
    recipient_id: Option<String>,
    owner_id: Option<String>,
    title: Option<String>,
    company: Option<String>,
    signal: Option<String>,
}

/// The recipient's owner, title, company and signal.
type RecipientFacts = (Option<String>, Option<String>, Option<String>, Option<String>);

/// Reads `recipient_columns!(named)`; no contact is a 422 on `contact_id`.
fn decode_recipient(row: &Row) -> AppResult<RecipientFacts> {
    let r: RecipientRow = from_row(row)?;
    if r.recipient_id.is_none() {
        return Err(AppError::invalid("contact_id", "exists", "no contact has this id"));
    }
    Ok((r.owner_id, r.title, r.company, r.signal))
}

/// The JSON value of a recipient's [`recipient_columns!`] as read, which the batch expects unchanged.
#[derive(Deserialize)]
struct SeenRecipient {
    seen: String,
}

fn reviewed(
    channel: Channel,
    subject: Option<&str>,
    body: &str,
    who: (Option<String>, Option<String>, Option<String>),
) -> QualityReport {
    let mut unresolved = placeholders(body);
    for field in subject.map(placeholders).unwrap_or_default() {
        if !unresolved.contains(&field) {
            unresolved.push(field);
        }
    }
    let (title, company, signal) = who;
    let recipient = Recipient { company: company.as_deref(), title: title.as_deref(), signal: signal.as_deref() };
    review(channel, false, subject, body, &unresolved, &recipient)
}

/// What the audit log keeps of a draft.
fn view(
    status: ApprovalStatus,
    channel: Channel,
    subject: Option<&str>,
    body: &str,
    notes: Option<&str>,
    contact_id: &str,
) -> serde_json::Value {
    serde_json::json!({"approval_status": status, "channel": channel, "subject": subject, "body": body,
        "notes": notes, "contact_id": contact_id})
}

/// [`view`] of a draft as read.
fn view_of(d: &Draft) -> serde_json::Value {
    view(d.approval_status, d.channel, d.subject.as_deref(), &d.body, d.notes.as_deref(), &d.contact_id)
}

/// `POST /api/v1/drafts`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDraft {
    /// The person it is for.
    pub contact_id: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// Email only (required there).
    #[serde(default)]
    pub subject: Option<String>,
    /// The message.
    pub body: String,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Submit it for review at once (status pending).
    #[serde(default)]
    pub submit: bool,
}

impl Check {
    fn message(&mut self, channel: Channel, subject: Option<String>, body: String) -> (Option<String>, String) {
        let subject = match channel {
            Channel::Email => {
                let subject = self.text("subject", subject, 500);
                if subject.is_none() && !self.failed("subject") {
                    self.fail("subject", "required", "an email needs a subject");
                }
                subject
            }
            _ => {
                if subject.as_deref().is_some_and(|s| !s.trim().is_empty()) {
                    self.fail("subject", "not_allowed", "only an email has a subject");
                }
                None
            }
        };
        (subject, self.required_prose("body", body, 20_000))
    }
}

/// Write a draft for a contact (reviewed at once).
#[utoipa::path(post, path = "/api/v1/drafts", tag = "drafts", request_body = CreateDraft,
    responses((status = 201, body = Draft), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateDraft = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim()).map(|u| u.to_string()).ok();
    if contact_id.is_none() {
        c.fail("contact_id", "format", "must be an id");
    }
    let (subject, text) = c.message(body.channel, body.subject, body.body);
    let notes = c.prose("notes", body.notes, 5000);
    c.finish(())?;
    let contact_id = contact_id.unwrap_or_default();
    let status = if body.submit { ApprovalStatus::Pending } else { ApprovalStatus::Draft };
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let (id, at) = (new_id(), now());
    let (id, at, contact_id) = (id.as_str(), at.as_str(), contact_id.as_str());
    let (subject, text, notes, actor, channel) = (&subject, &text, &notes, &actor, body.channel);
    let conn = ctx.conn().await?;
    let conn = &conn;
    // The recipient is read outside the transaction; the batch writes only if it is unchanged.
    let (outcome, created) = conn
        .read_then_batch(|| async move {
            let ((owner, title, company, signal), seen) = conn
                .query_opt(
                    concat!(
                        "SELECT ",
                        recipient_columns!(named),
                        ", json_array(",
                        recipient_columns!(),
                        ") AS seen FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id"
                    ),
                    libsql::named_params! {":id": contact_id, ":now": at},
                    |row| Ok((decode_recipient(row)?, from_row::<SeenRecipient>(row)?.seen)),
                )
                .await?
                .ok_or_else(|| AppError::invalid("contact_id", "exists", "no contact has this id"))?;
            principal.require_owner(owner.as_deref())?;
            let report = reviewed(channel, subject.as_deref(), text, (title, company, signal));
            let mut batch = Batch::new();
            batch.require_unchanged(
                concat!(
                    "(SELECT json_array(",
                    recipient_columns!(),
                    ") FROM contacts c LEFT JOIN accounts a ON a.id = c.account_id WHERE c.id = :id) IS :seen"
                ),
                libsql::named_params! {":id": contact_id, ":now": at, ":seen": seen},
            )?;
            let created = batch.push(
                concat!(
                    "INSERT INTO message_drafts (id, contact_id, channel, subject, body, author_kind, author_user_id, \
                     quality_report, approval_status, notes, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'human', ?6, ?7, ?8, ?9, ?10, ?10) RETURNING ",
                    draft_columns!()
                ),
                libsql::params![
                    id,
                    contact_id,
                    channel.as_str(),
                    subject.as_deref(),
                    text.as_str(),
                    principal.user_id.as_str(),
                    serde_json::to_string(&report).map_err(internal)?,
                    status.as_str(),
                    notes.as_deref(),
                    at
                ],
            )?;
            let after = view(status, channel, subject.as_deref(), text, notes.as_deref(), contact_id);
            audit::record_with_in(&mut batch, actor, "draft.create", ENTITY, id, None, Some(&after), None)?;
            Ok((batch, created))
        })
        .await?;
    let draft = outcome.one(ENTITY, created, decode)?;
    http::created(&format!("/api/v1/drafts/{id}"), &draft)
}

/// Drafts: the Review queue by default (pending, oldest first); filter by contact, status or
/// channel.
#[utoipa::path(get, path = "/api/v1/drafts", tag = "drafts",
    params(("contact_id" = Option<String>, Query), ("approval_status" = Option<Vec<crate::domain::enums::ApprovalStatus>>, Query, description = "Several: repeat or comma-separate"),
        ("channel" = Option<crate::domain::enums::Channel>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Draft>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let mut statuses = Vec::new();
    for text in q.many("approval_status") {
        statuses.push(
            text.parse::<ApprovalStatus>()
                .map_err(|e| AppError::invalid("approval_status", "one_of", e.to_string()))?,
        );
    }
    if statuses.is_empty() && contact.is_none() {
        statuses.push(ApprovalStatus::Pending);
    }
    let channel = q
        .one("channel")
        .map(|c| c.parse::<Channel>().map_err(|e| AppError::invalid("channel", "one_of", e.to_string())))
        .transpose()?;
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    // A contact's drafts through its index; otherwise the statuses' (there is always one).
    macro_rules! oldest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                draft_columns!(),
                " FROM message_drafts WHERE ",
                $filter,
                " AND (?3 IS NULL OR channel = ?3) AND (created_at, id) > (?4, ?5) ORDER BY created_at, id LIMIT ?6"
            )
        };
    }
    let sql = if contact.is_some() {
        oldest_first!("contact_id = ?1 AND (?2 = '[]' OR approval_status IN (SELECT value FROM json_each(?2)))")
    } else {
        oldest_first!("approval_status IN (SELECT value FROM json_each(?2)) AND ?1 IS NULL")
    };
    let (after_at, after_id) = after.unwrap_or_default();
    let rows = ctx
        .conn()
        .await?
        .query_all(
            sql,
            libsql::params![
                contact,
                serde_json::to_string(&statuses).map_err(internal)?,
                channel.map(Channel::as_str),
                after_at,
                after_id,
                i64::from(limit) + 1
            ],
            decode,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |d| (d.created_at.clone(), d.id.clone()))?)
}

/// One draft.
#[utoipa::path(get, path = "/api/v1/drafts/{id}", tag = "drafts", params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &draft_id(&req)?).await?)
}

/// `PATCH /api/v1/drafts/{id}`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDraft {
    /// Email only.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message.
    #[serde(default)]
    pub body: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Edit a draft (reviewed again). An approved draft that is edited needs approving again; a
/// sent or archived one cannot change.
#[utoipa::path(patch, path = "/api/v1/drafts/{id}", tag = "drafts", request_body = PatchDraft, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn update(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = draft_id(&req)?;
    let body: PatchDraft = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let at = now();
    let (outcome, after) = conn
        .read_then_write(async |conn| {
            let (before, (owner, title, company, signal)) = conn
                .query_one(
                    ENTITY,
                    concat!(
                        "SELECT ",
                        draft_columns!(),
                        ", ",
                        recipient_columns!(named),
                        " FROM message_drafts LEFT JOIN contacts c ON c.id = message_drafts.contact_id \
                         LEFT JOIN accounts a ON a.id = c.account_id WHERE message_drafts.id = :id"
                    ),
                    libsql::named_params! {":id": id.as_str(), ":now": at.as_str()},
                    |row| Ok((decode(row)?, decode_recipient(row)?)),
                )
                .await?;
            principal.require_owner(owner.as_deref())?;
            if !approval::editable(before.approval_status) {
                return Err(before.approval_status.refusal(ApprovalStatus::Pending));
            }
            let mut c = Check::default();
            let (subject, text) =
                c.message(before.channel, body.subject.or(before.subject.clone()), body.body.unwrap_or(before.body.clone()));
            let notes = match body.notes {
                Some(n) => c.prose("notes", Some(n), 5000),
                None => before.notes.clone(),
            };
            c.finish(())?;
            let report = reviewed(before.channel, subject.as_deref(), &text, (title, company, signal));
            let status = if before.approval_status == ApprovalStatus::Approved { ApprovalStatus::Pending } else { before.approval_status };
            let mut batch = Batch::new();
            let after = batch.push(
                concat!(
                    "UPDATE message_drafts SET subject = ?2, body = ?3, notes = ?4, quality_report = ?5, approval_status = ?6, \
                     updated_at = ?7 WHERE id = ?1 RETURNING ",
                    draft_columns!()
                ),
                libsql::params![
                    id.as_str(),
                    subject.as_deref(),
                    text.as_str(),
                    notes.as_deref(),
                    serde_json::to_string(&report).map_err(internal)?,
                    status.as_str(),
                    at.as_str()
                ],
            )?;
            let after_view = view(status, before.channel, subject.as_deref(), &text, notes.as_deref(), &before.contact_id);
            audit::record_with_in(&mut batch, &actor, "draft.update", ENTITY, &id, Some(&view_of(&before)), Some(&after_view), None)?;
            Ok((batch, after))
        })
        .await?;
    let draft = outcome.one(ENTITY, after, decode)?;
    http::ok(&draft)
}

/// `POST /api/v1/drafts/{id}/approve` (and reject, submit, archive).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Notes (a rejection's reason).
    #[serde(default)]
    pub notes: Option<String>,
}

/// What moving a draft needs to know about it, the draft row `d` and its contact `c`: its status,
/// channel and unresolved merge fields, the contact's owner and whether the contact may be
/// reached on the channel (see [`judge`]).
macro_rules! facts_sql {
    () => {
        concat!(
            "json_array(d.approval_status, d.channel, d.quality_report ->> '$.unresolved', c.owner_id, ",
            reach_facts_sql!("c", "d.channel"),
            ")"
        )
    };
}

/// A draft's id and its [`facts_sql!`].
#[derive(Deserialize)]
struct DraftFacts {
    id: String,
    facts: String,
}

/// Whether the caller may move the draft whose [`facts_sql!`] are `facts` to `to`; answers the
/// draft's status.
fn judge(principal: &Principal, facts: &str, to: ApprovalStatus) -> AppResult<ApprovalStatus> {
    type Read = (String, String, Option<String>, Option<String>, serde_json::Value);
    let (status, channel, unresolved, owner, reach): Read = serde_json::from_str(facts).map_err(internal)?;
    let (status, channel): (ApprovalStatus, Channel) =
        (status.parse().map_err(internal)?, channel.parse().map_err(internal)?);
    principal.require_owner(owner.as_deref())?;
    if !status.may_move(to) {
        return Err(status.refusal(to));
    }
    if to == ApprovalStatus::Approved {
        let unresolved: Vec<String> =
            unresolved.map(|u| serde_json::from_str(&u)).transpose().map_err(internal)?.unwrap_or_default();
        if !unresolved.is_empty() {
            let list: Vec<String> = unresolved.iter().map(|f| format!("{{{{{f}}}}}")).collect();
            return Err(AppError::invalid(
                "body",
                "unresolved",
                format!("fill in {} before approving", list.join(", ")),
            ));
        }
        if let Err(refusal) = Facts::decode(&reach.to_string())?.decide(channel)? {
            let message = format!("cannot approve: {}", refusal.message(channel));
            return Err(AppError::refused("contact_id", "reach", message));
        }
    }
    Ok(status)
}

/// The audit action of a move to `to`.
fn action_of(to: ApprovalStatus) -> &'static str {
    match to {
        ApprovalStatus::Pending => "draft.submit",
        ApprovalStatus::Approved => "draft.approve",
        ApprovalStatus::Rejected => "draft.reject",
        _ => "draft.archive",
    }
}

/// Adds to `batch` the move of the draft `id` to `to`; answers the step that returns the draft.
fn push_move(
    batch: &mut Batch,
    principal: &Principal,
    id: &str,
    to: ApprovalStatus,
    notes: Option<&str>,
    at: &str,
) -> AppResult<Step> {
    let reviewer = matches!(to, ApprovalStatus::Approved | ApprovalStatus::Rejected);
    batch.push(
        concat!(
            "UPDATE message_drafts SET approval_status = ?2, notes = coalesce(?3, notes), \
             reviewer_id = CASE WHEN ?4 THEN ?5 ELSE reviewer_id END, reviewed_at = CASE WHEN ?4 THEN ?6 ELSE reviewed_at END, \
             updated_at = ?6 WHERE id = ?1 RETURNING ",
            draft_columns!()
        ),
        libsql::params![id, to.as_str(), notes, reviewer, principal.user_id.as_str(), at],
    )
}

/// Moves one draft to `to` in one round trip: a batch whose first step checks, in SQL, that
/// the draft is in a status it may move from, that the caller may work its contact and (to
/// approve) that its merge fields are resolved and its person may be contacted on its channel
/// now, then writes the move with its audit entry. The facts the check accepts are the ones
/// [`judge`] accepts, listed by the same rules ([`Lifecycle::may_move`], [`reach::decide`]).
/// When the check fails, a second round trip reads the facts and [`judge`] says why (see
/// [`Conn::explained_batch`]).
async fn decide(
    conn: &Conn,
    principal: &Principal,
    actor: &Actor,
    id: &str,
    to: ApprovalStatus,
    notes: Option<&str>,
) -> AppResult<Draft> {
    const GUARD: &str = concat!(
        "EXISTS (SELECT 1 FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :id \
           AND d.approval_status IN (SELECT value FROM json_each(:from)) \
           AND (:anyone OR c.owner_id IS NULL OR c.owner_id = :me) \
           AND (:reachable IS NULL OR (coalesce(json_array_length(d.quality_report, '$.unresolved'), 0) = 0 \
             AND json_array(d.channel, json(",
        reach_facts_sql!("c", "d.channel"),
        ")) IN (SELECT value FROM json_each(:reachable)))))"
    );
    const FACTS: &str = concat!(
        "SELECT ",
        facts_sql!(),
        " FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.id = :id"
    );
    let from: Vec<&str> = ApprovalStatus::ALL.iter().filter(|s| s.may_move(to)).map(|s| s.as_str()).collect();
    let from = serde_json::to_string(&from).map_err(internal)?;
    let reachable = (to == ApprovalStatus::Approved).then(reachable);
    let at = now();
    let (outcome, draft) = conn
        .explained_batch(
            || {
                let mut batch = Batch::new();
                batch.require_or_explain(
                    GUARD,
                    libsql::named_params! {
                        ":id": id, ":from": from.as_str(), ":anyone": principal.role != Role::Bdr,
                        ":me": principal.user_id.as_str(), ":reachable": reachable.as_deref(),
                    },
                )?;
                audit::record_in(&mut batch, actor, action_of(to), ENTITY, id, notes)?;
                let draft = push_move(&mut batch, principal, id, to, notes, &at)?;
                Ok((batch, draft))
            },
            || async {
                let facts: String = conn
                    .query_opt(FACTS, libsql::named_params! {":id": id}, single)
                    .await?
                    .ok_or(AppError::NotFound(ENTITY))?;
                judge(principal, &facts, to).map(|_| ())
            },
        )
        .await?;
    outcome.one(ENTITY, draft, decode)
}

/// Every channel and reach facts (as `json_array(channel, reach_facts_sql!)` reads them) of a
/// person who may be contacted on that channel now, as a JSON list.
fn reachable() -> String {
    static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let mut accepted = Vec::new();
        for &channel in Channel::ALL {
            for &status in ContactStatus::ALL {
                for bits in 0..16u8 {
                    let bit = |n: u8| (bits >> n) & 1;
                    let (email, linkedin, phone, suppressed) = (bit(0), bit(1), bit(2), bit(3));
                    if reach::decide(status, channel, email == 1, linkedin == 1, phone == 1, suppressed == 1).is_ok() {
                        accepted.push(serde_json::json!([
                            channel.as_str(),
                            [status.as_str(), email, linkedin, phone, suppressed]
                        ]));
                    }
                }
            }
        }
        serde_json::Value::Array(accepted).to_string()
    })
    .clone()
}

async fn decision(ctx: &Ctx, req: Request<Bytes>, to: ApprovalStatus) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = draft_id(&req)?;
    let body: Decision = if req.body().is_empty() { Decision::default() } else { http::body_json(&req)? };
    let notes = body.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if notes.is_some_and(|n| n.chars().count() > 5000) {
        return Err(AppError::invalid("notes", "max_length", "must be at most 5000 characters"));
    }
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    http::ok(&decide(&ctx.conn().await?, principal, &actor, &id, to, notes).await?)
}

/// Submit a draft for review (pending).
#[utoipa::path(post, path = "/api/v1/drafts/{id}/submit", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn submit(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Pending).await
}

/// Approve a pending draft: refused while merge fields are unresolved, or when the person may
/// not be contacted on its channel now.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/approve", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn approve(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Approved).await
}

/// Reject a pending draft, with notes saying why.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/reject", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn reject(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Rejected).await
}

/// Archive a draft that will not be sent.
#[utoipa::path(post, path = "/api/v1/drafts/{id}/archive", tag = "drafts", request_body = Decision, params(("id" = String, Path)),
    responses((status = 200, body = Draft), (status = 409, body = ErrorResponse)))]
pub(crate) async fn archive(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    decision(ctx, req, ApprovalStatus::Archived).await
}

/// `POST /api/v1/drafts/bulk`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDecision {
    /// The drafts (1-200).
    pub ids: Vec<String>,
    /// approve, reject or archive.
    pub action: String,
    /// Notes for every one.
    #[serde(default)]
    pub notes: Option<String>,
}

/// Approve, reject or archive many drafts; each succeeds or fails on its own, under the same
/// rules as one at a time.
#[utoipa::path(post, path = "/api/v1/drafts/bulk", tag = "drafts", request_body = BulkDecision,
    responses((status = 200, body = crate::contacts::actions::BulkResults), (status = 422, body = ErrorResponse)))]
pub(crate) async fn bulk(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    use crate::contacts::actions::{BulkResult, BulkResults};
    let principal = Principal::of(&req)?;
    let body: BulkDecision = http::body_json(&req)?;
    let to = match body.action.as_str() {
        "approve" => ApprovalStatus::Approved,
        "reject" => ApprovalStatus::Rejected,
        "archive" => ApprovalStatus::Archived,
        _ => return Err(AppError::invalid("action", "one_of", "must be approve, reject or archive")),
    };
    if body.ids.is_empty() || body.ids.len() > MAX_BULK {
        return Err(AppError::invalid("ids", "range", format!("must list 1 to {MAX_BULK} drafts")));
    }
    let notes = body.notes.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let ids: Vec<Option<String>> =
        body.ids.iter().map(|text| uuid::Uuid::try_parse(text.trim()).map(|u| u.to_string()).ok()).collect();
    let ids_json = serde_json::to_string(&ids.iter().flatten().collect::<Vec<_>>()).map_err(internal)?;
    let at = now();
    let conn = ctx.conn().await?;
    let (_, results) = conn
        .read_then_write(async |conn| {
            let facts: std::collections::HashMap<String, String> = conn
                .query_all(
                    concat!(
                        "SELECT d.id, ",
                        facts_sql!(),
                        " AS facts FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
                         WHERE d.id IN (SELECT value FROM json_each(?1))"
                    ),
                    [ids_json.as_str()],
                    from_row,
                )
                .await?
                .into_iter()
                .map(|f: DraftFacts| (f.id, f.facts))
                .collect();
            let mut batch = Batch::new();
            let mut results = Vec::with_capacity(ids.len());
            let mut moved: Vec<&String> = Vec::new();
            for (text, id) in body.ids.iter().zip(&ids) {
                let Some(id) = id else {
                    let error = serde_json::json!({"code": "not_found", "message": "not an id"});
                    results.push(BulkResult { id: text.clone(), ok: false, error: Some(error) });
                    continue;
                };
                // The same draft again further down the list finds it moved already.
                let judged = if moved.contains(&id) {
                    Err(to.refusal(to))
                } else {
                    facts.get(id).ok_or(AppError::NotFound(ENTITY)).and_then(|f| judge(principal, f, to))
                };
                let error = match judged {
                    Ok(_) => {
                        audit::record_in(&mut batch, &actor, action_of(to), ENTITY, id, notes)?;
                        push_move(&mut batch, principal, id, to, notes, &at)?;
                        moved.push(id);
                        results.push(BulkResult { id: id.clone(), ok: true, error: None });
                        continue;
                    }
                    Err(AppError::NotFound(_)) => ("not_found", "draft not found".to_owned()),
                    Err(AppError::Forbidden(m)) => ("forbidden", m),
                    Err(AppError::Conflict { message, .. }) => ("conflict", message),
                    Err(AppError::Validation(fields)) => {
                        ("validation_failed", fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; "))
                    }
                    Err(err) => return Err(err),
                };
                let (code, message) = error;
                let error = serde_json::json!({"code": code, "message": message});
                results.push(BulkResult { id: id.clone(), ok: false, error: Some(error) });
            }
            Ok((batch, results))
        })
        .await?;
    http::ok(&BulkResults { results })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_is_checked_against_the_reach_facts_the_rules_accept() {
        let list: Vec<serde_json::Value> = serde_json::from_str(&reachable()).expect("a JSON list");
        let has = |facts: serde_json::Value| list.contains(&facts);
        assert!(has(serde_json::json!(["email", ["active", 1, 0, 0, 0]])));
        assert!(has(serde_json::json!(["call", ["dormant", 0, 0, 1, 0]])));
        assert!(!has(serde_json::json!(["email", ["active", 1, 0, 0, 1]])), "suppressed");
        assert!(!has(serde_json::json!(["linkedin", ["active", 1, 0, 1, 0]])), "no profile");
        assert!(!has(serde_json::json!(["email", ["bounced", 1, 1, 1, 0]])));
        assert!(!has(serde_json::json!(["email", ["do_not_contact", 1, 1, 1, 0]])));
        // Two statuses a person may be contacted in, four address facts (three of them free).
        assert_eq!(list.len(), 3 * 2 * 4);
    }
}
