//! Backups in both modes: a dump loads into an empty database and gives back the same data.

use occ_core::config::Config;
use occ_core::store::{Store, backup, col, migrate};

use crate::helpers::{TestDb, spawn_app};

#[tokio::test]
async fn a_dump_restores_into_an_empty_database_with_its_data_search_and_audit_guards() {
    let app = spawn_app().await;
    let conn = app.db.conn().await;
    occ_core::seed::demo(&conn).await.expect("seed");
    app.create_account(
        serde_json::json!({"name": "O'Reilly & Sons", "domain": "oreilly-sons.com", "notes": "line one\nline two"}),
    )
    .await;

    let mut dump = Vec::new();
    let rows = backup::dump(&conn, &mut dump).await.expect("dump");
    assert!(rows > 300, "{rows} rows");
    let text = String::from_utf8(dump).expect("utf-8");

    let dir = tempfile::tempdir().expect("temp dir");
    let restored = Store::open(&Config::local(dir.path().join("restored.db"))).await.expect("open");
    let restored = restored.connect().await.expect("connect");
    restored.execute_script(&text).await.expect("the dump loads");

    let count = async |conn: &occ_core::store::Conn, sql: &str| {
        conn.query_one("count", sql, (), |row| col::<i64>(row, 0)).await.expect(sql)
    };
    for sql in ["SELECT count(*) FROM accounts", "SELECT count(*) FROM contacts", "SELECT count(*) FROM audit_log"] {
        assert_eq!(count(&restored, sql).await, count(&conn, sql).await, "{sql}");
    }
    assert_eq!(migrate::verify(&restored).await.expect("verify"), Vec::<String>::new());
    let found = count(&restored, "SELECT count(*) FROM accounts_fts WHERE accounts_fts MATCH '\"reilly\"'").await;
    assert_eq!(found, 1, "the search index was rebuilt");
    let notes: String = restored
        .query_one("notes", "SELECT notes FROM accounts WHERE domain = 'oreilly-sons.com'", (), |row| col(row, 0))
        .await
        .expect("notes");
    assert_eq!(notes, "line one\nline two");
    assert!(
        restored.execute("DELETE FROM accounts WHERE domain = 'oreilly-sons.com'", ()).await.is_err(),
        "the audit guards came back too"
    );
}

#[tokio::test]
async fn vacuum_into_copies_an_embedded_database() {
    let db = TestDb::new();
    if !matches!(db, TestDb::File(_)) {
        return; // VACUUM INTO writes on the server's machine; remote backups are dumps.
    }
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("copy.db");
    backup::vacuum_into(&conn, &target).await.expect("backup");
    assert!(backup::vacuum_into(&conn, &target).await.is_err(), "never overwrites");
    let copy = Store::open(&Config::local(&target)).await.expect("open").connect().await.expect("connect");
    assert_eq!(migrate::verify(&copy).await.expect("verify"), Vec::<String>::new());
}
