//! A pipeline answer read from the server's JSON in one pass.
//!
//! libsql-hrana's answer types are enums tagged by a `type` field inside each object; serde
//! reads such an enum by first copying the whole object into a buffer of its own, so a row's
//! values were copied three times over (the result, the response, each value) before use:
//! over a third of an instance's CPU under load went there. Here each level is a plain struct
//! with its tag as a field, read straight from the text, then turned into libsql-hrana's types
//! for the rest of the client.

use std::sync::Arc;

use base64::Engine as _;
use libsql_hrana::proto::{
    BatchResult, BatchStreamResp, CloseStreamResp, Col, Error, ExecuteStreamResp, GetAutocommitStreamResp,
    PipelineRespBody, Row, SequenceStreamResp, StmtResult, StreamResponse, StreamResult, Value,
};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// Reads a pipeline answer.
pub(super) fn read(bytes: &[u8]) -> Result<PipelineRespBody, String> {
    let answer: Answer = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let results = answer.results.into_iter().map(Outcome::into_result).collect::<Result<_, _>>()?;
    Ok(PipelineRespBody { baton: answer.baton, base_url: answer.base_url, results })
}

#[derive(Deserialize)]
struct Answer {
    baton: Option<String>,
    base_url: Option<String>,
    results: Vec<Outcome>,
}

/// One request's outcome: `{"type": "ok", "response": ...}` or `{"type": "error", "error": ...}`.
#[derive(Deserialize)]
struct Outcome {
    #[serde(rename = "type")]
    kind: String,
    response: Option<Response>,
    error: Option<Error>,
}

impl Outcome {
    fn into_result(self) -> Result<StreamResult, String> {
        Ok(match (self.kind.as_str(), self.response, self.error) {
            ("ok", Some(response), _) => StreamResult::Ok { response: response.into_response()? },
            ("error", _, Some(error)) => StreamResult::Error { error },
            ("none", _, _) => StreamResult::None,
            (kind, ..) => return Err(format!("a result of type {kind} without its body")),
        })
    }
}

/// A response: its type and, by type, a statement's or a batch's result or the autocommit state.
#[derive(Deserialize)]
struct Response {
    #[serde(rename = "type")]
    kind: String,
    result: Option<Body>,
    is_autocommit: Option<bool>,
}

impl Response {
    fn into_response(self) -> Result<StreamResponse, String> {
        let missing = || format!("a {} response without its result", self.kind);
        Ok(match self.kind.as_str() {
            "execute" => {
                StreamResponse::Execute(ExecuteStreamResp { result: self.result.ok_or_else(missing)?.into_statement() })
            }
            "batch" => StreamResponse::Batch(BatchStreamResp { result: self.result.ok_or_else(missing)?.into_batch() }),
            "get_autocommit" => StreamResponse::GetAutocommit(GetAutocommitStreamResp {
                is_autocommit: self.is_autocommit.ok_or_else(missing)?,
            }),
            "sequence" => StreamResponse::Sequence(SequenceStreamResp {}),
            "close" => StreamResponse::Close(CloseStreamResp {}),
            other => return Err(format!("an unexpected {other} response")),
        })
    }
}

/// A statement's result (`cols`, `rows`, ...) or a batch's (`step_results`, `step_errors`); the
/// fields of both, so that the order the server writes them in does not matter.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Body {
    cols: Vec<Col>,
    rows: Vec<Vec<WireValue>>,
    affected_row_count: u64,
    #[serde(deserialize_with = "rowid")]
    last_insert_rowid: Option<i64>,
    step_results: Vec<Option<Body>>,
    step_errors: Vec<Option<Error>>,
}

impl Body {
    fn into_statement(self) -> StmtResult {
        StmtResult {
            cols: self.cols,
            rows: self
                .rows
                .into_iter()
                .map(|values| Row { values: values.into_iter().map(|v| v.0).collect() })
                .collect(),
            affected_row_count: self.affected_row_count,
            last_insert_rowid: self.last_insert_rowid,
            replication_index: None,
            rows_read: 0,
            rows_written: 0,
            query_duration_ms: 0.0,
        }
    }

    fn into_batch(self) -> BatchResult {
        BatchResult {
            step_results: self.step_results.into_iter().map(|step| step.map(Body::into_statement)).collect(),
            step_errors: self.step_errors,
            replication_index: None,
        }
    }
}

/// `last_insert_rowid`: a decimal string, a number or null.
fn rowid<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Option::<Scalar>::deserialize(d)? {
        None => None,
        Some(Scalar::Text(text)) => Some(text.parse().map_err(de::Error::custom)?),
        Some(Scalar::Integer(n)) => Some(n),
        Some(Scalar::Float(_)) => return Err(de::Error::custom("a row id that is not whole")),
    })
}

/// A value: `{"type": "null"}`, `{"type": "integer", "value": "1"}` (a decimal string),
/// `{"type": "float", "value": 1.5}`, `{"type": "text", "value": "..."}` or
/// `{"type": "blob", "base64": "..."}`, its fields in any order.
struct WireValue(Value);

impl<'de> Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = WireValue;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Hrana value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireValue, A::Error> {
        let mut kind: Option<Kind> = None;
        let mut value: Option<Scalar> = None;
        let mut base64: Option<Scalar> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => kind = Some(map.next_value()?),
                // The server writes the type first: an integer's digits are then read in place.
                Key::Value => {
                    value = Some(map.next_value_seed(ScalarSeed { integer: matches!(kind, Some(Kind::Integer)) })?)
                }
                Key::Base64 => base64 = Some(map.next_value_seed(ScalarSeed { integer: false })?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let value = match (kind.ok_or_else(|| de::Error::missing_field("type"))?, value, base64) {
            (Kind::Null, ..) => Value::Null,
            (Kind::Integer, Some(Scalar::Integer(value)), _) => Value::Integer { value },
            (Kind::Integer, Some(Scalar::Text(text)), _) => {
                Value::Integer { value: text.parse().map_err(de::Error::custom)? }
            }
            (Kind::Float, Some(Scalar::Float(value)), _) => Value::Float { value },
            (Kind::Text, Some(Scalar::Text(value)), _) => Value::Text { value },
            (Kind::Blob, _, Some(Scalar::Text(text))) => Value::Blob {
                value: base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(text.trim_end_matches('='))
                    .map_err(de::Error::custom)?
                    .into(),
            },
            _ => return Err(de::Error::custom("a value whose type and content do not agree")),
        };
        Ok(WireValue(value))
    }
}

/// A value's field names.
enum Key {
    Type,
    Value,
    Base64,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "type" => Key::Type,
                    "value" => Key::Value,
                    "base64" => Key::Base64,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

/// A value's type.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Null,
    Integer,
    Float,
    Text,
    Blob,
}

/// What a value's field holds: text, a whole number or a float. Text is copied once, straight
/// from the answer; with `integer`, digits are read as the number they write.
enum Scalar {
    Text(Arc<str>),
    Integer(i64),
    Float(f64),
}

#[derive(Clone, Copy)]
struct ScalarSeed {
    integer: bool,
}

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ScalarSeed { integer: false }.deserialize(d)
    }
}

impl Visitor<'_> for ScalarSeed {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string or a number")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Scalar, E> {
        if self.integer {
            return text.parse().map(Scalar::Integer).map_err(E::custom);
        }
        Ok(Scalar::Text(Arc::from(text)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar, E> {
        Ok(Scalar::Integer(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar, E> {
        i64::try_from(n).map(Scalar::Integer).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_as_libsql_hrana_reads_them() {
        let json = r#"{"baton":"b1","base_url":null,"results":[
            {"type":"ok","response":{"type":"execute","result":{"cols":[{"name":"a","decltype":"TEXT"},{"name":"b","decltype":null}],
              "rows":[[{"type":"text","value":"x \"quoted\" é"},{"type":"integer","value":"-9223372036854775808"}],
                      [{"value":1.5,"type":"float"},{"type":"null"}],[{"type":"blob","base64":"AAEC/w=="},{"type":"blob","base64":"AAEC/w"}]],
              "affected_row_count":2,"last_insert_rowid":"42","replication_index":"7","rows_read":3,"rows_written":1,"query_duration_ms":0.1}}},
            {"type":"ok","response":{"type":"batch","result":{"step_results":[null,{"cols":[],"rows":[],"affected_row_count":0,"last_insert_rowid":null}],
              "step_errors":[{"message":"no","code":"SQLITE_CONSTRAINT"},null],"replication_index":null}}},
            {"type":"error","error":{"message":"gone","code":"STREAM_EXPIRED"}},
            {"type":"ok","response":{"type":"get_autocommit","is_autocommit":true}},
            {"type":"ok","response":{"type":"sequence"}}]}"#;
        let ours = read(json.as_bytes()).expect("read");
        let mut theirs = serde_json::from_str::<PipelineRespBody>(json).expect("libsql-hrana reads it");
        // Fields the client does not use are not kept.
        if let Some(StreamResult::Ok { response: StreamResponse::Execute(done) }) = theirs.results.first_mut() {
            (done.result.replication_index, done.result.rows_read, done.result.rows_written) = (None, 0, 0);
            done.result.query_duration_ms = 0.0;
        }
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }

    #[test]
    fn malformed_answers_are_errors_not_guesses() {
        for json in [
            r#"{"baton":null,"results":[{"type":"ok"}]}"#,
            r#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute"}}]}"#,
            r#"{"baton":null,"results":[{"type":"ok","response":{"type":"describe","result":{}}}]}"#,
            r#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"rows":[[{"type":"integer","value":"x"}]]}}}]}"#,
            r#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"rows":[[{"type":"text","value":1}]]}}}]}"#,
            r#"{"baton":null,"results":[{"type":"ok","response":{"type":"execute","result":{"rows":[[{"value":"a"}]]}}}]}"#,
            "not json",
        ] {
            assert!(read(json.as_bytes()).is_err(), "{json}");
        }
    }
}
