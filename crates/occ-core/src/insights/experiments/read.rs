//! Reading experiments: the list, one, and the sample size a planned experiment needs.

use ::http::{Request, Response};
use bytes::Bytes;
use serde::Serialize;

use super::{Experiment, decode, experiment_id, load};
use crate::domain::enums::ExperimentStatus;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::validate::Check;

/// Experiments, newest first, each with its results (one call).
#[utoipa::path(get, path = "/api/v1/experiments", tag = "experiments",
    params(("status" = Option<crate::domain::enums::ExperimentStatus>, Query),
        crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<Experiment>), (status = 422, body = ErrorResponse)))]
pub(crate) async fn list(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let status = q.closed::<ExperimentStatus>("status")?;
    let page = Keyset::last_of(q)?;
    let sql = concat!(
        "SELECT ",
        experiment_columns!(),
        experiment_from!(),
        " WHERE (:status IS NULL OR e.status = :status) AND ",
        crate::keyset!(desc "e.created_at", "e.id")
    );
    let filters = libsql::named_params! {":status": status.map(ExperimentStatus::as_str)};
    let conn = ctx.conn().await?;
    http::ok(&page.load(&conn, sql, filters, decode, |e| (e.created_at.clone(), e.id.clone())).await?)
}

/// One experiment with its results (one call).
#[utoipa::path(get, path = "/api/v1/experiments/{id}", tag = "experiments", params(("id" = String, Path)),
    responses((status = 200, body = Experiment), (status = 404, body = ErrorResponse)))]
pub(crate) async fn get(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    http::ok(&load(&ctx.conn().await?, &experiment_id(&req)?).await?)
}

/// The sends each variant needs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SampleSize {
    /// Sends per variant for 80% power at 5% (two-sided).
    pub per_variant: u64,
}

/// A number from the query string, or the 422 naming it.
fn rate(q: &mut Query, name: &'static str, c: &mut Check) -> f64 {
    match q.one(name).map(|text| text.parse::<f64>()) {
        Some(Ok(x)) if x.is_finite() => x,
        Some(_) => {
            c.fail(name, "format", "must be a number such as 0.08");
            f64::NAN
        }
        None => {
            c.fail(name, "required", "is required");
            f64::NAN
        }
    }
}

/// The sends each variant needs to detect an absolute lift of `min_effect` over a
/// `baseline_rate`, with 80% power at 5% two-sided (no database call).
#[utoipa::path(get, path = "/api/v1/experiments/sample-size", tag = "experiments",
    params(("baseline_rate" = f64, Query, example = 0.1), ("min_effect" = f64, Query, example = 0.05)),
    responses((status = 200, body = SampleSize), (status = 422, body = ErrorResponse)))]
pub(crate) async fn sample_size(_: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let mut q = Query::of(&req);
    let mut c = Check::default();
    let baseline = rate(&mut q, "baseline_rate", &mut c);
    let effect = rate(&mut q, "min_effect", &mut c);
    q.finish()?;
    let per_variant = if c.0.is_empty() { c.sample_size(baseline, effect) } else { None };
    c.finish(())?;
    let per_variant =
        per_variant.ok_or_else(|| AppError::invalid("min_effect", "range", "no sample size reaches it"))?;
    http::ok(&SampleSize { per_variant })
}
