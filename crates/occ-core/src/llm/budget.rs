//! The team's daily token budget, kept in the database so every instance shares it. A call
//! reserves what it may spend with one upsert that only succeeds within the limit (two
//! instances cannot both take the last tokens), and settles to what the server reported after.

use chrono::{SecondsFormat, Utc};

use crate::error::AppResult;
use crate::store::{Conn, single};

/// Tokens held for one call until it settles.
#[derive(Debug)]
pub(super) struct Reservation {
    day: String,
    tokens: u64,
}

/// The UTC day a call counts on.
fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reserves `tokens` of today's `limit`; `None` when they do not fit.
pub(super) async fn reserve(conn: &Conn, limit: u64, tokens: u64) -> AppResult<Option<Reservation>> {
    let day = today();
    let kept = conn
        .write_returning(
            "INSERT INTO llm_token_days (day, tokens, updated_at) SELECT ?1, ?2, ?4 WHERE ?2 <= ?3 \
             ON CONFLICT (day) DO UPDATE SET tokens = tokens + excluded.tokens, updated_at = excluded.updated_at \
             WHERE llm_token_days.tokens + excluded.tokens <= ?3 RETURNING tokens",
            libsql::params![day.as_str(), as_i64(tokens), as_i64(limit), now()],
            single::<i64>,
        )
        .await?;
    Ok(kept.map(|_| Reservation { day, tokens }))
}

/// Replaces a reservation by what the call really took (`used`, 0 when it took nothing known).
pub(super) async fn settle(conn: &Conn, reservation: Reservation, used: u64) -> AppResult<()> {
    conn.execute(
        "UPDATE llm_token_days SET tokens = max(tokens - ?2 + ?3, 0), updated_at = ?4 WHERE day = ?1",
        libsql::params![reservation.day.as_str(), as_i64(reservation.tokens), as_i64(used), now()],
    )
    .await?;
    Ok(())
}

/// The tokens spent or reserved today.
pub async fn spent_today(conn: &Conn) -> AppResult<u64> {
    let tokens = conn
        .query_opt("SELECT tokens FROM llm_token_days WHERE day = ?1", [today()], single::<i64>)
        .await?
        .unwrap_or(0);
    Ok(u64::try_from(tokens).unwrap_or(0))
}
