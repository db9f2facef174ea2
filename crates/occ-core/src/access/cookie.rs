//! The session cookie: `occ_session`, HttpOnly, SameSite=Strict, Secure except on plain-http
//! localhost (where browsers would drop a Secure cookie).

use ::http::{HeaderMap, HeaderValue, header};

/// The cookie's name.
pub const NAME: &str = "occ_session";

/// The session secret from the `Cookie` header, if any.
pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether the request came over plain HTTP to this machine, the one case without `Secure`.
pub fn is_plain_localhost(headers: &HeaderMap, https: bool) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let name =
        host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host });
    !https && matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

/// `Set-Cookie` for a new session lasting `max_age_secs`.
pub fn set(secret: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{NAME}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("occ_session=; Path=/; Max-Age=0"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("occ_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("occ_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_secret_is_found_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("theme=dark; occ_session=abc123 ; other=1"));
        assert_eq!(session_secret(&headers).as_deref(), Some("abc123"));
        headers.insert(header::COOKIE, HeaderValue::from_static("occ_session_old=zzz"));
        assert_eq!(session_secret(&headers), None);
    }

    #[test]
    fn only_plain_http_localhost_goes_without_secure() {
        let host = |h: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, HeaderValue::from_static(h));
            headers
        };
        assert!(is_plain_localhost(&host("localhost:3000"), false));
        assert!(is_plain_localhost(&host("127.0.0.1:3000"), false));
        assert!(!is_plain_localhost(&host("127.0.0.1:3000"), true));
        assert!(!is_plain_localhost(&host("occ.example.com"), false));
        assert!(set("s", 60, true).to_str().expect("ascii").contains("HttpOnly; SameSite=Strict"));
    }
}
