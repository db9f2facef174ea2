//! A job's row-by-row report, one page at a time.

use ::http::{Request, Response};
use bytes::Bytes;

use super::step::{self, PhaseKind};
use super::{ReportRow, import_id, load};
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, Keyset, Page, Query};
use crate::store::{Conn, from_row};

/// One page of a phase's report, in row order, optionally only one outcome (one call).
async fn report(
    conn: &Conn,
    id: &str,
    phase: PhaseKind,
    outcome: Option<&str>,
    page: &Keyset<i64>,
) -> AppResult<Page<ReportRow>> {
    let sql = concat!(
        "SELECT row, line, outcome, reason, name, email, company, contact_id FROM import_rows \
         WHERE import_id = :id AND phase = :phase AND (:outcome IS NULL OR outcome = :outcome) AND ",
        crate::keyset!(asc "row")
    );
    let filters = libsql::named_params! {":id": id, ":phase": phase.as_str(), ":outcome": outcome};
    page.load(conn, sql, filters, from_row::<ReportRow>, |r| r.row).await
}

/// An import's row-by-row report for one phase (the real run's once it started, else the dry
/// run's), optionally only one outcome.
#[utoipa::path(get, path = "/api/v1/imports/{id}/rows", tag = "imports",
    params(("id" = String, Path), ("phase" = Option<PhaseKind>, Query),
        ("outcome" = Option<step::Outcome>, Query), crate::http::PageLimit, crate::http::PageCursor),
    responses((status = 200, body = Page<ReportRow>), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn rows(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = import_id(&req)?;
    let mut q = Query::of(&req);
    let phase = q.closed::<PhaseKind>("phase")?;
    let outcome = q.closed::<step::Outcome>("outcome")?;
    let page = Keyset::last_of(q)?;
    let conn = ctx.conn().await?;
    let import = load(&conn, &id).await?;
    let phase = phase.unwrap_or(if import.run.is_some() { PhaseKind::Run } else { PhaseKind::DryRun });
    http::ok(&report(&conn, &id, phase, outcome.map(step::Outcome::as_str), &page).await?)
}
