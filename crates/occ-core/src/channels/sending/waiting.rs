//! The approved emails waiting to go. A run reads only those that can go now (no send of theirs
//! in flight or waiting to be checked, tries left, the recipient inside business hours, their
//! domain with room today, nothing suppressing them), page after page, so that drafts held back
//! never crowd out the ones behind them.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{BUSINESS_HOURS, MAX_ATTEMPTS, business_hours};
use crate::error::{AppError, AppResult};
use crate::store::{Conn, Row, from_row};

/// Approved emails read per page.
pub(super) const PAGE: u32 = 100;

/// An approved email waiting to go.
pub(super) struct Waiting {
    pub draft: String,
    pub contact: String,
    pub subject: Option<String>,
    pub body: String,
    pub break_up: bool,
    pub to: String,
    pub name: String,
    pub tz: String,
    /// The thread's Message-IDs, oldest first: the sequence's earlier emails, or for an answer
    /// the thread of the reply it answers, ending with that reply.
    pub thread: Vec<String>,
    /// Whether it answers a reply (it then answers the thread's last message, not its first).
    pub answering: bool,
    /// Attempts used up by failed sends so far.
    pub failures: i64,
    /// Failed sends so far, and when the last one was tried.
    pub tries: i64,
    pub last_failure: Option<String>,
    /// Where the next page starts.
    pub created_at: String,
}

impl Waiting {
    /// The Message-ID it answers: the sequence's first email, or the reply it answers.
    pub fn in_reply_to(&self) -> Option<&String> {
        if self.answering { self.thread.last() } else { self.thread.first() }
    }

    /// The recipient's domain.
    pub fn domain(&self) -> &str {
        self.to.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// What every reading of the waiting list selects: a [`WaitingRow`]. (The `+` keeps the
/// planner on a draft's or an enrollment's few touchpoints instead of walking every email or
/// every failure in time order for a sort or a max it could do on a handful.)
macro_rules! waiting_columns {
    () => {
        "d.id, d.contact_id, d.subject, d.body, coalesce(s.is_break_up, 0) AS break_up, c.email, \
         trim(c.first_name || ' ' || coalesce(c.last_name, '')) AS name, coalesce(c.timezone, a.timezone, :team_tz) AS tz, \
         CASE WHEN d.reply_id IS NULL THEN \
           (SELECT json_group_array(t.message_id) FROM (SELECT message_id FROM touchpoints t WHERE d.enrollment_id IS NOT NULL \
              AND t.enrollment_id = d.enrollment_id AND +t.channel = 'email' AND +t.status = 'sent' AND t.message_id IS NOT NULL \
              ORDER BY t.sent_at) t) \
         ELSE (SELECT json_group_array(m) FROM ( \
              SELECT 0 AS o, j.key AS k, j.value AS m FROM replies r JOIN touchpoints t ON t.id = r.touchpoint_id, \
                json_each(t.thread_references) j WHERE r.id = d.reply_id \
              UNION ALL SELECT 1, 0, t.message_id FROM replies r JOIN touchpoints t ON t.id = r.touchpoint_id WHERE r.id = d.reply_id \
              UNION ALL SELECT 2, 0, r.message_id FROM replies r WHERE r.id = d.reply_id \
              ORDER BY o, k) WHERE m IS NOT NULL) END AS thread, d.reply_id IS NOT NULL AS answering, \
         (SELECT coalesce(sum(f.attempts), 0) FROM touchpoints f WHERE f.draft_id = d.id AND f.status = 'failed') AS failures, \
         (SELECT max(f.scheduled_at) FROM touchpoints f WHERE f.draft_id = d.id AND +f.status = 'failed') AS last_failure, \
         (SELECT count(*) FROM touchpoints f WHERE f.draft_id = d.id AND f.status = 'failed') AS tries, d.created_at \
         FROM message_drafts d JOIN contacts c ON c.id = d.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
         LEFT JOIN sequence_steps s ON s.id = d.step_id \
         WHERE d.approval_status = 'approved' AND d.channel = 'email' AND c.status = 'active' AND c.email IS NOT NULL"
    };
}

/// A row of [`waiting_columns!`].
#[derive(Deserialize)]
struct WaitingRow {
    id: String,
    contact_id: String,
    subject: Option<String>,
    body: String,
    break_up: bool,
    email: String,
    name: String,
    tz: String,
    /// The thread's message ids, a JSON array.
    thread: String,
    answering: bool,
    failures: i64,
    last_failure: Option<String>,
    tries: i64,
    created_at: String,
}

fn decode(row: &Row) -> AppResult<Waiting> {
    let row: WaitingRow = from_row(row)?;
    Ok(Waiting {
        draft: row.id,
        contact: row.contact_id,
        subject: row.subject,
        body: row.body,
        break_up: row.break_up,
        to: row.email,
        name: row.name,
        tz: row.tz,
        thread: serde_json::from_str(&row.thread).unwrap_or_default(),
        answering: row.answering,
        failures: row.failures,
        last_failure: row.last_failure,
        tries: row.tries,
        created_at: row.created_at,
    })
}

/// Where a run is in the waiting list, and what it already knows.
pub(super) struct Walk<'a> {
    pub team_tz: &'a str,
    pub team_day: &'a str,
    pub domain_cap: i64,
    /// The time zones inside business hours now (see [`open_zones`]).
    pub zones: String,
    /// The last email read: the next page starts after it.
    pub after: Option<(String, String)>,
}

/// The next page of approved emails that can go now, oldest draft first (one call).
pub(super) async fn next_page(conn: &Conn, walk: &Walk<'_>) -> AppResult<Vec<Waiting>> {
    let (after_at, after_id) = walk.after.clone().unwrap_or_default();
    conn.query_all(
        concat!(
            "SELECT ",
            waiting_columns!(),
            " AND (d.created_at, d.id) > (:after_at, :after_id) \
              AND coalesce(c.timezone, a.timezone, :team_tz) IN (SELECT value FROM json_each(:zones)) \
              AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.draft_id = d.id \
                AND t.status IN ('reserved', 'sending', 'sent', 'unknown')) \
              AND (SELECT coalesce(sum(f.attempts), 0) FROM touchpoints f WHERE f.draft_id = d.id AND f.status = 'failed') \
                < :max_attempts \
              AND NOT EXISTS (SELECT 1 FROM pacing_domain_daily p WHERE p.domain = substr(c.email, instr(c.email, '@') + 1) \
                AND p.day = :team_day AND p.count >= :domain_cap) \
              AND NOT EXISTS (SELECT 1 FROM email_suppression x WHERE (x.kind = 'email' AND x.value = c.email) \
                OR (x.kind = 'domain' AND x.value = substr(c.email, instr(c.email, '@') + 1))) \
             ORDER BY d.created_at, d.id LIMIT :page"
        ),
        libsql::named_params! {
            ":team_tz": walk.team_tz, ":after_at": after_at, ":after_id": after_id, ":zones": walk.zones.as_str(),
            ":max_attempts": MAX_ATTEMPTS, ":team_day": walk.team_day, ":domain_cap": walk.domain_cap,
            ":page": i64::from(PAGE),
        },
        decode,
    )
    .await
}

/// One approved email, whether or not it can go now ("send now" says why not); none when the
/// draft is not an approved email to an active person with an address (one call).
pub(super) async fn one(conn: &Conn, draft: &str, team_tz: &str) -> AppResult<Option<Waiting>> {
    conn.query_opt(
        concat!("SELECT ", waiting_columns!(), " AND d.id = :draft"),
        libsql::named_params! {":team_tz": team_tz, ":draft": draft},
        decode,
    )
    .await
}

/// The time zones where it is business hours at `now`, as a JSON list for the waiting list's
/// filter: every zone OCC accepts is a name of chrono-tz's database.
pub(super) fn open_zones(now: DateTime<Utc>) -> AppResult<String> {
    let open: Vec<&str> =
        chrono_tz::TZ_VARIANTS.iter().filter(|tz| business_hours(now, **tz)).map(|tz| tz.name()).collect();
    serde_json::to_string(&open).map_err(|e| AppError::Internal(e.into()))
}

/// Why an email outside business hours waits, in words.
pub(super) fn outside_hours(tz: &str) -> String {
    let (from, to) = BUSINESS_HOURS;
    format!("outside the recipient's business hours (Monday to Friday, {from:02}:00-{to:02}:00 in {tz}); it goes then")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_zones_are_the_ones_in_business_hours() {
        // Wednesday 2 December 2026, 15:30 UTC: 10:30 in New York, 00:30 in Tokyo.
        let at = DateTime::parse_from_rfc3339("2026-12-02T15:30:00Z").expect("time").with_timezone(&Utc);
        let zones: Vec<String> = serde_json::from_str(&open_zones(at).expect("zones")).expect("json");
        assert!(zones.iter().any(|z| z == "America/New_York"));
        assert!(zones.iter().any(|z| z == "UTC"));
        assert!(!zones.iter().any(|z| z == "Asia/Tokyo"));
    }
}
