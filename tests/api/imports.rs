//! CSV import as a job: chunks, the guessed mapping, the dry run's row-by-row report, the real
//! run in resumable steps, de-duplication, suppression and erased people, and the one-request
//! import.

use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, spawn_app};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

async fn put_chunk(app: &TestApp, import: &str, n: usize, text: &str) -> Answer {
    let url = app.url(&format!("/api/v1/imports/{import}/chunks/{n}"));
    app.send(app.client.put(url).header("content-type", "text/csv").body(text.to_owned())).await
}

async fn run(app: &TestApp, import: &str, dry_run: bool) -> Answer {
    app.post(&format!("/api/v1/imports/{import}/run"), json!({"dry_run": dry_run})).await
}

/// Runs a phase to the end; answers the job.
async fn run_all(app: &TestApp, import: &str, dry_run: bool) -> Value {
    let phase = if dry_run { "dry_run" } else { "run" };
    for _ in 0..100 {
        let answer = run(app, import, dry_run).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        if answer.body[phase]["done"] == true {
            return answer.body;
        }
    }
    panic!("the {phase} never finished");
}

async fn report(app: &TestApp, import: &str, query: &str) -> Vec<Value> {
    let answer = app.get(&format!("/api/v1/imports/{import}/rows?{query}")).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["items"].as_array().expect("items").clone()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db.conn().await.query_one("count", sql, (), |row| occ_core::store::col(row, 0)).await.expect("count")
}

#[tokio::test]
async fn a_file_in_chunks_is_mapped_dry_run_then_imported() {
    let app = spawn_app().await;
    let existing = app.post("/api/v1/contacts", json!({"first_name": "Old", "email": "old@acme.com"})).await.body;
    let suppressed = app.db.conn().await;
    suppressed
        .execute(
            "INSERT INTO email_suppression (id, kind, value, reason, source, created_at) \
             VALUES ('s1', 'email', 'gone@acme.com', 'unsubscribe', 'test', '2026-11-01T00:00:00.000Z')",
            (),
        )
        .await
        .expect("suppress");

    let job = app.post("/api/v1/imports", json!({"filename": "C:\\exports\\leads.csv", "total_chunks": 2})).await;
    assert_eq!(job.status, 201, "{}", job.text);
    let import = id(&job.body).to_owned();
    assert_eq!((job.body["status"].as_str(), job.body["filename"].as_str()), (Some("uploading"), Some("leads.csv")));

    let first = "\u{feff}Full Name,Job Title,E-mail,Company,Website,Employees,Favourite colour\r\n\
                 Ana Lopez,VP Sales,ana@acme.com,\"Acme, Inc.\",acme.com,300,blue\r\n\
                 \r\n\
                 Bo Chen,\"Head of Ops, EMEA\",bo@acme.com,\"Acme, Inc.\",acme.com,300,red\r\n\
                 Cy Invalid,CTO,not-an-address,Globex,globex.io,50,green\r\n";
    let second = "Old Timer,CEO,old@acme.com,\"Acme, Inc.\",acme.com,300,\r\n\
                  Gone Person,CFO,gone@acme.com,Acme,acme.com,,\r\n\
                  Ana Again,VP Sales,ANA@acme.com,,,,\r\n\
                  Dee Solo,Founder,dee@gmail.com,,,,\r\n";
    let uploaded = put_chunk(&app, &import, 1, second).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    assert_eq!(uploaded.body["status"], "uploading");
    let early = run(&app, &import, true).await;
    assert_eq!(early.status, 409, "a chunk is missing: {}", early.text);
    let uploaded = put_chunk(&app, &import, 0, first).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.text);
    assert_eq!(uploaded.work_round_trips(), 2, "the job, the chunk with the commit");
    // Sending a chunk again replaces it.
    let again = put_chunk(&app, &import, 0, first).await;
    assert_eq!(
        (again.body["status"].as_str(), again.body["rows"].as_i64()),
        (Some("ready"), Some(7)),
        "{}",
        again.text
    );
    assert_eq!(put_chunk(&app, &import, 2, second).await.status, 422, "no chunk 2");

    let mapping = &again.body["mapping"];
    assert_eq!(
        mapping,
        &json!({"Full Name": "full_name", "Job Title": "title", "E-mail": "email", "Company": "company",
                "Website": "website", "Employees": "employee_count", "Favourite colour": null})
    );
    let bad = app
        .patch(&format!("/api/v1/imports/{import}"), json!({"mapping": {"Company": "email", "E-mail": "email"}}))
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.field_errors(), [("mapping.E-mail".to_owned(), "unique".to_owned())], "named by its column");
    let fixed = app.patch(&format!("/api/v1/imports/{import}"), json!({"mapping": mapping})).await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    assert_eq!(fixed.work_round_trips(), 2, "the job, the change with the commit");

    // The dry run decides every row and writes nothing.
    let contacts_before = count(&app, "SELECT count(*) FROM contacts").await;
    let first_step = run(&app, &import, true).await;
    assert_eq!(first_step.work_round_trips(), 3, "the chunk, the lookups, the writes with the commit");
    let dry = run_all(&app, &import, true).await;
    assert_eq!(
        dry["dry_run"]["counts"],
        json!({"created": 3, "updated": 0, "skipped_duplicate": 2, "invalid": 1, "suppressed": 1, "accounts_created": 1}),
        "{dry}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, contacts_before);
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 0);
    let rows = report(&app, &import, "phase=dry_run").await;
    let outcomes: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str().expect("outcome")).collect();
    assert_eq!(
        outcomes,
        ["created", "created", "invalid", "skipped_duplicate", "suppressed", "skipped_duplicate", "created"]
    );
    assert_eq!(
        (rows[2]["row"].as_i64(), rows[2]["line"].as_i64()),
        (Some(3), Some(5)),
        "blank line skipped, lines kept"
    );
    assert!(rows[2]["reason"].as_str().is_some_and(|r| r.starts_with("email:")), "{}", rows[2]);
    assert_eq!(rows[3]["contact_id"], existing["id"]);
    assert!(rows[3]["reason"].as_str().is_some_and(|r| r.contains("old@acme.com already exists")), "{}", rows[3]);
    assert!(rows[4]["reason"].as_str().is_some_and(|r| r.contains("suppression list (unsubscribe)")), "{}", rows[4]);
    // Ana again: the first Ana is on line 2 of the file (after the header), as the table shows it.
    assert_eq!((rows[0]["line"].as_i64(), rows[5]["reason"].as_str()), (Some(2), Some("the same person as line 2")));
    let invalid = report(&app, &import, "phase=dry_run&outcome=invalid").await;
    assert_eq!(invalid.len(), 1);

    // The real run writes, scores and audits.
    let done = run_all(&app, &import, false).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!((done["received_chunks"].as_i64(), done["rows"].as_i64()), (Some(2), Some(7)), "{done}");
    assert_eq!(done["run"]["counts"], dry["dry_run"]["counts"], "the dry run foretold the run");
    let created = report(&app, &import, "outcome=created").await;
    assert_eq!(created.len(), 3);
    let ana = app.get(&format!("/api/v1/contacts/{}", created[0]["contact_id"].as_str().expect("id"))).await.body;
    assert_eq!((ana["email"].as_str(), ana["seniority"].as_str()), (Some("ana@acme.com"), Some("vp")));
    assert_eq!(ana["account"]["name"], "Acme, Inc.");
    assert_eq!(ana["account"]["domain"], "acme.com");
    assert!(ana["priority_score"].as_i64().is_some_and(|s| s > 0), "scored: {ana}");
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 1, "one company for both people");
    assert_eq!(count(&app, "SELECT count(*) FROM audit_log WHERE action = 'contact.import'").await, 3);
    assert_eq!(count(&app, "SELECT count(*) FROM import_chunks").await, 0, "the file is not kept");
    let dee = app.get(&format!("/api/v1/contacts/{}", created[2]["contact_id"].as_str().expect("id"))).await.body;
    assert_eq!(dee["account_id"], Value::Null, "a webmail address names no company");

    // Running again changes nothing; the job is read-only.
    let rerun = run(&app, &import, false).await;
    assert_eq!((rerun.status, rerun.body["run"]["counts"]["created"].as_i64()), (200, Some(3)));
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, contacts_before + 3);
    assert_eq!(put_chunk(&app, &import, 0, first).await.status, 409);
    assert_eq!(app.patch(&format!("/api/v1/imports/{import}"), json!({"mode": "upsert"})).await.status, 409);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn upsert_updates_people_already_in_occ_and_create_skips_them() {
    let app = spawn_app().await;
    let ana = app
        .post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com", "title": "Engineer"}))
        .await
        .body;
    let csv = "first_name,email,title,phone\nAna,ana@acme.com,Chief Revenue Officer,+44 20 7946 0000\n";
    let url = |query: &str| app.url(&format!("/api/v1/import?{query}"));
    let skipped = app.send(app.client.post(url("")).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(skipped.status, 200, "{}", skipped.text);
    assert_eq!(skipped.work_round_trips(), 2, "the lookups, the writes with the commit");
    assert_eq!(skipped.body["rows"][0]["outcome"], "skipped_duplicate");
    let updated = app.send(app.client.post(url("mode=upsert")).header("content-type", "text/csv").body(csv)).await;
    assert_eq!(updated.body["rows"][0]["outcome"], "updated", "{}", updated.text);
    let now = app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body;
    assert_eq!((now["title"].as_str(), now["seniority"].as_str()), (Some("Chief Revenue Officer"), Some("c_level")));
    assert_eq!(now["phone"], "+44 20 7946 0000");
    assert!(now["priority_score"].as_i64() > ana["priority_score"].as_i64(), "rescored: {now}");
    let log = app.get(&format!("/api/v1/audit?entity=contact&entity_id={}", id(&ana))).await;
    assert_eq!(log.body["items"][0]["action"], "contact.import_update", "{}", log.text);
    assert_eq!(log.body["items"][0]["before"]["title"], "Engineer");

    // A dry run by the one-request import writes nothing.
    let dry = app
        .send(app.client.post(url("dry_run=true")).header("content-type", "text/csv").body("first_name\nZed\n"))
        .await;
    assert_eq!(dry.body["import"]["dry_run"]["counts"]["created"], 1, "{}", dry.text);
    assert_eq!(count(&app, "SELECT count(*) FROM contacts WHERE first_name = 'Zed'").await, 0);
    let json_body = app.post("/api/v1/import", json!({"csv": "first_name\nZed\n"})).await;
    assert_eq!(json_body.status, 400, "{}", json_body.text);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn erased_and_suppressed_people_are_never_imported() {
    let app = spawn_app().await;
    let first = app
        .send(
            app.client
                .post(app.url("/api/v1/import"))
                .header("content-type", "text/csv")
                .body("first_name,email,linkedin_url\nAna,ana@acme.com,https://linkedin.com/in/ana\n"),
        )
        .await;
    let ana = first.body["rows"][0]["contact_id"].as_str().expect("imported").to_owned();
    assert_eq!(count(&app, "SELECT count(*) FROM import_rows WHERE email = 'ana@acme.com'").await, 1);
    assert_eq!(app.post(&format!("/api/v1/contacts/{ana}/erase"), json!({})).await.status, 204);
    assert_eq!(
        count(&app, "SELECT count(*) FROM import_rows WHERE email = 'ana@acme.com'").await,
        0,
        "the report forgets her"
    );
    app.post("/api/v1/contacts", json!({"first_name": "Keep"})).await;
    let conn = app.db.conn().await;
    conn.execute(
        "INSERT INTO email_suppression (id, kind, value, reason, source, created_at) \
         VALUES ('d1', 'domain', 'blocked.example', 'manual', 'test', '2026-11-01T00:00:00.000Z'), \
         ('l1', 'linkedin', 'https://www.linkedin.com/in/no-thanks', 'manual', 'test', '2026-11-01T00:00:00.000Z')",
        (),
    )
    .await
    .expect("suppress");
    let csv = "name,email,linkedin\n\
               Ana L,ANA@acme.com,\n\
               Ana Profile,,https://www.linkedin.com/in/ana/\n\
               Bo,bo@blocked.example,\n\
               Cy,,linkedin.com/in/no-thanks\n";
    let answer =
        app.send(app.client.post(app.url("/api/v1/import")).header("content-type", "text/csv").body(csv)).await;
    let outcomes: Vec<(&str, &str)> = answer.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["outcome"].as_str().expect("outcome"), r["reason"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(outcomes.iter().map(|o| o.0).collect::<Vec<_>>(), ["suppressed"; 4], "{}", answer.text);
    assert!(outcomes[0].1.contains("erased"), "{outcomes:?}");
    assert!(outcomes[2].1.contains("blocked.example"), "{outcomes:?}");
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, 1);
}

#[tokio::test]
async fn a_large_file_imports_in_resumable_steps_without_duplicates() {
    let app = spawn_app().await;
    // Three chunks of 3,000 rows, the first with the header row.
    let mut chunks = [String::from("first_name,last_name,email,company,domain\n"), String::new(), String::new()];
    for n in 0..9_000 {
        let line = format!("P{n},Last,p{n}@firm{}.example,Firm {},firm{}.example\n", n % 50, n % 50, n % 50);
        chunks[n / 3_000].push_str(&line);
    }
    let job = app.post("/api/v1/imports", json!({"filename": "big.csv", "total_chunks": 3})).await.body;
    let import = id(&job).to_owned();
    for (n, chunk) in chunks.iter().enumerate() {
        assert_eq!(put_chunk(&app, &import, n, chunk).await.status, 200);
    }

    // One step at a time, with progress a client can poll; two clients starting it at once
    // start it once.
    let (first, other) = tokio::join!(run(&app, &import, false), run(&app, &import, false));
    assert_eq!((first.status, other.status), (200, 200), "{} {}", first.text, other.text);
    let processed = |a: &Answer| a.body["run"]["processed"].as_i64().expect("processed");
    let now = app.get(&format!("/api/v1/imports/{import}")).await.body;
    assert_eq!(now["status"], "running");
    let polled = now["run"]["processed"].as_i64().expect("processed");
    // A step takes at most STEP_ROWS (5,000) rows of one chunk: here a whole chunk of 3,000.
    assert!([3_000, 6_000].contains(&polled), "one or two steps of one chunk each: {polled}");
    assert!(
        processed(&first) >= 3_000 && processed(&other) >= 3_000 && processed(&first).max(processed(&other)) <= polled
    );
    // Two clients driving it at once take turns; nobody is imported twice.
    let (x, y) = tokio::join!(run(&app, &import, false), run(&app, &import, false));
    assert_eq!((x.status, y.status), (200, 200));
    let done = run_all(&app, &import, false).await;
    assert_eq!(done["run"]["counts"]["created"], 9_000, "{done}");
    assert_eq!(done["run"]["counts"]["accounts_created"], 50);
    assert_eq!(count(&app, "SELECT count(*) FROM contacts").await, 9_000);
    assert_eq!(count(&app, "SELECT count(DISTINCT row) FROM import_rows WHERE phase = 'run'").await, 9_000);
    assert_eq!(count(&app, "SELECT count(*) FROM icp_scores").await, 9_000, "each scored once");
}

#[tokio::test]
async fn companies_match_by_name_whatever_the_case_and_a_person_twice_in_the_file_is_caught_steps_apart() {
    let app = spawn_app().await;
    let contoso = app.post("/api/v1/accounts", json!({"name": "Contoso Ltd"})).await.body;
    // Two chunks, so two steps: the second meets the first's people only through the database.
    // No addresses beside named companies: an address's domain would decide the company.
    let job = app.post("/api/v1/imports", json!({"filename": "twice.csv", "total_chunks": 2})).await.body;
    let import = id(&job).to_owned();
    let first = "first_name,email,linkedin_url,company\n\
                 Ana,,https://www.linkedin.com/in/ana-lopez,CONTOSO LTD\n\
                 Bo,,https://www.linkedin.com/in/bo-chen,Northwind Traders\n\
                 Di,di@example.org,,\n";
    let second = "Ana Again,,https://www.linkedin.com/in/ana-lopez,contoso ltd\n\
                  Di Again,di@example.org,,\n\
                  Cy,,https://www.linkedin.com/in/cy-wu,NORTHWIND TRADERS\n";
    for (n, chunk) in [first, second].into_iter().enumerate() {
        assert_eq!(put_chunk(&app, &import, n, chunk).await.status, 200);
    }
    for dry_run in [true, false] {
        let phase = if dry_run { "dry_run" } else { "run" };
        let done = run_all(&app, &import, dry_run).await;
        let counts = &done[phase]["counts"];
        assert_eq!((counts["created"].as_i64(), counts["skipped_duplicate"].as_i64()), (Some(4), Some(2)), "{done}");
        let twice = report(&app, &import, &format!("phase={phase}&outcome=skipped_duplicate")).await;
        let reasons: Vec<&str> = twice.iter().filter_map(|r| r["reason"].as_str()).collect();
        assert_eq!(reasons, ["the same person as line 2", "the same person as line 4"], "{twice:?}");
        // The dry run too: its second step finds the Northwind its first would create by name.
        assert_eq!(counts["accounts_created"], 2, "Northwind once and Di's example.org, Contoso found: {done}");
    }
    let at = |company: &str| {
        format!("SELECT count(*) FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE a.name = '{company}'")
    };
    assert_eq!(count(&app, &at("Contoso Ltd")).await, 1);
    assert_eq!(count(&app, &at("Northwind Traders")).await, 2, "the name as the file first wrote it");
    assert_eq!(count(&app, "SELECT count(*) FROM accounts").await, 3);
    let ana = format!(
        "SELECT count(*) FROM contacts WHERE linkedin_url LIKE '%ana-lopez' AND account_id = '{}'",
        id(&contoso)
    );
    assert_eq!(count(&app, &ana).await, 1);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"filename": "", "total_chunks": 1}), "filename"),
        (json!({"filename": "a.csv", "total_chunks": 0}), "total_chunks"),
        (json!({"filename": "a.csv", "total_chunks": 1, "mode": "merge"}), "mode"),
        (json!({"filename": "a.csv", "total_chunks": 1, "mapping": {"A": "shoe_size"}}), "mapping.A"),
    ] {
        let answer = app.post("/api/v1/imports", body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert!(answer.field_errors().iter().any(|(f, _)| f == field), "{body}: {}", answer.text);
    }
    let job = app.post("/api/v1/imports", json!({"filename": "a.csv", "total_chunks": 1})).await.body;
    let import = id(&job).to_owned();
    let url = app.url(&format!("/api/v1/imports/{import}/chunks/0"));
    let latin1 =
        app.send(app.client.put(url).header("content-type", "text/csv").body(vec![b'n', b'\n', 0xe9, b'\n'])).await;
    assert_eq!(latin1.status, 422, "{}", latin1.text);
    assert!(latin1.text.contains("UTF-8"), "{}", latin1.text);
    assert_eq!(put_chunk(&app, &import, 0, "Email,Phone\nx@y.com,1\n").await.status, 200);
    let nameless = run(&app, &import, true).await;
    assert_eq!(nameless.status, 422, "{}", nameless.text);
    assert!(nameless.field_errors().iter().any(|(f, _)| f == "mapping"), "{}", nameless.text);
    assert_eq!(app.get("/api/v1/imports/01936b2e-0000-7000-8000-000000000000").await.status, 404);
    let viewer = app.token_for(occ_core::domain::enums::Role::Viewer, &[occ_core::access::Scope::Read]).await;
    let refused = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/imports"))
                .bearer_auth(viewer)
                .json(&json!({"filename": "a", "total_chunks": 1})),
        )
        .await;
    assert_eq!(refused.status, 403);
}
