//! Deleting a sequence no contact was ever in.

use ::http::{Request, Response};
use bytes::Bytes;

use super::{ENTITY, audit_view, load, sequence_id};
use crate::access::Principal;
use crate::audit::{self, Actor};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};

/// Delete a sequence no contact was ever in (managers and admins); archive one that was.
#[utoipa::path(delete, path = "/api/v1/sequences/{id}", tag = "sequences", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub(crate) async fn delete(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = sequence_id(&req)?;
    let actor: Actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    ctx.conn()
        .await?
        .immediate(async |conn| {
            let before = load(conn, &id).await?;
            let ever =
                before.enrolled.active + before.enrolled.paused + before.enrolled.completed + before.enrolled.exited;
            if ever > 0 {
                let message = format!(
                    "{ever} enrollment{} keep this sequence's history; archive it instead",
                    if ever == 1 { "" } else { "s" }
                );
                return Err(AppError::refused("id", "in_use", message));
            }
            conn.write("DELETE FROM sequences WHERE id = ?1", [id.as_str()]).await?;
            let view =
                audit_view(&before.name, before.description.as_deref(), before.status, before.autopilot, &before.steps);
            audit::record_with(conn, &actor, "sequence.delete", ENTITY, &id, Some(&view), None).await
        })
        .await?;
    Ok(http::no_content())
}
