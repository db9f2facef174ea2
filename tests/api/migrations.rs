//! Migrations against a real database, in both modes.

use occ_core::store::{Conn, col, migrate};

use crate::helpers::TestDb;

#[tokio::test]
async fn migrations_go_up_down_and_up_again_and_verify() {
    let db = TestDb::new();
    let conn = db.conn().await;
    assert_eq!(migrate::applied_version(&conn).await.expect("version"), 0);
    let applied = migrate::up(&conn, None).await.expect("up");
    assert_eq!(applied, (1..=migrate::expected_version()).collect::<Vec<_>>());
    assert_eq!(migrate::verify(&conn).await.expect("verify"), Vec::<String>::new());
    assert!(migrate::up(&conn, None).await.expect("up again").is_empty(), "applying twice does nothing");

    let reverted = migrate::down(&conn, 0).await.expect("down");
    assert_eq!(reverted.len(), migrate::expected_version() as usize);
    let left: Vec<String> = conn
        .query_all(
            "SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' \
             AND name NOT LIKE '_litestream%' AND name NOT LIKE 'libsql_%'",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("schema");
    assert_eq!(left, Vec::<String>::new(), "down removes everything up created");

    migrate::up(&conn, None).await.expect("up after down");
    assert_eq!(migrate::verify(&conn).await.expect("verify"), Vec::<String>::new());
    let status = migrate::status(&conn).await.expect("status");
    assert!(status.iter().all(|s| s.applied_at.is_some() && !s.checksum_changed));
}

/// How many segments of each text index (contacts', accounts') FTS5 merges at a time.
async fn text_index_merges(conn: &Conn) -> Vec<i64> {
    conn.query_all(
        "SELECT v FROM contacts_fts_config WHERE k = 'automerge' \
         UNION ALL SELECT v FROM accounts_fts_config WHERE k = 'automerge'",
        (),
        |row| col(row, 0),
    )
    .await
    .expect("text index settings")
}

#[tokio::test]
async fn the_contacts_text_index_merges_sixteen_segments_at_a_time_the_companies_eight_and_down_puts_back_four() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("up");
    assert_eq!(text_index_merges(&conn).await, [16, 8]);
    migrate::down(&conn, 21).await.expect("down to 21");
    assert_eq!(text_index_merges(&conn).await, [8, 8]);
    migrate::down(&conn, 19).await.expect("down to 19");
    assert_eq!(text_index_merges(&conn).await, [4, 4]);
}

#[tokio::test]
async fn touches_and_replies_from_before_owner_keys_take_their_contacts_owner_and_down_drops_it() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, Some(20)).await.expect("up to 20");
    let rep = crate::helpers::create_user(&conn, "rep@before.test", occ_core::domain::enums::Role::Bdr).await;
    let at = occ_core::domain::now();
    for statement in [
        "INSERT INTO audit_log (id, at, actor, action, entity, entity_id) \
         VALUES ('a1', ?2, 'test', 'contact.create', 'contact', 'c1'), ('a2', ?2, 'test', 'contact.create', 'contact', 'c2')",
        "INSERT INTO contacts (id, first_name, owner_id, created_at, updated_at) \
         VALUES ('c1', 'Owned', ?1, ?2, ?2), ('c2', 'Free', NULL, ?2, ?2)",
        "INSERT INTO touchpoints (id, contact_id, channel, kind, status, idempotency_key, sent_at, created_at, updated_at) \
         VALUES ('t1', 'c1', 'email', 'email', 'sent', 't1', ?2, ?2, ?2), ('t2', 'c2', 'email', 'email', 'sent', 't2', ?2, ?2, ?2)",
        "INSERT INTO replies (id, contact_id, channel, body, replied_at, created_at, updated_at) \
         VALUES ('r1', 'c1', 'email', 'Yes', ?2, ?2, ?2), ('r2', 'c2', 'email', 'No', ?2, ?2, ?2)",
    ] {
        conn.execute(statement, libsql::params![rep.as_str(), at.as_str()]).await.expect(statement);
    }
    migrate::up(&conn, None).await.expect("up");
    let owners: Vec<(String, String)> = conn
        .query_all(
            "SELECT id, owner_key FROM touchpoints UNION ALL SELECT id, owner_key FROM replies ORDER BY id",
            (),
            |row| Ok((col(row, 0)?, col(row, 1)?)),
        )
        .await
        .expect("owners");
    let owned = |id: &str, owner: &str| (id.to_owned(), owner.to_owned());
    assert_eq!(owners, [owned("r1", &rep), owned("r2", ""), owned("t1", &rep), owned("t2", "")]);
    migrate::down(&conn, 20).await.expect("down to 20");
    let gone = conn.query_all("SELECT owner_key FROM touchpoints", (), |row| col::<String>(row, 0)).await;
    assert!(gone.is_err(), "down drops the column");
}

#[tokio::test]
async fn a_changed_migration_file_is_refused() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("up");
    conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", ()).await.expect("tamper");
    let err = migrate::up(&conn, None).await.expect_err("refused");
    assert!(err.to_string().contains("changed after it was applied"), "{err}");
    let problems = migrate::verify(&conn).await.expect("verify");
    assert!(problems.iter().any(|p| p.contains("changed after it was applied")), "{problems:?}");
    assert!(migrate::status(&conn).await.expect("status")[0].checksum_changed);
}

#[tokio::test]
async fn verify_names_a_missing_index() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("up");
    conn.execute("DROP INDEX accounts_created", ()).await.expect("drop");
    let problems = migrate::verify(&conn).await.expect("verify");
    assert_eq!(problems, ["missing from the database: accounts_created"]);
}

#[tokio::test]
async fn the_schema_enforces_foreign_keys_and_checks() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("up");
    let err = conn
        .execute(
            "INSERT INTO sessions (id, user_id, secret_hash, expires_at, last_seen_at, created_at) \
             VALUES ('s', 'nobody', 'h', 'x', 'x', 'x')",
            (),
        )
        .await
        .expect_err("a session for a missing user is refused");
    assert_eq!(err.status().as_u16(), 409, "{err:?}");
    let err = conn
        .execute(
            "INSERT INTO signals (id, account_id, kind, strength, occurred_at, created_at) \
             VALUES ('g', NULL, 'rumour', 3, 'x', 'x')",
            (),
        )
        .await
        .expect_err("a kind outside the CHECK list is refused");
    assert_eq!(err.status().as_u16(), 422, "{err:?}");
}

#[tokio::test]
async fn a_migration_that_fails_part_way_leaves_nothing_of_itself() {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let broken = migrate::Migration {
        version: 9999,
        name: "broken",
        up: "CREATE TABLE half_done (x INTEGER) STRICT;\nALTER TABLE contacts ADD COLUMN half_done TEXT;\nINSERT INTO no_such_table VALUES (1);",
        down: "",
    };
    let err = migrate::apply(&conn, &broken).await.expect_err("the third statement fails");
    assert!(format!("{err:#}").contains("rolled back"), "{err:#}");
    let leftovers: i64 = conn
        .query_one(
            "count",
            "SELECT (SELECT count(*) FROM sqlite_schema WHERE name = 'half_done') \
             + (SELECT count(*) FROM pragma_table_info('contacts') WHERE name = 'half_done') \
             + (SELECT count(*) FROM schema_migrations WHERE version = 9999)",
            (),
            |row| col(row, 0),
        )
        .await
        .expect("count");
    assert_eq!(leftovers, 0, "no table, no column, no record of the migration");
    let problems = migrate::verify(&conn).await.expect("verify");
    assert!(problems.is_empty(), "the schema is still the one the build expects: {problems:?}");
}
