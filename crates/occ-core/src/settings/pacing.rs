//! Pacing: the team's limits (`GET/PUT /api/v1/settings/pacing`, versioned like every setting)
//! and today's picture (`GET /api/v1/pacing`): every identity's cap, warm-up allowance, used,
//! in flight and remaining, and the caller's LinkedIn usage against its limits, in one call.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::Versioned;
use crate::access::Principal;
use crate::channels::identities::{self, Identity};
use crate::channels::sending::allowance;
use crate::domain::parse_timezone;
use crate::domain::zone;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, from_row};
use crate::validate::Check;

pub(crate) const PACING: &str = "pacing";

/// LinkedIn's default limits (SPEC.md section 2), until settings say otherwise: connection
/// requests a day.
pub const CONNECTIONS_PER_DAY: i64 = 20;
/// Connection requests a week.
pub const CONNECTIONS_PER_WEEK: i64 = 100;
/// Messages a day.
pub const MESSAGES_PER_DAY: i64 = 50;

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
            recipient_domain_daily_cap: crate::channels::sending::DOMAIN_DAILY_CAP,
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

/// An identity today.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IdentityToday {
    /// The identity.
    pub identity_id: String,
    /// Its address.
    pub from_email: String,
    /// active, paused or disabled.
    pub status: String,
    /// Its day (in its time zone).
    pub day: String,
    /// Its cap once warmed up.
    pub daily_cap: i64,
    /// What it may send today (the warm-up's allowance while ramping).
    pub allowance: i64,
    /// Slots taken today (sent, failed or in flight).
    pub used: i64,
    /// Of those, in flight now.
    pub sending: i64,
    /// What is left today.
    pub remaining: i64,
}

/// A LinkedIn limit today.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkedinToday {
    /// connection_sent or message_sent.
    pub kind: String,
    /// Today's count (yours).
    pub today: i64,
    /// The daily limit.
    pub daily_limit: i64,
    /// This week's count, for a kind with a weekly limit.
    pub this_week: Option<i64>,
    /// The weekly limit.
    pub weekly_limit: Option<i64>,
}

/// Today's pacing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PacingToday {
    /// The limits in use.
    pub settings: Pacing,
    /// Every identity.
    pub identities: Vec<IdentityToday>,
    /// Your LinkedIn actions against the limits.
    pub linkedin: Vec<LinkedinToday>,
}

/// What today's pacing reads beside an identity's columns: its sends reserved per local day
/// (JSON) and in flight, the stored pacing JSON and the caller's LinkedIn counters (JSON). The
/// one row there is without any identity has no `id`.
#[derive(Deserialize)]
struct TodayRow {
    id: Option<String>,
    used: Option<String>,
    sending: i64,
    settings: Option<String>,
    linkedin_days: String,
    linkedin_weeks: String,
}

/// Today's pacing, one call: identities (cap, warm-up allowance, used, in flight, remaining)
/// and your LinkedIn usage against its limits.
#[utoipa::path(get, path = "/api/v1/pacing", tag = "identities", responses((status = 200, body = PacingToday)))]
pub(crate) async fn today(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let now = Utc::now();
    let since = (now - Duration::days(2)).date_naive().to_string();
    let week_ago = (now - Duration::days(8)).date_naive().to_string();
    // One row per identity (one row of NULLs without any), each with the team's settings and
    // the caller's LinkedIn counters.
    let rows = ctx
        .conn()
        .await?
        .query_all(
            concat!(
                "SELECT ",
                identities::identity_columns!(),
                ", (SELECT json_group_object(p.day, p.count) FROM pacing_identity_daily p \
                     WHERE p.identity_id = email_identities.id AND p.day >= ?1) AS used, \
                   (SELECT count(*) FROM touchpoints t WHERE t.status = 'sending' AND t.identity_id = email_identities.id) \
                     AS sending, \
                   (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1) AS settings, \
                   (SELECT json_group_object(l.kind || '/' || l.day, l.count) FROM pacing_linkedin_daily l \
                     WHERE l.user_id = ?2 AND l.day >= ?3) AS linkedin_days, \
                   (SELECT json_group_object(w.kind || '/' || w.week, w.count) FROM pacing_linkedin_weekly w WHERE w.user_id = ?2) \
                     AS linkedin_weeks \
                 FROM (SELECT 1) LEFT JOIN email_identities ON true ORDER BY from_address"
            ),
            libsql::params![since.as_str(), principal.user_id.as_str(), week_ago.as_str()],
            |row| {
                let today: TodayRow = from_row(row)?;
                let identity = match today.id {
                    Some(_) => Some((identities::decode(row)?, today.used, today.sending)),
                    None => None,
                };
                Ok((identity, today.settings, today.linkedin_days, today.linkedin_weeks))
            },
        )
        .await?;
    let Some((_, settings, linkedin_days, linkedin_weeks)) = rows.first().cloned() else {
        return Err(AppError::Internal(anyhow::anyhow!("pacing: no row")));
    };
    let settings = parse(settings.as_deref());
    let internal = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("pacing: {e}"));
    let mut out = Vec::new();
    for (identity, used, sending) in rows.into_iter().filter_map(|(identity, ..)| identity) {
        let identity: Identity = identity;
        let day = now.with_timezone(&zone(&identity.timezone)).date_naive();
        let used: serde_json::Map<String, serde_json::Value> =
            used.and_then(|u| serde_json::from_str(&u).ok()).unwrap_or_default();
        let used = used.get(&day.to_string()).and_then(serde_json::Value::as_i64).unwrap_or(0);
        let allowed = allowance(&identity, day);
        out.push(IdentityToday {
            identity_id: identity.id,
            from_email: identity.from_email,
            status: identity.status.to_string(),
            day: day.to_string(),
            daily_cap: identity.daily_cap,
            allowance: allowed,
            used,
            sending,
            remaining: (allowed - used).max(0),
        });
    }
    let days: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&linkedin_days).map_err(internal)?;
    let weeks: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&linkedin_weeks).map_err(internal)?;
    let (day, week) = settings.day_and_week(now);
    let count = |map: &serde_json::Map<String, serde_json::Value>, key: String| {
        map.get(&key).and_then(serde_json::Value::as_i64).unwrap_or(0)
    };
    let linkedin = ["connection_sent", "message_sent"]
        .into_iter()
        .map(|kind| {
            let (daily_limit, weekly_limit) = settings.linkedin_limits(kind);
            LinkedinToday {
                kind: kind.to_owned(),
                today: count(&days, format!("{kind}/{day}")),
                daily_limit,
                this_week: weekly_limit.map(|_| count(&weeks, format!("{kind}/{week}"))),
                weekly_limit,
            }
        })
        .collect();
    http::ok(&PacingToday { settings, identities: out, linkedin })
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
