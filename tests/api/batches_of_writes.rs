//! `Batch`: a request's writes go to the database together, in one round trip, and are kept
//! all together or not at all, on the embedded engine and on a real libSQL server alike.

use occ_core::error::AppError;
use occ_core::store::{Batch, Conn, col, count_calls, migrate};

use crate::helpers::TestDb;

async fn migrated() -> (TestDb, Conn) {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    (db, conn)
}

async fn buckets(conn: &Conn) -> Vec<(String, i64)> {
    conn.query_all("SELECT bucket, count FROM rate_limits ORDER BY bucket", (), |row| Ok((col(row, 0)?, col(row, 1)?)))
        .await
        .expect("read")
}

const INSERT: &str =
    "INSERT INTO rate_limits (bucket, window_start, count) VALUES (?1, 'w', ?2) RETURNING bucket, count";

#[tokio::test]
async fn a_batch_is_one_round_trip_and_answers_each_statement() {
    let (_db, conn) = migrated().await;
    let mut batch = Batch::new();
    let a = batch.push(INSERT, libsql::params!["a", 1]).expect("step");
    let b = batch.push(INSERT, libsql::params!["b", 2]).expect("step");
    let bump = batch.push("UPDATE rate_limits SET count = count + 10", ()).expect("step");
    let (outcome, calls) = count_calls(conn.batch(batch)).await;
    let outcome = outcome.expect("batch");
    assert_eq!(calls.round_trips, 1, "{calls:?}");
    assert_eq!(calls.statements, 5, "BEGIN, three statements, COMMIT: {calls:?}");
    let first: (String, i64) = outcome.one("bucket", a, |row| Ok((col(row, 0)?, col(row, 1)?))).expect("row");
    assert_eq!(first, ("a".to_owned(), 1));
    assert_eq!(outcome.rows(b, |row| col::<i64>(row, 1)).expect("rows"), [2]);
    assert_eq!(outcome.changes(bump), 2);
    assert_eq!(buckets(&conn).await, [("a".to_owned(), 11), ("b".to_owned(), 12)]);
}

#[tokio::test]
async fn a_failing_statement_keeps_nothing_of_the_batch() {
    let (_db, conn) = migrated().await;
    let mut batch = Batch::new();
    batch.push(INSERT, libsql::params!["a", 1]).expect("step");
    batch.push(INSERT, libsql::params!["a", 2]).expect("step");
    let err = conn.batch(batch).await.expect_err("the second insert is a duplicate");
    assert!(matches!(err, AppError::Conflict { .. }), "{err:?}");
    assert!(buckets(&conn).await.is_empty(), "the first insert was rolled back");
    // The connection is usable afterwards, outside any transaction.
    let mut batch = Batch::new();
    batch.push(INSERT, libsql::params!["a", 3]).expect("step");
    conn.batch(batch).await.expect("batch");
    assert_eq!(buckets(&conn).await, [("a".to_owned(), 3)]);
}

#[tokio::test]
async fn a_failed_check_answers_its_refusal_and_keeps_nothing() {
    let (_db, conn) = migrated().await;
    let mut batch = Batch::new();
    batch.push(INSERT, libsql::params!["a", 1]).expect("step");
    batch
        .require("(SELECT count FROM rate_limits WHERE bucket = ?1) > 5", ["a"], AppError::NotFound("bucket"))
        .expect("check");
    batch.push(INSERT, libsql::params!["b", 1]).expect("step");
    let err = conn.batch(batch).await.expect_err("the check fails");
    assert!(matches!(err, AppError::NotFound("bucket")), "{err:?}");
    assert!(buckets(&conn).await.is_empty());

    let mut batch = Batch::new();
    batch.push(INSERT, libsql::params!["a", 9]).expect("step");
    batch
        .require("(SELECT count FROM rate_limits WHERE bucket = ?1) > 5", ["a"], AppError::NotFound("bucket"))
        .expect("check");
    conn.batch(batch).await.expect("the check holds");
    assert_eq!(buckets(&conn).await, [("a".to_owned(), 9)]);
}

#[tokio::test]
async fn racing_batches_see_each_other_and_a_check_lets_only_one_through() {
    let (db, _conn) = migrated().await;
    let mut racers = Vec::new();
    for n in 0..8 {
        let conn = db.conn().await;
        racers.push(tokio::spawn(async move {
            let mut batch = Batch::new();
            batch
                .require(
                    "NOT EXISTS (SELECT 1 FROM rate_limits WHERE window_start = 'w')",
                    (),
                    AppError::NotFound("free slot"),
                )
                .expect("check");
            batch.push(INSERT, libsql::params![format!("racer-{n}"), n]).expect("step");
            conn.batch(batch).await
        }));
    }
    let mut won = 0;
    for racer in racers {
        match racer.await.expect("racer") {
            Ok(_) => won += 1,
            Err(AppError::NotFound("free slot")) => {}
            Err(other) => panic!("a racer failed: {other:?}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(buckets(&db.conn().await).await.len(), 1);
}

#[tokio::test]
async fn a_write_whose_read_went_stale_reads_again_and_one_that_stays_stale_is_a_409() {
    let (db, conn) = migrated().await;
    let other = db.conn().await;
    let mut batch = Batch::new();
    batch.push(INSERT, libsql::params!["a", 1]).expect("step");
    conn.batch(batch).await.expect("batch");

    // Another writer changes the row between the first read and its batch, once.
    let tries = std::sync::atomic::AtomicU32::new(0);
    let (written, calls) = count_calls(conn.read_then_batch(|| async {
        let seen: i64 =
            conn.query_one("bucket", "SELECT count FROM rate_limits WHERE bucket = 'a'", (), |row| col(row, 0)).await?;
        if tries.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0 {
            other.execute("UPDATE rate_limits SET count = count + 1 WHERE bucket = 'a'", ()).await?;
        }
        let mut batch = Batch::new();
        batch.require_unchanged("(SELECT count FROM rate_limits WHERE bucket = 'a') = ?1", [seen])?;
        batch.push("UPDATE rate_limits SET count = ?1 * 10 WHERE bucket = 'a'", [seen])?;
        Ok((batch, seen))
    }))
    .await;
    let (_, seen) = written.expect("written on the second try");
    assert_eq!((seen, tries.load(std::sync::atomic::Ordering::Relaxed)), (2, 2), "read again after the change");
    assert_eq!(buckets(&conn).await, [("a".to_owned(), 20)], "written from what was current");
    assert_eq!(calls.retries, 2, "the second read and batch are tries again: {calls:?}");

    // A read that goes stale every time is answered 409, with nothing kept.
    let stale = conn
        .read_then_batch(|| async {
            let seen: i64 = conn
                .query_one("bucket", "SELECT count FROM rate_limits WHERE bucket = 'a'", (), |row| col(row, 0))
                .await?;
            other.execute("UPDATE rate_limits SET count = count + 1 WHERE bucket = 'a'", ()).await?;
            let mut batch = Batch::new();
            batch.require_unchanged("(SELECT count FROM rate_limits WHERE bucket = 'a') = ?1", [seen])?;
            batch.push("UPDATE rate_limits SET count = 0 WHERE bucket = 'a'", ())?;
            Ok((batch, ()))
        })
        .await;
    assert!(matches!(stale, Err(AppError::Conflict { .. })), "{stale:?}");
    let count = buckets(&conn).await[0].1;
    assert!(count > 20, "no batch was kept: {count}");
}

#[tokio::test]
async fn batches_of_one_instance_at_once_each_commit_alone_and_get_their_own_answers() {
    let (db, conn) = migrated().await;
    let store = std::sync::Arc::new(occ_core::store::Store::open(&db.config()).await.expect("store"));
    let mut writers = Vec::new();
    for n in 0..24_i64 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            let conn = store.connect().await.expect("connect");
            let mut batch = Batch::new();
            let inserted = batch.push(INSERT, libsql::params![format!("w-{n:02}"), n]).expect("step");
            // Every third one refuses itself: it keeps nothing, and the others are not touched.
            batch.require("?1 % 3 <> 0", [n], AppError::NotFound("turn")).expect("check");
            let (answer, calls) = count_calls(conn.batch(batch)).await;
            (n, answer.map(|outcome| outcome.rows(inserted, |row| col::<i64>(row, 1))), calls)
        }));
    }
    for writer in writers {
        let (n, answer, calls) = writer.await.expect("writer");
        assert_eq!(calls.round_trips - calls.retries, 1, "one round trip each: {calls:?}");
        match answer {
            Ok(rows) => assert_eq!((n % 3 != 0, rows.expect("rows")), (true, vec![n])),
            Err(AppError::NotFound("turn")) => assert_eq!(n % 3, 0),
            Err(other) => panic!("writer {n}: {other:?}"),
        }
    }
    let kept: Vec<i64> = buckets(&conn).await.into_iter().map(|(_, count)| count).collect();
    assert_eq!(kept, (0..24).filter(|n| n % 3 != 0).collect::<Vec<_>>());
}

/// A writer's bucket, answer and calls.
type Written = (&'static str, Result<(), AppError>, occ_core::store::Calls);

/// Four batches of one instance that wait for its turn to write; the third loses the whole
/// transaction it is in (`INSERT OR ROLLBACK` on a failed check), the second is a duplicate.
fn four_writers(store: &std::sync::Arc<occ_core::store::Store>) -> Vec<tokio::task::JoinHandle<Written>> {
    let batches: [(&'static str, &'static str); 4] = [
        ("kept-1", INSERT),
        ("taken", INSERT),
        ("lost", "INSERT OR ROLLBACK INTO batch_checks (failed) SELECT ?2 WHERE ?1 <> ''"),
        ("kept-2", INSERT),
    ];
    batches
        .into_iter()
        .map(|(bucket, sql)| {
            let store = store.clone();
            tokio::spawn(async move {
                let conn = store.connect().await.expect("connect");
                let mut batch = Batch::new();
                batch.push(sql, libsql::params![bucket, 1]).expect("step");
                let (answer, calls) = count_calls(conn.batch(batch)).await;
                (bucket, answer.map(drop), calls)
            })
        })
        .collect()
}

#[tokio::test]
async fn batches_sent_together_keep_what_each_did_right_when_one_fails() {
    let (db, conn) = migrated().await;
    let mut taken = Batch::new();
    taken.push(INSERT, libsql::params!["taken", 0]).expect("step");
    conn.batch(taken).await.expect("batch");
    let store = std::sync::Arc::new(occ_core::store::Store::open(&db.config()).await.expect("store"));
    let holder = store.connect().await.expect("connect");
    let mut held = Batch::new();
    held.push(INSERT, libsql::params!["holder", 1]).expect("step");
    let writers = if crate::helpers::remote_mode() {
        // While a transaction of the instance holds its turn to write, the four wait for it,
        // then go together, in one transaction. The runtime runs one task at a time, so each
        // has joined the waiting ones once the holder has yielded to them.
        let (_, writers) = holder
            .read_then_write(async |conn| {
                conn.query_all("SELECT count FROM rate_limits", (), |row| col::<i64>(row, 0)).await?;
                let writers = four_writers(&store);
                for _ in 0..8 {
                    tokio::task::yield_now().await;
                }
                Ok((held, writers))
            })
            .await
            .expect("holder");
        writers
    } else {
        holder.batch(held).await.expect("holder");
        four_writers(&store)
    };
    for writer in writers {
        let (bucket, answer, calls) = writer.await.expect("writer");
        match bucket {
            "kept-1" => {
                answer.expect("kept-1 is kept");
                // Remotely it went with the batch that lost the transaction, and was sent again.
                assert_eq!(calls.retries > 0, crate::helpers::remote_mode(), "{calls:?}");
            }
            "kept-2" => answer.expect("kept-2 is kept"),
            "taken" => assert!(matches!(answer, Err(AppError::Conflict { .. })), "{answer:?}"),
            _ => assert!(answer.is_err(), "the batch that failed answers its failure"),
        }
    }
    let kept: Vec<String> = buckets(&conn).await.into_iter().map(|(bucket, _)| bucket).collect();
    assert_eq!(kept, ["holder", "kept-1", "kept-2", "taken"]);
    let checks: i64 =
        conn.query_one("checks", "SELECT count(*) FROM batch_checks", (), |row| col(row, 0)).await.expect("count");
    assert_eq!(checks, 0);
}
