//! `AppError`: every way a request can fail, each with its status code, and the one JSON error
//! envelope they are all answered with.
//!
//! Platform layer (see the crate's documentation): it names no feature, only other platform
//! modules; `cargo xtask layers` checks it.

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use serde::Serialize;

/// The result of anything a handler calls.
pub type AppResult<T> = Result<T, AppError>;

/// One field's validation failure: which field, which rule, and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (`email`, `send_window.start_hour`, `limit`).
    pub field: String,
    /// The rule that failed (`required`, `format`, `max_length`, `unique`, `unknown`, ...).
    pub rule: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), rule: rule.into(), message: message.into() }
    }
}

/// A pointer to a record: its kind and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EntityRef {
    /// The kind of record (`account`, `contact`).
    pub entity: &'static str,
    /// Its id.
    pub id: String,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read at all (malformed JSON, a wrong content type).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid session or token.
    #[error("authentication required")]
    Unauthorized,
    /// 401: a signed request (a webhook) whose signature or timestamp does not hold; says which.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// 401: a sign-in with a wrong email or password (which of the two is not said).
    #[error("the email or password is wrong")]
    BadCredentials,
    /// 403: signed in, but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such resource (or route); the text names what was looked for.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    /// 409: the change conflicts with the current state; says with what.
    #[error("conflict: {message}")]
    Conflict {
        /// What the request conflicts with.
        message: String,
        /// The fields involved, if any.
        fields: Vec<FieldError>,
        /// The existing record the request collides with, if there is one.
        conflicts_with: Option<EntityRef>,
    },
    /// 408: the body did not arrive in time (a client that sends it slowly or stops halfway).
    #[error("the request's body did not arrive within {seconds} seconds")]
    RequestTimeout {
        /// How long the server waited.
        seconds: u64,
    },
    /// 413: the body is larger than this route accepts.
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge {
        /// The route's limit in bytes.
        limit: usize,
    },
    /// 422: the request was read but its values break the rules; every field at fault is named.
    #[error("{}", describe_fields(.0))]
    Validation(Vec<FieldError>),
    /// 429: too many requests; try again after this many seconds.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
    },
    /// 503: the database stayed locked by other writers for longer than OCC waits; a retry a
    /// moment later succeeds (answered with `Retry-After: 1`).
    #[error("the database is busy; retry shortly")]
    Busy,
    /// 503: the service cannot answer now (the database is behind the code, or unreachable).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// 500: a bug or an outage; logged with its cause, answered without details.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn describe_fields(fields: &[FieldError]) -> String {
    let parts: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
    format!("validation failed: {}", parts.join("; "))
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
    request_id: &'a str,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicts_with: Option<&'a EntityRef>,
}

// The OpenAPI document's description of what `Envelope` writes.
/// The error envelope every non-2xx response carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
    /// The request's id, for the logs.
    pub request_id: String,
}

/// The body of the error envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `validation_failed`, `not_found`, `conflict`, ...
    pub code: String,
    /// A sentence for a person.
    pub message: String,
    /// The fields at fault (422, 409).
    pub fields: Option<Vec<FieldError>>,
    /// The existing record a 409 collides with.
    pub conflicts_with: Option<EntityRef>,
}

impl AppError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, rule, message)])
    }

    /// A 409: the request is sound, but the record's state forbids it; `rule` says why.
    pub fn refused(field: impl Into<String>, rule: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Conflict { fields: vec![FieldError::new(field, rule, message.clone())], message, conflicts_with: None }
    }

    /// A 409 about a value that must be unique.
    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Conflict {
            fields: vec![FieldError::new(field, "unique", message.clone())],
            message,
            conflicts_with: None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::BadCredentials | Self::BadSignature(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code in the envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized | Self::BadCredentials => "unauthorized",
            Self::BadSignature(_) => "bad_signature",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict { .. } => "conflict",
            Self::RequestTimeout { .. } => "request_timeout",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::Validation(_) => "validation_failed",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Busy => "busy",
            Self::Internal(_) => "internal",
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::Validation(fields) => match fields.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields are invalid", fields.len()),
            },
            Self::Conflict { message, .. } => message.clone(),
            Self::Internal(_) => "internal error; the request id identifies it in the logs".to_owned(),
            Self::RateLimited { retry_after_secs } => {
                format!("too many requests; retry after {retry_after_secs} seconds")
            }
            Self::BadRequest(message)
            | Self::Forbidden(message)
            | Self::Unavailable(message)
            | Self::BadSignature(message) => message.clone(),
            Self::Unauthorized => {
                "sign in first: send a session cookie or an API token (Authorization: Bearer ...)".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The error as an HTTP response with the one JSON envelope.
    pub fn to_response(&self, request_id: &str) -> Response<Bytes> {
        let fields: &[FieldError] = match self {
            Self::Validation(fields) | Self::Conflict { fields, .. } => fields,
            _ => &[],
        };
        let conflicts_with = match self {
            Self::Conflict { conflicts_with, .. } => conflicts_with.as_ref(),
            _ => None,
        };
        let envelope = Envelope {
            error: Body { code: self.code(), message: self.public_message(), fields, conflicts_with },
            request_id,
        };
        let body = serde_json::to_vec(&envelope).unwrap_or_default();
        let mut response = Response::new(Bytes::from(body));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        match self {
            Self::RateLimited { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"occ\""));
            }
            Self::MethodNotAllowed(allowed) => {
                let list = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                if let Ok(value) = HeaderValue::from_str(&list) {
                    headers.insert(header::ALLOW, value);
                }
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(err: &AppError) -> serde_json::Value {
        serde_json::from_slice(err.to_response("req-1").body()).expect("json")
    }

    #[test]
    fn the_envelope_carries_code_message_fields_and_request_id() {
        let err = AppError::invalid("domain", "format", "must be a domain such as acme.com");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let json = body(&err);
        assert_eq!(json["error"]["code"], "validation_failed");
        assert_eq!(json["error"]["fields"][0]["field"], "domain");
        assert_eq!(json["error"]["fields"][0]["rule"], "format");
        assert_eq!(json["request_id"], "req-1");
    }

    #[test]
    fn internal_errors_say_nothing_about_their_cause() {
        let err = AppError::Internal(anyhow::anyhow!("disk /var/secret full at row 42"));
        let json = body(&err);
        let text = json.to_string();
        assert!(!text.contains("secret") && !text.contains("42"), "{text}");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn rate_limits_say_when_to_retry() {
        let response = AppError::RateLimited { retry_after_secs: 30 }.to_response("r");
        assert_eq!(response.headers()[header::RETRY_AFTER], "30");
    }
}
