//! The book a run measures. The synthetic book is made once (`target/bench/occ-<N>.db`, with
//! the bench's admin) and never measured itself: each run works on a copy, deleted when the run
//! ends, so what a run writes (approvals, an import, a new model) never reaches the next one
//! and every run starts from the same book.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use occ_core::config::DatabaseLocation;
use occ_core::http::Ctx;

use super::client::prepare;

/// A run's copy of the book; dropping it deletes it.
pub struct WorkingCopy {
    path: PathBuf,
}

/// Makes the book of `contacts` people at `config`'s database when it is new, and answers its
/// path, with everything in the file (none in its log), ready to be copied.
pub async fn made(config: &occ_core::Config, contacts: usize) -> anyhow::Result<PathBuf> {
    let DatabaseLocation::Local(book) = &config.database else { bail!("the bench needs an embedded database") };
    let ctx = Ctx::new(config.clone()).await?;
    prepare(&ctx, contacts).await?;
    let conn = ctx.store.connect().await?;
    conn.query_all("PRAGMA wal_checkpoint(TRUNCATE)", (), |_| Ok(())).await?;
    Ok(book.clone())
}

/// The size of a database's write-ahead log, in bytes (0 when it has none).
pub fn log_bytes(db: &Path) -> u64 {
    let mut path = db.as_os_str().to_owned();
    path.push("-wal");
    std::fs::metadata(path).map_or(0, |m| m.len())
}

impl WorkingCopy {
    /// Makes the book of `contacts` people at `config`'s database when it is new, and copies
    /// it; answers the copy and the configuration that opens it.
    pub async fn of(config: &occ_core::Config, contacts: usize) -> anyhow::Result<(Self, occ_core::Config)> {
        let book = made(config, contacts).await?;
        let copy = WorkingCopy { path: book.with_extension("run.db") };
        remove(&copy.path);
        std::fs::copy(&book, &copy.path)
            .with_context(|| format!("while copying the book to {}", copy.path.display()))?;
        // On disk before the run: its write-back would otherwise compete with the run's own.
        std::fs::File::open(&copy.path)?.sync_all()?;
        let mut config = config.clone();
        config.database = DatabaseLocation::Local(copy.path.clone());
        Ok((copy, config))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for WorkingCopy {
    fn drop(&mut self) {
        remove(&self.path);
    }
}

/// Removes a database file and its journal files, if there.
fn remove(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}
