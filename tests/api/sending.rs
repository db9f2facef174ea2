//! The sender against a real SMTP server: approved emails go out once, with the unsubscribe
//! headers, the signature and the opt-out line, threaded on the sequence's first message; caps,
//! suppression and interrupted sends hold; the unsubscribe link works without signing in and
//! refuses a tampered token.

use chrono::{DateTime, Utc};
use occ_core::config::Secret;
use serde_json::{Value, json};

use crate::channels::Mailbox;
use crate::helpers::{TestApp, spawn_app_with};

pub fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=";
const TEMPLATE: &str = "Hi {{first_name}}, teams like {{company}} double outbound after a round. Worth a short call?";

/// A Wednesday afternoon in London: business hours for the recipients below.
pub fn wednesday() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-02T14:00:00Z").expect("time").with_timezone(&Utc)
}

pub fn configure(c: &mut occ_core::Config) {
    c.secret_key = Some(Secret::new(KEY.to_owned()));
    c.public_url = Some("https://occ.test".to_owned());
    c.unsubscribe_mailto = Some("unsubscribe@seller.example".to_owned());
    c.webhook_secret = Some(Secret::new(WEBHOOK_SECRET.to_owned()));
}

pub const WEBHOOK_SECRET: &str = "provider-shared-secret";

/// Posts an email event signed as the provider does, `age` seconds ago.
async fn event(app: &TestApp, body: Value, age: i64) -> crate::helpers::Answer {
    let text = body.to_string();
    let ts = (Utc::now().timestamp() - age).to_string();
    let signature = occ_core::channels::webhooks::sign(WEBHOOK_SECRET, &ts, text.as_bytes());
    app.send_raw(
        app.client
            .post(app.url("/api/v1/webhooks/email"))
            .header("content-type", "application/json")
            .header("x-occ-timestamp", ts)
            .header("x-occ-signature", signature)
            .body(text),
    )
    .await
}

pub async fn app() -> TestApp {
    spawn_app_with(configure, true).await
}

pub async fn identity(app: &TestApp, port: u16, cap: i64) -> Value {
    identity_with(app, port, cap, json!({})).await
}

/// An identity open every hour of every day, without spacing, changed by `with`.
pub async fn identity_with(app: &TestApp, port: u16, cap: i64, with: Value) -> Value {
    let mut body = json!({
        "from_name": "Bo Seller", "from_email": "bo@seller.example", "smtp_host": "127.0.0.1", "smtp_port": port,
        "smtp_security": "none", "daily_cap": cap, "timezone": "UTC",
        "send_window": {"start_hour": 0, "end_hour": 24, "days": [1, 2, 3, 4, 5, 6, 7]}, "min_spacing_seconds": 0,
        "signature": "Bo Seller\nSeller Inc."
    });
    for (key, value) in with.as_object().expect("an object") {
        body[key] = value.clone();
    }
    let made = app.post("/api/v1/identities", body).await;
    assert_eq!(made.status, 201, "{}", made.text);
    made.body
}

/// People at Acme, enrolled in a two-step sequence, their first emails drafted and approved.
pub async fn approved(app: &TestApp, names: &[&str]) -> (Value, Vec<Value>) {
    approved_at(app, "acme.com", names).await
}

/// People at the company with `domain` (in London), enrolled in a two-step sequence, their
/// first emails drafted and approved.
pub async fn approved_at(app: &TestApp, domain: &str, names: &[&str]) -> (Value, Vec<Value>) {
    let steps = json!([{"day_offset": 0, "kind": "email", "subject": "Outbound after the round", "template": TEMPLATE},
                       {"day_offset": 3, "kind": "email", "subject": "Re: Outbound after the round", "template": TEMPLATE}]);
    let seq =
        app.post("/api/v1/sequences", json!({"name": format!("Series B at {domain}"), "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": domain, "domain": domain, "timezone": "Europe/London"})).await;
    let mut people = Vec::new();
    for name in names {
        let email = format!("{}@{domain}", name.to_lowercase());
        let person = app
            .post("/api/v1/contacts", json!({"first_name": name, "email": email, "account_id": acme["id"]}))
            .await
            .body;
        app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&person)})).await;
        people.push(person);
    }
    occ_core::cron::worker::tick(&app.db.conn().await, Utc::now() + chrono::Duration::seconds(1)).await.expect("tick");
    for person in &people {
        let draft = &app.get(&format!("/api/v1/drafts?contact_id={}", id(person))).await.body["items"][0];
        let ok = app.post(&format!("/api/v1/drafts/{}/approve", id(draft)), json!({})).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
    }
    (seq, people)
}

/// A deadline no test reaches: the whole of a tick's time.
fn far_deadline() -> std::time::Instant {
    std::time::Instant::now() + occ_core::cron::worker::TICK_BUDGET
}

pub async fn send(app: &TestApp, at: DateTime<Utc>) -> occ_core::channels::sending::SendReport {
    let mut config = app.db.config();
    configure(&mut config);
    occ_core::channels::sending::send_due(&app.db.conn().await, &config, at, far_deadline()).await.expect("send")
}

/// A header's value, unfolded (a long header continues on lines that start with white space).
pub fn header(message: &str, name: &str) -> Option<String> {
    let mut lines = message.lines().skip_while(|l| !l.starts_with(&format!("{name}: ")));
    let mut value = lines.next()?.split_once(": ")?.1.to_owned();
    for more in lines.take_while(|l| l.starts_with([' ', '\t'])) {
        value.push(' ');
        value.push_str(more.trim());
    }
    Some(value)
}

#[tokio::test]
async fn an_approved_email_goes_out_once_with_its_headers_and_threads_the_follow_up() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    let report = send(&app, wednesday()).await;
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    assert_eq!(send(&app, wednesday()).await.sent, 0, "never twice");
    let draft = app.get(&format!("/api/v1/drafts?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    let by_hand = app.post("/api/v1/touchpoints", json!({"draft_id": id(&draft)})).await;
    assert_eq!(
        by_hand.field_errors(),
        [("draft_id".to_owned(), "sent".to_owned())],
        "not recorded twice: {}",
        by_hand.text
    );
    let received = mailbox.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    let unsubscribe = header(message, "List-Unsubscribe").expect("List-Unsubscribe");
    assert!(unsubscribe.starts_with("<https://occ.test/api/v1/unsubscribe/"), "{unsubscribe}");
    assert!(unsubscribe.ends_with(", <mailto:unsubscribe@seller.example?subject=unsubscribe>"), "{unsubscribe}");
    assert_eq!(header(message, "List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    assert!(
        message.contains("Bo Seller\r\nSeller Inc.") && message.contains("Unsubscribe here: https://occ.test/"),
        "{message}"
    );
    let touches = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(&people[0]))).await.body;
    assert_eq!(touches["items"][0]["status"], "sent");
    let message_id: String = app
        .db
        .conn()
        .await
        .query_one("touchpoint", "SELECT message_id FROM touchpoints", (), |r| occ_core::store::col(r, 0))
        .await
        .expect("message id");
    assert_eq!(header(message, "Message-ID").as_deref(), Some(message_id.as_str()));
    assert_eq!(
        app.get(&format!("/api/v1/drafts?contact_id={}", id(&people[0]))).await.body["items"][0]["approval_status"],
        "sent"
    );

    // The follow-up answers the first message.
    let conn = app.db.conn().await;
    conn.execute("UPDATE enrollments SET next_due_at = '2026-01-01T00:00:00.000Z'", ()).await.expect("due now");
    occ_core::cron::worker::tick(&conn, Utc::now()).await.expect("tick");
    let drafts = app.get(&format!("/api/v1/drafts?contact_id={}&approval_status=pending", id(&people[0]))).await.body;
    app.post(&format!("/api/v1/drafts/{}/approve", id(&drafts["items"][0])), json!({})).await;
    assert_eq!(send(&app, wednesday()).await.sent, 1);
    let follow_up = mailbox.received()[1].clone();
    assert_eq!(header(&follow_up, "In-Reply-To").as_deref(), Some(message_id.as_str()), "{follow_up}");
    assert_eq!(header(&follow_up, "References").as_deref(), Some(message_id.as_str()));
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn two_senders_at_once_send_once() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    approved(&app, &["Ana"]).await;
    let (a, b) = tokio::join!(send(&app, wednesday()), send(&app, wednesday()));
    assert_eq!(a.sent + b.sent, 1, "{a:?} {b:?}");
    assert_eq!(mailbox.received().len(), 1);
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn caps_hours_suppression_and_interrupted_sends_hold() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 1).await;
    let (_, people) = approved(&app, &["Ana", "Bo", "Cy"]).await;
    let saturday = DateTime::parse_from_rfc3339("2026-12-05T14:00:00Z").expect("time").with_timezone(&Utc);
    assert_eq!(send(&app, saturday).await.sent, 0, "not on the recipients' weekend");
    // Cy's address is suppressed after approval: the send re-checks.
    app.post("/api/v1/suppression", json!({"email": "cy@acme.com"})).await;
    assert_eq!(send(&app, wednesday()).await.sent, 1, "the daily cap is one");
    assert_eq!(send(&app, wednesday()).await.sent, 0, "and it holds");
    let tomorrow = wednesday() + chrono::Duration::days(1);
    assert_eq!(send(&app, tomorrow).await.sent, 1, "a new day, a new slot");
    assert_eq!(send(&app, tomorrow + chrono::Duration::days(1)).await.sent, 0, "Cy stays suppressed");
    let to: Vec<String> = mailbox.received().iter().filter_map(|m| header(m, "To")).collect();
    assert!(to.iter().all(|t| !t.contains("cy@acme.com")), "{to:?}");

    // A send interrupted between the reservation and the outcome is never sent again.
    let conn = app.db.conn().await;
    conn.execute(
        "UPDATE touchpoints SET status = 'sending', sent_at = NULL, scheduled_at = '2026-12-01T00:00:00.000Z' \
         WHERE contact_id = ?1",
        [id(&people[0])],
    )
    .await
    .expect("interrupted");
    let report = send(&app, tomorrow + chrono::Duration::days(2)).await;
    assert_eq!((report.unknown, report.sent), (1, 0), "{report:?}");
    let touches = app.get(&format!("/api/v1/touchpoints?contact_id={}", id(&people[0]))).await.body;
    assert_eq!(touches["items"][0]["status"], "unknown");
    // A person checks the Sent folder and resolves it.
    let path = format!("/api/v1/touchpoints/{}/resolve", id(&touches["items"][0]));
    let resolved = app.post(&path, json!({"status": "sent", "notes": "it is in the Sent folder"})).await;
    assert_eq!((resolved.status, resolved.body["status"].as_str()), (200, Some("sent")), "{}", resolved.text);
    assert_eq!(app.post(&path, json!({"status": "failed"})).await.status, 409, "resolved once");
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn the_unsubscribe_link_works_without_signing_in_and_refuses_tampering() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    send(&app, wednesday()).await;
    let message = &mailbox.received()[0];
    let unsubscribe = header(message, "List-Unsubscribe").expect("header");
    let link = unsubscribe.split('>').next().expect("link").trim_start_matches('<');
    let path = link.strip_prefix("https://occ.test").expect("our link").to_owned();
    let page = app.send_raw(app.client.get(app.url(&path))).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<form method=\"post\">"), "{}", page.text);
    // The signature's last digit changed (to another digit, whatever it was).
    let last = if path.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{last}", &path[..path.len() - 1]);
    assert_eq!(app.send_raw(app.client.post(app.url(&tampered))).await.status, 404);
    let one_click = app
        .send_raw(
            app.client
                .post(app.url(&path))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("List-Unsubscribe=One-Click"),
        )
        .await;
    assert_eq!(one_click.status, 200, "{}", one_click.text);
    assert_eq!(one_click.round_trips(), 2, "no authentication: the read of the person, the writes with the commit");
    let ana = app.get(&format!("/api/v1/contacts/{}", id(&people[0]))).await.body;
    assert_eq!(ana["status"], "do_not_contact");
    let listed = app.get("/api/v1/suppression?q=ana@acme.com").await.body;
    assert_eq!(
        (listed["items"][0]["reason"].as_str(), listed["items"][0]["source"].as_str()),
        (Some("unsubscribe"), Some("unsubscribe_page"))
    );
    assert_eq!(app.send_raw(app.client.post(app.url(&path))).await.status, 200, "twice is harmless");
    let timeline = app.get(&format!("/api/v1/prep/{}", id(&people[0]))).await.body["timeline"].clone();
    let entry = timeline.as_array().expect("timeline").iter().find(|e| e["kind"] == "suppression").cloned();
    assert_eq!(
        entry.as_ref().map(|e| (e["title"].as_str(), e["detail"].as_str(), e["channel"].as_str())),
        Some((Some("unsubscribe"), Some("unsubscribe_page"), Some("email"))),
        "the unsubscribe in the contact's timeline: {timeline}"
    );
}

#[tokio::test]
async fn signed_email_events_suppress_count_and_reply_once_each() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana", "Bo", "Cy", "Di"]).await;
    assert_eq!(send(&app, wednesday()).await.sent, 4);
    let at = Utc::now().to_rfc3339();

    let hard = json!({"id": "evt-1", "type": "bounce_hard", "email": "ANA@acme.com", "occurred_at": at});
    let forged = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/webhooks/email"))
                .header("content-type", "application/json")
                .header("x-occ-timestamp", Utc::now().timestamp().to_string())
                .header("x-occ-signature", "sha256=00")
                .body(hard.to_string()),
        )
        .await;
    assert_eq!((forged.status, forged.body["error"]["code"].as_str()), (401, Some("bad_signature")));
    assert_eq!(event(&app, hard.clone(), 600).await.status, 401, "outside the replay window");
    let taken = event(&app, hard.clone(), 0).await;
    assert_eq!(taken.status, 200, "{}", taken.text);
    assert_eq!(taken.round_trips(), 2, "no authentication: the event stored with what it refers to, the writes");
    assert_eq!((taken.body["suppressed"].as_bool(), taken.body["status"].as_str()), (Some(true), Some("bounced")));
    assert_eq!(event(&app, hard, 0).await.body["duplicate"], true, "once per event id");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(&people[0]))).await.body["status"], "bounced");
    let timeline = app.get(&format!("/api/v1/prep/{}", id(&people[0]))).await.body["timeline"].clone();
    assert!(
        timeline
            .as_array()
            .expect("timeline")
            .iter()
            .any(|e| e["kind"] == "email_event" && e["title"] == "bounce_hard"),
        "{timeline}"
    );

    // Soft bounces suppress on the third.
    for (n, expected) in [(1, false), (2, false), (3, true)] {
        let soft = json!({"id": format!("soft-{n}"), "type": "bounce_soft", "email": "bo@acme.com", "occurred_at": at});
        assert_eq!(event(&app, soft, 0).await.body["suppressed"].as_bool(), Some(expected), "soft bounce {n}");
    }

    // A complaint: do not contact.
    let complaint = json!({"id": "evt-2", "type": "complaint", "email": "cy@acme.com", "occurred_at": at});
    assert_eq!(event(&app, complaint, 0).await.body["status"], "do_not_contact");

    // A reply to the message Di got becomes a classified reply.
    let message_id: String = app
        .db
        .conn()
        .await
        .query_one("touchpoint", "SELECT message_id FROM touchpoints WHERE to_address = 'di@acme.com'", (), |r| {
            occ_core::store::col(r, 0)
        })
        .await
        .expect("message id");
    let reply = json!({"id": "evt-3", "type": "reply", "email": "di@acme.com", "occurred_at": at, "message_id": message_id,
                       "subject": "Re: Outbound after the round", "text": "Sounds interesting, can we talk next week?"});
    let answered = event(&app, reply, 0).await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.round_trips(), 2, "the event stored with its contact, the reply's writes with the commit");
    let replies = app.get(&format!("/api/v1/replies?contact_id={}", id(&people[3]))).await.body;
    assert_eq!(replies["items"][0]["intent"], "positive");
    let missing =
        event(&app, json!({"id": "evt-4", "type": "reply", "email": "di@acme.com", "occurred_at": at}), 0).await;
    assert_eq!(missing.field_errors(), [("text".to_owned(), "required".to_owned())]);
    app.assert_queue_kept().await;
}

/// A zone where it is business hours now, if any (none at the weekend).
fn open_zone() -> Option<&'static str> {
    const ZONES: [&str; 9] = [
        "Etc/GMT+10",
        "Etc/GMT+7",
        "Etc/GMT+4",
        "Etc/GMT+1",
        "Etc/GMT-2",
        "Etc/GMT-5",
        "Etc/GMT-8",
        "Etc/GMT-11",
        "Etc/GMT-14",
    ];
    ZONES.into_iter().find(|z| occ_core::channels::sending::business_hours(Utc::now(), z.parse().expect("zone")))
}

#[tokio::test]
async fn send_now_keeps_every_rule_and_says_why_when_it_cannot() {
    let app = app().await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    let zone = open_zone();
    let tz = zone.unwrap_or("Etc/GMT+10");
    app.patch(&format!("/api/v1/contacts/{}", id(&people[0])), json!({"timezone": tz})).await;
    let draft = app.get(&format!("/api/v1/drafts?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    let path = format!("/api/v1/drafts/{}/send", id(&draft));
    let answer = app.post(&path, json!({})).await;
    if zone.is_some() {
        assert_eq!((answer.status, answer.body["status"].as_str()), (200, Some("sent")), "{}", answer.text);
        assert_eq!(answer.body["touchpoint"]["status"], "sent");
        assert_eq!(mailbox.received().len(), 1);
        let again = app.post(&path, json!({})).await;
        assert_eq!(again.status, 409, "sent once: {}", again.text);
    } else {
        assert_eq!(answer.status, 409, "{}", answer.text);
        assert!(answer.text.contains("business hours"), "{}", answer.text);
        assert!(mailbox.received().is_empty());
    }
    app.assert_queue_kept().await;
}

#[tokio::test]
async fn without_a_public_url_nothing_is_sent() {
    let app = spawn_app_with(|c| c.secret_key = Some(Secret::new(KEY.to_owned())), true).await;
    let mailbox = Mailbox::start();
    identity(&app, mailbox.port, 40).await;
    let (_, people) = approved(&app, &["Ana"]).await;
    let draft = app.get(&format!("/api/v1/drafts?contact_id={}", id(&people[0]))).await.body["items"][0].clone();
    let refused = app.post(&format!("/api/v1/drafts/{}/send", id(&draft)), json!({})).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(refused.text.contains("OCC_PUBLIC_URL"), "{}", refused.text);
    let mut config = app.db.config();
    config.secret_key = Some(Secret::new(KEY.to_owned()));
    let report = occ_core::channels::sending::send_due(&app.db.conn().await, &config, wednesday(), far_deadline())
        .await
        .expect("send");
    assert_eq!((report.sent, report.skipped.is_some()), (0, true));
    assert!(mailbox.received().is_empty());
}
