//! Today's one statement: every kind of item, ranked, with the day's counts and LinkedIn's
//! room left under the limits.

/// The limits from the pacing settings, with the defaults.
macro_rules! linkedin_limit {
    ($key:literal, $default:expr) => {
        concat!(
            "coalesce((SELECT st.value ->> '$.",
            $key,
            "' FROM settings st WHERE st.key = 'pacing' ORDER BY st.version DESC LIMIT 1), ",
            $default,
            ")"
        )
    };
}

/// Whether the item (an SQL expression) is snoozed for this user now.
macro_rules! not_snoozed {
    ($item:expr) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM queue_snoozes z WHERE z.user_id = :me AND z.item = ",
            $item,
            " AND z.until > :now)"
        )
    };
}

/// The contact is the caller's to work (or `:team` asks for everyone's).
macro_rules! in_scope {
    () => {
        "(:team OR c.owner_id IS NULL OR c.owner_id = :me)"
    };
}

/// The day's counts, in scope: a select list.
macro_rules! counts_select {
    () => {
        concat!(
    "       (SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.handled_at IS NULL \
          AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now') AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM opportunities o JOIN contacts c ON c.id = o.contact_id WHERE o.status = 'meeting_booked' \
          AND o.meeting_at >= :recent AND o.meeting_at < :tomorrow AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM followups f JOIN contacts c ON c.id = f.contact_id WHERE f.status = 'pending' AND f.due_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'pending' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'email' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'linkedin' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved' \
          AND d.channel = 'call' AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t JOIN contacts c ON c.id = t.contact_id WHERE t.channel = 'email' \
          AND t.sent_at >= :day_start AND t.sent_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND (:team OR t.created_by = :me)), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'call' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND (:team OR t.created_by = :me)), \
       (SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.channel IN ('email', 'linkedin', 'call') \
          AND r.replied_at >= :day_start AND r.replied_at < :day_end AND ",
    in_scope!(),
    "), \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_connections_daily", 20),
    ", (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :week_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_connections_weekly", 100),
    ", (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind <> 'linkedin_connect' AND t.created_by = :me), ",
    linkedin_limit!("linkedin_messages_daily", 50)
)
    };
}

/// The queue in one statement: the ranked items (each arm yields item, kind, due_at, priority,
/// contact id, channel, reply, draft, follow-up, opportunity, excerpt, detail; then the
/// contact's name, company and score), each row with the day's counts and LinkedIn's room; one
/// row of counts alone when there is nothing to do.
pub const QUEUE_SQL: &str = concat!(
    "WITH used AS (SELECT \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me) AS connects_today, \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :week_start AND t.sent_at < :day_end \
          AND t.kind = 'linkedin_connect' AND t.created_by = :me) AS connects_week, \
       (SELECT count(*) FROM touchpoints t WHERE t.channel = 'linkedin' AND t.sent_at >= :day_start AND t.sent_at < :day_end \
          AND t.kind <> 'linkedin_connect' AND t.created_by = :me) AS messages_today), \
     room AS (SELECT max(0, min(",
    linkedin_limit!("linkedin_connections_daily", 20),
    " - connects_today, ",
    linkedin_limit!("linkedin_connections_weekly", 100),
    " - connects_week)) AS connects, max(0, ",
    linkedin_limit!("linkedin_messages_daily", 50),
    " - messages_today) AS messages FROM used), \
     items(item, kind, due_at, priority, contact_id, channel, reply_id, draft_id, followup_id, opportunity_id, excerpt, detail) AS ( \
     SELECT * FROM (SELECT 'reply:' || r.id, CASE r.intent WHEN 'positive' THEN 'reply_positive' ELSE 'reply' END, r.replied_at, \
         CASE r.intent WHEN 'positive' THEN 100 WHEN 'question' THEN 85 WHEN 'referral' THEN 80 WHEN 'neutral' THEN 75 ELSE 45 END, \
         r.contact_id, r.channel, r.id, NULL, NULL, NULL, substr(r.body, 1, 160), r.intent \
       FROM replies r JOIN contacts c ON c.id = r.contact_id \
       WHERE r.handled_at IS NULL AND r.intent IN ('positive', 'question', 'referral', 'neutral', 'negative', 'not_now') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'reply:' || r.id"),
    " ORDER BY r.replied_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'meeting:' || o.id, 'meeting', o.meeting_at, 95, o.contact_id, NULL, NULL, NULL, NULL, o.id, \
         substr(o.notes, 1, 160), NULL \
       FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
       WHERE o.status = 'meeting_booked' AND o.meeting_at >= :recent AND o.meeting_at < :tomorrow AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'meeting:' || o.id"),
    " ORDER BY o.meeting_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'followup:' || f.id, 'followup', f.due_at, CASE WHEN f.due_at < :day_start THEN 72 ELSE 70 END, \
         f.contact_id, f.channel, NULL, NULL, f.id, NULL, f.reason, NULL \
       FROM followups f JOIN contacts c ON c.id = f.contact_id \
       WHERE f.status = 'pending' AND f.due_at < :day_end AND c.status NOT IN ('bounced', 'do_not_contact') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'followup:' || f.id"),
    " ORDER BY f.due_at LIMIT :per_kind) \
     UNION ALL SELECT * FROM (SELECT 'draft:' || d.id, 'review', d.created_at, 60, d.contact_id, d.channel, NULL, d.id, NULL, NULL, \
         coalesce(d.subject, substr(d.body, 1, 160)), CAST(json_array_length(d.quality_report, '$.flags') AS TEXT) \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
       WHERE d.approval_status = 'pending' AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    " ORDER BY d.created_at LIMIT :per_kind) \
     UNION ALL SELECT item, kind, due, CASE kind WHEN 'send_check' THEN 90 WHEN 'send_failed' THEN 68 WHEN 'call' THEN 65 ELSE 50 END, \
         contact, channel, r, d, f, o, CASE WHEN kind IN ('send_check', 'send_failed') THEN error ELSE excerpt END, detail FROM ( \
       SELECT 'draft:' || d.id AS item, \
         CASE WHEN d.channel = 'call' THEN 'call' WHEN t.status = 'unknown' THEN 'send_check' \
           WHEN (SELECT coalesce(sum(x.attempts), 0) FROM touchpoints x WHERE x.draft_id = d.id AND x.status = 'failed') >= :max_attempts \
           THEN 'send_failed' ELSE 'email' END AS kind, \
         coalesce(t.updated_at, d.updated_at) AS due, d.contact_id AS contact, d.channel AS channel, NULL AS r, d.id AS d, \
         NULL AS f, NULL AS o, coalesce(d.subject, substr(d.body, 1, 160)) AS excerpt, t.error AS error, t.id AS detail \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
       LEFT JOIN touchpoints t ON t.id = (SELECT l.id FROM touchpoints l WHERE l.draft_id = d.id ORDER BY l.created_at DESC LIMIT 1) \
       WHERE d.approval_status = 'approved' AND d.channel IN ('email', 'call') AND coalesce(t.status, '') NOT IN ('reserved', 'sending') AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    " ORDER BY d.created_at LIMIT :per_kind) \
     UNION ALL SELECT item, kind, due, prio, contact, channel, r, d, f, o, excerpt, detail FROM ( \
       SELECT 'draft:' || d.id AS item, 'linkedin' AS kind, d.updated_at AS due, 55 AS prio, d.contact_id AS contact, \
         d.channel AS channel, NULL AS r, d.id AS d, NULL AS f, NULL AS o, substr(d.body, 1, 160) AS excerpt, \
         coalesce(s.kind, 'linkedin_message') AS detail, \
         row_number() OVER (PARTITION BY coalesce(s.kind, 'linkedin_message') = 'linkedin_connect' ORDER BY d.created_at) AS n \
       FROM message_drafts d JOIN contacts c ON c.id = d.contact_id LEFT JOIN sequence_steps s ON s.id = d.step_id \
       WHERE d.approval_status = 'approved' AND d.channel = 'linkedin' AND ",
    in_scope!(),
    " AND ",
    not_snoozed!("'draft:' || d.id"),
    ") WHERE n <= (SELECT CASE WHEN detail = 'linkedin_connect' THEN connects ELSE messages END FROM room) AND n <= :per_kind \
     UNION ALL SELECT * FROM (SELECT 'contact:' || c.id, 'research', c.updated_at, 20 + c.priority_score / 5, c.id, NULL, NULL, NULL, \
         NULL, NULL, c.title, CAST(c.priority_score AS TEXT) \
       FROM contacts c WHERE c.status = 'active' AND c.stage = 'new' AND c.priority_score >= :research_score AND ",
    in_scope!(),
    " AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id AND e.status IN ('active', 'paused')) AND ",
    not_snoozed!("'contact:' || c.id"),
    " ORDER BY c.priority_score DESC, c.id LIMIT 10)), \
     ranked AS (SELECT i.*, trim(c.first_name || ' ' || coalesce(c.last_name, '')) AS contact_name, a.name AS account_name, \
         c.priority_score AS score, c.linkedin_url AS linkedin_url, c.phone AS phone, \
         CASE WHEN i.kind IN ('linkedin', 'call') THEN (SELECT d.body FROM message_drafts d WHERE d.id = i.draft_id) END AS body \
       FROM items i JOIN contacts c ON c.id = i.contact_id LEFT JOIN accounts a ON a.id = c.account_id \
       ORDER BY i.priority DESC, c.priority_score DESC, i.due_at LIMIT :limit), \
     counts AS (SELECT ",
    counts_select!(),
    ") \
     SELECT ranked.*, counts.*, (SELECT connects FROM room), (SELECT messages FROM room) \
     FROM counts LEFT JOIN ranked ON true ORDER BY ranked.priority DESC, ranked.score DESC, ranked.due_at"
);
