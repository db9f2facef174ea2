//! The sender and the tick against hostile data and each other: a line break in a name never
//! reaches a header, drafts held back never starve the others, a failing step never stops the
//! tick, and a busy database is waited for, never an error.

use std::time::Duration;

use occ_core::audit::{self, Actor};
use occ_core::config::Secret;
use serde_json::{Value, json};

use crate::channels::Mailbox;
use crate::helpers::{TestApp, spawn_app_with};
use crate::sending::{app, approved, approved_at, header, id, identity, send, wednesday};

/// Changes a stored contact behind the API's back, as data written before a rule existed is.
async fn store_first_name(app: &TestApp, contact: &str, first_name: &str) {
    let conn = app.db.conn().await;
    audit::record(&conn, &Actor::system(None), "contact.update", "contact", contact).await.expect("audit");
    conn.execute("UPDATE contacts SET first_name = ?2 WHERE id = ?1", libsql::params![contact, first_name])
        .await
        .expect("stored name");
}

/// The lines of a received message, up to its body.
fn head_lines(message: &str) -> Vec<String> {
    message.split("\r\n\r\n").next().unwrap_or_default().split("\r\n").map(str::to_owned).collect()
}

#[tokio::test]
async fn a_line_break_in_a_name_or_a_subject_is_refused_naming_the_field() {
    let app = app().await;
    let cases = [
        ("/api/v1/contacts", json!({"first_name": "Ana\r\nBcc: x@evil.example"}), "first_name"),
        ("/api/v1/contacts", json!({"first_name": "Ana", "title": "VP\nSales"}), "title"),
        (
            "/api/v1/identities",
            json!({"from_name": "Sender\nOps", "from_email": "ops@seller.example", "smtp_host": "127.0.0.1",
                   "smtp_port": 25, "smtp_security": "none", "daily_cap": 10, "timezone": "UTC",
                   "send_window": {"start_hour": 9, "end_hour": 17, "days": [1, 2, 3, 4, 5]}}),
            "from_name",
        ),
        ("/api/v1/accounts", json!({"name": "Acme\rInc"}), "name"),
    ];
    for (path, body, field) in cases {
        let answer = app.post(path, body).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.text);
        assert_eq!(answer.field_errors(), [(field.to_owned(), "single_line".to_owned())], "{path}");
        assert!(answer.text.contains("one line"), "{}", answer.text);
    }
    let ana =
        app.post("/api/v1/contacts", json!({"first_name": "Ana", "notes": "Met at SaaStr.\r\n\tAsk about Q3."})).await;
    assert_eq!(ana.status, 201, "notes may hold line breaks and tabs: {}", ana.text);
    let renamed = app.patch(&format!("/api/v1/contacts/{}", id(&ana.body)), json!({"last_name": "Lopez\n"})).await;
    assert_eq!(renamed.status, 200, "a trailing break is trimmed away: {}", renamed.text);
    let renamed = app.patch(&format!("/api/v1/contacts/{}", id(&ana.body)), json!({"last_name": "Lo\npez"})).await;
    assert_eq!(renamed.field_errors(), [("last_name".to_owned(), "single_line".to_owned())]);
    let draft = json!({"contact_id": id(&ana.body), "channel": "email", "subject": "Hi\r\nBcc: x@evil.example", "body": "Hi Ana,\n\nShort note."});
    let answer = app.post("/api/v1/drafts", draft).await;
    assert_eq!(answer.field_errors(), [("subject".to_owned(), "single_line".to_owned())], "{}", answer.text);
}

#[tokio::test]
async fn names_stored_with_line_breaks_are_folded_into_one_header_and_the_email_goes() {
    let app = app().await;
    let mailbox = Mailbox::start();
    let sender = identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana", "Bo"]).await;
    store_first_name(&app, id(&people[0]), "Ana\r\nBcc: x@evil.example").await;
    app.db
        .conn()
        .await
        .execute("UPDATE email_identities SET from_name = 'Sender' || char(10) || 'Ops' WHERE id = ?1", [id(&sender)])
        .await
        .expect("stored from_name");
    let report = send(&app, wednesday()).await;
    assert_eq!((report.sent, report.failed, report.errors), (2, 0, 0), "{report:?}");
    let received = mailbox.received();
    let to_ana = received.iter().find(|m| m.contains("ana@acme.com")).expect("Ana's message");
    let lines = head_lines(to_ana);
    assert!(!lines.iter().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "no header was injected: {lines:?}");
    // The folded name travels as one encoded word: "Ana Bcc: x@evil.example" in base64.
    let to = header(to_ana, "To").expect("To");
    assert_eq!(to, "=?utf-8?b?QW5hIEJjYzogeEBldmlsLmV4YW1wbGU=?= <ana@acme.com>");
    let from = header(to_ana, "From").expect("From");
    assert!(from.contains("Sender Ops") && from.contains("bo@seller.example"), "{from}");
}

#[tokio::test]
async fn drafts_held_back_by_a_domain_cap_never_starve_the_others() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 200).await;
    let capped = app
        .send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"recipient_domain_daily_cap": 10})))
        .await;
    assert_eq!(capped.status, 200, "{}", capped.text);
    let crowd: Vec<String> = (0..40).map(|n| format!("P{n:02}")).collect();
    let crowd: Vec<&str> = crowd.iter().map(String::as_str).collect();
    approved_at(&app, "big.example", &crowd).await;
    for (n, domain) in ["a.example", "b.example", "c.example", "d.example", "e.example"].iter().enumerate() {
        approved_at(&app, domain, &[["Ana", "Bo", "Cy", "Di", "Ed"][n]]).await;
    }
    let first = send(&app, wednesday()).await;
    assert_eq!((first.sent, first.attempted), (15, 15), "ten to big.example and the five others at once: {first:?}");
    let later = send(&app, wednesday() + chrono::Duration::minutes(5)).await;
    assert_eq!(later.attempted, 0, "big.example waits for tomorrow, costing nothing: {later:?}");
    let next_day = send(&app, wednesday() + chrono::Duration::days(1)).await;
    assert_eq!(next_day.sent, 10, "{next_day:?}");
    let small = mailbox.received().iter().filter(|m| !m.contains("@big.example")).count();
    assert_eq!(small, 5);
}

#[tokio::test]
async fn sends_waiting_to_be_checked_never_starve_the_others() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 200).await;
    let names: Vec<String> = (0..30).map(|n| format!("S{n:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    approved_at(&app, "stuck.example", &names).await;
    // Thirty sends that may or may not have happened, waiting for a person.
    let conn = app.db.conn().await;
    let stuck = conn
        .execute(
            "INSERT INTO touchpoints (id, contact_id, channel, kind, status, draft_id, to_address, idempotency_key, \
               scheduled_at, attempts, created_at, updated_at) \
             SELECT lower(hex(randomblob(16))), d.contact_id, 'email', 'email', 'unknown', d.id, c.email, 'stuck:' || d.id, \
               ?1, 1, ?1, ?1 FROM message_drafts d JOIN contacts c ON c.id = d.contact_id WHERE d.approval_status = 'approved'",
            [occ_core::domain::now()],
        )
        .await
        .expect("stuck sends");
    assert_eq!(stuck, 30);
    approved_at(&app, "fresh.example", &["Flo"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!((report.sent, report.attempted), (1, 1), "{report:?}");
    assert!(header(&mailbox.received()[0], "To").is_some_and(|to| to.contains("flo@fresh.example")));
}

/// A server with the cron tick on and sending configured.
async fn cron_app() -> TestApp {
    spawn_app_with(
        |c| {
            crate::sending::configure(c);
            c.cron_secret = Some(Secret::new(CRON.to_owned()));
        },
        true,
    )
    .await
}

const CRON: &str = "a-cron-secret-of-some-length";

#[tokio::test]
async fn a_failing_step_is_reported_and_the_tick_goes_on_with_the_next() {
    let app = cron_app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    approved(&app, &["Ana"]).await;
    // One more person enrolled: the tick has a step to draft.
    let seq = app
        .post(
            "/api/v1/sequences",
            json!({"name": "Later", "steps": [{"day_offset": 0, "kind": "call", "template": "Call {{first_name}}"}]}),
        )
        .await
        .body;
    let cy = app.post("/api/v1/contacts", json!({"first_name": "Cy", "phone": "+1 415 555 0100"})).await.body;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&cy)})).await;
    // The sender's domain counters are gone: every send run fails.
    app.db.conn().await.execute("DROP TABLE pacing_domain_daily", ()).await.expect("drop");
    let tick = app.send_raw(app.client.get(app.url("/api/cron/tick")).bearer_auth(CRON)).await;
    assert_eq!(tick.status, 200, "{}", tick.text);
    let body: &Value = &tick.body;
    assert_eq!(body["failed_steps"][0]["step"], "sending", "{body}");
    assert!(!body["failed_steps"][0]["reason"].as_str().unwrap_or_default().contains("pacing_domain_daily"), "{body}");
    assert_eq!(body["drafted"], 1, "the sequence steps ran before: {body}");
    assert!(body["tick_id"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
}

#[tokio::test]
async fn a_tick_that_meets_a_busy_database_waits_or_yields_but_never_fails() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    approved(&app, &["Ana"]).await;
    // Another writer holds the database for longer than one wait for its lock.
    let holder = app.db.conn().await;
    holder.execute("BEGIN IMMEDIATE", ()).await.expect("begin");
    holder.execute("DELETE FROM rate_limits WHERE bucket = 'none'", ()).await.expect("write");
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(6)).await;
        // A remote server may have ended the transaction already; either way it is over.
        let _ = holder.execute("COMMIT", ()).await;
    });
    let mut config = app.db.config();
    crate::sending::configure(&mut config);
    let report = occ_core::cron::worker::run(&app.db.conn().await, &config, wednesday()).await;
    release.await.expect("holder");
    assert!(report.failed_steps.is_empty(), "{report:?}");
    assert_eq!(report.send.errors, 0, "{report:?}");
    if report.yielded_steps.is_empty() {
        assert_eq!(report.send.sent, 1, "{report:?}");
    }
    let again =
        occ_core::cron::worker::run(&app.db.conn().await, &config, wednesday() + chrono::Duration::minutes(1)).await;
    assert!(again.failed_steps.is_empty() && again.yielded_steps.is_empty(), "{again:?}");
    assert_eq!(mailbox.received().len(), 1, "sent once, in one tick or the next");
}
