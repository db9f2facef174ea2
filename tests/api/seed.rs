//! Demo data: loaded once into an empty database, through the audited paths.

use occ_core::store::{col, migrate};

use crate::helpers::{TestDb, spawn_app};

#[tokio::test]
async fn demo_data_fills_an_empty_database_once_and_is_listed_by_the_api() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let summary = occ_core::seed::demo(&conn).await.expect("seed").expect("an empty database is seeded");
    assert!(summary.contains("40 accounts"), "{summary}");
    assert_eq!(occ_core::seed::demo(&conn).await.expect("seed again"), None, "a second run changes nothing");

    let count = |sql: &'static str| {
        let conn = &conn;
        async move { conn.query_one("count", sql, (), |row| col::<i64>(row, 0)).await.expect(sql) }
    };
    assert_eq!(count("SELECT count(*) FROM accounts").await, 40);
    assert!((200..=500).contains(&count("SELECT count(*) FROM contacts").await));
    assert!(count("SELECT count(DISTINCT stage) FROM contacts").await >= 10);
    assert!(count("SELECT count(DISTINCT industry) FROM accounts").await >= 6);
    assert_eq!(
        count("SELECT count(*) FROM audit_log WHERE actor = 'seed' AND entity = 'account' AND after IS NOT NULL").await,
        40
    );
    assert_eq!(
        count("SELECT count(*) FROM audit_log WHERE actor = 'seed' AND entity = 'contact' AND after IS NOT NULL").await,
        count("SELECT count(*) FROM contacts").await
    );
    assert_eq!(count("SELECT count(*) FROM contacts WHERE account_id IS NULL").await, 0);
    assert_eq!(
        count("SELECT count(*) FROM icp_scores").await,
        count("SELECT count(*) FROM contacts").await,
        "each score has its history row"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM contacts WHERE priority_score <> (SELECT sum(value) FROM json_each(priority_factors))"
        )
        .await,
        0,
        "every seeded score is explained by its factors"
    );
    assert!(count("SELECT count(DISTINCT priority_score) FROM contacts").await > 10, "scores vary");
    assert_eq!(count("SELECT max(version) FROM settings WHERE key = 'icp'").await, 1, "the demo's model is saved");
    assert_eq!(migrate::verify(&conn).await.expect("verify"), Vec::<String>::new());
}

#[tokio::test]
async fn seeding_the_demo_again_keeps_the_data_and_the_demo_admin_can_sign_in_after_each_run() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    let sign_in = |password: &'static str| {
        let request = app.client.post(app.url("/api/v1/auth/login"));
        app.send_raw(request.json(&serde_json::json!({"email": occ_core::seed::DEMO_EMAIL, "password": password})))
    };
    let first = occ_core::seed::demo_with_admin(&conn, "first-password-12").await.expect("seed");
    assert!(first.is_some_and(|summary| summary.contains("40 accounts")));
    assert_eq!(sign_in("first-password-12").await.status, 200);

    let again = occ_core::seed::demo_with_admin(&conn, "second-password-34").await.expect("seed again");
    assert_eq!(again, None, "a seeded database keeps its data");
    let accounts = conn.query_one("count", "SELECT count(*) FROM accounts", (), |row| col::<i64>(row, 0)).await;
    assert_eq!(accounts.expect("count"), 40);
    assert_eq!(sign_in("second-password-34").await.status, 200, "the admin takes the new password");
    assert_eq!(sign_in("first-password-12").await.status, 401);
}

#[tokio::test]
async fn seeded_accounts_are_searchable() {
    let app = spawn_app().await;
    occ_core::seed::demo(&app.db.conn().await).await.expect("seed");
    let page = app.get("/api/v1/accounts?limit=200").await;
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(40));
    let first = page.body["items"][0]["name"].as_str().expect("name").to_owned();
    let found = app.get(&format!("/api/v1/accounts?q={}", &first[1..5])).await;
    assert!(
        found.body["items"].as_array().expect("items").iter().any(|a| a["name"] == first.as_str()),
        "{}",
        found.text
    );
}

#[tokio::test]
async fn deleting_an_account_keeps_its_contacts_without_an_account() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::demo(&conn).await.expect("seed");
    let (account, people): (String, i64) = conn
        .query_one(
            "account",
            "SELECT account_id, count(*) FROM contacts GROUP BY account_id ORDER BY count(*) DESC LIMIT 1",
            (),
            |row| Ok((col(row, 0)?, col(row, 1)?)),
        )
        .await
        .expect("an account with contacts");
    let answer = app.delete(&format!("/api/v1/accounts/{account}")).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    let orphans: i64 = conn
        .query_one("count", "SELECT count(*) FROM contacts WHERE account_id IS NULL", (), |row| col(row, 0))
        .await
        .expect("count");
    assert_eq!(orphans, people, "the account's people stay, without it");
}

#[tokio::test]
async fn a_synthetic_books_send_rollups_counted_at_the_end_are_those_its_triggers_keep() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    occ_core::seed::synthetic(&conn, 400, |_| {}).await.expect("seed").expect("an empty database is seeded");
    let rollups = "SELECT json_group_array(json_array(dim, day, channel, sequence_key, value, sends, replied, positive, meetings)) \
         FROM (SELECT * FROM send_rollups WHERE sends <> 0 OR replied <> 0 OR positive <> 0 OR meetings <> 0 \
         ORDER BY dim, day, channel, sequence_key, value)";
    let daily = "SELECT json_group_array(json_array(day, owner_key, channel, sends, first_touches)) \
         FROM (SELECT * FROM activity_daily WHERE sends <> 0 OR first_touches <> 0 ORDER BY day, owner_key, channel)";
    let read = |sql: &'static str| {
        let conn = &conn;
        async move { conn.query_one("rollups", sql, (), |row| col::<String>(row, 0)).await.expect(sql) }
    };
    let (counted, counted_daily) = (read(rollups).await, read(daily).await);
    let shape: serde_json::Value = conn
        .query_one(
            "shape",
            "SELECT json_object('dims', (SELECT count(DISTINCT dim) FROM send_rollups), \
             'sends', (SELECT sum(sends) FROM send_rollups WHERE dim = 'channel'), 'facts', (SELECT count(*) FROM send_facts), \
             'replied', (SELECT sum(replied) FROM send_rollups), 'meetings', (SELECT sum(meetings) FROM send_rollups), \
             'first', (SELECT sum(first_touches) FROM activity_daily))",
            (),
            |row| Ok(serde_json::from_str(&col::<String>(row, 0)?).expect("json")),
        )
        .await
        .expect("shape");
    assert_eq!(shape["dims"], 11, "{shape}");
    assert_eq!(shape["sends"], shape["facts"], "{shape}");
    assert!(shape["facts"].as_i64() > Some(2_000), "{shape}");
    assert!(shape["replied"].as_i64() > Some(0) && shape["meetings"].as_i64() > Some(0), "{shape}");
    assert!(shape["first"].as_i64() > Some(100), "{shape}");
    // The same facts again, one by one through the triggers the load set aside (now back).
    conn.execute("CREATE TABLE replayed_facts AS SELECT * FROM send_facts", ()).await.expect("copy");
    conn.immediate(async |conn| {
        conn.execute("DELETE FROM send_facts", ()).await?;
        conn.execute("DELETE FROM send_rollups", ()).await?;
        conn.execute("UPDATE activity_daily SET sends = 0, first_touches = 0", ()).await?;
        conn.execute("INSERT INTO send_facts SELECT * FROM replayed_facts", ()).await
    })
    .await
    .expect("replay");
    assert_eq!(read(rollups).await, counted);
    assert_eq!(read(daily).await, counted_daily);
}

#[tokio::test]
async fn a_synthetic_books_send_facts_are_those_its_trigger_writes() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    occ_core::seed::synthetic(&conn, 400, |_| {}).await.expect("seed").expect("an empty database is seeded");
    const COLUMNS: &str = "contact_id, sent_at, day, owner_key, channel, sequence_key, step_key, variant_key, industry, \
         seniority, department, persona, signal_kind, weekday, hour, first_touch";
    // Every sent touch written again (a copy, in the order the load wrote them) through the
    // trigger the load set aside, its facts beside those the load wrote.
    conn.immediate(async |conn| {
        conn.execute(&format!("CREATE TABLE loaded_facts AS SELECT touchpoint_id, {COLUMNS} FROM send_facts"), ())
            .await?;
        conn.execute("DELETE FROM send_facts", ()).await?;
        conn.execute(
            "INSERT INTO touchpoints (id, contact_id, channel, kind, status, draft_id, enrollment_id, variant_id, \
             to_address, idempotency_key, scheduled_at, sent_at, attempts, created_at, updated_at, owner_key) \
             SELECT 'copy-' || id, contact_id, channel, kind, status, draft_id, enrollment_id, variant_id, to_address, \
             'copy:' || idempotency_key, scheduled_at, sent_at, attempts, created_at, updated_at, owner_key \
             FROM touchpoints WHERE status = 'sent' ORDER BY rowid",
            (),
        )
        .await
    })
    .await
    .expect("replay");
    let compare = format!(
        "SELECT json_object('loaded', (SELECT count(*) FROM loaded_facts), 'replayed', (SELECT count(*) FROM send_facts), \
         'first_touches', (SELECT sum(first_touch) FROM loaded_facts), \
         'signalled', (SELECT count(*) FROM loaded_facts WHERE signal_kind <> ''), \
         'sequenced', (SELECT count(*) FROM loaded_facts WHERE sequence_key <> '' AND step_key <> ''), \
         'differ', (SELECT json_group_array(json_object('loaded', json_array({COLUMNS}))) FROM ( \
             SELECT {COLUMNS} FROM loaded_facts EXCEPT \
             SELECT {COLUMNS} FROM send_facts WHERE touchpoint_id IN (SELECT 'copy-' || touchpoint_id FROM loaded_facts))), \
         'unmatched', (SELECT count(*) FROM loaded_facts l WHERE NOT EXISTS ( \
             SELECT 1 FROM send_facts f WHERE f.touchpoint_id = 'copy-' || l.touchpoint_id)))"
    );
    let seen: serde_json::Value = conn
        .query_one("compare", &compare, (), |row| Ok(serde_json::from_str(&col::<String>(row, 0)?).expect("json")))
        .await
        .expect("compare");
    assert!(seen["loaded"].as_i64() > Some(2_000), "{seen}");
    assert_eq!(seen["loaded"], seen["replayed"], "{seen}");
    assert_eq!(seen["unmatched"], 0, "{seen}");
    assert_eq!(seen["differ"], serde_json::json!([]), "{seen}");
    // The comparison covers each kind of value: first touches, signals, the day's sequences.
    assert!(seen["first_touches"].as_i64() > Some(100), "{seen}");
    assert!(seen["signalled"].as_i64() > Some(0) && seen["sequenced"].as_i64() > Some(0), "{seen}");
}

#[tokio::test]
async fn a_synthetic_book_has_the_size_asked_for_and_stays_consistent() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let reports = std::sync::Mutex::new(Vec::new());
    let summary = occ_core::seed::synthetic(&conn, 1_234, |done| reports.lock().expect("lock").push(done))
        .await
        .expect("seed")
        .expect("an empty database is seeded");
    assert!(summary.contains("1234 contacts"), "{summary}");
    let reports = reports.into_inner().expect("lock");
    assert_eq!(reports.last(), Some(&1_234));
    assert!(reports.windows(2).all(|w| w[0] < w[1]), "progress only grows: {reports:?}");
    let count = |sql: &'static str| {
        let conn = &conn;
        async move { conn.query_one("count", sql, (), |row| col::<i64>(row, 0)).await.expect(sql) }
    };
    assert_eq!(count("SELECT count(*) FROM contacts").await, 1_234);
    assert_eq!(count("SELECT count(*) FROM accounts").await, 124);
    assert!(count("SELECT count(*) FROM signals").await > 100);
    // The people with a fresh, strong signal of their own or their company's are scored with it.
    let signalled = "FROM contacts c WHERE EXISTS (SELECT 1 FROM signals s WHERE (s.contact_id = c.id \
         OR s.account_id = c.account_id) AND s.strength >= 3 \
         AND s.occurred_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days'))";
    let fresh = conn
        .query_one("count", &format!("SELECT count(*) {signalled}"), (), |row| col::<i64>(row, 0))
        .await
        .expect("count");
    let unscored = conn
        .query_one(
            "count",
            &format!("SELECT count(*) {signalled} AND c.priority_factors ->> 'signals' = 0"),
            (),
            |row| col::<i64>(row, 0),
        )
        .await
        .expect("count");
    assert!(fresh > 50 && unscored == 0, "{unscored} of {fresh} people with a fresh signal not scored for it");
    assert_eq!(
        count("SELECT count(*) FROM audit_log WHERE after IS NULL AND entity IN ('contact', 'account')").await,
        0,
        "every contact and account has its audit entry filled"
    );
    // The demo's day of outreach in every chunk, through one pair of sequences.
    assert_eq!(count("SELECT count(*) FROM sequences").await, 2);
    assert!(count("SELECT count(*) FROM touchpoints").await > 20);
    assert!(count("SELECT count(*) FROM message_drafts WHERE approval_status = 'pending'").await >= 6);
    assert!(count("SELECT count(*) FROM replies").await >= 4);
    assert!(count("SELECT count(*) FROM opportunities").await >= 1);
    // A year of history under it: about ten sends a contact, some answered, long dealt with.
    let sends = count("SELECT count(*) FROM touchpoints WHERE idempotency_key LIKE 'history:%'").await;
    assert!((7 * 1_234..13 * 1_234).contains(&sends), "{sends} history sends");
    // Each LinkedIn send recorded its event (besides the acceptances the day's walks write),
    // each with a time-ordered id (a UUIDv7).
    assert_eq!(
        count("SELECT count(*) FROM linkedin_events WHERE kind <> 'connection_accepted'").await,
        count("SELECT count(*) FROM touchpoints WHERE channel = 'linkedin' AND status = 'sent'").await
    );
    assert_eq!(
        count("SELECT count(*) FROM linkedin_events WHERE id NOT GLOB '????????-????-7???-[89ab]???-????????????'")
            .await,
        0
    );
    let replies = count("SELECT count(*) FROM replies WHERE handled_at IS NOT NULL").await;
    assert!(replies * 100 > sends * 4 && replies * 100 < sends * 8, "{replies} replies to {sends} sends");
    assert_eq!(
        count("SELECT count(*) FROM queue_items q JOIN replies r ON r.id = q.reply_id AND r.handled_at IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM (SELECT contact_id FROM opportunities \
             WHERE status IN ('meeting_booked', 'meeting_held', 'opportunity_created') GROUP BY contact_id HAVING count(*) > 1)"
        )
        .await,
        0
    );
    // A team owns the book, an account's people one rep, a few accounts nobody.
    assert_eq!(
        count("SELECT count(*) FROM users WHERE role = 'bdr' AND email LIKE 'rep%@synthetic.occ.local'").await,
        20
    );
    let unowned = count("SELECT count(*) FROM contacts WHERE owner_id IS NULL").await;
    assert!(unowned > 0 && unowned * 5 < 1_234, "{unowned} contacts of nobody");
    assert_eq!(count("SELECT count(DISTINCT owner_id) FROM contacts").await, 20, "every rep has people");
    assert_eq!(
        count("SELECT count(*) FROM (SELECT account_id FROM contacts GROUP BY account_id HAVING count(DISTINCT coalesce(owner_id, '')) > 1)")
            .await,
        0,
        "an account's people have one owner"
    );
    let first = occ_core::seed::first_rep(&conn).await.expect("rep").expect("the first rep");
    let theirs = conn
        .query_one("count", "SELECT count(*) FROM contacts WHERE owner_id = ?1", [first], |row| col::<i64>(row, 0))
        .await
        .expect("count");
    assert!(theirs > 20, "the first rep's book: {theirs}");
    assert!(summary.contains(" opportunities"), "{summary}");
    // Everyone is in the text index, as its trigger puts people (the check compares the index
    // with the table: an entry missing or too many fails it), and search finds them.
    conn.execute("INSERT INTO contacts_fts (contacts_fts, rank) VALUES ('integrity-check', 1)", ())
        .await
        .expect("the text index holds the contacts, and only them");
    for end in ["ASC", "DESC"] {
        let found = conn
            .query_one(
                "count",
                &format!(
                    "SELECT count(*) FROM contacts_fts WHERE contacts_fts MATCH \
                     (SELECT '\"' || email || '\"' FROM contacts ORDER BY rowid {end} LIMIT 1)"
                ),
                (),
                |row| col::<i64>(row, 0),
            )
            .await
            .expect("search");
        assert_eq!(found, 1, "the book's {end} contact by address");
    }
    assert_eq!(migrate::verify(&conn).await.expect("verify"), Vec::<String>::new());
    // The indexes made after the load are in the schema's order, as the migrations made them
    // (the planner settles ties by it).
    let fresh_db = TestDb::new();
    let fresh = fresh_db.conn().await;
    migrate::up(&fresh, None).await.expect("migrate");
    let order = "SELECT name FROM sqlite_schema WHERE type = 'index' \
         AND tbl_name IN ('contacts', 'icp_scores', 'touchpoints', 'linkedin_events', 'replies') ORDER BY tbl_name, rowid";
    assert_eq!(
        conn.query_all(order, (), occ_core::store::single::<String>).await.expect("indexes"),
        fresh.query_all(order, (), occ_core::store::single::<String>).await.expect("indexes"),
    );
    assert_eq!(occ_core::seed::synthetic(&conn, 10, |_| {}).await.expect("again"), None);
}
