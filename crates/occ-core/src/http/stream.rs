//! Streamed answers (CSV exports): a handler answers the status and headers as usual and hands
//! over the body as a stream of chunks, which the local server and the Vercel adapter send as
//! it is produced, so an export of any size needs neither the memory nor a response size limit.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use http::{HeaderValue, Response, StatusCode, header};

/// A body produced chunk by chunk. An error ends the response abruptly, so the client sees an
/// incomplete download rather than a file that looks whole.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// The stream rides in the response's extensions until an adapter takes it.
#[derive(Clone)]
struct Streamed(Arc<Mutex<Option<ByteStream>>>);

/// A 200 answer whose body is `stream`, offered as a download named `filename`.
pub fn streamed(content_type: &'static str, filename: &str, stream: ByteStream) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::OK;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(Streamed(Arc::new(Mutex::new(Some(stream)))));
    response
}

/// Takes the streamed body out of a response, if it has one (the adapters call this).
pub fn take_stream<B>(response: &mut Response<B>) -> Option<SharedStream> {
    let streamed = response.extensions_mut().remove::<Streamed>()?;
    let stream = streamed.0.lock().ok()?.take()?;
    Some(SharedStream(Mutex::new(stream)))
}

/// A [`ByteStream`] that may also be shared between threads, as HTTP bodies must: only the one
/// task sending the body ever polls it, so the lock is never contended.
pub struct SharedStream(Mutex<ByteStream>);

impl std::fmt::Debug for SharedStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedStream")
    }
}

impl Stream for SharedStream {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.0.lock() {
            Ok(mut stream) => stream.as_mut().poll_next(cx),
            Err(_) => Poll::Ready(Some(Err(std::io::Error::other("the body stream panicked")))),
        }
    }
}
