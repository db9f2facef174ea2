//! Security and CORS headers, written once for the API, the static files and vercel.json.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};

/// The Content-Security-Policy of the single-page app: scripts and styles only from this
/// origin, no inline scripts, no framing.
pub const SPA_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The Content-Security-Policy of API responses: they are data, never a page.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Whether the request reached us over HTTPS (directly or through the platform's proxy).
pub fn is_https<B>(req: &Request<B>) -> bool {
    req.uri().scheme_str() == Some("https")
        || req.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn common(h: &mut HeaderMap, https: bool) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
}

/// Headers for every API response.
pub fn api_security(h: &mut HeaderMap, https: bool) {
    common(h, https);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(API_CSP));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
}

/// Headers for the app's static files.
pub fn static_security(h: &mut HeaderMap, https: bool) {
    common(h, https);
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SPA_CSP));
}

fn allowed<'a>(allowed_origins: &[String], origin: Option<&'a HeaderValue>) -> Option<&'a HeaderValue> {
    let origin = origin?;
    let text = origin.to_str().ok()?;
    allowed_origins.iter().any(|o| o == text).then_some(origin)
}

/// CORS headers on a response, only for an allowed origin; never `*`.
pub fn cors(h: &mut HeaderMap, allowed_origins: &[String], origin: Option<&HeaderValue>) {
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed(allowed_origins, origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-request-id, location, retry-after"),
        );
    }
}

/// The answer to a CORS preflight, or `None` when the request is not one. A preflight from an
/// origin that is not allowed gets a 204 without CORS headers, which the browser refuses.
pub fn preflight<B>(req: &Request<B>, allowed_origins: &[String]) -> Option<Response<Bytes>> {
    if req.method() != Method::OPTIONS || !req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return None;
    }
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    if allowed(allowed_origins, req.headers().get(header::ORIGIN)).is_some() {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PATCH, PUT, DELETE"));
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, x-request-id, x-csrf-token"),
        );
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    Some(response)
}
