//! The libSQL store: one `Store` per process (an embedded file or a remote server), a counted
//! connection per request, and the one mapping from database failures to `AppError`.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

pub mod backup;
mod batch;
mod calls;
mod checked;
mod checkpoint;
mod column;
mod conn;
mod de;
mod failure;
mod group;
mod hrana;
pub mod migrate;
mod patience;
mod remote;
mod row;
mod search;
mod seen;
pub mod vouch;
mod wire;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;

use crate::config::{Config, DatabaseLocation, JournalMode};
use crate::error::AppResult;

pub use batch::{Batch, Outcome, Step};
pub use calls::{Calls, count_authentication, count_calls, current_calls, record_statements};
pub use column::{FromColumn, col};
pub use conn::Conn;
use conn::Link;
pub use de::{DecodeError, from_row, json, json_opt, single};
pub use failure::{DbFailure, classify};
pub use libsql::Value;
pub use remote::STREAMS;
pub use row::Row;
pub use search::{Reach, Rows, SEARCH_CANDIDATES, TextSearch, text_search};
pub use seen::Seen;

pub use patience::BUSY_PATIENCE;

/// How long an embedded connection waits for a lock before giving up with "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many idle embedded connections are kept for reuse.
const IDLE_CONNECTIONS: usize = 8;

type Idle = Arc<Mutex<Vec<libsql::Connection>>>;

/// The database, opened once per process.
pub struct Store {
    engine: Engine,
    /// The embedded database's checkpoints, in WAL mode.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

enum Engine {
    /// An embedded file, with its idle connections. Opening one reads and parses the whole
    /// schema (a few milliseconds), so a request takes one from here when it can.
    Local { db: libsql::Database, idle: Idle },
    /// A remote server, through OCC's own client (see remote.rs).
    Remote(Arc<remote::Remote>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("local", &self.is_local()).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the configured database. An embedded file (and its folder) is created when
    /// missing and switched to the configured journal mode; a remote one is only located.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        match &config.database {
            DatabaseLocation::Local(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("while creating the database folder {}", dir.display()))?;
                }
                let db = libsql::Builder::new_local(path)
                    .build()
                    .await
                    .with_context(|| format!("while opening the database file {}", path.display()))?;
                let mut store = Self { engine: Engine::Local { db, idle: Idle::default() }, _checkpointer: None };
                let conn = store.raw_connection()?;
                let mode = match config.journal_mode {
                    JournalMode::Wal => "PRAGMA journal_mode = WAL",
                    JournalMode::Delete => "PRAGMA journal_mode = DELETE",
                };
                let mut rows = conn.query(mode, ()).await.context("while setting the journal mode")?;
                while rows.next().await?.is_some() {}
                if config.journal_mode == JournalMode::Wal {
                    store._checkpointer = Some(checkpoint::Checkpointer::start(conn)?);
                }
                Ok(store)
            }
            DatabaseLocation::Remote { url, auth_token } => {
                let remote = remote::Remote::new(url, auth_token.as_ref().map(|t| t.expose()))
                    .context("while locating the remote database")?;
                Ok(Self { engine: Engine::Remote(Arc::new(remote)), _checkpointer: None })
            }
        }
    }

    /// Whether this is the embedded database.
    pub fn is_local(&self) -> bool {
        matches!(self.engine, Engine::Local { .. })
    }

    fn raw_connection(&self) -> anyhow::Result<libsql::Connection> {
        let Engine::Local { db, .. } = &self.engine else { anyhow::bail!("a remote database has no raw connection") };
        let conn = db.connect().context("while connecting to the database")?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(conn)
    }

    /// A connection for one request (or one command): an idle one when there is one, else a
    /// new one. Dropping it with a transaction left open by an early return closes it, which
    /// rolls the transaction back.
    pub async fn connect(&self) -> AppResult<Conn> {
        let idle = match &self.engine {
            Engine::Remote(remote) => return Ok(Conn(Link::Remote(remote.connect().await?))),
            Engine::Local { idle, .. } => idle,
        };
        if let Some(conn) = idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(Conn(Link::Local { conn, idle: idle.clone() }));
        }
        let conn = self.raw_connection()?;
        // Connection set-up on the embedded file is not a network round trip, so it is not
        // counted.
        conn.execute("PRAGMA foreign_keys = ON", ()).await?;
        // In WAL mode NORMAL never corrupts the database; a power cut may lose the last
        // commits, a fair trade for not syncing on every request's session update.
        conn.execute("PRAGMA synchronous = NORMAL", ()).await?;
        // The store's checkpointer copies the log back (see checkpoint.rs); a commit does so
        // itself only past 128 MiB of log (32,768 pages), so a long job's log is started over as
        // it goes, and a log started over is cut back to 64 MiB.
        let mut rows = conn.query("PRAGMA wal_autocheckpoint = 32768", ()).await?;
        while rows.next().await?.is_some() {}
        let mut rows = conn.query("PRAGMA journal_size_limit = 67108864", ()).await?;
        while rows.next().await?.is_some() {}
        // 32 MiB of page cache, so a bulk write (an import step) is not spilled mid-way.
        let mut rows = conn.query("PRAGMA cache_size = -32768", ()).await?;
        while rows.next().await?.is_some() {}
        // Deleted rows are overwritten, so an erased person does not linger in free pages.
        let mut rows = conn.query("PRAGMA secure_delete = ON", ()).await?;
        while rows.next().await?.is_some() {}
        // A statement inside a transaction keeps the pages it changes in memory, in case it
        // fails and must be undone alone, instead of writing them to a temporary file: a
        // rescore chunk spent a sixth of its time writing that file.
        conn.execute("PRAGMA temp_store = MEMORY", ()).await?;
        Ok(Conn(Link::Local { conn, idle: idle.clone() }))
    }
}
