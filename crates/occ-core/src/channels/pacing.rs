//! Today's pacing (`GET /api/v1/pacing`), in one call: every identity's cap, warm-up allowance,
//! used, in flight and remaining, and the caller's LinkedIn usage against the team's limits
//! (`crate::settings::pacing`).

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::identities::{self, Identity};
use super::sending::allowance;
use crate::access::Principal;
use crate::domain::zone;
use crate::error::{AppError, AppResult};
use crate::http::{self, Ctx};
use crate::settings::pacing::{Pacing, parse};
use crate::store::{Row, from_row};

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

/// The statement of today's pacing: one row per identity (one row of NULLs without any), each
/// with the team's settings and the caller's LinkedIn counters. `?1` is the first day of the
/// identities' counts to read, `?2` the caller, `?3` the first LinkedIn day ([`today_params`]).
/// Other reads wrap it (`SELECT p.*, ... FROM (pacing_today_sql!()) AS p`) to answer in the same call.
macro_rules! pacing_today_sql {
    () => {
        concat!(
            "SELECT ",
            $crate::channels::identities::identity_columns!(),
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
        )
    };
}
pub(crate) use pacing_today_sql;

/// The first three parameters of [`pacing_today_sql`]: the first day of identities' counts,
/// the caller, the first LinkedIn day.
pub(crate) fn today_params(principal: &Principal, now: DateTime<Utc>) -> [String; 3] {
    let since = (now - Duration::days(2)).date_naive().to_string();
    let week_ago = (now - Duration::days(8)).date_naive().to_string();
    [since, principal.user_id.clone(), week_ago]
}

/// One row of [`pacing_today_sql`], read by name.
#[derive(Debug, Clone)]
pub(crate) struct PacingRow {
    identity: Option<(Identity, Option<String>, i64)>,
    settings: Option<String>,
    linkedin_days: String,
    linkedin_weeks: String,
}

/// Reads one row of [`pacing_today_sql`].
pub(crate) fn pacing_row(row: &Row) -> AppResult<PacingRow> {
    let today: TodayRow = from_row(row)?;
    let identity = match today.id {
        Some(_) => Some((identities::decode(row)?, today.used, today.sending)),
        None => None,
    };
    Ok(PacingRow {
        identity,
        settings: today.settings,
        linkedin_days: today.linkedin_days,
        linkedin_weeks: today.linkedin_weeks,
    })
}

/// Today's pacing, one call: identities (cap, warm-up allowance, used, in flight, remaining)
/// and your LinkedIn usage against its limits.
#[utoipa::path(get, path = "/api/v1/pacing", tag = "identities", responses((status = 200, body = PacingToday)))]
pub(crate) async fn today(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let now = Utc::now();
    let [since, me, week_ago] = today_params(principal, now);
    let rows = ctx
        .conn()
        .await?
        .query_all(pacing_today_sql!(), libsql::params![since.as_str(), me.as_str(), week_ago.as_str()], pacing_row)
        .await?;
    http::ok(&pacing_of(rows, now)?)
}

/// Today's pacing from the rows of [`pacing_today_sql`].
pub(crate) fn pacing_of(rows: Vec<PacingRow>, now: DateTime<Utc>) -> AppResult<PacingToday> {
    let Some(first) = rows.first() else {
        return Err(AppError::Internal(anyhow::anyhow!("pacing: no row")));
    };
    let settings = parse(first.settings.as_deref());
    let (linkedin_days, linkedin_weeks) = (first.linkedin_days.clone(), first.linkedin_weeks.clone());
    let internal = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("pacing: {e}"));
    let mut out = Vec::new();
    for (identity, used, sending) in rows.into_iter().filter_map(|r| r.identity) {
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
    Ok(PacingToday { settings, identities: out, linkedin })
}
