//! `GET /api/v1/analytics`: a rate (replies, positive replies or meetings per send) broken down
//! by one dimension, each group with its numerator, denominator and Wilson 95% interval, and
//! groups smaller than the minimum size shown as too few rather than as a rate. `format=csv`
//! gives the same table as a file.

use ::http::header::{self, HeaderValue};
use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::period;
use crate::contacts::export::cell;
use crate::domain::enums::{Channel, ExperimentMetric};
use crate::domain::stored;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Query};
use crate::insights::stats::wilson;
use crate::store::from_row;

crate::closed_enum! {
    /// What a rate is broken down by: a send's channel, the person's company industry,
    /// seniority, department and persona, the kind of the latest signal before it (90 days),
    /// its sequence, step and experiment variant, and the weekday and hour it went out in the
    /// recipient's time zone.
    pub enum Dimension {
        Channel => "channel",
        Industry => "industry",
        Seniority => "seniority",
        Department => "department",
        Persona => "persona",
        Signal => "signal",
        Sequence => "sequence",
        Step => "step",
        Variant => "variant",
        Weekday => "weekday",
        Hour => "hour",
    }
}

/// The default smallest group shown as a rate.
pub const MIN_SIZE: i64 = 20;

/// A rate with its counts and its 95% interval; `rate`, `low` and `high` are null when the
/// group is too small to say.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rate {
    /// Sends that led to the outcome.
    pub numerator: i64,
    /// Sends.
    pub denominator: i64,
    /// numerator / denominator.
    pub rate: Option<f64>,
    /// The Wilson 95% interval's lower bound.
    pub low: Option<f64>,
    /// Its upper bound.
    pub high: Option<f64>,
}

impl Rate {
    /// The rate of `numerator` in `denominator`, withheld below `min_size`.
    pub fn of(numerator: i64, denominator: i64, min_size: i64) -> Self {
        if denominator < min_size.max(1) {
            return Rate { numerator, denominator, rate: None, low: None, high: None };
        }
        let interval = wilson(numerator.max(0) as u64, denominator as u64);
        Rate {
            numerator,
            denominator,
            rate: Some(numerator as f64 / denominator as f64),
            low: Some(interval.low),
            high: Some(interval.high),
        }
    }
}

/// One group of a breakdown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    /// The dimension's value ('' for none: no sequence, no industry known ...).
    pub value: String,
    /// How to show it.
    pub label: String,
    /// The rate.
    #[serde(flatten)]
    pub rate: Rate,
    /// Fewer sends than the minimum size: no rate is shown.
    pub too_few: bool,
}

/// `GET /api/v1/analytics`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Breakdown {
    /// The rate.
    pub metric: ExperimentMetric,
    /// What it is broken down by.
    pub by: Dimension,
    /// The first day (the team's).
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// Groups with fewer sends are too few.
    pub min_size: i64,
    /// Every group together.
    pub total: Rate,
    /// The groups: weekdays and hours in order, the others largest first.
    pub groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Row {
    from_day: String,
    to_day: String,
    value: Option<String>,
    label: Option<String>,
    sends: Option<i64>,
    replied: Option<i64>,
    positive: Option<i64>,
    meetings: Option<i64>,
}

/// The period (the last 90 days by default) and its groups, one row per group (one row of
/// NULLs without any), from the roll-up's rows of one dimension over the period.
const BREAKDOWN: &str = concat!(
    "WITH ",
    crate::report_span!(),
    ", g AS (SELECT r.value, sum(r.sends) AS sends, sum(r.replied) AS replied, sum(r.positive) AS positive, \
       sum(r.meetings) AS meetings \
       FROM span JOIN send_rollups r ON r.dim = :dim AND r.day BETWEEN span.from_day AND span.to_day \
       WHERE (:channel IS NULL OR r.channel = :channel) AND (:sequence IS NULL OR r.sequence_key = :sequence) \
       GROUP BY r.value HAVING sum(r.sends) > 0) \
     SELECT span.from_day, span.to_day, g.value, g.sends, g.replied, g.positive, g.meetings, \
       CASE :dim WHEN 'sequence' THEN (SELECT q.name FROM sequences q WHERE q.id = g.value) \
         WHEN 'step' THEN (SELECT q.name || ' · step ' || s.position FROM sequence_steps s JOIN sequences q ON q.id = s.sequence_id \
           WHERE s.id = g.value) \
         WHEN 'variant' THEN (SELECT e.name || ' · ' || v.name FROM experiment_variants v \
           JOIN experiments e ON e.id = v.experiment_id WHERE v.id = g.value) END AS label \
     FROM span LEFT JOIN g ON true"
);

/// A rate broken down by one dimension over a period, every group with its counts and its
/// Wilson 95% interval. `metric`: reply_rate (default), positive_reply_rate or meeting_rate,
/// each per send; `by`: the dimension (default channel); `from`/`to`: the team's days (default
/// the last 90); `channel`, `sequence_id`: filters; `min_size`: the smallest group shown as a
/// rate (default 20); `format=csv`: a file.
#[utoipa::path(get, path = "/api/v1/analytics", tag = "analytics",
    params(("metric" = Option<ExperimentMetric>, Query), ("by" = Option<Dimension>, Query), ("from" = Option<String>, Query),
        ("to" = Option<String>, Query), ("channel" = Option<Channel>, Query), ("sequence_id" = Option<String>, Query),
        ("min_size" = Option<i64>, Query), ("format" = Option<String>, Query)),
    responses((status = 200, body = Breakdown), (status = 422, body = ErrorResponse)))]
pub(crate) async fn breakdown(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let metric = q.closed::<ExperimentMetric>("metric")?.unwrap_or(ExperimentMetric::ReplyRate);
    let by = q.closed::<Dimension>("by")?.unwrap_or(Dimension::Channel);
    let (from, to) = period(&mut q)?;
    let channel = q.closed::<Channel>("channel")?;
    let sequence = q.id("sequence_id")?;
    let min_size = q.whole("min_size", 1..=100_000, MIN_SIZE)?;
    let csv = match q.one("format").as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(AppError::invalid("format", "one_of", "must be json or csv")),
    };
    q.finish()?;
    let params = libsql::named_params! {
        ":from": from.map(|d| d.to_string()), ":to": to.map(|d| d.to_string()), ":now": stored(Utc::now()),
        ":dim": by.as_str(), ":channel": channel.map(Channel::as_str), ":sequence": sequence,
    };
    let rows = ctx.conn().await?.query_all(BREAKDOWN, params, from_row::<Row>).await?;
    let report = assemble(rows, metric, by, min_size)?;
    if csv { csv_file(&report) } else { http::ok(&report) }
}

/// The report from the rows of [`BREAKDOWN`].
fn assemble(rows: Vec<Row>, metric: ExperimentMetric, by: Dimension, min_size: i64) -> AppResult<Breakdown> {
    let Some(first) = rows.first() else {
        return Err(AppError::Internal(anyhow::anyhow!("analytics: no row")));
    };
    let (from, to) = (first.from_day.clone(), first.to_day.clone());
    let mut groups: Vec<Group> = rows
        .into_iter()
        .filter_map(|row| {
            let value = row.value?;
            let sends = row.sends.unwrap_or(0);
            let numerator = match metric {
                ExperimentMetric::ReplyRate => row.replied,
                ExperimentMetric::PositiveReplyRate => row.positive,
                ExperimentMetric::MeetingRate => row.meetings,
            }
            .unwrap_or(0);
            let label = label(by, &value, row.label);
            Some(Group { value, label, too_few: sends < min_size, rate: Rate::of(numerator, sends, min_size) })
        })
        .collect();
    match by {
        Dimension::Weekday | Dimension::Hour => groups.sort_by(|a, b| a.value.cmp(&b.value)),
        _ => groups.sort_by(|a, b| b.rate.denominator.cmp(&a.rate.denominator).then_with(|| a.value.cmp(&b.value))),
    }
    let (numerator, denominator) =
        groups.iter().fold((0, 0), |(n, d), g| (n + g.rate.numerator, d + g.rate.denominator));
    Ok(Breakdown { metric, by, from, to, min_size, total: Rate::of(numerator, denominator, min_size), groups })
}

/// How a value reads: names for ids, weekdays and hours spelled out, '' as "(none)".
fn label(by: Dimension, value: &str, named: Option<String>) -> String {
    const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    if value.is_empty() {
        return "(none)".to_owned();
    }
    match by {
        Dimension::Sequence | Dimension::Step | Dimension::Variant => named.unwrap_or_else(|| "(deleted)".to_owned()),
        Dimension::Weekday => value
            .parse::<usize>()
            .ok()
            .and_then(|d| WEEKDAYS.get(d.wrapping_sub(1)))
            .map_or_else(|| value.to_owned(), |d| (*d).to_owned()),
        Dimension::Hour => format!("{value}:00"),
        Dimension::Channel | Dimension::Seniority | Dimension::Department | Dimension::Signal => {
            const SPELLED: [(&str, &str); 5] =
                [("linkedin", "LinkedIn"), ("vp", "VP"), ("c_level", "C-level"), ("hr", "HR"), ("it", "IT")];
            if let Some((_, spelled)) = SPELLED.iter().find(|(v, _)| *v == value) {
                return (*spelled).to_owned();
            }
            let words = value.replace('_', " ");
            let mut chars = words.chars();
            chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        }
        Dimension::Industry | Dimension::Persona => value.to_owned(),
    }
}

/// The report as a CSV file: one line per group, then the total.
fn csv_file(report: &Breakdown) -> AppResult<Response<Bytes>> {
    let internal = |e: &dyn std::fmt::Display| AppError::Internal(anyhow::anyhow!("analytics csv: {e}"));
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::from("\u{feff}".as_bytes()));
    let number = |x: Option<f64>| x.map_or_else(String::new, |x| format!("{x:.6}"));
    writer
        .write_record([report.by.as_str(), "label", "numerator", "denominator", "rate", "low", "high", "too_few"])
        .map_err(|e| internal(&e))?;
    let total =
        Group { value: "total".to_owned(), label: "Total".to_owned(), rate: report.total.clone(), too_few: false };
    for group in report.groups.iter().chain(std::iter::once(&total)) {
        let r = &group.rate;
        writer
            .write_record([
                cell(&group.value).as_ref(),
                cell(&group.label).as_ref(),
                &r.numerator.to_string(),
                &r.denominator.to_string(),
                &number(r.rate),
                &number(r.low),
                &number(r.high),
                if group.too_few { "true" } else { "false" },
            ])
            .map_err(|e| internal(&e))?;
    }
    let body = writer.into_inner().map_err(|e| internal(&e))?;
    let filename = format!("{}-by-{}-{}-{}.csv", report.metric.as_str(), report.by.as_str(), report.from, report.to);
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::OK;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_group_has_counts_but_no_rate() {
        let small = Rate::of(3, 10, 20);
        assert_eq!((small.numerator, small.denominator, small.rate, small.low), (3, 10, None, None));
        let big = Rate::of(10, 100, 20);
        assert_eq!(big.rate, Some(0.1));
        assert!(big.low.is_some_and(|l| (l - 0.0552).abs() < 1e-4), "{big:?}");
    }

    #[test]
    fn values_read_as_words() {
        assert_eq!(label(Dimension::Weekday, "1", None), "Monday");
        assert_eq!(label(Dimension::Weekday, "7", None), "Sunday");
        assert_eq!(label(Dimension::Hour, "09", None), "09:00");
        assert_eq!(label(Dimension::Seniority, "c_level", None), "C-level");
        assert_eq!(label(Dimension::Channel, "linkedin", None), "LinkedIn");
        assert_eq!(label(Dimension::Signal, "job_change", None), "Job change");
        assert_eq!(label(Dimension::Industry, "", None), "(none)");
        assert_eq!(label(Dimension::Sequence, "x", Some("Founders".into())), "Founders");
        assert_eq!(label(Dimension::Variant, "x", None), "(deleted)");
    }
}
