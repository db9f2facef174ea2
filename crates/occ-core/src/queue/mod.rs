//! Today: one ranked list of what to do now, across every kind of work (SPEC.md section 2):
//! positive replies first, meetings in the next 24 hours, other replies, follow-ups due, calls,
//! drafts awaiting review, LinkedIn tasks within today's limits, emails ready to send, and
//! high-priority contacts nobody has researched. Each item says why it is there and carries the
//! ids to act on it; it can be done or snoozed. One call: the items with the day's counts.
//!
//! Items are named `<kind>:<id>`: `reply:`, `meeting:` (an opportunity), `followup:`,
//! `draft:` (review, email, LinkedIn and call tasks) and `contact:` (research).

pub(crate) mod actions;

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use serde::Serialize;

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::domain::enums::Role;
use crate::enrollments::due::stored;
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{self, Ctx, Query, Routes};
use crate::openapi::ErrorResponse;
use crate::store::{Row, col};

/// The queue's routes (in the insights family).
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/queue", Signed(ReadData), handler!(list))
        .post("/api/v1/queue/{item}/done", Signed(WriteData), handler!(actions::done))
        .post("/api/v1/queue/{item}/skip", Signed(WriteData), handler!(actions::skip))
        .post("/api/v1/queue/{item}/snooze", Signed(WriteData), handler!(actions::snooze))
}

/// LinkedIn's default limits (SPEC.md section 2), until settings say otherwise.
pub const CONNECTIONS_PER_DAY: i64 = 20;
/// Connection requests a week.
pub const CONNECTIONS_PER_WEEK: i64 = 100;
/// Messages a day.
pub const MESSAGES_PER_DAY: i64 = 50;
/// How long a snooze lasts unless the caller says.
pub const DEFAULT_SNOOZE_HOURS: i64 = 4;

/// One thing to do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Item {
    /// `<kind>:<id>`, for done and snooze.
    pub id: String,
    /// reply_positive, meeting, reply, followup, call, review, linkedin, email, send_check (an
    /// email that may or may not have gone out), send_failed (one that could not be sent) or
    /// research.
    pub kind: String,
    /// Why it is here, for a person.
    pub reason: String,
    /// When it became due (or happens, for a meeting).
    pub due_at: String,
    /// Its rank: higher first.
    pub priority: i64,
    pub contact_id: String,
    pub contact_name: String,
    pub account_name: Option<String>,
    /// For LinkedIn tasks: the profile to open.
    pub linkedin_url: Option<String>,
    /// For calls: the number to dial.
    pub phone: Option<String>,
    pub channel: Option<String>,
    pub reply_id: Option<String>,
    pub draft_id: Option<String>,
    pub followup_id: Option<String>,
    pub opportunity_id: Option<String>,
    /// A short excerpt: the reply, the draft, the follow-up's reason; for a send to check or
    /// one that failed, what went wrong.
    pub excerpt: Option<String>,
    /// LinkedIn tasks: the message to send; calls: the script. In full.
    pub body: Option<String>,
    /// A send to check or one that failed: its touchpoint (`POST /touchpoints/{id}/resolve`
    /// settles an unknown one).
    pub touchpoint_id: Option<String>,
}

/// The day's numbers.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Counts {
    pub replies_waiting: i64,
    pub meetings_next_24h: i64,
    pub followups_due: i64,
    pub drafts_pending: i64,
    pub emails_ready: i64,
    pub linkedin_ready: i64,
    pub calls_ready: i64,
    /// Done today (in `tz`; yours, or the team's with `scope=team`): touches by channel and
    /// replies received.
    pub emails_sent_today: i64,
    pub linkedin_done_today: i64,
    pub calls_done_today: i64,
    pub replies_today: i64,
    /// Your LinkedIn account against its limits (each person sends from their own).
    pub connections_today: i64,
    pub connections_daily_limit: i64,
    pub connections_this_week: i64,
    pub connections_weekly_limit: i64,
    pub messages_today: i64,
    pub messages_daily_limit: i64,
}

/// The queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Queue {
    /// Ranked, highest first.
    pub items: Vec<Item>,
    /// The day's numbers.
    pub counts: Counts,
}

/// The day and ISO week around `at` in `tz`, as stored times: (day start, day end, week start).
pub fn day_window(at: DateTime<Utc>, tz: chrono_tz::Tz) -> (String, String, String) {
    let local = at.with_timezone(&tz).date_naive();
    let start_of = |d: chrono::NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN)).earliest().map_or(at, |t| t.with_timezone(&Utc))
    };
    let week = local - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    (stored(start_of(local)), stored(start_of(local + Duration::days(1))), stored(start_of(week)))
}

/// The limits from the pacing settings, with the defaults.
macro_rules! linkedin_limit {
    ($key:literal, $default:expr) => {
        concat!(
            "coalesce((SELECT st.value ->> '$.",
            $key,
            "' FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), ",
            $default,
            ")"
        )
    };
}

/// Whether the item (an SQL expression) is snoozed for this user now.
macro_rules! not_snoozed {
    ($item:expr) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM queue_snoozes z WHERE z.user_id = :me AND z.item = ",
            $item,
            " AND z.until > :now)"
        )
    };
}

/// The contact is the caller's to work (or `:team` asks for everyone's).
macro_rules! in_scope {
    () => {
        "(:team OR c.owner_id IS NULL OR c.owner_id = :me)"
    };
}

/// The day's counts, in scope: a select list.
macro_rules! counts_select {
    () => {
        concat!(
    "       (SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.handled_at IS NULL \
          AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now') AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE o.status = 'meeting_booked' \
          AND o.meeting_at >= :recent AND o.meeting_at < :tomorrow AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM followups f JOIN contacts c ON c.id = f.contact_id WHERE f.status = 'pending' AND f.due_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'pending' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'email' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'linkedin' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'call' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t JOIN contacts c ON c.id = t.contact_id WHERE t.channel = 'email' \
          AND t.sent_at >= :day_start AND t.sent_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND (:team OR t.created_by = :me)), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'call' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND (:team OR t.created_by = :me)), \
       (SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.channel IN ('email', 'linkedin', 'call') \
          AND r.replied_at >= :day_start AND r.replied_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_connections_daily", 20),
    ", (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :week_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_connections_weekly", 100),
    ", (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind <> 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_messages_daily", 50)
)
    };
}

/// The queue in one statement: the ranked items (each arm yields item, kind, due_at, priority,
/// contact id, channel, reply, draft, follow-up, opportunity, excerpt, detail; then the
/// contact's name, company and score), each row with the day's counts and LinkedIn's room; one
/// row of counts alone when there is nothing to do.
pub const QUEUE_SQL: &str = concat!(
    "WITH used AS (SELECT \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me) AS connects_today, \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :week_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me) AS connects_week, \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind <> 'linkedin_connect' AND t.created_by = :me) AS messages_today), \
     room AS (SELECT max(0, min(",
    linkedin_limit!("linkedin_connections_daily", 20),
    " - connects_today, ",
    linkedin_limit!("linkedin_connections_weekly", 100),
    " - connects_week)) AS connects, max(0, ",
    linkedin_limit!("linkedin_messages_daily", 50),
    " - messages_today) AS messages FROM used), \
     items(item, kind, due_at, priority, contact_id, channel, reply_id, draft_id, followup_id, opportunity_id, excerpt, detail) AS ( \
     SELECT * FROM (SELECT 'reply:' || r.id, CASE r.intent WHEN 'positive' THEN 'reply_positive' ELSE 'reply' END, r.replied_at, \
         CASE r.intent WHEN 'positive' THEN 100 WHEN 'question' THEN 85 WHEN 'referral' THEN 80 WHEN 'neutral' THEN 75 ELSE 45 END, \
         r.contact_id, r.channel, r.id, NULL, NULL, NULL, substr(r.body, 1, 160), r.intent \
       FROM replies r JOIN contacts c ON c.id = r.contact_id \
       WHERE r.handled_at IS NULL AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'reply:' || r.id"),
    " ORDER BY r.replied_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'meeting:' || o.id, 'meeting', o.meeting_at, 95, o.contact_id, NULL, NULL, NULL, NULL, o.id, \
         substr(o.notes, 1, 160), NULL \
       FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
       WHERE o.status = 'meeting_booked' AND o.meeting_at >= :recent AND o.meeting_at < :tomorrow AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'meeting:' || o.id"),
    " ORDER BY o.meeting_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'followup:' || f.id, 'followup', f.due_at, CASE WHEN f.due_at < :day_start THEN 72 ELSE 70 END, \
         f.contact_id, f.channel, NULL, NULL, f.id, NULL, f.reason, NULL \
       FROM followups f JOIN contacts c ON c.id = f.contact_id \
       WHERE f.status = 'pending' AND f.due_at < :day_end AND c.status NOT IN ('bounced', 'do_not_contact') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'followup:' || f.id"),
    " ORDER BY f.due_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'draft:' || d.id, 'review', d.created_at, 60, d.contact_id, d.channel, NULL, d.id, NULL, NULL, \
         coalesce(d.subject, substr(d.body, 1, 160)), CAST(json_array_length(d.quality_report, '$.flags') AS TEXT) \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
       WHERE d.approval_status = 'pending' AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    " ORDER BY d.created_at LIMIT :per_kind) \
     UNION ALL SELECT item, kind, due, CASE kind WHEN 'send_check' THEN 90 WHEN 'send_failed' THEN 68 WHEN 'call' THEN 65 ELSE 50 END, \
         contact, channel, r, d, f, o, CASE WHEN kind IN ('send_check', 'send_failed') THEN error ELSE excerpt END, detail FROM ( \
       SELECT 'draft:' || d.id AS item, \
         CASE WHEN d.channel = 'call' THEN 'call' WHEN t.status = 'unknown' THEN 'send_check' \
           WHEN (SELECT coalesce(sum(x.attempts), 0) FROM touchpoints x WHERE x.draft_id = d.id AND x.status = 'failed') >= :max_attempts \
           THEN 'send_failed' ELSE 'email' END AS kind, \
         coalesce(t.updated_at, d.updated_at) AS due, d.contact_id AS contact, d.channel AS channel, NULL AS r, d.id AS d, \
         NULL AS f, NULL AS o, coalesce(d.subject, substr(d.body, 1, 160)) AS excerpt, t.error AS error, t.id AS detail \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
       LEFT JOIN touchpoints t ON t.id = (SELECT l.id FROM touchpoints l WHERE l.draft_id = d.id ORDER BY l.created_at DESC LIMIT 1) \
       WHERE d.approval_status = 'approved' AND d.channel IN ('email', 'call') AND coalesce(t.status, '') NOT IN ('reserved', 'sending') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    " ORDER BY d.created_at LIMIT :per_kind) \
     UNION ALL SELECT item, kind, due, prio, contact, channel, r, d, f, o, excerpt, detail FROM ( \
       SELECT 'draft:' || d.id AS item, 'linkedin' AS kind, d.updated_at AS due, 55 AS prio, d.contact_id AS contact, \
         d.channel AS channel, NULL AS r, d.id AS d, NULL AS f, NULL AS o, substr(d.body, 1, 160) AS excerpt, \
         coalesce(s.kind, 'linkedin_message') AS detail, \
         row_number() OVER (PARTITION BY coalesce(s.kind, 'linkedin_message') = 'linkedin_connect' ORDER BY d.created_at) AS n \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id LEFT JOIN sequence_steps s ON s.id = d.step_id \
       WHERE d.approval_status = 'approved' AND d.channel = 'linkedin' AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    ") WHERE n <= (SELECT CASE WHEN detail = 'linkedin_connect' THEN connects ELSE messages END FROM room) AND n <= :per_kind \
     UNION ALL SELECT * FROM (SELECT 'contact:' || c.id, 'research', c.updated_at, 20 + c.priority_score / 5, c.id, NULL, NULL, NULL, \
         NULL, NULL, c.title, CAST(c.priority_score AS TEXT) \
       FROM contacts c WHERE c.status = 'active' AND c.stage = 'new' AND c.priority_score >= :research_score AND ",
    in_scope!(),
    " AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.status IN ('active', 'paused')) AND ",
    not_snoozed!("'contact:' || c.id"),
    " ORDER BY c.priority_score DESC, c.id LIMIT 10)), \
     ranked AS (SELECT i.*, trim(c.first_name || ' ' || coalesce(c.last_name, '')) AS contact_name, a.name AS account_name, \
         c.priority_score AS score, c.linkedin_url AS linkedin_url, c.phone AS phone, \
         CASE WHEN i.kind IN ('linkedin', 'call') THEN (SELECT d.body FROM message_drafts d WHERE d.id = i.draft_id) END AS body \
       FROM items i JOIN contacts c ON c.id = i.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
       ORDER BY i.priority DESC, c.priority_score DESC, i.due_at LIMIT :limit), \
     counts AS (SELECT ",
    counts_select!(),
    ") \
     SELECT ranked.*, counts.*, (SELECT connects FROM room), (SELECT messages FROM room) \
     FROM counts LEFT JOIN ranked ON true ORDER BY ranked.priority DESC, ranked.score DESC, ranked.due_at"
);

/// The minimum score for a new contact to be offered for research.
pub const RESEARCH_SCORE: i64 = 70;

/// Why an item is in the queue, in words; `room` is what LinkedIn's limits leave today
/// (connection requests, messages).
fn reason(kind: &str, channel: Option<&str>, detail: Option<&str>, excerpt: Option<&str>, room: (i64, i64)) -> String {
    let quoted = |t: Option<&str>| t.map(|t| format!(": “{}”", t.trim())).unwrap_or_default();
    let channel = channel.unwrap_or("email");
    match kind {
        "reply_positive" => format!("Positive reply on {channel}{}", quoted(excerpt)),
        "reply" => {
            let intent = detail.unwrap_or("new").replace('_', " ");
            format!("Reply ({intent}) on {channel} waiting for you{}", quoted(excerpt))
        }
        "meeting" => "Meeting within 24 hours: read the prep card".to_owned(),
        "followup" => format!("Follow-up by {channel} due{}", excerpt.map(|e| format!(": {e}")).unwrap_or_default()),
        "review" => match detail.filter(|f| *f != "0") {
            Some(flags) => format!("Draft awaiting your review ({flags} reviewer flag(s))"),
            None => "Draft awaiting your review (the reviewer found nothing)".to_owned(),
        },
        "email" => format!("Approved email ready to send{}", quoted(excerpt)),
        "call" => "Call to make (approved script)".to_owned(),
        "send_check" => {
            "This email may or may not have gone out: look in the mailbox's Sent folder, then mark it sent or not sent"
                .to_owned()
        }
        "send_failed" => "This email could not be sent: the server refused it (its answer is below)".to_owned(),
        "linkedin" if detail == Some("linkedin_connect") => {
            format!("LinkedIn connection request to send ({} left today)", room.0)
        }
        "linkedin" => format!("LinkedIn message to send ({} left today)", room.1),
        "research" => format!("High-priority contact (score {}) not yet researched", detail.unwrap_or("?")),
        _ => kind.to_owned(),
    }
}

/// Today's queue, ranked; `scope=team` shows everyone's work (default: yours and nobody's);
/// `tz` (IANA) sets the day for "due today" and the counts (default UTC); `limit` 1-200.
#[utoipa::path(get, path = "/api/v1/queue", tag = "queue",
    params(("scope" = Option<String>, Query), ("tz" = Option<String>, Query), ("limit" = Option<u32>, Query)),
    responses((status = 200, body = Queue), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let team = match q.one("scope").as_deref() {
        None | Some("mine") => principal.role == Role::Viewer,
        Some("team") => true,
        Some(_) => return Err(AppError::invalid("scope", "one_of", "must be mine or team")),
    };
    let tz = match q.one("tz") {
        None => chrono_tz::UTC,
        Some(name) => name.parse().map_err(|_| AppError::invalid("tz", "format", "must be an IANA time zone"))?,
    };
    let limit = http::limit(&mut q)?;
    q.finish()?;
    let at = Utc::now();
    let (day_start, day_end, week_start) = day_window(at, tz);
    let conn = ctx.conn().await?;
    let params = libsql::named_params! {
        ":me": principal.user_id.as_str(), ":team": team, ":now": stored(at), ":day_start": day_start.as_str(),
        ":day_end": day_end.as_str(), ":week_start": week_start.as_str(), ":recent": stored(at - Duration::hours(1)),
        ":tomorrow": stored(at + Duration::hours(24)), ":per_kind": i64::from(limit), ":limit": i64::from(limit),
        ":research_score": RESEARCH_SCORE, ":max_attempts": crate::sending::MAX_ATTEMPTS,
    };
    let rows =
        conn.query_all(QUEUE_SQL, params, |row| Ok((decode_item(row)?, decode_counts(row, ITEM_COLUMNS)?))).await?;
    let counts = rows.first().map(|(_, c)| c.clone()).unwrap_or_default();
    let items = rows.into_iter().filter_map(|(item, _)| item).collect();
    http::ok(&Queue { items, counts })
}

/// The columns of an item in [`QUEUE_SQL`]'s rows; the counts and LinkedIn's room follow.
const ITEM_COLUMNS: i32 = 18;

/// An item from a row of [`QUEUE_SQL`] (none in the row of counts alone).
fn decode_item(row: &Row) -> AppResult<Option<Item>> {
    let Some(id) = col::<Option<String>>(row, 0)? else { return Ok(None) };
    let kind: String = col(row, 1)?;
    let due_at: String = col::<Option<String>>(row, 2)?.unwrap_or_default();
    let channel: Option<String> = col(row, 5)?;
    let excerpt: Option<String> = col(row, 10)?;
    let detail: Option<String> = col(row, 11)?;
    let room = (col::<i64>(row, ITEM_COLUMNS + 17)?, col::<i64>(row, ITEM_COLUMNS + 18)?);
    let touchpoint_id = matches!(kind.as_str(), "send_check" | "send_failed").then(|| detail.clone()).flatten();
    Ok(Some(Item {
        id,
        reason: reason(&kind, channel.as_deref(), detail.as_deref(), excerpt.as_deref(), room),
        kind,
        due_at,
        priority: col(row, 3)?,
        contact_id: col(row, 4)?,
        contact_name: col(row, 12)?,
        account_name: col(row, 13)?,
        linkedin_url: col(row, 15)?,
        phone: col(row, 16)?,
        channel,
        reply_id: col(row, 6)?,
        draft_id: col(row, 7)?,
        followup_id: col(row, 8)?,
        opportunity_id: col(row, 9)?,
        touchpoint_id,
        excerpt,
        body: col(row, 17)?,
    }))
}

/// The counts from a row of [`QUEUE_SQL`], starting at column `at`.
fn decode_counts(row: &Row, at: i32) -> AppResult<Counts> {
    Ok(Counts {
        replies_waiting: col(row, at)?,
        meetings_next_24h: col(row, at + 1)?,
        followups_due: col(row, at + 2)?,
        drafts_pending: col(row, at + 3)?,
        emails_ready: col(row, at + 4)?,
        linkedin_ready: col(row, at + 5)?,
        calls_ready: col(row, at + 6)?,
        emails_sent_today: col(row, at + 7)?,
        linkedin_done_today: col(row, at + 8)?,
        calls_done_today: col(row, at + 9)?,
        replies_today: col(row, at + 10)?,
        connections_today: col(row, at + 11)?,
        connections_daily_limit: col(row, at + 12)?,
        connections_this_week: col(row, at + 13)?,
        connections_weekly_limit: col(row, at + 14)?,
        messages_today: col(row, at + 15)?,
        messages_daily_limit: col(row, at + 16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_and_week_follow_the_time_zone() {
        // Thursday 26 November 2026, 03:00 UTC is still Wednesday evening in New York.
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 3, 0, 0).single().expect("a time");
        let (start, end, week) = day_window(at, chrono_tz::America::New_York);
        assert_eq!(start, "2026-11-25T05:00:00.000Z");
        assert_eq!(end, "2026-11-26T05:00:00.000Z");
        assert_eq!(week, "2026-11-23T05:00:00.000Z", "the ISO week starts on Monday");
        let (start, _, week) = day_window(at, chrono_tz::UTC);
        assert_eq!((start.as_str(), week.as_str()), ("2026-11-26T00:00:00.000Z", "2026-11-23T00:00:00.000Z"));
    }

    #[test]
    fn every_kind_explains_itself() {
        for kind in
            ["reply_positive", "reply", "meeting", "followup", "review", "email", "call", "linkedin", "research"]
        {
            let text = reason(kind, Some("email"), Some("3"), Some("hello"), (2, 5));
            assert!(text.len() > 10 && text != kind, "{kind}: {text}");
        }
        assert!(reason("linkedin", None, Some("linkedin_connect"), None, (2, 5)).contains("2 left"));
    }
}
