//! LinkedIn, worked by hand: OCC never automates it. Requests and messages are recorded when a
//! task is marked done (touchpoints, under the pacing limits); what happens on LinkedIn
//! afterwards (an accepted request, a reply, a profile view) is recorded here, and the stats
//! show the day, the week and the acceptance rate.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Access::Signed;
use crate::access::Action::{ReadData, WriteData};
use crate::access::Principal;
use crate::audit;
use crate::domain::enums::LinkedinEventKind;
use crate::domain::{new_id, now};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::handler;
use crate::http::{self, Ctx, Query, RequestMeta, Routes};
use crate::settings::pacing::{self, Pacing, iso_week};
use crate::store::{from_row, single};
use crate::validate::Check;

/// LinkedIn's routes (in the outreach family).
pub fn routes() -> Routes {
    Routes::new().post("/api/v1/linkedin/events", Signed(WriteData), handler!(record)).get(
        "/api/v1/linkedin/stats",
        Signed(ReadData),
        handler!(stats),
    )
}

/// `POST /api/v1/linkedin/events`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordEvent {
    /// Who.
    pub contact_id: String,
    /// connection_accepted, reply_received or profile_viewed (requests and messages are recorded
    /// by marking their task done).
    pub kind: LinkedinEventKind,
    /// When (RFC 3339; default now).
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// What happened.
    #[serde(default)]
    pub note: Option<String>,
}

/// A recorded LinkedIn event.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[allow(missing_docs)]
pub struct Event {
    pub id: String,
    pub contact_id: String,
    pub kind: String,
    pub occurred_at: String,
}

/// Record what happened on LinkedIn: a request accepted, a reply, a profile view.
#[utoipa::path(post, path = "/api/v1/linkedin/events", tag = "linkedin", request_body = RecordEvent,
    responses((status = 201, body = Event), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn record(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: RecordEvent = http::body_json(&req)?;
    let mut c = Check::default();
    let contact_id = uuid::Uuid::try_parse(body.contact_id.trim())
        .map(|u| u.to_string())
        .map_err(|_| c.fail("contact_id", "format", "must be an id"))
        .unwrap_or_default();
    if !matches!(
        body.kind,
        LinkedinEventKind::ConnectionAccepted | LinkedinEventKind::ReplyReceived | LinkedinEventKind::ProfileViewed
    ) {
        c.fail("kind", "one_of", "requests and messages are recorded by marking their task done");
    }
    let occurred_at = match body.occurred_at.as_deref() {
        Some(t) => http::parse_time("occurred_at", t)
            .map_err(|_| c.fail("occurred_at", "format", "must be an RFC 3339 time"))
            .ok(),
        None => Some(now()),
    }
    .unwrap_or_default();
    let note = c.prose("note", body.note, 5000);
    c.finish(())?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let id = new_id();
    let at = now();
    let conn = ctx.conn().await?;
    conn.immediate(async |conn| {
        let owner: Option<Option<String>> =
            conn.query_opt("SELECT owner_id FROM contacts WHERE id = ?1", [contact_id.as_str()], single).await?;
        let Some(owner) = owner else {
            return Err(AppError::invalid("contact_id", "exists", "no contact has this id"));
        };
        principal.require_owner(owner.as_deref())?;
        conn.write(
            "INSERT INTO linkedin_events (id, kind, contact_id, user_id, note, occurred_at, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            libsql::params![
                id.as_str(),
                body.kind.as_str(),
                contact_id.as_str(),
                principal.user_id.as_str(),
                note,
                occurred_at.as_str(),
                at.as_str()
            ],
        )
        .await?;
        let view = serde_json::json!({"contact_id": contact_id, "kind": body.kind});
        audit::record_with(conn, &actor, "linkedin.event", "linkedin_event", &id, None, Some(&view)).await
    })
    .await?;
    let event = Event { id: id.clone(), contact_id, kind: body.kind.as_str().to_owned(), occurred_at };
    http::created(&format!("/api/v1/linkedin/events/{id}"), &event)
}

/// LinkedIn's numbers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// mine or team.
    pub scope: String,
    /// The limits (per person).
    pub limits: Pacing,
    /// Today (the team's time zone), by kind.
    #[schema(value_type = Object)]
    pub today: serde_json::Value,
    /// This ISO week, by kind (the kinds with weekly limits).
    #[schema(value_type = Object)]
    pub this_week: serde_json::Value,
    /// The last `days` days (whole UTC days, from the day `days` ago), by kind.
    #[schema(value_type = Object)]
    pub period: serde_json::Value,
    /// The days counted in `period`.
    pub days: i64,
    /// Accepted requests over sent requests in the period (none without requests).
    pub acceptance_rate: Option<f64>,
    /// Per day (UTC) and kind: `[day, kind, count]`.
    #[schema(value_type = Vec<Object>)]
    pub daily: serde_json::Value,
}

/// What [`stats`] reads in one statement: the stored pacing settings, and the counts by day, by
/// week and by day of the period, each a JSON list of `[day or week, kind, count]`.
#[derive(Deserialize)]
struct StatsRow {
    stored: Option<String>,
    by_day: String,
    by_week: String,
    daily: String,
}

/// LinkedIn's daily and weekly counts, the last `days` (1-90, default 30) with the acceptance
/// rate; yours, or the team's with `scope=team`.
#[utoipa::path(get, path = "/api/v1/linkedin/stats", tag = "linkedin",
    params(("scope" = Option<String>, Query), ("days" = Option<i64>, Query)),
    responses((status = 200, body = Stats), (status = 422, body = ErrorResponse)))]
pub(crate) async fn stats(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let team = q.team_scope(principal)?;
    let days = q.whole("days", 1..=90, 30)?;
    q.finish()?;
    let conn = ctx.conn().await?;
    // Today and this week are the team's, in its time zone, which is part of what is read: the
    // counts of every day and week it may be anywhere on Earth come with it, in one statement.
    let now_utc = Utc::now();
    let candidates: Vec<NaiveDate> = [-1, 0, 1].map(|d| now_utc.date_naive() + Duration::days(d)).to_vec();
    let days_of = serde_json::to_string(&candidates.iter().map(ToString::to_string).collect::<Vec<_>>());
    let weeks_of = serde_json::to_string(&candidates.iter().map(|d| iso_week(*d)).collect::<Vec<_>>());
    let internal = |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("linkedin stats: {e}"));
    let (days_of, weeks_of) = (days_of.map_err(internal)?, weeks_of.map_err(internal)?);
    let since = (now_utc - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let StatsRow { stored, by_day, by_week, daily } = conn
        .query_one(
            "stats",
            "SELECT \
               (SELECT value FROM settings WHERE key = 'pacing' ORDER BY version DESC LIMIT 1) AS stored, \
               (SELECT json_group_array(json_array(day, kind, n)) FROM (SELECT day, kind, sum(count) AS n \
                  FROM pacing_linkedin_daily WHERE day IN (SELECT value FROM json_each(?1)) AND (?3 OR user_id = ?4) \
                  GROUP BY day, kind)) AS by_day, \
               (SELECT json_group_array(json_array(week, kind, n)) FROM (SELECT week, kind, sum(count) AS n \
                  FROM pacing_linkedin_weekly WHERE week IN (SELECT value FROM json_each(?2)) AND (?3 OR user_id = ?4) \
                  GROUP BY week, kind)) AS by_week, \
               (SELECT json_group_array(json_array(day, kind, n)) FROM (SELECT day, kind, sum(n) AS n \
                  FROM linkedin_daily WHERE day >= substr(?5, 1, 10) AND (?3 OR user_key = ?4) \
                  GROUP BY day, kind HAVING sum(n) > 0 ORDER BY day, kind)) AS daily",
            libsql::params![days_of, weeks_of, team, principal.user_id.as_str(), since.as_str()],
            from_row,
        )
        .await?;
    let limits = pacing::parse(stored.as_deref());
    let (day, week) = limits.day_and_week(now_utc);
    let counts_of = |rows: &str, at: &str| -> AppResult<serde_json::Value> {
        let rows: serde_json::Value = serde_json::from_str(rows).map_err(internal)?;
        let counts: serde_json::Map<String, serde_json::Value> = rows
            .as_array()
            .into_iter()
            .flatten()
            .filter(|row| row[0].as_str() == Some(at))
            .filter_map(|row| Some((row[1].as_str()?.to_owned(), row[2].clone())))
            .collect();
        Ok(serde_json::Value::Object(counts))
    };
    let (today, this_week) = (counts_of(&by_day, &day)?, counts_of(&by_week, &week)?);
    let daily: serde_json::Value = serde_json::from_str(&daily).map_err(internal)?;
    let mut period = serde_json::Map::new();
    for row in daily.as_array().into_iter().flatten() {
        if let (Some(kind), Some(n)) = (row[1].as_str(), row[2].as_i64()) {
            let total = period.get(kind).and_then(serde_json::Value::as_i64).unwrap_or(0) + n;
            period.insert(kind.to_owned(), total.into());
        }
    }
    let count = |k: &str| period.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
    let sent = count("connection_sent");
    let acceptance_rate = (sent > 0).then(|| count("connection_accepted") as f64 / sent as f64);
    http::ok(&Stats {
        scope: if team { "team" } else { "mine" }.to_owned(),
        limits,
        today,
        this_week,
        period: serde_json::Value::Object(period),
        days,
        acceptance_rate,
        daily,
    })
}
