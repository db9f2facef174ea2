//! Reading requests the one way every handler does: JSON bodies with field-naming errors,
//! PATCH fields that tell absent from null, query strings with strict names, ids from paths.

use bytes::Bytes;
use http::{Request, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use super::router::PathParams;
use super::strict::{CONTROL, Strict};
use crate::access::Principal;
use crate::domain::enums::Role;
use crate::domain::text::{Lines, forbidden};
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

/// Parses a body strictly: one JSON value with nothing after it, an object wherever the type
/// has a struct (see [`Strict`]), and no control characters in any string.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> AppResult<T> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|err| AppError::BadRequest(format!("the body is not valid JSON: {err}")))?;
    serde_path_to_error::deserialize(Strict(value)).map_err(|err| {
        let path = err.path().to_string();
        AppError::Validation(vec![field_error(&path, &err.into_inner())])
    })
}

fn field_error(path: &str, err: &serde_json::Error) -> FieldError {
    // A key that cannot be read has no name of its own: name the object that holds it.
    let path = match path.strip_suffix('?').map(|p| p.trim_end_matches('.')) {
        Some("") => ".",
        Some(parent) => parent,
        None => path,
    };
    let text = err.to_string();
    let text = text.split(" at line ").next().unwrap_or_default();
    let quoted = |t: &str| t.split('`').nth(1).map(str::to_owned);
    let parent = match path {
        "." | "" => String::new(),
        p => format!("{p}."),
    };
    let field = if path == "." || path.is_empty() { "body".to_owned() } else { path.to_owned() };
    if let Some(name) = text.strip_prefix("unknown field ").and_then(quoted) {
        // The path of an unknown field already ends with the field itself.
        let field = if path == "." || path.is_empty() { name } else { path.to_owned() };
        FieldError::new(field, "unknown", "is not a field of this resource")
    } else if let Some(name) = text.strip_prefix("missing field ").and_then(quoted) {
        FieldError::new(format!("{parent}{name}"), "required", "is required")
    } else if text.starts_with(CONTROL) {
        FieldError::new(field, "control_characters", text)
    } else {
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

    /// Whose work a view shows (`scope`): `team`, everyone's; `mine` (the default), the
    /// caller's, except for a viewer, who works nothing and sees the team's. Answers whether it
    /// is the team's.
    pub fn team_scope(&mut self, principal: &Principal) -> AppResult<bool> {
        match self.one("scope").as_deref() {
            None | Some("mine") => Ok(principal.role == Role::Viewer),
            Some("team") => Ok(true),
            Some(_) => Err(AppError::invalid("scope", "one_of", "must be mine or team")),
        }
    }

    /// A value of a closed set (a status, a channel): absent, or one of the set's names (a 422
    /// naming the parameter and the names otherwise).
    pub fn closed<T>(&mut self, name: &'static str) -> AppResult<Option<T>>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        self.one(name)
            .map(|text| text.parse().map_err(|e: T::Err| AppError::invalid(name, "one_of", e.to_string())))
            .transpose()
    }

    /// A whole number within `range` (`default` when absent); anything else is a 422 naming
    /// the parameter and the range.
    pub fn whole(&mut self, name: &'static str, range: std::ops::RangeInclusive<i64>, default: i64) -> AppResult<i64> {
        match self.one(name) {
            None => Ok(default),
            Some(text) => text.parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                AppError::invalid(
                    name,
                    "range",
                    format!("must be a whole number from {} to {}", range.start(), range.end()),
                )
            }),
        }
    }

    /// An RFC 3339 time, normalised to UTC with milliseconds; anything else is a 422.
    pub fn time(&mut self, name: &'static str) -> AppResult<Option<String>> {
        self.one(name).map(|text| parse_time(name, &text)).transpose()
    }

    /// A 422 for every parameter that no `one`/`many` call asked for, and for every one that
    /// holds a control character or a line break (a saved filter is read here too).
    pub fn finish(self) -> AppResult<()> {
        let mut refused = refused_text(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        refused.extend(
            self.pairs
                .iter()
                .filter(|(k, _)| !self.known.contains(&k.as_str()))
                .map(|(k, _)| FieldError::new(k.clone(), "unknown", "is not a query parameter of this route")),
        );
        if refused.is_empty() { Ok(()) } else { Err(AppError::Validation(refused)) }
    }
}

/// Refuses a query string whose names or values hold control characters or line breaks (a
/// 422 naming the parameter), for every route before its handler reads it.
pub(super) fn query_text(uri: &http::Uri) -> AppResult<()> {
    let pairs: Vec<_> = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).collect();
    let refused = refused_text(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    if refused.is_empty() { Ok(()) } else { Err(AppError::Validation(refused)) }
}

/// The parameters whose name or value holds a control character or a line break.
fn refused_text<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<FieldError> {
    pairs
        .filter_map(|(name, value)| {
            let found = forbidden(name, Lines::One).or_else(|| forbidden(value, Lines::One))?;
            let name: String = name.chars().filter(|c| !c.is_control()).take(100).collect();
            Some(FieldError::new(name, found.rule(), found.message()))
        })
        .collect()
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Option<Inner>,
        tags: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        hour: i64,
        zone: String,
    }

    fn strict(body: &str) -> AppError {
        parse_json::<Outer>(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn bodies_are_read_strictly() {
        assert!(matches!(err(r#"{"name": "Trail"}xyz"#), AppError::BadRequest(_)), "data after the value");
        assert!(matches!(err(r#"{"name": "a"} {"name": "b"}"#), AppError::BadRequest(_)), "two values");
        let cases = [
            (r#"["a", "note", 5]"#.to_owned(), "body", "type"),
            (r#"{"inner": ["America/New_York", 7]}"#.to_owned(), "inner", "type"),
            (r#"{"inner": {"hour": 7, "zone": "UTC\u0000"}}"#.to_owned(), "inner.zone", "control_characters"),
            (r#"{"tags": ["ok", "b\u0007ad"]}"#.to_owned(), "tags[1]", "control_characters"),
            (r#"{"inner": {"hour": 7, "zone": "UTC\u001b"}}"#.to_owned(), "inner.zone", "control_characters"),
            (r#"{"inner": {"hour": 7, "zone\u0000": "UTC"}}"#.to_owned(), "inner", "control_characters"),
        ];
        for (body, field, rule) in cases {
            match parse_json::<Outer>(body.as_bytes()).expect_err(&body) {
                AppError::Validation(fields) => {
                    assert_eq!((fields[0].field.as_str(), fields[0].rule.as_str()), (field, rule), "{body}");
                }
                other => panic!("{body}: expected 422, got {other:?}"),
            }
        }
        assert!(matches!(strict(r#"{"inner": {"hour": 7, "zone": "UTC"}} x"#), AppError::BadRequest(_)));
        let fine: Outer = parse_json(br#"{"inner": {"hour": 7, "zone": "Hi,\r\n\tthere"}, "tags": ["a"]}"#)
            .expect("tabs and line breaks");
        assert_eq!(fine.inner.map(|i| i.zone).as_deref(), Some("Hi,\r\n\tthere"));
        match err(r#"{"name": "Ana", "note": "x\u0000"}"#) {
            AppError::Validation(fields) => assert!(fields[0].message.contains("U+0000"), "{fields:?}"),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn query_strings_with_control_characters_are_refused_naming_the_parameter() {
        let uri = |q: &str| q.parse::<http::Uri>().expect("uri");
        assert!(query_text(&uri("/x?q=abc&stage=new,touched")).is_ok());
        for (query, field, rule) in [
            ("/x?q=%00%00%00abc", "q", "control_characters"),
            ("/x?stage=new&q=a%0Ab", "q", "single_line"),
            ("/x?na%00me=1", "name", "control_characters"),
        ] {
            match query_text(&uri(query)) {
                Err(AppError::Validation(fields)) => {
                    assert_eq!((fields[0].field.as_str(), fields[0].rule.as_str()), (field, rule), "{query}");
                }
                other => panic!("{query}: expected 422, got {other:?}"),
            }
        }
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

    #[test]
    fn a_scope_is_mine_by_default_the_team_for_a_viewer_and_nothing_else() {
        let scope = |query: &str, role: Role| {
            let req = Request::builder().uri(format!("/x?{query}")).body(()).expect("request");
            let via = crate::access::Via::Session { id: "s".into(), secret: "x".into() };
            let who = Principal { user_id: "u".into(), email: "u@x.example".into(), name: "U".into(), role, via };
            Query::of(&req).team_scope(&who)
        };
        assert!(!scope("", Role::Bdr).expect("mine"));
        assert!(!scope("scope=mine", Role::Manager).expect("mine"));
        assert!(scope("scope=team", Role::Bdr).expect("team"));
        assert!(scope("", Role::Viewer).expect("a viewer sees the team's"));
        match scope("scope=everyone", Role::Admin) {
            Err(AppError::Validation(f)) => assert_eq!((f[0].field.as_str(), f[0].rule.as_str()), ("scope", "one_of")),
            other => panic!("expected 422, got {other:?}"),
        }
    }
}
