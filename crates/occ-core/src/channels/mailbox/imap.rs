//! The IMAP conversation (with `async-imap` over tokio, TLS by rustls): connect as the identity
//! says (TLS, STARTTLS or plain), sign in, open INBOX read-only (`EXAMINE`), find the messages
//! after the last UID taken, and fetch them with `BODY.PEEK[]`, so nothing in the mailbox is
//! marked, moved or deleted. Every exchange has a timeout.
//!
//! `async-imap` traces every command it sends, the LOGIN with its password included, through the
//! `log` crate. OCC installs no `log` backend (its logs are `tracing`'s), so those lines go
//! nowhere; a bridge from `log` to `tracing` would have to leave `async_imap` out.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_imap::{Client, Session};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt as _;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::domain::enums::SmtpSecurity;

/// How long one exchange with the server (connecting, signing in, a command) may take.
pub const IMAP_TIMEOUT: Duration = Duration::from_secs(15);
/// The most of one message fetched: a larger one is read from its first bytes (the headers and
/// the text come first).
pub const MOST_MESSAGE_BYTES: u32 = 1_048_576;

/// Where and as whom to sign in.
pub(crate) struct Login<'a> {
    pub host: &'a str,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: &'a str,
    pub password: &'a str,
}

/// A connection's bytes, whatever carries them.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// An open, signed-in session with INBOX examined.
pub(crate) struct Inbox {
    session: Session<Box<dyn Io>>,
    /// The mailbox's UIDVALIDITY.
    pub uidvalidity: u32,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").field("uidvalidity", &self.uidvalidity).finish_non_exhaustive()
    }
}

/// What went wrong, in words a person can act on (never the password, never a message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct ImapError(pub String);

/// Runs one exchange within [`IMAP_TIMEOUT`], saying what `doing` was if it fails.
async fn timed<T, E: std::fmt::Display>(doing: &str, work: impl Future<Output = Result<T, E>>) -> Result<T, ImapError> {
    match tokio::time::timeout(IMAP_TIMEOUT, work).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(ImapError(format!("{doing}: {e}"))),
        Err(_) => Err(ImapError(format!("{doing}: the server did not answer in {} seconds", IMAP_TIMEOUT.as_secs()))),
    }
}

/// The TLS settings: the web's roots, built once per process.
fn tls() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
        Arc::new(config)
    });
    TlsConnector::from(Arc::clone(config))
}

/// Wraps a connection in TLS for `host`.
async fn encrypt(host: &str, tcp: TcpStream) -> Result<Box<dyn Io>, ImapError> {
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| ImapError(format!("{host} is not a name a certificate can be checked against")))?;
    let stream = timed("TLS", tls().connect(name, tcp)).await?;
    Ok(Box::new(stream))
}

/// Connects and signs in as `login` says, and examines INBOX.
pub(crate) async fn open(login: &Login<'_>) -> Result<Inbox, ImapError> {
    let address = (login.host, login.port);
    let tcp = timed(&format!("connecting to {}:{}", login.host, login.port), TcpStream::connect(address)).await?;
    let stream: Box<dyn Io> = match login.security {
        SmtpSecurity::Tls => encrypt(login.host, tcp).await?,
        SmtpSecurity::Starttls => {
            let mut client = Client::new(tcp);
            greeting(&mut client).await?;
            timed("STARTTLS", client.run_command_and_check_ok("STARTTLS", None)).await?;
            encrypt(login.host, client.into_inner()).await?
        }
        SmtpSecurity::None => Box::new(tcp),
    };
    let mut client = Client::new(stream);
    // After STARTTLS the server sends no second greeting.
    if login.security != SmtpSecurity::Starttls {
        greeting(&mut client).await?;
    }
    let signed_in = tokio::time::timeout(IMAP_TIMEOUT, client.login(login.username, login.password)).await;
    let mut session = match signed_in {
        Ok(Ok(session)) => session,
        Ok(Err((e, _))) => return Err(ImapError(format!("signing in: {e}"))),
        Err(_) => return Err(ImapError("signing in: the server did not answer in time".to_owned())),
    };
    let inbox = timed("opening INBOX", session.examine("INBOX")).await?;
    let uidvalidity = inbox.uid_validity.ok_or_else(|| ImapError("the server gave INBOX no UIDVALIDITY".to_owned()))?;
    Ok(Inbox { session, uidvalidity })
}

async fn greeting(
    client: &mut Client<impl AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug>,
) -> Result<(), ImapError> {
    match timed("reading the greeting", client.read_response()).await? {
        Some(_) => Ok(()),
        None => Err(ImapError("the server closed the connection before greeting".to_owned())),
    }
}

impl Inbox {
    /// The UIDs after `last_uid` of messages that arrived since `since`, lowest first.
    pub(crate) async fn new_uids(&mut self, last_uid: u32, since: DateTime<Utc>) -> Result<Vec<u32>, ImapError> {
        let first = last_uid.saturating_add(1);
        let query = format!("UID {first}:* SINCE {}", since.format("%-d-%b-%Y"));
        let found = timed("searching INBOX", self.session.uid_search(query)).await?;
        // `n:*` always names the last message, even below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > last_uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The messages of `uids` (their first [`MOST_MESSAGE_BYTES`]), without marking them seen.
    pub(crate) async fn fetch(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, ImapError> {
        if uids.is_empty() {
            return Ok(Vec::new());
        }
        let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let query = format!("(UID BODY.PEEK[]<0.{MOST_MESSAGE_BYTES}>)");
        let fetched: Vec<_> = timed("fetching messages", async {
            self.session.uid_fetch(set, query).await?.try_collect::<Vec<_>>().await
        })
        .await?;
        let mut messages: Vec<(u32, Vec<u8>)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.body().map(<[u8]>::to_vec).unwrap_or_default())))
            .filter(|(uid, _)| uids.contains(uid))
            .collect();
        messages.sort_by_key(|(uid, _)| *uid);
        Ok(messages)
    }

    /// Says goodbye, briefly: whether the server answers changes nothing.
    pub(crate) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.session.logout()).await;
    }
}
