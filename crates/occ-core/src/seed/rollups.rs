//! The sends' roll-ups of a loaded book, made in bulk. Each send fact, written row by row, adds
//! itself to eleven roll-up rows (one per dimension analytics breaks sends down by) and to its
//! owner's day (migration 0016's triggers on `send_facts`): nearly a third of the time the
//! synthetic book's year of a million sends took (at 100k contacts, 27 of 88 s). The load sets
//! those triggers aside ([`TRIGGERS`]) and [`derive`] counts the facts instead, once, by group:
//! the same rows with the same counts (a test replays the facts through the triggers to
//! compare).

use crate::error::AppResult;
use crate::store::Conn;

/// The triggers that keep the sends' roll-ups as their facts come, change and go.
pub(super) const TRIGGERS: &[&str] = &["send_facts_after_insert", "send_facts_after_update", "send_facts_after_delete"];

/// The roll-up rows of one dimension, `$dim`, whose value is the fact's column `$column`: per
/// day, channel and sequence, the sends, and those replied to, answered positively and that
/// led to a meeting.
macro_rules! by_dimension {
    ($dim:literal, $column:literal) => {
        concat!(
            "SELECT '",
            $dim,
            "', day, channel, sequence_key, ",
            $column,
            ", count(*), sum(replies > 0), sum(positives > 0), sum(meetings > 0) FROM send_facts \
             GROUP BY day, channel, sequence_key, ",
            $column
        )
    };
}

/// Every roll-up row of the send facts: the dimensions of `send_facts_after_insert`.
const SEND_ROLLUPS: &str = concat!(
    "INSERT INTO send_rollups (dim, day, channel, sequence_key, value, sends, replied, positive, meetings) ",
    by_dimension!("channel", "channel"),
    " UNION ALL ",
    by_dimension!("industry", "industry"),
    " UNION ALL ",
    by_dimension!("seniority", "seniority"),
    " UNION ALL ",
    by_dimension!("department", "department"),
    " UNION ALL ",
    by_dimension!("persona", "persona"),
    " UNION ALL ",
    by_dimension!("signal", "signal_kind"),
    " UNION ALL ",
    by_dimension!("sequence", "sequence_key"),
    " UNION ALL ",
    by_dimension!("step", "step_key"),
    " UNION ALL ",
    by_dimension!("variant", "variant_key"),
    " UNION ALL ",
    by_dimension!("weekday", "weekday"),
    " UNION ALL ",
    by_dimension!("hour", "hour")
);

/// Each owner's day's sends and first touches (a day's other counts come from other triggers,
/// which the load keeps).
const SENDS_DAILY: &str = "INSERT INTO activity_daily (day, owner_key, channel, sends, first_touches) \
     SELECT day, owner_key, channel, count(*), sum(first_touch) FROM send_facts WHERE true \
     GROUP BY day, owner_key, channel ON CONFLICT (day, owner_key, channel) \
     DO UPDATE SET sends = excluded.sends, first_touches = excluded.first_touches";

/// Counts the sends' roll-ups from their facts, all of them (a database seeded after it had
/// sends of its own counts those again rather than twice), in one transaction.
pub(super) async fn derive(conn: &Conn) -> AppResult<()> {
    conn.immediate(async |conn| {
        conn.execute("DELETE FROM send_rollups", ()).await?;
        conn.execute(
            "UPDATE activity_daily SET sends = 0, first_touches = 0 WHERE sends <> 0 OR first_touches <> 0",
            (),
        )
        .await?;
        conn.execute(SEND_ROLLUPS, ()).await?;
        conn.execute(SENDS_DAILY, ()).await?;
        Ok(())
    })
    .await
}
