//! Mailbox sync against a real Dovecot: an email goes out through the real SMTP path, the
//! prospect's answer lands in the identity's INBOX, and a tick records it once, classified, with
//! its consequences; delivery reports become hard or soft bounces with the webhook's effects; an
//! auto-reply is an out of office; a restart, a lost progress write, two workers at once and a
//! new UIDVALIDITY take nothing twice; a mailbox that fails is reported and the others are read; an
//! answer read from the mailbox is answered in OCC in its thread.

use chrono::{DateTime, Duration, Utc};
use occ_core::channels::mailbox::{self, MailboxReport};
use occ_core::cron::worker::{self, TickReport};
use serde_json::{Value, json};

use crate::channels::Mailbox;
use crate::dovecot::{Dovecot, PASSWORD, USER};
use crate::helpers::TestApp;
use crate::sending::{self, id};

/// An app with an identity whose SMTP is a test server and whose mailbox is `dovecot`, and
/// people at Acme whose first email went out.
async fn sent(names: &[&str]) -> (TestApp, Dovecot, Value, Vec<Value>) {
    let app = sending::app().await;
    let smtp = Mailbox::start();
    let dovecot = Dovecot::start();
    let identity = sending::identity_with(&app, smtp.port, 40, imap_settings(&dovecot, PASSWORD)).await;
    let (_, people) = sending::approved(&app, names).await;
    let report = sending::send(&app, sending::wednesday()).await;
    assert_eq!(report.sent, names.len(), "{report:?}");
    (app, dovecot, identity, people)
}

fn imap_settings(dovecot: &Dovecot, password: &str) -> Value {
    json!({"imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "none", "imap_username": USER,
           "imap_password": password, "imap_enabled": true})
}

/// One whole tick at `now`, configured as the app is.
async fn tick(app: &TestApp, now: DateTime<Utc>) -> TickReport {
    let mut config = app.db.config();
    sending::configure(&mut config);
    worker::run(&app.db.conn().await, &config, now).await
}

/// The Message-ID of the email sent to `address`.
async fn sent_id(app: &TestApp, address: &str) -> String {
    app.db
        .conn()
        .await
        .query_one("touchpoint", "SELECT message_id FROM touchpoints WHERE to_address = ?1", [address], |r| {
            occ_core::store::col(r, 0)
        })
        .await
        .expect("a sent message")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db.conn().await.query_one("count", sql, (), |r| occ_core::store::col(r, 0)).await.expect("a count")
}

/// A person's answer to the message `answers`, quoting it.
fn answer(from: &str, message_id: &str, answers: &str, text: &str) -> String {
    format!(
        "From: {from}\r\nTo: Bo Seller <bo@seller.example>\r\nSubject: Re: Outbound after the round\r\n\
         Date: {}\r\nMessage-ID: {message_id}\r\nIn-Reply-To: {answers}\r\nReferences: {answers}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\r\n\
         On Wed, Dec 2, 2026 at 3:05 PM Bo Seller <bo@seller.example> wrote:\r\n\
         > Hi, teams like Acme double outbound after a round. Worth a short call?\r\n\
         > Reply stop to unsubscribe.\r\n",
        Utc::now().to_rfc2822()
    )
}

/// A delivery status report (RFC 3464) of `recipient` with `status`, returning the headers of
/// the message `about`.
fn report(recipient: &str, action: &str, status: &str, about: &str, n: u32) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.seller.example>\r\nTo: bo@seller.example\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nDate: {}\r\nMessage-ID: <dsn-{n}@mx.seller.example>\r\n\
         Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b{n}\"\r\n\r\n\
         --b{n}\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
         --b{n}\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.seller.example\r\n\r\n\
         Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; {status} mailbox problem\r\n\
         --b{n}\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: bo@seller.example\r\nTo: {recipient}\r\n\
         Message-ID: {about}\r\nSubject: Outbound after the round\r\n\r\n--b{n}--\r\n",
        Utc::now().to_rfc2822()
    )
}

fn taken(report: &MailboxReport) -> (usize, usize, usize, usize, usize) {
    (report.replies, report.auto_replies, report.bounces, report.skipped, report.duplicates)
}

#[tokio::test]
async fn an_answer_in_the_mailbox_becomes_a_classified_reply_once_and_ends_the_sequence() {
    let (app, dovecot, identity, people) = sent(&["Ana"]).await;
    let ours = sent_id(&app, "ana@acme.com").await;
    let text = "Sounds good, could we talk Tuesday at 10?\r\n\r\nAna";
    dovecot.deliver(&answer("Ana Lima <Ana@Acme.com>", "<answer-1@acme.com>", &ours, text));
    dovecot.deliver(
        "From: news@elsewhere.example\r\nTo: bo@seller.example\r\nSubject: Our newsletter\r\n\
         Message-ID: <news-1@elsewhere.example>\r\n\r\nNews from nobody OCC knows.\r\n",
    );
    let now = Utc::now();
    let first = tick(&app, now).await;
    assert!(first.failed_steps.is_empty(), "{first:?}");
    assert_eq!(taken(&first.mailbox), (1, 0, 0, 1, 0), "{:?}", first.mailbox);
    assert!(first.mailbox.failed_identities.is_empty());

    let replies = app.get(&format!("/api/v1/replies?contact_id={}", id(&people[0]))).await.body;
    let reply = &replies["items"][0];
    assert_eq!(reply["intent"], "positive", "{reply}");
    assert_eq!(reply["channel"], "email");
    let body = reply["body"].as_str().expect("a body");
    assert!(body.starts_with("Sounds good") && !body.contains("unsubscribe"), "only the new text: {body}");
    let touchpoint: String = app
        .db
        .conn()
        .await
        .query_one("touchpoint", "SELECT id FROM touchpoints WHERE message_id = ?1", [ours.as_str()], |r| {
            occ_core::store::col(r, 0)
        })
        .await
        .expect("the touchpoint");
    assert_eq!(reply["touchpoint_id"], touchpoint.as_str(), "matched to the message it answers");
    let enrollment =
        app.get(&format!("/api/v1/enrollments?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    assert_eq!((enrollment["status"].as_str(), enrollment["exit_reason"].as_str()), (Some("exited"), Some("replied")));
    let contact = app.get(&format!("/api/v1/contacts/{}", id(&people[0]))).await.body;
    assert_eq!(contact["stage"], "replied_positive");

    let shown = app.get(&format!("/api/v1/identities/{}", id(&identity))).await;
    assert_eq!(shown.body["has_imap_password"], true);
    assert_eq!(shown.body["imap_enabled"], true);
    assert!(shown.body["mailbox_synced_at"].is_string(), "{}", shown.text);
    assert!(shown.body["mailbox_error"].is_null(), "{}", shown.text);
    assert!(!shown.text.contains(PASSWORD), "the password is never shown");

    // Too soon: the mailbox is not read again; a minute on, it is, and nothing is new.
    assert_eq!(tick(&app, now).await.mailbox, MailboxReport::default());
    let again = tick(&app, now + Duration::seconds(61)).await;
    assert_eq!(taken(&again.mailbox), (0, 0, 0, 0, 0), "{:?}", again.mailbox);

    // The progress write lost (as if the worker stopped after the reply): read again, taken once.
    app.db.conn().await.execute("UPDATE mailbox_sync SET last_uid = 0", ()).await.expect("progress lost");
    let replay = tick(&app, now + Duration::seconds(122)).await;
    assert_eq!(taken(&replay.mailbox), (0, 0, 0, 1, 1), "{:?}", replay.mailbox);
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM email_events WHERE provider = 'mailbox'").await, 1);

    // The mailbox is only read: nothing marked seen, nothing deleted.
    let flags = dovecot.flags();
    assert_eq!(flags.matches("flags:").count(), 2, "{flags}");
    assert!(!flags.contains("\\Seen") && !flags.contains("\\Deleted"), "{flags}");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn delivery_reports_are_hard_or_soft_bounces_with_the_webhooks_effects() {
    let (app, dovecot, _, people) = sent(&["Ana", "Cy"]).await;
    let ana = sent_id(&app, "ana@acme.com").await;
    let cy = sent_id(&app, "cy@acme.com").await;
    dovecot.deliver(&report("ana@acme.com", "failed", "5.1.1", &ana, 1));
    dovecot.deliver(&report("cy@acme.com", "delayed", "4.2.2", &cy, 2));
    let first = tick(&app, Utc::now()).await;
    assert_eq!(taken(&first.mailbox), (0, 0, 2, 0, 0), "{:?}", first.mailbox);

    let ana_now = app.get(&format!("/api/v1/contacts/{}", id(&people[0]))).await.body;
    assert_eq!(ana_now["status"], "bounced");
    let suppressed = app.get("/api/v1/suppression?q=ana@").await.body;
    assert_eq!(suppressed["items"][0]["reason"], "hard_bounce", "{suppressed}");
    assert_eq!(suppressed["items"][0]["source"], "mailbox");
    let enrollment =
        app.get(&format!("/api/v1/enrollments?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    assert_eq!(enrollment["status"], "exited");
    let timeline = app.get(&format!("/api/v1/prep/{}", id(&people[0]))).await.body["timeline"].clone();
    let events = timeline.as_array().expect("a timeline");
    assert!(events.iter().any(|e| e["kind"] == "email_event" && e["title"] == "bounce_hard"), "{timeline}");

    // A 4.x.x is soft: counted, the person still active and not suppressed.
    let cy_now = app.get(&format!("/api/v1/contacts/{}", id(&people[1]))).await.body;
    assert_eq!(cy_now["status"], "active");
    assert_eq!(app.get("/api/v1/suppression?q=cy@").await.body["items"].as_array().map(Vec::len), Some(0));
    let soft =
        count(&app, "SELECT count(*) FROM email_events WHERE kind = 'bounce_soft' AND email_address = 'cy@acme.com'");
    assert_eq!(soft.await, 1);
    let matched = "SELECT count(*) FROM email_events e JOIN touchpoints t ON t.id = e.touchpoint_id \
                   WHERE e.provider = 'mailbox' AND t.to_address = e.email_address";
    assert_eq!(count(&app, matched).await, 2, "each bounce is about the message that bounced");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn an_auto_reply_is_an_out_of_office_that_pauses_and_does_not_end_the_sequence() {
    let (app, dovecot, _, people) = sent(&["Di"]).await;
    let ours = sent_id(&app, "di@acme.com").await;
    let back = (Utc::now() + Duration::days(12)).date_naive();
    dovecot.deliver(&format!(
        "From: Di Costa <di@acme.com>\r\nTo: bo@seller.example\r\nSubject: Automatic reply: Outbound after the round\r\n\
         Date: {}\r\nMessage-ID: <ooo-1@acme.com>\r\nIn-Reply-To: {ours}\r\nAuto-Submitted: auto-replied\r\n\
         Content-Type: text/plain\r\n\r\nI am out of the office until {}. I will answer when I am back.\r\n",
        Utc::now().to_rfc2822(),
        back.format("%B %-d, %Y")
    ));
    let first = tick(&app, Utc::now()).await;
    assert_eq!(taken(&first.mailbox), (0, 1, 0, 0, 0), "{:?}", first.mailbox);
    let reply = app.get(&format!("/api/v1/replies?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    assert_eq!(reply["intent"], "out_of_office", "{reply}");
    assert_eq!(reply["return_date"], back.to_string(), "{reply}");
    let enrollment =
        app.get(&format!("/api/v1/enrollments?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    assert_eq!(enrollment["status"], "paused", "{enrollment}");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_restarted_worker_goes_on_from_the_last_uid_and_two_at_once_take_each_message_once() {
    let (app, dovecot, identity, _) = sent(&["Ana", "Cy", "Di"]).await;
    for (n, who) in ["ana", "cy", "di"].iter().enumerate() {
        let ours = sent_id(&app, &format!("{who}@acme.com")).await;
        dovecot.deliver(&answer(&format!("{who}@acme.com"), &format!("<a-{n}@acme.com>"), &ours, "Thanks, noted."));
    }
    let mut config = app.db.config();
    sending::configure(&mut config);
    let deadline = std::time::Instant::now() + worker::TICK_BUDGET;
    let mut report = MailboxReport::default();
    let now = Utc::now();
    mailbox::sync_one(&app.db.conn().await, &config, id(&identity), now, 1, deadline, &mut report).await.expect("sync");
    assert_eq!(taken(&report), (1, 0, 0, 0, 0), "one message this time: {report:?}");
    assert_eq!(count(&app, "SELECT last_uid FROM mailbox_sync").await, 1);

    // A new process: its own connection and configuration, the state from the database.
    let rest = tick(&app, now + Duration::seconds(61)).await;
    assert_eq!(taken(&rest.mailbox), (2, 0, 0, 0, 0), "{:?}", rest.mailbox);
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 3);

    // Two workers at once, each on its own connection, over two new messages.
    for n in 3..5 {
        let ours = sent_id(&app, "ana@acme.com").await;
        dovecot.deliver(&answer("ana@acme.com", &format!("<a-{n}@acme.com>"), &ours, "One more thing."));
    }
    let (c1, c2) = (app.db.conn().await, app.db.conn().await);
    let (mut r1, mut r2) = (MailboxReport::default(), MailboxReport::default());
    let (a, b) = tokio::join!(
        mailbox::sync_one(&c1, &config, id(&identity), now, 50, deadline, &mut r1),
        mailbox::sync_one(&c2, &config, id(&identity), now, 50, deadline, &mut r2)
    );
    a.expect("the first worker");
    b.expect("the second worker");
    assert_eq!(r1.replies + r2.replies, 2, "{r1:?} {r2:?}");
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 5);
    assert_eq!(count(&app, "SELECT last_uid FROM mailbox_sync").await, 5);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn a_new_uidvalidity_reads_the_mailbox_again_and_takes_nothing_twice() {
    let (app, dovecot, identity, _) = sent(&["Ana"]).await;
    let ours = sent_id(&app, "ana@acme.com").await;
    dovecot.deliver(&answer("ana@acme.com", "<a-1@acme.com>", &ours, "Not interested, thanks."));
    let now = Utc::now();
    assert_eq!(tick(&app, now).await.mailbox.replies, 1);
    dovecot.change_uidvalidity(4_000_000_000);
    dovecot.deliver(&answer("ana@acme.com", "<a-2@acme.com>", &ours, "Actually, send me the deck."));
    let again = tick(&app, now + Duration::seconds(61)).await;
    assert_eq!(taken(&again.mailbox), (1, 0, 0, 0, 1), "the old message is known: {:?}", again.mailbox);
    assert_eq!(count(&app, "SELECT uidvalidity FROM mailbox_sync").await, 4_000_000_000);
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 2);

    // A mailbox turned off is not read, even by a worker that claimed it just before.
    dovecot.deliver(&answer("ana@acme.com", "<a-3@acme.com>", &ours, "Hello again."));
    let off = app.patch(&format!("/api/v1/identities/{}", id(&identity)), json!({"imap_enabled": false})).await;
    assert_eq!(off.status, 200, "{}", off.text);
    let mut config = app.db.config();
    sending::configure(&mut config);
    let mut report = MailboxReport::default();
    let deadline = std::time::Instant::now() + worker::TICK_BUDGET;
    let conn = app.db.conn().await;
    mailbox::sync_one(&conn, &config, id(&identity), Utc::now(), 50, deadline, &mut report).await.expect("sync");
    assert_eq!(report, MailboxReport::default());
    assert_eq!(tick(&app, now + Duration::seconds(122)).await.mailbox, MailboxReport::default());
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 2);
}

#[tokio::test]
async fn a_mailbox_that_fails_is_reported_and_the_others_are_read() {
    let (app, dovecot, good, people) = sent(&["Ana"]).await;
    let smtp = Mailbox::start();
    // Its own server: Dovecot slows the next sign-ins from an address after a failed one.
    let other = Dovecot::start();
    let mut wrong = imap_settings(&other, "not-the-password");
    wrong["from_email"] = json!("cy@seller.example");
    let bad = sending::identity_with(&app, smtp.port, 40, wrong).await;
    let ours = sent_id(&app, "ana@acme.com").await;
    dovecot.deliver(&answer("ana@acme.com", "<a-1@acme.com>", &ours, "Yes, let's talk."));
    let report = tick(&app, Utc::now()).await;
    assert!(report.failed_steps.is_empty(), "one mailbox's failure is not the tick's: {report:?}");
    assert_eq!(report.mailbox.failed_identities, [id(&bad).to_owned()]);
    assert_eq!(report.mailbox.replies, 1, "the other mailbox was read");
    let shown = app.get(&format!("/api/v1/identities/{}", id(&bad))).await.body;
    let error = shown["mailbox_error"].as_str().expect("the reason");
    assert!(error.starts_with("signing in"), "{error}");
    assert!(!error.contains("not-the-password"), "{error}");
    assert!(shown["mailbox_synced_at"].is_null());
    let fine = app.get(&format!("/api/v1/identities/{}", id(&good))).await.body;
    assert!(fine["mailbox_error"].is_null() && fine["mailbox_synced_at"].is_string(), "{fine}");
    assert_eq!(
        app.get(&format!("/api/v1/replies?contact_id={}", id(&people[0]))).await.body["items"][0]["intent"],
        "positive"
    );

    // New settings clear the reason; a mailbox that cannot be reached says so.
    let port = crate::helpers::free_port();
    let moved = app.patch(&format!("/api/v1/identities/{}", id(&bad)), json!({"imap_port": port})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert!(moved.body["mailbox_error"].is_null(), "{}", moved.text);
    let later = tick(&app, Utc::now() + Duration::seconds(61)).await;
    assert_eq!(later.mailbox.failed_identities, [id(&bad).to_owned()]);
    let shown = app.get(&format!("/api/v1/identities/{}", id(&bad))).await.body;
    assert!(shown["mailbox_error"].as_str().is_some_and(|e| e.starts_with("connecting to")), "{shown}");
}

#[tokio::test]
async fn a_reply_goes_to_the_contact_of_the_message_it_answers_else_to_the_contact_of_its_address() {
    let (app, dovecot, _, people) = sent(&["Ana", "Cy"]).await;
    // Ana's assistant answers in the thread from an address OCC does not know.
    let to_ana = sent_id(&app, "ana@acme.com").await;
    dovecot.deliver(&answer(
        "Assistant <office@acme.com>",
        "<office-1@acme.com>",
        &to_ana,
        "Ana is interested, can you call her?",
    ));
    // Cy writes a new message, answering nothing of OCC's.
    dovecot.deliver(&format!(
        "From: CY@acme.com\r\nTo: bo@seller.example\r\nSubject: Pricing\r\nDate: {}\r\nMessage-ID: <fresh-1@acme.com>\r\n\
         Content-Type: text/plain\r\n\r\nPlease remove me from your list.\r\n",
        Utc::now().to_rfc2822()
    ));
    let report = tick(&app, Utc::now()).await;
    assert_eq!(taken(&report.mailbox), (2, 0, 0, 0, 0), "{:?}", report.mailbox);
    let ana = app.get(&format!("/api/v1/replies?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    assert!(ana["touchpoint_id"].is_string(), "{ana}");
    assert_eq!(ana["body"], "Ana is interested, can you call her?");
    let cy = app.get(&format!("/api/v1/replies?contact_id={}", id(&people[1]))).await.body["items"][0].clone();
    assert_eq!((cy["intent"].as_str(), cy["touchpoint_id"].as_str()), (Some("unsubscribe"), None), "{cy}");
    let contact = app.get(&format!("/api/v1/contacts/{}", id(&people[1]))).await.body;
    assert_eq!(contact["status"], "do_not_contact");
}

#[tokio::test]
async fn a_message_the_database_refuses_is_passed_over_and_holds_nothing_up() {
    let (app, dovecot, _, people) = sent(&["Ana"]).await;
    let ours = sent_id(&app, "ana@acme.com").await;
    // A reply already holds this Message-ID (recorded some other way): the message cannot be one.
    app.db
        .conn()
        .await
        .execute(
            "INSERT INTO replies (id, contact_id, channel, body, message_id, replied_at, created_at, updated_at) \
             VALUES ('0193a1b2-0000-7000-8000-00000000abcd', ?1, 'email', 'By hand', '<a-1@acme.com>', \
             '2026-12-02T15:00:00.000Z', '2026-12-02T15:00:00.000Z', '2026-12-02T15:00:00.000Z')",
            [id(&people[0])],
        )
        .await
        .expect("a reply");
    dovecot.deliver(&answer("ana@acme.com", "<a-1@acme.com>", &ours, "Yes please."));
    dovecot.deliver(&answer("ana@acme.com", "<a-2@acme.com>", &ours, "And one more question: what does it cost?"));
    let report = tick(&app, Utc::now()).await;
    assert!(report.failed_steps.is_empty(), "{report:?}");
    assert_eq!((report.mailbox.refused, report.mailbox.replies), (1, 1), "{:?}", report.mailbox);
    assert_eq!(count(&app, "SELECT last_uid FROM mailbox_sync").await, 2);
    assert_eq!(count(&app, "SELECT count(*) FROM replies").await, 2);
}

#[tokio::test]
async fn a_server_without_the_encryption_asked_for_is_a_failure_in_words() {
    let (app, _dovecot, identity, _) = sent(&["Ana"]).await;
    let mut config = app.db.config();
    sending::configure(&mut config);
    let path = format!("/api/v1/identities/{}", id(&identity));
    for (security, words) in [("tls", "TLS"), ("starttls", "STARTTLS")] {
        let changed = app.patch(&path, json!({"imap_security": security})).await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        let mut report = MailboxReport::default();
        let deadline = std::time::Instant::now() + worker::TICK_BUDGET;
        let conn = app.db.conn().await;
        mailbox::sync_one(&conn, &config, id(&identity), Utc::now(), 50, deadline, &mut report).await.expect("sync");
        assert_eq!(report.failed_identities, [id(&identity).to_owned()]);
        let shown = app.get(&path).await.body;
        let error = shown["mailbox_error"].as_str().expect("the reason");
        assert!(error.starts_with(words), "{security}: {error}");
    }
}

#[tokio::test]
async fn the_mailbox_settings_are_checked_and_the_password_is_never_shown() {
    let app = sending::app().await;
    let base = json!({"from_name": "Bo Seller", "from_email": "bo@seller.example", "smtp_host": "127.0.0.1",
        "smtp_port": 2525, "smtp_security": "none", "daily_cap": 10, "timezone": "UTC",
        "send_window": {"start_hour": 0, "end_hour": 24, "days": [1, 2, 3, 4, 5, 6, 7]}});
    let with = |extra: Value| {
        let mut body = base.clone();
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        body
    };
    let incomplete = app.post("/api/v1/identities", with(json!({"imap_enabled": true}))).await;
    assert_eq!(
        incomplete.field_errors(),
        [
            ("imap_host", "required"),
            ("imap_port", "required"),
            ("imap_username", "required"),
            ("imap_password", "required")
        ]
        .map(|(f, r)| (f.to_owned(), r.to_owned())),
        "{}",
        incomplete.text
    );
    let bad_port =
        app.post("/api/v1/identities", with(json!({"imap_host": "imap.seller.example", "imap_port": 0}))).await;
    assert_eq!(bad_port.field_errors(), [("imap_port".to_owned(), "range".to_owned())]);
    let bad_security = app.post("/api/v1/identities", with(json!({"imap_security": "ssl"}))).await;
    assert_eq!(bad_security.status, 422, "{}", bad_security.text);
    assert!(bad_security.text.contains("imap_security"), "{}", bad_security.text);

    let made = app
        .post(
            "/api/v1/identities",
            with(json!({"imap_host": "imap.seller.example", "imap_username": "bo", "imap_password": "s3cret-imap"})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert_eq!((made.body["imap_port"].as_i64(), made.body["imap_security"].as_str()), (Some(993), Some("tls")));
    assert_eq!(
        (made.body["has_imap_password"].as_bool(), made.body["imap_enabled"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(!made.text.contains("s3cret-imap"));
    let path = format!("/api/v1/identities/{}", id(&made.body));
    let empty = app.patch(&path, json!({"imap_password": ""})).await;
    assert_eq!(empty.field_errors(), [("imap_password".to_owned(), "required".to_owned())]);
    let enabled = app.patch(&path, json!({"imap_enabled": true})).await;
    assert_eq!((enabled.status, enabled.body["imap_enabled"].as_bool()), (200, Some(true)), "{}", enabled.text);
    let removed = app.patch(&path, json!({"imap_password": null})).await;
    assert_eq!(removed.field_errors(), [("imap_password".to_owned(), "required".to_owned())], "enabled needs it");
    let off = app.patch(&path, json!({"imap_password": null, "imap_enabled": false})).await;
    assert_eq!((off.status, off.body["has_imap_password"].as_bool()), (200, Some(false)), "{}", off.text);
    let unknown = app.patch(&path, json!({"imap_folder": "INBOX"})).await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);

    // The description says all of it: the settings, the flags, the tick's counts.
    let doc = app.get("/api/v1/openapi.json").await.body;
    let schemas = &doc["components"]["schemas"];
    for field in [
        "imap_host",
        "imap_port",
        "imap_security",
        "imap_username",
        "has_imap_password",
        "imap_enabled",
        "mailbox_synced_at",
        "mailbox_error",
    ] {
        assert!(schemas["Identity"]["properties"][field].is_object(), "Identity.{field}");
    }
    assert!(schemas["Identity"]["properties"]["imap_password"].is_null(), "never shown");
    for body in ["CreateIdentity", "PatchIdentity"] {
        assert!(schemas[body]["properties"]["imap_password"].is_object(), "{body}.imap_password");
    }
    for count in ["replies", "auto_replies", "bounces", "skipped", "failed_identities"] {
        assert!(schemas["MailboxReport"]["properties"][count].is_object(), "MailboxReport.{count}");
    }
}

#[tokio::test]
async fn an_answer_read_from_the_mailbox_is_answered_in_its_thread() {
    let app = sending::app().await;
    let smtp = Mailbox::start();
    let dovecot = Dovecot::start();
    sending::identity_with(&app, smtp.port, 40, imap_settings(&dovecot, PASSWORD)).await;
    let (_, people) = sending::approved(&app, &["Ana"]).await;
    assert_eq!(sending::send(&app, sending::wednesday()).await.sent, 1);
    let ours = sent_id(&app, "ana@acme.com").await;
    let theirs = "<answer-7@mail.acme.com>";
    dovecot.deliver(&answer("Ana Lima <ana@acme.com>", theirs, &ours, "Sounds good, could we talk Tuesday at 10?"));
    assert_eq!(tick(&app, Utc::now()).await.mailbox.replies, 1);

    let waiting = app.get("/api/v1/replies/waiting?scope=team").await.body;
    let reply = waiting["items"][0]["reply"].clone();
    assert_eq!(reply["contact_id"], people[0]["id"], "{waiting}");
    let draft = app
        .post(
            "/api/v1/drafts",
            json!({"contact_id": id(&people[0]), "channel": "email", "subject": "Re: Outbound after the round",
                   "body": "Tuesday at 10 works, I will send an invite.", "reply_id": id(&reply), "submit": true}),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text);
    let approved = app.post(&format!("/api/v1/drafts/{}/approve", id(&draft.body)), json!({})).await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    assert_eq!(sending::send(&app, sending::wednesday()).await.sent, 1);
    let received = smtp.received();
    let sent = received.last().expect("the answer");
    assert_eq!(sending::header(sent, "In-Reply-To").as_deref(), Some(theirs), "{sent}");
    assert_eq!(sending::header(sent, "References"), Some(format!("{ours} {theirs}")), "{sent}");
    let after = app.get(&format!("/api/v1/replies/{}", id(&reply))).await.body;
    assert!(after["handled_at"].is_string(), "answered, so handled: {after}");
}
