//! Recording a task done or a message sent by hand: the batch that reads nothing first when it
//! can, the reading way otherwise.

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;

use super::{RecordTouch, Touchpoint, plan_unread, record};
use crate::access::Principal;
use crate::error::{AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Batch, single};

/// Record a task done or a message sent by hand: from its approved draft (which becomes sent)
/// or ad hoc. 201 when recorded; 200 with the first record when the same draft or key was
/// recorded before.
#[utoipa::path(post, path = "/api/v1/touchpoints", tag = "touchpoints", request_body = RecordTouch,
    responses((status = 201, body = Touchpoint), (status = 200, description = "Recorded before", body = Touchpoint),
        (status = 403, body = ErrorResponse), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn create(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let body: RecordTouch = http::body_json(&req)?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let (conn, actor, body) = (&conn, &actor, &body);
    // What the touch depends on is read outside any transaction; its batch confirms it.
    let reading = || async move {
        let (outcome, (recording, pacing)) = conn
            .read_then_batch(|| async move {
                let mut batch = Batch::new();
                let recording = record(conn, &mut batch, principal, actor, body.clone()).await?;
                let pacing = batch.push(crate::settings::pacing::STORED, ())?;
                Ok((batch, (recording, pacing)))
            })
            .await?;
        ctx.pacing_seen.set(outcome.one("setting", pacing, single)?);
        recording.read(&outcome)
    };
    let (touch, new) = match plan_unread(ctx, principal, actor, body)? {
        Some((batch, read)) => conn.batch_or_else(batch, read, reading).await?,
        None => reading().await?,
    };
    if new {
        http::created(&format!("/api/v1/touchpoints/{}", touch.id), &touch)
    } else {
        http::with_status(StatusCode::OK, &touch)
    }
}
