//! Replies: logged by a person (LinkedIn, calls) or by the email events ingestion, classified
//! (`classify`), and followed by their consequences (SPEC.md section 2): the contact's stage, its
//! enrollments, its drafts, suppression for an unsubscribe, a follow-up for "not now". A person
//! may correct the intent; the consequences of the corrected intent follow.

pub mod classify;

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::contacts::actions::{Moved, Mover, mover_sql};
use crate::domain::enums::{Channel, ReplyIntent, Role, Stage};
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Page, Query, RequestMeta, Routes};
use crate::store::{Batch, Conn, Outcome, Step, from_row};
use crate::validate::Check;

const ENTITY: &str = "reply";

/// How long an out-of-office pauses a sequence when the reply gives no date.
pub const DEFAULT_AWAY_DAYS: i64 = 7;
/// When a "not now" is followed up.
pub const NOT_NOW_DAYS: i64 = 90;

/// The replies' routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/replies", Signed(WriteData), handler!(create))
        .get("/api/v1/replies", Signed(ReadData), handler!(list))
        .get("/api/v1/replies/{id}", Signed(ReadData), handler!(get))
        .patch("/api/v1/replies/{id}", Signed(WriteData), handler!(correct))
}

/// A reply.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Reply {
    pub id: String,
    pub contact_id: String,
    pub touchpoint_id: Option<String>,
    pub channel: Channel,
    /// positive, negative, neutral, referral, out_of_office, unsubscribe, question, not_now.
    pub intent: Option<ReplyIntent>,
    pub confidence: Option<f64>,
    pub subject: Option<String>,
    pub body: String,
    /// Out-of-office: back on this day.
    pub return_date: Option<String>,
    /// Referral: the person to contact instead (offered as a new contact).
    pub referral_name: Option<String>,
    pub referral_email: Option<String>,
    pub replied_at: String,
    pub classified_at: Option<String>,
    pub handled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// What a reply changed.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Effects {
    /// The contact's stage after it, if it moved.
    pub stage: Option<Stage>,
    /// Enrollments ended (the contact's, and for a positive reply its colleagues').
    pub enrollments_exited: usize,
    /// Out-of-office: the contact's sequence is paused until then.
    pub paused_until: Option<String>,
    /// Drafts that will not be sent now.
    pub drafts_archived: usize,
    /// Unsubscribe: the contact is do-not-contact and the address suppressed.
    pub suppressed: bool,
    /// Not now: the follow-up created.
    pub followup_id: Option<String>,
}

/// A reply with what it changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplyResult {
    /// The reply.
    pub reply: Reply,
    /// Its consequences.
    pub effects: Effects,
}

macro_rules! reply_columns {
    () => {
        "id, contact_id, touchpoint_id, channel, intent, confidence, subject, body, return_date, referral_name, \
         referral_email, replied_at, classified_at, handled_at, created_at, updated_at"
    };
}

/// A reply read for a correction: the reply, its contact's owner and stage, and the JSON of what
/// the correction depends on (`seen`, checked again when it writes).
#[derive(Deserialize)]
struct ReplyToCorrect {
    #[serde(flatten)]
    reply: Reply,
    owner: Option<String>,
    stage: Option<String>,
    seen: String,
}

/// One reply (one call).
pub async fn load(conn: &Conn, id: &str) -> AppResult<Reply> {
    conn.query_one(ENTITY, concat!("SELECT ", reply_columns!(), " FROM replies WHERE id = ?1"), [id], from_row).await
}

/// The stage a reply of `intent` moves its contact to.
pub fn stage_for(intent: ReplyIntent) -> Option<Stage> {
    match intent {
        ReplyIntent::Positive => Some(Stage::RepliedPositive),
        ReplyIntent::Negative => Some(Stage::RepliedNegative),
        ReplyIntent::Neutral | ReplyIntent::Question => Some(Stage::Replied),
        ReplyIntent::Referral => Some(Stage::Referred),
        ReplyIntent::NotNow => Some(Stage::Dormant),
        ReplyIntent::OutOfOffice | ReplyIntent::Unsubscribe => None,
    }
}

/// A reply's writes, planned in a batch: [`Planned::read`] answers the reply and what it
/// changed from the batch's outcome.
pub(crate) struct Planned {
    /// The reply's id.
    pub id: String,
    /// The statement answering the reply.
    reply: Step,
    /// Its channel (a follow-up's).
    channel: Channel,
    /// The enrollments paused, and until when.
    paused: Option<(Step, String)>,
    /// The enrollments exited (the contact's, its colleagues').
    exited: Vec<Step>,
    /// The drafts archived.
    archived: Option<Step>,
    /// The stage the contact moves to when the database decides it: moved if the step
    /// returned a row.
    stage_step: Option<(Stage, Step)>,
    /// What is known before the writes: the stage, suppression, the follow-up.
    effects: Effects,
}

impl Planned {
    fn new(id: String, channel: Channel, reply: Step) -> Self {
        Self {
            id,
            reply,
            channel,
            paused: None,
            exited: Vec::new(),
            archived: None,
            stage_step: None,
            effects: Effects::default(),
        }
    }

    /// The reply and its effects, as the batch wrote them.
    pub(crate) fn read(self, outcome: &Outcome) -> AppResult<ReplyResult> {
        let reply = outcome.one(ENTITY, self.reply, from_row)?;
        let count = |step: Step| outcome.rows(step, |_| Ok(())).map(|rows| rows.len());
        let mut effects = self.effects;
        if let Some((step, until)) = self.paused
            && count(step)? > 0
        {
            effects.paused_until = Some(until);
        }
        for step in self.exited {
            effects.enrollments_exited += count(step)?;
        }
        if let Some(step) = self.archived {
            effects.drafts_archived = count(step)?;
        }
        if let Some((stage, step)) = self.stage_step
            && count(step)? > 0
        {
            effects.stage = Some(stage);
        }
        Ok(ReplyResult { reply, effects })
    }
}

/// Plans the consequences of `intent` for the reply's contact after the reply's own statement
/// (`planned.reply`). `corrected`: a person corrected the intent, so the stage is set even where
/// the stage table would not lead there (audited as a correction).
fn apply(
    batch: &mut Batch,
    actor: &Actor,
    contact: &mut Mover,
    intent: ReplyIntent,
    return_date: Option<NaiveDate>,
    corrected: bool,
    mut planned: Planned,
) -> AppResult<Planned> {
    let at = now();
    let contact_id = contact.id().to_owned();
    if let Some(target) = stage_for(intent) {
        let moved = if corrected {
            let reason = format!("reply {} corrected to {intent}", planned.id);
            contact.set(batch, actor, target, "contact.stage_correction", &reason)?
        } else {
            // A reply before any recorded touch: the contact was touched first.
            contact.advance(batch, actor, Stage::Touched, "contact.touched")?;
            contact.advance(batch, actor, target, "contact.replied")?
        };
        match moved {
            Moved::Yes => planned.effects.stage = Some(target),
            Moved::IfRows(step) => planned.stage_step = Some((target, step)),
            Moved::No => {}
        }
    }
    if intent == ReplyIntent::OutOfOffice {
        let until = return_date.unwrap_or_else(|| (Utc::now() + Duration::days(DEFAULT_AWAY_DAYS)).date_naive());
        let until = format!("{until}T09:00:00.000Z");
        let paused = batch.push(
            "UPDATE enrollments SET status = 'paused', paused_until = ?2, updated_at = ?3 \
             WHERE contact_id = ?1 AND status = 'active' RETURNING id",
            libsql::params![contact_id.as_str(), until.as_str(), at.as_str()],
        )?;
        planned.paused = Some((paused, until));
        return Ok(planned);
    }
    let reason = if intent == ReplyIntent::Unsubscribe { "unsubscribed" } else { "replied" };
    planned.exited.push(batch.push(
        "UPDATE enrollments SET status = 'exited', exit_reason = ?2, paused_until = NULL, next_due_at = NULL, \
         ended_at = ?3, updated_at = ?3 WHERE contact_id = ?1 AND status IN ('active', 'paused') RETURNING id",
        libsql::params![contact_id.as_str(), reason, at.as_str()],
    )?);
    if intent == ReplyIntent::Positive {
        // A colleague at the same company said yes: the others leave their sequences.
        planned.exited.push(batch.push(
            "UPDATE enrollments SET status = 'exited', exit_reason = 'colleague_replied', paused_until = NULL, \
             next_due_at = NULL, ended_at = ?2, updated_at = ?2 \
             WHERE status IN ('active', 'paused') AND contact_id IN (SELECT o.id FROM contacts o \
               JOIN contacts c ON c.account_id = o.account_id WHERE c.id = ?1 AND o.id <> ?1) RETURNING id",
            libsql::params![contact_id.as_str(), at.as_str()],
        )?);
    }
    // Nothing waiting to be sent goes out after an answer.
    planned.archived = Some(batch.push(
        "UPDATE message_drafts SET approval_status = 'archived', notes = coalesce(notes, 'archived: the contact replied'), \
         updated_at = ?2 WHERE contact_id = ?1 AND approval_status IN ('draft', 'pending', 'approved') RETURNING id",
        libsql::params![contact_id.as_str(), at.as_str()],
    )?);
    if intent == ReplyIntent::Unsubscribe {
        audit::record_in(batch, actor, "contact.unsubscribed", "contact", &contact_id, Some("unsubscribe reply"))?;
        batch.push(
            "UPDATE contacts SET status = 'do_not_contact', updated_at = ?2 WHERE id = ?1",
            libsql::params![contact_id.as_str(), at.as_str()],
        )?;
        batch.push(
            "INSERT INTO email_suppression (id, kind, value, value_hash, reason, source, created_at) \
             SELECT ?1, 'email', c.email, NULL, 'unsubscribe', 'reply', ?3 FROM contacts c \
             WHERE c.id = ?2 AND c.email IS NOT NULL ON CONFLICT DO NOTHING",
            libsql::params![new_id(), contact_id.as_str(), at.as_str()],
        )?;
        planned.effects.suppressed = true;
    }
    if intent == ReplyIntent::NotNow {
        let id = new_id();
        let due = (Utc::now() + Duration::days(NOT_NOW_DAYS)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        batch.push(
            "INSERT INTO followups (id, contact_id, reply_id, channel, status, due_at, reason, owner_id, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, 'pending', ?5, 'They said not now: follow up in 90 days', c.owner_id, ?6, ?6 \
             FROM contacts c WHERE c.id = ?2",
            libsql::params![id.as_str(), contact_id.as_str(), planned.id.as_str(), planned.channel.as_str(), due, at.as_str()],
        )?;
        planned.effects.followup_id = Some(id);
    }
    Ok(planned)
}

/// A reply arriving: logged by a person, or an email event.
pub(crate) struct Incoming {
    /// On which channel.
    pub channel: Channel,
    /// Email subject.
    pub subject: Option<String>,
    /// What they said.
    pub text: String,
    /// When (stored spelling).
    pub replied_at: String,
    /// The intent when a person says it; else the classifier decides.
    pub intent: Option<ReplyIntent>,
    /// The message it answers, when known.
    pub touchpoint_id: Option<String>,
    /// The inbound message's id, so the same message is one reply.
    pub message_id: Option<String>,
}

/// Plans recording a reply, classified, with its consequences for `contact` (read in the
/// transaction the batch commits).
pub(crate) fn ingest(batch: &mut Batch, actor: &Actor, contact: &mut Mover, incoming: Incoming) -> AppResult<Planned> {
    let today = chrono::DateTime::parse_from_rfc3339(&incoming.replied_at)
        .map_or_else(|_| Utc::now().date_naive(), |t| t.date_naive());
    let found = classify::classify(incoming.subject.as_deref(), &incoming.text, today);
    let (intent, confidence) = match incoming.intent {
        Some(intent) => (intent, 1.0),
        None => (found.intent, found.confidence),
    };
    let at = now();
    let id = new_id();
    let return_date = found.return_date.filter(|_| intent == ReplyIntent::OutOfOffice);
    let reply = batch.push(
        concat!(
            "INSERT INTO replies (id, contact_id, channel, intent, confidence, subject, body, return_date, \
             referral_name, referral_email, replied_at, classified_at, created_at, updated_at, touchpoint_id, message_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?12, ?13, ?14) RETURNING ",
            reply_columns!()
        ),
        libsql::params![
            id.as_str(),
            contact.id(),
            incoming.channel.as_str(),
            intent.as_str(),
            confidence,
            incoming.subject.as_deref(),
            incoming.text.as_str(),
            return_date.map(|d| d.to_string()),
            found.referral_name.clone().filter(|_| intent == ReplyIntent::Referral),
            found.referral_email.clone().filter(|_| intent == ReplyIntent::Referral),
            incoming.replied_at.as_str(),
            at.as_str(),
            incoming.touchpoint_id.as_deref(),
            incoming.message_id.as_deref()
        ],
    )?;
    let view = serde_json::json!({"contact_id": contact.id(), "channel": incoming.channel, "intent": intent, "confidence": confidence});
    audit::record_with_in(batch, actor, "reply.create", ENTITY, &id, None, Some(&view), None)?;
    let planned = Planned::new(id, incoming.channel, reply);
    apply(batch, actor, contact, intent, return_date, false, planned)
}

/// `POST /api/v1/replies`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReply {
    /// Who replied.
    pub contact_id: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// What they said.
    pub body: String,
    /// Email subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// When (RFC 3339; default now).
    #[serde(default)]
    pub replied_at: Option<String>,
    /// The intent, when the person logging it knows; otherwise the classifier decides.
    #[serde(default)]
    pub intent: Option<ReplyIntent>,
}

/// Log a reply: classified (unless `intent` is given), and its consequences follow at once.
#[utoipa::path(post, path = "/api/v1/replies", tag = "replies", request_body = CreateReply,
    responses((status = 201, body = ReplyResult), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: CreateReply = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim()).map(|u| u.to_string()).ok();
    if contact_id.is_none() {
        c.fail("contact_id", "format", "must be an id");
    }
    let text = c.required_prose("body", body.body, 100_000);
    let subject = c.text("subject", body.subject, 500);
    let replied_at = match body.replied_at.as_deref() {
        Some(t) => http::parse_time("replied_at", t)
            .map_err(|_| c.fail("replied_at", "format", "must be an RFC 3339 time"))
            .ok(),
        None => Some(now()),
    };
    c.finish(())?;
    let (contact_id, replied_at) = (contact_id.unwrap_or_default(), replied_at.unwrap_or_else(now));
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let at = now();
    let conn = ctx.conn().await?;
    let (conn, actor, contact_id, at) = (&conn, &actor, contact_id.as_str(), at.as_str());
    let (channel, intent) = (body.channel, body.intent);
    let (subject, text, replied_at) = (&subject, &text, &replied_at);
    // One round trip: the checks of the contact and the owner, the reply and its consequences,
    // the stage moving where the stage table allows it from where the contact stands.
    let mut batch = Batch::new();
    batch.require(
        "EXISTS (SELECT 1 FROM contacts WHERE id = ?1)",
        [contact_id],
        AppError::invalid("contact_id", "exists", "no contact has this id"),
    )?;
    let bdr = (principal.role == Role::Bdr).then_some(principal.user_id.as_str());
    batch.require(
        "EXISTS (SELECT 1 FROM contacts WHERE id = ?1 AND (?2 IS NULL OR owner_id IS NULL OR owner_id = ?2))",
        libsql::params![contact_id, bdr],
        AppError::Forbidden("this contact belongs to another user".to_owned()),
    )?;
    let incoming = Incoming {
        channel,
        subject: subject.clone(),
        text: text.clone(),
        replied_at: replied_at.clone(),
        intent,
        touchpoint_id: None,
        message_id: None,
    };
    let planned = ingest(&mut batch, actor, &mut Mover::unread(contact_id, at), incoming)?;
    let outcome = conn.batch(batch).await?;
    let result = planned.read(&outcome)?;
    http::created(&format!("/api/v1/replies/{}", result.reply.id), &result)
}

/// Replies, newest first: a contact's, or those waiting for a person (`unhandled=true`).
#[utoipa::path(get, path = "/api/v1/replies", tag = "replies",
    params(("contact_id" = Option<String>, Query), ("intent" = Option<crate::domain::enums::ReplyIntent>, Query), crate::http::PageLimit,
        crate::http::PageCursor),
    responses((status = 200, body = Page<Reply>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let contact = q.id("contact_id")?;
    let intent = q
        .one("intent")
        .map(|i| i.parse::<ReplyIntent>().map_err(|e| AppError::invalid("intent", "one_of", e.to_string())))
        .transpose()?;
    let limit = http::limit(&mut q)?;
    let after: Option<(String, String)> = http::cursor(&mut q)?;
    q.finish()?;
    // One statement per way in, each walking its own index from the cursor (or from the top:
    // every stored time sorts before "~").
    macro_rules! newest_first {
        ($filter:literal) => {
            concat!(
                "SELECT ",
                reply_columns!(),
                " FROM replies WHERE ",
                $filter,
                " AND (replied_at, id) < (?3, ?4) ORDER BY replied_at DESC, id DESC LIMIT ?5"
            )
        };
    }
    let sql = match (&contact, intent) {
        (Some(_), _) => newest_first!("contact_id = ?1 AND (?2 IS NULL OR intent = ?2)"),
        (None, Some(_)) => newest_first!("intent = ?2 AND ?1 IS NULL"),
        (None, None) => newest_first!("?1 IS NULL AND ?2 IS NULL"),
    };
    let (after_at, after_id) = after.unwrap_or_else(|| ("~".to_owned(), String::new()));
    let rows = ctx
        .conn()
        .await?
        .query_all(
            sql,
            libsql::params![contact, intent.map(ReplyIntent::as_str), after_at, after_id, i64::from(limit) + 1],
            from_row::<Reply>,
        )
        .await?;
    http::ok(&Page::from_rows(rows, limit, |r| (r.replied_at.clone(), r.id.clone()))?)
}

fn reply_id(req: &Request<Bytes>) -> AppResult<String> {
    http::path_uuid(req, "id", ENTITY)
}

/// One reply.
#[utoipa::path(get, path = "/api/v1/replies/{id}", tag = "replies", params(("id" = String, Path)),
    responses((status = 200, body = Reply), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &reply_id(&req)?).await?)
}

/// `PATCH /api/v1/replies/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectReply {
    /// The right intent.
    pub intent: ReplyIntent,
    /// Out-of-office: the day they are back (YYYY-MM-DD).
    #[serde(default)]
    pub return_date: Option<String>,
}

/// Correct a reply's intent; the consequences of the corrected intent follow (the stage is set
/// to the intent's, audited as a correction; sequences exit or pause; an unsubscribe
/// suppresses).
#[utoipa::path(patch, path = "/api/v1/replies/{id}", tag = "replies", request_body = CorrectReply, params(("id" = String, Path)),
    responses((status = 200, body = ReplyResult), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse)))]
pub(crate) async fn correct(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = reply_id(&req)?;
    let body: CorrectReply = http::body_json(&req)?;
    let return_date = body
        .return_date
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::invalid("return_date", "format", "must be a date such as 2026-12-03"))
        })
        .transpose()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let return_date = return_date.filter(|_| body.intent == ReplyIntent::OutOfOffice);
    let conn = ctx.conn().await?;
    let at = now();
    let (conn, actor, body, id, at) = (&conn, &actor, &body, &id, &at);
    /// What the correction depends on, each value computed once: the reply's intent and
    /// channel, its contact's owner and stage (the table `m`).
    macro_rules! mover_of_reply {
        () => {
            concat!(
                "WITH m (owner, stage) AS MATERIALIZED (SELECT c.owner_id, ",
                mover_sql!(),
                " FROM replies r0 JOIN contacts c ON c.id = r0.contact_id WHERE r0.id = :id) "
            )
        };
    }
    // Read outside any transaction; the batch writes only if what was read is unchanged.
    let (outcome, planned) = conn
        .read_then_batch(|| async move {
            let (before, owner, mut contact, seen) = conn
                .query_one(
                    ENTITY,
                    concat!(
                        mover_of_reply!(),
                        "SELECT r.*, m.owner, m.stage, json_array(r.intent, r.channel, r.contact_id, m.owner, m.stage) AS seen \
                         FROM (SELECT ",
                        reply_columns!(),
                        " FROM replies WHERE id = :id) r, m"
                    ),
                    libsql::named_params! {":id": id.as_str()},
                    |row| {
                        let ReplyToCorrect { reply, owner, stage, seen } = from_row(row)?;
                        let contact = Mover::new(&reply.contact_id, stage.as_deref(), at)?;
                        Ok((reply, owner, contact, seen))
                    },
                )
                .await?;
            principal.require_owner(owner.as_deref())?;
            let mut batch = Batch::new();
            batch.require_unchanged(
                concat!(
                    "(",
                    mover_of_reply!(),
                    "SELECT json_array(r.intent, r.channel, r.contact_id, m.owner, m.stage) \
                     FROM replies r, m WHERE r.id = :id) IS :seen"
                ),
                libsql::named_params! {":id": id.as_str(), ":seen": seen.as_str()},
            )?;
            let reply = batch.push(
                concat!(
                    "UPDATE replies SET intent = ?2, confidence = 1.0, return_date = ?3, classified_at = ?4, updated_at = ?4 \
                     WHERE id = ?1 RETURNING ",
                    reply_columns!()
                ),
                libsql::params![id.as_str(), body.intent.as_str(), return_date.map(|d| d.to_string()), at.as_str()],
            )?;
            audit::record_with_in(
                &mut batch,
                actor,
                "reply.correct",
                ENTITY,
                id,
                Some(&serde_json::json!({"intent": before.intent})),
                Some(&serde_json::json!({"intent": body.intent})),
                None,
            )?;
            let planned = Planned::new(id.clone(), before.channel, reply);
            let planned = apply(&mut batch, actor, &mut contact, body.intent, return_date, true, planned)?;
            Ok((batch, planned))
        })
        .await?;
    let result = planned.read(&outcome)?;
    http::ok(&result)
}
