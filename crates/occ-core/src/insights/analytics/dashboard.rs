//! `GET /api/v1/dashboard`: the manager's start page in one database call. The pipeline by
//! stage, today's pacing against every limit, replies waiting, meetings in the next seven days,
//! the funnel over a period with the conversion between its steps, and the period's figures
//! with their daily series and their change against the period before.

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::change;
use crate::access::Principal;
use crate::channels::pacing::{PacingRow, PacingToday, pacing_of, pacing_row, pacing_today_sql, today_params};
use crate::domain::enums::Stage;
use crate::domain::stored;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Query};
use crate::store::{Row, from_row};

/// A stage's contacts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageCount {
    /// The stage.
    pub stage: Stage,
    /// Contacts in it now.
    pub count: i64,
}

/// The period the funnel and the figures cover: the team's days, both included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// The first day.
    pub from: String,
    /// The last day (the team's today).
    pub to: String,
    /// Its length.
    pub days: i64,
}

/// A step of the funnel: how many reached it in the period, how many in the period before,
/// and the share of the step before it that this count is.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelStep {
    /// new, touched, replied, positive, meeting_booked, meeting_held or opportunity.
    pub step: &'static str,
    /// How it reads.
    pub label: &'static str,
    /// In the period.
    pub count: i64,
    /// In the period before.
    pub previous: i64,
    /// count / the step before's count (null for the first step or after a zero).
    pub conversion: Option<f64>,
}

/// A day's value.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayValue {
    /// The team's day.
    pub day: String,
    /// Its count.
    pub value: i64,
}

/// A figure of the period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Figure {
    /// sends, replies, positive or meetings.
    pub metric: &'static str,
    /// How it reads.
    pub label: &'static str,
    /// In the period.
    pub value: i64,
    /// In the period before.
    pub previous: i64,
    /// (value − previous) / previous; null when there was nothing before.
    pub change: Option<f64>,
    /// Every day of the period, zeros included.
    pub series: Vec<DayValue>,
}

/// `GET /api/v1/dashboard`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// mine or team.
    pub scope: &'static str,
    /// The period of the funnel and the figures.
    pub period: Period,
    /// Contacts per stage (yours, or the team's), every stage.
    pub pipeline: Vec<StageCount>,
    /// Today's pacing: every identity's allowance and use, your LinkedIn actions and limits.
    pub pacing: PacingToday,
    /// Replies waiting for a person (yours and nobody's, or the team's).
    pub replies_waiting: i64,
    /// Booked meetings from now to seven days from now.
    pub meetings_this_week: i64,
    /// New contacts, first touches, replies, positive replies, meetings booked, held and
    /// opportunities created in the period.
    pub funnel: Vec<FunnelStep>,
    /// Sends, replies, positive replies and meetings in the period.
    pub figures: Vec<Figure>,
}

#[derive(Deserialize)]
struct DashRow {
    dash_today: String,
    dash_pipeline: String,
    dash_replies_waiting: i64,
    dash_meetings: i64,
    dash_activity: String,
}

/// Today's pacing (`?1`-`?3`), and beside each of its rows: the team's today (`?4` is now),
/// the pipeline, replies waiting and booked meetings until `?6` (`?5`: the team's, or the
/// caller's `?2`), and the activity per day from `?7`:
/// `[day, new, first touches, sends, replies, positive, meetings, held, opportunities]`.
const DASHBOARD: &str = concat!(
    "SELECT p.*, d.* FROM (",
    pacing_today_sql!(),
    ") AS p, (SELECT ",
    crate::team_date!("?4"),
    " AS dash_today, \
     (SELECT json_group_array(json_array(c.stage, c.n)) FROM (SELECT stage, sum(n) AS n FROM contact_stage_counts \
        WHERE ?5 OR owner_key = ?2 GROUP BY stage) AS c) AS dash_pipeline, \
     (SELECT ifnull(sum(n), 0) FROM queue_counts WHERE lane = 'reply' AND (?5 OR owner_key IN (?2, ''))) AS dash_replies_waiting, \
     (SELECT count(*) FROM opportunities o WHERE o.status = 'meeting_booked' AND o.meeting_at >= ?4 AND o.meeting_at < ?6 \
        AND (?5 OR o.owner_id = ?2)) AS dash_meetings, \
     (SELECT json_group_array(json_array(a.day, a.nc, a.ft, a.s, a.r, a.pos, a.m, a.h, a.o)) FROM \
        (SELECT day, sum(new_contacts) AS nc, sum(first_touches) AS ft, sum(sends) AS s, sum(replies) AS r, \
           sum(positive) AS pos, sum(meetings) AS m, sum(held) AS h, sum(opportunities) AS o \
         FROM activity_daily WHERE day >= ?7 AND (?5 OR owner_key = ?2) GROUP BY day) AS a) AS dash_activity) AS d"
);

/// The funnel's steps and the activity column each counts.
const FUNNEL: [(&str, &str, usize); 7] = [
    ("new", "New contacts", 1),
    ("touched", "Touched", 2),
    ("replied", "Replied", 4),
    ("positive", "Positive", 5),
    ("meeting_booked", "Meeting booked", 6),
    ("meeting_held", "Meeting held", 7),
    ("opportunity", "Opportunity", 8),
];

/// The figures and the activity column each counts.
const FIGURES: [(&str, &str, usize); 4] = [
    ("sends", "Sends", 3),
    ("replies", "Replies", 4),
    ("positive", "Positive replies", 5),
    ("meetings", "Meetings booked", 6),
];

/// The dashboard: yours by default (a viewer's is the team's), `scope=team` for everyone's;
/// `days` (1-365, default 30) is the period of the funnel and the figures, ending today.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "analytics",
    params(("scope" = Option<String>, Query), ("days" = Option<i64>, Query)),
    responses((status = 200, body = Dashboard), (status = 422, body = ErrorResponse)))]
pub(crate) async fn dashboard(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let team = q.team_scope(principal)?;
    let days = q.whole("days", 1..=365, 30)?;
    q.finish()?;
    let now = Utc::now();
    let [since, me, week_ago] = today_params(principal, now);
    // Two periods back and a day either side for the team's zone.
    let first_day = (now - Duration::days(2 * days + 2)).date_naive().to_string();
    let params = libsql::params![
        since.as_str(),
        me.as_str(),
        week_ago.as_str(),
        stored(now),
        team,
        stored(now + Duration::days(7)),
        first_day.as_str()
    ];
    let rows = ctx
        .conn()
        .await?
        .query_all(DASHBOARD, params, |row: &Row| Ok((pacing_row(row)?, from_row::<DashRow>(row)?)))
        .await?;
    http::ok(&assemble(rows, team, days, now)?)
}

/// The dashboard from the rows of [`DASHBOARD`].
fn assemble(
    rows: Vec<(PacingRow, DashRow)>,
    team: bool,
    days: i64,
    now: chrono::DateTime<Utc>,
) -> AppResult<Dashboard> {
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(anyhow::anyhow!("dashboard: {e}"));
    let (pacing, mut dash): (Vec<PacingRow>, Vec<DashRow>) = rows.into_iter().unzip();
    let Some(d) = dash.pop() else { return Err(internal(&"no row")) };
    let today = NaiveDate::parse_from_str(&d.dash_today, "%Y-%m-%d").map_err(|e| internal(&e))?;
    let from = today - Duration::days(days - 1);
    let before = from - Duration::days(days);
    let stages: Vec<(Stage, i64)> = serde_json::from_str(&d.dash_pipeline).map_err(|e| internal(&e))?;
    let pipeline = Stage::ALL
        .iter()
        .map(|&stage| StageCount { stage, count: stages.iter().filter(|(s, _)| *s == stage).map(|(_, n)| n).sum() })
        .collect();
    let activity: Vec<(String, [i64; 8])> = serde_json::from_str::<Vec<serde_json::Value>>(&d.dash_activity)
        .map_err(|e| internal(&e))?
        .into_iter()
        .filter_map(|row| {
            let row = row.as_array()?;
            let day = row.first()?.as_str()?.to_owned();
            let mut counts = [0; 8];
            for (i, count) in counts.iter_mut().enumerate() {
                *count = row.get(i + 1).and_then(serde_json::Value::as_i64).unwrap_or(0);
            }
            Some((day, counts))
        })
        .collect();
    let (from_s, before_s, today_s) = (from.to_string(), before.to_string(), today.to_string());
    let sum = |column: usize, first: &str, last: &str| -> i64 {
        activity
            .iter()
            .filter(|(day, _)| day.as_str() >= first && day.as_str() <= last)
            .map(|(_, c)| c[column - 1])
            .sum()
    };
    let previous_last = (from - Duration::days(1)).to_string();
    let mut funnel = Vec::new();
    let mut step_before: Option<i64> = None;
    for (step, label, column) in FUNNEL {
        let count = sum(column, &from_s, &today_s);
        let conversion = step_before.filter(|&b| b > 0).map(|b| count as f64 / b as f64);
        funnel.push(FunnelStep { step, label, count, previous: sum(column, &before_s, &previous_last), conversion });
        step_before = Some(count);
    }
    let figures = FIGURES
        .iter()
        .map(|&(metric, label, column)| {
            let (value, previous) = (sum(column, &from_s, &today_s), sum(column, &before_s, &previous_last));
            let series = (0..days)
                .map(|i| {
                    let day = (from + Duration::days(i)).to_string();
                    let value = activity.iter().find(|(d, _)| *d == day).map_or(0, |(_, c)| c[column - 1]);
                    DayValue { day, value }
                })
                .collect();
            Figure { metric, label, value, previous, change: change(value, previous), series }
        })
        .collect();
    Ok(Dashboard {
        scope: if team { "team" } else { "mine" },
        period: Period { from: from_s, to: today_s, days },
        pipeline,
        pacing: pacing_of(pacing, now)?,
        replies_waiting: d.dash_replies_waiting,
        meetings_this_week: d.dash_meetings,
        funnel,
        figures,
    })
}
