//! Unsubscribing: every email carries a signed per-recipient link under `OCC_PUBLIC_URL`.
//! `GET` shows a small confirmation page; `POST` (the page's button, or a mail client's RFC 8058
//! one-click request) suppresses the address at once, marks the person do-not-contact on every
//! channel and ends their sequences. No sign-in is needed: the signature is the authority, made
//! with a key derived from `OCC_SECRET_KEY`, so a tampered link is refused.

use ::http::{Request, Response, StatusCode, header};
use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::access::Access::Public;
use crate::audit::{self, Actor};
use crate::channels::suppression::add_in;
use crate::config::{Config, Secret};
use crate::contacts::actions::stop_outreach_in;
use crate::domain::enums::{ContactStatus, SuppressionKind, SuppressionReason};
use crate::error::{AppError, AppResult};
use crate::handler;
use crate::http::{self, Ctx, RequestMeta, Routes};
use crate::store::{Batch, from_row};

/// The unsubscribe routes (in the channels family; public).
pub fn routes() -> Routes {
    Routes::new().get("/api/v1/unsubscribe/{token}", Public, handler!(page)).post(
        "/api/v1/unsubscribe/{token}",
        Public,
        handler!(confirm),
    )
}

fn mac(key: &Secret) -> Hmac<Sha256> {
    // The signing key is derived, so it is not the key that seals secrets at rest.
    let derived = Sha256::new().chain_update(b"occ-unsubscribe-v1:").chain_update(key.expose().as_bytes()).finalize();
    <Hmac<Sha256> as Mac>::new_from_slice(&derived).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The token of a contact's link: its id and a signature.
pub fn token(key: &Secret, contact_id: &str) -> String {
    let signature = mac(key).chain_update(contact_id.as_bytes()).finalize().into_bytes();
    format!("{contact_id}.{}", hex(&signature[..16]))
}

/// The contact a token names, when its signature holds.
pub fn verify(key: &Secret, token: &str) -> Option<String> {
    let (contact_id, signature) = token.rsplit_once('.')?;
    let bytes: Vec<u8> = (0..signature.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(signature.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    let mut check = mac(key);
    check.update(contact_id.as_bytes());
    check.verify_truncated_left(&bytes).ok()?;
    (bytes.len() == 16).then(|| contact_id.to_owned())
}

/// The link for a contact, when the deployment has a public URL and a secret key.
pub fn link(config: &Config, contact_id: &str) -> Option<String> {
    let base = config.public_url.as_deref()?;
    let key = config.secret_key.as_ref()?;
    Some(format!("{base}/api/v1/unsubscribe/{}", token(key, contact_id)))
}

fn html(status: StatusCode, title: &str, body: &str) -> AppResult<Response<Bytes>> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head><body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem\">\
         <h1 style=\"font-size:1.4rem\">{title}</h1>{body}</body></html>"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Bytes::from(page))
        .map_err(|e| AppError::Internal(e.into()))
}

/// The contact of a request's token; a bad signature is a 404 page (nothing to confirm).
fn contact_of(ctx: &Ctx, req: &Request<Bytes>) -> Option<String> {
    let key = ctx.config.secret_key.as_ref()?;
    let token = http::path_id(req, "token", "link", |t| Some(t.to_owned())).ok()?;
    verify(key, &token)
}

/// The confirmation page (HTML; public, the signed token is the authority).
#[utoipa::path(get, path = "/api/v1/unsubscribe/{token}", tag = "suppression", params(("token" = String, Path)),
    responses((status = 200, description = "A page with the Unsubscribe button", content_type = "text/html"),
        (status = 404, description = "The link is not valid", content_type = "text/html")),
    security(()))]
pub(crate) async fn page(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    if contact_of(ctx, &req).is_none() {
        return html(
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "<p>The link may have been copied incompletely.</p>",
        );
    }
    html(
        StatusCode::OK,
        "Unsubscribe",
        "<p>Stop receiving messages from us?</p><form method=\"post\"><button type=\"submit\" \
         style=\"font-size:1rem;padding:.5rem 1rem\">Unsubscribe</button></form>",
    )
}

/// The person a link unsubscribes: their address and status.
#[derive(Deserialize)]
struct ContactRow {
    email: Option<String>,
    status: String,
}

/// Unsubscribe at once (the page's button, or RFC 8058 one-click): the address is suppressed,
/// the person is do-not-contact and leaves every sequence. Doing it twice is harmless.
#[utoipa::path(post, path = "/api/v1/unsubscribe/{token}", tag = "suppression", params(("token" = String, Path)),
    responses((status = 200, description = "Unsubscribed", content_type = "text/html"),
        (status = 404, description = "The link is not valid", content_type = "text/html")),
    security(()))]
pub(crate) async fn confirm(ctx: &Ctx, req: Request<Bytes>) -> AppResult<Response<Bytes>> {
    let Some(contact_id) = contact_of(ctx, &req) else {
        return html(
            StatusCode::NOT_FOUND,
            "This link is not valid",
            "<p>The link may have been copied incompletely.</p>",
        );
    };
    let request_id = RequestMeta::of(&req)?.request_id.clone();
    let actor = Actor { name: "unsubscribe_link".to_owned(), user_id: None, request_id: Some(request_id) };
    let at = crate::domain::now();
    let conn = ctx.conn().await?;
    conn.read_then_write(async |conn| {
        let contact: Option<ContactRow> =
            conn.query_opt("SELECT email, status FROM contacts WHERE id = ?1", [contact_id.as_str()], from_row).await?;
        let mut batch = Batch::new();
        // An erased or deleted person has nothing left to suppress beyond their hash.
        let Some(ContactRow { email, status }) = contact else { return Ok((batch, ())) };
        if let Some(email) = email {
            let entry = [(SuppressionKind::Email, email)];
            add_in(&mut batch, &actor, &entry, SuppressionReason::Unsubscribe, "unsubscribe_page", None, &at)?;
        }
        if status != ContactStatus::DoNotContact.as_str() {
            audit::record_in(
                &mut batch,
                &actor,
                "contact.unsubscribed",
                "contact",
                &contact_id,
                Some("unsubscribe link"),
            )?;
            batch.push(
                "UPDATE contacts SET status = 'do_not_contact', updated_at = ?2 WHERE id = ?1",
                libsql::params![contact_id.as_str(), at.as_str()],
            )?;
        }
        stop_outreach_in(&mut batch, std::slice::from_ref(&contact_id), ContactStatus::DoNotContact, &at)?;
        Ok((batch, ()))
    })
    .await?;
    html(StatusCode::OK, "You are unsubscribed", "<p>You will not hear from us again.</p>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_signed_for_its_contact_only() {
        let key = Secret::new("a-test-key".to_owned());
        let t = token(&key, "0195-a");
        assert_eq!(verify(&key, &t).as_deref(), Some("0195-a"));
        assert_eq!(verify(&Secret::new("another".to_owned()), &t), None, "another key");
        let (_, signature) = t.rsplit_once('.').expect("signed");
        assert_eq!(verify(&key, &format!("0195-b.{signature}")), None, "another contact");
        assert_eq!(verify(&key, "0195-a"), None);
        assert_eq!(verify(&key, &format!("{}0", &t[..t.len() - 1])), None, "a changed signature");
        assert_eq!(verify(&key, &t[..t.len() - 2]), None, "a shortened signature");
    }
}
