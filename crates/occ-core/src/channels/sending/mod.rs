//! The sender: approved email drafts go out over SMTP, at a safe pace, at most once.
//!
//! Each tick walks the approved emails that can go now (recipients inside their local business
//! hours, domains with room today, no send of theirs in flight; see `waiting`), and picks for
//! each an active identity inside its send window with room left today (the daily cap,
//! or the warm-up allowance while ramping) and past its spacing, the least used first. Then, in
//! one transaction, it writes the touchpoint as `sending` (its idempotency key unique; the same
//! statement re-checks that the draft is still approved, the person still active and nothing
//! suppresses the address or its domain), reserves the identity's and the recipient domain's
//! slots for the day, and moves the identity's next send time. Only then does it talk SMTP, and
//! it records the outcome after. A crash in between leaves the touchpoint `sending`; the next
//! ticks turn it `unknown` after a while, for a person to resolve, and never send it again.
//! Only a message handed to a server counts against a run's [`SENDS_PER_TICK`]; an email held
//! back (a cap, a window, a domain) costs nothing, and one that fails on OCC's side is logged
//! and skipped, so no email keeps the others from going.

mod message;
mod run;
mod slots;
mod waiting;

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use futures_util::FutureExt as _;
use serde::{Deserialize, Serialize};

use crate::channels::identities::{self, Identity, identity_columns};
use crate::config::Config;
use crate::crypto::SecretBox;
use crate::domain::{stored, zone};
use crate::error::{AppError, AppResult};
use crate::settings::pacing::DOMAIN_DAILY_CAP;
use crate::store::{Batch, Conn, from_row};

pub use message::compose_body;
use run::{Offer, Run};
use slots::Slot;
use waiting::Walk;

/// How many sends one tick attempts at most.
pub const SENDS_PER_TICK: i64 = 25;
/// After this long a touchpoint still `sending` is `unknown`.
pub const STUCK_AFTER_MINUTES: i64 = 10;
/// A draft whose sends were refused this often is left for a person (a permanent refusal
/// counts as all of them at once; a mailbox that cannot be reached counts none, and is simply
/// tried again later).
pub const MAX_ATTEMPTS: i64 = 3;
/// A failed send is tried again after this long, times the failures so far (at most
/// [`RETRY_STEPS`] times).
pub const RETRY_AFTER_MINUTES: i64 = 5;
/// The longest wait between two tries, in steps of [`RETRY_AFTER_MINUTES`].
pub const RETRY_STEPS: i64 = 6;
/// The recipients' business hours, local time, Monday to Friday.
pub const BUSINESS_HOURS: (u32, u32) = (8, 18);

/// What a send run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SendReport {
    /// Messages handed to an SMTP server (whatever came of it).
    pub attempted: usize,
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// Not delivered to the server: tried again later (up to three times) unless the server
    /// refused for good.
    pub failed: usize,
    /// Sends that may or may not have happened (interrupted, or the conversation broke while
    /// the message was on its way), now waiting for a person.
    pub unknown: usize,
    /// Emails whose send failed on OCC's side (logged with the draft's id); the run went on
    /// with the others.
    pub errors: usize,
    /// The run stopped early because the database stayed busy (another sender was writing);
    /// what is left goes in the next run.
    pub yielded: bool,
    /// The run stopped starting new sends when its time ran out (a worker tick starts new work
    /// for 20 seconds); what is left goes in the next run.
    pub out_of_time: bool,
    /// Why nothing could be sent, when sending is not configured.
    pub skipped: Option<String>,
}

/// The team's time zone and recipient domain cap, from the pacing settings.
#[derive(Deserialize)]
struct TeamRow {
    team_tz: String,
    domain_cap: i64,
}

/// What a run reads about an identity beside its columns: its sealed password, when it may
/// send next and its reserved sends per local day (a JSON object).
#[derive(Deserialize)]
struct SlotRow {
    password_encrypted: Option<Vec<u8>>,
    next_send_at: Option<String>,
    used: Option<String>,
}

/// What an identity may send on `day`: its cap, or while warming up the ramp's allowance.
pub fn allowance(identity: &Identity, day: NaiveDate) -> i64 {
    let Some(w) = &identity.warmup else { return identity.daily_cap };
    let Ok(start) = NaiveDate::parse_from_str(&w.start_date, "%Y-%m-%d") else { return identity.daily_cap };
    if day < start {
        return 0;
    }
    let days = (day - start).num_days();
    (w.first_day + days.saturating_mul(w.daily_increase)).min(identity.daily_cap)
}

/// Whether it is business hours for a recipient in `tz`.
pub fn business_hours(now: DateTime<Utc>, tz: Tz) -> bool {
    let local = now.with_timezone(&tz);
    local.weekday().number_from_monday() <= 5 && (BUSINESS_HOURS.0..BUSINESS_HOURS.1).contains(&local.hour())
}

/// Sends what is due (see the module's description). Needs `OCC_PUBLIC_URL` (for the
/// unsubscribe links) and `OCC_SECRET_KEY`.
pub async fn send_due(conn: &Conn, config: &Config, now: DateTime<Utc>, deadline: Instant) -> AppResult<SendReport> {
    send_within(conn, config, now, None, Some(deadline)).await
}

/// The most pages of the waiting list one run reads.
const MOST_PAGES: usize = 20;

/// Sends what is due, or only the draft `only` ("send now", under the same rules); for one
/// draft that cannot go now, `skipped` says why.
pub async fn send(conn: &Conn, config: &Config, now: DateTime<Utc>, only: Option<&str>) -> AppResult<SendReport> {
    send_within(conn, config, now, only, None).await
}

/// As [`send`], starting no new email after `deadline`.
async fn send_within(
    conn: &Conn,
    config: &Config,
    now: DateTime<Utc>,
    only: Option<&str>,
    deadline: Option<Instant>,
) -> AppResult<SendReport> {
    let mut report = SendReport::default();
    let at = stored(now);
    // One round trip: the sends a crash interrupted are marked, and the pacing settings and
    // the identities that may send are read.
    let mut start = Batch::new();
    let interrupted = start.push(
        "UPDATE touchpoints SET status = 'unknown', updated_at = ?1, \
         error = 'the send was interrupted: check the mailbox''s Sent folder, then mark it sent or failed' \
         WHERE status = 'sending' AND scheduled_at < ?2",
        libsql::params![at.as_str(), stored(now - Duration::minutes(STUCK_AFTER_MINUTES))],
    )?;
    let team = start.push(
        "SELECT coalesce((SELECT value ->> '$.timezone' FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1), 'UTC') \
           AS team_tz, \
         coalesce((SELECT value ->> '$.recipient_domain_daily_cap' FROM settings WHERE key = 'pacing' \
           ORDER BY version DESC LIMIT 1), ?1) AS domain_cap",
        [DOMAIN_DAILY_CAP],
    )?;
    let active = start.push(
        concat!(
            "SELECT ",
            identity_columns!(),
            ", password_encrypted, next_send_at, \
             (SELECT json_group_object(p.day, p.count) FROM pacing_identity_daily p WHERE p.identity_id = email_identities.id \
               AND p.day >= ?1) AS used FROM email_identities WHERE status = 'active'"
        ),
        [(now - Duration::days(2)).date_naive().to_string()],
    )?;
    let started = conn.batch(start).await?;
    report.unknown = started.changes(interrupted) as usize;
    if config.public_url.is_none() || config.secret_key.is_none() {
        report.skipped = Some("set OCC_PUBLIC_URL and OCC_SECRET_KEY to send email".to_owned());
        return Ok(report);
    }
    let TeamRow { team_tz, domain_cap } = started.one("settings", team, from_row)?;
    let mut slots = started.rows(active, |row| {
        let SlotRow { password_encrypted, next_send_at, used } = from_row(row)?;
        Ok(Slot {
            identity: identities::decode(row)?,
            sealed: password_encrypted,
            next_send_at,
            used: used.and_then(|u| serde_json::from_str(&u).ok()).unwrap_or_default(),
            resting: false,
        })
    })?;
    if slots.is_empty() {
        if only.is_some() {
            report.skipped = Some("no identity is active: add one under Settings > Identities".to_owned());
        }
        return Ok(report);
    }
    let secrets = SecretBox::from_key(config.secret_key.as_ref()).map_err(|e| AppError::Unavailable(e.to_string()))?;
    let team_day = now.with_timezone(&zone(&team_tz)).date_naive().to_string();
    let mut run = Run {
        conn,
        config,
        secrets: &secrets,
        now,
        at: &at,
        team_day: &team_day,
        domain_cap,
        slots: &mut slots,
        full_domains: HashSet::new(),
        report: &mut report,
        only: only.is_some(),
    };
    if let Some(draft) = only {
        match waiting::one(conn, draft, &team_tz).await? {
            Some(email) => {
                run.offer(email).await?;
            }
            None => run.why("it is no longer an approved email to an active person with an address".to_owned()),
        }
        return Ok(report);
    }
    let mut walk =
        Walk { team_tz: &team_tz, team_day: &team_day, domain_cap, zones: waiting::open_zones(now)?, after: None };
    for _ in 0..MOST_PAGES {
        let page = waiting::next_page(conn, &walk).await?;
        let full = page.len() == waiting::PAGE as usize;
        walk.after = page.last().map(|w| (w.created_at.clone(), w.draft.clone()));
        for email in page {
            if run.report.attempted >= SENDS_PER_TICK as usize {
                return Ok(report);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                run.report.out_of_time = true;
                return Ok(report);
            }
            let draft = email.draft.clone();
            // One email that fails (a database error, a bug) costs the run that email only.
            match AssertUnwindSafe(run.offer(email)).catch_unwind().await {
                Ok(Ok(Offer::Sent | Offer::Waits)) => {}
                Ok(Ok(Offer::NoIdentity)) => return Ok(report),
                Ok(Err(AppError::Busy)) => {
                    tracing::warn!(draft = %draft, "the database is busy: the rest waits for the next run");
                    run.report.yielded = true;
                    return Ok(report);
                }
                Ok(Err(err)) => {
                    run.report.errors += 1;
                    tracing::error!(draft = %draft, error = format!("{err:#}"), "sending one email failed");
                }
                Err(_) => {
                    run.report.errors += 1;
                    tracing::error!(draft = %draft, "sending one email panicked");
                }
            }
        }
        if !full {
            break;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::identities::{SendWindow, Warmup};
    use crate::domain::enums::{IdentityStatus, SmtpSecurity};

    fn identity(warmup: Option<Warmup>) -> Identity {
        Identity {
            id: "i".into(),
            from_name: "A".into(),
            from_email: "a@x.example".into(),
            smtp_host: "h".into(),
            smtp_port: 25,
            smtp_security: SmtpSecurity::None,
            smtp_username: None,
            has_password: false,
            daily_cap: 40,
            timezone: "UTC".into(),
            send_window: SendWindow { start_hour: 8, end_hour: 18, days: vec![1, 2, 3, 4, 5] },
            min_spacing_seconds: 60,
            warmup,
            signature: None,
            status: IdentityStatus::Active,
            imap_host: None,
            imap_port: None,
            imap_security: None,
            imap_username: None,
            has_imap_password: false,
            imap_enabled: false,
            mailbox_synced_at: None,
            mailbox_error: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn the_warm_up_ramps_to_the_cap() {
        let ramp = Warmup { start_date: "2026-11-01".into(), first_day: 5, daily_increase: 3 };
        let i = identity(Some(ramp));
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        assert_eq!(allowance(&i, day("2026-10-31")), 0, "not started");
        assert_eq!(allowance(&i, day("2026-11-01")), 5);
        assert_eq!(allowance(&i, day("2026-11-04")), 14);
        assert_eq!(allowance(&i, day("2026-12-31")), 40, "never past the cap");
        assert_eq!(allowance(&identity(None), day("2026-11-01")), 40);
    }

    #[test]
    fn business_hours_are_weekdays_in_the_recipients_zone() {
        // Thursday 26 November 2026, 15:00 UTC: 10:00 in New York, midnight in Tokyo.
        let at = DateTime::parse_from_rfc3339("2026-11-26T15:00:00Z").expect("time").with_timezone(&Utc);
        assert!(business_hours(at, chrono_tz::America::New_York));
        assert!(!business_hours(at, chrono_tz::Asia::Tokyo));
        let saturday = DateTime::parse_from_rfc3339("2026-11-28T15:00:00Z").expect("time").with_timezone(&Utc);
        assert!(!business_hours(saturday, chrono_tz::America::New_York));
    }

    #[test]
    fn every_message_ends_with_the_signature_and_the_opt_out() {
        let text = compose_body("Hi Ana,\n\nShort note.\n\n", Some("Bo\nSeller Inc."), "https://occ.example/u/1");
        assert_eq!(
            text,
            "Hi Ana,\n\nShort note.\n\n-- \nBo\nSeller Inc.\n\nNot interested? Unsubscribe here: https://occ.example/u/1\n"
        );
    }
}
