//! Writing responses the one way every handler does: bare resources, 201 with `Location`,
//! lists as `{"items", "next_cursor"}` with opaque keyset cursors (see [`super::Keyset`]), and
//! list limits.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::extract::Query;
use crate::error::{AppError, AppResult};

/// `200` with a JSON body.
pub fn ok<T: Serialize>(value: &T) -> AppResult<Response<Bytes>> {
    with_status(StatusCode::OK, value)
}

/// A JSON body with the given status.
pub fn with_status<T: Serialize>(status: StatusCode, value: &T) -> AppResult<Response<Bytes>> {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// `201 Created` with the bare resource and its `Location`.
pub fn created<T: Serialize>(location: &str, value: &T) -> AppResult<Response<Bytes>> {
    let mut response = with_status(StatusCode::CREATED, value)?;
    let location = HeaderValue::from_str(location).map_err(|e| AppError::Internal(e.into()))?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// `204 No Content`.
pub fn no_content() -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor of the next page, `null` on the last one.
    pub next_cursor: Option<String>,
    /// How many items the whole list holds (with its filters), where that is known exactly
    /// without counting a large table; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Set when a text search matched more rows than a list sorts for one: the page holds the
    /// best of the first this many matches in the order they were added, not of every match;
    /// more words narrow the search. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capped_at: Option<i64>,
    /// Set when the page stopped after reading this many rows of the list's order without
    /// filling itself, because its filters pass few of them: it holds fewer items than asked
    /// (perhaps none), and `next_cursor` goes on from the last row it read. Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_after: Option<i64>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only says that a next page
    /// exists, and the cursor is made from the last row kept.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> AppResult<Self> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = match rows.last() {
            Some(last) if more => Some(encode_cursor(&key(last))?),
            _ => None,
        };
        Ok(Self { items: rows, next_cursor, total: None, capped_at: None, stopped_after: None })
    }

    /// A list held whole in one page (no cursor), its total its length.
    pub fn whole(items: Vec<T>) -> Self {
        let total = i64::try_from(items.len()).ok();
        Self { items, next_cursor: None, total, capped_at: None, stopped_after: None }
    }
}

/// The default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest page size.
pub const MAX_LIMIT: u32 = 200;

/// The `limit` query parameter of a list as the OpenAPI description declares it; [`limit`]
/// reads it. (A test checks the bounds against [`MAX_LIMIT`].)
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageLimit {
    /// How many items a page holds: 1-200, default 50.
    #[param(value_type = u32, required = false, minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
}

/// The `cursor` query parameter of a list as the OpenAPI description declares it; [`cursor`]
/// reads it.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageCursor {
    /// The `next_cursor` of the previous page; absent for the first page.
    #[param(value_type = String, required = false)]
    pub cursor: Option<String>,
}

/// Reads `limit` (1-200, default 50); anything else is a 422 naming `limit`.
pub fn limit(query: &mut Query) -> AppResult<u32> {
    match query.one("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(AppError::invalid("limit", "range", format!("must be a whole number from 1 to {MAX_LIMIT}"))),
        },
    }
}

/// Encodes a keyset position as an opaque cursor.
pub fn encode_cursor<K: Serialize>(key: &K) -> AppResult<String> {
    let json = serde_json::to_vec(key).map_err(|e| AppError::Internal(e.into()))?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Reads `cursor`, if given; one that was not made by [`encode_cursor`] for this list is a 422.
pub fn cursor<K: DeserializeOwned>(query: &mut Query) -> AppResult<Option<K>> {
    let Some(text) = query.one("cursor") else {
        return Ok(None);
    };
    decode_cursor(&text).map(Some)
}

/// Reads a cursor made by [`encode_cursor`].
pub fn decode_cursor<K: DeserializeOwned>(text: &str) -> AppResult<K> {
    let invalid =
        || AppError::invalid("cursor", "format", "is not a cursor this list returned; start again without it");
    let bytes = URL_SAFE_NO_PAD.decode(text.as_bytes()).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

/// Reads `sort`, `field` or `-field`, from an allow-list of `(name, value)`; the default is the
/// first entry ascending. Answers the value and whether it is descending.
pub fn sort<S: Copy>(query: &mut Query, allowed: &[(&'static str, S)]) -> AppResult<(S, bool)> {
    let Some(text) = query.one("sort") else {
        return allowed
            .first()
            .map(|(_, s)| (*s, false))
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a sort allow-list is empty")));
    };
    let (name, descending) = match text.strip_prefix('-') {
        Some(name) => (name, true),
        None => (text.as_str(), false),
    };
    allowed.iter().find(|(n, _)| *n == name).map(|(_, s)| (*s, descending)).ok_or_else(|| {
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        AppError::invalid("sort", "allowed", format!("must be one of {} (prefix - for descending)", names.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn query(q: &str) -> Query {
        Query::of(&Request::builder().uri(format!("/x?{q}")).body(()).expect("request"))
    }

    #[test]
    fn limits_outside_one_to_two_hundred_are_refused() {
        assert_eq!(limit(&mut query("")).ok(), Some(50));
        assert_eq!(limit(&mut query("limit=200")).ok(), Some(200));
        for bad in ["limit=0", "limit=201", "limit=-1", "limit=ten", "limit=1.5"] {
            assert!(matches!(limit(&mut query(bad)), Err(AppError::Validation(_))), "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor(&("Acme", "0193")).expect("encode");
        let back: Option<(String, String)> = cursor(&mut query(&format!("cursor={c}"))).expect("decode");
        assert_eq!(back, Some(("Acme".into(), "0193".into())));
        assert!(cursor::<(String, String)>(&mut query("cursor=%%%")).is_err());
        assert!(cursor::<(String, String)>(&mut query("cursor=bm9wZQ")).is_err());
    }

    #[test]
    fn pages_keep_limit_rows_and_point_after_the_last() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n).expect("page");
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor(&2).expect("encode")));
        let last = Page::from_rows(vec![1, 2], 2, |n| *n).expect("page");
        assert_eq!(last.next_cursor, None);
    }
}
