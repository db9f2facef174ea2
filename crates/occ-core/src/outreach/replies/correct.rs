//! Correcting a reply's intent, with the consequences of the corrected one.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::NaiveDate;
use serde::Deserialize;

use super::consequences::{Planned, apply};
use super::{ENTITY, Reply, ReplyResult, reply_id};
use crate::access::Principal;
use crate::audit;
use crate::contacts::actions::{Mover, mover_sql};
use crate::domain::enums::ReplyIntent;
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, from_row};

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

/// A reply as it stood when an agent read it, to classify it again in a batch.
#[derive(Debug, Clone)]
pub(crate) struct Standing<'a> {
    /// The reply.
    pub id: &'a str,
    /// Its contact.
    pub contact_id: &'a str,
    /// Its channel.
    pub channel: crate::domain::enums::Channel,
    /// Its intent when read.
    pub intent: ReplyIntent,
    /// Its contact's stage when read.
    pub stage: Option<&'a str>,
}

/// Classifies a reply again in `batch` (the reply classifier agent): the new intent, confidence
/// and return date, with the consequences of the new intent as a correction has them. Only a
/// reply no person has corrected (confidence below 1) changes, and only when neither its intent
/// nor its contact's stage changed since `reply` was read; otherwise nothing of the batch is kept.
pub(crate) fn reclassify_in(
    batch: &mut Batch,
    actor: &audit::Actor,
    reply: &Standing<'_>,
    intent: ReplyIntent,
    confidence: f64,
    return_date: Option<NaiveDate>,
) -> AppResult<()> {
    let at = now();
    batch.require(
        "EXISTS (SELECT 1 FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.id = :id AND r.intent = :intent \
         AND r.confidence < 1.0 AND c.stage IS :stage)",
        libsql::named_params! {":id": reply.id, ":intent": reply.intent.as_str(), ":stage": reply.stage},
        AppError::Conflict {
            message: "the reply was corrected or its contact moved while the agent read it; run it again".to_owned(),
            fields: Vec::new(),
            conflicts_with: None,
        },
    )?;
    let return_date = return_date.filter(|_| intent == ReplyIntent::OutOfOffice);
    let updated = batch.push(
        concat!(
            "UPDATE replies SET intent = ?2, confidence = ?3, return_date = ?4, classified_at = ?5, updated_at = ?5 \
             WHERE id = ?1 RETURNING ",
            reply_columns!()
        ),
        libsql::params![reply.id, intent.as_str(), confidence, return_date.map(|d| d.to_string()), at.as_str()],
    )?;
    audit::record_with_in(
        batch,
        actor,
        "reply.reclassify",
        ENTITY,
        reply.id,
        Some(&serde_json::json!({"intent": reply.intent})),
        Some(&serde_json::json!({"intent": intent, "confidence": confidence})),
        None,
    )?;
    let mut contact = Mover::new(reply.contact_id, reply.stage, &at)?;
    let planned = Planned::new(reply.id.to_owned(), reply.channel, updated);
    apply(batch, actor, &mut contact, intent, return_date, true, planned)?;
    Ok(())
}
