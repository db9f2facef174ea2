//! `occ bench`: how fast the hot endpoints answer on a large book, and how many database calls
//! each makes. The database is a synthetic one of `--contacts` people (made once, then copied
//! for each run: `book`); each endpoint runs `--reps` times after a warm-up, in
//! process through the whole request pipeline (authentication included), and over HTTP against
//! the local server; the table gives p50/p95/p99, the calls (`x-db-calls`) and the rows answered.
//! Then a 10,000-row import, a rescore of everyone after a weights change and a swarm of 1,000
//! contacts through the pipeline on the agents' fallbacks and one of 200 with a model on
//! loopback answering in 50 ms (`bulk`, `model`), the
//! query plans of every statement run in process (`plans`), and with `--cold` the start-up of
//! the `accounts` function (`cold`). The write-ahead log's size is reported at the end of
//! each phase. With `--remote`, the same endpoints are measured against a libSQL server across
//! a delay, with a load phase (`remote`).

mod book;
mod bulk;
mod client;
mod cold;
mod endpoints;
mod load;
mod model;
mod plans;
mod proxy;
mod remote;
mod sqld;

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Args;
use client::{Bench, poisoned};
use occ_core::config::DatabaseLocation;
use occ_core::http::server::Server;
use occ_core::routes::Family;
use serde::Serialize;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// How many contacts the synthetic book has (about a tenth as many accounts).
    #[arg(long, default_value_t = 100_000)]
    contacts: usize,
    /// Print a JSON list instead of the table.
    #[arg(long)]
    json: bool,
    /// How many times each endpoint is measured (after a warm-up of a tenth as many).
    #[arg(long, default_value_t = 200)]
    reps: usize,
    /// How many rows the import file has.
    #[arg(long, default_value_t = 10_000)]
    import_rows: usize,
    /// Measure the `accounts` function's cold start instead (built in release first).
    #[arg(long)]
    cold: bool,
    /// How many times `--cold` starts the function.
    #[arg(long, default_value_t = 10)]
    starts: usize,
    /// Measure against a libSQL server (`sqld`, from `OCC_SQLD` or target/tools) reached
    /// through a proxy that adds `--delay-ms` to every round trip, then under load.
    #[arg(long, conflicts_with = "cold")]
    remote: bool,
    /// With `--remote`: the round-trip delay between OCC and its database, in milliseconds.
    #[arg(long, default_value_t = 10, requires = "remote")]
    delay_ms: u64,
    /// With `--remote`: how long each load phase (1, 16 and 64 clients) lasts, in seconds.
    #[arg(long, default_value_t = 20, requires = "remote")]
    load_seconds: u64,
}

/// One endpoint's numbers.
#[derive(Debug, Serialize)]
pub struct Measure {
    pub name: String,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub db_calls: u64,
    /// The most network round trips the store reported for one request (`x-db-round-trips`),
    /// when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_trips: Option<u64>,
    /// The fewest (a request that took a new lease of its credential pays one more, for its
    /// authentication).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_trips_fewest: Option<u64>,
    pub rows: usize,
    pub write: bool,
    /// For the bulk jobs: rows (or contacts) per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_per_second: Option<f64>,
    /// For a cold start: the process's peak resident memory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peak_memory_mb: Option<f64>,
    /// Measured requests that were not answered 2xx (left out of the times); a measure with
    /// any fails its target.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What a run found: the measures and the statements that read a big table without an index.
pub struct Report {
    pub measures: Vec<Measure>,
    pub full_scans: Vec<plans::FullScan>,
    /// How many distinct statements were explained.
    pub explained: usize,
    /// The write-ahead log's size at the end of each phase.
    pub logs: Vec<LogSize>,
}

/// The write-ahead log's size when a phase ended.
#[derive(Debug, Serialize)]
pub struct LogSize {
    pub after: String,
    pub bytes: u64,
}

impl LogSize {
    fn of(after: &str, db: &std::path::Path) -> Self {
        Self { after: after.to_owned(), bytes: book::log_bytes(db) }
    }
}

/// The contacts of the bench's swarm (fewer on a smaller book).
const SWARM_CONTACTS: usize = 1000;

/// The contacts of the swarm with the bench's model (each task then waits for a call).
const MODEL_SWARM_CONTACTS: usize = 200;

/// How long the bench waits, after the last phase, for the log to be truncated.
const LOG_PAUSE: std::time::Duration = std::time::Duration::from_secs(3);

/// The log sizes, in words.
fn logs_summary(logs: &[LogSize]) -> String {
    let sizes: Vec<String> =
        logs.iter().map(|l| format!("{} {:.1} MB", l.after, l.bytes as f64 / 1_048_576.0)).collect();
    format!("write-ahead log at the end of each phase: {}", sizes.join(", "))
}

pub async fn run(mut config: occ_core::Config, args: BenchArgs) -> anyhow::Result<()> {
    if args.contacts == 0 || args.reps == 0 || args.starts == 0 || args.import_rows == 0 {
        bail!("--contacts, --reps, --starts and --import-rows must be at least 1");
    }
    let dir = PathBuf::from("target/bench");
    std::fs::create_dir_all(&dir).with_context(|| format!("while creating {}", dir.display()))?;
    let path = dir.join(format!("occ-{}.db", args.contacts));
    config.database = DatabaseLocation::Local(path);
    let sizes = Sizes { contacts: args.contacts, reps: args.reps, import_rows: args.import_rows };
    if args.remote {
        if args.delay_ms > 10_000 || args.load_seconds == 0 {
            bail!("--delay-ms must be at most 10000 and --load-seconds at least 1");
        }
        let remote = remote::Remote { delay_ms: args.delay_ms, load_seconds: args.load_seconds };
        let report = remote::measure(config, sizes, remote).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.table());
        }
        eprintln!("{}", logs_summary(&report.logs));
        return Ok(());
    }
    let report = if args.cold {
        let measures = cold::measure(config, args.contacts, args.starts).await?;
        Report { measures, full_scans: Vec::new(), explained: 0, logs: Vec::new() }
    } else {
        measure(config, sizes).await?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.measures)?);
    } else {
        print!("{}", table(&report.measures));
    }
    if !args.cold {
        eprintln!("{}", plans_summary(&report));
        eprintln!("{}", logs_summary(&report.logs));
    }
    Ok(())
}

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub contacts: usize,
    pub reps: usize,
    pub import_rows: usize,
}

/// Measures every endpoint on a copy of the book (made first when new), then the bulk jobs,
/// then the plans.
pub async fn measure(config: occ_core::Config, sizes: Sizes) -> anyhow::Result<Report> {
    let Sizes { contacts, reps, import_rows } = sizes;
    let (copy, config) = book::WorkingCopy::of(&config, contacts).await?;
    let mut bench = Bench::open(config, reps).await?;
    let server = serve(&bench).await?;
    let base = format!("http://{}", server.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let sample = bench.sample().await?;
    let mut measures = Vec::new();
    let mut logs = Vec::new();
    for via_http in [false, true] {
        bench.http = via_http.then(|| base.clone());
        measures.extend(bench.reads(&sample).await?);
        measures.push(bench.approve(&sample.contact).await?);
        measures.push(bench.rescore_one(&sample.contact).await?);
        logs.push(LogSize::of(if via_http { "over HTTP" } else { "in process" }, copy.path()));
    }
    let _ = stop.send(());
    let _ = serving.await;
    bench.http = None;
    measures.push(bulk::import(&bench, import_rows).await?);
    logs.push(LogSize::of("import", copy.path()));
    measures.push(bulk::rescore_all(&bench).await?);
    logs.push(LogSize::of("rescore", copy.path()));
    measures.push(bulk::swarm(&bench, SWARM_CONTACTS.min(contacts / 3)).await?);
    logs.push(LogSize::of("swarm", copy.path()));
    measures.push(bulk::swarm_with_model(&bench, MODEL_SWARM_CONTACTS.min(contacts / 10).max(1)).await?);
    logs.push(LogSize::of("swarm with a model", copy.path()));
    tokio::time::sleep(LOG_PAUSE).await;
    logs.push(LogSize::of("a pause", copy.path()));
    let statements = std::mem::take(&mut *bench.statements.lock().map_err(poisoned)?);
    let conn = bench.ctx.store.connect().await?;
    let full_scans = plans::full_scans(&conn, &statements).await?;
    drop((conn, bench, copy));
    Ok(Report { measures, full_scans, explained: statements.len(), logs })
}

/// What the plans check found, in words.
/// OCC's local server for the measured requests over HTTP: every family's routes and the app,
/// on a free port.
async fn serve(bench: &Bench) -> anyhow::Result<Server> {
    let routes = Family::routes_of(Family::ALL);
    Ok(Server::bind(bench.ctx.clone(), "127.0.0.1:0".parse()?, routes, PathBuf::from("public")).await?)
}

fn plans_summary(report: &Report) -> String {
    if report.full_scans.is_empty() {
        return format!(
            "query plans: {} statements explained; none reads all of {} without an index",
            report.explained,
            plans::WATCHED.join(", ")
        );
    }
    let mut out = format!("query plans: {} statements read a big table without an index:\n", report.full_scans.len());
    for scan in &report.full_scans {
        out.push_str(&format!("  {} ({}): {}\n", scan.table, scan.plan_line, scan.sql));
    }
    out
}

fn summarize(name: &str, mut times: Vec<f64>, db_calls: u64, rows: usize, write: bool) -> Measure {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).max(1) - 1;
        times.get(i).map_or(f64::NAN, |t| (t * 100.0).round() / 100.0)
    };
    Measure {
        name: name.to_owned(),
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        db_calls,
        round_trips: None,
        round_trips_fewest: None,
        rows,
        write,
        rows_per_second: None,
        peak_memory_mb: None,
        failed: 0,
    }
}

/// The plain-text table.
fn table(measures: &[Measure]) -> String {
    let mut out = format!(
        "{:<39} {:>9} {:>9} {:>9} {:>8} {:>6} {:>6}\n",
        "endpoint", "p50 ms", "p95 ms", "p99 ms", "db calls", "rows", "write"
    );
    for m in measures {
        out.push_str(&format!(
            "{:<39} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>6} {:>6}",
            m.name,
            m.p50_ms,
            m.p95_ms,
            m.p99_ms,
            m.db_calls,
            m.rows,
            if m.write { "yes" } else { "" }
        ));
        out.truncate(out.trim_end().len());
        if let Some(rate) = m.rows_per_second {
            out.push_str(&format!("  {rate:.0} rows/s"));
        }
        if let Some(mb) = m.peak_memory_mb {
            out.push_str(&format!("  peak {mb:.1} MB"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use occ_core::store::single;

    #[test]
    fn percentiles_come_from_the_sorted_times() {
        let times: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let m = summarize("x", times, 2, 5, false);
        assert_eq!((m.p50_ms, m.p95_ms, m.p99_ms), (50.0, 95.0, 99.0));
        let one = summarize("y", vec![3.0], 1, 1, true);
        assert_eq!((one.p50_ms, one.p99_ms), (3.0, 3.0));
    }

    #[tokio::test]
    async fn a_small_book_is_measured_end_to_end_and_every_statement_uses_an_index() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = occ_core::Config::from_env().expect("config");
        config.database = DatabaseLocation::Local(dir.path().join("bench.db"));
        let sizes = Sizes { contacts: 300, reps: 3, import_rows: 250 };
        let report = measure(config.clone(), sizes).await.expect("bench");
        let measures = &report.measures;
        assert_eq!(measures.len(), 70, "each endpoint in process and over HTTP, then the four bulk jobs");
        for m in measures {
            assert!(m.db_calls >= 1 && m.p50_ms > 0.0 && m.p99_ms >= m.p50_ms, "{m:?}");
        }
        let list = measures.iter().find(|m| m.name == "contacts: default view").expect("the list");
        assert!(list.rows > 1, "{list:?}");
        assert!(measures.iter().any(|m| m.name == "prep card (http)"));
        let one = measures.iter().find(|m| m.name == "contacts: text search, one person").expect("the search");
        assert_eq!(one.rows, 1, "the sample's address finds the sample alone: {one:?}");
        let mine = measures.iter().find(|m| m.name == "contacts: one rep's (http)").expect("a rep's list");
        assert!(mine.rows >= 1, "the first rep owns contacts: {mine:?}");
        assert!(measures.iter().any(|m| m.name == "today queue (one rep)"));
        let import = measures.iter().find(|m| m.name == "import (250 rows)").expect("the import");
        assert!(import.write && import.rows == 250 && import.rows_per_second.is_some_and(|r| r > 0.0), "{import:?}");
        let rescore = measures.iter().find(|m| m.name.starts_with("rescore everyone")).expect("the rescore");
        assert_eq!(rescore.rows, 550, "everyone rescored, the imported people too: {rescore:?}");
        let swarm = &measures[measures.len() - 2];
        assert!(swarm.name.starts_with("swarm (") && swarm.name.ends_with(" agents, fallbacks)"), "{swarm:?}");
        assert!(swarm.rows >= 100 && swarm.rows_per_second.is_some_and(|r| r > 0.0), "{swarm:?}");
        let modelled = measures.last().expect("the swarm with a model");
        assert!(modelled.name.ends_with(" agents, model answering in 50 ms)"), "{modelled:?}");
        assert!(modelled.rows >= 50 && modelled.rows_per_second.is_some_and(|r| r > 0.0), "{modelled:?}");
        assert_eq!(table(measures).lines().count(), 71);
        assert!(report.explained > 40, "the statements were recorded: {}", report.explained);
        assert!(report.full_scans.is_empty(), "{}", plans_summary(&report));
        let after: Vec<&str> = report.logs.iter().map(|l| l.after.as_str()).collect();
        assert_eq!(after, ["in process", "over HTTP", "import", "rescore", "swarm", "swarm with a model", "a pause"]);
        assert_eq!(report.logs[6].bytes, 0, "the log is truncated once writes pause: {}", logs_summary(&report.logs));

        // The run worked on a copy, now gone; the book is as it was made.
        assert!(!dir.path().join("bench.run.db").exists());
        let store = occ_core::store::Store::open(&config).await.expect("book");
        let conn = store.connect().await.expect("conn");
        let written: i64 = conn
            .query_one(
                "count",
                "SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM message_drafts WHERE body LIKE '%benchmark%') \
                 + (SELECT count(*) FROM settings WHERE key = 'icp')",
                (),
                single,
            )
            .await
            .expect("count");
        assert_eq!(written, 0, "no import, approval or model reached the book");
    }
}
