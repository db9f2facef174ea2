//! The sends' roll-ups of a loaded book, made in bulk. Each send fact, written row by row, adds
//! itself to eleven roll-up rows (one per dimension analytics breaks sends down by) and to its
//! owner's day (migration 0016's triggers on `send_facts`): nearly a third of the time the
//! synthetic book's year of a million sends took (at 100k contacts, 27 of 88 s). The load sets
//! those triggers aside ([`TRIGGERS`]) and [`derive`] counts the facts instead, once, by group:
//! the same rows with the same counts (a test replays the facts through the triggers to
//! compare).

use std::collections::BTreeMap;

use crate::error::{AppError, AppResult};
use crate::seed::values::ROWS_PER_STATEMENT;
use crate::store::{Conn, from_row};

/// The triggers that keep the sends' roll-ups as their facts come, change and go.
pub(super) const TRIGGERS: &[&str] = &["send_facts_after_insert", "send_facts_after_update", "send_facts_after_delete"];

/// The dimensions of `send_facts_after_insert`, each as `send_rollups.dim` names it and as the
/// facts' column, in the order [`FACTS`] reads them.
const DIMENSIONS: [&str; 11] = [
    "channel",
    "industry",
    "seniority",
    "department",
    "persona",
    "signal",
    "sequence",
    "step",
    "variant",
    "weekday",
    "hour",
];

/// A page of facts after `?1` (by key), each with its group (day, channel, sequence), its value
/// in every one of [`DIMENSIONS`] and whether it was replied to, answered positively and led to
/// a meeting.
const FACTS: &str = "SELECT touchpoint_id, json_array(day, channel, sequence_key) AS grp, \
     json_array(channel, industry, seniority, department, persona, signal_kind, sequence_key, step_key, variant_key, \
     weekday, hour) AS dims, replies > 0 AS replied, positives > 0 AS positive, meetings > 0 AS meeting \
     FROM send_facts WHERE touchpoint_id > ?1 ORDER BY touchpoint_id LIMIT ?2";

/// The facts read at a time: a libSQL server answers a megabyte or two in one response, no more
/// than about ten.
const PAGE: i64 = 5_000;

/// One row of [`FACTS`].
#[derive(serde::Deserialize)]
struct Fact {
    touchpoint_id: String,
    grp: String,
    dims: String,
    replied: bool,
    positive: bool,
    meeting: bool,
}

/// One roll-up row, as [`INSERT_ROLLUPS`] reads it.
#[derive(serde::Serialize)]
struct Rollup<'a> {
    dim: &'a str,
    day: &'a str,
    channel: &'a str,
    sequence_key: &'a str,
    value: &'a str,
    counts: [i64; 4],
}

/// Writes the roll-up rows of `?1`.
const INSERT_ROLLUPS: &str = "INSERT INTO send_rollups (dim, day, channel, sequence_key, value, sends, replied, positive, \
     meetings) SELECT value ->> 'dim', value ->> 'day', value ->> 'channel', value ->> 'sequence_key', value ->> 'value', \
     value ->> '$.counts[0]', value ->> '$.counts[1]', value ->> '$.counts[2]', value ->> '$.counts[3]' FROM json_each(?1)";

/// The roll-up rows written at a time (a few hundred kilobytes of JSON).
const ROLLUPS_PER_STATEMENT: usize = 4 * ROWS_PER_STATEMENT;

/// Every fact's sends, replied, positive and meetings, per group (day, channel, sequence as a
/// JSON array) and per dimension and value (the dimension's place in [`DIMENSIONS`]). One pass
/// over the facts, a page at a time: eleven `GROUP BY`s over them sorted a million facts
/// eleven times (12 of a million-contact load's 165 s).
async fn count(conn: &Conn) -> AppResult<BTreeMap<String, BTreeMap<(usize, String), [i64; 4]>>> {
    let mut groups: BTreeMap<String, BTreeMap<(usize, String), [i64; 4]>> = BTreeMap::new();
    let mut after = String::new();
    loop {
        let facts = conn.query_all(FACTS, libsql::params![after.as_str(), PAGE], from_row::<Fact>).await?;
        let Some(last) = facts.last() else { break };
        after.clone_from(&last.touchpoint_id);
        for fact in &facts {
            let values: [String; 11] = serde_json::from_str(&fact.dims).map_err(|e| AppError::Internal(e.into()))?;
            let counts = [1, i64::from(fact.replied), i64::from(fact.positive), i64::from(fact.meeting)];
            let group = match groups.get_mut(fact.grp.as_str()) {
                Some(group) => group,
                None => groups.entry(fact.grp.clone()).or_default(),
            };
            for (dim, value) in values.into_iter().enumerate() {
                let sums = group.entry((dim, value)).or_default();
                for (sum, n) in sums.iter_mut().zip(counts) {
                    *sum += n;
                }
            }
        }
        if facts.len() < PAGE as usize {
            break;
        }
    }
    Ok(groups)
}

/// Each owner's day's sends and first touches (a day's other counts come from other triggers,
/// which the load keeps).
const SENDS_DAILY: &str = "INSERT INTO activity_daily (day, owner_key, channel, sends, first_touches) \
     SELECT day, owner_key, channel, count(*), sum(first_touch) FROM send_facts WHERE true \
     GROUP BY day, owner_key, channel ON CONFLICT (day, owner_key, channel) \
     DO UPDATE SET sends = excluded.sends, first_touches = excluded.first_touches";

/// Counts the sends' roll-ups from their facts, all of them (a database seeded after it had
/// sends of its own counts those again rather than twice), and writes them in one transaction.
pub(super) async fn derive(conn: &Conn) -> AppResult<()> {
    let groups = count(conn).await?;
    let mut rows = Vec::new();
    for (group, sums) in &groups {
        let [day, channel, sequence_key]: [&str; 3] =
            serde_json::from_str(group).map_err(|e| AppError::Internal(e.into()))?;
        for ((dim, value), counts) in sums {
            rows.push(Rollup { dim: DIMENSIONS[*dim], day, channel, sequence_key, value, counts: *counts });
        }
    }
    conn.immediate(async |conn| {
        conn.execute("DELETE FROM send_rollups", ()).await?;
        conn.execute(
            "UPDATE activity_daily SET sends = 0, first_touches = 0 WHERE sends <> 0 OR first_touches <> 0",
            (),
        )
        .await?;
        for rows in rows.chunks(ROLLUPS_PER_STATEMENT) {
            let json = serde_json::to_string(rows).map_err(|e| AppError::Internal(e.into()))?;
            conn.execute(INSERT_ROLLUPS, [json]).await?;
        }
        conn.execute(SENDS_DAILY, ()).await?;
        Ok(())
    })
    .await
}
