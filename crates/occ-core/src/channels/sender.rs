//! Sending email over SMTP with `lettre`: one message's conversation for an identity, told
//! apart by stage so that a failure says whether the message may have been delivered, and the
//! test message that checks an identity's settings and reports the conversation's outcome.

use std::time::Duration;

use ::http::{Request, Response};
use bytes::Bytes;
use lettre::Message;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response as SmtpResponse;
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit;
use crate::channels::identities::{self, Identity, identity_columns};
use crate::crypto::SecretBox;
use crate::domain::enums::SmtpSecurity;
use crate::domain::text::one_line;
use crate::domain::{EmailAddress, new_id};
use crate::error::{AppError, AppResult, ErrorResponse};
use crate::http::{self, Ctx, RequestMeta};
use crate::store::{Conn, from_row};

/// How long one SMTP conversation may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the goodbye after a message may take.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(2);

/// An identity with its SMTP password, opened.
pub struct Sender {
    /// The identity.
    pub identity: Identity,
    password: Option<String>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("identity", &self.identity.id).finish_non_exhaustive()
    }
}

/// The sealed password read beside an identity's columns.
#[derive(Deserialize)]
struct SealedRow {
    password_encrypted: Option<Vec<u8>>,
}

impl Sender {
    /// Loads an identity with its sealed password and opens it with `OCC_SECRET_KEY` (one call).
    pub async fn load(ctx: &Ctx, conn: &Conn, id: &str) -> AppResult<Self> {
        let (identity, sealed) = conn
            .query_one(
                "identity",
                concat!("SELECT ", identity_columns!(), ", password_encrypted FROM email_identities WHERE id = ?1"),
                [id],
                |row| Ok((identities::decode(row)?, from_row::<SealedRow>(row)?.password_encrypted)),
            )
            .await?;
        let password = match sealed {
            None => None,
            Some(bytes) => {
                let secrets = SecretBox::from_key(ctx.config.secret_key.as_ref())
                    .map_err(|e| AppError::Unavailable(e.to_string()))?;
                let text =
                    String::from_utf8(bytes).map_err(|_| AppError::Internal(anyhow::anyhow!("sealed password")))?;
                Some(secrets.open(&text).map_err(|e| {
                    AppError::Unavailable(format!("the identity's SMTP password cannot be opened ({e}); set it again"))
                })?)
            }
        };
        Ok(Self { identity, password })
    }

    /// An identity with its password already opened.
    pub fn with_password(identity: Identity, password: Option<String>) -> Self {
        Self { identity, password }
    }

    /// Connects, encrypts as the identity says and signs in: nothing of a message has gone yet.
    async fn connect(&self) -> Result<AsyncSmtpConnection, lettre::transport::smtp::Error> {
        let host = self.identity.smtp_host.as_str();
        let port = u16::try_from(self.identity.smtp_port).unwrap_or(0);
        let hello = ClientId::default();
        let tls = || TlsParameters::new(host.to_owned());
        let mut conn = match self.identity.smtp_security {
            SmtpSecurity::Tls => {
                AsyncSmtpConnection::connect_tokio1((host, port), Some(SMTP_TIMEOUT), &hello, Some(tls()?), None)
                    .await?
            }
            SmtpSecurity::Starttls => {
                let mut conn =
                    AsyncSmtpConnection::connect_tokio1((host, port), Some(SMTP_TIMEOUT), &hello, None, None).await?;
                conn.starttls(tls()?, &hello).await?;
                conn
            }
            SmtpSecurity::None => {
                AsyncSmtpConnection::connect_tokio1((host, port), Some(SMTP_TIMEOUT), &hello, None, None).await?
            }
        };
        if let (Some(user), Some(password)) = (&self.identity.smtp_username, &self.password) {
            conn.auth(DEFAULT_MECHANISMS, &Credentials::new(user.clone(), password.clone())).await?;
        }
        Ok(conn)
    }

    /// Sends one message: the server's reply when it accepted it, or how it failed. Until the
    /// message's content is on its way a failure means it was not sent; a break while it is
    /// (no reply, a dropped connection, a timeout) leaves it uncertain.
    pub async fn deliver(&self, message: &Message) -> Result<SmtpResponse, Failure> {
        let stage = |e: lettre::transport::smtp::Error| Failure::NotSent {
            permanent: e.is_permanent(),
            code: e.status().map(|c| c.to_string()),
            reason: e.to_string(),
        };
        let late = || Failure::Mailbox("the SMTP server did not answer in time".to_owned());
        let envelope = message.envelope();
        let bytes = message.formatted();
        let mut conn = tokio::time::timeout(SMTP_TIMEOUT, self.connect())
            .await
            .map_err(|_| late())?
            .map_err(|e| Failure::Mailbox(e.to_string()))?;
        tokio::time::timeout(SMTP_TIMEOUT, async {
            let options =
                if bytes.is_ascii() { vec![] } else { vec![MailParameter::Body(MailBodyParameter::EightBitMime)] };
            conn.command(Mail::new(envelope.from().cloned(), options)).await?;
            for to in envelope.to() {
                conn.command(Rcpt::new(to.clone(), vec![])).await?;
            }
            conn.command(Data).await
        })
        .await
        .map_err(|_| late())?
        .map_err(stage)?;
        let outcome = match tokio::time::timeout(SMTP_TIMEOUT, conn.message(&bytes)).await {
            Ok(Ok(response)) => Ok(response),
            // The server answered no: it did not take the message.
            Ok(Err(e)) if e.is_transient() || e.is_permanent() => Err(stage(e)),
            Ok(Err(e)) => Err(Failure::Uncertain(e.to_string())),
            Err(_) => Err(Failure::Uncertain("the SMTP server did not confirm the message in time".to_owned())),
        };
        // A goodbye, briefly: the outcome is known and a server that does not answer changes nothing.
        let _ = tokio::time::timeout(GOODBYE_TIMEOUT, conn.quit()).await;
        outcome
    }

    /// The From mailbox.
    pub fn from(&self) -> AppResult<Mailbox> {
        let address = self
            .identity
            .from_email
            .parse()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored identity address does not parse")))?;
        // Folded onto one line: a line break in a stored name must not end the header early.
        let name = one_line(&self.identity.from_name).trim().to_owned();
        Ok(Mailbox::new(Some(name).filter(|n| !n.is_empty()), address))
    }

    /// A Message-ID of this identity's domain for the message `local` names (`<local@domain>`).
    pub fn message_id(&self, local: &str) -> String {
        message_id(&self.identity.from_email, local)
    }
}

/// How a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The mailbox could not be used (no connection, TLS or sign-in failed, no answer before the
    /// message): nothing was sent, and the identity's other messages would fare the same.
    Mailbox(String),
    /// The server refused the message (sender, recipient or content), so it was not sent.
    /// `permanent` (a 5xx reply): trying again will not help.
    NotSent {
        /// Whether the refusal was permanent.
        permanent: bool,
        /// The server's reply code, when it answered.
        code: Option<String>,
        /// What went wrong.
        reason: String,
    },
    /// The conversation broke while the message was on its way: it may have been delivered.
    Uncertain(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Mailbox(reason) | Self::NotSent { reason, .. } => f.write_str(reason),
            Self::Uncertain(reason) => write!(f, "the message may have been delivered: {reason}"),
        }
    }
}

/// `POST /api/v1/identities/{id}/test`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSend {
    /// Where to send the test message.
    pub to: String,
}

/// How the SMTP conversation went.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TestResult {
    /// Whether the server accepted the message.
    pub ok: bool,
    /// The server's reply code, when it answered.
    pub code: Option<String>,
    /// The server's reply, or what went wrong (connection, TLS, authentication ...).
    pub message: String,
}

/// Send a test message from an identity and report the SMTP conversation's outcome
/// (managers and admins; audited). A failure is reported in the body, with 200.
#[utoipa::path(post, path = "/api/v1/identities/{id}/test", tag = "identities", request_body = TestSend,
    params(("id" = String, Path)),
    responses((status = 200, body = TestResult), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse)))]
pub(crate) async fn test_send(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let principal = Principal::of(&req)?;
    let id = http::path_uuid(&req, "id", "identity")?;
    let body: TestSend = http::body_json(&req)?;
    let to = EmailAddress::parse(&body.to).map_err(|m| AppError::invalid("to", "format", m))?;
    let actor = principal.actor(&RequestMeta::of(&req)?.request_id);
    let conn = ctx.conn().await?;
    let sender = Sender::load(ctx, &conn, &id).await?;
    let message = Message::builder()
        .from(sender.from()?)
        .to(Mailbox::new(None, to.as_str().parse().map_err(|_| AppError::invalid("to", "format", "not an address"))?))
        .message_id(Some(sender.message_id(&new_id())))
        .subject("OCC test message")
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "This is a test message from {} <{}>, sent by OCC to check the mailbox's settings.\n",
            sender.identity.from_name, sender.identity.from_email
        ))
        .map_err(|e| AppError::Internal(e.into()))?;
    let result = match sender.deliver(&message).await {
        Ok(response) => TestResult {
            ok: response.is_positive(),
            code: Some(response.code().to_string()),
            message: response.message().collect::<Vec<_>>().join(" "),
        },
        Err(e) => {
            let code = match &e {
                Failure::NotSent { code, .. } => code.clone(),
                Failure::Mailbox(_) | Failure::Uncertain(_) => None,
            };
            TestResult { ok: false, code, message: e.to_string() }
        }
    };
    let view = serde_json::json!({"to": to.as_str(), "ok": result.ok, "code": result.code});
    audit::record_with(&conn, &actor, "identity.test", "identity", &id, None, Some(&view)).await?;
    http::ok(&result)
}

/// A Message-ID of the domain of `from_email` for the message `local` names (`<local@domain>`).
pub fn message_id(from_email: &str, local: &str) -> String {
    let domain = from_email.rsplit_once('@').map_or("", |(_, d)| d);
    format!("<{local}@{domain}>")
}
