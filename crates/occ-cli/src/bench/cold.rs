//! `occ bench --cold`: the `accounts` function's cold start. The release binary is built, then
//! started `--starts` times against the book as Vercel starts it (`VERCEL_DEV_PORT`); each
//! start is timed from exec to the first 200 answer to `GET /api/v1/accounts`, and its peak
//! resident memory is read from `/proc` once it has answered.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::book::WorkingCopy;
use super::client::{Bench, calls_of};
use super::{Measure, summarize};

/// How long one start may take before the bench gives up on it.
const START_LIMIT: Duration = Duration::from_secs(60);

/// Starts the function `starts` times on a copy of the book; one measure with the start times,
/// the calls and rows of the first answer, and the highest peak memory.
pub async fn measure(config: occ_core::Config, contacts: usize, starts: usize) -> anyhow::Result<Vec<Measure>> {
    let binary = build()?;
    let (copy, config) = WorkingCopy::of(&config, contacts).await?;
    let bench = Bench::open(config, 1).await?;
    let url = format!("file:{}", std::fs::canonicalize(copy.path())?.display());
    let mut times = Vec::with_capacity(starts);
    let (mut peak_kb, mut calls, mut rows) = (0, 0, 0);
    for n in 0..starts {
        let bearer = bench.bearer().await?;
        let start = start_once(&binary, &url, &bearer).await.with_context(|| format!("start {}", n + 1))?;
        eprint!("\rcold start {} / {starts}: {:.0} ms", n + 1, start.millis);
        times.push(start.millis);
        peak_kb = peak_kb.max(start.peak_kb);
        (calls, rows) = (start.calls, start.rows);
    }
    eprintln!();
    let mut measure = summarize("cold start: accounts function", times, calls, rows, false);
    measure.peak_memory_mb = Some((peak_kb as f64 / 1024.0 * 10.0).round() / 10.0);
    Ok(vec![measure])
}

/// Builds the function in release (as Vercel does) and answers its path.
fn build() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the accounts function (release) ...");
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "occ-api", "--bin", "accounts"])
        .status()
        .context("while running cargo build")?;
    if !status.success() {
        bail!("cargo build of the accounts function failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    Ok(target.join("release").join("accounts"))
}

/// One start's numbers.
struct Start {
    millis: f64,
    peak_kb: u64,
    calls: u64,
    rows: usize,
}

async fn start_once(binary: &Path, url: &str, bearer: &str) -> anyhow::Result<Start> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = reqwest::Client::new();
    let endpoint = format!("http://127.0.0.1:{port}/api/v1/accounts");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("OCC_DATABASE_URL", url)
        .env("VERCEL_DEV_PORT", port.to_string())
        .env_remove("VERCEL_IPC_PATH")
        .env_remove("OCC_DATABASE_AUTH_TOKEN")
        .env_remove("TURSO_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("while starting {}", binary.display()))?;
    let answered = answer(&client, &endpoint, bearer, &mut child, started).await;
    let peak_kb = peak_memory_kb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let (millis, calls, rows) = answered?;
    Ok(Start { millis, peak_kb: peak_kb?, calls, rows })
}

/// Asks until the function answers; answers its time since `started`, its calls and rows.
async fn answer(
    client: &reqwest::Client,
    endpoint: &str,
    bearer: &str,
    child: &mut std::process::Child,
    started: Instant,
) -> anyhow::Result<(f64, u64, usize)> {
    let answer = loop {
        match client.get(endpoint).header("authorization", bearer).send().await {
            Ok(answer) => break answer,
            Err(err) if err.is_connect() && started.elapsed() < START_LIMIT => {
                if let Some(status) = child.try_wait()? {
                    bail!("the function exited before answering ({status})");
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(err) => return Err(err.into()),
        }
    };
    let status = answer.status();
    let calls = calls_of(answer.headers());
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    let millis = started.elapsed().as_secs_f64() * 1000.0;
    if status != reqwest::StatusCode::OK {
        bail!("the function answered {status}: {body}");
    }
    Ok((millis, calls, super::endpoints::rows_of(&body)))
}

/// A process's peak resident memory (`VmHWM` in `/proc/<pid>/status`), in KiB.
fn peak_memory_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("while reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM line in /proc status")
}
