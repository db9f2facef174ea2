//! Swarms: a pipeline of agents over many contacts, run by workers that race, die mid-lease
//! and are cancelled, with every task's result written exactly once and in dependency order.

use std::sync::Arc;
use std::time::Duration;

use occ_core::access::Scope;
use occ_core::agents::swarm::{SwarmReport, work};
use occ_core::domain::enums::Role;
use occ_core::http::Ctx;
use occ_core::store::{Conn, single};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// The pipeline the tests run: SPEC.md's, each contact placed, researched, scored, written to
/// and reviewed. The tests hold for any pipeline of agents that work on a contact.
const PIPELINE: &[&str] = &["persona_mapper", "researcher", "icp_scorer", "drafter", "reviewer"];

/// Time enough for a worker to claim everything ready; the tests never wait on it.
const BUDGET: Duration = Duration::from_secs(60);

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

/// A worker: another instance's context on the app's database.
async fn worker(app: &TestApp) -> Arc<Ctx> {
    Ctx::new(app.db.config()).await.expect("context")
}

/// `n` contacts the whole pipeline works on: with titles to read, and an email address that
/// may be written to (the drafter writes no draft for a person who may not be contacted, and
/// the reviewer then has none to review), in no sequence (whose autopilot may approve the draft
/// at once).
async fn contacts(app: &TestApp, n: usize) -> Vec<String> {
    let conn = app.db.conn().await;
    occ_core::seed::synthetic(&conn, n * 2, |_| {}).await.expect("seed");
    let limit = i64::try_from(n).expect("n");
    let ids = conn
        .query_all(
            "SELECT id FROM contacts c WHERE status = 'active' AND email IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM email_suppression s WHERE s.value IN (c.email, substr(c.email, instr(c.email, '@') + 1))) \
             AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.contact_id = c.id) ORDER BY id LIMIT ?1",
            [limit],
            single::<String>,
        )
        .await
        .expect("ids");
    assert_eq!(ids.len(), n, "the seed has enough people who may be written to");
    ids
}

async fn start(app: &TestApp, contact_ids: &[String]) -> Value {
    let answer = app.post("/api/v1/swarms", json!({"pipeline": PIPELINE, "contact_ids": contact_ids})).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.body
}

async fn count(conn: &Conn, sql: &str, swarm: &str) -> i64 {
    conn.query_one("count", sql, [swarm], single::<i64>).await.expect(sql)
}

async fn status(app: &TestApp, swarm: &str) -> Value {
    let answer = app.get(&format!("/api/v1/swarms/{swarm}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// Runs `workers` at once, round after round, until the swarm is no longer running. A round
/// that finds nothing to claim brings the backoffs of queued tasks to an end (the clock moved
/// on, as it would between ticks); a second such round in a row is a swarm that is stuck.
async fn run_to_the_end(app: &TestApp, workers: &[Arc<Ctx>], swarm: &str) -> Vec<SwarmReport> {
    let mut reports = Vec::new();
    let mut idle = 0;
    loop {
        let round = futures_util::future::join_all(workers.iter().map(|w| work(w, BUDGET, 4))).await;
        let round: Vec<SwarmReport> = round.into_iter().map(|r| r.expect("work")).collect();
        let claimed: usize = round.iter().map(|r| r.claimed).sum();
        reports.extend(round);
        if status(app, swarm).await["status"] != "running" {
            return reports;
        }
        if claimed > 0 {
            idle = 0;
            continue;
        }
        idle += 1;
        assert!(idle < 2, "the swarm is running with nothing to claim: {reports:?}");
        app.db
            .conn()
            .await
            .write(
                "UPDATE swarm_tasks SET lease_until = updated_at WHERE swarm_run_id = ?1 AND status = 'queued'",
                [swarm],
            )
            .await
            .expect("the backoffs end");
    }
}

/// Panics unless every task of the swarm has exactly one run, the one it names, and every
/// task's run began after the run of the task it depends on had finished.
async fn assert_done_once_in_order(conn: &Conn, swarm: &str) {
    let not_once = count(
        conn,
        "SELECT count(*) FROM swarm_tasks t WHERE t.swarm_run_id = ?1 AND (t.agent_run_id IS NULL \
         OR (SELECT count(*) FROM agent_runs r WHERE r.contact_id = t.contact_id AND r.agent = t.agent) <> 1 \
         OR NOT EXISTS (SELECT 1 FROM agent_runs r WHERE r.id = t.agent_run_id AND r.contact_id = t.contact_id))",
        swarm,
    )
    .await;
    assert_eq!(not_once, 0, "tasks not done exactly once");
    let out_of_order = count(
        conn,
        "SELECT count(*) FROM swarm_task_deps d JOIN swarm_tasks t ON t.id = d.task_id \
         JOIN swarm_tasks p ON p.id = d.depends_on_id JOIN agent_runs rt ON rt.id = t.agent_run_id \
         JOIN agent_runs rp ON rp.id = p.agent_run_id WHERE t.swarm_run_id = ?1 AND rt.created_at < rp.finished_at",
        swarm,
    )
    .await;
    assert_eq!(out_of_order, 0, "a task ran before the one it depends on had finished");
}

#[tokio::test]
async fn two_workers_racing_run_a_swarm_of_two_hundred_contacts_once_each_in_order() {
    let app = spawn_app().await;
    let people = contacts(&app, 200).await;
    let swarm = start(&app, &people).await;
    let tasks = 200 * PIPELINE.len() as i64;
    assert_eq!((swarm["status"].as_str(), swarm["total"].as_i64()), (Some("running"), Some(tasks)), "{swarm}");
    assert_eq!(swarm["pipeline"], json!(PIPELINE));
    let swarm = id(&swarm);
    let conn = app.db.conn().await;
    let deps = count(
        &conn,
        "SELECT count(*) FROM swarm_task_deps d JOIN swarm_tasks t ON t.id = d.task_id WHERE t.swarm_run_id = ?1",
        &swarm,
    )
    .await;
    assert_eq!(deps, 200 * (PIPELINE.len() as i64 - 1), "each task after the first depends on the one before");

    let workers = [worker(&app).await, worker(&app).await];
    let reports = run_to_the_end(&app, &workers, &swarm).await;
    let errors = conn
        .query_all(
            "SELECT agent || ': ' || last_error || ' ' || (SELECT json_group_array(json_object('status', d.approval_status, \
             'author', d.author_kind)) FROM message_drafts d WHERE d.contact_id = t.contact_id) || (SELECT c.status FROM contacts c WHERE c.id = t.contact_id) \
             FROM swarm_tasks t WHERE swarm_run_id = ?1 AND last_error IS NOT NULL LIMIT 5",
            [swarm.as_str()],
            single::<String>,
        )
        .await
        .expect("errors");
    assert!(errors.is_empty(), "{errors:?}");
    let succeeded: usize = reports.iter().map(|r| r.succeeded).sum();
    let lost: usize = reports.iter().map(|r| r.lost + r.errors + r.failed + r.retried).sum();
    assert_eq!((succeeded as i64, lost), (tasks, 0), "{reports:?}");

    let done = status(&app, &swarm).await;
    assert_eq!((done["status"].as_str(), done["succeeded"].as_i64()), (Some("succeeded"), Some(tasks)), "{done}");
    assert!(done["finished_at"].is_string(), "{done}");
    let agents: Vec<&str> =
        done["progress"].as_array().expect("progress").iter().map(|p| p["agent"].as_str().expect("agent")).collect();
    assert_eq!(agents, PIPELINE, "progress is in pipeline order");
    for p in done["progress"].as_array().expect("progress") {
        assert_eq!(p["succeeded"], 200, "{p}");
    }
    assert_done_once_in_order(&conn, &swarm).await;
    let persona = count(&conn, "SELECT count(*) FROM contacts WHERE persona IS NOT NULL AND id IN (SELECT contact_id FROM swarm_tasks WHERE swarm_run_id = ?1)", &swarm).await;
    assert_eq!(persona, 200, "the persona mapper's answers were written");

    // The workers find nothing more to do.
    let idle = work(&workers[0], BUDGET, 4).await.expect("work");
    assert_eq!(idle.claimed, 0, "{idle:?}");
}

/// A swarm written by hand whose tasks for each contact form a chain of `length` runs of the
/// persona mapper (the API names each agent once; the chain is what the worker follows).
async fn chain(conn: &Conn, contact_ids: &[String], length: usize) -> String {
    let swarm = uuid::Uuid::now_v7().to_string();
    let now = occ_core::domain::now();
    conn.write(
        "INSERT INTO swarm_runs (id, pipeline, status, total, started_at, created_at, updated_at) \
         VALUES (?1, '[\"persona_mapper\"]', 'running', ?2, ?3, ?3, ?3)",
        libsql::params![swarm.as_str(), (contact_ids.len() * length) as i64, now.as_str()],
    )
    .await
    .expect("swarm");
    for contact in contact_ids {
        let mut before: Option<String> = None;
        for step in 0..length {
            let task = uuid::Uuid::now_v7().to_string();
            conn.write(
                "INSERT INTO swarm_tasks (id, swarm_run_id, agent, contact_id, status, max_attempts, lease_until, created_at, updated_at) \
                 VALUES (?1, ?2, 'persona_mapper', ?3, ?4, 3, ?5, ?5, ?5)",
                libsql::params![task.as_str(), swarm.as_str(), contact.as_str(), if step == 0 { "queued" } else { "waiting" }, now.as_str()],
            )
            .await
            .expect("task");
            if let Some(before) = before {
                conn.write(
                    "INSERT INTO swarm_task_deps (task_id, depends_on_id) VALUES (?1, ?2)",
                    libsql::params![task.as_str(), before.as_str()],
                )
                .await
                .expect("dependency");
            }
            before = Some(task);
        }
    }
    swarm
}

#[tokio::test]
async fn a_task_waits_for_the_one_it_depends_on_whichever_worker_takes_it() {
    let app = spawn_app().await;
    let people = contacts(&app, 10).await;
    let conn = app.db.conn().await;
    let swarm = chain(&conn, &people, 4).await;
    let workers = [worker(&app).await, worker(&app).await];
    run_to_the_end(&app, &workers, &swarm).await;
    let done = status(&app, &swarm).await;
    assert_eq!((done["status"].as_str(), done["succeeded"].as_i64()), (Some("succeeded"), Some(40)), "{done}");
    let unnamed =
        count(&conn, "SELECT count(*) FROM swarm_tasks WHERE swarm_run_id = ?1 AND agent_run_id IS NULL", &swarm).await;
    assert_eq!(unnamed, 0);
    let out_of_order = count(
        &conn,
        "SELECT count(*) FROM swarm_task_deps d JOIN swarm_tasks t ON t.id = d.task_id \
         JOIN swarm_tasks p ON p.id = d.depends_on_id JOIN agent_runs rt ON rt.id = t.agent_run_id \
         JOIN agent_runs rp ON rp.id = p.agent_run_id WHERE t.swarm_run_id = ?1 AND rt.created_at < rp.finished_at",
        &swarm,
    )
    .await;
    assert_eq!(out_of_order, 0, "a task ran before the one it depends on had finished");
    let runs = count(&conn, "SELECT count(*) FROM agent_runs WHERE contact_id IN (SELECT contact_id FROM swarm_tasks WHERE swarm_run_id = ?1)", &swarm).await;
    assert_eq!(runs, 40, "one run per task");
}

#[tokio::test]
async fn a_task_whose_worker_died_mid_lease_is_taken_again_after_the_lease_and_done_once() {
    let app = spawn_app().await;
    let people = contacts(&app, 3).await;
    let swarm = id(&start(&app, &people).await);
    let conn = app.db.conn().await;
    let past = occ_core::domain::stored(chrono::Utc::now() - chrono::Duration::minutes(5));
    let future = occ_core::domain::stored(chrono::Utc::now() + chrono::Duration::minutes(5));
    // One task's worker died with its lease run out; another's lease still holds.
    let tasks = conn
        .query_all(
            "SELECT id FROM swarm_tasks WHERE swarm_run_id = ?1 AND status = 'queued' ORDER BY id",
            [swarm.as_str()],
            single::<String>,
        )
        .await
        .expect("tasks");
    conn.write(
        "UPDATE swarm_tasks SET status = 'running', leased_by = 'dead-worker', attempts = 1, lease_until = ?2 WHERE id = ?1",
        [tasks[0].as_str(), past.as_str()],
    )
    .await
    .expect("dead");
    conn.write(
        "UPDATE swarm_tasks SET status = 'running', leased_by = 'slow-worker', attempts = 1, lease_until = ?2 WHERE id = ?1",
        [tasks[1].as_str(), future.as_str()],
    )
    .await
    .expect("slow");

    let workers = [worker(&app).await, worker(&app).await];
    let round = futures_util::future::join_all(workers.iter().map(|w| work(w, BUDGET, 4))).await;
    let claimed: usize = round.iter().map(|r| r.as_ref().expect("work").claimed).sum();
    assert_eq!(claimed, PIPELINE.len() * 2, "everything but the contact under a live lease: {round:?}");
    let dead = conn
        .query_one(
            "task",
            "SELECT status || ' ' || attempts FROM swarm_tasks WHERE id = ?1",
            [tasks[0].as_str()],
            single::<String>,
        )
        .await
        .expect("task");
    assert_eq!(dead, "succeeded 2", "taken again after the lease, as a second attempt");
    let slow = conn
        .query_one(
            "task",
            "SELECT status || ' ' || leased_by FROM swarm_tasks WHERE id = ?1",
            [tasks[1].as_str()],
            single::<String>,
        )
        .await
        .expect("task");
    assert_eq!(slow, "running slow-worker", "a live lease is left alone");

    // The slow worker's lease runs out: its task is done, once.
    conn.write("UPDATE swarm_tasks SET lease_until = ?2 WHERE id = ?1", [tasks[1].as_str(), past.as_str()])
        .await
        .expect("expire");
    run_to_the_end(&app, &workers, &swarm).await;
    assert_eq!(status(&app, &swarm).await["status"], "succeeded");
    assert_done_once_in_order(&conn, &swarm).await;
}

#[tokio::test]
async fn a_cancelled_swarm_starts_no_new_task_and_lets_running_ones_finish() {
    let app = spawn_app().await;
    let people = contacts(&app, 20).await;
    let swarm = id(&start(&app, &people).await);
    let conn = app.db.conn().await;
    let future = occ_core::domain::stored(chrono::Utc::now() + chrono::Duration::minutes(5));
    let running = conn
        .query_one(
            "task",
            "SELECT id FROM swarm_tasks WHERE swarm_run_id = ?1 ORDER BY id LIMIT 1",
            [swarm.as_str()],
            single::<String>,
        )
        .await
        .expect("task");
    conn.write(
        "UPDATE swarm_tasks SET status = 'running', leased_by = 'busy-worker', attempts = 1, lease_until = ?2 WHERE id = ?1",
        [running.as_str(), future.as_str()],
    )
    .await
    .expect("running");

    let cancelled = app.post(&format!("/api/v1/swarms/{swarm}/cancel"), json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert!(cancelled.body["cancelled_at"].is_string());
    let tasks = 20 * PIPELINE.len() as i64;
    assert_eq!(cancelled.body["cancelled"].as_i64(), Some(tasks - 1), "{}", cancelled.body);

    let idle = work(&*worker(&app).await, BUDGET, 4).await.expect("work");
    assert_eq!(idle.claimed, 0, "no task starts after a cancel: {idle:?}");
    let runs = count(&conn, "SELECT count(*) FROM agent_runs WHERE contact_id IN (SELECT contact_id FROM swarm_tasks WHERE swarm_run_id = ?1)", &swarm).await;
    assert_eq!(runs, 0);
    let still = conn
        .query_one("task", "SELECT status FROM swarm_tasks WHERE id = ?1", [running.as_str()], single::<String>)
        .await
        .expect("task");
    assert_eq!(still, "running", "the task under way is left to finish");

    let again = app.post(&format!("/api/v1/swarms/{swarm}/cancel"), json!({})).await;
    assert_eq!(again.status, 409, "{}", again.text);
    let retry = app.post(&format!("/api/v1/swarms/{swarm}/retry-failed"), json!({})).await;
    assert_eq!(retry.status, 409, "{}", retry.text);
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(app.post(&format!("/api/v1/swarms/{unknown}/cancel"), json!({})).await.status, 404);
}

#[tokio::test]
async fn a_failing_task_backs_off_fails_at_its_last_attempt_and_is_tried_again_on_request() {
    let app = spawn_app().await;
    let people = contacts(&app, 3).await;
    let swarm = id(&start(&app, &people).await);
    let conn = app.db.conn().await;
    let first = "SELECT id FROM swarm_tasks WHERE swarm_run_id = ?1 AND contact_id = ?2 AND agent = ?3";
    let (backing, failing) = (
        conn.query_one("task", first, [swarm.as_str(), people[0].as_str(), PIPELINE[0]], single::<String>)
            .await
            .expect("task"),
        conn.query_one("task", first, [swarm.as_str(), people[1].as_str(), PIPELINE[0]], single::<String>)
            .await
            .expect("task"),
    );
    // Two tasks lose their contact (their run fails): one has attempts left, one does not.
    conn.write("UPDATE swarm_tasks SET contact_id = NULL WHERE id IN (?1, ?2)", [backing.as_str(), failing.as_str()])
        .await
        .expect("break");
    conn.write("UPDATE swarm_tasks SET max_attempts = 1 WHERE id = ?1", [failing.as_str()]).await.expect("last");

    let report = work(&*worker(&app).await, BUDGET, 4).await.expect("work");
    assert_eq!((report.retried, report.failed), (1, 1), "{report:?}");
    let backed_off = conn
        .query_one(
            "task",
            "SELECT status || ' ' || attempts || ' ' || (unixepoch(lease_until) - unixepoch(updated_at)) FROM swarm_tasks WHERE id = ?1",
            [backing.as_str()],
            single::<String>,
        )
        .await
        .expect("task");
    assert_eq!(backed_off, "queued 1 10", "queued again after 2^1 × 5 seconds");
    let failed = conn
        .query_one(
            "task",
            "SELECT status || ' ' || (last_error IS NOT NULL) FROM swarm_tasks WHERE id = ?1",
            [failing.as_str()],
            single::<String>,
        )
        .await
        .expect("task");
    assert_eq!(failed, "failed 1");
    let later =
        count(&conn, "SELECT count(*) FROM swarm_tasks WHERE swarm_run_id = ?1 AND status = 'cancelled'", &swarm).await;
    assert_eq!(later, PIPELINE.len() as i64 - 1, "the failed task's later tasks are cancelled");

    // The backing-off task fails for good too; the swarm ends failed, its failures listed.
    conn.write("UPDATE swarm_tasks SET max_attempts = 1, lease_until = updated_at WHERE id = ?1", [backing.as_str()])
        .await
        .expect("due");
    let swarm_done = {
        let workers = [worker(&app).await];
        run_to_the_end(&app, &workers, &swarm).await;
        status(&app, &swarm).await
    };
    assert_eq!(
        (swarm_done["status"].as_str(), swarm_done["failed"].as_i64()),
        (Some("failed"), Some(2)),
        "{swarm_done}"
    );
    let listed = swarm_done["failed_tasks"].as_array().expect("failed tasks");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t["last_error"].is_string() && t["agent"] == PIPELINE[0]), "{listed:?}");

    // Their contacts come back; tried again, the swarm runs to the end.
    conn.write("UPDATE swarm_tasks SET contact_id = ?2 WHERE id = ?1", [backing.as_str(), people[0].as_str()])
        .await
        .expect("fix");
    conn.write("UPDATE swarm_tasks SET contact_id = ?2 WHERE id = ?1", [failing.as_str(), people[1].as_str()])
        .await
        .expect("fix");
    let retried = app.post(&format!("/api/v1/swarms/{swarm}/retry-failed"), json!({})).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(
        (retried.body["status"].as_str(), retried.body["failed"].as_i64()),
        (Some("running"), Some(0)),
        "{}",
        retried.body
    );
    run_to_the_end(&app, &[worker(&app).await], &swarm).await;
    let done = status(&app, &swarm).await;
    assert_eq!(
        (done["status"].as_str(), done["succeeded"].as_i64()),
        (Some("succeeded"), Some(3 * PIPELINE.len() as i64)),
        "{done}"
    );
    assert_done_once_in_order(&conn, &swarm).await;
}

#[tokio::test]
async fn the_tick_runs_swarm_tasks() {
    let app = spawn_app().await;
    let people = contacts(&app, 5).await;
    let swarm = id(&start(&app, &people).await);
    let ctx = worker(&app).await;
    let conn = app.db.conn().await;
    let deadline = std::time::Instant::now() + BUDGET;
    let report = occ_core::cron::worker::run_in(&ctx, &conn, chrono::Utc::now(), deadline).await;
    assert!(report.failed_steps.is_empty(), "{report:?}");
    assert!(report.swarms.succeeded > 0 && report.swarms.errors == 0, "{report:?}");
    run_to_the_end(&app, &[ctx], &swarm).await;
    assert_eq!(status(&app, &swarm).await["status"], "succeeded");
}

#[tokio::test]
async fn a_swarm_starts_on_a_batch_and_the_list_is_newest_first_with_its_counts() {
    let app = spawn_app().await;
    let people = contacts(&app, 4).await;
    let made = app.post("/api/v1/batches", json!({"name": "Swarm me", "contact_ids": &people[..3]})).await;
    assert_eq!(made.status, 201, "{}", made.text);
    let batch = made.body;

    let on_batch = app.post("/api/v1/swarms", json!({"pipeline": PIPELINE, "batch_id": id(&batch)})).await;
    assert_eq!(on_batch.status, 201, "{}", on_batch.text);
    assert_eq!(on_batch.work_round_trips(), 1, "one round trip for the swarm and its tasks");
    assert_eq!(on_batch.body["total"].as_i64(), Some(3 * PIPELINE.len() as i64), "{}", on_batch.body);
    assert_eq!((&on_batch.body["batch_id"], on_batch.body["batch_name"].as_str()), (&batch["id"], Some("Swarm me")));
    assert_eq!(on_batch.header("location"), Some(format!("/api/v1/swarms/{}", id(&on_batch.body)).as_str()));
    let second = start(&app, &people[..1]).await;
    let third = start(&app, &people[1..2]).await;

    let page = app.get("/api/v1/swarms?limit=2").await;
    assert_eq!(page.status, 200, "{}", page.text);
    let ids: Vec<String> = page.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(ids, [id(&third), id(&second)]);
    let cursor = page.body["next_cursor"].as_str().expect("a cursor");
    let rest = app.get(&format!("/api/v1/swarms?limit=2&cursor={cursor}")).await;
    let ids: Vec<String> = rest.body["items"].as_array().expect("items").iter().map(id).collect();
    assert_eq!(ids, [id(&on_batch.body)]);
    assert!(rest.body["next_cursor"].is_null());

    let one = app.get(&format!("/api/v1/swarms/{}", id(&on_batch.body))).await;
    assert!(one.work_round_trips() <= 2, "a swarm is read in two statements at most: {}", one.work_round_trips());
    assert_eq!(one.body["progress"][0]["queued"], 3, "{}", one.body);
    assert_eq!(app.get(&format!("/api/v1/swarms/{}", uuid::Uuid::now_v7())).await.status, 404);
}

#[tokio::test]
async fn only_managers_and_admins_start_cancel_or_retry_swarms() {
    let app = spawn_app().await;
    let people = contacts(&app, 1).await;
    let swarm = id(&start(&app, &people).await);
    let body = json!({"pipeline": PIPELINE, "contact_ids": people});
    for (role, allowed) in [(Role::Bdr, false), (Role::Viewer, false), (Role::Manager, true)] {
        let token = app.token_for(role, &[Scope::Write]).await;
        let post =
            |path: String, body: Value| app.send_raw(app.client.post(app.url(&path)).bearer_auth(&token).json(&body));
        let started = post("/api/v1/swarms".to_owned(), body.clone()).await;
        assert_eq!(started.status, if allowed { 201 } else { 403 }, "{role}: {}", started.text);
        let retried = post(format!("/api/v1/swarms/{swarm}/retry-failed"), json!({})).await;
        assert_eq!(retried.status, if allowed { 200 } else { 403 }, "{role}: {}", retried.text);
        let listed = app.send_raw(app.client.get(app.url("/api/v1/swarms")).bearer_auth(&token)).await;
        assert_eq!(listed.status, 200, "everyone reads swarms");
    }
}

#[tokio::test]
async fn a_swarm_that_cannot_start_is_refused_naming_the_field_and_the_rule() {
    let app = spawn_app().await;
    let people = contacts(&app, 2).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let many: Vec<String> = (0..1001).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let seven = ["persona_mapper"; 7];
    let cases = [
        (json!({"pipeline": [], "contact_ids": people}), "pipeline", "length", "no agent"),
        (json!({"pipeline": seven, "contact_ids": people}), "pipeline", "length", "seven agents"),
        (json!({"pipeline": ["nobody"], "contact_ids": people}), "pipeline", "one_of", "not an agent"),
        (
            json!({"pipeline": ["persona_mapper", "persona_mapper"], "contact_ids": people}),
            "pipeline",
            "unique",
            "twice",
        ),
        (
            json!({"pipeline": ["reply_classifier"], "contact_ids": people}),
            "pipeline",
            "contact_agent",
            "works on replies",
        ),
        (json!({"pipeline": PIPELINE}), "contact_ids", "required", "no contacts"),
        (json!({"pipeline": PIPELINE, "contact_ids": people, "batch_id": unknown}), "batch_id", "one_of", "both"),
        (json!({"pipeline": PIPELINE, "contact_ids": []}), "contact_ids", "length", "none"),
        (json!({"pipeline": PIPELINE, "contact_ids": many}), "contact_ids", "length", "1,001"),
        (json!({"pipeline": PIPELINE, "contact_ids": ["x"]}), "contact_ids", "format", "not an id"),
        (
            json!({"pipeline": PIPELINE, "contact_ids": [people[0], unknown]}),
            "contact_ids",
            "exists",
            "unknown contact",
        ),
        (json!({"pipeline": PIPELINE, "batch_id": "x"}), "batch_id", "format", "not an id"),
        (json!({"pipeline": PIPELINE, "batch_id": unknown}), "batch_id", "exists", "unknown batch"),
    ];
    for (body, field, rule, case) in cases {
        let answer = app.post("/api/v1/swarms", body).await;
        assert_eq!(answer.status, 422, "{case}: {}", answer.text);
        assert!(answer.field_errors().contains(&(field.to_owned(), rule.to_owned())), "{case}: {}", answer.text);
    }
    let none = app
        .db
        .conn()
        .await
        .query_one("count", "SELECT count(*) FROM swarm_runs", (), single::<i64>)
        .await
        .expect("count");
    assert_eq!(none, 0, "nothing was started");
}

#[tokio::test]
async fn a_task_the_agent_refuses_fails_at_once_without_retries() {
    let app = spawn_app().await;
    let people = contacts(&app, 1).await;
    // The reviewer alone: the contact has no draft waiting for it.
    let started = app.post("/api/v1/swarms", json!({"pipeline": ["reviewer"], "contact_ids": people})).await;
    assert_eq!(started.status, 201, "{}", started.text);
    let swarm = id(&started.body);
    let report = work(&*worker(&app).await, BUDGET, 4).await.expect("work");
    assert_eq!((report.failed, report.retried), (1, 0), "{report:?}");
    let done = status(&app, &swarm).await;
    assert_eq!(done["status"], "failed", "{done}");
    let failed = &done["failed_tasks"][0];
    assert_eq!((failed["agent"].as_str(), failed["attempts"].as_i64()), (Some("reviewer"), Some(1)), "{done}");
    assert!(failed["last_error"].as_str().is_some_and(|e| e.contains("no draft")), "{done}");
    assert!(failed["contact_name"].is_string(), "{done}");
}
