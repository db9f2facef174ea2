//! Today: one ranked list of what to do now, across every kind of work (SPEC.md section 2):
//! positive replies first, meetings in the next 24 hours, other replies, follow-ups due, calls,
//! drafts awaiting review, LinkedIn tasks within today's limits, emails ready to send, and
//! high-priority contacts nobody has researched. Each item says why it is there and carries the
//! ids to act on it; it can be done or snoozed. One call: the items with the day's counts.
//!
//! Items are named `<kind>:<id>`: `reply:`, `meeting:` (an opportunity), `followup:`,
//! `draft:` (review, email, LinkedIn and call tasks) and `contact:` (research).

pub(crate) mod actions;
mod sql;

pub use sql::{QUEUE_MINE_SQL, QUEUE_TEAM_SQL};

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::domain::stored;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Query, Routes};
use crate::store::from_row;

/// The queue's routes (in the insights family).
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/queue", Signed(ReadData), handler!(list))
        .post("/api/v1/queue/{item}/done", Signed(WriteData), handler!(actions::done))
        .post("/api/v1/queue/{item}/skip", Signed(WriteData), handler!(actions::skip))
        .post("/api/v1/queue/{item}/snooze", Signed(WriteData), handler!(actions::snooze))
}

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
pub struct DayCounts {
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
    pub counts: DayCounts,
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

/// The minimum score for a new contact to be offered for research (written into the view
/// `queue_research_items` of migration 0006, which the triggers keep Today's table by).
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
    params(("scope" = Option<String>, Query), ("tz" = Option<String>, Query), crate::http::PageLimit),
    responses((status = 200, body = Queue), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let team = q.team_scope(principal)?;
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
    };
    let sql = if team { QUEUE_TEAM_SQL } else { QUEUE_MINE_SQL };
    let rows = conn.query_all(sql, params, |row| from_row::<QueueRow>(row)?.into_parts()).await?;
    let counts = rows.first().map(|(_, c)| c.clone()).unwrap_or_default();
    let items = rows.into_iter().filter_map(|(item, _)| item).collect();
    http::ok(&Queue { items, counts })
}

/// A row of [`QUEUE_TEAM_SQL`] (or the rep's): an item (every column of it NULL in the row of counts alone), the
/// day's counts and LinkedIn's room.
#[derive(Deserialize)]
struct QueueRow {
    item: Option<String>,
    kind: Option<String>,
    due_at: Option<String>,
    priority: Option<i64>,
    contact_id: Option<String>,
    channel: Option<String>,
    reply_id: Option<String>,
    draft_id: Option<String>,
    followup_id: Option<String>,
    opportunity_id: Option<String>,
    excerpt: Option<String>,
    detail: Option<String>,
    contact_name: Option<String>,
    account_name: Option<String>,
    linkedin_url: Option<String>,
    phone: Option<String>,
    body: Option<String>,
    replies_waiting: i64,
    meetings: i64,
    followups_due: i64,
    drafts_pending: i64,
    emails_ready: i64,
    linkedin_ready: i64,
    calls_ready: i64,
    emails_today: i64,
    linkedin_today: i64,
    calls_today: i64,
    replies_today: i64,
    connects_today: i64,
    connects_daily: i64,
    connects_week: i64,
    connects_weekly: i64,
    messages_today: i64,
    messages_daily: i64,
    // LinkedIn's room left today: connection requests, messages.
    connects: i64,
    messages: i64,
}

impl QueueRow {
    /// The row's item (none in the row of counts alone) and the day's counts.
    fn into_parts(self) -> AppResult<(Option<Item>, DayCounts)> {
        let counts = DayCounts {
            replies_waiting: self.replies_waiting,
            meetings_next_24h: self.meetings,
            followups_due: self.followups_due,
            drafts_pending: self.drafts_pending,
            emails_ready: self.emails_ready,
            linkedin_ready: self.linkedin_ready,
            calls_ready: self.calls_ready,
            emails_sent_today: self.emails_today,
            linkedin_done_today: self.linkedin_today,
            calls_done_today: self.calls_today,
            replies_today: self.replies_today,
            connections_today: self.connects_today,
            connections_daily_limit: self.connects_daily,
            connections_this_week: self.connects_week,
            connections_weekly_limit: self.connects_weekly,
            messages_today: self.messages_today,
            messages_daily_limit: self.messages_daily,
        };
        let Some(id) = self.item else { return Ok((None, counts)) };
        let kind = present(self.kind, "kind")?;
        let room = (self.connects, self.messages);
        let (channel, detail, excerpt) = (self.channel, self.detail, self.excerpt);
        let touchpoint_id = matches!(kind.as_str(), "send_check" | "send_failed").then(|| detail.clone()).flatten();
        let item = Item {
            id,
            reason: reason(&kind, channel.as_deref(), detail.as_deref(), excerpt.as_deref(), room),
            kind,
            due_at: self.due_at.unwrap_or_default(),
            priority: present(self.priority, "priority")?,
            contact_id: present(self.contact_id, "contact_id")?,
            contact_name: present(self.contact_name, "contact_name")?,
            account_name: self.account_name,
            linkedin_url: self.linkedin_url,
            phone: self.phone,
            channel,
            reply_id: self.reply_id,
            draft_id: self.draft_id,
            followup_id: self.followup_id,
            opportunity_id: self.opportunity_id,
            touchpoint_id,
            excerpt,
            body: self.body,
        };
        Ok((Some(item), counts))
    }
}

/// A column every item has (NULL only in the row of counts alone).
fn present<T>(value: Option<T>, column: &str) -> AppResult<T> {
    value.ok_or_else(|| AppError::Internal(anyhow::anyhow!("a queue item has no {column}")))
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
    fn todays_table_is_kept_with_the_thresholds_the_code_names() {
        let up = crate::store::migrate::MIGRATIONS.iter().find(|m| m.name == "today_queue").expect("migration").up;
        let thresholds = up.matches("priority_score >= ").count();
        assert!(thresholds >= 4, "the view and the contacts' triggers");
        assert_eq!(up.matches(&format!("priority_score >= {RESEARCH_SCORE}")).count(), thresholds);
        assert!(up.contains(&format!(
            "x.status = 'failed') >= {} THEN 'send_failed'",
            crate::channels::sending::MAX_ATTEMPTS
        )));
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
