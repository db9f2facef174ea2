//! The rules an identity's fields follow, which creating and changing one both check, and the
//! sealing of its SMTP and IMAP passwords.

use chrono::NaiveDate;

use super::{Identity, SendWindow, Warmup};
use crate::crypto::SecretBox;
use crate::domain::enums::SmtpSecurity;
use crate::error::{AppError, AppResult};
use crate::http::Ctx;
use crate::validate::Check;

pub(super) fn range(c: &mut Check, field: &str, value: i64, low: i64, high: i64) -> i64 {
    if !(low..=high).contains(&value) {
        c.fail(field, "range", format!("must be from {low} to {high}"));
    }
    value
}

pub(super) fn check_window(c: &mut Check, w: &SendWindow) {
    range(c, "send_window.start_hour", w.start_hour, 0, 23);
    range(c, "send_window.end_hour", w.end_hour, 1, 24);
    if w.start_hour >= w.end_hour {
        c.fail("send_window.end_hour", "order", "must be after start_hour");
    }
    if w.days.is_empty() || w.days.iter().any(|d| !(1..=7).contains(d)) {
        c.fail("send_window.days", "range", "must list weekdays from 1 (Monday) to 7 (Sunday)");
    }
}

pub(super) fn check_warmup(c: &mut Check, w: &Warmup) {
    if NaiveDate::parse_from_str(&w.start_date, "%Y-%m-%d").is_err() {
        c.fail("warmup.start_date", "format", "must be a date such as 2026-12-01");
    }
    range(c, "warmup.first_day", w.first_day, 0, 10_000);
    range(c, "warmup.daily_increase", w.daily_increase, 0, 10_000);
}

pub(super) fn seal(ctx: &Ctx, password: &str) -> AppResult<Vec<u8>> {
    let secrets =
        SecretBox::from_key(ctx.config.secret_key.as_ref()).map_err(|e| AppError::Unavailable(e.to_string()))?;
    Ok(secrets.seal(password).map_err(AppError::Internal)?.into_bytes())
}

/// A password's length rule (SMTP or IMAP): at most 1000 characters.
pub(super) fn check_password(c: &mut Check, field: &str, password: &str) {
    if password.chars().count() > 1000 {
        c.fail(field, "max_length", "must be at most 1000 characters");
    }
}

/// The port an IMAP server listens on for `security` when none is given.
pub(super) fn default_imap_port(security: SmtpSecurity) -> i64 {
    match security {
        SmtpSecurity::Tls => 993,
        SmtpSecurity::Starttls | SmtpSecurity::None => 143,
    }
}

/// Which IMAP settings an identity has (as a change leaves them).
#[derive(Debug, Clone, Copy)]
pub(super) struct ImapPresence {
    pub enabled: bool,
    pub host: bool,
    pub port: bool,
    pub username: bool,
    pub password: bool,
}

impl From<&Identity> for ImapPresence {
    fn from(i: &Identity) -> Self {
        Self {
            enabled: i.imap_enabled,
            host: i.imap_host.is_some(),
            port: i.imap_port.is_some(),
            username: i.imap_username.is_some(),
            password: i.has_imap_password,
        }
    }
}

/// Reading the mailbox (`imap_enabled`) needs every IMAP setting: names each one missing.
pub(super) fn check_imap_complete(c: &mut Check, has: ImapPresence) {
    if !has.enabled {
        return;
    }
    let present = [
        ("imap_host", has.host),
        ("imap_port", has.port),
        ("imap_username", has.username),
        ("imap_password", has.password),
    ];
    for (field, present) in present {
        if !present && !c.failed(field) {
            c.fail(field, "required", "is needed to read the mailbox (imap_enabled)");
        }
    }
}
