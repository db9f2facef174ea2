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
pub(crate) mod now;
mod slots;
mod waiting;

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use futures_util::FutureExt as _;
use serde::Serialize;

use crate::audit::Actor;
use crate::config::Config;
use crate::contacts::actions::advance;
use crate::crypto::SecretBox;
use crate::domain::enums::Stage;
use crate::domain::new_id;
use crate::enrollments::due::{stored, zone};
use crate::error::{AppError, AppResult};
use crate::identities::{Identity, identity_columns};
use crate::sender::Failure;
use crate::store::{Conn, col};

pub use message::compose_body;
use message::deliver;
use slots::{Refusal, Reservation, Slot, reserve, settle};
use waiting::{Waiting, Walk};

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
/// The most emails one recipient domain gets in a day, across identities, unless the pacing
/// settings say otherwise.
pub const DOMAIN_DAILY_CAP: i64 = 10;

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
    /// Why nothing could be sent, when sending is not configured.
    pub skipped: Option<String>,
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
pub async fn send_due(conn: &Conn, config: &Config, now: DateTime<Utc>) -> AppResult<SendReport> {
    send(conn, config, now, None).await
}

/// The most pages of the waiting list one run reads.
const MOST_PAGES: usize = 20;

/// Sends what is due, or only the draft `only` ("send now", under the same rules); for one
/// draft that cannot go now, `skipped` says why.
pub async fn send(conn: &Conn, config: &Config, now: DateTime<Utc>, only: Option<&str>) -> AppResult<SendReport> {
    let mut report = SendReport::default();
    let at = stored(now);
    report.unknown = conn
        .execute(
            "UPDATE touchpoints SET status = 'unknown', updated_at = ?1, \
             error = 'the send was interrupted: check the mailbox''s Sent folder, then mark it sent or failed' \
             WHERE status = 'sending' AND scheduled_at < ?2",
            libsql::params![at.as_str(), stored(now - Duration::minutes(STUCK_AFTER_MINUTES))],
        )
        .await? as usize;
    if config.public_url.is_none() || config.secret_key.is_none() {
        report.skipped = Some("set OCC_PUBLIC_URL and OCC_SECRET_KEY to send email".to_owned());
        return Ok(report);
    }
    let (team_tz, domain_cap): (String, i64) = conn
        .query_one(
            "settings",
            "SELECT coalesce((SELECT value ->> '$.timezone' FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1), 'UTC'), \
             coalesce((SELECT value ->> '$.recipient_domain_daily_cap' FROM settings WHERE key = 'pacing' \
               ORDER BY version DESC LIMIT 1), ?1)",
            [DOMAIN_DAILY_CAP],
            |row| Ok((col(row, 0)?, col(row, 1)?)),
        )
        .await?;
    let mut slots = conn
        .query_all(
            concat!(
                "SELECT ",
                identity_columns!(),
                ", password_encrypted, next_send_at, \
                 (SELECT json_group_object(p.day, p.count) FROM pacing_identity_daily p WHERE p.identity_id = email_identities.id \
                   AND p.day >= ?1) FROM email_identities WHERE status = 'active'"
            ),
            [(now - Duration::days(2)).date_naive().to_string()],
            |row| {
                let used: Option<String> = col(row, 23)?;
                Ok(Slot {
                    identity: crate::identities::decode(row)?,
                    sealed: col(row, 21)?,
                    next_send_at: col(row, 22)?,
                    used: used.and_then(|u| serde_json::from_str(&u).ok()).unwrap_or_default(),
                    resting: false,
                })
            },
        )
        .await?;
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

/// What became of one email offered to the run.
enum Offer {
    /// It was handed to an SMTP server (whatever came of it).
    Sent,
    /// It cannot go now; the others may.
    Waits,
    /// No identity may send any more in this run.
    NoIdentity,
}

/// One send run's state.
struct Run<'a> {
    conn: &'a Conn,
    config: &'a Config,
    secrets: &'a SecretBox,
    now: DateTime<Utc>,
    at: &'a str,
    team_day: &'a str,
    domain_cap: i64,
    slots: &'a mut Vec<Slot>,
    /// Recipient domains that had their day's emails during this run.
    full_domains: HashSet<String>,
    report: &'a mut SendReport,
    /// A "send now" of one draft: say why it cannot go.
    only: bool,
}

impl Run<'_> {
    /// Why one draft could not go ("send now"); a whole run keeps quiet about each.
    fn why(&mut self, reason: String) {
        if self.only {
            self.report.skipped = Some(reason);
        }
    }

    /// Sends `email` if it can go now: an identity with room, the day's slots reserved with the
    /// touchpoint, then SMTP, then the outcome recorded. An email held back costs no attempt.
    async fn offer(&mut self, email: Waiting) -> AppResult<Offer> {
        let now = self.now;
        if email.failures >= MAX_ATTEMPTS {
            self.why(
                "the server refused it (see the touchpoint's error): check the address, then write it again".to_owned(),
            );
            return Ok(Offer::Waits);
        }
        let delay = RETRY_AFTER_MINUTES * email.tries.min(RETRY_STEPS);
        if email.last_failure.as_deref().is_some_and(|t| t > stored(now - Duration::minutes(delay)).as_str()) {
            self.why(format!("its last send failed; it is tried again {delay} minutes after"));
            return Ok(Offer::Waits);
        }
        if !business_hours(now, zone(&email.tz)) {
            self.why(waiting::outside_hours(&email.tz));
            return Ok(Offer::Waits);
        }
        let domain = email.domain().to_owned();
        if self.full_domains.contains(&domain) {
            return Ok(Offer::Waits);
        }
        loop {
            // The least used identity that may send now.
            let Some(slot) = self.slots.iter_mut().filter(|s| s.open(now)).min_by_key(|s| s.used_today(now)) else {
                self.why("no identity may send now (send window, daily cap, warm-up or spacing); it waits".to_owned());
                return Ok(Offer::NoIdentity);
            };
            let touch = new_id();
            let day = slot.today(now).to_string();
            let spacing = slot.identity.min_spacing_seconds;
            let jitter = if spacing > 0 { fastrand::i64(0..=spacing / 5) } else { 0 };
            let next = stored(now + Duration::seconds(spacing + jitter));
            let from_domain = slot.identity.from_email.rsplit_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
            let message_id = format!("<{touch}@{from_domain}>");
            let link = crate::unsubscribe::link(self.config, &email.contact).unwrap_or_default();
            let body = compose_body(&email.body, slot.identity.signature.as_deref(), &link);
            let key = format!("send:{}:{}", email.draft, email.tries + 1);
            let reservation = Reservation {
                touch: &touch,
                key: &key,
                email: &email,
                identity: &slot.identity.id,
                day: &day,
                cap: slot.cap_today(now),
                domain: &domain,
                team_day: self.team_day,
                domain_cap: self.domain_cap,
                next: &next,
                now: self.at,
                message_id: &message_id,
                body: &body,
            };
            match reserve(self.conn, &reservation).await? {
                Ok(()) => {}
                Err(Refusal::Identity) => {
                    // Another sender used it meanwhile: the next identity, if any.
                    slot.resting = true;
                    continue;
                }
                Err(Refusal::Domain) => {
                    self.full_domains.insert(domain);
                    self.why("the recipient's domain had its day's emails; it goes tomorrow".to_owned());
                    return Ok(Offer::Waits);
                }
                Err(Refusal::Taken) => {
                    self.why("it was not reserved: sent already, no longer approved, or suppressed".to_owned());
                    return Ok(Offer::Waits);
                }
            }
            slot.next_send_at = Some(next);
            slot.used.insert(day.clone(), serde_json::json!(slot.used_today(now) + 1));
            self.report.attempted += 1;
            let outcome = deliver(slot, self.secrets, &email, &message_id, &body, &link, self.config).await;
            let settled = settle(self.conn, &touch, &outcome, &slot.identity.id, &day, &domain, self.team_day).await?;
            if settled.released {
                slot.used.insert(day, serde_json::json!((slot.used_today(now) - 1).max(0)));
            }
            if matches!(outcome, Err(Failure::Mailbox(_))) {
                // The mailbox itself failed: its other messages wait for the next run.
                slot.resting = true;
            }
            if outcome.is_ok() {
                self.report.sent += 1;
                let actor = Actor { name: "sender".to_owned(), user_id: None, request_id: None };
                let ids = vec![email.contact.clone()];
                advance(self.conn, &actor, &ids, Stage::Touched, "contact.touched").await?;
                if email.break_up {
                    advance(self.conn, &actor, &ids, Stage::BreakUpSent, "contact.break_up_sent").await?;
                }
            } else if settled.status == "unknown" {
                self.report.unknown += 1;
            } else {
                self.report.failed += 1;
            }
            return Ok(Offer::Sent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::{IdentityStatus, SmtpSecurity};
    use crate::identities::{SendWindow, Warmup};

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
