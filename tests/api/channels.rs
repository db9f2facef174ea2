//! Channels: sender identities (the password sealed and never shown, a test message through a
//! real SMTP server) and the suppression list (added once, covering the people it names, lifted
//! only by admins, never for an erased person).

use std::sync::{Arc, Mutex};

use occ_core::access::Scope;
use occ_core::config::Secret;
use occ_core::domain::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, free_port, spawn_app, spawn_app_with, wait_for_port};

fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}

/// A real SMTP server on a free port that keeps every message it accepts.
pub struct Mailbox {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct Keep {
    messages: Arc<Mutex<Vec<String>>>,
    data: Vec<u8>,
    /// The reply to each message: OK keeps it, anything else refuses it.
    answer: mailin_embedded::Response,
}

impl mailin_embedded::Handler for Keep {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> mailin_embedded::Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned();
        if self.answer.code == mailin_embedded::response::OK.code {
            self.messages.lock().expect("lock").push(text);
        }
        self.answer.clone()
    }
}

impl Mailbox {
    pub fn start() -> Self {
        Self::on(free_port(), mailin_embedded::response::OK)
    }

    /// A server on `port` that gives every message `answer`.
    pub fn on(port: u16, answer: mailin_embedded::Response) -> Self {
        let messages = Arc::new(Mutex::new(Vec::new()));
        let mut server = mailin_embedded::Server::new(Keep { messages: messages.clone(), data: Vec::new(), answer });
        server.with_name("mail.test").with_addr(("127.0.0.1", port)).expect("address");
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        wait_for_port(port, "the SMTP server");
        Self { port, messages }
    }

    pub fn received(&self) -> Vec<String> {
        self.messages.lock().expect("lock").clone()
    }
}

/// A key for sealing secrets, as `openssl rand -base64 32` makes.
const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=";

async fn app_with_key() -> TestApp {
    spawn_app_with(|c| c.secret_key = Some(Secret::new(KEY.to_owned())), true).await
}

fn identity(port: u16) -> Value {
    json!({
        "from_name": "Ana Seller", "from_email": "Ana@Seller.example", "smtp_host": "127.0.0.1", "smtp_port": port,
        "smtp_security": "none", "smtp_username": "ana", "smtp_password": "hunter2-very-secret", "daily_cap": 40,
        "timezone": "Europe/Madrid", "send_window": {"start_hour": 8, "end_hour": 18, "days": [1, 2, 3, 4, 5]},
        "min_spacing_seconds": 90, "warmup": {"start_date": "2026-11-01", "first_day": 5, "daily_increase": 3},
        "signature": "Ana Seller\nSeller Inc."
    })
}

#[tokio::test]
async fn identities_keep_their_password_sealed_and_checked() {
    let app = app_with_key().await;
    let made = app.post("/api/v1/identities", identity(2525)).await;
    assert_eq!(made.status, 201, "{}", made.text);
    assert!(!made.text.contains("hunter2"), "the password never comes back");
    let ident = made.body;
    assert_eq!(
        (ident["from_email"].as_str(), ident["has_password"].as_bool()),
        (Some("ana@seller.example"), Some(true))
    );
    assert_eq!(ident["warmup"]["first_day"], 5);
    let stored: Vec<u8> = app
        .db
        .conn()
        .await
        .query_one("identity", "SELECT password_encrypted FROM email_identities", (), |r| occ_core::store::col(r, 0))
        .await
        .expect("stored");
    assert!(!String::from_utf8_lossy(&stored).contains("hunter2"), "sealed at rest");

    let path = format!("/api/v1/identities/{}", id(&ident));
    let patched = app.patch(&path, json!({"status": "paused", "warmup": null, "smtp_password": null})).await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(
        (patched.body["status"].as_str(), patched.body["warmup"].is_null(), patched.body["has_password"].as_bool()),
        (Some("paused"), true, Some(false))
    );
    assert_eq!(patched.work_round_trips(), 2, "the read of the identity, the change with the commit");
    let log = app.get(&format!("/api/v1/audit?entity=identity&entity_id={}", id(&ident))).await.body;
    let entry = log["items"].as_array().expect("items").iter().find(|e| e["action"] == "identity.update").cloned();
    let entry = entry.expect("the change is audited");
    assert_eq!(
        (
            entry["before"]["status"].as_str(),
            entry["before"]["has_password"].as_bool(),
            entry["before"]["warmup"].is_null()
        ),
        (Some("active"), Some(true), false)
    );
    assert_eq!(
        (
            entry["after"]["status"].as_str(),
            entry["after"]["has_password"].as_bool(),
            entry["after"]["warmup"].is_null()
        ),
        (Some("paused"), Some(false), true)
    );
    let bad = app
        .patch(&path, json!({"send_window": {"start_hour": 18, "end_hour": 9, "days": [8]}, "timezone": "Mars/Base"}))
        .await;
    let mut fields = bad.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("send_window.days".to_owned(), "range".to_owned()),
            ("send_window.end_hour".to_owned(), "order".to_owned()),
            ("timezone".to_owned(), "format".to_owned())
        ]
    );
    let empty = app.patch(&path, json!({"smtp_password": ""})).await;
    assert_eq!(
        empty.field_errors(),
        [("smtp_password".to_owned(), "required".to_owned())],
        "an empty field removes nothing"
    );
    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let refused = app.send_raw(app.client.patch(app.url(&path)).bearer_auth(&bdr).json(&json!({"daily_cap": 1}))).await;
    assert_eq!(refused.status, 403);
    assert_eq!(app.get("/api/v1/identities").await.body.as_array().map(Vec::len), Some(1));
    assert_eq!(app.delete(&path).await.status, 204);
}

#[tokio::test]
async fn a_password_needs_the_secret_key() {
    let app = spawn_app().await;
    let refused = app.post("/api/v1/identities", identity(2525)).await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(refused.text.contains("OCC_SECRET_KEY"));
}

#[tokio::test]
async fn the_test_message_reports_the_smtp_conversation() {
    let app = app_with_key().await;
    let mailbox = Mailbox::start();
    let mut body = identity(mailbox.port);
    body["smtp_username"] = Value::Null;
    body["smtp_password"] = Value::Null;
    let ident = app.post("/api/v1/identities", body).await.body;
    let sent = app.post(&format!("/api/v1/identities/{}/test", id(&ident)), json!({"to": "me@seller.example"})).await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    assert_eq!((sent.body["ok"].as_bool(), sent.body["code"].as_str()), (Some(true), Some("250")), "{}", sent.text);
    let received = mailbox.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].contains("Subject: OCC test message"), "{}", received[0]);
    let message_id = received[0].lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap_or_default();
    assert!(
        message_id.starts_with('<') && message_id.ends_with("@seller.example>"),
        "a Message-ID of its domain: {}",
        received[0]
    );
    assert!(received[0].contains("From: \"Ana Seller\" <ana@seller.example>"), "{}", received[0]);

    // Nobody listening: the failure is reported, not thrown.
    let closed = app.patch(&format!("/api/v1/identities/{}", id(&ident)), json!({"smtp_port": free_port()})).await;
    assert_eq!(closed.status, 200);
    let failed = app.post(&format!("/api/v1/identities/{}/test", id(&ident)), json!({"to": "me@seller.example"})).await;
    assert_eq!((failed.status, failed.body["ok"].as_bool()), (200, Some(false)), "{}", failed.text);
    assert!(!failed.body["message"].as_str().unwrap_or_default().is_empty());
    let bad = app.post(&format!("/api/v1/identities/{}/test", id(&ident)), json!({"to": "nobody"})).await;
    assert_eq!(bad.field_errors(), [("to".to_owned(), "format".to_owned())]);
}

#[tokio::test]
async fn suppression_is_added_once_covers_people_and_is_lifted_by_admins_only() {
    let app = spawn_app().await;
    let steps = json!([{"day_offset": 0, "kind": "email", "subject": "Hi", "template": "Hi {{first_name}}, a short note. Reply stop to opt out."},
                       {"day_offset": 3, "kind": "call", "template": "Call {{first_name}}"}]);
    let seq = app.post("/api/v1/sequences", json!({"name": "S", "steps": steps})).await.body;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let ana = app
        .post("/api/v1/contacts", json!({"first_name": "Ana", "email": "ana@acme.com", "account_id": acme["id"]}))
        .await
        .body;
    app.post("/api/v1/enrollments", json!({"sequence_id": id(&seq), "contact_id": id(&ana)})).await;
    occ_core::cron::worker::tick(&app.db.conn().await, chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .expect("tick");

    let added = app
        .post("/api/v1/suppression", json!({"domain": "https://www.ACME.com/about", "note": "their legal asked"}))
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!((added.body["kind"].as_str(), added.body["value"].as_str()), (Some("domain"), Some("acme.com")));
    assert_eq!(added.work_round_trips(), 1, "the entry and its consequences in one batch");
    let again = app.post("/api/v1/suppression", json!({"domain": "acme.com"})).await;
    assert_eq!((again.status, again.body["id"].clone()), (200, added.body["id"].clone()));
    assert_eq!(again.work_round_trips(), 1, "the batch that finds the entry already listed");
    let enrollment = app.get(&format!("/api/v1/enrollments?contact_id={}", id(&ana))).await.body["items"][0].clone();
    assert_eq!(
        (enrollment["status"].as_str(), enrollment["exit_reason"].as_str()),
        (Some("exited"), Some("do_not_contact"))
    );
    let drafts = app.get(&format!("/api/v1/drafts?contact_id={}", id(&ana))).await.body;
    assert_eq!(drafts["items"][0]["approval_status"], "archived");

    let two = app.post("/api/v1/suppression", json!({"email": "a@b.example", "domain": "b.example"})).await;
    assert_eq!(two.field_errors(), [("email".to_owned(), "one_of".to_owned())]);
    let bad = app.post("/api/v1/suppression", json!({"email": "not an address"})).await;
    assert_eq!(bad.field_errors(), [("email".to_owned(), "format".to_owned())]);

    let imported = app
        .post("/api/v1/suppression/import", json!({"text": "email\nbo@other.example\n@spam.example\nhttps://linkedin.com/in/cy-x\nacme.com\n???\n", "reason": "unsubscribe"}))
        .await;
    assert_eq!(imported.status, 200, "{}", imported.text);
    assert_eq!((imported.body["added"].as_u64(), imported.body["already_suppressed"].as_u64()), (Some(3), Some(1)));
    assert_eq!(imported.body["invalid"][0]["line"], 6);
    assert_eq!(imported.work_round_trips(), 1, "the entries in one batch");
    let found = app.get("/api/v1/suppression?q=bo@").await.body;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(found["items"][0]["reason"], "unsubscribe");

    let path = format!("/api/v1/suppression/{}", id(&added.body));
    let manager = app.token_for(Role::Manager, &[Scope::Write]).await;
    assert_eq!(app.send_raw(app.client.delete(app.url(&path)).bearer_auth(&manager)).await.status, 403);
    assert_eq!(app.delete(&path).await.status, 204);
    let hashed = uuid::Uuid::now_v7().to_string();
    app.db
        .conn()
        .await
        .execute(
            "INSERT INTO email_suppression (id, kind, value, value_hash, reason, source, created_at) \
             VALUES (?1, 'email', NULL, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'erased', 'erasure', \
             '2026-01-01T00:00:00.000Z')",
            [hashed.as_str()],
        )
        .await
        .expect("hash entry");
    let kept = app.delete(&format!("/api/v1/suppression/{hashed}")).await;
    assert_eq!(kept.status, 409, "an erased person stays suppressed: {}", kept.text);
}

#[tokio::test]
async fn pacing_limits_are_versioned_and_today_shows_every_identity() {
    let app = app_with_key().await;
    let defaults = app.get("/api/v1/settings/pacing").await.body;
    assert_eq!(
        (defaults["version"].as_i64(), defaults["value"]["linkedin_connections_daily"].as_i64()),
        (Some(0), Some(20))
    );
    let bad = app
        .send(
            app.client
                .put(app.url("/api/v1/settings/pacing"))
                .json(&json!({"timezone": "Nowhere", "linkedin_connections_weekly": 5})),
        )
        .await;
    let mut fields = bad.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [("linkedin_connections_weekly".to_owned(), "order".to_owned()), ("timezone".to_owned(), "format".to_owned())]
    );
    let saved = app
        .send(
            app.client
                .put(app.url("/api/v1/settings/pacing"))
                .json(&json!({"timezone": "Europe/Madrid", "linkedin_connections_daily": 1})),
        )
        .await;
    assert_eq!((saved.status, saved.body["version"].as_i64()), (200, Some(1)), "{}", saved.text);
    let manager = app.token_for(Role::Manager, &[Scope::Write]).await;
    let refused = app
        .send_raw(
            app.client.put(app.url("/api/v1/settings/pacing")).bearer_auth(&manager).json(&json!({"timezone": "UTC"})),
        )
        .await;
    assert_eq!(refused.status, 403);

    // The warm-up's first day is today where the team works (Madrid, saved above), which is
    // not always the date in UTC.
    let madrid_today = || chrono::Utc::now().with_timezone(&chrono_tz::Europe::Madrid).date_naive();
    let started = madrid_today();
    let mut body = identity(2525);
    body["warmup"] = json!({"start_date": started.to_string(), "first_day": 5, "daily_increase": 3});
    app.post("/api/v1/identities", body).await;
    let today = app.get("/api/v1/pacing").await;
    assert_eq!(today.status, 200, "{}", today.text);
    assert!(today.db_calls() <= 1 + 2, "{}", today.db_calls());
    let ident = &today.body["identities"][0];
    // Past midnight in Madrid since the start: the second day's allowance.
    let allowance = 5 + 3 * (madrid_today() - started).num_days();
    assert_eq!(
        (ident["daily_cap"].as_i64(), ident["allowance"].as_i64(), ident["remaining"].as_i64()),
        (Some(40), Some(allowance), Some(allowance))
    );
    let connections = &today.body["linkedin"][0];
    assert_eq!(
        (connections["kind"].as_str(), connections["daily_limit"].as_i64(), connections["today"].as_i64()),
        (Some("connection_sent"), Some(1), Some(0))
    );
}

#[tokio::test]
async fn linkedin_tasks_beyond_the_limit_wait_even_when_racing() {
    let app = spawn_app().await;
    app.send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"linkedin_connections_daily": 1}))).await;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let mut drafts = Vec::new();
    for name in ["Gus", "Hal", "Ida"] {
        let person = app
            .post(
                "/api/v1/contacts",
                json!({"first_name": name, "account_id": acme["id"],
                "linkedin_url": format!("https://www.linkedin.com/in/{}-acme", name.to_lowercase())}),
            )
            .await
            .body;
        let draft = app
            .post("/api/v1/drafts", json!({"contact_id": id(&person), "channel": "linkedin", "body": "Hi, would love to connect.", "submit": true}))
            .await
            .body;
        assert_eq!(app.post(&format!("/api/v1/drafts/{}/approve", id(&draft)), json!({})).await.status, 200);
        drafts.push(draft);
    }
    let record = |d: &Value| app.post("/api/v1/touchpoints", json!({"draft_id": id(d), "kind": "linkedin_connect"}));
    let (a, b) = tokio::join!(record(&drafts[0]), record(&drafts[1]));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let refused = if a.status == 409 { a } else { b };
    assert_eq!(refused.field_errors(), [("kind".to_owned(), "daily_limit".to_owned())]);
    assert!(refused.body["error"]["message"].as_str().unwrap_or_default().contains("waits for tomorrow"));
    // A message is under its own limit.
    let message =
        app.post("/api/v1/touchpoints", json!({"draft_id": id(&drafts[2]), "kind": "linkedin_message"})).await;
    assert_eq!(message.status, 201, "{}", message.text);
    let today = app.get("/api/v1/pacing").await.body;
    assert_eq!((today["linkedin"][0]["today"].as_i64(), today["linkedin"][1]["today"].as_i64()), (Some(1), Some(1)));

    // The request is accepted a day later; the stats count it.
    let accepted = app
        .post("/api/v1/linkedin/events", json!({"contact_id": drafts[0]["contact_id"], "kind": "connection_accepted"}))
        .await;
    assert_eq!(accepted.status, 201, "{}", accepted.text);
    let sent_by_hand = app
        .post("/api/v1/linkedin/events", json!({"contact_id": drafts[0]["contact_id"], "kind": "connection_sent"}))
        .await;
    assert_eq!(sent_by_hand.field_errors(), [("kind".to_owned(), "one_of".to_owned())], "requests come from tasks");
    let stats = app.get("/api/v1/linkedin/stats?days=7").await;
    assert_eq!(stats.status, 200, "{}", stats.text);
    assert_eq!(stats.work_round_trips(), 1, "then one statement that reads the time zone too");
    assert_eq!(
        (stats.body["today"]["connection_sent"].as_i64(), stats.body["this_week"]["connection_sent"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (stats.body["period"]["connection_accepted"].as_i64(), stats.body["acceptance_rate"].as_f64()),
        (Some(1), Some(1.0))
    );
    assert_eq!(
        app.get("/api/v1/linkedin/stats?days=0").await.field_errors(),
        [("days".to_owned(), "range".to_owned())]
    );
    app.assert_queue_kept().await;
}

/// A touch logged about a contact (a call, a LinkedIn action) is one round trip: its rules are
/// checked in SQL. A replayed key answers the first record; a bdr is refused another's
/// contact; a call that books a meeting opens one; a LinkedIn action takes its slot under the
/// pacing in force, also when the pacing changed after this instance last saw it.
#[tokio::test]
async fn a_touch_logged_about_a_contact_is_one_round_trip_and_keeps_every_rule() {
    let app = spawn_app().await;
    let ana = app
        .post("/api/v1/contacts", json!({"first_name": "Ana", "linkedin_url": "https://www.linkedin.com/in/ana-acme"}))
        .await
        .body;
    let call =
        json!({"contact_id": id(&ana), "kind": "call", "call_outcome": "no_answer", "idempotency_key": "call-1"});
    let first = app.post("/api/v1/touchpoints", call.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.work_round_trips(), 1, "the checks, the touch, its stage move and its audit entry");
    assert_eq!(app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body["stage"], "touched");
    let again = app.post("/api/v1/touchpoints", call).await;
    assert_eq!((again.status, &again.body["id"]), (200, &first.body["id"]), "the first record answers");

    let bdr = app.token_for(Role::Bdr, &[Scope::Write]).await;
    let theirs = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/touchpoints"))
                .bearer_auth(&bdr)
                .json(&json!({"contact_id": id(&ana), "kind": "call"})),
        )
        .await;
    assert_eq!(theirs.status, 403, "{}", theirs.text);

    let booked = app
        .post("/api/v1/touchpoints", json!({"contact_id": id(&ana), "kind": "call", "call_outcome": "meeting_booked"}))
        .await;
    assert_eq!(booked.status, 201, "{}", booked.text);
    assert_eq!(booked.work_round_trips(), 1);
    let contact = app.get(&format!("/api/v1/contacts/{}", id(&ana))).await.body;
    assert_eq!(contact["stage"], "meeting_booked", "{contact}");
    let opportunities = app.get(&format!("/api/v1/opportunities?contact_id={}", id(&ana))).await.body;
    assert_eq!(opportunities["items"].as_array().map(Vec::len), Some(1), "{opportunities}");
    let booked_again = app
        .post("/api/v1/touchpoints", json!({"contact_id": id(&ana), "kind": "call", "call_outcome": "meeting_booked"}))
        .await;
    assert_eq!(booked_again.status, 201, "{}", booked_again.text);
    let opportunities = app.get(&format!("/api/v1/opportunities?contact_id={}", id(&ana))).await.body;
    assert_eq!(opportunities["items"].as_array().map(Vec::len), Some(1), "one open meeting: {opportunities}");

    let connect = || app.post("/api/v1/touchpoints", json!({"contact_id": id(&ana), "kind": "linkedin_connect"}));
    assert_eq!(connect().await.status, 201);
    let seen = connect().await;
    assert_eq!(seen.status, 201, "{}", seen.text);
    assert_eq!(seen.work_round_trips(), 1, "the pacing this instance saw, checked in SQL");
    // The limit falls to what was taken already: the next one waits, though this instance saw
    // the old limit.
    let saved = app
        .send(app.client.put(app.url("/api/v1/settings/pacing")).json(&json!({"linkedin_connections_daily": 2})))
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let over = connect().await;
    assert_eq!(over.status, 409, "{}", over.text);
    assert_eq!(over.field_errors(), [("kind".to_owned(), "daily_limit".to_owned())]);
    app.assert_queue_kept().await;
}

/// The daily series of LinkedIn's stats reads counts per day that triggers keep: they equal a
/// count of the events after events are recorded on several days, a person's are erased with
/// them, and an event loses its user.
#[tokio::test]
async fn linkedin_daily_counts_follow_every_change_of_the_events() {
    let app = spawn_app().await;
    let acme = app.create_account(json!({"name": "Acme", "domain": "acme.com"})).await;
    let mut people = Vec::new();
    for name in ["Gus", "Hal"] {
        let url = format!("https://www.linkedin.com/in/{}-acme", name.to_lowercase());
        let person = app
            .post("/api/v1/contacts", json!({"first_name": name, "account_id": acme["id"], "linkedin_url": url}))
            .await;
        assert_eq!(person.status, 201, "{}", person.text);
        people.push(person.body);
    }
    let now = chrono::Utc::now();
    for (person, kind, days_ago) in [
        (&people[0], "connection_accepted", 0),
        (&people[0], "reply_received", 0),
        (&people[0], "profile_viewed", 3),
        (&people[1], "connection_accepted", 3),
        (&people[1], "reply_received", 40),
    ] {
        let at = (now - chrono::Duration::days(days_ago)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let recorded = app
            .post("/api/v1/linkedin/events", json!({"contact_id": person["id"], "kind": kind, "occurred_at": at}))
            .await;
        assert_eq!(recorded.status, 201, "{}", recorded.text);
    }
    let conn = app.db.conn().await;
    let kept = || async {
        let direct = "SELECT substr(occurred_at, 1, 10) || ' ' || kind || ' ' || coalesce(user_id, '') || ' ' || count(*) \
             FROM linkedin_events GROUP BY substr(occurred_at, 1, 10), kind, coalesce(user_id, '') ORDER BY 1";
        let rolled =
            "SELECT day || ' ' || kind || ' ' || user_key || ' ' || n FROM linkedin_daily WHERE n > 0 ORDER BY 1";
        let direct: Vec<String> = conn.query_all(direct, (), |row| occ_core::store::col(row, 0)).await.expect("events");
        let rolled: Vec<String> = conn.query_all(rolled, (), |row| occ_core::store::col(row, 0)).await.expect("days");
        assert_eq!(rolled, direct, "the counts per day are the events'");
        direct.len()
    };
    assert_eq!(kept().await, 5);
    let stats = app.get("/api/v1/linkedin/stats?days=7").await.body;
    assert_eq!(stats["period"], json!({"connection_accepted": 2, "reply_received": 1, "profile_viewed": 1}), "{stats}");
    assert_eq!(stats["daily"].as_array().map(Vec::len), Some(4), "a day and kind a row, in the week: {stats}");
    let erased = app.delete(&format!("/api/v1/contacts/{}", people[1]["id"].as_str().expect("id"))).await;
    assert!(erased.status < 300, "{}", erased.text);
    assert_eq!(kept().await, 3, "the contact's events went with it");
    conn.execute("UPDATE linkedin_events SET user_id = NULL WHERE kind = 'profile_viewed'", ()).await.expect("update");
    assert_eq!(kept().await, 3);
    let stats = app.get("/api/v1/linkedin/stats?days=7").await.body;
    assert_eq!(stats["period"], json!({"connection_accepted": 1, "reply_received": 1}), "mine: {stats}");
    let team = app.get("/api/v1/linkedin/stats?days=7&scope=team").await.body;
    assert_eq!(team["period"]["profile_viewed"], 1, "the team's has the event of nobody: {team}");
}
