//! A model for the bench: real HTTP on loopback speaking OpenAI's chat completions, that answers
//! every call after a fixed delay with the smallest JSON of the schema it was asked for (the
//! first value of each list of choices, one item in each array, the lowest number allowed).
//! It stands for a model's latency, not its judgement: an answer an agent finds out of range
//! goes to the fallback, after the call, as a real one would.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

/// A running model server; dropping it stops accepting.
#[derive(Debug)]
pub struct BenchModel {
    addr: SocketAddr,
    accepting: JoinHandle<()>,
}

impl BenchModel {
    /// Listens on a free loopback port; every answer waits `delay`.
    pub async fn start(delay: Duration) -> anyhow::Result<Self> {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.context("while starting the bench's model")?;
        let addr = listener.local_addr()?;
        let accepting = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, delay));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        Ok(Self { addr, accepting })
    }

    /// The base URL to configure.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }
}

impl Drop for BenchModel {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn answer(req: Request<Incoming>, delay: Duration) -> Result<Response<Full<Bytes>>, Infallible> {
    let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let asked: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    tokio::time::sleep(delay).await;
    let schema = &asked["response_format"]["json_schema"]["schema"];
    let content = smallest(schema).to_string();
    let reply = json!({
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": body.len() / 4, "completion_tokens": content.len() / 4},
    });
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(reply.to_string())))
        .unwrap_or_default())
}

/// The smallest value of `schema`: null where null is allowed.
fn smallest(schema: &Value) -> Value {
    if let Some(choices) = schema["enum"].as_array().and_then(|c| c.first()) {
        return choices.clone();
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"null") {
        return Value::Null;
    }
    match types.first().copied() {
        Some("object") => {
            let fields = schema["properties"].as_object().into_iter().flatten();
            Value::Object(fields.map(|(name, field)| (name.clone(), smallest(field))).collect())
        }
        Some("array") => json!([smallest(&schema["items"])]),
        Some("integer") => json!(1),
        Some("number") => json!(0.5),
        Some("boolean") => json!(false),
        Some("string") => json!("Bench answer."),
        _ => match schema["oneOf"].as_array().or(schema["anyOf"].as_array()).and_then(|o| o.first()) {
            Some(first) => smallest(first),
            None => Value::Null,
        },
    }
}
