//! Login rate limits, held in the database so every serverless instance shares them: 15-minute
//! windows per client address and per email address, bumped in one statement. A window counts
//! with what is left of the one before it (the attempts of the last window weighted by the part
//! of it still within 15 minutes), so attempts on both sides of a window's start count
//! together rather than starting again from zero.

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;

use crate::domain::EmailAddress;
use crate::error::{AppError, AppResult};
use crate::store::{Batch, Outcome, Step, from_row};

/// Login attempts allowed per email address per window.
pub const LOGIN_PER_EMAIL: i64 = 10;
/// Login attempts allowed per client address per window (offices share one address).
pub const LOGIN_PER_IP: i64 = 30;
const WINDOW_MINUTES: u32 = 15;

/// The window `now` is in and the one before it (as stored), the seconds until the window
/// ends, and the weight of the window before it: the part of it still within 15 minutes.
fn window(now: DateTime<Utc>) -> Window {
    let start_minute = now.minute() - now.minute() % WINDOW_MINUTES;
    let start =
        now.with_minute(start_minute).and_then(|t| t.with_second(0)).and_then(|t| t.with_nanosecond(0)).unwrap_or(now);
    let length = chrono::Duration::minutes(i64::from(WINDOW_MINUTES));
    let end = start + length;
    let retry_after = u64::try_from((end - now).num_seconds()).unwrap_or(1).max(1);
    let left = (end - now).num_milliseconds() as f64 / length.num_milliseconds() as f64;
    let stored = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M").to_string();
    Window {
        current: stored(start),
        previous: stored(start - length),
        retry_after,
        previous_weight: left.clamp(0.0, 1.0),
    }
}

/// See [`window`].
struct Window {
    current: String,
    previous: String,
    retry_after: u64,
    previous_weight: f64,
}

/// The bucket of an email address, in its one spelling: however the address is typed, its
/// attempts count together.
pub fn email_bucket(email: &str) -> String {
    format!("login:email:{}", super::secrets::hash_secret(&EmailAddress::spelling(email)))
}

fn ip_bucket(ip: Option<std::net::IpAddr>) -> String {
    format!("login:ip:{}", ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()))
}

/// A login attempt counted in a batch ([`login_attempt_in`]).
#[derive(Debug)]
pub struct Attempt {
    counts: Step,
    ip_bucket: String,
    retry_after: u64,
    previous_weight: f64,
}

/// Counts one login attempt for `ip` and `email` in `batch`; [`Attempt::judge`] reads the
/// counts from the outcome.
pub fn login_attempt_in(batch: &mut Batch, ip: Option<std::net::IpAddr>, email: &str) -> AppResult<Attempt> {
    let window = window(Utc::now());
    let ip_bucket = ip_bucket(ip);
    let counts = batch.push(
        "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?1, ?3, 1), (?2, ?3, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = count + 1 RETURNING bucket, count, \
         coalesce((SELECT p.count FROM rate_limits p WHERE p.bucket = rate_limits.bucket AND p.window_start = ?4), 0) \
         AS previous",
        libsql::params![ip_bucket.as_str(), email_bucket(email), window.current, window.previous],
    )?;
    Ok(Attempt { counts, ip_bucket, retry_after: window.retry_after, previous_weight: window.previous_weight })
}

/// A bucket's count of an attempt: this window's, the attempt included, and the window's before.
#[derive(Deserialize)]
struct Count {
    bucket: String,
    count: i64,
    previous: i64,
}

impl Attempt {
    /// 429 when the address or the email is over its limit.
    pub fn judge(&self, outcome: &Outcome) -> AppResult<()> {
        let counts = outcome.rows(self.counts, from_row::<Count>)?;
        let over = counts.iter().any(|c| {
            let limit = if c.bucket == self.ip_bucket { LOGIN_PER_IP } else { LOGIN_PER_EMAIL };
            c.count as f64 + c.previous as f64 * self.previous_weight > limit as f64
        });
        if over { Err(AppError::RateLimited { retry_after_secs: self.retry_after }) } else { Ok(()) }
    }
}

/// After a successful sign-in only failures should count: the email's attempts are forgotten
/// (in this window and the one before) and this attempt is taken back from the address's count
/// (a statement of `batch`).
pub fn login_succeeded_in(batch: &mut Batch, ip: Option<std::net::IpAddr>, email: &str) -> AppResult<()> {
    let window = window(Utc::now());
    batch.push(
        "UPDATE rate_limits SET count = CASE WHEN bucket = ?1 THEN 0 ELSE max(count - 1, 0) END \
         WHERE (window_start = ?3 AND bucket IN (?1, ?2)) OR (window_start = ?4 AND bucket = ?1)",
        libsql::params![email_bucket(email), ip_bucket(ip), window.current, window.previous],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_spelling_of_an_address_shares_one_bucket() {
        assert_eq!(email_bucket("\u{212A}k@T.local "), email_bucket("kk@t.local"));
        assert_ne!(email_bucket("kk@t.local"), email_bucket("kl@t.local"));
    }

    #[test]
    fn windows_are_aligned_quarter_hours_and_the_one_before_fades_out() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 10, 22, 30).single().expect("time");
        let w = window(now);
        assert_eq!((w.current.as_str(), w.previous.as_str()), ("2026-11-25T10:15", "2026-11-25T10:00"));
        assert_eq!(w.retry_after, 7 * 60 + 30);
        assert!((w.previous_weight - 0.5).abs() < 1e-9, "{}", w.previous_weight);
        let start = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).single().expect("time");
        let w = window(start);
        assert_eq!((w.current.as_str(), w.previous.as_str()), ("2026-11-25T00:00", "2026-11-24T23:45"));
        assert_eq!(w.previous_weight, 1.0, "at a window's start the one before counts in full");
    }
}
