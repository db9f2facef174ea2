//! What every layer may know of a request before its handler runs: its id, the client's
//! address (believed from forwarding headers only where they can be trusted), and how much body
//! it may send, how fast.

use std::net::IpAddr;

use http::Request;

use crate::config::Config;
use crate::error::{AppError, AppResult};

/// Facts about the request that every layer may read, in its extensions.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The request id: the caller's `x-request-id` if it is sane, else a new one.
    pub request_id: String,
    /// The client's address, as far as it is known.
    pub client_ip: Option<IpAddr>,
}

impl RequestMeta {
    /// The meta of a request that went through [`handle`].
    pub fn of<B>(req: &Request<B>) -> AppResult<&RequestMeta> {
        req.extensions().get::<RequestMeta>().ok_or_else(|| AppError::Internal(anyhow::anyhow!("request meta missing")))
    }
}

/// How long a request's body may take to arrive (4 MiB at a slow 150 KiB/s).
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The largest body a route accepts: 4 MiB for import chunks, 1 MiB elsewhere.
pub fn body_limit(path: &str) -> usize {
    if path.starts_with("/api/v1/imports/") && path.contains("/chunks/") { 4 << 20 } else { 1 << 20 }
}

pub(super) fn request_id<B>(req: &Request<B>) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .map_or_else(crate::domain::new_id, str::to_owned)
}

/// The client's address. Forwarding headers are believed only from whom they can be: on
/// Vercel the platform's own header (the function sees no peer); behind a trusted proxy
/// (`OCC_TRUSTED_PROXIES`) the last address in `X-Forwarded-For` that is not a trusted proxy;
/// otherwise the connection's own address, whatever the headers say.
pub(super) fn client_ip<B>(req: &Request<B>, peer: Option<IpAddr>, config: &Config) -> Option<IpAddr> {
    let forwarded = |name: &str| -> Vec<IpAddr> {
        req.headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|hop| hop.trim().parse().ok())
            .collect()
    };
    match peer {
        None if config.on_vercel => {
            let vercel = forwarded("x-vercel-forwarded-for");
            vercel.first().or(forwarded("x-forwarded-for").first()).copied()
        }
        None => None,
        Some(ip) if config.trusts_proxy(ip) => {
            let hops = forwarded("x-forwarded-for");
            hops.iter().rev().find(|hop| !config.trusts_proxy(**hop)).or(hops.first()).copied().or(Some(ip))
        }
        Some(ip) => Some(ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarding_headers_are_believed_only_from_trusted_proxies() {
        let req = |forwarded: &str| Request::builder().header("x-forwarded-for", forwarded).body(()).expect("request");
        let ip = |text: &str| text.parse::<IpAddr>().expect("ip");
        let local = Config::local("unused");
        let spoofed = req("203.0.113.9");
        assert_eq!(client_ip(&spoofed, Some(ip("127.0.0.1")), &local), Some(ip("127.0.0.1")), "loopback is no proxy");
        assert_eq!(client_ip(&spoofed, None, &local), None);
        let mut behind = Config::local("unused");
        behind.trusted_proxies = vec!["10.0.0.0/8".parse().expect("net")];
        let chain = req("198.51.100.1, 203.0.113.9, 10.0.0.2");
        assert_eq!(client_ip(&chain, Some(ip("10.0.0.1")), &behind), Some(ip("203.0.113.9")), "the last untrusted hop");
        assert_eq!(client_ip(&chain, Some(ip("192.0.2.1")), &behind), Some(ip("192.0.2.1")), "an untrusted peer");
        assert_eq!(client_ip(&req("garbage"), Some(ip("10.0.0.1")), &behind), Some(ip("10.0.0.1")));
        let mut vercel = Config::local("unused");
        vercel.on_vercel = true;
        let platform = Request::builder()
            .header("x-vercel-forwarded-for", "198.51.100.7")
            .header("x-forwarded-for", "203.0.113.9")
            .body(())
            .expect("request");
        assert_eq!(client_ip(&platform, None, &vercel), Some(ip("198.51.100.7")));
    }

    #[test]
    fn only_import_chunks_may_send_four_mebibytes() {
        assert_eq!(body_limit("/api/v1/imports/01/chunks/3"), 4 << 20);
        assert_eq!(body_limit("/api/v1/accounts"), 1 << 20);
    }
}
