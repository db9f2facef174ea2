//! Uploading a job's file, chunk by chunk: the header row sets the columns.

use ::http::{Request, Response};
use bytes::Bytes;

use super::parse::{Chunk, check_mapping, guess, read_chunk};
use super::{ENTITY, Import, decode, import_columns, import_id, load, running, started};
use crate::domain::now;
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx};
use crate::store::{Batch, Conn};

/// Upload chunk `n` (from 0) of the file: CSV text of at most 4 MiB, split at a line end;
/// chunk 0 starts with the header row. Sending the same chunk again replaces it.
#[utoipa::path(put, path = "/api/v1/imports/{id}/chunks/{n}", tag = "imports",
    params(("id" = String, Path), ("n" = i64, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = Import), (status = 409, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn put_chunk(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let id = import_id(&req)?;
    let n: i64 = http::path_id(&req, "n", "chunk", |t| t.parse::<i64>().ok().filter(|n| *n >= 0))?;
    let import = put(&ctx.conn().await?, &id, n, req.body()).await?;
    http::ok(&import)
}

/// Reads chunk `n` of a file as sent: UTF-8 CSV text.
pub(super) fn read_body(body: &[u8], n: i64) -> AppResult<(&str, Chunk)> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::invalid("body", "utf8", "the file is not UTF-8 text; save it as CSV UTF-8"))?;
    // A NUL would cut the stored text short; other control characters make only their row
    // invalid (each cell is checked as the API's fields are).
    if let Some(at) = text.find('\0') {
        let line = text[..at].matches('\n').count() + 1;
        let message = format!("chunk {n}, line {line} holds a NUL character (U+0000): remove it and upload again");
        return Err(AppError::invalid("body", "control_characters", message));
    }
    let chunk = read_chunk(text, n == 0).map_err(|e| AppError::invalid("body", "csv", format!("chunk {n}: {e}")))?;
    Ok((text, chunk))
}

/// Stores a chunk (two round trips: the job, then the chunk with the commit).
async fn put(conn: &Conn, id: &str, n: i64, body: &[u8]) -> AppResult<Import> {
    let (text, chunk) = read_body(body, n)?;
    let import = load(conn, id).await?;
    if import.run.is_some() {
        return Err(started(&import));
    }
    if n >= import.total_chunks {
        return Err(AppError::invalid(
            "n",
            "range",
            format!("this import has chunks 0 to {}", import.total_chunks - 1),
        ));
    }
    // The header row sets the columns; a mapping that no longer fits them is guessed again.
    let (headers, mapping) = match &chunk.headers {
        Some(headers) => {
            let fits = !import.mapping.is_empty() && check_mapping(headers, &import.mapping).is_ok();
            let mapping = if fits { import.mapping.clone() } else { guess(headers) };
            (Some(headers.clone()), Some(mapping))
        }
        None => (None, None),
    };
    let headers = headers.map(|h| serde_json::to_string(&h)).transpose().map_err(|e| AppError::Internal(e.into()))?;
    let mapping = mapping.map(|m| serde_json::to_string(&m)).transpose().map_err(|e| AppError::Internal(e.into()))?;
    let mut batch = Batch::new();
    batch.require("EXISTS (SELECT 1 FROM imports WHERE id = ?1 AND run IS NULL)", [id], running())?;
    batch.push("DELETE FROM import_rows WHERE import_id = ?1 AND phase = 'dry_run'", [id])?;
    batch.push(
        "INSERT INTO import_chunks (import_id, n, body, records, lines) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (import_id, n) DO UPDATE SET body = excluded.body, records = excluded.records, lines = excluded.lines",
        libsql::params![id, n, text, chunk.records.len() as i64, chunk.lines as i64],
    )?;
    let updated = batch.push(
        concat!(
            "UPDATE imports SET headers = coalesce(?2, headers), mapping = coalesce(?3, mapping), dry_run = NULL, \
             updated_at = ?4 WHERE id = ?1 AND run IS NULL RETURNING ",
            import_columns!()
        ),
        libsql::params![id, headers, mapping, now()],
    )?;
    conn.batch(batch).await?.one(ENTITY, updated, decode)
}
