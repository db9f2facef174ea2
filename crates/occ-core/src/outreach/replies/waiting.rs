//! The Replies screen's reads: the replies waiting for a person (newest first, by intent, mine or
//! the team's) with who sent them, and one reply's conversation (what went out to the person and
//! what came back, oldest first) to answer it from.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Reply, reply_id};
use crate::access::Principal;
use crate::domain::enums::{Channel, ReplyIntent};
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::{Row, from_row};

/// Who a reply came from, as a list shows them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReplySender {
    /// The contact's id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their email address, if known.
    pub email: Option<String>,
    /// Their company, if known.
    pub company: Option<String>,
    /// The contact's owner.
    pub owner_id: Option<String>,
}

/// A reply waiting for a person, with who sent it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WaitingReply {
    /// The reply.
    pub reply: Reply,
    /// Who sent it.
    pub contact: ReplySender,
}

/// A reply's columns (as [`Reply`] reads them) and its sender's (a [`SenderRow`]), for a row of
/// `replies r JOIN contacts c LEFT JOIN accounts a`.
macro_rules! reply_and_sender {
    () => {
        "r.id, r.contact_id, r.touchpoint_id, r.channel, r.intent, r.confidence, r.subject, r.body, r.return_date, \
         r.referral_name, r.referral_email, r.replied_at, r.classified_at, r.handled_at, r.created_at, r.updated_at, \
         c.id AS sender_id, trim(c.first_name || ' ' || coalesce(c.last_name, '')) AS sender_name, \
         c.email AS sender_email, a.name AS sender_company, c.owner_id AS sender_owner"
    };
}

/// The sender's part of a row of [`reply_and_sender!`].
#[derive(Deserialize)]
struct SenderRow {
    sender_id: String,
    sender_name: String,
    sender_email: Option<String>,
    sender_company: Option<String>,
    sender_owner: Option<String>,
}

impl From<SenderRow> for ReplySender {
    fn from(row: SenderRow) -> Self {
        ReplySender {
            id: row.sender_id,
            name: row.sender_name,
            email: row.sender_email,
            company: row.sender_company,
            owner_id: row.sender_owner,
        }
    }
}

fn decode_waiting(row: &Row) -> AppResult<WaitingReply> {
    Ok(WaitingReply { reply: from_row(row)?, contact: from_row::<SenderRow>(row)?.into() })
}

/// The replies waiting for a person (not handled), newest first: the caller's contacts' (or the
/// team's with `scope=team`), of one intent with `intent`.
#[utoipa::path(get, path = "/api/v1/replies/waiting", tag = "replies",
    params(("intent" = Option<ReplyIntent>, Query), ("scope" = Option<String>, Query, description = "mine (the default) or team"),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<WaitingReply>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn waiting(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let intent = q.closed::<ReplyIntent>("intent")?;
    let team = q.team_scope(principal)?;
    let page = Keyset::last_of(q)?;
    let owner = (!team).then_some(principal.user_id.as_str());
    let sql = concat!(
        "SELECT ",
        reply_and_sender!(),
        " FROM replies r JOIN contacts c ON c.id = r.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
         WHERE r.handled_at IS NULL AND (:intent IS NULL OR r.intent = :intent) AND (:owner IS NULL OR c.owner_id = :owner) AND ",
        crate::keyset!(desc "r.replied_at", "r.id")
    );
    let filters = libsql::named_params! {":intent": intent.map(ReplyIntent::as_str), ":owner": owner};
    let conn = ctx.conn().await?;
    let key = |w: &WaitingReply| (w.reply.replied_at.clone(), w.reply.id.clone());
    http::ok(&page.load(&conn, sql, filters, decode_waiting, key).await?)
}

/// One message of a conversation.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConversationMessage {
    /// The touchpoint's or the reply's id.
    pub id: String,
    /// out (sent to the person) or in (their reply).
    pub direction: String,
    /// email, linkedin or call.
    pub channel: Channel,
    /// When it was sent or received.
    pub at: String,
    /// The subject (email).
    pub subject: Option<String>,
    /// The text (for a call, its notes).
    pub body: Option<String>,
}

/// A reply with who sent it and the conversation it belongs to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Conversation {
    /// The reply.
    pub reply: Reply,
    /// Who sent it.
    pub contact: ReplySender,
    /// What went out to the person and what came back, oldest first (the last 50).
    pub messages: Vec<ConversationMessage>,
}

/// Messages a conversation shows.
const CONVERSATION: i64 = 50;

/// A reply, who sent it, and the conversation with them (two calls).
#[utoipa::path(get, path = "/api/v1/replies/{id}/conversation", tag = "replies", params(("id" = String, Path)),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorResponse)))]
pub(crate) async fn conversation(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = reply_id(&req)?;
    let conn = ctx.conn().await?;
    let (reply, contact) = conn
        .query_one(
            super::ENTITY,
            concat!(
                "SELECT ",
                reply_and_sender!(),
                " FROM replies r JOIN contacts c ON c.id = r.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
                 WHERE r.id = ?1"
            ),
            [id.as_str()],
            |row| Ok((from_row::<Reply>(row)?, ReplySender::from(from_row::<SenderRow>(row)?))),
        )
        .await?;
    let mut messages = conn
        .query_all(
            "SELECT * FROM ( \
               SELECT id, 'out' AS direction, channel, sent_at AS at, subject, coalesce(body, notes) AS body \
               FROM touchpoints WHERE contact_id = :contact AND +status = 'sent' \
               UNION ALL \
               SELECT id, 'in', channel, replied_at, subject, body FROM replies WHERE contact_id = :contact \
             ) ORDER BY at DESC, id DESC LIMIT :limit",
            libsql::named_params! {":contact": contact.id.as_str(), ":limit": CONVERSATION},
            from_row::<ConversationMessage>,
        )
        .await?;
    messages.reverse();
    http::ok(&Conversation { reply, contact, messages })
}
