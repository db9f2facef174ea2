//! The model gateway against a real HTTP model server on loopback: structured answers and their
//! usage, JSON mode where structured output is refused, retries, timeouts, answers of the wrong
//! shape, the shared daily budget, and the key kept out of every error.

use std::time::Duration;

use occ_core::config::{LlmConfig, RetryPolicy, Secret};
use occ_core::llm::{Gateway, LlmError, Message, Prompt, spent_today};
use occ_core::store::{Conn, migrate};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::helpers::TestDb;
use crate::llm_mock::{MockModel, Reply, answer, answer_text, status};

const KEY: &str = "sk-test-SECRET-4f9a";

/// The typed answer the tests ask for.
#[derive(Debug, Deserialize, PartialEq)]
struct Intent {
    intent: String,
    confidence: f64,
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {"intent": {"type": "string"}, "confidence": {"type": "number"}},
        "required": ["intent", "confidence"],
        "additionalProperties": false,
    })
}

/// A configuration for `mock`, with waits short enough for a test.
pub fn config_for(mock: &MockModel) -> LlmConfig {
    LlmConfig {
        base_url: mock.base_url(),
        model: "test-model".to_owned(),
        api_key: Some(Secret::new(KEY)),
        timeout: Duration::from_secs(20),
        daily_tokens: None,
        retry: RetryPolicy { base: Duration::from_millis(1), max_wait: Duration::from_millis(20) },
    }
}

async fn database() -> (TestDb, Conn) {
    let db = TestDb::new();
    let conn = db.conn().await;
    migrate::up(&conn, None).await.expect("migrate");
    (db, conn)
}

async fn ask(gateway: &Gateway, conn: &Conn, max_tokens: u32) -> Result<occ_core::llm::Answer<Intent>, LlmError> {
    let schema = schema();
    let messages = [Message::system("Classify the reply."), Message::user("Sounds good, let's talk Tuesday.")];
    gateway
        .complete::<Intent>(conn, Prompt { name: "reply_intent", schema: &schema, messages: &messages, max_tokens })
        .await
}

fn positive() -> Reply {
    answer(json!({"intent": "positive", "confidence": 0.9}), 40, 12)
}

#[tokio::test]
async fn a_structured_answer_is_read_as_the_callers_type_with_its_usage() {
    let mock = MockModel::start(vec![positive()]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    let answer = ask(&gateway, &conn, 100).await.expect("an answer");
    assert_eq!(answer.value, Intent { intent: "positive".into(), confidence: 0.9 });
    assert_eq!((answer.usage.prompt_tokens, answer.usage.completion_tokens), (40, 12));
    let sent = &mock.bodies()[0];
    assert_eq!(sent["model"], "test-model");
    assert_eq!(sent["response_format"]["type"], "json_schema");
    assert_eq!(sent["response_format"]["json_schema"]["name"], "reply_intent");
    assert_eq!(sent["response_format"]["json_schema"]["strict"], true);
    assert_eq!(sent["response_format"]["json_schema"]["schema"], schema());
    assert_eq!(sent["messages"][1]["role"], "user");
    assert_eq!(mock.authorizations()[0].as_deref(), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn a_server_without_structured_output_is_asked_in_json_mode_and_the_shape_checked_here() {
    let refused = status(400, "response_format of type json_schema is not supported by this model");
    let mock = MockModel::start(vec![refused, positive(), positive()]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    ask(&gateway, &conn, 100).await.expect("an answer in JSON mode");
    let bodies = mock.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[1]["response_format"], json!({"type": "json_object"}));
    let instruction = bodies[1]["messages"][0]["content"].as_str().expect("an instruction");
    assert!(instruction.contains("JSON Schema") && instruction.contains("confidence"), "{instruction}");
    ask(&gateway, &conn, 100).await.expect("again");
    assert_eq!(mock.calls(), 3, "the gateway remembers the server lacks structured output");
    assert_eq!(mock.bodies()[2]["response_format"]["type"], "json_object");
}

#[tokio::test]
async fn a_429_with_retry_after_is_tried_again() {
    let limited = Reply::Http {
        status: 429,
        headers: vec![("retry-after", "1".to_owned())],
        body: json!({"error": {"message": "slow down"}}).to_string(),
    };
    let mock = MockModel::start(vec![limited, positive()]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    ask(&gateway, &conn, 100).await.expect("an answer after the wait");
    assert_eq!(mock.calls(), 2);
}

#[tokio::test]
async fn two_server_errors_are_tried_again_and_a_third_is_final() {
    let mock = MockModel::start(vec![status(500, "oops"), status(502, "oops"), positive()]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    ask(&gateway, &conn, 100).await.expect("the third try answers");
    assert_eq!(mock.calls(), 3);

    let failing = MockModel::start(vec![status(500, "down")]).await;
    let gateway = Gateway::new(Some(config_for(&failing))).expect("gateway");
    let err = ask(&gateway, &conn, 100).await.expect_err("three 500s");
    assert!(matches!(err, LlmError::Status { status: 500, .. }), "{err:?}");
    assert_eq!(failing.calls(), 3, "the first try and two retries");
}

#[tokio::test]
async fn a_model_that_does_not_answer_in_time_is_a_timeout() {
    let mock = MockModel::start(vec![Reply::Hang]).await;
    let (_db, conn) = database().await;
    let gateway =
        Gateway::new(Some(LlmConfig { timeout: Duration::from_millis(300), ..config_for(&mock) })).expect("gateway");
    let err = ask(&gateway, &conn, 100).await.expect_err("no answer");
    assert!(matches!(err, LlmError::Timeout { timeout_ms: 300 }), "{err:?}");
    assert_eq!(err.kind(), "timeout");
    assert_eq!(mock.calls(), 1, "a timeout is not tried again");
}

#[tokio::test]
async fn an_answer_that_is_not_json_or_not_of_the_type_is_an_error_of_its_own() {
    let mock = MockModel::start(vec![answer_text("Sure! The intent is positive.", 30, 8)]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    let err = ask(&gateway, &conn, 100).await.expect_err("prose");
    assert!(matches!(err, LlmError::InvalidJson(_)), "{err:?}");
    assert_eq!(mock.calls(), 1);

    let mock = MockModel::start(vec![answer(json!({"intent": "positive", "confidence": "very"}), 30, 8)]).await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    let err = ask(&gateway, &conn, 100).await.expect_err("a string for a number");
    assert!(matches!(err, LlmError::SchemaViolation(_)), "{err:?}");
    assert_eq!(err.kind(), "schema_violation");
}

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_a_connection_error() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let mock = MockModel::start(vec![positive()]).await;
    let config = LlmConfig { base_url: format!("http://{addr}/v1"), ..config_for(&mock) };
    let (_db, conn) = database().await;
    let err = ask(&Gateway::new(Some(config)).expect("gateway"), &conn, 100).await.expect_err("nobody listens");
    assert_eq!(err.kind(), "connection", "{err:?}");
    assert!(!err.to_string().contains(KEY), "{err}");
}

#[tokio::test]
async fn without_a_model_nothing_is_called() {
    let (_db, conn) = database().await;
    let err = ask(&Gateway::new(None).expect("gateway"), &conn, 100).await.expect_err("no model");
    assert!(matches!(err, LlmError::NotConfigured), "{err:?}");
}

#[tokio::test]
async fn two_instances_cannot_spend_more_than_the_days_budget() {
    // Each call reserves at least its 600 answer tokens and reports 900 used: a budget of 1,000
    // allows exactly one, whichever order the two instances reserve and settle in.
    let mock = MockModel::start(vec![answer(json!({"intent": "positive", "confidence": 0.9}), 500, 400)]).await;
    let (db, conn) = database().await;
    let other = db.conn().await;
    let config = LlmConfig { daily_tokens: Some(1_000), ..config_for(&mock) };
    let (one, two) =
        (Gateway::new(Some(config.clone())).expect("gateway"), Gateway::new(Some(config)).expect("gateway"));
    let (a, b) = tokio::join!(ask(&one, &conn, 600), ask(&two, &other, 600));
    let over = [&a, &b].iter().filter(|r| matches!(r, Err(LlmError::OverBudget))).count();
    assert_eq!((a.is_ok() as u8 + b.is_ok() as u8, over), (1, 1), "{a:?} {b:?}");
    assert_eq!(mock.calls(), 1, "the refused call never reached the model");
    assert_eq!(spent_today(&conn).await.expect("spent"), 900, "the reservation settled to the reported usage");

    let err = ask(&one, &conn, 50).await.expect_err("the budget is spent");
    assert_eq!(err.kind(), "over_budget");
    assert_eq!(mock.calls(), 1);
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug_output() {
    let echoed = format!("Incorrect API key provided: {KEY}");
    let mock = MockModel::start(vec![status(401, &echoed)]).await;
    let (_db, conn) = database().await;
    let gateway = Gateway::new(Some(config_for(&mock))).expect("gateway");
    let err = ask(&gateway, &conn, 100).await.expect_err("refused");
    assert!(matches!(err, LlmError::Status { status: 401, .. }), "{err:?}");
    assert_eq!(mock.calls(), 1, "a 401 is not tried again");
    for printed in [err.to_string(), format!("{err:?}"), format!("{gateway:?}"), format!("{:?}", config_for(&mock))] {
        assert!(!printed.contains(KEY), "{printed}");
    }
    assert!(err.to_string().contains("[redacted]"), "{err}");
}
