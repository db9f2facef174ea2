//! One send run's way with each email: held back (costing nothing) or handed to an identity
//! with room, its slots reserved with the touchpoint, then SMTP, then the outcome recorded.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::message::deliver;
use super::slots::{Refusal, Reservation, Slot, reserve, settle};
use super::waiting::{self, Waiting};
use super::{MAX_ATTEMPTS, RETRY_AFTER_MINUTES, RETRY_STEPS, SendReport, business_hours, compose_body};
use crate::audit::Actor;
use crate::channels::sender::Failure;
use crate::config::Config;
use crate::contacts::actions::advance;
use crate::crypto::SecretBox;
use crate::domain::enums::Stage;
use crate::domain::new_id;
use crate::domain::{stored, zone};
use crate::error::AppResult;
use crate::store::Conn;

/// What became of one email offered to the run.
pub(super) enum Offer {
    /// It was handed to an SMTP server (whatever came of it).
    Sent,
    /// It cannot go now; the others may.
    Waits,
    /// No identity may send any more in this run.
    NoIdentity,
}

/// One send run's state.
pub(super) struct Run<'a> {
    pub(super) conn: &'a Conn,
    pub(super) config: &'a Config,
    pub(super) secrets: &'a SecretBox,
    pub(super) now: DateTime<Utc>,
    pub(super) at: &'a str,
    pub(super) team_day: &'a str,
    pub(super) domain_cap: i64,
    pub(super) slots: &'a mut Vec<Slot>,
    /// Recipient domains that had their day's emails during this run.
    pub(super) full_domains: HashSet<String>,
    pub(super) report: &'a mut SendReport,
    /// A "send now" of one draft: say why it cannot go.
    pub(super) only: bool,
}

impl Run<'_> {
    /// Why one draft could not go ("send now"); a whole run keeps quiet about each.
    pub(super) fn why(&mut self, reason: String) {
        if self.only {
            self.report.skipped = Some(reason);
        }
    }

    /// Sends `email` if it can go now: an identity with room, the day's slots reserved with the
    /// touchpoint, then SMTP, then the outcome recorded. An email held back costs no attempt.
    pub(super) async fn offer(&mut self, email: Waiting) -> AppResult<Offer> {
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
            let message_id = crate::channels::sender::message_id(&slot.identity.from_email, &touch);
            let link = crate::channels::unsubscribe::link(self.config, &email.contact).unwrap_or_default();
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
