//! The sender's limits and failures against real SMTP servers: the daily cap, the warm-up
//! ramp, the recipient domain's cap across identities, the identity's send window and the
//! recipient's time zone, suppressed and do-not-contact people, senders racing, and what a
//! refused, unreachable or broken conversation leaves behind (retried only when nothing can
//! have been delivered).

use std::io::{BufRead, BufReader, Write};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::channels::Mailbox;
use crate::helpers::{TestApp, free_port};
use crate::sending::{app, approved, approved_at, header, id, identity, identity_with, send, wednesday};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("time").with_timezone(&Utc)
}

/// The addresses the server received messages for.
fn recipients(mailbox: &Mailbox) -> Vec<String> {
    let mut to: Vec<String> = mailbox.received().iter().filter_map(|m| header(m, "To")).collect();
    to.sort();
    to
}

/// The drafts still approved (waiting to be sent).
async fn waiting(app: &TestApp) -> usize {
    let drafts = app.get("/api/v1/drafts?approval_status=approved&limit=200").await.body;
    drafts["items"].as_array().expect("items").len()
}

/// A contact's touchpoints, newest first.
async fn touches(app: &TestApp, person: &Value) -> Vec<Value> {
    let body = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(person))).await.body;
    body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_cap_of_three_sends_three_today_and_keeps_two() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 3).await;
    approved(&app, &["Ana", "Bo", "Cy", "Di", "Ed"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!((report.sent, report.attempted), (3, 3), "{report:?}");
    assert_eq!(send(&app, wednesday() + Duration::hours(2)).await.sent, 0, "the cap holds all day");
    assert_eq!(mailbox.received().len(), 3);
    assert_eq!(waiting(&app).await, 2, "two wait for tomorrow");
    assert_eq!(send(&app, wednesday() + Duration::days(1)).await.sent, 2);
    assert_eq!(recipients(&mailbox).len(), 5);
    assert_eq!(waiting(&app).await, 0);
}

#[tokio::test]
async fn the_warm_up_allows_a_little_more_each_day() {
    let app = app().await;
    let mailbox = Mailbox::start();
    let ramp = json!({"warmup": {"start_date": "2026-12-02", "first_day": 1, "daily_increase": 2}});
    identity_with(&app, mailbox.port, 40, ramp).await;
    approved(&app, &["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "Gus"]).await;
    let tuesday = wednesday() - Duration::days(1);
    assert_eq!(send(&app, tuesday).await.sent, 0, "before the ramp starts");
    let pacing = app.get("/api/v1/pacing").await.body;
    assert!(pacing["identities"][0]["allowance"].is_number(), "{pacing}");
    for (day, expected) in [(0, 1), (1, 3), (2, 3)] {
        let report = send(&app, wednesday() + Duration::days(day)).await;
        assert_eq!(report.sent, expected, "day {day} of the ramp: {report:?}");
        assert_eq!(
            send(&app, wednesday() + Duration::days(day) + Duration::hours(1)).await.sent,
            0,
            "day {day} is full"
        );
    }
    assert_eq!(mailbox.received().len(), 7);
}

#[tokio::test]
async fn a_recipient_domain_gets_its_cap_across_identities() {
    let app = app().await;
    let (first, second) = (Mailbox::start(), Mailbox::start());
    identity(&app, first.port, 40).await;
    identity_with(&app, second.port, 40, json!({"from_email": "cy@seller.example", "from_name": "Cy Seller"})).await;
    let capped = app
        .send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"recipient_domain_daily_cap": 2})))
        .await;
    assert_eq!(capped.status, 200, "{}", capped.text);
    approved(&app, &["Ana", "Bo", "Cy", "Di"]).await;
    approved_at(&app, "globex.com", &["Eve"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!(report.sent, 3, "two to acme.com and one to globex.com: {report:?}");
    let acme = recipients(&first).into_iter().chain(recipients(&second)).filter(|to| to.contains("@acme.com")).count();
    assert_eq!(acme, 2);
    assert!(!recipients(&first).is_empty() && !recipients(&second).is_empty(), "both identities take a turn");
    assert_eq!(send(&app, wednesday() + Duration::days(1)).await.sent, 2, "a new day for acme.com");
}

#[tokio::test]
async fn the_identity_window_and_the_recipients_hours_decide_when() {
    let app = app().await;
    let mailbox = Mailbox::start();
    // 10:00 to 12:00 in New York, weekdays: 15:00 to 17:00 UTC in December.
    let window = json!({"timezone": "America/New_York", "send_window": {"start_hour": 10, "end_hour": 12, "days": [1, 2, 3, 4, 5]}});
    identity_with(&app, mailbox.port, 40, window).await;
    let (_, people) = approved(&app, &["Ana", "Ken", "Lou"]).await;
    app.patch(&format!("/api/v1/contacts/{}", id(&people[1])), json!({"timezone": "Asia/Tokyo"})).await;
    app.patch(&format!("/api/v1/contacts/{}", id(&people[2])), json!({"timezone": "America/Los_Angeles"})).await;
    assert_eq!(send(&app, at("2026-12-02T14:30:00Z")).await.sent, 0, "09:30 in New York: the window is shut");
    // 15:30 UTC: 10:30 in New York; 15:30 in London, 00:30 in Tokyo, 07:30 in Los Angeles.
    assert_eq!(send(&app, at("2026-12-02T15:30:00Z")).await.sent, 1);
    assert_eq!(recipients(&mailbox), ["Ana <ana@acme.com>"]);
    // 16:30 UTC: 08:30 in Los Angeles.
    assert_eq!(send(&app, at("2026-12-02T16:30:00Z")).await.sent, 1);
    assert!(recipients(&mailbox).iter().any(|to| to.contains("lou@acme.com")));
    assert_eq!(send(&app, at("2026-12-02T17:30:00Z")).await.sent, 0, "12:30 in New York: shut again");
    assert_eq!(send(&app, at("2026-12-05T16:00:00Z")).await.sent, 0, "not on Saturday");
    assert!(!recipients(&mailbox).iter().any(|to| to.contains("ken@acme.com")), "Tokyo sleeps through the window");
}

#[tokio::test]
async fn suppressed_and_do_not_contact_people_are_never_sent_to() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana", "Bo", "Cy"]).await;
    approved_at(&app, "initech.com", &["Dee"]).await;
    // After approval: Ana's address and Dee's whole domain are suppressed, Bo asks not to be contacted.
    app.post("/api/v1/suppression", json!({"email": "ana@acme.com", "reason": "manual"})).await;
    app.post("/api/v1/suppression", json!({"domain": "initech.com", "reason": "manual"})).await;
    let bo = app.post("/api/v1/contacts/bulk", json!({"ids": [id(&people[1])], "status": "do_not_contact"})).await;
    assert_eq!(bo.status, 200, "{}", bo.text);
    // Those changes archive the drafts; put them back, so that the send itself is what refuses.
    let conn = app.db.conn().await;
    conn.execute("UPDATE message_drafts SET approval_status = 'approved'", ()).await.expect("drafts");
    assert_eq!(waiting(&app).await, 4);
    for day in 0..3 {
        send(&app, wednesday() + Duration::days(day)).await;
    }
    assert_eq!(recipients(&mailbox), ["Cy <cy@acme.com>"]);
}

#[tokio::test]
async fn senders_racing_many_times_send_each_message_once() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 200).await;
    for round in 0..6 {
        let domain = format!("round{round}.example");
        let names = ["Ana", "Bo", "Cy", "Di"];
        approved_at(&app, &domain, &names).await;
        let now = wednesday() + Duration::minutes(round);
        let (a, b, c) = tokio::join!(send(&app, now), send(&app, now), send(&app, now));
        assert_eq!(a.sent + b.sent + c.sent, names.len(), "round {round}: {a:?} {b:?} {c:?}");
    }
    let to = recipients(&mailbox);
    let mut unique = to.clone();
    unique.dedup();
    assert_eq!((to.len(), unique.len()), (24, 24), "{to:?}");
}

#[tokio::test]
async fn an_unreachable_server_fails_visibly_gives_its_slots_back_and_is_tried_again_later() {
    let app = app().await;
    let port = free_port();
    identity(&app, port, 40).await;
    let (_, people) = approved(&app, &["Ana", "Bo"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!((report.attempted, report.failed), (1, 1), "one try, then the mailbox rests for the run: {report:?}");
    let failed = touches(&app, &people[0]).await;
    assert_eq!(failed[0]["status"], "failed");
    assert!(failed[0]["error"].as_str().is_some_and(|e| !e.is_empty()), "{}", failed[0]);
    // The server comes back: Bo goes at once, Ana five minutes after her failure.
    let mailbox = Mailbox::on(port, mailin_embedded::response::OK);
    let report = send(&app, wednesday() + Duration::minutes(1)).await;
    assert_eq!((report.attempted, report.sent), (1, 1), "{report:?}");
    assert_eq!(send(&app, wednesday() + Duration::minutes(6)).await.sent, 1);
    assert_eq!(recipients(&mailbox), ["Ana <ana@acme.com>", "Bo <bo@acme.com>"]);
    let statuses: Vec<Value> = touches(&app, &people[0]).await.iter().map(|t| t["status"].clone()).collect();
    assert_eq!(statuses, [json!("sent"), json!("failed")]);
    // The failure gave its slots back: two sends counted, for the identity and for acme.com.
    let conn = app.db.conn().await;
    let used: (i64, i64) = conn
        .query_one(
            "pacing",
            "SELECT (SELECT sum(count) FROM pacing_identity_daily), (SELECT sum(count) FROM pacing_domain_daily)",
            (),
            |r| Ok((occ_core::store::col(r, 0)?, occ_core::store::col(r, 1)?)),
        )
        .await
        .expect("counters");
    assert_eq!(used, (2, 2));
}

#[tokio::test]
async fn a_refusal_for_good_is_not_tried_again_and_shows_in_today() {
    let app = app().await;
    let mailbox = Mailbox::on(free_port(), mailin_embedded::response::NO_MAILBOX);
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    assert_eq!(send(&app, wednesday()).await.failed, 1);
    assert_eq!(send(&app, wednesday() + Duration::days(1)).await.attempted, 0, "a 550 is final");
    let touch = &touches(&app, &people[0]).await[0];
    assert!(touch["error"].as_str().is_some_and(|e| e.contains("550")), "{touch}");
    let queue = app.get("/api/v1/queue?limit=200").await.body;
    let item = queue["items"].as_array().expect("items").iter().find(|i| i["kind"] == "send_failed").expect("in Today");
    assert_eq!(item["touchpoint_id"], touch["id"]);
    assert!(item["excerpt"].as_str().is_some_and(|r| r.contains("550")), "{item}");
    // The person gives up on it: skipped, the draft is archived.
    let skipped = app
        .post(
            &format!("/api/v1/queue/{}/skip", item["id"].as_str().expect("id")),
            json!({"reason": "left the company"}),
        )
        .await;
    assert_eq!(skipped.status, 200, "{}", skipped.text);
    let draft = app.get(&format!("/api/v1/drafts/{}", skipped.body["draft_id"].as_str().expect("draft"))).await.body;
    assert_eq!(
        (draft["approval_status"].as_str(), draft["notes"].as_str()),
        (Some("archived"), Some("Skipped: left the company"))
    );
}

#[tokio::test]
async fn a_busy_server_is_tried_again() {
    let app = app().await;
    let busy = Mailbox::on(free_port(), mailin_embedded::response::INTERNAL_ERROR);
    let made = identity(&app, busy.port, 40).await;
    approved(&app, &["Ana"]).await;
    assert_eq!(send(&app, wednesday()).await.failed, 1, "a 451");
    let fine = Mailbox::start();
    let moved = app.patch(&format!("/api/v1/identities/{}", id(&made)), json!({"smtp_port": fine.port})).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(send(&app, wednesday() + Duration::minutes(6)).await.sent, 1);
    assert_eq!(fine.received().len(), 1);
}

/// An SMTP server that takes a message and drops the connection before it answers, as a crash
/// would: nobody can tell whether the message went.
fn dropping_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut out = stream.try_clone().expect("a stream");
            let mut lines = BufReader::new(stream);
            let _ = out.write_all(b"220 drop.test ESMTP\r\n");
            let (mut line, mut data) = (String::new(), false);
            loop {
                line.clear();
                if lines.read_line(&mut line).unwrap_or(0) == 0 || (data && line == ".\r\n") {
                    break;
                }
                if data {
                    continue;
                }
                let reply: &[u8] = match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                    Some("EHLO" | "HELO") => b"250 drop.test\r\n",
                    Some("DATA") => {
                        data = true;
                        b"354 go ahead\r\n"
                    }
                    _ => b"250 OK\r\n",
                };
                let _ = out.write_all(reply);
            }
        }
    });
    port
}

#[tokio::test]
async fn a_conversation_broken_mid_message_waits_for_a_person_and_is_never_resent() {
    let app = app().await;
    identity(&app, dropping_server(), 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!((report.unknown, report.failed, report.sent), (1, 0, 0), "{report:?}");
    assert_eq!(send(&app, wednesday() + Duration::days(1)).await.attempted, 0, "never again by itself");
    let touch = &touches(&app, &people[0]).await[0];
    assert_eq!(touch["status"], "unknown");
    let queue = app.get("/api/v1/queue?limit=200").await.body;
    let items = queue["items"].as_array().expect("items");
    let item = items.iter().find(|i| i["kind"] == "send_check").expect("in Today");
    assert_eq!((&item["touchpoint_id"], item["priority"].as_i64()), (&touch["id"], Some(90)));
    assert!(!items.iter().any(|i| i["kind"] == "email"), "not offered as ready to send");
    let skip = app.post(&format!("/api/v1/queue/{}/skip", item["id"].as_str().expect("id")), json!({})).await;
    assert_eq!(skip.status, 409, "resolved first: {}", skip.text);
    // The Sent folder has nothing: not sent. Then it may go again.
    let resolved = app.post(&format!("/api/v1/touchpoints/{}/resolve", id(touch)), json!({"status": "failed"})).await;
    assert_eq!(resolved.status, 200, "{}", resolved.text);
    let queue = app.get("/api/v1/queue?limit=200").await.body;
    assert!(queue["items"].as_array().expect("items").iter().any(|i| i["kind"] == "email"), "{queue}");
}
