//! The app's files as the local server sends them: each with an `ETag` (a hash of its bytes)
//! and `Last-Modified`, answered `304 Not Modified` when the browser's copy is current, gzipped
//! for a browser that accepts it, and cached by the browser as long as their names promise:
//! files under `vendor/` carry their version in their name and never change
//! (`immutable`, a year); every other file is checked again on each use (`no-cache`), so an
//! edited file is seen at once. Any path that is not a file is the app's own route, answered
//! with `index.html`.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use sha2::{Digest, Sha256};

/// Files smaller than this are sent as they are: compressing them saves less than it costs.
const COMPRESS_FROM: usize = 1024;

/// How long the browser keeps a file whose name carries its version.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The app's folder, with what it has read of each file.
#[derive(Debug)]
pub(super) struct Assets {
    root: PathBuf,
    read: Mutex<HashMap<PathBuf, Arc<Asset>>>,
}

/// One file as it is sent: its bytes (and gzipped, when that is worth it) and its validators.
#[derive(Debug)]
struct Asset {
    /// The file's modification time and length when it was read: a change of either reads it again.
    stamp: (SystemTime, u64),
    etag: HeaderValue,
    last_modified: HeaderValue,
    modified: SystemTime,
    mime: HeaderValue,
    bytes: Bytes,
    gzip: Option<Bytes>,
}

impl Assets {
    pub(super) fn new(root: PathBuf) -> Self {
        Self { root, read: Mutex::new(HashMap::new()) }
    }

    /// The answer to a request for `path` outside the API.
    pub(super) async fn answer(&self, method: &Method, path: &str, headers: &HeaderMap) -> Response<Bytes> {
        if method != Method::GET && method != Method::HEAD {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        let relative = Path::new(path.trim_start_matches('/'));
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return plain(StatusCode::NOT_FOUND, "not found");
        }
        let file = self.root.join(relative);
        let asset = match self.asset(&file).await {
            Some(asset) if !relative.as_os_str().is_empty() => asset,
            _ if relative.extension().is_some() => return plain(StatusCode::NOT_FOUND, "not found"),
            _ => match self.asset(&self.root.join("index.html")).await {
                Some(index) => index,
                None => return plain(StatusCode::NOT_FOUND, "the app is not built into this folder"),
            },
        };
        let versioned = relative.starts_with("vendor");
        send(&asset, method, headers, versioned)
    }

    /// The file at `file`, read again only when it changed since it was last read.
    async fn asset(&self, file: &Path) -> Option<Arc<Asset>> {
        let meta = tokio::fs::metadata(file).await.ok().filter(std::fs::Metadata::is_file)?;
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let stamp = (modified, meta.len());
        if let Some(known) = self.read.lock().ok()?.get(file).filter(|a| a.stamp == stamp) {
            return Some(known.clone());
        }
        let bytes = tokio::fs::read(file).await.ok()?;
        let asset = Arc::new(Asset::of(file, stamp, bytes));
        self.read.lock().ok()?.insert(file.to_owned(), asset.clone());
        Some(asset)
    }
}

impl Asset {
    fn of(file: &Path, stamp: (SystemTime, u64), bytes: Vec<u8>) -> Self {
        let mime = mime_guess::from_path(file).first_or_octet_stream();
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
        let compressible = matches!(mime.type_().as_str(), "text")
            || matches!(mime.subtype().as_str(), "javascript" | "json" | "svg")
            || mime.suffix().is_some_and(|s| s.as_str() == "xml");
        let gzip = (compressible && bytes.len() >= COMPRESS_FROM).then(|| gzip(&bytes)).flatten();
        // Whole seconds, as the header says it and as a browser sends it back.
        let modified = httpdate::parse_http_date(&httpdate::fmt_http_date(stamp.0)).unwrap_or(stamp.0);
        Self {
            stamp,
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(modified))
                .unwrap_or(HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT")),
            modified,
            mime: HeaderValue::from_str(mime.essence_str())
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            bytes: Bytes::from(bytes),
            gzip,
        }
    }

    /// Whether the browser's copy, as its conditional headers describe it, is this one.
    fn is_current(&self, headers: &HeaderMap) -> bool {
        if let Some(tags) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
            let ours = self.etag.to_str().unwrap_or_default();
            return tags.split(',').map(|t| t.trim().trim_start_matches("W/")).any(|t| t == ours || t == "*");
        }
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| self.modified <= since)
    }
}

/// The answer for `asset`: 304 when the browser's copy is current, else the file, gzipped when
/// the browser accepts it.
fn send(asset: &Asset, method: &Method, headers: &HeaderMap, versioned: bool) -> Response<Bytes> {
    let current = asset.is_current(headers);
    let gzipped = asset.gzip.as_ref().filter(|_| accepts_gzip(headers));
    let body = match (current, gzipped) {
        (true, _) => Bytes::new(),
        (false, Some(gz)) => gz.clone(),
        (false, None) => asset.bytes.clone(),
    };
    let mut response = Response::new(if method == Method::HEAD { Bytes::new() } else { body });
    if current {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, asset.mime.clone());
    h.insert(header::ETAG, asset.etag.clone());
    h.insert(header::LAST_MODIFIED, asset.last_modified.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if versioned { IMMUTABLE } else { "no-cache" }));
    if asset.gzip.is_some() {
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if gzipped.is_some() && !current {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Whether the request accepts gzip (and does not refuse it with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "").trim_start_matches("q=").parse::<f32>() == Ok(0.0));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        },
    )
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn plain(status: StatusCode, text: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(text.as_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&headers(&[("accept-encoding", "gzip, deflate, br")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "br;q=1.0, gzip;q=0.8")])));
        assert!(accepts_gzip(&headers(&[("accept-encoding", "*")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "gzip;q=0")])));
        assert!(!accepts_gzip(&headers(&[("accept-encoding", "br")])));
        assert!(!accepts_gzip(&headers(&[])));
    }

    #[test]
    fn a_copy_is_current_by_its_tag_or_else_by_its_time() {
        let asset = Asset::of(Path::new("x.js"), (SystemTime::UNIX_EPOCH, 1), b"let x = 1;".to_vec());
        let tag = asset.etag.to_str().expect("tag").to_owned();
        assert!(asset.is_current(&headers(&[("if-none-match", &tag)])));
        assert!(asset.is_current(&headers(&[("if-none-match", &format!("\"other\", W/{tag}"))])));
        assert!(!asset.is_current(&headers(&[("if-none-match", "\"other\"")])));
        let later = "Thu, 01 Jan 1970 00:00:10 GMT";
        assert!(asset.is_current(&headers(&[("if-modified-since", later)])));
        assert!(
            !asset.is_current(&headers(&[("if-none-match", "\"other\""), ("if-modified-since", later)])),
            "the tag decides"
        );
    }
}
