//! The bulk jobs: importing a file as the Contacts screen does (a job, its chunk, the real run
//! step by step), rescoring everyone after the ICP weights change, as Settings does, and a swarm
//! of agents over many contacts, worked as the tick works it. Each is timed once, from its first
//! request to its last, and reported in rows (or tasks) per second.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use serde_json::json;

use super::Measure;
use super::client::{Bench, succeeded};

/// Imports a file of `rows` new people at companies of about ten each.
pub async fn import(bench: &Bench, rows: usize) -> anyhow::Result<Measure> {
    let tag = occ_core::domain::new_id().to_ascii_lowercase();
    let mut csv = String::from("first_name,last_name,email,title,company,domain\n");
    for n in 0..rows {
        let company = n / 10;
        csv.push_str(&format!(
            "Ada{n},Bench,ada{n}@co{company}-{tag}.example,VP Sales,Company {company} {tag},co{company}-{tag}.example\n"
        ));
    }
    let started = Instant::now();
    let mut calls = 0;
    let job = bench.ok("POST", "/api/v1/imports", Some(&json!({"filename": "bench.csv", "total_chunks": 1}))).await?;
    calls += job.calls;
    let id = job.body["id"].as_str().context("an import id")?.to_owned();
    let chunk = format!("/api/v1/imports/{id}/chunks/0");
    let put = succeeded("PUT", &chunk, bench.send("PUT", &chunk, "text/csv", Bytes::from(csv)).await?)?;
    calls += put.calls;
    let run = format!("/api/v1/imports/{id}/run");
    let done = loop {
        let step = bench.ok("POST", &run, Some(&json!({"dry_run": false}))).await?;
        calls += step.calls;
        if step.body["run"]["done"] == true {
            break step.body;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let created = done["run"]["counts"]["created"].as_u64().unwrap_or_default();
    if created != rows as u64 {
        bail!("the import created {created} of {rows} people: {done}");
    }
    Ok(once(&format!("import ({rows} rows)"), seconds, calls, rows))
}

/// Moves five points between two weights of the ICP model (so every score changes), saves it
/// as a new version, and rescores everyone with it as the Settings screen does.
pub async fn rescore_all(bench: &Bench) -> anyhow::Result<Measure> {
    let mut model = bench.ok("GET", "/api/v1/settings/icp", None).await?.body["value"].take();
    let weights = &mut model["weights"];
    let (signals, engagement) = (weights["signals"].as_u64().unwrap_or(0), weights["engagement"].as_u64().unwrap_or(0));
    let (from, to) = if engagement >= 5 { ("engagement", "signals") } else { ("signals", "engagement") };
    if signals.max(engagement) < 5 {
        bail!("the model's signals and engagement weights are both under 5: {weights}");
    }
    weights[from] = json!(weights[from].as_u64().unwrap_or(0) - 5);
    weights[to] = json!(weights[to].as_u64().unwrap_or(0) + 5);
    let started = Instant::now();
    let mut calls = bench.ok("PUT", "/api/v1/settings/icp", Some(&model)).await?.calls;
    let total = loop {
        let progress = bench.ok("POST", "/api/v1/settings/icp/rescore", None).await?;
        calls += progress.calls;
        if progress.body["done"] == true {
            break progress.body["total"].as_u64().unwrap_or_default();
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    Ok(once("rescore everyone after a weights change", seconds, calls, total as usize))
}

/// A job timed once: its time in every percentile, its calls in all, its rows and their rate.
fn once(name: &str, seconds: f64, calls: u64, rows: usize) -> Measure {
    let millis = (seconds * 100_000.0).round() / 100.0;
    Measure {
        name: name.to_owned(),
        p50_ms: millis,
        p95_ms: millis,
        p99_ms: millis,
        db_calls: calls,
        round_trips: None,
        round_trips_fewest: None,
        rows,
        write: true,
        rows_per_second: Some((rows as f64 / seconds.max(1e-9)).round()),
        peak_memory_mb: None,
        failed: 0,
    }
}

/// Starts a swarm over `contacts` people with the agents of the full pipeline this build has,
/// and works it to the end in process as the tick does (on the agents' fallbacks: the bench
/// configures no model); reported in tasks per second.
pub async fn swarm(bench: &Bench, contacts: usize) -> anyhow::Result<Measure> {
    swarm_with(bench, &bench.ctx, contacts, "fallbacks").await
}

/// The bench's model answers in this time.
pub const MODEL_DELAY: Duration = Duration::from_millis(50);

/// As [`swarm`], on people no swarm has worked on, with a model on loopback that answers every
/// call in [`MODEL_DELAY`]: how busy the worker keeps its runs in flight.
pub async fn swarm_with_model(bench: &Bench, contacts: usize) -> anyhow::Result<Measure> {
    let model = super::model::BenchModel::start(MODEL_DELAY).await?;
    let llm = occ_core::config::LlmConfig {
        base_url: model.base_url(),
        model: "bench-model".to_owned(),
        api_key: None,
        timeout: Duration::from_secs(20),
        daily_tokens: None,
        retry: occ_core::config::RetryPolicy::default(),
    };
    let ctx = occ_core::http::Ctx::new(occ_core::Config { llm: Some(llm), ..bench.ctx.config.clone() }).await?;
    let label = format!("model answering in {} ms", MODEL_DELAY.as_millis());
    swarm_with(bench, &ctx, contacts, &label).await
}

/// A swarm over `contacts` people no swarm has worked on, worked with `ctx`'s model (or none).
async fn swarm_with(bench: &Bench, ctx: &occ_core::http::Ctx, contacts: usize, label: &str) -> anyhow::Result<Measure> {
    use occ_core::agents::swarm::{FULL_PIPELINE, work, work::IN_FLIGHT, works_on_contacts};
    let pipeline: Vec<&str> =
        FULL_PIPELINE.iter().filter(|a| works_on_contacts(**a) == Some(true)).map(|a| a.as_str()).collect();
    let conn = bench.ctx.store.connect().await?;
    let limit = i64::try_from(contacts)?;
    // People the whole pipeline works on: who may be written to (else the drafter writes no
    // draft, and the reviewer has none), in no sequence (whose autopilot may approve it at once).
    let ids = conn
        .query_all(
            "SELECT id FROM contacts c WHERE status = 'active' AND email IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM email_suppression s WHERE s.value IN (c.email, substr(c.email, instr(c.email, '@') + 1))) \
             AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id) \
             AND NOT EXISTS (SELECT 1 FROM swarm_tasks t WHERE t.contact_id = c.id) ORDER BY id LIMIT ?1",
            [limit],
            occ_core::store::single::<String>,
        )
        .await?;
    drop(conn);
    let started = Instant::now();
    let body = json!({"pipeline": pipeline, "contact_ids": ids});
    let swarm = bench.ok("POST", "/api/v1/swarms", Some(&body)).await?;
    let mut calls = swarm.calls;
    let id = swarm.body["id"].as_str().context("a swarm id")?.to_owned();
    let total = swarm.body["total"].as_u64().unwrap_or_default();
    let path = format!("/api/v1/swarms/{id}");
    let done = loop {
        let worked = occ_core::store::count_calls(occ_core::store::record_statements(work(
            ctx,
            occ_core::cron::worker::SWARM_BUDGET,
            IN_FLIGHT,
        )));
        let ((report, statements), used) = worked.await;
        bench.statements.lock().map_err(|_| anyhow::anyhow!("the statements' lock was poisoned"))?.extend(statements);
        calls += u64::from(used.statements);
        let report = report?;
        let state = bench.ok("GET", &path, None).await?;
        calls += state.calls;
        if state.body["status"] != "running" {
            break state.body;
        }
        if report.claimed == 0 {
            bail!("the swarm is running with nothing to claim: {}", state.body);
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    if done["status"] != "succeeded" || done["succeeded"].as_u64() != Some(total) {
        bail!("the swarm did not run every task: {done}");
    }
    let name = format!("swarm ({} contacts x {} agents, {label})", ids.len(), pipeline.len());
    Ok(once(&name, seconds, calls, usize::try_from(total)?))
}
