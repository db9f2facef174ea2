//! A model server for the tests: real HTTP on loopback, speaking OpenAI's chat completions, that
//! answers `/v1/chat/completions` from a script (one reply per call, the last one repeated) and
//! records what it was sent.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// One scripted reply.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, headers and a body.
    Http { status: u16, headers: Vec<(&'static str, String)>, body: String },
    /// No answer at all, ever (the client's timeout must end the call).
    Hang,
}

/// A chat completion whose content is `content` (as text), with its usage.
pub fn answer_text(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Reply {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    });
    Reply::Http { status: 200, headers: Vec::new(), body: body.to_string() }
}

/// A chat completion whose content is the JSON `content`.
pub fn answer(content: Value, prompt_tokens: u64, completion_tokens: u64) -> Reply {
    answer_text(&content.to_string(), prompt_tokens, completion_tokens)
}

/// An error status with an OpenAI-style error body.
pub fn status(status: u16, message: &str) -> Reply {
    Reply::Http { status, headers: Vec::new(), body: json!({"error": {"message": message}}).to_string() }
}

/// What the server was sent: each request's JSON body and its `Authorization` header.
#[derive(Debug, Default)]
struct Log {
    bodies: Vec<Value>,
    authorizations: Vec<Option<String>>,
}

/// The running server; it stops with the test's runtime.
pub struct MockModel {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

impl MockModel {
    /// Starts a server answering with `script`, in order.
    pub async fn start(script: Vec<Reply>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the model");
        let addr = listener.local_addr().expect("addr");
        let log = Arc::new(Mutex::new(Log::default()));
        let script = Arc::new(script);
        let served = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, script) = (served.clone(), script.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| serve(req, log.clone(), script.clone()));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Self { addr, log }
    }

    /// The base URL to configure (`http://127.0.0.1:port/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The calls of `/v1/chat/completions` so far.
    pub fn calls(&self) -> usize {
        self.log.lock().expect("log").bodies.len()
    }

    /// The body of each call so far.
    pub fn bodies(&self) -> Vec<Value> {
        self.log.lock().expect("log").bodies.clone()
    }

    /// The `Authorization` header of each call so far.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.log.lock().expect("log").authorizations.clone()
    }
}

async fn serve(
    req: Request<Incoming>,
    log: Arc<Mutex<Log>>,
    script: Arc<Vec<Reply>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != hyper::Method::POST || req.uri().path() != "/v1/chat/completions" {
        return Ok(Response::builder().status(404).body(Full::new(Bytes::new())).expect("response"));
    }
    let authorization = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let call = {
        let mut log = log.lock().expect("log");
        log.bodies.push(serde_json::from_slice(&body).unwrap_or(Value::Null));
        log.authorizations.push(authorization);
        log.bodies.len()
    };
    let reply = script.get(call - 1).or(script.last()).cloned().unwrap_or(Reply::Hang);
    match reply {
        Reply::Hang => std::future::pending().await,
        Reply::Http { status, headers, body } => {
            let mut response = Response::builder().status(status).header("content-type", "application/json");
            for (name, value) in headers {
                response = response.header(name, value);
            }
            Ok(response.body(Full::new(Bytes::from(body))).expect("response"))
        }
    }
}
