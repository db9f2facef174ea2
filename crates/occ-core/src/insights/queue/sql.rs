//! Today's one statement: the first items of every lane of `queue_items` (kept by the triggers
//! of migration 0006), ranked, with the day's counts and LinkedIn's room left under the limits.
//! What depends on the clock is decided here: a meeting counts within the next 24 hours, a
//! follow-up once it is due today (and weighs more once overdue), a snooze until it ends.

/// The first items of one lane of `queue_items` in the lane's order, everyone's: those not
/// snoozed by the caller now, with `$also` further conditions, at most `$limit`; one range of
/// `idx_queue_items_lane`.
macro_rules! team_lane {
    ($lane:literal, $also:literal, $limit:literal) => {
        concat!(
            "SELECT * FROM (SELECT q.* FROM queue_items q WHERE q.lane = '",
            $lane,
            "'",
            $also,
            " AND NOT EXISTS (SELECT 1 FROM queue_snoozes z WHERE z.user_id = :me AND z.item = q.item AND z.until > :now) \
             ORDER BY q.order_score DESC, q.order_key LIMIT ",
            $limit,
            ")"
        )
    };
}

/// As [`team_lane`], the caller's items and nobody's: the first of each from its own range of
/// `idx_queue_items_owner`, then the first of both, so a rep's day reads what it shows
/// however many items the rest of the team has.
macro_rules! mine_lane {
    ($lane:literal, $also:literal, $limit:literal) => {
        concat!(
            "SELECT * FROM (SELECT * FROM (",
            mine_lane!(@owner $lane, " = :me", $also, $limit),
            ") UNION ALL SELECT * FROM (",
            mine_lane!(@owner $lane, " IS NULL", $also, $limit),
            ") ORDER BY order_score DESC, order_key LIMIT ",
            $limit,
            ")"
        )
    };
    (@owner $lane:literal, $owner:literal, $also:literal, $limit:literal) => {
        concat!(
            "SELECT q.* FROM queue_items q WHERE q.lane = '",
            $lane,
            "' AND q.owner_id",
            $owner,
            $also,
            " AND NOT EXISTS (SELECT 1 FROM queue_snoozes z WHERE z.user_id = :me AND z.item = q.item AND z.until > :now) \
             ORDER BY q.order_score DESC, q.order_key LIMIT ",
            $limit
        )
    };
}

/// How many items of a lane are due in a range of time (`$range` on `order_key`: a meeting's
/// and a follow-up's is its time, with `order_score` 0), everyone's: a range of
/// `idx_queue_items_lane`.
macro_rules! team_due {
    ($lane:literal, $range:literal) => {
        concat!("(SELECT count(*) FROM queue_items q WHERE q.lane = '", $lane, "' AND q.order_score = 0", $range, ")")
    };
}

/// As [`team_due`], the caller's and nobody's: two ranges of `idx_queue_items_owner`.
macro_rules! mine_due {
    ($lane:literal, $range:literal) => {
        concat!(
            "((SELECT count(*) FROM queue_items q WHERE q.lane = '",
            $lane,
            "' AND q.owner_id = :me AND q.order_score = 0",
            $range,
            ") + (SELECT count(*) FROM queue_items q WHERE q.lane = '",
            $lane,
            "' AND q.owner_id IS NULL AND q.order_score = 0",
            $range,
            "))"
        )
    };
}

/// Everyone's touches or replies (a row of `touchpoints` or `replies` as `$row`): no condition.
macro_rules! team_owned {
    ($row:literal) => {
        ""
    };
}

/// The caller's touches or replies and nobody's (by their contact's owner, kept on the row by
/// migration 0021): two ranges of the table's index by owner and day.
macro_rules! mine_owned {
    ($row:literal) => {
        concat!(" AND ", $row, ".owner_key IN ('', :me)")
    };
}

/// The queue's statement (see [`QUEUE_TEAM_SQL`]), `$lane` reading the first items of a lane,
/// `$due` counting a lane's items due in a range of time and `$owned` narrowing the day's
/// touches and replies: the team's or the caller's.
macro_rules! queue_sql {
    ($lane:ident, $due:ident, $owned:ident) => {
        concat!(
            "WITH pacing AS (SELECT (SELECT st.value FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1) AS v), \
     limits AS (SELECT coalesce(v ->> '$.linkedin_connections_daily', 20) AS connects_daily, \
         coalesce(v ->> '$.linkedin_connections_weekly', 100) AS connects_weekly, \
         coalesce(v ->> '$.linkedin_messages_daily', 50) AS messages_daily FROM pacing), \
     used AS (SELECT coalesce(sum(t.kind = 'linkedin_connect' AND t.sent_at >= :day_start), 0) AS connects_today, \
         coalesce(sum(t.kind = 'linkedin_connect'), 0) AS connects_week, \
         coalesce(sum(t.kind <> 'linkedin_connect' AND t.sent_at >= :day_start), 0) AS messages_today \
       FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :week_start AND t.sent_at < :day_end AND t.created_by = :me), \
     room AS (SELECT max(0, min(connects_daily - connects_today, connects_weekly - connects_week)) AS connects, \
         max(0, messages_daily - messages_today) AS messages FROM limits, used), \
     items AS MATERIALIZED (",
            $lane!("reply", "", ":per_kind"),
            " UNION ALL ",
            // A meeting's and a follow-up's order_key is its time (order_score 0): a range of the index.
            $lane!("meeting", " AND q.order_score = 0 AND q.order_key >= :recent AND q.order_key < :tomorrow", ":per_kind"),
            " UNION ALL ",
            $lane!("followup", " AND q.order_score = 0 AND q.order_key < :day_end", ":per_kind"),
            " UNION ALL ",
            $lane!("review", "", ":per_kind"),
            " UNION ALL ",
            $lane!("ready", " AND q.busy = 0", ":per_kind"),
            " UNION ALL ",
            $lane!("linkedin", " AND q.detail = 'linkedin_connect'", "min(:per_kind, (SELECT connects FROM room))"),
            " UNION ALL ",
            $lane!("linkedin", " AND q.detail <> 'linkedin_connect'", "min(:per_kind, (SELECT messages FROM room))"),
            " UNION ALL ",
            $lane!("research", "", "10"),
            "), \
     top AS (SELECT i.*, CASE WHEN i.lane = 'followup' AND i.due_at < :day_start THEN i.priority + 2 ELSE i.priority END \
         AS ranked_priority FROM items i ORDER BY ranked_priority DESC, i.score DESC, i.due_at LIMIT :limit), \
     ranked AS (SELECT top.item, top.kind, top.due_at, top.ranked_priority AS priority, \
         top.contact_id, top.channel, top.reply_id, top.draft_id, top.followup_id, top.opportunity_id, top.excerpt, top.detail, \
         trim(c.first_name || ' ' || coalesce(c.last_name, '')) AS contact_name, \
         (SELECT a.name FROM accounts a INDEXED BY idx_accounts_names WHERE a.id = c.account_id) AS account_name, \
         top.score, c.linkedin_url AS linkedin_url, c.phone AS phone, \
         CASE WHEN top.kind IN ('linkedin', 'call') THEN (SELECT d.body FROM message_drafts d WHERE d.id = top.draft_id) END AS body \
         FROM top JOIN contacts c ON c.id = top.contact_id), \
     counts AS (SELECT coalesce(sum(k.n) FILTER (WHERE k.lane = 'reply'), 0) AS replies_waiting, \
            ",
            $due!("meeting", " AND q.order_key >= :recent AND q.order_key < :tomorrow"),
            " AS meetings, ",
            $due!("followup", " AND q.order_key < :day_end"),
            " AS followups_due, \
         coalesce(sum(k.n) FILTER (WHERE k.lane = 'review'), 0) AS drafts_pending, \
         coalesce(sum(k.n) FILTER (WHERE k.lane = 'ready' AND k.channel_key = 'email'), 0) AS emails_ready, \
         coalesce(sum(k.n) FILTER (WHERE k.lane = 'linkedin'), 0) AS linkedin_ready, \
         coalesce(sum(k.n) FILTER (WHERE k.lane = 'ready' AND k.channel_key = 'call'), 0) AS calls_ready \
         FROM queue_counts k WHERE k.lane IN ('reply', 'review', 'ready', 'linkedin') \
         AND (:team OR k.owner_key IN ('', :me))), \
     done AS (SELECT \
         (SELECT count(*) FROM touchpoints t WHERE t.channel = 'email' AND t.sent_at >= :day_start AND t.sent_at < :day_end",
            $owned!("t"),
            ") AS emails_today, \
         (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
         AND (:team OR t.created_by = :me)) AS linkedin_today, \
         (SELECT count(*) FROM touchpoints t WHERE t.channel = 'call' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
         AND (:team OR t.created_by = :me)) AS calls_today, \
         (SELECT count(*) FROM replies r WHERE r.channel IN ('email', 'linkedin', 'call') \
         AND r.replied_at >= :day_start AND r.replied_at < :day_end",
            $owned!("r"),
            ") AS replies_today) \
     SELECT ranked.*, counts.*, done.emails_today, done.linkedin_today, done.calls_today, done.replies_today, \
         used.connects_today, limits.connects_daily, used.connects_week, limits.connects_weekly, used.messages_today, \
         limits.messages_daily, room.connects, room.messages \
     FROM counts, done, used, limits, room LEFT JOIN ranked ON true ORDER BY ranked.priority DESC, ranked.score DESC, ranked.due_at"
        )
    };
}

/// The queue in one statement: the ranked items (item, kind, due_at, priority, contact id,
/// channel, reply, draft, follow-up, opportunity, excerpt, detail; then the contact's name,
/// company, score, LinkedIn address and phone, and a task's text), each row with the day's
/// counts and LinkedIn's room; one row of counts alone when there is nothing to do. The items
/// are ranked on their own columns (each carries its contact's score, migration 0008), and only
/// those shown are given their names, company and task text. The counts of the lanes that do
/// not depend on the time come from `queue_counts` (kept by triggers, migration 0009), those
/// of meetings and follow-ups from ranges of the lane's indexes. A rep's queue (`QUEUE_MINE_SQL`:
/// theirs and nobody's) reads its own ranges of the indexes by owner, the day's emails and
/// replies among them; the team's (`QUEUE_TEAM_SQL`) the lanes' ranges and the day's.
pub const QUEUE_TEAM_SQL: &str = queue_sql!(team_lane, team_due, team_owned);

/// The queue of the caller (`:me`): theirs and nobody's (see [`QUEUE_TEAM_SQL`]).
pub const QUEUE_MINE_SQL: &str = queue_sql!(mine_lane, mine_due, mine_owned);
