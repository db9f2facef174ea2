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
    let after = page.after().copied().unwrap_or(0);
    let rows = conn
        .query_all(
            "SELECT row, line, outcome, reason, name, email, company, contact_id FROM import_rows \
             WHERE import_id = ?1 AND phase = ?2 AND (?3 IS NULL OR outcome = ?3) AND row > ?4 ORDER BY row LIMIT ?5",
            libsql::params![id, phase.as_str(), outcome, after, page.fetch()],
            from_row::<ReportRow>,
        )
        .await?;
    page.page(rows, |r| r.row)
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
    let page = Keyset::<i64>::of(&mut q)?;
    q.finish()?;
    let conn = ctx.conn().await?;
    let import = load(&conn, &id).await?;
    let phase = phase.unwrap_or(if import.run.is_some() { PhaseKind::Run } else { PhaseKind::DryRun });
    http::ok(&report(&conn, &id, phase, outcome.map(step::Outcome::as_str), &page).await?)
}
