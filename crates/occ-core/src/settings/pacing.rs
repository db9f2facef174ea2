//! Pacing: the team's limits (`GET/PUT /api/v1/settings/pacing`, versioned like every setting),
//! and LinkedIn's slots taken against them. Today's picture of them (`GET /api/v1/pacing`) is
//! the channels' (`crate::channels::pacing`).

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Versioned;
use crate::access::Principal;
use crate::domain::parse_timezone;
use crate::domain::zone;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::Batch;
use crate::validate::Check;

pub(crate) const PACING: &str = "pacing";

/// LinkedIn's default limits (SPEC.md section 2), until settings say otherwise: connection
/// requests a day.
pub const CONNECTIONS_PER_DAY: i64 = 20;
/// Connection requests a week.
pub const CONNECTIONS_PER_WEEK: i64 = 100;
/// Messages a day.
pub const MESSAGES_PER_DAY: i64 = 50;
/// The most emails one recipient domain gets in a day, across identities, unless the settings
/// say otherwise.
pub const DOMAIN_DAILY_CAP: i64 = 10;

/// The team's pacing limits. LinkedIn's count per person (each sends from their own account),
/// in the team's time zone; the domain cap counts across identities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Pacing {
    /// The team's IANA time zone (contacts and accounts without one use it).
    pub timezone: String,
    /// Emails to one recipient domain a day, across identities.
    pub recipient_domain_daily_cap: i64,
    /// LinkedIn connection requests a day.
    pub linkedin_connections_daily: i64,
    /// LinkedIn connection requests a week (ISO, from Monday).
    pub linkedin_connections_weekly: i64,
    /// LinkedIn messages (and InMails) a day.
    pub linkedin_messages_daily: i64,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            timezone: "UTC".to_owned(),
            recipient_domain_daily_cap: DOMAIN_DAILY_CAP,
            linkedin_connections_daily: CONNECTIONS_PER_DAY,
            linkedin_connections_weekly: CONNECTIONS_PER_WEEK,
            linkedin_messages_daily: MESSAGES_PER_DAY,
        }
    }
}

impl Pacing {
    fn validate(mut self) -> AppResult<Self> {
        let mut c = Check::default();
        match parse_timezone(&self.timezone) {
            Ok(tz) => self.timezone = tz,
            Err(m) => c.fail("timezone", "format", m),
        }
        for (field, value, high) in [
            ("recipient_domain_daily_cap", self.recipient_domain_daily_cap, 10_000),
            ("linkedin_connections_daily", self.linkedin_connections_daily, 1_000),
            ("linkedin_connections_weekly", self.linkedin_connections_weekly, 5_000),
            ("linkedin_messages_daily", self.linkedin_messages_daily, 1_000),
        ] {
            if !(0..=high).contains(&value) {
                c.fail(field, "range", format!("must be from 0 to {high}"));
            }
        }
        if self.linkedin_connections_weekly < self.linkedin_connections_daily {
            c.fail("linkedin_connections_weekly", "order", "must be at least the daily limit");
        }
        c.finish(self)
    }

    /// Today and this ISO week in the team's time zone: (`YYYY-MM-DD`, `YYYY-Www`).
    pub fn day_and_week(&self, now: DateTime<Utc>) -> (String, String) {
        let local = now.with_timezone(&zone(&self.timezone)).date_naive();
        (local.to_string(), iso_week(local))
    }

    /// The limit of a LinkedIn event kind per day, and per week when it has one.
    pub fn linkedin_limits(&self, event: &str) -> (i64, Option<i64>) {
        match event {
            "connection_sent" => (self.linkedin_connections_daily, Some(self.linkedin_connections_weekly)),
            _ => (self.linkedin_messages_daily, None),
        }
    }
}

/// The ISO week of `day`, as the weekly counts are keyed: `YYYY-Www`.
pub fn iso_week(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

/// The stored pacing JSON as of the statement, one row of one column (NULL before anyone saved
/// one).
pub(crate) const STORED: &str =
    "SELECT (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1)";

/// Reads the stored pacing JSON (or the defaults); values a stored version lacks default.
pub fn parse(stored: Option<&str>) -> Pacing {
    stored.and_then(|s| serde_json::from_str::<Pacing>(s).ok()).unwrap_or_default()
}

/// The pacing limits in use.
#[utoipa::path(get, path = "/api/v1/settings/pacing", tag = "settings", responses((status = 200, body = Versioned<Pacing>)))]
pub(crate) async fn get(ctx: &Ctx, _req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&super::current::<Pacing>(&ctx.conn().await?, PACING).await?)
}

/// Replace the pacing limits (admins); saved as a new version.
#[utoipa::path(put, path = "/api/v1/settings/pacing", tag = "settings", request_body = Pacing,
    responses((status = 200, body = Versioned<Pacing>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn put(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let pacing = http::body_json::<Pacing>(&req)?.validate()?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let saved = super::save(&conn, &actor, PACING, &pacing).await?;
    http::ok(&Versioned { created_by_name: Some(principal.name.clone()), ..saved })
}

/// Takes a LinkedIn action's slot for `user` today (and this week) in the caller's batch: the
/// counters rise only while under the limits, so two requests racing cannot pass a limit. A
/// limit reached refuses the whole batch with a 409 that says when it can be done.
pub(crate) fn take_linkedin_slot(
    batch: &mut Batch,
    pacing: &Pacing,
    user: &str,
    event: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    take_slot(batch, pacing, user, event, None, now)
}

/// As [`take_linkedin_slot`], for the touch `touch` the batch records, whose kind the code does
/// not know (the batch derives it from its draft): the slot is taken only if the touch is of a
/// kind that `event` counts.
pub(crate) fn take_linkedin_slot_for(
    batch: &mut Batch,
    pacing: &Pacing,
    user: &str,
    event: &str,
    touch: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    take_slot(batch, pacing, user, event, Some(touch), now)
}

/// Whether the slot statements of [`take_slot`] count: always without a touch (`?5` NULL), else
/// when the touch `?5` is of one of the kinds `?6` (a JSON array).
macro_rules! counted_sql {
    () => {
        "(?5 IS NULL OR (SELECT t.kind FROM touchpoints t WHERE t.id = ?5) IN (SELECT value FROM json_each(?6)))"
    };
}

fn take_slot(
    batch: &mut Batch,
    pacing: &Pacing,
    user: &str,
    event: &str,
    touch: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (day, week) = pacing.day_and_week(now);
    let (daily, weekly) = pacing.linkedin_limits(event);
    let what = if event == "connection_sent" { "connection requests" } else { "LinkedIn messages" };
    let kinds = if event == "connection_sent" {
        r#"["linkedin_connect"]"#
    } else {
        r#"["linkedin_message", "linkedin_inmail"]"#
    };
    batch.push(
        concat!(
            "INSERT INTO pacing_linkedin_daily (user_id, kind, day, count) SELECT ?1, ?2, ?3, 1 WHERE ",
            counted_sql!(),
            " ON CONFLICT (user_id, kind, day) DO UPDATE SET count = count + 1 WHERE count < ?4"
        ),
        libsql::params![user, event, day.as_str(), daily, touch, kinds],
    )?;
    // Counted (the row was written) and within the limit (a first one counts too).
    batch.require(
        concat!(
            "NOT ",
            counted_sql!(),
            " OR (changes() = 1 AND (SELECT count FROM pacing_linkedin_daily WHERE user_id = ?1 AND kind = ?2 AND day = ?3) <= ?4)"
        ),
        libsql::params![user, event, day.as_str(), daily, touch, kinds],
        AppError::refused("kind", "daily_limit", format!("today's limit of {daily} {what} is reached; this waits for tomorrow")),
    )?;
    if let Some(weekly) = weekly {
        batch.push(
            concat!(
                "INSERT INTO pacing_linkedin_weekly (user_id, kind, week, count) SELECT ?1, ?2, ?3, 1 WHERE ",
                counted_sql!(),
                " ON CONFLICT (user_id, kind, week) DO UPDATE SET count = count + 1 WHERE count < ?4"
            ),
            libsql::params![user, event, week.as_str(), weekly, touch, kinds],
        )?;
        batch.require(
            concat!(
                "NOT ",
                counted_sql!(),
                " OR (changes() = 1 AND (SELECT count FROM pacing_linkedin_weekly WHERE user_id = ?1 AND kind = ?2 AND week = ?3) <= ?4)"
            ),
            libsql::params![user, event, week.as_str(), weekly, touch, kinds],
            AppError::refused("kind", "weekly_limit", format!("this week's limit of {weekly} {what} is reached; this waits for Monday")),
        )?;
    }
    Ok(())
}
