//! `occ worker` as a process, against a real SMTP server: a name stored with a line break goes
//! out folded into one header (no panic, no exit 101), and a step that fails is reported while
//! the loop goes on ticking.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use occ_core::audit::{self, Actor};
use occ_core::store::{Conn, Store};

const KEY: &str = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=";

fn occ(db: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_occ"));
    command
        .args(args)
        .env("OCC_DATABASE_URL", format!("file:{}", db.display()))
        .env("OCC_PUBLIC_URL", "https://occ.test")
        .env("OCC_SECRET_KEY", KEY)
        .env("OCC_LOG_FORMAT", "json")
        .env("RUST_LOG", "info");
    command
}

fn run(db: &std::path::Path, args: &[&str]) -> Output {
    occ(db, args).output().expect("run occ")
}

/// An SMTP server that keeps every message it is given.
fn mailbox() -> (u16, Arc<Mutex<Vec<String>>>) {
    #[derive(Clone)]
    struct Keep(Arc<Mutex<Vec<String>>>, Vec<u8>);
    impl mailin_embedded::Handler for Keep {
        fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
            self.1.extend_from_slice(buf);
            Ok(())
        }
        fn data_end(&mut self) -> mailin_embedded::Response {
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.1)).into_owned();
            self.0.lock().expect("lock").push(text);
            mailin_embedded::response::OK
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let messages = Arc::new(Mutex::new(Vec::new()));
    let mut server = mailin_embedded::Server::new(Keep(messages.clone(), Vec::new()));
    server.with_name("mail.test").with_addr(("127.0.0.1", port)).expect("address");
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the SMTP server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (port, messages)
}

/// A zone where it is business hours now, if any (none for a day and a half each weekend).
fn open_zone() -> Option<&'static str> {
    [
        "Etc/GMT+10",
        "Etc/GMT+7",
        "Etc/GMT+4",
        "Etc/GMT+1",
        "Etc/GMT-2",
        "Etc/GMT-5",
        "Etc/GMT-8",
        "Etc/GMT-11",
        "Etc/GMT-14",
    ]
    .into_iter()
    .find(|z| occ_core::channels::sending::business_hours(chrono::Utc::now(), z.parse().expect("zone")))
}

/// The demo's book with one approved email left, to a person whose stored name holds a line
/// break, and an identity whose stored From name does too, on `port`.
async fn hostile_book(conn: &Conn, port: u16, zone: &str) {
    #[derive(serde::Deserialize)]
    struct Picked {
        id: String,
        contact_id: String,
    }
    let Picked { id: draft, contact_id: contact } = conn
        .query_one(
            "draft",
            "SELECT d.id, d.contact_id FROM message_drafts d JOIN contacts c ON c.id = d.contact_id \
             WHERE d.approval_status = 'approved' AND d.channel = 'email' AND c.email IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.draft_id = d.id) LIMIT 1",
            (),
            occ_core::store::from_row::<Picked>,
        )
        .await
        .expect("an approved email in the demo");
    conn.execute(
        "UPDATE message_drafts SET approval_status = 'archived' WHERE approval_status = 'approved' AND id <> ?1",
        [draft.as_str()],
    )
    .await
    .expect("one left");
    audit::record(conn, &Actor::system(None), "contact.update", "contact", &contact).await.expect("audit");
    conn.execute(
        "UPDATE contacts SET first_name = 'Ana' || char(13, 10) || 'Bcc: x@evil.example', timezone = ?2 WHERE id = ?1",
        [contact.as_str(), zone],
    )
    .await
    .expect("stored name");
    conn.execute(
        "INSERT INTO email_identities (id, from_name, from_address, smtp_host, smtp_port, smtp_security, status, daily_cap, \
           warmup_first_day, warmup_daily_increase, send_window_start_hour, send_window_end_hour, send_window_days, \
           min_spacing_seconds, per_domain_daily_cap, timezone, created_at, updated_at) \
         VALUES ('01936b2e-0000-7000-8000-00000000a001', 'Sender' || char(10) || 'Ops', 'ops@seller.example', '127.0.0.1', ?1, \
           'none', 'active', 100, 0, 0, 0, 24, '[1,2,3,4,5,6,7]', 0, 100, 'UTC', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')",
        [i64::from(port)],
    )
    .await
    .expect("identity");
}

#[tokio::test]
async fn the_worker_sends_despite_stored_line_breaks_and_survives_a_failing_step() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("occ.db");
    assert!(run(&db, &["migrate", "up"]).status.success());
    assert!(run(&db, &["seed", "--demo"]).status.success());
    let (port, messages) = mailbox();
    let zone = open_zone();
    {
        let store = Store::open(&occ_core::Config::local(&db)).await.expect("store");
        hostile_book(&store.connect().await.expect("conn"), port, zone.unwrap_or("Etc/GMT+10")).await;
    }

    let once = run(&db, &["worker", "--once"]);
    let stderr = String::from_utf8_lossy(&once.stderr);
    assert_eq!(once.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&once.stdout).expect("the report");
    assert_eq!(report["failed_steps"], serde_json::json!([]), "{report}");
    if zone.is_some() {
        assert_eq!(report["send"]["sent"], 1, "{report}");
        let sent = messages.lock().expect("lock").clone();
        let head = sent[0].split("\r\n\r\n").next().unwrap_or_default().to_owned();
        assert!(!head.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "no header was injected: {head}");
        assert!(head.contains("Sender Ops"), "{head}");
    } else {
        // The weekend: nowhere is it business hours; the email waits and the tick is whole.
        assert_eq!(report["send"]["attempted"], 0, "{report}");
    }

    // A step that fails: the report says which, the exit status says so, nothing panics.
    {
        let store = Store::open(&occ_core::Config::local(&db)).await.expect("store");
        store.connect().await.expect("conn").execute("DROP TABLE pacing_domain_daily", ()).await.expect("drop");
    }
    let failing = run(&db, &["worker", "--once"]);
    assert_eq!(failing.status.code(), Some(1), "{}", String::from_utf8_lossy(&failing.stderr));
    let report: serde_json::Value = serde_json::from_slice(&failing.stdout).expect("the report, printed anyway");
    assert_eq!(report["failed_steps"][0]["step"], "sending", "{report}");

    // The loop logs each failed tick and goes on.
    let mut worker = occ(&db, &["worker"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("start worker");
    let log = BufReader::new(worker.stderr.take().expect("stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in log.lines().map_while(Result::ok) {
            if line.contains("\"message\":\"tick\"") && line.contains("failed_steps") {
                let _ = tx.send(());
            }
        }
    });
    for n in 1..=2 {
        assert!(rx.recv_timeout(Duration::from_secs(60)).is_ok(), "tick {n} with its failure was not logged");
    }
    assert!(worker.try_wait().expect("status").is_none(), "the worker is still running after failed ticks");
    worker.kill().expect("kill");
    let _ = worker.wait();
}
