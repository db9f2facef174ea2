//! `occ bench --remote`: remote is measured like local. The book is served by a real libSQL
//! server (`sqld`, on a copy), which OCC's server reaches through a proxy that holds every
//! request for the delay `d`, as a function's database is a network round trip away. Every
//! endpoint the embedded run measures is asked over HTTP, then the bulk jobs run, then clients
//! load the server (1, 16 and 64 at once). The table states each target and whether it is met:
//! a read's p95 under 2d + 10 ms, a write's under 3d + 15 ms, 16 clients at least 8 times
//! the throughput of one, and no hang and no 5xx under load.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use occ_core::config::DatabaseLocation;
use serde::Serialize;

use super::client::Bench;
use super::load::{self, LoadMeasure, People};
use super::proxy::DelayProxy;
use super::sqld::Sqld;
use super::{LogSize, Measure, Sizes, book, bulk};

/// The clients of each load phase.
const CLIENTS: [usize; 3] = [1, 16, 64];

/// How much more 16 clients must get done than one.
const SCALING: f64 = 8.0;

/// The remote run's settings.
#[derive(Debug, Clone, Copy)]
pub struct Remote {
    pub delay_ms: u64,
    pub load_seconds: u64,
}

/// What a remote run found.
#[derive(Debug, Serialize)]
pub struct RemoteReport {
    pub delay_ms: u64,
    pub measures: Vec<Measure>,
    pub loads: Vec<LoadMeasure>,
    /// The server's write-ahead log at the end of each phase.
    pub logs: Vec<LogSize>,
}

/// Makes the book when new, serves a copy with sqld behind the delay, and measures.
pub async fn measure(config: occ_core::Config, sizes: Sizes, remote: Remote) -> anyhow::Result<RemoteReport> {
    let book = book::made(&config, sizes.contacts).await?;
    // Starting waits (with the thread asleep) for sqld to listen; then for it to settle.
    let dir = book.with_extension("sqld");
    let sqld = tokio::task::spawn_blocking(move || Sqld::start(&book, dir)).await??;
    eprint!("\rwaiting for sqld to settle");
    sqld.settled().await?;
    let proxy = DelayProxy::start(sqld.addr(), Duration::from_millis(remote.delay_ms)).await?;
    let mut config = config;
    config.database = DatabaseLocation::Remote { url: format!("http://{}", proxy.addr()), auth_token: None };
    let mut bench = Bench::open(config, sizes.reps).await?;
    let server = super::serve(&bench).await?;
    bench.http = Some(format!("http://{}", server.local_addr()?));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let db = sqld.db_path();
    let mut logs = Vec::new();

    let sample = bench.sample().await?;
    eprint!("\rmeasuring the reads{:<30}", "");
    let mut measures = bench.reads(&sample).await?;
    eprint!("\rmeasuring the writes{:<30}", "");
    measures.push(bench.approve(&sample.contact).await?);
    measures.push(bench.rescore_one(&sample.contact).await?);
    logs.push(LogSize::of("endpoints", &db));

    let bench = Arc::new(bench);
    let people = Arc::new(People::of(&bench).await?);
    let sample = Arc::new(sample);
    let mut loads = Vec::new();
    for clients in CLIENTS {
        eprint!("\rload: {clients} clients for {} s{:<20}", remote.load_seconds, "");
        loads.push(load::run(&bench, &sample, &people, clients, remote.load_seconds).await?);
    }
    logs.push(LogSize::of("load", &db));

    eprint!("\rthe bulk jobs{:<40}", "");
    measures.push(bulk::import(&bench, sizes.import_rows).await?);
    measures.push(bulk::rescore_all(&bench).await?);
    logs.push(LogSize::of("bulk jobs", &db));
    eprintln!("\r{:<60}", "");
    let _ = stop.send(());
    let _ = serving.await;
    drop((bench, proxy, sqld));
    Ok(RemoteReport { delay_ms: remote.delay_ms, measures, loads, logs })
}

/// A target a row is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// p95 under this many milliseconds.
    P95Under(f64),
    /// None: a bulk job is reported, not judged.
    None,
}

impl RemoteReport {
    /// A read's p95 bound: 2d + 10 ms.
    fn read_target(&self) -> f64 {
        2.0 * self.delay_ms as f64 + 10.0
    }

    /// A write's p95 bound: 3d + 15 ms.
    fn write_target(&self) -> f64 {
        3.0 * self.delay_ms as f64 + 15.0
    }

    fn target_of(&self, m: &Measure) -> Target {
        match (m.rows_per_second.is_some(), m.write) {
            (true, _) => Target::None,
            (false, true) => Target::P95Under(self.write_target()),
            (false, false) => Target::P95Under(self.read_target()),
        }
    }

    /// The plain-text table, each row with its target and whether it is met, and a last line
    /// counting them.
    pub fn table(&self) -> String {
        let d = self.delay_ms;
        let mut out = format!(
            "remote: sqld behind a {d} ms round trip; targets: read p95 < 2d + 10 = {:.0} ms, \
             write p95 < 3d + 15 = {:.0} ms\n",
            self.read_target(),
            self.write_target()
        );
        let (mut met, mut judged) = (0, 0);
        let _ = writeln!(
            out,
            "{:<39} {:>9} {:>9} {:>9} {:>8} {:>11} {:>6} {:>10} {:>6}",
            "endpoint", "p50 ms", "p95 ms", "p99 ms", "db calls", "round trips", "write", "target", "result"
        );
        for m in &self.measures {
            let trips = match (m.round_trips_fewest, m.round_trips) {
                (Some(fewest), Some(most)) if fewest < most => format!("{fewest}-{most}"),
                (_, Some(most)) => most.to_string(),
                _ => "-".to_owned(),
            };
            let (target, result) = match self.target_of(m) {
                Target::P95Under(ms) => {
                    let pass = m.p95_ms < ms && m.failed == 0;
                    judged += 1;
                    met += usize::from(pass);
                    (format!("< {ms:.0}"), if pass { "pass" } else { "FAIL" })
                }
                Target::None => ("-".to_owned(), "-"),
            };
            let _ = write!(
                out,
                "{:<39} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>11} {:>6} {:>10} {:>6}",
                m.name,
                m.p50_ms,
                m.p95_ms,
                m.p99_ms,
                m.db_calls,
                trips,
                if m.write { "yes" } else { "" },
                target,
                result
            );
            if let Some(rate) = m.rows_per_second {
                let _ = write!(out, "  {rate:.0} rows/s");
            }
            if m.failed > 0 {
                let _ = write!(out, "  {} not 2xx", m.failed);
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "\n{:<12} {:>9} {:>9} {:>9} {:>9} {:>6} {:>7} {:>6} {:>8}  {:<24} {:>6}",
            "load", "answered", "req/s", "p50 ms", "p95 ms", "5xx", "refused", "hangs", "failed", "target", "result"
        );
        let single = self.loads.iter().find(|l| l.clients == 1).map(|l| l.per_second);
        for l in &self.loads {
            let healthy = l.server_errors == 0 && l.hangs == 0 && l.failed == 0;
            let (target, pass) = match single.filter(|_| l.clients == 16) {
                Some(one) => (format!("{SCALING:.0}x 1 client, no 5xx/hang"), healthy && l.per_second >= SCALING * one),
                None => ("no 5xx, no hang".to_owned(), healthy),
            };
            judged += 1;
            met += usize::from(pass);
            let _ = writeln!(
                out,
                "{:<12} {:>9} {:>9.1} {:>9.2} {:>9.2} {:>6} {:>7} {:>6} {:>8}  {:<24} {:>6}",
                format!("{} client{}", l.clients, if l.clients == 1 { "" } else { "s" }),
                l.answered,
                l.per_second,
                l.p50_ms,
                l.p95_ms,
                l.server_errors,
                l.refused,
                l.hangs,
                l.failed,
                target,
                if pass { "pass" } else { "FAIL" }
            );
        }
        for l in self.loads.iter().filter(|l| !l.statuses.is_empty()) {
            let statuses: Vec<String> = l.statuses.iter().map(|(status, n)| format!("{n} x {status}")).collect();
            let _ = writeln!(out, "{} clients, answers not 2xx: {}", l.clients, statuses.join(", "));
            if let Some(first) = &l.first_refusal {
                let _ = writeln!(out, "  the first: {first}");
            }
        }
        let _ = writeln!(
            out,
            "\n{met} of {judged} targets met (a hang: no answer within {} s)",
            load::HANG_LIMIT.as_secs()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(name: &str, p95_ms: f64, write: bool, round_trips: Option<u64>) -> Measure {
        let mut m = super::super::summarize(name, vec![p95_ms], 3, 1, write);
        m.round_trips = round_trips;
        m
    }

    fn load(clients: usize, per_second: f64, server_errors: usize) -> LoadMeasure {
        LoadMeasure {
            clients,
            seconds: 5.0,
            answered: (per_second * 5.0) as usize,
            per_second,
            p50_ms: 20.0,
            p95_ms: 30.0,
            server_errors,
            refused: 0,
            hangs: 0,
            failed: 0,
            statuses: std::collections::BTreeMap::new(),
            first_refusal: None,
        }
    }

    #[test]
    fn each_row_is_held_to_its_target_at_the_delay() {
        let mut broken = measure("broken read", 5.0, false, None);
        broken.failed = 2;
        let mut refusing = load(64, 400.0, 1);
        refusing.statuses.insert(503, 1);
        refusing.first_refusal = Some("GET /api/v1/contacts: 503 busy".to_owned());
        let report = RemoteReport {
            delay_ms: 10,
            measures: vec![
                measure("fast read", 29.0, false, Some(2)),
                measure("slow read", 31.0, false, None),
                measure("fast write", 44.0, true, Some(3)),
                measure("slow write", 46.0, true, None),
                broken,
            ],
            loads: vec![load(1, 40.0, 0), load(16, 330.0, 0), refusing],
            logs: Vec::new(),
        };
        let table = report.table();
        let result = |name: &str| {
            let line = table.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} in {table}"));
            line.split_whitespace().rev().find(|w| ["pass", "FAIL"].contains(w)).unwrap_or_default().to_owned()
        };
        assert_eq!(result("fast read"), "pass", "29 < 2 * 10 + 10");
        assert_eq!(result("slow read"), "FAIL");
        assert_eq!(result("fast write"), "pass", "44 < 3 * 10 + 15");
        assert_eq!(result("slow write"), "FAIL");
        assert_eq!(result("1 client"), "pass");
        assert_eq!(result("16 clients"), "pass", "330 >= 8 * 40");
        assert_eq!(result("64 clients"), "FAIL", "a 5xx");
        assert_eq!(result("broken read"), "FAIL", "fast, but two of its answers were not 2xx");
        assert!(table.contains("2 not 2xx"), "{table}");
        assert!(table.contains("64 clients, answers not 2xx: 1 x 503"), "{table}");
        assert!(table.contains("the first: GET /api/v1/contacts: 503 busy"), "{table}");
        assert!(table.contains("4 of 8 targets met"), "{table}");
        let fast = table.lines().find(|l| l.starts_with("fast read")).unwrap_or_default();
        let slow = table.lines().find(|l| l.starts_with("slow read")).unwrap_or_default();
        assert!(fast.contains(" 2 ") && slow.contains(" - "), "round trips when reported, else -:\n{table}");

        let slower = RemoteReport { loads: vec![load(1, 40.0, 0), load(16, 300.0, 0)], ..report };
        let table = slower.table();
        assert!(table.lines().any(|l| l.starts_with("16 clients") && l.ends_with("FAIL")), "{table}");
    }
}
