//! Copying the embedded database's write-ahead log back into the file, away from requests, and
//! keeping the log small. SQLite's automatic checkpoint runs inside the commit that crosses its
//! threshold, so one unlucky write waits for megabytes to be copied and synced (an import
//! step's commit took five times as long as its work). So a thread of the store's own runs a
//! passive checkpoint every second, which neither readers nor writers wait for, and
//! connections (`connect`) leave the automatic one only as a backstop, far up.
//!
//! A passive checkpoint copies the log but never shortens it: a writer starts the log over
//! only when everything in it was copied just before, which a steady stream of writes (a long
//! job, a load test) rarely allows, so the log grew to gigabytes. Three things bound it now:
//! - once writes pause (nothing new in the log for a tick) the thread truncates it to nothing;
//! - past [`LOG_LIMIT_BYTES`] the thread truncates it even while writes go on (it waits for
//!   the write lock like any writer, at most [`TRUNCATE_PATIENCE`]);
//! - a connection's own automatic checkpoint runs when its commit finds the log past
//!   `wal_autocheckpoint` pages (128 MiB), so a job that writes on one connection without a
//!   pause (the synthetic seed, a rescore of everyone, an import) copies the log as it goes and
//!   starts it over at its next transaction; `journal_size_limit` then cuts the file back to
//!   64 MiB. The log so stays under 128 MiB plus one transaction, and bulk jobs keep their
//!   transactions well under 128 MiB (a rescore's chunk, an import's step, the seed's chunk of
//!   people or of history sends, an index made after a load), so it stays under 256 MiB.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::Context as _;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_secs(1);

/// The log's size past which it is truncated even while writes go on.
pub(super) const LOG_LIMIT_BYTES: u64 = 256 * 1024 * 1024;

/// How long a truncating checkpoint waits for the write lock and for readers of the log.
/// Writers wait for it meanwhile, so it is short; a checkpoint that could not finish is tried
/// again a tick later.
const TRUNCATE_PATIENCE: Duration = Duration::from_millis(200);

/// The checkpointing thread. Dropped (with the store), it wakes, truncates the log a last time
/// and stops; the drop waits for it, so a command that wrote leaves no log behind.
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing through `conn` (a connection of its own).
    pub(super) fn start(conn: libsql::Connection) -> anyhow::Result<Self> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let stopped = stop.clone();
        let runtime =
            tokio::runtime::Builder::new_current_thread().build().context("while starting the checkpointer")?;
        conn.busy_timeout(TRUNCATE_PATIENCE)?;
        let thread = std::thread::Builder::new()
            .name("occ-checkpoint".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    let mut log = Log::default();
                    while !wait(&stopped) {
                        if let Err(err) = log.tick(&conn).await {
                            tracing::warn!(error = %err, "checkpoint failed; the next one tries again");
                        }
                    }
                    if let Err(err) = checkpoint(&conn, "PRAGMA wal_checkpoint(TRUNCATE)").await {
                        tracing::warn!(error = %err, "the last checkpoint failed; the log is copied back on the next start");
                    }
                });
            })
            .context("while starting the checkpointer")?;
        Ok(Self { stop, thread: Some(thread) })
    }
}

/// Waits a tick, or until told to stop; answers whether to stop.
fn wait(stop: &(Mutex<bool>, Condvar)) -> bool {
    let (stopped, wake) = stop;
    let Ok(guard) = stopped.lock() else { return true };
    match wake.wait_timeout_while(guard, EVERY, |stopped| !*stopped) {
        Ok((guard, _)) => *guard,
        Err(_) => true,
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        if let Ok(mut stopped) = stopped.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the thread knows of the log between ticks.
#[derive(Debug, Default)]
struct Log {
    /// The log file (found on the first tick).
    path: Option<PathBuf>,
    /// The frames in the log, and those copied back, at the last tick.
    last: Option<(i64, i64)>,
}

impl Log {
    /// Copies the log back; truncates it when nothing was written since the last tick, or when
    /// it is past the limit.
    async fn tick(&mut self, conn: &libsql::Connection) -> libsql::Result<()> {
        if self.path.is_none() {
            self.path = Some(wal_path(conn).await?);
        }
        let (busy, frames, copied) = checkpoint(conn, "PRAGMA wal_checkpoint(PASSIVE)").await?;
        let size = self.path.as_ref().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len());
        let paused = busy == 0 && frames == copied && self.last == Some((frames, copied));
        self.last = Some((frames, copied));
        if size > 0 && (paused || size > LOG_LIMIT_BYTES) {
            checkpoint(conn, "PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
        Ok(())
    }
}

/// Runs a checkpoint; answers (busy, frames in the log, frames copied back).
async fn checkpoint(conn: &libsql::Connection, pragma: &str) -> libsql::Result<(i64, i64, i64)> {
    let mut rows = conn.query(pragma, ()).await?;
    let mut answer = (0, 0, 0);
    while let Some(row) = rows.next().await? {
        answer = (row.get(0)?, row.get(1)?, row.get(2)?);
    }
    Ok(answer)
}

/// The main database's log file: its file with `-wal` after the name.
async fn wal_path(conn: &libsql::Connection) -> libsql::Result<PathBuf> {
    let mut rows = conn.query("SELECT file FROM pragma_database_list WHERE name = 'main'", ()).await?;
    let mut file = String::new();
    while let Some(row) = rows.next().await? {
        file = row.get::<String>(0)?;
    }
    Ok(PathBuf::from(format!("{file}-wal")))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use crate::config::Config;
    use crate::store::Store;

    fn log_size(db: &std::path::Path) -> u64 {
        std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_log_is_truncated_once_writes_pause() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("occ.db");
        let store = Store::open(&Config::local(&db)).await.expect("store");
        let conn = store.connect().await.expect("conn");
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)", ()).await.expect("table");
        // A reader that holds its snapshot keeps the log from being copied back in full, as a
        // request reading a large list would; the writes go on meanwhile.
        let reader = store.connect().await.expect("reader");
        reader.execute("BEGIN", ()).await.expect("begin");
        reader.query_all("SELECT count(*) FROM t", (), |_| Ok(())).await.expect("read");
        for n in 0..200 {
            conn.execute("INSERT INTO t (body) VALUES (?1)", [format!("{n}").repeat(5_000)]).await.expect("insert");
        }
        assert!(log_size(&db) > 1_000_000, "the writes went into the log: {} bytes", log_size(&db));
        reader.execute("COMMIT", ()).await.expect("commit");

        // Writes have paused: within a few ticks the log is empty again, and what it held is
        // in the file.
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while log_size(&db) > 0 {
            assert!(Instant::now() < deadline, "the log is still {} bytes after writes paused", log_size(&db));
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let rows: i64 =
            conn.query_one("count", "SELECT count(*) FROM t", (), |r| crate::store::col(r, 0)).await.expect("count");
        assert_eq!(rows, 200);
        assert!(std::fs::metadata(&db).expect("file").len() > 1_000_000, "the rows were copied into the file");
    }
}
