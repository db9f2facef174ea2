//! The demo's outreach: a BDR's day end to end over four months of history, consistent with the
//! schema's rules and with the contacts' stages. The day's rows are told apart by their keys
//! (`demo:` sends, `<demo-reply-` replies); the history's sends are keyed `history:`.

use occ_core::store::{Conn, col, migrate};

use crate::helpers::{TestDb, spawn_app};

async fn count(conn: &Conn, sql: &str) -> i64 {
    conn.query_one("count", sql, (), |row| col::<i64>(row, 0)).await.expect(sql)
}

#[tokio::test]
async fn the_demo_holds_a_working_day_of_outreach_that_agrees_with_every_stage() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let summary = occ_core::seed::demo(&conn).await.expect("seed").expect("an empty database is seeded");
    assert!(summary.contains("2 sequences"), "{summary}");

    // (what, query, lowest, highest)
    let expectations: &[(&str, &str, i64, i64)] = &[
        ("sequences", "SELECT count(*) FROM sequences WHERE status = 'active'", 2, 3),
        (
            "break-up is each sequence's last step",
            "SELECT count(*) FROM sequence_steps s WHERE is_break_up = 1 \
          AND position = (SELECT max(position) FROM sequence_steps t WHERE t.sequence_id = s.sequence_id)",
            2,
            3,
        ),
        ("live enrollments", "SELECT count(*) FROM enrollments WHERE status IN ('active', 'paused')", 14, 20),
        ("paused", "SELECT count(*) FROM enrollments WHERE status = 'paused'", 2, 3),
        (
            "due now",
            "SELECT count(*) FROM enrollments WHERE status = 'active' AND next_due_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            2,
            5,
        ),
        (
            "due later",
            "SELECT count(*) FROM enrollments WHERE status = 'active' AND next_due_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            8,
            15,
        ),
        (
            "exited after a reply",
            "SELECT count(*) FROM enrollments WHERE status = 'exited' AND exit_reason = 'replied'",
            1,
            10,
        ),
        (
            "pending drafts with a report",
            "SELECT count(*) FROM message_drafts WHERE approval_status = 'pending' \
          AND json_type(quality_report, '$.passed') IN ('true', 'false')",
            6,
            6,
        ),
        (
            "approved emails, one of them sent or not (a person checks)",
            "SELECT count(*) FROM message_drafts WHERE approval_status = 'approved' AND channel = 'email'",
            4,
            4,
        ),
        (
            "an interrupted send to check",
            "SELECT count(*) FROM touchpoints WHERE status = 'unknown' AND error IS NOT NULL AND sent_at IS NULL",
            1,
            1,
        ),
        (
            "approved LinkedIn",
            "SELECT count(*) FROM message_drafts WHERE approval_status = 'approved' AND channel = 'linkedin'",
            2,
            2,
        ),
        (
            "approved calls",
            "SELECT count(*) FROM message_drafts WHERE approval_status = 'approved' AND channel = 'call'",
            1,
            1,
        ),
        (
            "sent touchpoints",
            "SELECT count(*) FROM touchpoints t JOIN message_drafts d ON d.id = t.draft_id \
          WHERE t.status = 'sent' AND d.approval_status = 'sent' AND t.idempotency_key LIKE 'demo:%'",
            30,
            80,
        ),
        (
            "every sent touchpoint has its sent draft",
            "SELECT count(*) FROM touchpoints t LEFT JOIN message_drafts d ON d.id = t.draft_id \
          WHERE t.status = 'sent' AND d.approval_status IS NOT 'sent' AND t.idempotency_key LIKE 'demo:%'",
            0,
            0,
        ),
        (
            "emails carry their message",
            "SELECT count(*) FROM touchpoints WHERE kind = 'email' \
          AND (subject IS NULL OR body IS NULL OR to_address IS NULL)",
            0,
            0,
        ),
        (
            "LinkedIn connect notes fit",
            "SELECT count(*) FROM message_drafts WHERE channel = 'linkedin' AND length(body) > 300",
            0,
            0,
        ),
        (
            "calls with an outcome",
            "SELECT count(*) FROM touchpoints WHERE kind = 'call' AND call_outcome IS NOT NULL \
          AND duration_seconds IS NOT NULL AND idempotency_key LIKE 'demo:%'",
            1,
            5,
        ),
        (
            "connections sent",
            "SELECT count(*) FROM linkedin_events e JOIN touchpoints t ON t.id = e.touchpoint_id \
          WHERE e.kind = 'connection_sent' AND t.kind = 'linkedin_connect' AND t.idempotency_key LIKE 'demo:%'",
            10,
            30,
        ),
        ("connections accepted", "SELECT count(*) FROM linkedin_events WHERE kind = 'connection_accepted'", 1, 1),
        (
            "unhandled positive",
            "SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.intent = 'positive' \
          AND r.handled_at IS NULL AND r.classified_at IS NOT NULL AND c.stage = 'replied_positive'",
            1,
            1,
        ),
        (
            "unhandled question",
            "SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.intent = 'question' \
          AND r.handled_at IS NULL AND c.stage = 'replied'",
            1,
            1,
        ),
        (
            "out of office pauses until the return date",
            "SELECT count(*) FROM replies r JOIN enrollments e ON e.contact_id = r.contact_id \
          WHERE r.intent = 'out_of_office' AND e.status = 'paused' AND e.paused_until = r.return_date || 'T09:00:00.000Z'",
            1,
            1,
        ),
        (
            "not now: dormant, follow-up in 90 days",
            "SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id \
          JOIN followups f ON f.reply_id = r.id WHERE r.intent = 'not_now' AND c.stage = 'dormant' AND f.status = 'pending' \
          AND julianday(f.due_at) - julianday(r.replied_at) BETWEEN 89.9 AND 90.1",
            1,
            1,
        ),
        (
            "handled negative",
            "SELECT count(*) FROM replies r JOIN contacts c ON c.id = r.contact_id WHERE r.intent = 'negative' \
          AND r.handled_at IS NOT NULL AND c.stage = 'replied_negative' AND r.message_id LIKE '<demo-reply-%'",
            1,
            1,
        ),
        (
            "follow-ups due later today",
            "SELECT count(*) FROM followups WHERE status = 'pending' \
          AND due_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now') AND julianday(due_at) < julianday('now') + 0.5",
            2,
            2,
        ),
        (
            "overdue follow-ups",
            "SELECT count(*) FROM followups WHERE status = 'pending' \
          AND due_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            1,
            1,
        ),
        (
            "a meeting tomorrow",
            "SELECT count(*) FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
          JOIN replies r ON r.id = o.reply_id \
          WHERE r.message_id LIKE '<demo-reply-%' AND o.status = 'meeting_booked' AND c.stage = 'meeting_booked' AND julianday(o.meeting_at) - julianday('now') BETWEEN 0 AND 2.5",
            1,
            1,
        ),
        (
            "a meeting held",
            "SELECT count(*) FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
          JOIN replies r ON r.id = o.reply_id \
          WHERE r.message_id LIKE '<demo-reply-%' AND o.status = 'meeting_held' AND c.stage = 'meeting_held' AND o.meeting_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            1,
            1,
        ),
        (
            "an opportunity",
            "SELECT count(*) FROM opportunities o JOIN contacts c ON c.id = o.contact_id \
          JOIN replies r ON r.id = o.reply_id \
          WHERE r.message_id LIKE '<demo-reply-%' AND o.status = 'opportunity_created' AND c.stage = 'opportunity' AND o.amount_minor > 0 AND o.currency = 'USD'",
            1,
            1,
        ),
        (
            "at most one open opportunity each",
            "SELECT count(*) FROM (SELECT contact_id FROM opportunities \
          WHERE status IN ('meeting_booked', 'meeting_held', 'opportunity_created') GROUP BY contact_id HAVING count(*) > 1)",
            0,
            0,
        ),
        (
            "the fintech batch, in order",
            "SELECT count(*) FROM batch_prospects p JOIN batches b ON b.id = p.batch_id \
          WHERE b.name = 'Top fintech prospects' AND b.status = 'active' AND json_type(b.saved_filter, '$.query') = 'text' \
          AND p.position < (SELECT count(*) FROM batch_prospects q WHERE q.batch_id = b.id)",
            10,
            20,
        ),
        (
            "the fintech batch holds active fintech people",
            "SELECT count(*) FROM batch_prospects p JOIN batches b ON b.id = p.batch_id \
          JOIN contacts c ON c.id = p.contact_id JOIN accounts a ON a.id = c.account_id \
          WHERE b.name = 'Top fintech prospects' AND (a.industry <> 'Fintech' OR c.status <> 'active')",
            0,
            0,
        ),
        (
            "a draft batch",
            "SELECT count(*) FROM batch_prospects p JOIN batches b ON b.id = p.batch_id WHERE b.status = 'draft'",
            1,
            5,
        ),
        (
            "created rows are audited",
            "SELECT count(*) FROM audit_log WHERE actor = 'seed' AND entity IN \
          ('sequence', 'enrollment', 'draft', 'reply', 'followup', 'opportunity', 'batch', 'signal')",
            60,
            600,
        ),
        (
            "every reply and opportunity has its audit entry",
            "SELECT count(*) FROM (SELECT id FROM replies UNION ALL SELECT id FROM opportunities) x \
          WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity_id = x.id AND a.action LIKE '%.create')",
            0,
            0,
        ),
        // The history under the day: four months of sends, replies long dealt with, meetings.
        (
            "history sends",
            "SELECT count(*) FROM touchpoints WHERE idempotency_key LIKE 'history:%' AND status = 'sent' \
          AND sent_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-121 days')",
            1_000,
            4_000,
        ),
        (
            "history replies",
            "SELECT count(*) FROM replies r JOIN touchpoints t ON t.id = r.touchpoint_id \
          WHERE t.idempotency_key LIKE 'history:%' AND r.channel = t.channel AND r.replied_at > t.sent_at \
          AND r.handled_at IS NOT NULL AND r.classified_at IS NOT NULL",
            40,
            400,
        ),
        (
            "no history reply waits in Today's queue",
            "SELECT count(*) FROM queue_items q JOIN replies r ON r.id = q.reply_id WHERE coalesce(r.message_id, '') NOT LIKE '<demo-reply-%'",
            0,
            0,
        ),
        (
            "meetings from history replies",
            "SELECT count(*) FROM opportunities o JOIN replies r ON r.id = o.reply_id \
          WHERE r.intent = 'positive' AND coalesce(r.message_id, '') NOT LIKE '<demo-reply-%' AND o.created_at > r.replied_at",
            1,
            60,
        ),
        // Stages agree with the data.
        (
            "enrolled people are sequencing",
            "SELECT count(*) FROM enrollments e JOIN contacts c ON c.id = e.contact_id \
          WHERE e.status IN ('active', 'paused') AND c.stage <> 'sequencing'",
            0,
            0,
        ),
        (
            "touched people are past the first touch",
            "SELECT count(*) FROM contacts c WHERE EXISTS \
          (SELECT 1 FROM touchpoints t WHERE t.contact_id = c.id AND t.status = 'sent') AND (c.stage IN ('new', 'researched', 'drafted') OR c.status <> 'active')",
            0,
            0,
        ),
        (
            "last touch is the last send",
            "SELECT count(*) FROM contacts c WHERE EXISTS (SELECT 1 FROM touchpoints t WHERE t.contact_id = c.id) \
          AND c.last_touch_at IS NOT (SELECT max(sent_at) FROM touchpoints t WHERE t.contact_id = c.id)",
            0,
            0,
        ),
        (
            "nothing waits to go out to people who answered",
            "SELECT count(*) FROM message_drafts d JOIN replies r ON r.contact_id = d.contact_id \
          WHERE d.approval_status IN ('pending', 'approved') AND r.intent <> 'out_of_office'",
            0,
            0,
        ),
        (
            "scores explain themselves",
            "SELECT count(*) FROM contacts WHERE priority_score <> (SELECT sum(value) FROM json_each(priority_factors))",
            0,
            0,
        ),
        ("one score history row each", "SELECT count(*) - (SELECT count(*) FROM contacts) FROM icp_scores", 0, 0),
    ];
    for (what, sql, low, high) in expectations {
        let n = count(&conn, sql).await;
        assert!((*low..=*high).contains(&n), "{what}: {n}, expected {low}..={high}");
    }
    assert_eq!(migrate::verify(&conn).await.expect("verify"), Vec::<String>::new());
    let broken =
        conn.query_all("PRAGMA foreign_key_check", (), |row| col::<String>(row, 0)).await.expect("foreign key check");
    assert!(broken.is_empty(), "{broken:?}");

    // The tick drafts the steps that are due now, and nothing it writes is left unresolved.
    let report = occ_core::cron::worker::tick(&conn, chrono::Utc::now()).await.expect("tick");
    assert!(report.drafted >= 2, "{report:?}");
    assert_eq!(
        count(&conn, "SELECT count(*) FROM message_drafts WHERE json_array_length(quality_report, '$.unresolved') > 0")
            .await,
        0
    );
}

#[tokio::test]
async fn the_demo_batch_holds_what_its_saved_filter_lists() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::demo(&conn).await.expect("seed");
    let (batch, query, limit): (String, String, i64) = conn
        .query_one(
            "batch",
            "SELECT id, saved_filter ->> '$.query', saved_filter ->> '$.limit' FROM batches WHERE name = 'Top fintech prospects'",
            (),
            |row| Ok((col(row, 0)?, col(row, 1)?, col(row, 2)?)),
        )
        .await
        .expect("the fintech batch");
    let members = conn
        .query_all(
            "SELECT contact_id FROM batch_prospects WHERE batch_id = ?1 ORDER BY position",
            [batch.as_str()],
            |row| col::<String>(row, 0),
        )
        .await
        .expect("members");
    let page = app.get(&format!("/api/v1/contacts?{query}&limit={limit}")).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let listed: Vec<&str> =
        page.body["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(members.len() >= 10, "{}", members.len());
    assert_eq!(members, listed, "the batch is its filter's first {limit}, in order");
}

#[tokio::test]
async fn the_demo_runs_its_agents_once_with_a_finished_swarm_on_their_fallbacks() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    occ_core::seed::demo_with_admin(&conn, "demo-password-123").await.expect("seed");
    let summary = occ_core::seed::demo_agents(&db.config()).await.expect("agents").expect("the agents ran");
    assert!(summary.contains("60 swarm tasks"), "{summary}");
    let swarms = count(&conn, "SELECT count(*) FROM swarm_runs WHERE status = 'succeeded' AND total = 60").await;
    assert_eq!(swarms, 1, "one finished swarm of 12 people through the 5-agent pipeline");
    let tasks =
        count(&conn, "SELECT count(*) FROM swarm_tasks WHERE status = 'succeeded' AND agent_run_id IS NOT NULL").await;
    assert_eq!(tasks, 60);
    let agents = count(&conn, "SELECT count(DISTINCT agent) FROM agent_runs").await;
    assert!(agents >= 8, "most agents have runs to show: {agents}");
    assert_eq!(count(&conn, "SELECT count(*) FROM agent_runs WHERE used_fallback = 0").await, 0, "fallbacks only");
    let drafted =
        count(&conn, "SELECT count(*) FROM message_drafts WHERE author_kind = 'agent' AND agent_run_id IS NOT NULL")
            .await;
    assert_eq!(drafted, 12, "each person of the swarm has the drafter's draft");
    let approved = count(
        &conn,
        "SELECT count(*) FROM message_drafts WHERE agent_run_id IS NOT NULL AND approval_status = 'approved'",
    )
    .await;
    assert_eq!(approved, 0, "an agent's draft waits for a person");
    assert_eq!(occ_core::seed::demo_agents(&db.config()).await.expect("again"), None, "once");
}
