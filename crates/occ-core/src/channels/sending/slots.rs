//! An identity's room in a run, and the two writes around an SMTP conversation: the
//! reservation before it (the touchpoint and the day's slots, all or nothing) and the outcome
//! after it (the slots given back when nothing can have been delivered).

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::waiting::Waiting;
use super::{MAX_ATTEMPTS, allowance};
use crate::channels::identities::Identity;
use crate::channels::sender::Failure;
use crate::domain::{stored, zone};
use crate::error::{AppError, AppResult};
use crate::store::{Conn, single};

/// An identity's state for this run.
pub(super) struct Slot {
    pub identity: Identity,
    pub sealed: Option<Vec<u8>>,
    pub next_send_at: Option<String>,
    /// Sends reserved per local day.
    pub used: serde_json::Map<String, serde_json::Value>,
    /// No more sends from it in this run: its mailbox failed, or another sender filled it.
    pub resting: bool,
}

impl Slot {
    pub(super) fn tz(&self) -> Tz {
        zone(&self.identity.timezone)
    }

    pub(super) fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz()).date_naive()
    }

    pub(super) fn used_today(&self, now: DateTime<Utc>) -> i64 {
        self.used.get(&self.today(now).to_string()).and_then(serde_json::Value::as_i64).unwrap_or(0)
    }

    pub(super) fn cap_today(&self, now: DateTime<Utc>) -> i64 {
        allowance(&self.identity, self.today(now))
    }

    pub(super) fn open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.tz());
        let w = &self.identity.send_window;
        let hour = i64::from(local.hour());
        !self.resting
            && w.days.contains(&i64::from(local.weekday().number_from_monday()))
            && hour >= w.start_hour
            && hour < w.end_hour
            && self.next_send_at.as_deref().is_none_or(|t| t <= stored(now).as_str())
            && self.used_today(now) < self.cap_today(now)
    }
}

/// What one reservation writes.
pub(super) struct Reservation<'a> {
    pub touch: &'a str,
    pub key: &'a str,
    pub email: &'a Waiting,
    pub identity: &'a str,
    pub day: &'a str,
    pub cap: i64,
    pub domain: &'a str,
    pub team_day: &'a str,
    pub domain_cap: i64,
    pub next: &'a str,
    pub now: &'a str,
    pub message_id: &'a str,
    pub body: &'a str,
}

/// Why a reservation was not made (nothing of it was written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The draft went or changed meanwhile (another sender took it, it is no longer approved,
    /// the person is no longer active), or something now suppresses the address.
    Taken,
    /// The identity had its day's emails, or another sender sent from it too recently.
    Identity,
    /// The recipient's domain had its day's emails.
    Domain,
}

/// The touchpoint and the day's slots, in one transaction: all of it or nothing.
pub(super) async fn reserve(conn: &Conn, r: &Reservation<'_>) -> AppResult<Result<(), Refusal>> {
    let references = serde_json::to_string(&r.email.thread).map_err(|e| AppError::Internal(e.into()))?;
    conn.declinable(async |conn| {
            let written = conn
                .query_opt(
                    "INSERT INTO touchpoints (id, contact_id, channel, kind, status, draft_id, enrollment_id, variant_id, identity_id, \
                       to_address, subject, body, pacing_day, message_id, in_reply_to, thread_references, idempotency_key, \
                       scheduled_at, attempts, created_at, updated_at, owner_key) \
                     SELECT ?1, c.id, 'email', 'email', 'sending', d.id, d.enrollment_id, d.variant_id, ?3, c.email, d.subject, ?4, ?5, \
                       ?6, ?7, ?8, ?9, ?10, 1, ?10, ?10, ifnull(c.owner_id, '') \
                     FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
                     WHERE d.id = ?2 AND d.approval_status = 'approved' AND c.status = 'active' AND c.email = ?11 \
                       AND NOT EXISTS (SELECT 1 FROM email_suppression x WHERE (x.kind = 'email' AND x.value = c.email) \
                         OR (x.kind = 'domain' AND x.value = ?12)) \
                       AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.draft_id = d.id \
                         AND t.status IN ('reserved', 'sending', 'sent', 'unknown')) \
                     ON CONFLICT DO NOTHING RETURNING id",
                    libsql::params![
                        r.touch,
                        r.email.draft.as_str(),
                        r.identity,
                        r.body,
                        r.day,
                        r.message_id,
                        r.email.in_reply_to().cloned(),
                        references.as_str(),
                        r.key,
                        r.now,
                        r.email.to.as_str(),
                        r.domain
                    ],
                    single::<String>,
                )
                .await?;
            let identity = conn
                .query_opt(
                    "INSERT INTO pacing_identity_daily (identity_id, day, count) VALUES (?1, ?2, 1) \
                     ON CONFLICT (identity_id, day) DO UPDATE SET count = count + 1 WHERE count < ?3 RETURNING count",
                    libsql::params![r.identity, r.day, r.cap],
                    single::<i64>,
                )
                .await?;
            let domain = conn
                .query_opt(
                    "INSERT INTO pacing_domain_daily (domain, day, count) VALUES (?1, ?2, 1) \
                     ON CONFLICT (domain, day) DO UPDATE SET count = count + 1 WHERE count < ?3 RETURNING count",
                    libsql::params![r.domain, r.team_day, r.domain_cap],
                    single::<i64>,
                )
                .await?;
            let spaced = conn
                .query_opt(
                    "UPDATE email_identities SET next_send_at = ?2 WHERE id = ?1 AND status = 'active' \
                     AND (next_send_at IS NULL OR next_send_at <= ?3) RETURNING id",
                    libsql::params![r.identity, r.next, r.now],
                    single::<String>,
                )
                .await?;
            // A cap of zero (warm-up not started) must hold too: a first insert counts 1.
            Ok(if written.is_none() {
                Err(Refusal::Taken)
            } else if identity.is_none_or(|n| n > r.cap) || spaced.is_none() {
                Err(Refusal::Identity)
            } else if domain.is_none_or(|n| n > r.domain_cap) {
                Err(Refusal::Domain)
            } else {
                Ok(())
            })
        })
        .await
}

/// How a send was recorded.
pub(super) struct Settled {
    /// sent, failed or unknown.
    pub status: &'static str,
    /// Whether its slots were given back.
    pub released: bool,
}

/// Records the outcome of the conversation for the touchpoint `touch`. A message that did not
/// reach the server gives its identity's and its domain's slots back; a refusal for good uses up
/// every attempt, a mailbox that failed none; an uncertain send waits for a person.
pub(super) async fn settle(
    conn: &Conn,
    touch: &str,
    outcome: &Result<(), Failure>,
    identity: &str,
    day: &str,
    domain: &str,
    team_day: &str,
) -> AppResult<Settled> {
    let (status, attempts) = match outcome {
        Ok(()) => ("sent", 1),
        Err(Failure::Mailbox(_)) => ("failed", 0),
        Err(Failure::NotSent { permanent: true, .. }) => ("failed", MAX_ATTEMPTS),
        Err(Failure::NotSent { .. }) => ("failed", 1),
        Err(Failure::Uncertain(_)) => ("unknown", 1),
    };
    let released = status == "failed";
    let error = outcome.as_ref().err().map(|e| e.to_string().chars().take(2000).collect::<String>());
    let done = stored(chrono::Utc::now());
    conn.immediate(async |conn| {
        conn.write(
            "UPDATE touchpoints SET status = ?2, sent_at = CASE WHEN ?2 = 'sent' THEN ?3 END, error = ?4, attempts = ?5, \
             updated_at = ?3 WHERE id = ?1 AND status = 'sending'",
            libsql::params![touch, status, done.as_str(), error, attempts],
        )
        .await?;
        if released {
            conn.write(
                "UPDATE pacing_identity_daily SET count = max(count - 1, 0) WHERE identity_id = ?1 AND day = ?2",
                libsql::params![identity, day],
            )
            .await?;
            conn.write(
                "UPDATE pacing_domain_daily SET count = max(count - 1, 0) WHERE domain = ?1 AND day = ?2",
                libsql::params![domain, team_day],
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(Settled { status, released })
}
