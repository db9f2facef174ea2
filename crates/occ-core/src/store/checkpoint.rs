//! Copying the embedded database's write-ahead log back into the file, away from requests.
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so one
//! unlucky write waits for megabytes to be copied and synced (an import step's commit took
//! five times as long as its work). Connections turn it off (`connect`), and a thread of the
//! store's own runs a passive checkpoint every second instead, which neither readers nor
//! writers wait for. The last connection to close checkpoints whatever is left.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;

/// How often the log is copied back.
const EVERY: Duration = Duration::from_secs(1);

/// The checkpointing thread; it stops within [`EVERY`] of being dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    /// Starts checkpointing through `conn` (a connection of its own).
    pub(super) fn start(conn: libsql::Connection) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let runtime =
            tokio::runtime::Builder::new_current_thread().build().context("while starting the checkpointer")?;
        std::thread::Builder::new()
            .name("occ-checkpoint".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    while !stopped.load(Ordering::Relaxed) {
                        std::thread::sleep(EVERY);
                        if let Err(err) = checkpoint(&conn).await {
                            tracing::warn!(error = %err, "checkpoint failed; the next one tries again");
                        }
                    }
                });
            })
            .context("while starting the checkpointer")?;
        Ok(Self { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

async fn checkpoint(conn: &libsql::Connection) -> libsql::Result<()> {
    let mut rows = conn.query("PRAGMA wal_checkpoint(PASSIVE)", ()).await?;
    while rows.next().await?.is_some() {}
    Ok(())
}
