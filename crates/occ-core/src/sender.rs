//! Sending email over SMTP with `lettre`: the transport for an identity, and the test message
//! that checks an identity's settings and reports the SMTP conversation's outcome.

use std::time::Duration;

use ::http::{Request, Response};
use bytes::Bytes;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit;
use crate::crypto::SecretBox;
use crate::domain::EmailAddress;
use crate::domain::enums::SmtpSecurity;
use crate::error::{AppError, AppResult};
use crate::http::{self, Ctx, RequestMeta};
use crate::identities::{Identity, identity_columns};
use crate::openapi::ErrorResponse;
use crate::store::{Conn, col};

/// How long one SMTP conversation may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

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

impl Sender {
    /// Loads an identity with its sealed password and opens it with `OCC_SECRET_KEY` (one call).
    pub async fn load(ctx: &Ctx, conn: &Conn, id: &str) -> AppResult<Self> {
        let (identity, sealed) = conn
            .query_one(
                "identity",
                concat!("SELECT ", identity_columns!(), ", password_encrypted FROM email_identities WHERE id = ?1"),
                [id],
                |row| Ok((crate::identities::decode(row)?, col::<Option<Vec<u8>>>(row, 21)?)),
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

    /// The SMTP transport for this identity.
    pub fn transport(&self) -> AppResult<AsyncSmtpTransport<Tokio1Executor>> {
        let host = self.identity.smtp_host.as_str();
        let failed = |e: lettre::transport::smtp::Error| AppError::invalid("smtp_host", "smtp", e.to_string());
        let builder = match self.identity.smtp_security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(failed)?,
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(failed)?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let port = u16::try_from(self.identity.smtp_port)
            .map_err(|_| AppError::invalid("smtp_port", "range", "out of range"))?;
        let builder = builder.port(port).timeout(Some(SMTP_TIMEOUT));
        let builder = match (&self.identity.smtp_username, &self.password) {
            (Some(user), Some(password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
            _ => builder,
        };
        Ok(builder.build())
    }

    /// The From mailbox.
    pub fn from(&self) -> AppResult<Mailbox> {
        let address = self
            .identity
            .from_email
            .parse()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("stored identity address does not parse")))?;
        Ok(Mailbox::new(Some(self.identity.from_name.clone()), address))
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
        .subject("OCC test message")
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "This is a test message from {} <{}>, sent by OCC to check the mailbox's settings.\n",
            sender.identity.from_name, sender.identity.from_email
        ))
        .map_err(|e| AppError::Internal(e.into()))?;
    let result = match sender.transport()?.send(message).await {
        Ok(response) => TestResult {
            ok: response.is_positive(),
            code: Some(response.code().to_string()),
            message: response.message().collect::<Vec<_>>().join(" "),
        },
        Err(e) => TestResult { ok: false, code: e.status().map(|c| c.to_string()), message: e.to_string() },
    };
    let view = serde_json::json!({"to": to.as_str(), "ok": result.ok, "code": result.code});
    audit::record_with(&conn, &actor, "identity.test", "identity", &id, None, Some(&view)).await?;
    http::ok(&result)
}
