//! `GET /api/v1/analytics/series`: sends, replies, positive replies, meetings or opportunities
//! per day or week in the team's time zone, per channel, with empty days as zeros.

use std::collections::BTreeMap;

use ::http::{Request, Response};
use bytes::Bytes;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::period;
use crate::access::Principal;
use crate::domain::enums::Channel;
use crate::domain::stored;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Query};
use crate::store::from_row;

crate::closed_enum! {
    /// What a series counts, on the day it happened: sends, replies, positive replies,
    /// meetings booked, opportunities created.
    pub enum SeriesMetric {
        Sends => "sends",
        Replies => "replies",
        Positive => "positive",
        Meetings => "meetings",
        Opportunities => "opportunities",
    }
}

crate::closed_enum! {
    /// A point per day, or per week (from Monday).
    pub enum Interval { Day => "day", Week => "week" }
}

/// One point: its first day, the count, and the count per channel (the total also holds
/// meetings that came from no known send).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// The day, or the week's first day within the period.
    pub start: String,
    /// Every channel together.
    pub total: i64,
    /// Per channel: email, linkedin, call.
    pub by_channel: BTreeMap<&'static str, i64>,
}

/// `GET /api/v1/analytics/series`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    /// What is counted.
    pub metric: SeriesMetric,
    /// day or week.
    pub interval: Interval,
    /// The first day (the team's).
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// Every day or week of the period, in order, zeros included.
    pub points: Vec<Point>,
}

#[derive(Deserialize)]
struct Row {
    from_day: String,
    to_day: String,
    day: Option<String>,
    channel: Option<String>,
    n: Option<i64>,
}

/// The period (the last 90 days by default) and its counts per day and channel (one row of
/// NULLs without any).
const SERIES: &str = concat!(
    "WITH ",
    crate::report_span!(),
    " SELECT span.from_day, span.to_day, c.day, c.channel, c.n FROM span LEFT JOIN \
       (SELECT a.day, a.channel, sum(CASE :metric WHEN 'sends' THEN a.sends WHEN 'replies' THEN a.replies \
          WHEN 'positive' THEN a.positive WHEN 'meetings' THEN a.meetings ELSE a.opportunities END) AS n \
        FROM span JOIN activity_daily a ON a.day BETWEEN span.from_day AND span.to_day \
        WHERE (:owner IS NULL OR a.owner_key = :owner) AND (:channel IS NULL OR a.channel = :channel) \
        GROUP BY a.day, a.channel) AS c ON true"
);

/// A count per day or week over a period, per channel, in the team's time zone, empty days as
/// zeros. `metric`: sends (default), replies, positive, meetings, opportunities; `interval`:
/// day (default) or week; `from`/`to`: the team's days (default the last 90); `channel`;
/// `scope=mine`: only what the caller owns (default the team's).
#[utoipa::path(get, path = "/api/v1/analytics/series", tag = "analytics",
    params(("metric" = Option<SeriesMetric>, Query), ("interval" = Option<Interval>, Query), ("from" = Option<String>, Query),
        ("to" = Option<String>, Query), ("channel" = Option<Channel>, Query), ("scope" = Option<String>, Query)),
    responses((status = 200, body = Series), (status = 422, body = ErrorResponse)))]
pub(crate) async fn series(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let mut q = Query::of(&req);
    let metric = q.closed::<SeriesMetric>("metric")?.unwrap_or(SeriesMetric::Sends);
    let interval = q.closed::<Interval>("interval")?.unwrap_or(Interval::Day);
    let (from, to) = period(&mut q)?;
    let channel = q.closed::<Channel>("channel")?;
    let owner = match q.one("scope").as_deref() {
        None | Some("team") => None,
        Some("mine") => Some(principal.user_id.clone()),
        Some(_) => return Err(AppError::invalid("scope", "one_of", "must be mine or team")),
    };
    q.finish()?;
    let params = libsql::named_params! {
        ":from": from.map(|d| d.to_string()), ":to": to.map(|d| d.to_string()), ":now": stored(Utc::now()),
        ":metric": metric.as_str(), ":owner": owner, ":channel": channel.map(Channel::as_str),
    };
    let rows = ctx.conn().await?.query_all(SERIES, params, from_row::<Row>).await?;
    http::ok(&assemble(rows, metric, interval)?)
}

/// The series from the rows of [`SERIES`]: every day of the period, grouped into weeks if asked.
fn assemble(rows: Vec<Row>, metric: SeriesMetric, interval: Interval) -> AppResult<Series> {
    let Some(first) = rows.first() else {
        return Err(AppError::Internal(anyhow::anyhow!("series: no row")));
    };
    let parse = |d: &str| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| AppError::Internal(anyhow::anyhow!("series: {e}")))
    };
    let (from, to) = (parse(&first.from_day)?, parse(&first.to_day)?);
    let start_of = |day: NaiveDate| match interval {
        Interval::Day => day,
        Interval::Week => (day - Duration::days(i64::from(day.weekday().num_days_from_monday()))).max(from),
    };
    let mut points: BTreeMap<NaiveDate, Point> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        let start = start_of(day);
        points.entry(start).or_insert_with(|| Point {
            start: start.to_string(),
            total: 0,
            by_channel: Channel::ALL.iter().map(|c| (c.as_str(), 0)).collect(),
        });
        day += Duration::days(1);
    }
    for row in rows {
        let (Some(day), Some(n)) = (row.day, row.n) else { continue };
        let Some(point) = points.get_mut(&start_of(parse(&day)?)) else { continue };
        point.total += n;
        let channel = row.channel.as_deref().and_then(|c| c.parse::<Channel>().ok());
        if let Some(count) = channel.and_then(|c| point.by_channel.get_mut(c.as_str())) {
            *count += n;
        }
    }
    Ok(Series { metric, interval, from: from.to_string(), to: to.to_string(), points: points.into_values().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, channel: &str, n: i64) -> Row {
        Row {
            from_day: "2026-11-26".into(),
            to_day: "2026-12-06".into(),
            day: Some(day.into()),
            channel: Some(channel.into()),
            n: Some(n),
        }
    }

    #[test]
    fn empty_days_are_zeros_and_weeks_start_on_monday_within_the_period() {
        let rows = vec![row("2026-11-26", "email", 3), row("2026-11-30", "linkedin", 2), row("2026-12-06", "", 1)];
        let days = assemble(rows, SeriesMetric::Sends, Interval::Day).expect("days");
        assert_eq!(days.points.len(), 11);
        assert_eq!(days.points[0].by_channel["email"], 3);
        assert_eq!(days.points[1].total, 0);
        assert_eq!((days.points[10].total, days.points[10].by_channel["call"]), (1, 0));
        let rows = vec![row("2026-11-26", "email", 3), row("2026-11-30", "linkedin", 2), row("2026-12-06", "email", 1)];
        let weeks = assemble(rows, SeriesMetric::Sends, Interval::Week).expect("weeks");
        let starts: Vec<_> = weeks.points.iter().map(|p| (p.start.as_str(), p.total)).collect();
        // 2026-11-26 is a Thursday; 2026-11-30 a Monday; 2026-12-06 a Sunday.
        assert_eq!(starts, [("2026-11-26", 3), ("2026-11-30", 3)]);
    }
}
