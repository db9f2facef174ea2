//! Reading requests the one way every handler does: JSON bodies with field-naming errors,
//! PATCH fields that tell absent from null, query strings with strict names, ids from paths.

use bytes::Bytes;
use http::{Request, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::router::PathParams;
use crate::error::{AppError, AppResult, FieldError};

/// A PATCH field: absent (leave unchanged), `null` (clear), or a new value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not sent.
    #[default]
    Absent,
    /// The field was sent as `null`.
    Null,
    /// The field was sent with a value.
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            None => Patch::Null,
            Some(value) => Patch::Value(value),
        })
    }
}

impl<T> Patch<T> {
    /// Whether the field was sent at all.
    pub fn is_present(&self) -> bool {
        !matches!(self, Patch::Absent)
    }

    /// The value sent, if any (absent and `null` alike are none).
    pub fn value(self) -> Option<T> {
        match self {
            Patch::Value(v) => Some(v),
            Patch::Absent | Patch::Null => None,
        }
    }
}

/// Parses a JSON body into `T`. Malformed JSON is a 400; a wrong, missing or unknown field is
/// a 422 naming the field (types use `#[serde(deny_unknown_fields)]`).
pub fn body_json<T: DeserializeOwned>(req: &Request<Bytes>) -> AppResult<T> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(AppError::BadRequest("the body must be JSON, sent with content-type: application/json".to_owned()));
    }
    parse_json(req.body())
}

fn parse_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => AppError::Validation(vec![field_error(&path, &inner)]),
            _ => AppError::BadRequest(format!("the body is not valid JSON: {inner}")),
        }
    })
}

fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    let text = err.to_string();
    let text = text.split(" at line ").next().unwrap_or_default();
    let quoted = |t: &str| t.split('`').nth(1).map(str::to_owned);
    let parent = match path {
        "." | "" => String::new(),
        p => format!("{p}."),
    };
    if let Some(name) = text.strip_prefix("unknown field ").and_then(quoted) {
        // The path of an unknown field already ends with the field itself.
        let field = if path == "." || path.is_empty() { name } else { path.to_owned() };
        FieldError::new(field, "unknown", "is not a field of this resource")
    } else if let Some(name) = text.strip_prefix("missing field ").and_then(quoted) {
        FieldError::new(format!("{parent}{name}"), "required", "is required")
    } else {
        let field = if path == "." { "body".to_owned() } else { path.to_owned() };
        FieldError::new(field, "type", text)
    }
}

/// The query string, parsed once; every name must be read or it is refused by [`Query::finish`].
#[derive(Debug)]
pub struct Query {
    pairs: Vec<(String, String)>,
    known: Vec<&'static str>,
}

impl Query {
    /// Parses the request's query string.
    pub fn of<B>(req: &Request<B>) -> Self {
        let raw = req.uri().query().unwrap_or_default();
        let pairs = form_urlencoded::parse(raw.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        Self { pairs, known: Vec::new() }
    }

    /// Parses a query string given as text (a saved filter), without the leading `?`.
    pub fn parse(raw: &str) -> Self {
        let pairs = form_urlencoded::parse(raw.trim_start_matches('?').as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self { pairs, known: Vec::new() }
    }

    /// The last value of `name`, trimmed, if given and not blank.
    pub fn one(&mut self, name: &'static str) -> Option<String> {
        self.known.push(name);
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// An id parameter: absent, or a UUID in its usual spelling (a 422 naming it otherwise).
    pub fn id(&mut self, name: &'static str) -> AppResult<Option<String>> {
        self.one(name)
            .map(|text| {
                uuid::Uuid::try_parse(&text)
                    .map(|u| u.to_string())
                    .map_err(|_| AppError::invalid(name, "format", "must be an id"))
            })
            .transpose()
    }

    /// Every value of a multi-valued filter: `name=a&name=b` and `name=a,b` alike.
    pub fn many(&mut self, name: &'static str) -> Vec<String> {
        self.known.push(name);
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// An RFC 3339 time, normalised to UTC with milliseconds; anything else is a 422.
    pub fn time(&mut self, name: &'static str) -> AppResult<Option<String>> {
        self.one(name).map(|text| parse_time(name, &text)).transpose()
    }

    /// A 422 for every parameter that no `one`/`many` call asked for.
    pub fn finish(self) -> AppResult<()> {
        let unknown: Vec<FieldError> = self
            .pairs
            .iter()
            .filter(|(k, _)| !self.known.contains(&k.as_str()))
            .map(|(k, _)| FieldError::new(k.clone(), "unknown", "is not a query parameter of this route"))
            .collect();
        if unknown.is_empty() { Ok(()) } else { Err(AppError::Validation(unknown)) }
    }
}

/// An RFC 3339 time in the stored spelling (UTC, milliseconds, `Z`); the error names `field`.
pub fn parse_time(field: &str, text: &str) -> AppResult<String> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .map_err(|_| AppError::invalid(field, "format", "must be an RFC 3339 time such as 2026-11-01T09:00:00Z"))
}

/// The path parameter `name` parsed as an id; a malformed id cannot exist, so it is a 404.
pub fn path_id<B, T>(
    req: &Request<B>,
    name: &str,
    what: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> AppResult<T> {
    req.extensions().get::<PathParams>().and_then(|p| p.get(name)).and_then(parse).ok_or(AppError::NotFound(what))
}

/// The path parameter `name` as an id in its usual spelling; a malformed id is a 404 naming
/// `what`.
pub fn path_uuid<B>(req: &Request<B>, name: &str, what: &'static str) -> AppResult<String> {
    path_id(req, name, what, |t| uuid::Uuid::try_parse(t).ok().map(|u| u.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[serde(default)]
        note: Patch<String>,
        #[serde(default)]
        size: Option<i64>,
    }

    fn err(body: &str) -> AppError {
        parse_json::<Body>(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn patch_fields_tell_absent_from_null() {
        let b: Body = parse_json(br#"{"name": "a"}"#).expect("valid");
        assert_eq!(b.note, Patch::Absent);
        let b: Body = parse_json(br#"{"name": "a", "note": null}"#).expect("valid");
        assert_eq!(b.note, Patch::Null);
        let b: Body = parse_json(br#"{"name": "a", "note": "x"}"#).expect("valid");
        assert_eq!(b.note, Patch::Value("x".into()));
    }

    #[test]
    fn body_errors_name_the_field_and_rule() {
        let cases = [
            (r#"{"name": "a", "colour": 1}"#, "colour", "unknown"),
            (r#"{}"#, "name", "required"),
            (r#"{"name": 5}"#, "name", "type"),
            (r#"{"name": "a", "size": "big"}"#, "size", "type"),
        ];
        for (body, field, rule) in cases {
            match err(body) {
                AppError::Validation(fields) => {
                    assert_eq!((fields[0].field.as_str(), fields[0].rule.as_str()), (field, rule), "{body}");
                }
                other => panic!("{body}: expected 422, got {other:?}"),
            }
        }
        assert!(matches!(err("{not json"), AppError::BadRequest(_)));
        assert!(matches!(err(""), AppError::BadRequest(_)));
    }

    #[test]
    fn query_accepts_repeated_and_comma_separated_values_and_refuses_unknown_names() {
        let req = Request::builder().uri("/x?stage=a,b&stage=c&q=%20hi%20&typo=1").body(()).expect("request");
        let mut q = Query::of(&req);
        assert_eq!(q.many("stage"), ["a", "b", "c"]);
        assert_eq!(q.one("q").as_deref(), Some("hi"));
        match q.finish() {
            Err(AppError::Validation(f)) => assert_eq!(f[0].field, "typo"),
            other => panic!("expected 422, got {other:?}"),
        }
    }
}
