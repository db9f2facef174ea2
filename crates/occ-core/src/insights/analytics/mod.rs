//! How outreach is doing: the dashboard (`dashboard`), rates broken down by segment with their
//! intervals (`breakdown`) and time series (`series`). All read the roll-ups migration 0016
//! keeps by triggers (`send_rollups`, `activity_daily`), a few thousand small rows at most,
//! never the touchpoints or the replies; each is one database call.
//!
//! Days are the team's (the pacing settings' time zone); a period is given as dates
//! (`YYYY-MM-DD`), both ends included.

pub mod breakdown;
pub mod dashboard;
pub mod series;

use chrono::NaiveDate;

use crate::access::Access::Signed;
use crate::access::Action::ReadData;
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{Query, Routes};

/// The analytics routes.
pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/dashboard", Signed(ReadData), handler!(dashboard::dashboard))
        .get("/api/v1/analytics", Signed(ReadData), handler!(breakdown::breakdown))
        .get("/api/v1/analytics/series", Signed(ReadData), handler!(series::series))
}

/// SQL: the team's date at the instant `$at` (a parameter or column holding RFC 3339 UTC).
#[macro_export]
macro_rules! team_date {
    ($at:literal) => {
        concat!(
            "date(",
            $at,
            ", ifnull((SELECT z.offset_minutes FROM zone_offsets z WHERE z.zone = coalesce((SELECT st.value ->> '$.timezone' \
             FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), 'UTC') AND z.since <= ",
            $at,
            " ORDER BY z.since DESC LIMIT 1), 0) || ' minutes')"
        )
    };
}

/// SQL: the CTE `span (from_day, to_day)`, the period of `:from` and `:to`, ending on the
/// team's today (at `:now`) and 90 days long when they are not given.
#[macro_export]
macro_rules! report_span {
    () => {
        concat!(
            "span AS (SELECT coalesce(:from, date(t.to_day, '-89 days')) AS from_day, t.to_day FROM (SELECT coalesce(:to, ",
            $crate::team_date!(":now"),
            ") AS to_day) AS t)"
        )
    };
}

/// The longest period a report covers, in days.
pub const MAX_DAYS: i64 = 731;

/// An optional date parameter (`YYYY-MM-DD`).
fn date(q: &mut Query, name: &'static str) -> AppResult<Option<NaiveDate>> {
    q.one(name)
        .map(|d| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| AppError::invalid(name, "format", "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

/// The period of `from` and `to`: either may be absent (the database fills them from the
/// team's today); `to` before `from` or a period longer than [`MAX_DAYS`] is refused.
fn period(q: &mut Query) -> AppResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    let (from, to) = (date(q, "from")?, date(q, "to")?);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            return Err(AppError::invalid("to", "order", "must not be before from"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(AppError::invalid("to", "range", format!("a period covers at most {MAX_DAYS} days")));
        }
    }
    Ok((from, to))
}

/// The relative change from `previous` to `value` (null when there was nothing before).
fn change(value: i64, previous: i64) -> Option<f64> {
    (previous > 0).then(|| (value - previous) as f64 / previous as f64)
}
